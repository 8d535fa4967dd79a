//! Every text a person reads, in Danish and English. Keys are stable ids; a test checks
//! that every key used in a template exists and that no text is missing in either language.

use ork_domain::Lang;

/// (key, Danish, English) — one row a text, kept as a table for review.
#[rustfmt::skip]
pub static TEXTS: &[(&str, &str, &str)] = &[
    ("site.name", "Dataorkestrator", "Dataorkestrator"),
    (
        "site.tagline",
        "Én indgang til danske sundhedsdata",
        "One entrance to Danish health data",
    ),
    (
        "site.operator",
        "Drevet af den nationale dataorkestrator",
        "Run by the national data orchestrator",
    ),
    ("skip", "Gå til sidens indhold", "Skip to main content"),
    ("nav.main", "Hovedmenu", "Main menu"),
    ("nav.home", "Forside", "Home"),
    ("nav.account", "Min konto", "My account"),
    ("nav.operator", "Drift", "Operations"),
    ("nav.audit", "Revisionsspor", "Audit trail"),
    ("nav.signin", "Log ind", "Sign in"),
    ("nav.catalog", "Datalandkort", "Data catalogue"),
    ("nav.basket", "Min kurv", "My basket"),
    ("catalog.title", "Datalandkort", "Data catalogue"),
    ("catalog.lead", "Alle væsentlige danske sundhedsdatakilder – registre, sygehusenes driftsdata, biobanker og genomdata – med dataansvarlig, variable, dækning og vejen til adgang.", "Every significant Danish health-data source – registers, hospitals' operational data, biobanks and genome data – with its controller, variables, coverage and the way to access."),
    ("catalog.query", "Søg i kilder, tabeller og variable", "Search sources, tables and variables"),
    ("catalog.query_hint", "Dansk eller engelsk, fx »lungekræft«, »HbA1c« eller »dispensing date«. Tom søgning viser alle kilder.", "Danish or English, e.g. “lung cancer”, “HbA1c” or “aktionsdiagnose”. An empty search lists every source."),
    ("catalog.search", "Søg", "Search"),
    ("catalog.facet.data_type", "Datatype", "Data type"),
    ("catalog.facet.controller", "Dataansvarlig", "Data controller"),
    ("catalog.facet.topic", "Emne", "Topic"),
    ("catalog.facet.years", "Dækningsår", "Years covered"),
    ("catalog.from_year", "Data tilbage til år", "Data back to year"),
    ("catalog.to_year", "Data frem til år", "Data up to year"),
    ("catalog.apply", "Anvend", "Apply"),
    ("catalog.sources_found", "datakilder fundet", "data sources found"),
    ("catalog.variable_hits", "Variable", "Variables"),
    ("catalog.records_short", "poster", "records"),
    ("catalog.synthetic", "syntetiske data her", "synthetic data here"),
    ("catalog.basket_add", "Læg i kurven", "Add to basket"),
    ("catalog.basket_remove", "Fjern fra kurven", "Remove from basket"),
    ("catalog.basket_signin", "for at lægge kilden i din kurv (dit databehov, som køreplanen og ansøgningen bygger på).", "to add the source to your basket (your data need, which the roadmap and the application build on)."),
    ("catalog.compare", "Sammenlign", "Compare"),
    ("catalog.id", "Id", "Id"),
    ("catalog.controller", "Dataansvarlig", "Data controller"),
    ("catalog.data_type", "Datatype", "Data type"),
    ("catalog.topics", "Emner", "Topics"),
    ("catalog.coverage", "Dækning (år)", "Coverage (years)"),
    ("catalog.population", "Population", "Population"),
    ("catalog.records", "Antal poster", "Number of records"),
    ("catalog.persons", "Antal unikke personer", "Number of unique persons"),
    ("catalog.cadence", "Opdateres", "Updated"),
    ("catalog.landing_page", "Dataansvarliges side", "Controller's page"),
    ("catalog.chart_title", "Poster pr. år", "Records per year"),
    ("catalog.chart_max", "højeste år", "highest year"),
    ("catalog.chart_table", "Tallene bag figuren", "The figures behind the chart"),
    ("catalog.year", "År", "Year"),
    ("catalog.access", "Adgangsvej", "Access route"),
    ("catalog.approvers", "Skal godkende", "Must approve"),
    ("catalog.delivery", "Levering", "Delivery"),
    ("catalog.lead_time", "Forventet tid", "Expected time"),
    ("catalog.working_days", "arbejdsdage", "working days"),
    ("catalog.fees", "Gebyrer", "Fees"),
    ("catalog.legislation", "Lovgrundlag", "Legislation"),
    ("catalog.retention", "Opbevaring", "Retention"),
    ("catalog.documentation", "Dokumentation", "Documentation"),
    ("catalog.doc_version", "Version", "Version"),
    ("catalog.doc_shipped", "Katalogets udgave", "The catalogue's edition"),
    ("catalog.history", "Ændringshistorik", "Change history"),
    ("catalog.edit", "Redigér dokumentationen", "Edit the documentation"),
    ("catalog.no_docs", "Der er endnu ingen dokumentationsside for denne kilde.", "There is no documentation page for this source yet."),
    ("catalog.quality", "Kendte datakvalitetsforhold", "Known data-quality issues"),
    ("catalog.tables", "Tabeller og variable", "Tables and variables"),
    ("catalog.rows", "rækker", "rows"),
    ("catalog.variable", "Variabel", "Variable"),
    ("catalog.type", "Type", "Type"),
    ("catalog.label", "Betegnelse", "Label"),
    ("catalog.description", "Beskrivelse", "Description"),
    ("catalog.code_list", "Kodeliste", "Code list"),
    ("catalog.variables", "Antal variable", "Number of variables"),
    ("catalog.source_history", "Kildens historik", "The source's history"),
    ("catalog.compare_title", "Sammenlign datakilder", "Compare data sources"),
    ("catalog.back", "Tilbage til datalandkortet", "Back to the data catalogue"),
    ("catalog.basket_title", "Min kurv", "My basket"),
    ("catalog.basket_lead", "Kilderne i din kurv er dit databehov: køreplanen og ansøgningen tager dem med, så du kun skal angive dem én gang. Kurven gemmes på din konto.", "The sources in your basket are your data need: the roadmap and the application take them over, so you state them once. The basket is kept with your account."),
    ("catalog.basket_empty", "Din kurv er tom. Find kilder i", "Your basket is empty. Find sources in the"),
    ("catalog.source", "Datakilde", "Data source"),
    ("catalog.compare_basket", "Sammenlign kilderne i kurven", "Compare the sources in the basket"),
    ("catalog.edit_title", "Redigér dokumentation", "Edit documentation"),
    ("catalog.edit_lead", "Skriv i Markdown (overskrifter, lister, links, tabeller); HTML er ikke tilladt. Hver gemt version bevares med forfatter og ændringer og logges i revisionssporet.", "Write in Markdown (headings, lists, links, tables); HTML is not allowed. Every saved version is kept with its author and changes and logged in the audit trail."),
    ("catalog.edit_da", "Dokumentation på dansk", "Documentation in Danish"),
    ("catalog.edit_en", "Dokumentation på engelsk", "Documentation in English"),
    ("catalog.edit_note", "Hvad har du ændret?", "What did you change?"),
    ("catalog.edit_save", "Gem ny version", "Save a new version"),
    ("catalog.cancel", "Annullér", "Cancel"),
    ("catalog.back_to_source", "Tilbage til kilden", "Back to the source"),
    ("catalog.no_versions", "Dokumentationen er ikke ændret siden katalogets udgave.", "The documentation has not changed since the catalogue's edition."),
    ("nav.signout", "Log af", "Sign out"),
    ("lang.choose", "Vælg sprog", "Choose language"),
    ("lang.da", "Dansk", "Danish"),
    ("lang.en", "English", "English"),
    (
        "home.title",
        "Find, søg og analysér danske sundhedsdata ét sted",
        "Find, apply for and analyse Danish health data in one place",
    ),
    (
        "home.lead",
        "Dataorkestrator er den nationale indgang for forskere og virksomheder: se hvilke data der findes og hvem der har ansvaret, få at vide hvilke godkendelser der skal til, ansøg én gang, følg din sag og analysér data i et sikkert miljø, som de dataansvarlige har tillid til.",
        "Dataorkestrator is the national entrance for researchers and companies: see which data exist and who controls them, learn which approvals you need, apply once, follow your case, and analyse the data in a secure environment the data controllers trust.",
    ),
    (
        "home.parts",
        "Platformens dele",
        "The parts of the platform",
    ),
    ("home.soon", "Kommer snart", "Coming soon"),
    ("part.catalog", "Datalandkort", "Data catalogue"),
    (
        "part.catalog.text",
        "Alle datakilder – registre, hospitalsdata, biobanker og genomdata – med dokumentation, dataansvarlig og adgangsvej.",
        "Every data source – registers, hospital data, biobanks and genomic data – with documentation, controller and access route.",
    ),
    ("part.roadmap", "Køreplan", "Roadmap"),
    (
        "part.roadmap.text",
        "Hvilke godkendelser dit projekt kræver, i hvilken rækkefølge og hvor lang tid hvert trin forventes at tage.",
        "Which approvals your project needs, in what order, and how long each step is expected to take.",
    ),
    ("part.application", "Én ansøgning", "One application"),
    (
        "part.application.text",
        "Udfyld formål og population én gang; platformen fordeler ansøgningen til de myndigheder, der skal godkende.",
        "State purpose and population once; the platform splits the application between the authorities that must approve it.",
    ),
    ("part.quicktest", "Hurtige optællinger", "Quick tests"),
    (
        "part.quicktest.text",
        "Aggregerede optællinger på tværs af registre, før du søger – med diskretioneringskontrol.",
        "Aggregated counts across registers before you apply – with disclosure control.",
    ),
    (
        "part.workspace",
        "Sikkert analysemiljø",
        "Secure analysis environment",
    ),
    (
        "part.workspace.text",
        "Pseudonymiserede data fra flere dataansvarlige, koblet og analyseret ét sted; resultater forlader kun miljøet efter kontrol.",
        "Pseudonymised data from several controllers, linked and analysed in one place; results leave only after checking.",
    ),
    (
        "part.trust",
        "Tillid og gennemsigtighed",
        "Trust and transparency",
    ),
    (
        "part.trust.text",
        "Hver handling logges i et revisionsspor, der kan bevise, at det ikke er ændret.",
        "Every action is logged in an audit trail that can prove it was not altered.",
    ),
    (
        "home.signin_hint",
        "Log ind for at komme i gang.",
        "Sign in to get started.",
    ),
    ("home.welcome", "Velkommen", "Welcome"),
    ("login.title", "Log ind", "Sign in"),
    ("login.email", "E-mail", "E-mail"),
    ("login.password", "Adgangskode", "Password"),
    ("login.submit", "Log ind", "Sign in"),
    (
        "login.failed",
        "E-mail eller adgangskode er forkert.",
        "The e-mail or password is wrong.",
    ),
    (
        "login.rate_limited",
        "For mange forsøg. Vent et øjeblik, og prøv igen.",
        "Too many attempts. Wait a moment and try again.",
    ),
    (
        "login.expired",
        "Din session er udløbet. Log ind igen.",
        "Your session has expired. Please sign in again.",
    ),
    (
        "login.other_methods",
        "MitID og eIDAS-login for udenlandske brugere tilsluttes senere.",
        "MitID and eIDAS sign-in for foreign users will be connected later.",
    ),
    ("account.title", "Min konto", "My account"),
    (
        "account.roles",
        "Organisationer og roller",
        "Organisations and roles",
    ),
    (
        "account.no_roles",
        "Du har endnu ingen roller. Kontakt din organisations administrator.",
        "You have no roles yet. Contact your organisation's administrator.",
    ),
    ("account.org", "Organisation", "Organisation"),
    ("account.role", "Rolle", "Role"),
    (
        "account.language",
        "Foretrukket sprog",
        "Preferred language",
    ),
    ("tokens.title", "API-nøgler", "API tokens"),
    (
        "tokens.intro",
        "API-nøgler giver programmer adgang på dine vegne via Authorization: Bearer. En ny nøgle vises kun én gang.",
        "API tokens give programs access on your behalf through Authorization: Bearer. A new token is shown only once.",
    ),
    ("tokens.name", "Navn", "Name"),
    ("tokens.expires_in_days", "Gyldig i dage", "Valid for days"),
    ("tokens.create", "Opret nøgle", "Create token"),
    (
        "tokens.created",
        "Din nye API-nøgle. Kopiér den nu – den vises ikke igen:",
        "Your new API token. Copy it now – it will not be shown again:",
    ),
    (
        "tokens.none",
        "Du har ingen API-nøgler.",
        "You have no API tokens.",
    ),
    ("tokens.expires", "Udløber", "Expires"),
    ("tokens.status", "Status", "Status"),
    ("tokens.active", "Aktiv", "Active"),
    ("tokens.revoked", "Tilbagekaldt", "Revoked"),
    ("tokens.expired", "Udløbet", "Expired"),
    ("tokens.revoke", "Tilbagekald", "Revoke"),
    (
        "operator.title",
        "Drift: organisationer og brugere",
        "Operations: organisations and users",
    ),
    ("operator.orgs", "Organisationer", "Organisations"),
    ("operator.users", "Brugere", "Users"),
    (
        "operator.add_org",
        "Tilføj organisation",
        "Add organisation",
    ),
    ("operator.add_user", "Tilføj bruger", "Add user"),
    ("operator.grant", "Tildel rolle", "Grant role"),
    ("operator.id", "Id", "Id"),
    ("operator.kind", "Type", "Kind"),
    (
        "operator.authority_role",
        "Myndighedsrolle",
        "Authority role",
    ),
    (
        "operator.authority_role.none",
        "Ingen (ikke en myndighed)",
        "None (not an authority)",
    ),
    ("operator.name_da", "Navn på dansk", "Name in Danish"),
    ("operator.name_en", "Navn på engelsk", "Name in English"),
    ("operator.user_name", "Fulde navn", "Full name"),
    (
        "operator.initial_password",
        "Startadgangskode (mindst 12 tegn)",
        "Initial password (at least 12 characters)",
    ),
    ("operator.saved", "Gemt.", "Saved."),
    ("operator.roles", "Roller", "Roles"),
    ("operator.account", "Konto", "Account"),
    ("operator.active", "Aktiv", "Active"),
    ("operator.disabled", "Deaktiveret", "Disabled"),
    ("operator.disable", "Deaktivér", "Disable"),
    ("operator.enable", "Aktivér", "Enable"),
    ("operator.revoke", "Fjern", "Remove"),
    ("audit.title", "Revisionsspor", "Audit trail"),
    (
        "audit.intro",
        "Alle ændringer på platformen, kædet med SHA-256, så enhver ændring, sletning eller indsættelse kan påvises.",
        "Every change on the platform, chained with SHA-256, so that any edit, deletion or insertion can be shown.",
    ),
    ("audit.chain_ok", "Kæden er intakt", "The chain is intact"),
    (
        "audit.chain_broken",
        "Kæden er brudt",
        "The chain is broken",
    ),
    ("audit.events", "hændelser", "events"),
    ("audit.head", "Kædens seneste hændelse", "Latest event of the chain"),
    ("audit.verify_now", "Verificér hele kæden nu", "Verify the whole chain now"),
    ("audit.filter", "Filtrér", "Filter"),
    ("audit.actor", "Bruger", "User"),
    (
        "audit.object",
        "Objekt (type eller type:id)",
        "Object (type or type:id)",
    ),
    ("audit.from", "Fra (dato)", "From (date)"),
    (
        "audit.to",
        "Til (dato, ikke inklusive)",
        "To (date, exclusive)",
    ),
    ("audit.seq", "Nr.", "No."),
    ("audit.at", "Tidspunkt", "Time"),
    ("audit.action", "Handling", "Action"),
    ("audit.source", "Fra", "From"),
    ("audit.none", "Ingen hændelser matcher.", "No events match."),
    ("kind.authority", "Myndighed", "Authority"),
    ("kind.university_hospital", "Universitet eller hospital", "University or hospital"),
    ("kind.company", "Virksomhed", "Company"),
    ("kind.foreign_organisation", "Udenlandsk organisation", "Foreign organisation"),
    ("kind.platform_operator", "Platformens operatør", "Platform operator"),
    ("authority_role.data_controller", "Dataansvarlig", "Data controller"),
    ("authority_role.approving_authority", "Godkendende myndighed", "Approving authority"),
    ("authority_role.both", "Dataansvarlig og godkendende", "Data controller and approving"),
    ("common.save", "Gem", "Save"),
    ("common.back_home", "Til forsiden", "Back to the home page"),
    ("error.title", "Noget gik galt", "Something went wrong"),
    (
        "error.not_found",
        "Siden findes ikke.",
        "The page does not exist.",
    ),
    (
        "error.forbidden",
        "Du har ikke en rolle, der giver adgang til denne side.",
        "You do not have a role that gives access to this page.",
    ),
    (
        "error.csrf",
        "Formularen er udløbet eller kom ikke fra denne side. Genindlæs siden, og prøv igen.",
        "The form has expired or did not come from this site. Reload the page and try again.",
    ),
    (
        "error.internal",
        "Der opstod en fejl hos os. Prøv igen om lidt.",
        "An error occurred on our side. Please try again shortly.",
    ),
    (
        "footer.about",
        "Om Dataorkestrator",
        "About Dataorkestrator",
    ),
    (
        "footer.synthetic",
        "Alle persondata på denne platform er syntetiske.",
        "All person data on this platform are synthetic.",
    ),
    (
        "footer.accessibility",
        "Tilgængelighed: siderne følger WCAG 2.1 AA.",
        "Accessibility: the pages follow WCAG 2.1 AA.",
    ),
    // Roadmap, precedent register, rulebook
    ("nav.roadmap", "Køreplan", "Roadmap"),
    ("nav.precedents", "Afgørelser", "Decisions"),
    ("nav.rulebook", "Regelbog", "Rulebook"),
    ("roadmap.form_title", "Planlæg dine godkendelser", "Plan your approvals"),
    ("roadmap.form_lead", "Svar på nogle få spørgsmål om projektet. Køreplanen viser så, hvilke godkendelser du skal have, fra hvem, i hvilken rækkefølge, hvor lang tid de forventes at tage – og hvorfor. Intet gemmes, og du behøver ikke at være logget ind.", "Answer a few questions about the project. The roadmap then shows which approvals you need, from whom, in what order, how long they are expected to take – and why. Nothing is saved, and you need not be signed in."),
    ("roadmap.applicant", "Hvem ansøger?", "Who applies?"),
    ("roadmap.region", "Ansøgers region", "The applicant's region"),
    ("roadmap.region_help", "Regionen, hvor institutionen (eller en udenlandsk ansøgers danske partner) hører hjemme. Den afgør, hvilken videnskabsetisk komité der behandler projektet.", "The region where the institution (or a foreign applicant's Danish partner) is based. It decides which research ethics committee handles the project."),
    ("roadmap.region_none", "Ingen region / ved ikke", "No region / don't know"),
    ("roadmap.datasets", "Datakilder", "Data sources"),
    ("roadmap.datasets_help", "Kilderne fra din kurv er valgt. Fjern fluebenet ved dem, du ikke skal bruge.", "The sources from your basket are selected. Untick those you do not need."),
    ("roadmap.datasets_none", "Din kurv er tom. Læg kilder i kurven fra datalandkortet, eller skriv deres id herunder.", "Your basket is empty. Add sources to it from the data catalogue, or type their ids below."),
    ("roadmap.more", "Andre datakilder (id fra datalandkortet)", "Other data sources (ids from the data catalogue)"),
    ("roadmap.more_help", "Adskil med komma eller mellemrum, fx »lpr, lmdb, ind«.", "Separate with commas or spaces, e.g. “lpr, lmdb, ind”."),
    ("roadmap.traits", "Om projektet", "About the project"),
    ("roadmap.yes", "Ja", "Yes"),
    ("roadmap.no", "Nej", "No"),
    ("roadmap.submit", "Vis køreplanen", "Show the roadmap"),
    ("roadmap.errors", "Der er problemer med svarene", "There are problems with the answers"),
    ("roadmap.err_kind", "Vælg, hvem der ansøger.", "Choose who applies."),
    ("roadmap.err_datasets", "Vælg mindst én datakilde.", "Choose at least one data source."),
    ("roadmap.title", "Din køreplan", "Your roadmap"),
    ("roadmap.lead", "De godkendelser, dit databehov kræver, i den rækkefølge de kan gives. Tiderne er forventede (median) og et travlt forløb (90 % af sagerne er afgjort inden da).", "The approvals your data need requires, in the order they can be given. Times are expected (median) and a slow case (90 % of cases are decided by then)."),
    ("roadmap.total", "Forventet samlet tid", "Expected total time"),
    ("roadmap.days", "dage", "days"),
    ("roadmap.p90", "90 % inden", "90 % within"),
    ("roadmap.steps_count", "godkendelser", "approvals"),
    ("roadmap.computed_under", "Beregnet efter regelbog", "Computed under rulebook"),
    ("roadmap.print", "Udskriv", "Print"),
    ("roadmap.change", "Ret svarene", "Change the answers"),
    ("roadmap.blockers", "Køreplanen kan ikke gennemføres, som projektet er beskrevet", "The roadmap cannot be completed as the project is described"),
    ("roadmap.unblock", "Det løser det:", "What would unblock it:"),
    ("roadmap.timeline", "Tidslinje", "Timeline"),
    ("roadmap.timeline_desc", "Hver godkendelse er en bjælke fra tidligste start til forventet afgørelse; den tynde streg viser, hvor længe et langsomt forløb (90 %) kan tage. Fyldte bjælker er den kritiske vej; åbne bjælker kan forsinkes uden at forsinke projektet. Listen herunder indeholder de samme oplysninger.", "Each approval is a bar from earliest start to expected decision; the thin line shows how long a slow case (90 %) may take. Filled bars are the critical path; open bars can slip without delaying the project. The list below holds the same information."),
    ("roadmap.legend_critical", "Kritisk vej", "Critical path"),
    ("roadmap.legend_other", "Kan forsinkes", "Can slip"),
    ("roadmap.legend_p90", "Langsomt forløb (90 %)", "Slow case (90 %)"),
    ("roadmap.day", "Dag", "Day"),
    ("roadmap.list", "Trin for trin", "Step by step"),
    ("roadmap.critical", "Kritisk vej", "Critical path"),
    ("roadmap.parallel", "Kan køre samtidig med andre trin", "Can run alongside other steps"),
    ("roadmap.authority", "Myndighed", "Authority"),
    ("roadmap.why", "Hvorfor", "Why"),
    ("roadmap.rule", "Regel", "Rule"),
    ("roadmap.legal_basis", "Hjemmel", "Legal basis"),
    ("roadmap.prepare", "Det skal du forberede", "What to prepare"),
    ("roadmap.fee", "Gebyr", "Fee"),
    ("roadmap.expected", "Forventet tid", "Expected time"),
    ("roadmap.evidence_prior", "alene ud fra den dokumenterede forhåndsantagelse (ingen afgjorte sager endnu)", "from the documented prior alone (no decided cases yet)"),
    ("roadmap.evidence_cases", "afgjorte sager ligger til grund", "decided cases behind this estimate"),
    ("roadmap.when", "Tidligst", "Earliest"),
    ("roadmap.from_day", "dag", "day"),
    ("roadmap.to_day", "til dag", "to day"),
    ("roadmap.after", "Efter", "After"),
    ("roadmap.datasets_of_step", "Gælder", "Concerns"),
    ("roadmap.similar", "Lignende afgørelser", "Similar decisions"),
    ("roadmap.no_similar", "Ingen offentliggjorte afgørelser endnu.", "No published decisions yet."),
    ("roadmap.replaced", "Ikke nødvendige", "Not needed"),
    ("roadmap.replaced_by", "dækkes af", "covered by"),
    ("roadmap.carried_over", "Gælder fortsat", "Carried over"),
    ("roadmap.what_if", "Hvad hvis projektet var anderledes?", "What if the project were different?"),
    ("roadmap.what_if_lead", "Sådan ændrer køreplanen sig, hvis ét svar var det modsatte.", "How the roadmap changes if one answer were the opposite."),
    ("roadmap.if", "Hvis", "If"),
    ("roadmap.added", "Kommer til", "Added"),
    ("roadmap.removed", "Falder væk", "Removed"),
    ("roadmap.delta", "Samlet tid", "Total time"),
    ("roadmap.see", "Se den køreplan", "See that roadmap"),
    ("roadmap.no_what_if", "Intet enkelt svar ville ændre køreplanen.", "No single answer would change the roadmap."),
    ("roadmap.start_here", "Planlæg godkendelserne for kurven", "Plan the approvals for the basket"),
    ("roadmap.example", "illustrativt eksempel", "illustrative example"),
    ("trait.biological_material", "Bruger projektet biologisk materiale (blod, væv, biobankprøver)?", "Does the project use biological material (blood, tissue, biobank samples)?"),
    ("trait.biological_material.help", "Ja, også for prøver, der allerede ligger i en biobank. Prøverne kræver biobankens godkendelse og tjek af Vævsanvendelsesregistret.", "Yes, also for samples already stored in a biobank. Samples need the biobank's approval and a check of the tissue-use register."),
    ("trait.genome_data_reuse", "Genbruger projektet genomdata (fx fra Nationalt Genom Center)?", "Does the project reuse genome data (e.g. from the National Genome Center)?"),
    ("trait.genome_data_reuse.help", "Genomdata, der allerede er sekventeret til behandling eller anden forskning.", "Genome data already sequenced for treatment or other research."),
    ("trait.image_data_reuse", "Genbruger projektet billeddata (fx røntgen, CT, MR)?", "Does the project reuse image data (e.g. X-ray, CT, MRI)?"),
    ("trait.image_data_reuse.help", "Billeder fra regionernes billedarkiver (PACS), der er taget som led i behandling.", "Images from the regions' picture archives (PACS) taken as part of treatment."),
    ("trait.consent", "Har alle deltagere givet skriftligt samtykke til brugen af deres data?", "Have all participants given written consent to the use of their data?"),
    ("trait.consent.help", "Samtykke, der dækker netop disse data og dette formål. Med samtykke bortfalder regionsrådets godkendelse efter sundhedslovens § 46.", "Consent covering exactly these data and this purpose. With consent, the regional council's approval under section 46 of the Health Act falls away."),
    ("trait.contact_with_participants", "Kontakter projektet deltagerne (spørgeskema, interview, undersøgelse)?", "Does the project contact the participants (questionnaire, interview, examination)?"),
    ("trait.contact_with_participants.help", "Enhver henvendelse til de personer, data handler om.", "Any approach to the persons the data are about."),
    ("trait.intervention", "Indebærer projektet en intervention (behandling, forsøg)?", "Does the project involve an intervention (treatment, trial)?"),
    ("trait.intervention.help", "Et sundhedsvidenskabeligt forsøg, der påvirker deltagerne. Rene registerstudier er ikke interventioner.", "A health-research trial that affects the participants. Pure register studies are not interventions."),
    ("trait.disclosure_outside_eu", "Skal data videregives uden for EU/EØS?", "Will data be disclosed outside the EU/EEA?"),
    ("trait.disclosure_outside_eu.help", "Også pseudonymiserede data og adgang fra et land uden for EU/EØS.", "Also pseudonymised data and access from a country outside the EU/EEA."),
    ("trait.identifiable_publication", "Skal resultater offentliggøres, så personer kan genkendes?", "Will results be published so that persons can be recognised?"),
    ("trait.identifiable_publication.help", "Fx sygehistorier eller meget små grupper. Almindelige statistiske resultater er ikke identificerbare.", "E.g. case histories or very small groups. Ordinary statistical results are not identifiable."),
    ("trait.commercial_purpose", "Har projektet et kommercielt formål?", "Does the project have a commercial purpose?"),
    ("trait.commercial_purpose.help", "Fx udvikling af et produkt, der skal sælges. Forskning i en virksomhed kan godt være forskning af væsentlig samfundsmæssig betydning.", "E.g. developing a product for sale. Research in a company can still be research of significant societal importance."),
    ("applicant.danish_university", "Dansk universitet eller forskningsinstitution", "Danish university or research institution"),
    ("applicant.danish_hospital", "Dansk hospital eller region", "Danish hospital or region"),
    ("applicant.danish_public_authority", "Dansk offentlig myndighed", "Danish public authority"),
    ("applicant.danish_company", "Dansk virksomhed", "Danish company"),
    ("applicant.foreign_university", "Udenlandsk universitet eller forskningsinstitution", "Foreign university or research institution"),
    ("applicant.foreign_company", "Udenlandsk virksomhed", "Foreign company"),
    ("outcome.approved", "Godkendt", "Approved"),
    ("outcome.approved_with_conditions", "Godkendt med vilkår", "Approved with conditions"),
    ("outcome.rejected", "Afslået", "Rejected"),
    ("outcome.not_required", "Ikke nødvendig", "Not required"),
    ("precedents.title", "Afgørelser", "Decisions"),
    ("precedents.lead", "Tidligere afgørelser om adgang til sundhedsdata, anonymiseret, med begrundelse og den regel, de anvendte – så du kan se, om dit projekt ligger inden for rammerne. Afgørelserne fra sagsbehandlingen offentliggøres her; indtil da vises illustrative eksempler, der er markeret som sådan.", "Earlier decisions on access to health data, anonymised, with their reasons and the rule they applied – so you can see whether your project is within scope. Decisions from case handling are published here; until then, illustrative examples are shown and marked as such."),
    ("precedents.query", "Søg i afgørelserne", "Search the decisions"),
    ("precedents.rule", "Regel", "Rule"),
    ("precedents.any_rule", "Alle regler", "All rules"),
    ("precedents.found", "afgørelser", "decisions"),
    ("precedents.none", "Ingen afgørelser passer til søgningen.", "No decisions match the search."),
    ("precedents.decided", "Afgjort", "Decided"),
    ("precedents.applicant", "Ansøger", "Applicant"),
    ("precedents.reasons", "Begrundelse", "Reasons"),
    ("rulebook.title", "Regelbogen", "The rulebook"),
    ("rulebook.lead", "Én fælles fortolkning af reglerne for adgang til sundhedsdata: hvilke godkendelser der kræves, af hvem, på hvilket grundlag og hvor lang tid de tager. Køreplanen beregnes ud fra den.", "One shared interpretation of the rules for access to health data: which approvals are required, by whom, on what basis and how long they take. The roadmap is computed from it."),
    ("rulebook.version", "Version", "Version"),
    ("rulebook.published", "Offentliggjort", "Published"),
    ("rulebook.assessments", "Fælles vurderinger", "Shared assessments"),
    ("rulebook.assessments_lead", "Vurderes én gang af én myndighed og genbruges af de øvrige.", "Assessed once by one authority and reused by the others."),
    ("rulebook.decided_by", "Afgøres ved", "Decided at"),
    ("rulebook.steps", "Godkendelser", "Approvals"),
    ("rulebook.deadline", "Lovbestemt frist", "Statutory deadline"),
    ("rulebook.no_deadline", "ingen", "none"),
    ("rulebook.versions", "Versioner", "Versions"),
    ("rulebook.versions_lead", "Hver køreplan angiver den version af regelbogen, den er beregnet efter. Platformen gemmer hver version, den har kørt med, så ændringerne kan ses.", "Every roadmap names the version of the rulebook it was computed under. The platform keeps every version it has run with, so the changes can be seen."),
    ("rulebook.first_seen", "Taget i brug", "In use from"),
    ("rulebook.changes", "Ændringer", "Changes"),
    ("rulebook.changes_title", "Ændringer i regelbogen", "Changes to the rulebook"),
    ("rulebook.from", "Fra version", "From version"),
    ("rulebook.to", "Til version", "To version"),
    ("rulebook.show", "Vis ændringer", "Show changes"),
    ("rulebook.only_one", "Platformen har indtil nu kun kørt med én version af regelbogen, så der er ingen ændringer at vise.", "The platform has run with one version of the rulebook so far, so there are no changes to show."),
    ("rulebook.no_changes", "Ingen forskelle mellem de to versioner.", "No differences between the two versions."),
    ("rulebook.added", "Tilføjet", "Added"),
    ("rulebook.removed", "Fjernet", "Removed"),
    ("rulebook.changed", "Ændret", "Changed"),
    ("rulebook.field", "Felt", "Field"),
    ("rulebook.before", "Før", "Before"),
    ("rulebook.after", "Efter", "After"),
    ("roadmap.own_institution", "Din egen institution", "Your own institution"),
    ("roadmap.err_answer", "Besvar:", "Answer:"),
    ("roadmap.of_which", "heraf", "of which"),
    ("roadmap.seed", "genererede eksempler, indtil sagsbehandlingen registrerer rigtige afgørelser", "generated examples until case handling records real decisions"),
    ("roadmap.err_yesno", "Vælg ja eller nej.", "Choose yes or no."),
    ("rulebook.per_case", "Afhænger af projektet (region, dataansvarlig)", "Depends on the project (region, controller)"),
    ("rulebook.item_step", "Godkendelse", "Approval"),
    ("rulebook.item_assessment", "Fælles vurdering", "Shared assessment"),
    ("rulebook.precedents_link", "Se de offentliggjorte afgørelser", "See the published decisions"),
    ("roadmap.day0", "den dag, projektet er klar til at søge", "the day the project is ready to apply"),
    ("rulebook.current", "gældende", "in force"),
];

/// Looks up a text. An unknown key returns the key itself, so a missing text is visible
/// on the page (and caught by the template test) rather than an empty space.
pub fn text(lang: Lang, key: &str) -> &str {
    match TEXTS.iter().find(|(k, _, _)| *k == key) {
        Some((_, da, en)) => match lang {
            Lang::Da => da,
            Lang::En => en,
        },
        None => key,
    }
}

/// Handed to templates as `t`: `{{ t.t("nav.home") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match TEXTS.iter().find(|(k, _, _)| *k == key) {
            Some((_, da, en)) => match self.lang {
                Lang::Da => da,
                Lang::En => en,
            },
            None => key,
        }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The label of a coded value, e.g. `label("kind", "company")` → "Virksomhed".
    pub fn label(&self, group: &str, code: &str) -> String {
        text(self.lang, &format!("{group}.{code}")).to_owned()
    }

    /// The role's name in the current language.
    pub fn role(&self, role: &ork_domain::Role) -> &'static str {
        use ork_domain::Role::*;
        match (self.lang, role) {
            (Lang::Da, Applicant) => "Ansøger",
            (Lang::Da, Advisor) => "Rådgiver",
            (Lang::Da, CaseHandler) => "Sagsbehandler",
            (Lang::Da, DataSteward) => "Dataforvalter",
            (Lang::Da, OutputChecker) => "Output-kontrollant",
            (Lang::Da, Auditor) => "Revisor",
            (Lang::Da, Citizen) => "Borger",
            (Lang::Da, Operator) => "Driftsansvarlig",
            (Lang::En, Applicant) => "Applicant",
            (Lang::En, Advisor) => "Advisor",
            (Lang::En, CaseHandler) => "Case handler",
            (Lang::En, DataSteward) => "Data steward",
            (Lang::En, OutputChecker) => "Output checker",
            (Lang::En, Auditor) => "Auditor",
            (Lang::En, Citizen) => "Citizen",
            (Lang::En, Operator) => "Operator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_texts_present() {
        let mut seen = HashSet::new();
        for (k, da, en) in TEXTS {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(
                !da.trim().is_empty() && !en.trim().is_empty(),
                "missing text for {k}"
            );
        }
    }

    #[test]
    fn every_key_used_in_a_template_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let re = regex::Regex::new(r#"t\.t\("([^"]+)"\)"#).unwrap();
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            for cap in re.captures_iter(&src) {
                assert!(
                    TEXTS.iter().any(|(k, _, _)| *k == &cap[1]),
                    "{}: unknown text key {}",
                    path.display(),
                    &cap[1]
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "templates use the translation table");
    }

    #[test]
    fn every_kind_and_authority_role_has_a_label() {
        for code in ork_domain::OrgKind::CODES {
            assert_ne!(
                text(Lang::Da, &format!("kind.{code}")),
                format!("kind.{code}")
            );
        }
        for r in ork_domain::AuthorityRole::ALL {
            assert_ne!(
                text(Lang::En, &format!("authority_role.{}", r.code())),
                format!("authority_role.{}", r.code())
            );
        }
    }

    #[test]
    fn unknown_key_shows_itself() {
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(text(Lang::En, "nav.home"), "Home");
        assert_eq!(text(Lang::Da, "nav.home"), "Forside");
    }
}

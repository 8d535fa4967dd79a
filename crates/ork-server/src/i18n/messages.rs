//! The error messages, in Danish and English. The key is the error's code (the `code` of
//! the API's error body), or the code and a variant after a dot when one code has several
//! wordings; `{name}` is filled from the arguments the call gives.

use std::fmt::Display;

/// (key, Danish, English) — one row a message, kept as a table for review.
#[rustfmt::skip]
pub static MESSAGES: &ork_domain::messages::Catalogue = &[
    ("account_disabled", "Kontoen er deaktiveret.", "The account is disabled."),
    ("already_owner", "Personen har oprettet ansøgningen og har allerede fuld adgang.", "This person created the application and already has full access."),
    ("answer_shape", "Disse svar har ikke den form, deres felt tager (se formularen): {list}. Intet er gemt.", "These answers do not have the shape their field takes (see the form): {list}. Nothing was saved."),
    ("applicant_role_required", "Du skal være ansøger i organisationen for at søge på dens vegne.", "You must be an applicant in the organisation to apply on its behalf."),
    ("application_not_found", "Ansøgningen findes ikke, eller du har ikke adgang til den.", "The application does not exist, or you do not have access to it."),
    ("bad_request", "Forespørgslen kunne ikke forstås.", "The request could not be understood."),
    ("blocked", "Trinnet '{step}' kan ansøgeren ikke selv tage; se køreplanen for, hvad der skal til.", "The applicant cannot take the step '{step}' themselves; see the roadmap for what it takes."),
    ("body_too_large", "Forespørgslens indhold er for stort.", "The request body is too large."),
    ("body_unreadable", "Forespørgslens indhold kunne ikke læses.", "The request body could not be read."),
    ("case_handler_required", "Kun sagsbehandlere hos delens myndighed kan gøre dette.", "Only case handlers of the part's authority can do this."),
    ("changed_meanwhile", "En anden har ændret ansøgningen imens. Hent den igen, og gentag din ændring.", "Someone else changed the application in the meantime. Fetch it again and repeat your change."),
    ("cohort_not_found", "Kohorten findes ikke, eller den er ikke delt med dig.", "The cohort does not exist, or it is not shared with you."),
    ("compare_count", "Vælg mellem én og fire datakilder at sammenligne.", "Choose between one and four data sources to compare."),
    ("csrf_failed", "Formularen er udløbet eller kom ikke fra denne side (CSRF-kontrol). Genindlæs siden, og prøv igen.", "The form has expired or did not come from this site (CSRF check). Reload the page and try again."),
    ("decision_text_required", "Skriv begrundelsen (højst 10.000 tegn); kun en godkendelse kan stå uden.", "Write the reasons (at most 10,000 characters); only an approval may go without."),
    ("doc_conflict", "En anden har gemt version {version}, mens du redigerede. Din tekst er bevaret herunder; se historikken, og gem igen.", "Someone else saved version {version} while you were editing. Your text is kept below; check the history and save again."),
    ("doc_invalid.html_da", "Den danske tekst, linje {line}: HTML er ikke tilladt; brug Markdown.", "The Danish text, line {line}: HTML is not allowed; use Markdown."),
    ("doc_invalid.html_en", "Den engelske tekst, linje {line}: HTML er ikke tilladt; brug Markdown.", "The English text, line {line}: HTML is not allowed; use Markdown."),
    ("doc_invalid.link_da", "Den danske tekst, linje {line}: linket '{url}' er ikke en http(s)-, mailto- eller intern adresse.", "The Danish text, line {line}: the link '{url}' is not an http(s), mailto or site address."),
    ("doc_invalid.link_en", "Den engelske tekst, linje {line}: linket '{url}' er ikke en http(s)-, mailto- eller intern adresse.", "The English text, line {line}: the link '{url}' is not an http(s), mailto or site address."),
    ("doc_invalid.note", "Skriv kort (højst 200 tegn), hvad du har ændret.", "Say briefly (at most 200 characters) what you changed."),
    ("doc_invalid.nul_da", "Den danske tekst indeholder et ugyldigt tegn (NUL).", "The Danish text contains an invalid character (NUL)."),
    ("doc_invalid.nul_en", "Den engelske tekst indeholder et ugyldigt tegn (NUL).", "The English text contains an invalid character (NUL)."),
    ("doc_invalid.too_long_da", "Den danske tekst er på {bytes} byte; højst {max} er tilladt.", "The Danish text is {bytes} bytes; at most {max} are allowed."),
    ("doc_invalid.too_long_en", "Den engelske tekst er på {bytes} byte; højst {max} er tilladt.", "The English text is {bytes} bytes; at most {max} are allowed."),
    ("empty_parameter", "Parameteren '{name}' er tom; udelad den, eller giv den en værdi.", "The parameter '{name}' is empty; leave it out or give it a value."),
    ("error", "Forespørgslen mislykkedes.", "The request failed."),
    ("expected_multipart", "Send filen som multipart/form-data med én del ved navn file.", "Send the file as multipart/form-data with one part named file."),
    ("file_type_mismatch", "Filen siges at være {declared}, men indholdet er {found}. Den er ikke modtaget.", "The file is said to be {declared}, but its content is {found}. It was not accepted."),
    ("file_type_not_taken", "Filens indhold er ikke en type, der modtages ({accepted}).", "The file's content is not a type that is accepted ({accepted})."),
    ("forbidden", "Du har ikke en rolle, der giver adgang til dette.", "You do not have a role that gives access to this."),
    ("forbidden.status", "Du har ikke adgang til dette.", "You do not have access to this."),
    ("form_incomplete", "Ansøgningen kan ikke indsendes endnu: {count} svar mangler eller er forkerte. Intet er indsendt.", "The application cannot be submitted yet: {count} answers are missing or wrong. Nothing was submitted."),
    ("history_unreadable", "Dine tidligere hurtige tests kan ikke læses, så beskyttelsen mod differencing kan ikke kontrolleres. Kontakt platformens drift.", "Your earlier quick tests cannot be read, so the protection against differencing cannot be checked. Please contact the platform's operators."),
    ("internal", "Der opstod en fejl hos os. Prøv igen om lidt.", "An error occurred on our side. Please try again shortly."),
    ("invalid_access", "Adgangen skal være co_applicant eller reader.", "The access must be co_applicant or reader."),
    ("invalid_action.account", "Handlingen skal være disable eller enable.", "The action must be disable or enable."),
    ("invalid_action.basket", "Handlingen skal være add eller remove.", "The action must be add or remove."),
    ("invalid_conditions", "Vilkår hører til en godkendelse med vilkår (mindst ét, højst 20, hvert 1-2.000 tegn) og kun dertil.", "Conditions belong to an approval with conditions (at least one, at most 20, each 1-2,000 characters) and only there."),
    ("invalid_email", "Det er ikke en gyldig e-mailadresse.", "That is not a valid e-mail address."),
    ("invalid_expiry", "expires_in_days skal være mellem 1 og {max}.", "expires_in_days must be between 1 and {max}."),
    ("invalid_expiry.days", "Antal dage skal være et heltal.", "Days must be a whole number."),
    ("invalid_filename", "Filnavnet mangler eller indeholder kontroltegn.", "The file name is missing or contains control characters."),
    ("invalid_format.dcat", "format skal være turtle eller jsonld.", "format must be turtle or jsonld."),
    ("invalid_format.statement", "Formatet '{format}' findes ikke; mulige er json og csv.", "There is no format '{format}'; the possible ones are json and csv."),
    ("invalid_id", "Id skal være et heltal.", "The id must be an integer."),
    ("invalid_input", "Ugyldig værdi – {what}: {expected}", "Invalid value – {what}: {expected}"),
    ("invalid_input.grant", "Angiv både organisation og rolle – eller ingen af dem.", "Give both organisation and role – or neither."),
    ("invalid_json", "Ugyldig JSON: {problem}", "Invalid JSON: {problem}"),
    ("invalid_json.not_object", "Indholdet skal være et JSON-objekt.", "The body must be a JSON object."),
    ("invalid_kind", "Ugyldig type: {problem}", "Invalid kind: {problem}"),
    ("invalid_lang", "lang skal være da eller en.", "lang must be da or en."),
    ("invalid_language", "Sproget skal være da eller en.", "The language must be da or en."),
    ("invalid_limit.codes", "limit skal være et heltal fra 1 til 100.", "limit must be a whole number from 1 to 100."),
    ("invalid_limit.search", "limit skal være et tal fra 1 til 500.", "limit must be a number from 1 to 500."),
    ("invalid_message", "Beskeden skal være 1-10.000 tegn.", "The message must be 1-10,000 characters."),
    ("invalid_month", "Måneden '{month}' skal skrives ÅÅÅÅ-MM, f.eks. 2026-12.", "The month '{month}' must be written YYYY-MM, e.g. 2026-12."),
    ("amendment_under_way", "En ændring af tilladelsen er allerede under behandling. Den afgøres eller trækkes tilbage, før en ny kan indsendes.", "An amendment to this permit is already under way. It is decided or withdrawn before another can be submitted."),
    ("permit_not_active", "Tilladelsen er ikke gyldig (tilbagekaldt, erstattet af en ændring eller udløbet) og kan ikke ændres. Ændr den gældende tilladelse.", "The permit is not active (revoked, replaced by an amendment or expired) and cannot be amended. Amend the permit in force."),
    ("invalid_form", "Formularen kunne ikke læses. Genindlæs siden, og prøv igen.", "The form could not be read. Reload the page and try again."),
    ("invalid_need", "Databehovet kunne ikke læses. Start igen fra køreplanen.", "The data need could not be read. Start again from the roadmap."),
    ("invalid_multipart", "Formularen skal have præcis én del ved navn file med et filnavn.", "The form must have exactly one part named file, with a file name."),
    ("invalid_name", "Navnet skal være 1–100 tegn.", "The name must be 1–100 characters."),
    ("invalid_outcome", "Afgørelsen skal være approved, approved_with_conditions, rejected, information_requested eller not_required.", "The outcome must be approved, approved_with_conditions, rejected, information_requested or not_required."),
    ("invalid_query", "q skal være 1–100 tegn.", "q must be 1–100 characters."),
    ("invalid_query_string", "Parametrene kunne ikke læses.", "The parameters could not be read."),
    ("invalid_query_string.search", "Søgeparametrene kunne ikke læses.", "The search parameters could not be read."),
    ("invalid_reason", "Skriv begrundelsen med 1-2.000 tegn.", "Write the reason in 1-2,000 characters."),
    ("invalid_reason_codes", "Begrundelseskoder er højst 20, hver 1-40 tegn af a-z, 0-9 og _.", "Reason codes are at most 20, each 1-40 characters of a-z, 0-9 and _."),
    ("invalid_role", "Ukendt rolle: {role}", "Unknown role: {role}"),
    ("invalid_sort", "Sorteringen skal være due eller arrival.", "The sort must be due or arrival."),
    ("invalid_state_filter", "Tilstanden skal være en af submitted, in_review, information_requested, approved, approved_with_conditions, rejected, withdrawn eller not_required.", "The state must be one of submitted, in_review, information_requested, approved, approved_with_conditions, rejected, withdrawn or not_required."),
    ("invalid_system", "system skal være icd10, atc, sks eller npu.", "system must be icd10, atc, sks or npu."),
    ("invalid_title", "Titlen skal være 1-200 tegn uden kontroltegn.", "The title must be 1-200 characters without control characters."),
    ("invalid_trait", "Svaret på '{trait}' skal være yes eller no.", "The answer to '{trait}' must be yes or no."),
    ("invalid_year", "{name} skal være et årstal, fx 2015 (fik '{got}').", "{name} must be a year, e.g. 2015 (got '{got}')."),
    ("invalid_year.order", "Fra-året {from} ligger efter til-året {to}.", "The from year {from} is after the to year {to}."),
    ("method_not_allowed", "Metoden er ikke tilladt her.", "This method is not allowed here."),
    ("name_invalid", "Navnet må højst have {max} tegn og ingen kontroltegn.", "The name may have at most {max} characters and no control characters."),
    ("name_missing", "Giv kohorten et navn.", "Give the cohort a name."),
    ("no_organisation", "Hurtige tests betales af en organisation, og du er ikke medlem af nogen. Bed din organisations administrator om at tilføje dig.", "Quick tests are paid for by an organisation, and you are not a member of one. Ask your organisation's administrator to add you."),
    ("no_such_user", "Der er ingen bruger med den e-mailadresse.", "There is no user with that e-mail address."),
    ("not_a_draft", "Ansøgningen er ikke en kladde længere og kan ikke ændres sådan.", "The application is no longer a draft and cannot be changed like this."),
    ("not_a_handler", "Den angivne person er ikke sagsbehandler hos delens myndighed.", "The person named is not a case handler of the part's authority."),
    ("not_a_member", "Du er ikke medlem af organisationen '{org}'.", "You are not a member of the organisation '{org}'."),
    ("not_editable", "Ansøgningen kan ikke ændres nu: den er hverken en kladde eller venter på dig.", "The application cannot be changed now: it is neither a draft nor waiting for you."),
    ("not_found", "Findes ikke.", "Not found."),
    ("not_found.status", "Siden eller ressourcen findes ikke.", "The page or resource does not exist."),
    ("not_found.token", "Du har ingen aktiv API-nøgle med det id.", "You have no active API token with that id."),
    ("not_found.user", "Ingen bruger med e-mail {email}.", "No user with e-mail {email}."),
    ("not_in_basket", "Datakilden er ikke i din kurv.", "The data source is not in your basket."),
    ("not_owner", "Kun den, der gemte kohorten, kan ændre den.", "Only the person who saved the cohort can change it."),
    ("not_steward", "Kun dataforvaltere hos kildens dataansvarlige kan redigere dens dokumentation.", "Only data stewards of the source's controller can edit its documentation."),
    ("not_withdrawable", "Ansøgningen er allerede bevilget eller trukket tilbage.", "The application has already been granted or withdrawn."),
    ("nothing_to_resubmit", "Ingen del er afvist, så der er intet at indsende igen.", "No part is rejected, so there is nothing to submit again."),
    ("organisation_not_found", "Organisationen '{org}' findes ikke.", "The organisation '{org}' does not exist."),
    ("part_changed_meanwhile", "Delen er ændret imens (fx afgjort af en anden). Hent den igen.", "The part changed in the meantime (for example, someone else decided it). Fetch it again."),
    ("part_closed", "Delen er afsluttet ({state}) og kan ikke ændres sådan.", "The part is closed ({state}) and cannot be changed like this."),
    ("part_not_found", "Delen findes ikke, eller den er ikke åben for dig.", "The part does not exist, or it is not open to you."),
    ("part_not_open", "Delen venter stadig på et trin, den afhænger af.", "The part is still waiting for a step it depends on."),
    ("permit_not_found", "Tilladelsen findes ikke, eller du har ikke adgang til den.", "The permit does not exist, or you do not have access to it."),
    ("query_too_long", "Søgningen er på {chars} tegn; der søges på højst {max} tegn. Forkort den.", "The query is {chars} characters long; at most {max} are searched. Shorten it."),
    ("query_too_long.precedents", "Søgningen må højst være på 200 tegn.", "The query may be at most 200 characters."),
    ("quicktest_role_required", "Din rolle i '{org}' giver ikke adgang til hurtige tests. Det kræver rollen ansøger, rådgiver, sagsbehandler, dataansvarlig eller driftsansvarlig.", "Your role in '{org}' does not give access to quick tests. That takes the role applicant, advisor, case handler, data steward or operator."),
    ("quicktests_unavailable.building", "Hurtige tests starter: registrene indlæses. Prøv igen om lidt.", "Quick tests are starting: the registers are being loaded. Try again shortly."),
    ("quicktests_unavailable.failed", "Hurtige tests er ikke tilgængelige: {reason}", "Quick tests are not available: {reason}"),
    ("quicktests_unavailable.off", "Hurtige tests er ikke sat op på denne server (ingen registre).", "Quick tests are not set up on this server (no registers)."),
    ("rate_limited", "For mange forespørgsler. Vent lidt, og prøv igen.", "Too many requests. Wait a little and try again."),
    ("reader_only", "Du kan kun læse denne ansøgning.", "You can only read this application."),
    ("revoke_not_allowed", "Kun sagsbehandlere hos en myndighed, tilladelsen bygger på, og driftsansvarlige kan tilbagekalde den.", "Only case handlers of an authority the permit rests on, and operators, can revoke it."),
    ("revoked_already", "Tilladelsen er allerede tilbagekaldt.", "The permit has already been revoked."),
    ("self_disable", "Du kan ikke deaktivere din egen konto.", "You cannot disable your own account."),
    ("self_revoke", "Du kan ikke fjerne din egen driftsrolle.", "You cannot remove your own operator role."),
    ("session_expired", "Din session er udløbet. Log ind igen.", "Your session has expired. Please sign in again."),
    ("session_required", "API-nøgler kan kun oprettes, når man er logget ind i portalen, ikke med en API-nøgle.", "API tokens can only be created when signed in to the portal, not with an API token."),
    ("source_not_found", "Datakilden '{id}' findes ikke i kataloget.", "There is no data source '{id}' in the catalog."),
    ("source_not_found.suggest", "Datakilden '{id}' findes ikke i kataloget. Mente du: {near}?", "There is no data source '{id}' in the catalog. Did you mean: {near}?"),
    ("timeout", "Forespørgslen tog for lang tid.", "The request took too long."),
    ("token_expired", "API-nøglen er udløbet.", "The API token has expired."),
    ("token_malformed", "Authorization-headeren skal være 'Bearer ork_…'.", "The Authorization header must be 'Bearer ork_…'."),
    ("token_revoked", "API-nøglen er tilbagekaldt.", "The API token has been revoked."),
    ("token_unknown", "API-nøglen er ukendt.", "The API token is unknown."),
    ("too_long", "Feltet med andre datakilder må højst være på {max} tegn.", "The other data sources field may be at most {max} characters."),
    ("unauthenticated", "Du er ikke logget ind.", "You are not signed in."),
    ("unknown_datasets", "Disse datakilder findes ikke i datalandkortet: {list}.", "These data sources are not in the data catalogue: {list}."),
    ("unknown_datasets.suggest", "Mente du {near} i stedet for '{id}'?", "Did you mean {near} instead of '{id}'?"),
    ("unknown_facet.controller", "Ukendt dataansvarlig '{value}'. Mulige: {known}.", "Unknown controller '{value}'. Possible: {known}."),
    ("unknown_facet.data_type", "Ukendt datatype '{value}'. Mulige: register, operational, wet, genomic.", "Unknown data type '{value}'. Possible: register, operational, wet, genomic."),
    ("unknown_facet.topic", "Ukendt emne '{value}'. Mulige: {known}.", "Unknown topic '{value}'. Possible: {known}."),
    ("unknown_fields", "Formularen har ikke disse felter: {list}.", "The form has no such fields: {list}."),
    ("unknown_parameter.builder", "Ukendt parameter '{name}'; den mulige er cohort.", "Unknown parameter '{name}'; the possible one is cohort."),
    ("unknown_parameter.form", "Ukendt parameter '{name}'.", "Unknown parameter '{name}'."),
    ("unknown_parameter.list", "Ukendt parameter '{name}'; mulige er: {allowed}.", "Unknown parameter '{name}'; the possible ones are: {allowed}."),
    ("unknown_parameter.precedents", "Ukendt parameter '{name}'. Brug q eller rule.", "Unknown parameter '{name}'. Use q or rule."),
    ("unknown_parameter.search", "Ukendt søgeparameter '{name}'. Brug q, lang, controller, data_type, topic, from_year, to_year eller limit.", "Unknown search parameter '{name}'. Use q, lang, controller, data_type, topic, from_year, to_year or limit."),
    ("unknown_rule", "Regelbogen har intet trin '{rule}'.", "The rulebook has no step '{rule}'."),
    ("unknown_version", "Regelbogen findes ikke i version '{version}'. Kendte versioner: {known}.", "There is no rulebook version '{version}'. Known versions: {known}."),
    ("unprocessable", "Indholdet kunne ikke behandles.", "The content could not be processed."),
    ("unsupported_media_type", "Indholdet skal være JSON (Content-Type: application/json).", "The body must be JSON (Content-Type: application/json)."),
    ("unsupported_media_type.status", "Forkert indholdstype.", "Wrong content type."),
    ("weak_password.long", "Adgangskoden må højst være 1024 tegn.", "The password must be at most 1024 characters."),
    ("weak_password.short", "Adgangskoden skal være mindst 12 tegn.", "The password must be at least 12 characters."),
];

/// A message in one language with its placeholders filled (pages' own messages).
pub fn say(lang: ork_domain::Lang, key: &str, args: &[(&str, &dyn Display)]) -> String {
    let (da, en) = message(key, args);
    lang.pick(da, en)
}

/// A message in both languages with its `{name}` placeholders filled. An unknown key
/// gives the key itself (the tests check that every key used exists).
pub fn message(key: &str, args: &[(&str, &dyn Display)]) -> (String, String) {
    ork_domain::messages::message(MESSAGES, key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once() {
        let (da, en) = message(
            "unknown_parameter.list",
            &[("name", &"{allowed}"), ("allowed", &"org, month")],
        );
        assert_eq!(da, "Ukendt parameter '{allowed}'; mulige er: org, month.");
        assert_eq!(
            en,
            "Unknown parameter '{allowed}'; the possible ones are: org, month."
        );
        assert_eq!(message("no.such", &[]).1, "no.such");
    }
}

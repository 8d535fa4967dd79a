//! The catalog as DCAT-AP 3 with the HealthDCAT-AP health properties, built as an RDF graph
//! (oxrdf) and written as Turtle or JSON-LD by the Oxigraph serialisers — no string
//! templates. Every object the DCAT-AP range shapes constrain is typed, so the export
//! validates against the official SHACL shapes (checked with pyshacl in CI).

use crate::model::{Catalog, Source, Text};
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Graph, Literal, NamedNode, NamedOrBlankNode, Term, Triple};
use std::collections::{BTreeMap, HashMap};

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const DCATAP: &str = "http://data.europa.eu/r5r/";
const HEALTH: &str = "http://healthdataportal.eu/ns/health#";
const ELI: &str = "http://data.europa.eu/eli/ontology#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const EU: &str = "http://publications.europa.eu/resource/authority/";

/// The prefixes used when writing.
pub const PREFIXES: [(&str, &str); 10] = [
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("dcatap", DCATAP),
    ("healthdcatap", HEALTH),
    ("eli", ELI),
    ("skos", SKOS),
    ("rdfs", RDFS),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

fn nn(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

/// Builds the graph. `base` is the platform's public address (no trailing slash);
/// `docs` holds stewards' current documentation, which replaces the shipped pages.
pub struct Export<'a> {
    catalog: &'a Catalog,
    base: String,
    graph: Graph,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Turtle,
    JsonLd,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "turtle" | "ttl" => Some(Self::Turtle),
            "jsonld" | "json-ld" => Some(Self::JsonLd),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::Turtle => "text/turtle; charset=utf-8",
            Self::JsonLd => "application/ld+json",
        }
    }
}

/// The whole catalog as DCAT-AP / HealthDCAT-AP in `format`.
pub fn export(
    catalog: &Catalog,
    base: &str,
    docs: &HashMap<String, Text>,
    format: Format,
) -> std::io::Result<Vec<u8>> {
    let graph = Export::new(catalog, base).build(docs);
    write(&graph, format)
}

/// Writes a graph, triples in a stable order.
pub fn write(graph: &Graph, format: Format) -> std::io::Result<Vec<u8>> {
    let mut triples: Vec<Triple> = graph.iter().map(|t| t.into_owned()).collect();
    triples.sort_by_cached_key(|t| {
        (
            t.subject.to_string(),
            t.predicate.to_string(),
            t.object.to_string(),
        )
    });
    match format {
        Format::Turtle => {
            let mut s = oxttl::TurtleSerializer::new();
            for (p, iri) in PREFIXES {
                s = s.with_prefix(p, iri).map_err(std::io::Error::other)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in &triples {
                w.serialize_triple(t)?;
            }
            w.finish()
        }
        Format::JsonLd => {
            let mut s = oxjsonld::JsonLdSerializer::new();
            for (p, iri) in PREFIXES {
                s = s.with_prefix(p, iri).map_err(std::io::Error::other)?;
            }
            let mut w = s.for_writer(Vec::new());
            for t in &triples {
                w.serialize_quad(t.as_ref().in_graph(oxrdf::GraphNameRef::DefaultGraph))?;
            }
            w.finish()
        }
    }
}

impl<'a> Export<'a> {
    pub fn new(catalog: &'a Catalog, base: &str) -> Self {
        Self {
            catalog,
            base: base.trim_end_matches('/').to_owned(),
            graph: Graph::new(),
        }
    }

    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.graph.insert(&Triple::new(s, p, o));
    }

    fn texts(&mut self, s: &NamedNode, p: NamedNode, t: &Text) {
        for (lang, v) in [("da", &t.da), ("en", &t.en)] {
            if !v.trim().is_empty() {
                self.add(
                    s.clone(),
                    p.clone(),
                    Literal::new_language_tagged_literal_unchecked(v.trim(), lang),
                );
            }
        }
    }

    fn typed(&mut self, iri: NamedNode, class: NamedNode) -> NamedNode {
        self.add(iri.clone(), rdf::TYPE.into_owned(), class);
        iri
    }

    fn agent(&mut self, id: &str) -> NamedNode {
        let iri = nn(&format!("{}/organisations/", self.base), id);
        self.typed(iri.clone(), nn(FOAF, "Agent"));
        self.add(
            iri.clone(),
            rdf::TYPE.into_owned(),
            nn(FOAF, "Organization"),
        );
        let name = self
            .catalog
            .organisation(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| Text::new(id, id));
        self.texts(&iri, nn(FOAF, "name"), &name);
        if let Some(c) = self.catalog.organisation(id) {
            let home = NamedNode::new_unchecked(c.homepage.clone());
            self.typed(home.clone(), nn(FOAF, "Document"));
            self.add(iri.clone(), nn(FOAF, "homepage"), home);
        }
        iri
    }

    fn date(&mut self, s: &BlankNode, p: NamedNode, value: String) {
        self.add(
            s.clone(),
            p,
            Literal::new_typed_literal(value, xsd::DATE.into_owned()),
        );
    }

    /// The graph of the whole catalog.
    pub fn build(mut self, docs: &HashMap<String, Text>) -> Graph {
        let cat = nn(&self.base, "/catalog");
        self.typed(cat.clone(), nn(DCAT, "Catalog"));
        self.texts(
            &cat,
            nn(DCT, "title"),
            &Text::new(
                "Dataorkestrator: datalandkort over danske sundhedsdata",
                "Dataorkestrator: map of Danish health data",
            ),
        );
        self.texts(
            &cat,
            nn(DCT, "description"),
            &Text::new(
                "Alle væsentlige danske sundhedsdatakilder — registre, sygehusenes driftsdata, biobanker og genomdata — med dataansvarlig, variable, dækning og adgangsvej.",
                "Every significant Danish health-data source — registers, hospitals' operational data, biobanks and genome data — with its controller, variables, coverage and access route.",
            ),
        );
        let platform = nn(&format!("{}/organisations/", self.base), "platform");
        self.typed(platform.clone(), nn(FOAF, "Agent"));
        self.texts(
            &platform,
            nn(FOAF, "name"),
            &Text::new("Dataorkestrator", "Dataorkestrator"),
        );
        self.add(cat.clone(), nn(DCT, "publisher"), platform);
        let home = nn(&self.base, "/catalog");
        self.add(cat.clone(), nn(FOAF, "homepage"), home.clone());
        self.typed(home, nn(FOAF, "Document"));
        for lang in ["DAN", "ENG"] {
            let l = self.typed(
                nn(&format!("{EU}language/"), lang),
                nn(DCT, "LinguisticSystem"),
            );
            self.add(cat.clone(), nn(DCT, "language"), l);
        }
        let dk = self.typed(nn(&format!("{EU}country/"), "DNK"), nn(DCT, "Location"));
        self.add(cat.clone(), nn(DCT, "spatial"), dk.clone());
        let health = self.typed(nn(&format!("{EU}data-theme/"), "HEAL"), nn(SKOS, "Concept"));
        let themes = self.typed(
            NamedNode::new_unchecked(format!("{EU}data-theme")),
            nn(SKOS, "ConceptScheme"),
        );
        self.add(health.clone(), nn(SKOS, "inScheme"), themes.clone());
        self.texts(
            &health,
            nn(SKOS, "prefLabel"),
            &Text::new("Sundhed", "Health"),
        );
        self.texts(
            &themes,
            nn(DCT, "title"),
            &Text::new("Datatemaer (EU)", "Data themes (EU)"),
        );
        self.add(cat.clone(), nn(DCAT, "themeTaxonomy"), themes);
        let mut code_systems: BTreeMap<String, NamedNode> = BTreeMap::new();
        let sources: Vec<&Source> = self.catalog.sources.iter().collect();
        for s in sources {
            let ds = nn(&format!("{}/catalog/sources/", self.base), &s.id);
            self.typed(ds.clone(), nn(DCAT, "Dataset"));
            self.add(cat.clone(), nn(DCAT, "dataset"), ds.clone());
            self.add(
                ds.clone(),
                nn(DCT, "identifier"),
                Literal::new_simple_literal(&s.id),
            );
            self.texts(&ds, nn(DCT, "title"), &s.name);
            self.texts(&ds, nn(DCT, "description"), &s.summary);
            for (lang, words) in [("da", &s.keywords.da), ("en", &s.keywords.en)] {
                for w in words {
                    self.add(
                        ds.clone(),
                        nn(DCAT, "keyword"),
                        Literal::new_language_tagged_literal_unchecked(w, lang),
                    );
                }
            }
            self.add(ds.clone(), nn(DCAT, "theme"), health.clone());
            self.add(ds.clone(), nn(DCT, "spatial"), dk.clone());
            let publisher = self.agent(&s.controller);
            self.add(ds.clone(), nn(DCT, "publisher"), publisher);
            // Contact point: the controller, reached through its web site.
            let contact = nn(
                &format!("{}/catalog/sources/{}#", self.base, s.id),
                "contact",
            );
            self.typed(contact.clone(), nn(VCARD, "Kind"));
            self.add(
                contact.clone(),
                rdf::TYPE.into_owned(),
                nn(VCARD, "Organization"),
            );
            if let Some(c) = self.catalog.controller(&s.controller).cloned() {
                self.texts(&contact, nn(VCARD, "fn"), &c.name);
                self.add(
                    contact.clone(),
                    nn(VCARD, "hasURL"),
                    NamedNode::new_unchecked(c.homepage.clone()),
                );
            }
            self.add(ds.clone(), nn(DCAT, "contactPoint"), contact);
            let rights = if s.personal_data {
                "NON_PUBLIC"
            } else {
                "PUBLIC"
            };
            let rights = self.typed(
                nn(&format!("{EU}access-right/"), rights),
                nn(DCT, "RightsStatement"),
            );
            self.add(ds.clone(), nn(DCT, "accessRights"), rights);
            let freq = self.typed(
                nn(&format!("{EU}frequency/"), s.cadence.eu_frequency()),
                nn(DCT, "Frequency"),
            );
            self.add(ds.clone(), nn(DCT, "accrualPeriodicity"), freq);
            let period = BlankNode::new_unchecked(format!("temporal-{}", s.id));
            self.add(
                period.clone(),
                rdf::TYPE.into_owned(),
                nn(DCT, "PeriodOfTime"),
            );
            self.date(
                &period,
                nn(DCAT, "startDate"),
                format!("{}-01-01", s.coverage.from_year),
            );
            if let Some(to) = s.coverage.to_year {
                self.date(&period, nn(DCAT, "endDate"), format!("{to}-12-31"));
            }
            self.add(ds.clone(), nn(DCT, "temporal"), period);
            if let Some(url) = &s.landing_page {
                let page = self.typed(NamedNode::new_unchecked(url.clone()), nn(FOAF, "Document"));
                self.add(ds.clone(), nn(DCAT, "landingPage"), page);
            }
            for law in &s.access.legislation {
                if let Some(l) = self.catalog.law(law).cloned() {
                    let iri = self.typed(
                        NamedNode::new_unchecked(l.iri.clone()),
                        nn(ELI, "LegalResource"),
                    );
                    self.add(ds.clone(), nn(DCATAP, "applicableLegislation"), iri);
                }
            }
            // Health properties.
            let count = |n: u64| {
                Literal::new_typed_literal(n.to_string(), xsd::NON_NEGATIVE_INTEGER.into_owned())
            };
            if let Some(n) = s.coverage.records {
                self.add(ds.clone(), nn(HEALTH, "numberOfRecords"), count(n));
            }
            if let Some(n) = s.coverage.unique_persons {
                self.add(
                    ds.clone(),
                    nn(HEALTH, "numberOfUniqueIndividuals"),
                    count(n),
                );
            }
            if let Some(a) = s.coverage.min_age {
                self.add(ds.clone(), nn(HEALTH, "minTypicalAge"), count(a as u64));
            }
            if let Some(a) = s.coverage.max_age {
                self.add(ds.clone(), nn(HEALTH, "maxTypicalAge"), count(a as u64));
            }
            self.texts(
                &ds,
                nn(HEALTH, "populationCoverage"),
                &s.coverage.population,
            );
            for a in s.access.approvers.clone() {
                let body = self.agent(&a);
                self.add(ds.clone(), nn(HEALTH, "hdab"), body);
            }
            if !s.access.retention.da.is_empty() || !s.access.retention.en.is_empty() {
                let r = BlankNode::new_unchecked(format!("retention-{}", s.id));
                self.add(r.clone(), rdf::TYPE.into_owned(), nn(DCT, "PeriodOfTime"));
                for (lang, v) in [
                    ("da", &s.access.retention.da),
                    ("en", &s.access.retention.en),
                ] {
                    if !v.is_empty() {
                        self.add(
                            r.clone(),
                            nn(RDFS, "comment"),
                            Literal::new_language_tagged_literal_unchecked(v, lang),
                        );
                    }
                }
                self.add(ds.clone(), nn(HEALTH, "retentionPeriod"), r);
            }
            let mut systems: Vec<String> = s
                .tables
                .iter()
                .flat_map(|t| &t.variables)
                .filter_map(|v| v.code_list.as_deref())
                .filter_map(coding_system)
                .map(str::to_owned)
                .collect();
            systems.sort();
            systems.dedup();
            for sys in systems {
                let iri = match code_systems.get(&sys) {
                    Some(i) => i.clone(),
                    None => {
                        let iri = nn(
                            &format!("{}/catalog/coding-systems/", self.base),
                            &slug(&sys),
                        );
                        self.typed(iri.clone(), nn(DCT, "Standard"));
                        self.add(
                            iri.clone(),
                            nn(DCT, "title"),
                            Literal::new_simple_literal(&sys),
                        );
                        code_systems.insert(sys.clone(), iri.clone());
                        iri
                    }
                };
                self.add(ds.clone(), nn(HEALTH, "hasCodingSystem"), iri.clone());
                self.add(ds.clone(), nn(DCT, "conformsTo"), iri);
            }
            let doc = docs.get(&s.id).unwrap_or(&s.docs);
            if !doc.da.is_empty() || !doc.en.is_empty() {
                let page = nn(
                    &format!("{}/catalog/sources/", self.base),
                    &format!("{}#documentation", s.id),
                );
                self.typed(page.clone(), nn(FOAF, "Document"));
                self.add(ds.clone(), nn(FOAF, "page"), page);
            }
        }
        self.graph
    }
}

/// The coding system a code list belongs to, by the names the catalog uses.
pub fn coding_system(code_list: &str) -> Option<&'static str> {
    let c = code_list.to_uppercase();
    [
        ("ICD-10", "ICD-10"),
        ("ICD10", "ICD-10"),
        ("ICD-O", "ICD-O-3"),
        ("ATC", "ATC"),
        ("SKS", "SKS"),
        ("NPU", "NPU"),
        ("TNM", "TNM"),
        ("DISCED", "DISCED-15"),
        ("SOR", "SOR"),
    ]
    .into_iter()
    .find(|(k, _)| c.contains(k))
    .map(|(_, v)| v)
}

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

use crate::catalog;
use ork_catalog::dcat::{Format, export};
use std::collections::HashMap;

const DCAT_DATASET: &str = "http://www.w3.org/ns/dcat#Dataset";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

#[test]
fn the_turtle_export_holds_every_source_with_its_health_properties() {
    let c = catalog();
    let ttl = export(
        c,
        "https://data.example.dk",
        &HashMap::new(),
        Format::Turtle,
    )
    .unwrap();
    let triples: Vec<oxrdf::Triple> = oxttl::TurtleParser::new()
        .for_slice(&ttl)
        .collect::<Result<_, _>>()
        .expect("the export is valid Turtle");
    let datasets = triples
        .iter()
        .filter(|t| {
            t.predicate.as_str() == RDF_TYPE && t.object.to_string() == format!("<{DCAT_DATASET}>")
        })
        .count();
    assert_eq!(datasets, c.sources.len());
    let lpr = "<https://data.example.dk/catalog/sources/lpr>";
    let value = |pred: &str| -> Vec<String> {
        triples
            .iter()
            .filter(|t| t.subject.to_string() == lpr && t.predicate.as_str() == pred)
            .map(|t| t.object.to_string())
            .collect()
    };
    let records = c.source("lpr").unwrap().coverage.records.unwrap();
    assert_eq!(
        value("http://healthdataportal.eu/ns/health#numberOfRecords"),
        [format!(
            "\"{records}\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>"
        )]
    );
    assert_eq!(
        value("http://healthdataportal.eu/ns/health#numberOfUniqueIndividuals").len(),
        1
    );
    assert_eq!(
        value("http://purl.org/dc/terms/publisher"),
        ["<https://data.example.dk/organisations/sds>"]
    );
    assert_eq!(
        value("http://purl.org/dc/terms/title").len(),
        2,
        "Danish and English titles"
    );
    assert!(!value("http://data.europa.eu/r5r/applicableLegislation").is_empty());
    assert!(!value("http://healthdataportal.eu/ns/health#hdab").is_empty());
    assert!(
        !value("http://healthdataportal.eu/ns/health#hasCodingSystem").is_empty(),
        "ICD-10, SKS"
    );
    // The same catalog gives the same bytes.
    let again = export(
        c,
        "https://data.example.dk",
        &HashMap::new(),
        Format::Turtle,
    )
    .unwrap();
    assert!(ttl == again, "two exports differ");
}

#[test]
fn the_json_ld_export_is_json_with_the_same_datasets() {
    let c = catalog();
    let bytes = export(
        c,
        "https://data.example.dk",
        &HashMap::new(),
        Format::JsonLd,
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let graph = v["@graph"].as_array().expect("a @graph");
    let datasets = graph
        .iter()
        .filter(|n| {
            n[RDF_TYPE]
                .as_array()
                .is_some_and(|ts| ts.iter().any(|t| t["@id"] == DCAT_DATASET))
                || n["@type"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|t| t == DCAT_DATASET || t == "dcat:Dataset"))
        })
        .count();
    assert_eq!(datasets, c.sources.len());
}

//! The catalog as operations: finding a source, reading a search from the address, running
//! it. The API and the pages both call these.

use super::CatalogState;
use crate::ApiError;
use axum::http::StatusCode;
use ork_catalog::search::{Query, Results, SearchError};
use ork_catalog::{Catalog, DataType, Source};

/// The source, or a 404 that suggests the ids closest to the one asked for.
pub fn find<'a>(c: &'a Catalog, id: &str) -> Result<&'a Source, ApiError> {
    c.source(id).ok_or_else(|| {
        let shown: String = id.chars().take(60).collect();
        let near = c.suggest(&shown);
        let (da, en) = if near.is_empty() {
            (
                format!("Datakilden '{shown}' findes ikke i kataloget."),
                format!("There is no data source '{shown}' in the catalog."),
            )
        } else {
            let list = near.join(", ");
            (
                format!("Datakilden '{shown}' findes ikke i kataloget. Mente du: {list}?"),
                format!("There is no data source '{shown}' in the catalog. Did you mean: {list}?"),
            )
        };
        ApiError::new(StatusCode::NOT_FOUND, "source_not_found", da, en)
    })
}

/// A parsed search request.
pub struct SearchParams {
    pub query: Query,
    pub lang: Option<String>,
}

pub(crate) fn bad(code: &'static str, da: String, en: String) -> ApiError {
    ApiError::bad_request(code, da, en)
}

/// How strictly a search is read from the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strict {
    /// The portal's form: an empty field means "not given", numbers may carry spaces.
    Form,
    /// The API: every single-valued parameter given has a value and numbers are plain
    /// digits, as the OpenAPI document states (lists still skip empty items).
    Api,
}

/// Reads `q`, `lang`, `controller`, `data_type`, `topic` (each repeatable or
/// comma-separated), `from_year`, `to_year` and `limit`, refusing anything else.
pub fn parse_search(raw: Option<&str>, strict: Strict) -> Result<SearchParams, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| {
            bad(
                "invalid_query_string",
                "Søgeparametrene kunne ikke læses.".into(),
                "The search parameters could not be read.".into(),
            )
        })?;
    let mut query = Query {
        limit: 50,
        ..Default::default()
    };
    let mut lang = None;
    for (k, v) in pairs {
        // An empty field of a form means "not given".
        if strict == Strict::Form && v.trim().is_empty() && k != "q" {
            continue;
        }
        // In the API only a list (controller, topic, data_type) may be empty.
        let list = matches!(k.as_str(), "controller" | "topic" | "data_type");
        if strict == Strict::Api && v.is_empty() && k != "q" && !list {
            let k: String = k.chars().take(40).collect();
            return Err(bad(
                "empty_parameter",
                format!("Parameteren '{k}' er tom; udelad den, eller giv den en værdi."),
                format!("The parameter '{k}' is empty; leave it out or give it a value."),
            ));
        }
        let many = || {
            v.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match k.as_str() {
            "q" => query.q = v,
            "lang" => match v.as_str() {
                "da" | "en" => lang = Some(v),
                _ => {
                    return Err(bad(
                        "invalid_lang",
                        "lang skal være da eller en.".into(),
                        "lang must be da or en.".into(),
                    ));
                }
            },
            "controller" => query.controllers.extend(many()),
            "topic" => query.topics.extend(many()),
            "data_type" => {
                for t in many() {
                    query.data_types.push(data_type(&t)?);
                }
            }
            "from_year" => query.from_year = Some(year("from_year", &v, strict)?),
            "to_year" => query.to_year = Some(year("to_year", &v, strict)?),
            "limit" => query.limit = limit(&v, strict)?,
            // The portal's form fields that are not search parameters.
            "_csrf" => {}
            other => return Err(unknown_search_parameter(other)),
        }
    }
    Ok(SearchParams { query, lang })
}

/// A number as the address carries it: digits (the form also allows spaces around them).
fn digits(v: &str, strict: Strict) -> Option<&str> {
    let v = if strict == Strict::Form { v.trim() } else { v };
    (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then_some(v)
}

fn year(k: &str, v: &str, strict: Strict) -> Result<i32, ApiError> {
    digits(v, strict)
        .and_then(|d| d.parse::<i32>().ok())
        .filter(|y| (1800..=2100).contains(y))
        .ok_or_else(|| {
            let got: String = v.chars().take(20).collect();
            bad(
                "invalid_year",
                format!("{k} skal være et årstal, fx 2015 (fik '{got}')."),
                format!("{k} must be a year, e.g. 2015 (got '{got}')."),
            )
        })
}

fn limit(v: &str, strict: Strict) -> Result<usize, ApiError> {
    digits(v, strict)
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|n| (1..=500).contains(n))
        .ok_or_else(|| {
            bad(
                "invalid_limit",
                "limit skal være et tal fra 1 til 500.".into(),
                "limit must be a number from 1 to 500.".into(),
            )
        })
}

fn data_type(t: &str) -> Result<DataType, ApiError> {
    DataType::parse(t).ok_or_else(|| {
        let t: String = t.chars().take(40).collect();
        bad(
            "unknown_facet",
            format!("Ukendt datatype '{t}'. Mulige: register, operational, wet, genomic."),
            format!("Unknown data type '{t}'. Possible: register, operational, wet, genomic."),
        )
    })
}

fn unknown_search_parameter(other: &str) -> ApiError {
    let other: String = other.chars().take(40).collect();
    bad(
        "unknown_parameter",
        format!(
            "Ukendt søgeparameter '{other}'. Brug q, lang, controller, data_type, topic, from_year, to_year eller limit."
        ),
        format!(
            "Unknown search parameter '{other}'. Use q, lang, controller, data_type, topic, from_year, to_year or limit."
        ),
    )
}

/// Runs a search, wording refusals for people.
pub fn run_search(cs: &CatalogState, q: &Query, lang: &str) -> Result<Results, ApiError> {
    cs.index()
        .search(&cs.catalog, q, lang)
        .map_err(|e| match e {
            SearchError::TooLong { chars, max } => bad(
                "query_too_long",
                format!(
                    "Søgningen er på {chars} tegn; der søges på højst {max} tegn. Forkort den."
                ),
                format!(
                    "The query is {chars} characters long; at most {max} are searched. Shorten it."
                ),
            ),
            SearchError::UnknownFacet { facet, value } => {
                let value: String = value.chars().take(40).collect();
                let (da, en) = match facet {
                    "controller" => ("dataansvarlig", "controller"),
                    _ => ("emne", "topic"),
                };
                let known: Vec<&str> = if facet == "controller" {
                    cs.catalog
                        .controllers
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect()
                } else {
                    cs.catalog.topics.iter().map(|t| t.id.as_str()).collect()
                };
                bad(
                    "unknown_facet",
                    format!("Ukendt {da} '{value}'. Mulige: {}.", known.join(", ")),
                    format!("Unknown {en} '{value}'. Possible: {}.", known.join(", ")),
                )
            }
            SearchError::EmptyYears { from, to } => bad(
                "invalid_year",
                format!("Fra-året {from} ligger efter til-året {to}."),
                format!("The from year {from} is after the to year {to}."),
            ),
            SearchError::Engine(m) => {
                tracing::error!(error = %m, "catalog search failed");
                ApiError::internal()
            }
        })
}

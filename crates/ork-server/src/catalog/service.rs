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

/// Reads `q`, `lang`, `controller`, `data_type`, `topic` (each repeatable or
/// comma-separated), `from_year`, `to_year` and `limit`, refusing anything else.
/// How strictly a search is read from the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strict {
    /// The portal's form: an empty field means "not given", numbers may carry spaces.
    Form,
    /// The API: every single-valued parameter given has a value and numbers are plain
    /// digits, as the OpenAPI document states (lists still skip empty items).
    Api,
}

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
    let digits = |v: &str| -> Option<String> {
        let v = if strict == Strict::Form { v.trim() } else { v };
        (!v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())).then(|| v.to_owned())
    };
    let year = |k: &str, v: &str| -> Result<i32, ApiError> {
        digits(v)
            .and_then(|d| d.parse::<i32>().ok())
            .filter(|y| (1800..=2100).contains(y))
            .ok_or_else(|| {
                bad(
                    "invalid_year",
                    format!(
                        "{k} skal være et årstal, fx 2015 (fik '{}').",
                        v.chars().take(20).collect::<String>()
                    ),
                    format!(
                        "{k} must be a year, e.g. 2015 (got '{}').",
                        v.chars().take(20).collect::<String>()
                    ),
                )
            })
    };
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
                    query.data_types.push(DataType::parse(&t).ok_or_else(|| {
                        bad(
                            "unknown_facet",
                            format!("Ukendt datatype '{}'. Mulige: register, operational, wet, genomic.", t.chars().take(40).collect::<String>()),
                            format!("Unknown data type '{}'. Possible: register, operational, wet, genomic.", t.chars().take(40).collect::<String>()),
                        )
                    })?);
                }
            }
            "from_year" => query.from_year = Some(year("from_year", &v)?),
            "to_year" => query.to_year = Some(year("to_year", &v)?),
            "limit" => {
                query.limit = digits(&v)
                    .and_then(|d| d.parse::<usize>().ok())
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| {
                        bad(
                            "invalid_limit",
                            "limit skal være et tal fra 1 til 500.".into(),
                            "limit must be a number from 1 to 500.".into(),
                        )
                    })?;
            }
            // The portal's form fields that are not search parameters.
            "_csrf" => {}
            other => {
                let other: String = other.chars().take(40).collect();
                return Err(bad(
                    "unknown_parameter",
                    format!(
                        "Ukendt søgeparameter '{other}'. Brug q, lang, controller, data_type, topic, from_year, to_year eller limit."
                    ),
                    format!(
                        "Unknown search parameter '{other}'. Use q, lang, controller, data_type, topic, from_year, to_year or limit."
                    ),
                ));
            }
        }
    }
    Ok(SearchParams { query, lang })
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

//! The catalog as operations: finding a source, reading a search from the address, running
//! it. The API and the pages both call these.

use super::CatalogState;
use crate::ApiError;
use axum::http::StatusCode;
use ork_catalog::search::{Query, Results, SearchError};
use ork_catalog::{Catalog, DataType, Source};
use ork_domain::Lang;

/// The source, or a 404 that suggests the ids closest to the one asked for.
pub fn find<'a>(c: &'a Catalog, id: &str) -> Result<&'a Source, ApiError> {
    c.source(id).ok_or_else(|| {
        let shown: String = id.chars().take(60).collect();
        let near = c.suggest(&shown);
        if near.is_empty() {
            ApiError::of(StatusCode::NOT_FOUND, "source_not_found", &[("id", &shown)])
        } else {
            ApiError::of(
                StatusCode::NOT_FOUND,
                "source_not_found.suggest",
                &[("id", &shown), ("near", &near.join(", "))],
            )
        }
    })
}

/// A parsed search request.
pub struct SearchParams {
    pub query: Query,
    pub lang: Option<Lang>,
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
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| ApiError::invalid("invalid_query_string.search", &[]))?;
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
            return Err(ApiError::invalid("empty_parameter", &[("name", &k)]));
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
            "lang" => match Lang::parse(&v) {
                Some(l) => lang = Some(l),
                None => {
                    return Err(ApiError::invalid("invalid_lang", &[]));
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
            ApiError::invalid("invalid_year", &[("name", &k), ("got", &got)])
        })
}

fn limit(v: &str, strict: Strict) -> Result<usize, ApiError> {
    digits(v, strict)
        .and_then(|d| d.parse::<usize>().ok())
        .filter(|n| (1..=500).contains(n))
        .ok_or_else(|| ApiError::invalid("invalid_limit.search", &[]))
}

fn data_type(t: &str) -> Result<DataType, ApiError> {
    DataType::parse(t).ok_or_else(|| {
        let t: String = t.chars().take(40).collect();
        ApiError::invalid("unknown_facet.data_type", &[("value", &t)])
    })
}

fn unknown_search_parameter(other: &str) -> ApiError {
    let other: String = other.chars().take(40).collect();
    ApiError::invalid("unknown_parameter.search", &[("name", &other)])
}

/// Runs a search, wording refusals for people.
pub fn run_search(cs: &CatalogState, q: &Query, lang: Lang) -> Result<Results, ApiError> {
    cs.index()
        .search(&cs.catalog, q, lang)
        .map_err(|e| match e {
            SearchError::TooLong { chars, max } => {
                ApiError::invalid("query_too_long", &[("chars", &chars), ("max", &max)])
            }
            SearchError::UnknownFacet { facet, value } => {
                let value: String = value.chars().take(40).collect();
                let known: Vec<&str> = if facet == "controller" {
                    cs.catalog
                        .controllers
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect()
                } else {
                    cs.catalog.topics.iter().map(|t| t.id.as_str()).collect()
                };
                let key = if facet == "controller" {
                    "unknown_facet.controller"
                } else {
                    "unknown_facet.topic"
                };
                ApiError::invalid(key, &[("value", &value), ("known", &known.join(", "))])
            }
            SearchError::EmptyYears { from, to } => {
                ApiError::invalid("invalid_year.order", &[("from", &from), ("to", &to)])
            }
            SearchError::Engine(m) => {
                tracing::error!(error = %m, "catalog search failed");
                ApiError::internal()
            }
        })
}

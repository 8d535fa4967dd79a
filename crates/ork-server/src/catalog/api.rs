//! The catalog API: sources with their variables, search with facets, the HealthDCAT-AP
//! export, and the signed-in user's basket (the data need the roadmap and the application
//! take over). Reading the catalog needs no sign-in; the basket does.

use super::dto::*;
use super::service::{Strict, find, parse_search, run_search};
use crate::api::UserLang;
use crate::auth::{ApiUser, ClientAddr};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every source, by id.
#[utoipa::path(get, path = "/api/v1/catalog/sources", tag = "catalog",
    responses((status = 200, body = [SourceSummary])))]
pub async fn sources(State(state): State<AppState>) -> Json<Vec<SourceSummary>> {
    let c = &state.catalog.catalog;
    Json(c.sources.iter().map(|s| summary(c, s)).collect())
}

/// One source with its tables and variables, access route, documentation and history.
#[utoipa::path(get, path = "/api/v1/catalog/sources/{id}", tag = "catalog",
    params(("id" = String, Path, description = "The source's stable id, e.g. lpr, lmdb, epj-hovedstaden")),
    responses((status = 200, body = SourceDetail), (status = 404, body = crate::api::ErrorBody)))]
pub async fn source(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<SourceDetail>, ApiError> {
    let s = find(&state.catalog.catalog, &id)?;
    Ok(Json(detail(&state.catalog, s)))
}

/// Full-text search over sources, tables, variables and documentation, Danish and
/// English, with facets. An empty `q` lists every source that passes the facets.
#[utoipa::path(get, path = "/api/v1/catalog/search", tag = "catalog",
    params(
        ("q" = Option<String>, Query, description = "Words to find (at most 500 characters). Danish stemming, compound prefixes, one typo tolerated.", max_length = 500),
        ("lang" = Option<String>, Query, description = "da or en: the language of labels in the answer (default: the user's)", pattern = "^(da|en)$"),
        ("controller" = Option<String>, Query, description = "Controller ids, separated by commas (empty items are skipped)"),
        ("data_type" = Option<String>, Query, description = "register, operational, wet or genomic, separated by commas (empty items are skipped)", pattern = "^\\s*(register|operational|wet|genomic)?\\s*(,\\s*(register|operational|wet|genomic)?\\s*)*$"),
        ("topic" = Option<String>, Query, description = "Topic ids, separated by commas (empty items are skipped)"),
        ("from_year" = Option<i32>, Query, description = "Coverage reaching back to this year or earlier", minimum = 1800, maximum = 2100),
        ("to_year" = Option<i32>, Query, description = "Coverage reaching this year or later", minimum = 1800, maximum = 2100),
        ("limit" = Option<usize>, Query, description = "Most hits (default 50)", minimum = 1, maximum = 500),
    ),
    responses((status = 200, body = SearchResponse), (status = 400, body = crate::api::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, ApiError> {
    let p = parse_search(raw.as_deref(), Strict::Api)?;
    let lang = p.lang.unwrap_or(lang);
    let cs = &state.catalog;
    let r = run_search(cs, &p.query, lang)?;
    let c = &cs.catalog;
    Ok(Json(SearchResponse {
        query: p.query.q.clone(),
        lang: lang.code().to_owned(),
        total_sources: r.sources.len(),
        sources: r
            .sources
            .iter()
            .map(|&i| summary(c, &c.sources[i]))
            .collect(),
        hits: hits_dto(c, &r, lang),
        facets: facets_dto(c, &r, lang),
    }))
}

/// The whole catalog as DCAT-AP 3 with the HealthDCAT-AP health properties. Turtle by
/// default; JSON-LD with `?format=jsonld` or `Accept: application/ld+json`.
#[utoipa::path(get, path = "/api/v1/catalog/dcat", tag = "catalog",
    params(("format" = Option<String>, Query, description = "turtle (default; also ttl) or jsonld (also json-ld)", pattern = "^(turtle|ttl|jsonld|json-ld)$")),
    responses(
        (status = 200, description = "The catalog as RDF: Turtle, or JSON-LD when asked for",
            content((String = "text/turtle"), (DcatJsonLd = "application/ld+json"))),
        (status = 400, body = crate::api::ErrorBody)))]
pub async fn dcat(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let asked = pairs
        .iter()
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.as_str());
    let accept_jsonld = headers
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|a| a.contains("application/ld+json"));
    let format = match asked {
        Some(f) => ork_catalog::dcat::Format::parse(f)
            .ok_or_else(|| ApiError::invalid("invalid_format.dcat", &[]))?,
        None if accept_jsonld => ork_catalog::dcat::Format::JsonLd,
        None => ork_catalog::dcat::Format::Turtle,
    };
    let base = state.config.public_base();
    let cs = state.catalog.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        ork_catalog::dcat::export(&cs.catalog, &base, &cs.saved_docs(), format)
    })
    .await
    .map_err(|e| anyhow::anyhow!(e))?
    .map_err(|e| anyhow::anyhow!(e))?;
    Ok(([(header::CONTENT_TYPE, format.media_type())], bytes).into_response())
}

/// The sources in your basket, in the order you added them.
#[utoipa::path(get, path = "/api/v1/catalog/basket", tag = "catalog", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = [SourceSummary]), (status = 401, body = crate::api::ErrorBody)))]
pub async fn basket(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<Vec<SourceSummary>>, ApiError> {
    let c = &state.catalog.catalog;
    let ids = state.store.basket(p.user.id).await?;
    Ok(Json(
        ids.iter()
            .filter_map(|id| c.source(id))
            .map(|s| summary(c, s))
            .collect(),
    ))
}

/// Adds a source to your basket (201; 200 when it was already there).
#[utoipa::path(put, path = "/api/v1/catalog/basket/{id}", tag = "catalog", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 201), (status = 200), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn basket_add(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let s = find(&state.catalog.catalog, &id)?;
    let mut tx = state.store.write().await?;
    let added = tx
        .basket_add(&p.audit_source(&client, None), p.user.id, &s.id)
        .await?;
    tx.commit().await?;
    Ok(if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    })
}

/// Removes a source from your basket.
#[utoipa::path(delete, path = "/api/v1/catalog/basket/{id}", tag = "catalog", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Source id")),
    responses((status = 204), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn basket_remove(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.write().await?;
    let removed = tx
        .basket_remove(&p.audit_source(&client, None), p.user.id, &id)
        .await?;
    tx.commit().await?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::of(StatusCode::NOT_FOUND, "not_in_basket", &[]))
    }
}

//! Quick tests and saved cohorts in the API: a cohort definition in (`docs/cohort-language.md`),
//! protected counts out (`docs/disclosure-control.md`), priced and logged per organisation;
//! the monthly statement; cohorts saved under stable ids.

use super::dto::{CohortDefinition, CohortList, SavedCohortBody};
use super::service::{
    Ask, QuickTestAnswer, StatementBody, acting_org, check_name, find_cohort, org_ids,
    parse_definition, parse_text, run, save, statement,
};
use crate::api::ApiJson;
use crate::api::UserLang;
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Counts a cohort definition with disclosure control: counts and cells from 1 to the
/// threshold − 1 are hidden (`null`, `suppressed: true`), more cells are hidden so that none
/// can be worked out, and numbers that would single out persons together with one of your
/// earlier answers are hidden too. Every quick test is priced by your organisation's tariff
/// and logged; a definition that is refused costs nothing and is not logged.
#[utoipa::path(post, path = "/api/v1/quicktests", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("org" = Option<String>, Query, description = "The organisation to charge (default: your first as applicant)")),
    request_body(content = CohortDefinition, description = "A cohort definition (docs/cohort-language.md)"),
    responses((status = 200, description = "The protected counts, the rules applied, the price and the quick test's id", body = QuickTestAnswer),
        (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 413, body = crate::api::ErrorBody),
        (status = 503, body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    RawQuery(raw): RawQuery,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<QuickTestAnswer>, ApiError> {
    let cohort = parse_definition(&body)?;
    // Logged as compact JSON: the text as sent may be mostly whitespace.
    let definition = body.to_string();
    let org = charged_org(&p, raw.as_deref())?;
    Ok(Json(
        run(
            &state,
            &p,
            &client,
            Ask {
                org: &org,
                definition: &definition,
                cohort,
                cohort_id: None,
            },
            lang,
        )
        .await?,
    ))
}

/// Reads `org` (and only the names in `allowed`) from a query string.
fn query(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, ApiError> {
    let pairs = crate::api::query_pairs(raw)?;
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid(
                "unknown_parameter.list",
                &[("name", &k), ("allowed", &allowed.join(", "))],
            ));
        }
    }
    Ok(pairs)
}

/// The organisation a question is charged to: `?org=` (the only parameter a question
/// takes), else the user's default (see [`acting_org`]).
fn charged_org(p: &Principal, raw: Option<&str>) -> Result<ork_domain::OrgId, ApiError> {
    let named = query(raw, &["org"])?
        .into_iter()
        .find(|(k, _)| k == "org")
        .map(|(_, v)| v);
    acting_org(p, named.as_deref())
}

/// An organisation's quick tests in a month with their prices and the totals, as JSON or
/// (`format=csv`) as CSV.
#[utoipa::path(get, path = "/api/v1/quicktests/statement", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(
        ("org" = Option<String>, Query, description = "Organisation id (default: your first as applicant)"),
        ("month" = Option<String>, Query, description = "YYYY-MM, years 2000–2999 (default: this month)", pattern = "^2[0-9]{3}-(0[1-9]|1[0-2])$"),
        ("format" = Option<String>, Query, description = "json (default) or csv", pattern = "^(json|csv)$"),
    ),
    responses((status = 200, description = "The statement: JSON, or CSV with format=csv",
            content((StatementBody = "application/json"), (String = "text/csv"))), (status = 400, body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 404, description = "An auditor or operator named an organisation that does not exist", body = crate::api::ErrorBody)))]
pub async fn statement_get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query(raw.as_deref(), &["org", "month", "format"])?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let s = statement(&state, &p, get("org"), get("month")).await?;
    match get("format").unwrap_or("json") {
        "json" => Ok(Json(s.body()).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"quicktests-{}-{}.csv\"",
                        s.org, s.month
                    ),
                ),
            ],
            s.csv(),
        )
            .into_response()),
        other => Err(ApiError::invalid(
            "invalid_format.statement",
            &[("format", &other)],
        )),
    }
}

/// A cohort to save.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCohort {
    /// 1–200 characters (spaces around it are dropped), no control characters.
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub name: String,
    /// The definition (docs/cohort-language.md).
    #[schema(value_type = CohortDefinition)]
    pub definition: Value,
    /// Visible to everyone in the organisation (default: only you).
    #[serde(default)]
    pub shared: bool,
    /// The organisation it belongs to (default: your first as applicant).
    #[serde(default)]
    pub org: Option<String>,
}

/// A change to a saved cohort: its name or its sharing (never its definition).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CohortChange {
    /// 1–200 characters (spaces around it are dropped), no control characters.
    #[schema(
        max_length = 200,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub name: Option<String>,
    pub shared: Option<bool>,
}

/// Saves a cohort definition under a name, with a stable id another part of the platform
/// (the application's study population) can refer to.
#[utoipa::path(post, path = "/api/v1/cohorts", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    request_body = NewCohort,
    responses((status = 201, description = "The saved cohort", body = SavedCohortBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a member of `org`, or no role there that may run quick tests", body = crate::api::ErrorBody)))]
pub async fn cohort_create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(c): ApiJson<NewCohort>,
) -> Result<(StatusCode, Json<SavedCohortBody>), ApiError> {
    let saved = save(
        &state,
        &p,
        &client,
        &c.name,
        &c.definition,
        c.shared,
        c.org.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(SavedCohortBody::from(&saved))))
}

/// Your cohorts and those shared in your organisations, newest first.
#[utoipa::path(get, path = "/api/v1/cohorts", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = CohortList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn cohort_list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<CohortList>, ApiError> {
    let list = state.store.cohorts_for(p.user.id, &org_ids(&p)).await?;
    Ok(Json(CohortList {
        cohorts: list.iter().map(SavedCohortBody::from).collect(),
    }))
}

/// One saved cohort (yours, or shared in your organisation).
#[utoipa::path(get, path = "/api/v1/cohorts/{id}", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id")),
    responses((status = 200, body = SavedCohortBody), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn cohort_get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SavedCohortBody>, ApiError> {
    Ok(Json(SavedCohortBody::from(
        &find_cohort(&state, &p, &id).await?,
    )))
}

/// Renames your cohort or changes whether it is shared in the organisation.
#[utoipa::path(patch, path = "/api/v1/cohorts/{id}", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id")),
    request_body = CohortChange,
    responses((status = 200, body = SavedCohortBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn cohort_update(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(change): ApiJson<CohortChange>,
) -> Result<Json<SavedCohortBody>, ApiError> {
    let c = find_cohort(&state, &p, &id).await?;
    if c.owner_user_id != p.user.id {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "not_owner", &[]));
    }
    let name = match &change.name {
        Some(n) => check_name(n)?,
        None => c.name.clone(),
    };
    let shared = change.shared.unwrap_or(c.shared);
    let mut tx = state.store.write().await?;
    tx.update_cohort(
        &p.audit_source(&client, Some(c.org_id.to_string())),
        &id,
        p.user.id,
        &name,
        shared,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(SavedCohortBody::from(
        &find_cohort(&state, &p, &id).await?,
    )))
}

/// Runs a saved cohort as a quick test (priced and logged like any other, with the cohort's id).
#[utoipa::path(post, path = "/api/v1/cohorts/{id}/quicktest", tag = "quicktests", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Cohort id"), ("org" = Option<String>, Query, description = "The organisation to charge")),
    responses((status = 200, body = QuickTestAnswer), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 503, body = crate::api::ErrorBody)))]
pub async fn cohort_run(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<QuickTestAnswer>, ApiError> {
    let c = find_cohort(&state, &p, &id).await?;
    let cohort = parse_text(&c.definition)?;
    let org = charged_org(&p, raw.as_deref())?;
    Ok(Json(
        run(
            &state,
            &p,
            &client,
            Ask {
                org: &org,
                definition: &c.definition,
                cohort,
                cohort_id: Some(&c.id),
            },
            lang,
        )
        .await?,
    ))
}

/// A code of a classification with its labels, from the code search.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CodeEntry {
    /// The code as a cohort definition writes it (ICD-10 without the SKS `D`, ATC without
    /// the SKS `M`).
    pub code: String,
    /// The Danish label (SKS 2018; æ, ø, å written ae, oe, aa in codes outside the common
    /// lists); empty when no source gives one.
    pub label_da: String,
    /// The English label (WHO ICD-10 2019, or the common lists); empty when none is known.
    pub label_en: String,
}

/// Searches a classification's full code list by code or by label in Danish or English:
/// codes that start with the query first. Every code found may be used in a cohort
/// definition; one that never occurs in the registers counts 0.
#[utoipa::path(get, path = "/api/v1/quicktests/codes", tag = "quicktests",
    params(
        ("system" = String, Query, description = "icd10, atc, sks (procedures) or npu", pattern = "^(icd10|atc|sks|npu)$"),
        ("q" = String, Query, description = "Words that must all occur in the code or a label (1–100 characters, not only spaces)", max_length = 100, pattern = "\\S"),
        ("limit" = Option<u32>, Query, description = "At most this many codes, 1–100 (default 20)", minimum = 1, maximum = 100),
    ),
    responses((status = 200, body = [CodeEntry]), (status = 400, body = crate::api::ErrorBody)))]
pub async fn codes(RawQuery(raw): RawQuery) -> Result<Json<Vec<CodeEntry>>, ApiError> {
    use ork_quicktest::codes::{CodeList, System};
    let pairs = query(raw.as_deref(), &["system", "q", "limit"])?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let system = match get("system") {
        Some("icd10") => System::Icd10,
        Some("atc") => System::Atc,
        Some("sks") => System::Sks,
        Some("npu") => System::Npu,
        _ => {
            return Err(ApiError::invalid("invalid_system", &[]));
        }
    };
    let q = get("q").unwrap_or("");
    if q.trim().is_empty() || q.chars().count() > 100 {
        return Err(ApiError::invalid("invalid_query", &[]));
    }
    let limit = match get("limit") {
        None => 20,
        Some(l) => Some(l)
            .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|l| l.parse::<usize>().ok())
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| ApiError::invalid("invalid_limit.codes", &[]))?,
    };
    Ok(Json(
        CodeList::of(system)
            .search(q, limit)
            .into_iter()
            .map(|c| CodeEntry {
                code: c.code.clone(),
                label_da: c.label_da.clone(),
                label_en: c.label_en.clone(),
            })
            .collect(),
    ))
}

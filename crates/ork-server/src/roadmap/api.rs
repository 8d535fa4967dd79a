//! The roadmap API: a data need in, the approvals it requires out (the contract is
//! documented in `docs/roadmap.md`).

use super::service::parse_precedent_query;
use crate::api::ApiJson;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;

/// The roadmap for a data need: steps with authority, dependencies, why (rule and text in
/// Danish and English), legal basis, expected days (median, p90, evidence count), earliest
/// start and finish; the critical path, the total, blockers, replaced and carried-over
/// steps. Needs no sign-in: anyone may plan before applying.
#[utoipa::path(post, path = "/api/v1/roadmap", tag = "roadmap",
    request_body(content = Object, description = "The data need: {applicant: {kind, region?}, datasets: [source ids], traits: {nine booleans}, previous?: need}"),
    responses((status = 200, description = "The roadmap", body = Object), (status = 400, body = crate::api::ErrorBody)))]
pub async fn roadmap(
    State(state): State<AppState>,
    ApiJson(need): ApiJson<ork_rules::Need>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let history = state.rules.history();
    let out = ork_rules::planner::roadmap_json(
        &state.catalog.catalog,
        &state.rules.book,
        &need,
        &history,
    )
    .map_err(|e| ApiError::bad_request(e.code, e.da, e.en))?;
    Ok(Json(out))
}

/// Earlier decisions, anonymised, with their reasons and the rule they applied — filtered
/// by words (`q`, Danish or English) and rule (`rule`, a step id). The shipped ones are
/// illustrative examples (`example: true`).
#[utoipa::path(get, path = "/api/v1/precedents", tag = "roadmap",
    params(
        ("q" = Option<String>, Query, description = "Words every result contains (either language), at most 200 characters", max_length = 200),
        ("rule" = Option<String>, Query, description = "Only decisions under this rulebook step (one of the rulebook's step ids; empty: any)"),
    ),
    responses((status = 200, description = "Matching decisions, newest first", body = Object), (status = 400, body = crate::api::ErrorBody)))]
pub async fn precedents(
    State(state): State<AppState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<serde_json::Value>, ApiError> {
    let book = &state.rules.book;
    let f = parse_precedent_query(raw.as_deref(), book)?;
    let found: Vec<serde_json::Value> = book
        .search_precedents(&f.q)
        .into_iter()
        .filter(|p| f.rule.as_ref().is_none_or(|r| &p.rule == r))
        .map(|p| {
            serde_json::json!({
                "id": p.id, "rule": p.rule, "authority": p.authority, "decided": p.decided,
                "outcome": p.outcome, "example": p.example, "applicant_kind": p.applicant_kind,
                "datasets": p.datasets,
                "summary": {"da": p.summary.da, "en": p.summary.en},
                "reasons": {"da": p.reasons.da, "en": p.reasons.en},
            })
        })
        .collect();
    Ok(Json(
        serde_json::json!({"rulebook_version": book.version, "precedents": found}),
    ))
}

/// The rulebook in force, published: its version, shared assessments and every step with
/// its authority, conditions' explanation, legal basis, deadline, prior and the cases it
/// has been refined by — one interpretation of the rules for every authority to read.
#[utoipa::path(get, path = "/api/v1/rulebook", tag = "roadmap",
    responses((status = 200, description = "The rulebook in force", body = Object)))]
pub async fn rulebook(State(state): State<AppState>) -> Json<serde_json::Value> {
    use ork_rules::planner::Durations;
    let book = &state.rules.book;
    let history = state.rules.history();
    Json(serde_json::json!({
        "version": book.version,
        "published": book.published,
        "assessments": book.assessments.iter().map(|a| serde_json::json!({
            "id": a.id, "decided_by": a.decided_by, "da": a.text.da, "en": a.text.en,
        })).collect::<Vec<_>>(),
        "steps": book.steps.iter().map(|s| {
            let e = history.expected(s);
            serde_json::json!({
                "id": s.id, "kind": s.kind, "authority": s.authority, "per": s.per,
                "name": {"da": s.name.da, "en": s.name.en},
                "why": {"da": s.why.da, "en": s.why.en},
                "legal_basis": {"da": s.legal_basis.text.da, "en": s.legal_basis.text.en, "law": s.legal_basis.law},
                "deadline_days": s.deadline_days,
                "prior": {"median_days": s.prior.median_days, "p90_days": s.prior.p90_days,
                          "source": {"da": s.prior.source.da, "en": s.prior.source.en}},
                "expected_days": {"median": e.median, "p90": e.p90, "cases": e.cases, "synthetic_cases": e.synthetic},
                "depends_on": s.depends_on, "replaces": s.replaces,
                "form_fields": s.form_fields, "assessments": s.assessments,
            })
        }).collect::<Vec<_>>(),
        "precedents": book.precedents.len(),
    }))
}

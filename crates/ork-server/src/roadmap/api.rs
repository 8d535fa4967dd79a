//! The roadmap API: a data need in, the approvals it requires out (the contract is
//! documented in `docs/roadmap.md`).

use super::service::parse_precedent_query;
use crate::api::ApiJson;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;
use ork_rules::report::{PrecedentList, RoadmapReport, RulebookReport};

/// The roadmap for a data need: steps with authority, dependencies, why (rule and text in
/// Danish and English), legal basis, expected days (median, p90, evidence count), earliest
/// start and finish; the critical path, the total, blockers, replaced and carried-over
/// steps. Needs no sign-in: anyone may plan before applying.
#[utoipa::path(post, path = "/api/v1/roadmap", tag = "roadmap",
    request_body(content = ork_rules::Need, description = "The data need: who applies, the datasets (catalog source ids) and the project's traits; `previous` for an amendment"),
    responses((status = 200, description = "The roadmap", body = RoadmapReport), (status = 400, body = crate::api::ErrorBody)))]
pub async fn roadmap(
    State(state): State<AppState>,
    ApiJson(need): ApiJson<ork_rules::Need>,
) -> Result<Json<RoadmapReport>, ApiError> {
    let history = state.rules.history();
    let (_, mut report) =
        ork_rules::report::roadmap(&state.catalog.catalog, &state.rules.book, &need, &history)
            .map_err(|e| ApiError::bad_request(e.code, e.da, e.en))?;
    state.rules.fill_precedents(&mut report);
    Ok(Json(report))
}

/// Earlier decisions, anonymised, with their reasons and the rule they applied — filtered
/// by words (`q`, Danish or English) and rule (`rule`, a step id). The shipped ones are
/// illustrative examples (`example: true`).
#[utoipa::path(get, path = "/api/v1/precedents", tag = "roadmap",
    params(
        ("q" = Option<String>, Query, description = "Words every result contains (either language), at most 200 characters", max_length = 200),
        ("rule" = Option<String>, Query, description = "Only decisions under this rulebook step (one of the rulebook's step ids; empty: any)"),
    ),
    responses((status = 200, description = "Matching decisions, newest first", body = PrecedentList), (status = 400, body = crate::api::ErrorBody)))]
pub async fn precedents(
    State(state): State<AppState>,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
) -> Result<Json<PrecedentList>, ApiError> {
    let book = &state.rules.book;
    let f = parse_precedent_query(raw.as_deref(), book)?;
    Ok(Json(PrecedentList {
        rulebook_version: book.version.clone(),
        precedents: state
            .rules
            .search_precedents(&f.q)
            .into_iter()
            .filter(|p| f.rule.as_ref().is_none_or(|r| &p.rule == r))
            .collect(),
    }))
}

/// The rulebook in force, published: its version, shared assessments and every step with
/// its authority, conditions' explanation, legal basis, deadline, prior and the cases it
/// has been refined by — one interpretation of the rules for every authority to read.
#[utoipa::path(get, path = "/api/v1/rulebook", tag = "roadmap",
    responses((status = 200, description = "The rulebook in force", body = RulebookReport)))]
pub async fn rulebook(State(state): State<AppState>) -> Json<RulebookReport> {
    Json(RulebookReport::new(
        &state.rules.book,
        &state.rules.history(),
    ))
}

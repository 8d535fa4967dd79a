//! The roadmap API: a data need in, the approvals it requires out (the contract is
//! documented in `docs/roadmap.md`).

use super::ApiJson;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::State;

/// The roadmap for a data need: steps with authority, dependencies, why (rule and text in
/// Danish and English), legal basis, expected days (median, p90, evidence count), earliest
/// start and finish; the critical path, the total, blockers, replaced and carried-over
/// steps. Needs no sign-in: anyone may plan before applying.
#[utoipa::path(post, path = "/api/v1/roadmap", tag = "roadmap",
    request_body(content = Object, description = "The data need: {applicant: {kind, region?}, datasets: [source ids], traits: {nine booleans}, previous?: need}"),
    responses((status = 200, description = "The roadmap", body = Object), (status = 400, body = super::ErrorBody)))]
pub async fn roadmap(
    State(state): State<AppState>,
    ApiJson(need): ApiJson<ork_rules::Need>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let history = state.rules.history();
    let r = ork_rules::plan(&state.catalog.catalog, &state.rules.book, &need, &history)
        .map_err(|e| ApiError::bad_request(e.code, e.da, e.en))?;
    let mut out = ork_rules::planner::to_json_with_precedents(&r, &state.rules.book);
    let w = ork_rules::planner::what_if(&state.catalog.catalog, &state.rules.book, &need, &history)
        .map_err(|e| ApiError::bad_request(e.code, e.da, e.en))?;
    out["what_if"] = ork_rules::planner::what_if_json(&w);
    Ok(Json(out))
}

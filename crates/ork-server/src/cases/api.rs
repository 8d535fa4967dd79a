//! Case handling in the API: an authority's queue, a part with exactly its rule's fields,
//! assigning, the message thread, decisions. Authorities with their own back-office
//! systems use these to pull their parts and post decisions.

use super::dto::{
    AssignBody, DecisionBody, DecisionView, MessageBody, MessageView, PartBody, Queue, QueueItem,
};
use super::service::{self, Decision};
use crate::api::ApiJson;
use crate::applications::service::part_summary;
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use ork_cases::PartState;
use ork_store::Part;

/// The parts open to your authorities (case handlers), optionally in one state, by due
/// date or in arrival order. A part that waits for a prerequisite is not yet yours.
#[utoipa::path(get, path = "/api/v1/parts", tag = "cases", security(("bearer" = []), ("session" = [])),
    params(
        ("state" = Option<String>, Query, description = "Only parts in this state", pattern = "^(submitted|in_review|information_requested|approved|approved_with_conditions|rejected|withdrawn|not_required)$"),
        ("sort" = Option<String>, Query, description = "due (earliest statutory deadline first) or arrival (default)", pattern = "^(due|arrival)$"),
    ),
    responses((status = 200, body = Queue), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a case handler anywhere", body = crate::api::ErrorBody)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<Queue>, ApiError> {
    let (mut only, mut by_due) = (None, false);
    for (k, v) in crate::api::query_pairs(raw.as_deref())? {
        match k.as_str() {
            "state" => {
                only = Some(
                    PartState::parse(&v)
                        .filter(|s| *s != PartState::Waiting)
                        .ok_or_else(|| ApiError::invalid("invalid_state_filter", &[]))?,
                );
            }
            "sort" if v == "due" => by_due = true,
            "sort" if v == "arrival" => by_due = false,
            "sort" => return Err(ApiError::invalid("invalid_sort", &[])),
            _ => {
                let k: String = k.chars().take(40).collect();
                return Err(ApiError::invalid(
                    "unknown_parameter.list",
                    &[("name", &k), ("allowed", &"state, sort")],
                ));
            }
        }
    }
    let now = ork_store::now_unix();
    let mut parts = Vec::new();
    for (part, app) in service::queue(&state, &p, only, by_due).await? {
        let s = part_summary(&part, now);
        parts.push(QueueItem {
            id: part.id.clone(),
            application: app.id.clone(),
            title: app.title.clone(),
            applicant: app.org_id.to_string(),
            step: part.step.clone(),
            authority: s.authority,
            state: s.state,
            due: s.due,
            expected: s.expected,
            assigned_to: email_of(&state, part.assigned_to).await?,
        });
    }
    Ok(Json(Queue { parts }))
}

async fn email_of(state: &AppState, user: Option<i64>) -> Result<Option<String>, ApiError> {
    Ok(match user {
        None => None,
        Some(id) => state
            .store
            .user_by_id(id)
            .await?
            .map(|u| u.email.to_string()),
    })
}

async fn part_body(state: &AppState, p: &Principal, part: &Part) -> Result<PartBody, ApiError> {
    let (part, app, _) = service::find(state, p, &part.id).await?;
    let now = ork_store::now_unix();
    let s = part_summary(&part, now);
    let list = |t: &str| serde_json::from_str::<Vec<String>>(t).unwrap_or_default();
    Ok(PartBody {
        id: part.id.clone(),
        application: app.id.clone(),
        title: app.title.clone(),
        applicant: app.org_id.to_string(),
        step: part.step.clone(),
        rule: part.rule.clone(),
        authority: s.authority,
        state: s.state,
        fields: serde_json::from_str(&part.fields).unwrap_or_default(),
        depends_on: part.depends_on.clone(),
        deadline_days: part.deadline_days,
        due: s.due,
        expected: s.expected,
        running_days: part.clock.running_days(now),
        stopped_days: part.clock.stopped(now) / 86_400,
        assigned_to: email_of(state, part.assigned_to).await?,
        round: part.round,
        decisions: state
            .store
            .decisions_of(&part.id)
            .await?
            .into_iter()
            .map(|d| DecisionView {
                round: d.round,
                outcome: d.outcome,
                reason_codes: list(&d.reason_codes),
                text: d.text,
                conditions: list(&d.conditions),
                decided_at: iso(d.decided_at),
            })
            .collect(),
        messages: state
            .store
            .messages_of(&part.id)
            .await?
            .into_iter()
            .map(|m| MessageView {
                id: m.id,
                author: m.author_name,
                from_authority: m.from_authority,
                at: iso(m.at),
                body: m.body,
            })
            .collect(),
        revision: part.revision,
    })
}

/// A part: exactly the answers its rule names, its clock, decisions and messages. For the
/// case handlers of its authority once it is open to them, and for its applicants.
#[utoipa::path(get, path = "/api/v1/parts/{id}", tag = "cases", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Part id")),
    responses((status = 200, body = PartBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such part open to you", body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PartBody>, ApiError> {
    let (part, _, _) = service::find(&state, &p, &id).await?;
    Ok(Json(part_body(&state, &p, &part).await?))
}

/// Takes up a part (in review), assigned to you or to another case handler of its authority.
#[utoipa::path(post, path = "/api/v1/parts/{id}/assign", tag = "cases", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Part id")),
    request_body = AssignBody,
    responses((status = 200, body = PartBody), (status = 400, description = "Not a case handler of the part's authority", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Closed, or changed meanwhile", body = crate::api::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AssignBody>,
) -> Result<Json<PartBody>, ApiError> {
    let part = service::assign(&state, &p, &client, &id, b.handler.as_deref()).await?;
    Ok(Json(part_body(&state, &p, &part).await?))
}

/// Writes to the other side of a part. The applicant's message on a part that waits for
/// information is the answer: the part returns to review and its clock runs again.
#[utoipa::path(post, path = "/api/v1/parts/{id}/messages", tag = "cases", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Part id")),
    request_body = MessageBody,
    responses((status = 200, body = PartBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "You may only read the application", body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not open yet, or withdrawn", body = crate::api::ErrorBody)))]
pub async fn message(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MessageBody>,
) -> Result<Json<PartBody>, ApiError> {
    let part = service::message(&state, &p, &client, &id, &b.body).await?;
    Ok(Json(part_body(&state, &p, &part).await?))
}

/// Decides a part: approved, approved with conditions, rejected, not required, or a
/// request for information (the clock stops until the applicant answers). Of two handlers
/// deciding at once exactly one succeeds; the other gets 409.
#[utoipa::path(post, path = "/api/v1/parts/{id}/decision", tag = "cases", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Part id")),
    request_body = DecisionBody,
    responses((status = 200, body = PartBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a case handler of the part's authority", body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "The part is closed, not open yet, or was decided meanwhile", body = crate::api::ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> Result<Json<PartBody>, ApiError> {
    let d = Decision::parse(&b.outcome, b.reason_codes, &b.text, b.conditions)?;
    let part = service::decide(&state, &p, &client, &id, &d).await?;
    Ok(Json(part_body(&state, &p, &part).await?))
}

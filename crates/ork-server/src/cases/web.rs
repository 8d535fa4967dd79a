//! The case handler's queue: the parts open to their authorities, by due date, with the
//! state and who has taken each up. It calls the service, never the API.

use super::service;
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use ork_cases::PartState;

/// One part in the queue.
pub struct QueueRow {
    pub id: String,
    pub title: String,
    pub applicant: String,
    pub step: String,
    pub state: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct QueuePage {
    c: Chrome,
    rows: Vec<QueueRow>,
    /// (state code, selected)
    states: Vec<(String, bool)>,
}

/// GET /cases: the queue, optionally one state (`?state=`), earliest deadline first.
pub async fn queue(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let only = match pairs
        .iter()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.as_str())
    {
        None | Some("") => None,
        Some(s) => Some(
            PartState::parse(s)
                .filter(|x| *x != PartState::Waiting)
                .ok_or_else(|| ApiError::invalid("invalid_state_filter", &[]))?,
        ),
    };
    let lang = c.t.lang;
    let book = &state.rules.book;
    let now = ork_store::now_unix();
    let rows = service::queue(&state, &p, only, true)
        .await?
        .into_iter()
        .map(|(part, app)| {
            let s = crate::applications::service::part_summary(&part, now);
            QueueRow {
                id: part.id.clone(),
                title: app.title.clone(),
                applicant: app.org_id.to_string(),
                step: book
                    .step(&part.rule)
                    .map_or(part.step.clone(), |r| r.name.get(lang).to_owned()),
                state: s.state,
                due: s.due.unwrap_or_default(),
            }
        })
        .collect();
    let states = PartState::ALL
        .iter()
        .filter(|s| **s != PartState::Waiting)
        .map(|s| (s.code().to_owned(), Some(*s) == only))
        .collect();
    Ok(render(lang, &QueuePage { c, rows, states }))
}

/// A field's answer in words, for the part page.
fn display(v: &serde_json::Value) -> String {
    use serde_json::Value;
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    match v {
        Value::String(t) => t.clone(),
        Value::Bool(b) => if *b { "✓" } else { "–" }.to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) if o.contains_key("from") && o.contains_key("to") => {
            format!("{} – {}", s(v, "from"), s(v, "to"))
        }
        Value::Object(o) if o.contains_key("country") => {
            let cvr = o
                .get("cvr")
                .and_then(Value::as_str)
                .map(|c| format!(", CVR {c}"))
                .unwrap_or_default();
            format!("{}{cvr}, {}", s(v, "name"), s(v, "country"))
        }
        Value::Object(_) => v.to_string(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Object(o) if o.contains_key("email") => {
                    format!("{} ({}, {})", s(x, "name"), s(x, "role"), s(x, "email"))
                }
                Value::Object(o) if o.contains_key("id") => {
                    let vars = o
                        .get("variables")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    if vars == 0 {
                        s(x, "id")
                    } else {
                        format!("{} ({vars})", s(x, "id"))
                    }
                }
                Value::Object(o) => o
                    .iter()
                    .map(|(k, c)| format!("{k}: {}", display(c)))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => display(other),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Value::Null => String::new(),
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    id: String,
    title: String,
    applicant: String,
    step: String,
    state: String,
    due: String,
    running_days: i64,
    stopped_days: i64,
    open: bool,
    /// (label, answer in words)
    fields: Vec<(String, String)>,
    /// (round, outcome code, text, conditions)
    decisions: Vec<(i64, String, String, Vec<String>)>,
    /// (author, from the authority, text)
    messages: Vec<(String, bool, String)>,
    /// The applicant organisation's other applications across all authorities:
    /// (title, state code, submitted, permit status or empty).
    history: Vec<(String, String, String, String)>,
    /// (assessment text, status code, deciding authority)
    assessments: Vec<(String, String, String)>,
    error: Option<String>,
    /// Who handles the part (empty: no one yet), and whether it is the viewer.
    assigned: String,
    assigned_to_me: bool,
    /// What the handler wrote, kept when the decision was refused.
    text: String,
    conditions: String,
    outcome: String,
}

/// The applicant organisation's other submitted applications, with their permits' status:
/// (title, state code, submitted, permit status or empty).
async fn history_of(
    state: &AppState,
    app: &ork_store::Application,
    now: i64,
) -> Result<Vec<(String, String, String, String)>, ApiError> {
    let mut history = Vec::new();
    for a in state
        .store
        .submitted_applications_of_org(&app.org_id)
        .await?
    {
        if a.id == app.id {
            continue;
        }
        let permit = state.store.permit_of_application(&a.id).await?;
        history.push((
            a.title.clone(),
            a.state.code().to_owned(),
            a.submitted_at.map(crate::dates::date).unwrap_or_default(),
            permit
                .map(|p| crate::permits::service::status(&p, now).to_owned())
                .unwrap_or_default(),
        ));
    }
    Ok(history)
}

/// A part's decisions (round, outcome code, text, conditions) and messages (author, from
/// the authority, text), oldest first.
pub(crate) type Thread = (
    Vec<(i64, String, String, Vec<String>)>,
    Vec<(String, bool, String)>,
);

pub(crate) async fn thread_of(state: &AppState, part_id: &str) -> Result<Thread, ApiError> {
    let list = |t: &str| serde_json::from_str::<Vec<String>>(t).unwrap_or_default();
    let decisions = state
        .store
        .decisions_of(part_id)
        .await?
        .into_iter()
        .map(|d| (d.round, d.outcome, d.text, list(&d.conditions)))
        .collect();
    let messages = state
        .store
        .messages_of(part_id)
        .await?
        .into_iter()
        .map(|m| (m.author_name, m.from_authority, m.body))
        .collect();
    Ok((decisions, messages))
}

async fn case_page(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    id: &str,
    error: Option<String>,
    kept: (String, String, String),
) -> Result<CasePage, ApiError> {
    let lang = c.t.lang;
    let (part, app) = match service::find(state, p, id).await? {
        (part, app, service::Viewer::Handler) => (part, app),
        _ => {
            return Err(ApiError::of(
                axum::http::StatusCode::FORBIDDEN,
                "case_handler_required",
                &[],
            ));
        }
    };
    let now = ork_store::now_unix();
    let form = &state.rules.book.form;
    let answers: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&part.fields).unwrap_or_default();
    let fields = form
        .fields()
        .filter_map(|f| {
            answers
                .get(&f.id)
                .map(|v| (f.label.get(lang).to_owned(), display(v)))
        })
        .collect();
    let s = crate::applications::service::part_summary(&part, now);
    let history = history_of(state, &app, now).await?;
    let (decisions, messages) = thread_of(state, &part.id).await?;
    let assigned = match part.assigned_to {
        Some(u) => state
            .store
            .user_by_id(u)
            .await?
            .map_or_else(String::new, |u| u.name),
        None => String::new(),
    };
    Ok(CasePage {
        assigned,
        assigned_to_me: part.assigned_to == Some(p.user.id),
        id: part.id.clone(),
        title: app.title.clone(),
        applicant: state
            .store
            .get_org(&app.org_id)
            .await?
            .map_or(app.org_id.to_string(), |o| {
                lang.pick(&o.name_da, &o.name_en).to_owned()
            }),
        step: state
            .rules
            .book
            .step(&part.rule)
            .map_or(part.step.clone(), |r| r.name.get(lang).to_owned()),
        state: s.state,
        due: s.due.filter(|_| part.state.open()).unwrap_or_default(),
        running_days: part.clock.running_days(now),
        stopped_days: part.clock.stopped(now) / 86_400,
        open: part.state.open(),
        fields,
        decisions,
        messages,
        history,
        assessments: service::shared_assessments(state, &part)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.text.get(lang).to_owned(),
                    a.status.to_owned(),
                    a.authority,
                )
            })
            .collect(),
        error,
        text: kept.0,
        conditions: kept.1,
        outcome: kept.2,
        c,
    })
}

/// GET /cases/{id}: a part as its handler sees it — exactly its rule's answers, its clock,
/// decisions and messages — with the decision form while it is open.
pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let page = case_page(&state, c, &p, &id, None, Default::default()).await?;
    Ok(render(lang, &page))
}

/// POST /cases/{id}/decision: decides the part, then shows it; a refused decision shows the
/// form again with the reason and what was written.
pub async fn decide(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    let get = |k: &str| crate::web::form_value(&pairs, k).to_owned();
    let (outcome, text, conditions) = (get("outcome"), get("text"), get("conditions"));
    let list: Vec<String> = conditions
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let done = match service::Decision::parse(&outcome, Vec::new(), &text, list) {
        Ok(d) => service::decide(&state, &p, &client, &id, &d)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    let lang = c.t.lang;
    match done {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::NOT_FOUND => {
            let status = e.status;
            // A language switch from here returns to the part, not to this POST's address.
            let mut c = c;
            c.here = format!("/cases/{id}");
            let page = case_page(
                &state,
                c,
                &p,
                &id,
                Some(e.message(lang).to_owned()),
                (text, conditions, outcome),
            )
            .await?;
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// POST /cases/{id}/assign: the handler takes the part (it goes in review), then sees it.
pub async fn assign(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    service::assign(&state, &p, &client, &id, None).await?;
    Ok(axum::response::Redirect::to(&format!("/cases/{id}")).into_response())
}

/// POST /cases/{id}/messages (`body`): a message to the applicant in the part's thread.
pub async fn message(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    use axum::response::IntoResponse;
    service::message(
        &state,
        &p,
        &client,
        &id,
        crate::web::form_value(&pairs, "body"),
    )
    .await?;
    Ok(axum::response::Redirect::to(&format!("/cases/{id}#thread")).into_response())
}

//! Workspaces in the portal: the user's workspaces, one workspace with its deliveries,
//! tables and the SQL console (results paged on screen, never downloadable), and the data
//! stewards' orders with sign-off and suspension.

use super::api::{self, LogEntry, WorkspaceBody};
use super::orders::{self, STATES};
use super::service::{self, Ask};
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::Value;

/// Rows on one page of the console's result.
const PAGE_ROWS: usize = 50;

#[derive(Template)]
#[template(path = "workspaces.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<api::WorkspaceSummary>,
}

/// GET /workspaces: the user's workspaces.
pub async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let mut rows = Vec::new();
    for e in service::mine(&state, &p).await? {
        let latest = state
            .store
            .snapshots(&e.ws.id)
            .await?
            .last()
            .map(|s| s.number);
        rows.push(api::WorkspaceSummary {
            id: e.ws.id.clone(),
            title: e.ws.title.clone(),
            state: e.ws.state.clone(),
            permit: e.ws.permit_id.clone(),
            application: e.ws.application_id.clone(),
            organisation: e.ws.org_id.clone(),
            latest_snapshot: latest,
            created_at: crate::dates::date(e.ws.created_at),
        });
    }
    Ok(render(lang, &ListPage { c, rows }))
}

/// A query's result as the page shows it: one page of rows as text.
struct ResultView {
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    count_text: String,
    page_text: String,
    page: usize,
    pages: usize,
    truncated: bool,
}

#[derive(Template)]
#[template(path = "workspace.html")]
struct WorkspacePage {
    c: Chrome,
    id: String,
    title: String,
    state: String,
    permit: String,
    /// Why the user cannot work here now (certification), instead of the workspace.
    blocked: Option<String>,
    body: Option<WorkspaceBody>,
    progress: String,
    sql: String,
    /// (number, created, chosen), newest first.
    snapshot_options: Vec<(i64, String, bool)>,
    result: Option<ResultView>,
    error: Option<String>,
    log: Vec<LogEntry>,
    /// How the workspace ends or ended: frozen, deleted or archived.
    lifecycle: Option<String>,
    /// What an own-data upload gave: (added, the error).
    own_added: Option<String>,
    own_error: Option<String>,
    /// The project's outputs (the airlock), for its members.
    outputs: Vec<ork_store::Output>,
    member: bool,
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM` (UTC).
pub(crate) fn minute(rfc3339: &str) -> String {
    rfc3339.get(..16).unwrap_or(rfc3339).replace('T', " ")
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The workspace page, with a query's result or error when one was run.
async fn page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    console: (String, Option<i64>, Option<ResultView>, Option<String>),
) -> Result<WorkspacePage, ApiError> {
    let lang = c.t.lang;
    let e = service::find(state, p, client, id).await?;
    let (sql, snapshot, result, error) = console;
    let mut page = WorkspacePage {
        id: e.ws.id.clone(),
        title: e.ws.title.clone(),
        state: e.ws.state.clone(),
        permit: e.ws.permit_id.clone(),
        blocked: None,
        body: None,
        progress: String::new(),
        sql,
        snapshot_options: Vec::new(),
        result,
        error,
        log: Vec::new(),
        lifecycle: lifecycle_text(&e.ws, lang),
        own_added: None,
        own_error: None,
        outputs: Vec::new(),
        member: service::named(&e.scope, p),
        c,
    };
    if let Err(err) = service::certified(state, p, client, &e.ws.id).await {
        page.blocked = Some(err.message(lang).to_owned());
        return Ok(page);
    }
    let mut body = api::detail(state, &e).await?;
    // The page names controllers and shows times to the minute.
    let orgs = state.store.list_orgs().await?;
    for o in &mut body.orders {
        o.controller = org_name(&orgs, &o.controller, lang);
        o.created_at = minute(&o.created_at);
        o.delivered_at = o.delivered_at.as_deref().map(minute);
    }
    for t in &mut body.tables {
        t.controller = org_name(&orgs, &t.controller, lang);
    }
    page.progress = crate::i18n::say(
        lang,
        "ws.progress",
        &[
            ("done", &body.progress.done),
            ("total", &body.progress.total),
        ],
    );
    page.log = state
        .store
        .workspace_queries(&e.ws.id, 10)
        .await?
        .into_iter()
        .map(|q| {
            let mut entry = LogEntry::from(q);
            entry.at = minute(&entry.at);
            entry
        })
        .collect();
    if page.member {
        page.outputs = state.store.outputs_of(&e.ws.id).await?;
    }
    page.snapshot_options = body
        .snapshots
        .iter()
        .rev()
        .map(|s| (s.number, minute(&s.created_at), snapshot == Some(s.number)))
        .collect();
    page.body = Some(body);
    Ok(page)
}

/// What the page says of a workspace that has frozen or ended.
fn lifecycle_text(ws: &ork_store::Workspace, lang: ork_domain::Lang) -> Option<String> {
    let day = |t: Option<i64>| t.map(crate::dates::date).unwrap_or_default();
    match ws.state.as_str() {
        "frozen" => Some(crate::i18n::say(
            lang,
            "ws.frozen_notice",
            &[
                ("since", &day(ws.frozen_at)),
                ("until", &day(ws.retain_until)),
            ],
        )),
        "deleted" => Some(crate::i18n::say(
            lang,
            "ws.deleted_notice",
            &[("at", &day(ws.ended_at))],
        )),
        "archived" => Some(crate::i18n::say(
            lang,
            "ws.archived_notice",
            &[
                ("at", &day(ws.ended_at)),
                ("package", &ws.archive.clone().unwrap_or_default()),
            ],
        )),
        _ => None,
    }
}

/// POST /workspaces/{id}/uploads: the page's own-data form; the page again, saying what was
/// added or why nothing was.
pub async fn upload_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let added = async {
        let bytes = crate::body::read_limited(body, super::own::MAX_OWN_BYTES + 64 * 1024).await?;
        let (name, filename, file) = api::parts(&ct, bytes).await?;
        super::own::upload(&state, &p, &client, &id, &name, &filename, &file).await
    }
    .await;
    let (error, status) = match added {
        // Post, redirect, get: the page says what was added (and reloads safely).
        Ok(a) => {
            // The id named a workspace the user may write to, the table a checked name.
            let to = format!(
                "/workspaces/{id}?own={}&snapshot={}#own",
                a.table, a.snapshot
            );
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "workspace_not_found" => {
            return Err(e);
        }
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            (e.message(lang).to_owned(), e.status)
        }
        Err(e) => return Err(e),
    };
    let mut page = page_of(&state, c, &p, &client, &id, Default::default()).await?;
    page.own_error = Some(error);
    let mut res = render(lang, &page);
    *res.status_mut() = status;
    Ok(res)
}

/// GET /workspaces/{id}/uploads (a reload of a failed upload's page, a language switch):
/// the workspace's page.
pub async fn upload_get(Path(id): Path<String>) -> Result<Response, ApiError> {
    // Workspace ids are letters, digits and dashes; nothing else goes into a Location.
    if id.is_empty()
        || id.len() > 100
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ApiError::of(
            StatusCode::NOT_FOUND,
            "workspace_not_found",
            &[],
        ));
    }
    Ok(Redirect::to(&format!("/workspaces/{id}#own")).into_response())
}

/// The page's note on own data just added (`?own=TABLE&snapshot=N` after an upload).
fn own_added(body: &WorkspaceBody, query: &str, lang: ork_domain::Lang) -> Option<String> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let field = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let table = body
        .tables
        .iter()
        .find(|t| Some(&t.name) == field("own").as_ref())?;
    let snapshot = field("snapshot")?.parse::<i64>().ok()?;
    Some(crate::i18n::say(
        lang,
        "ws.own_added",
        &[
            ("table", &table.name),
            ("rows", &table.rows),
            ("snapshot", &snapshot),
        ],
    ))
}

/// GET /workspaces/{id}: the workspace and its console.
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let mut page = page_of(
        &state,
        c,
        &p,
        &client,
        &id,
        (String::new(), None, None, None),
    )
    .await?;
    if let (Some(q), Some(body)) = (raw, &page.body) {
        page.own_added = own_added(body, &q, lang);
    }
    Ok(render(lang, &page))
}

/// POST /workspaces/{id}: runs the console's query and shows one page of its result.
pub async fn run(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let sql = form_value(&form, "sql").replace("\r\n", "\n");
    let snapshot = form_value(&form, "snapshot").parse::<i64>().ok();
    let wanted = form_value(&form, "page")
        .parse::<usize>()
        .unwrap_or(1)
        .max(1);
    let limit = state.workspaces.limits.max_rows;
    let ask = Ask {
        sql: &sql,
        snapshot,
        limit,
    };
    let mut answered = snapshot;
    let (result, error, status) = match service::run_query(&state, &p, &client, &id, &ask).await {
        Ok(a) => {
            // The next page reads the same snapshot, even when a newer one arrives.
            answered = Some(a.snapshot);
            let r = a.result;
            let pages = r.rows.len().div_ceil(PAGE_ROWS).max(1);
            let page = wanted.min(pages);
            let rows = r
                .rows
                .iter()
                .skip((page - 1) * PAGE_ROWS)
                .take(PAGE_ROWS)
                .map(|row| row.iter().map(text_of).collect())
                .collect();
            let view = ResultView {
                columns: r.columns.into_iter().map(|c| c.name).collect(),
                rows,
                count_text: crate::i18n::say(lang, "ws.result_count", &[("count", &r.row_count)]),
                page_text: crate::i18n::say(lang, "ws.page", &[("page", &page), ("pages", &pages)]),
                page,
                pages,
                truncated: r.truncated,
            };
            (Some(view), None, StatusCode::OK)
        }
        Err(e) if e.status == StatusCode::NOT_FOUND && e.code == "workspace_not_found" => {
            return Err(e);
        }
        Err(e) if e.status.is_client_error() || e.status == StatusCode::SERVICE_UNAVAILABLE => {
            let status = e.status;
            (None, Some(e.message(lang).to_owned()), status)
        }
        Err(e) => return Err(e),
    };
    let page = page_of(&state, c, &p, &client, &id, (sql, answered, result, error)).await?;
    let mut res = render(lang, &page);
    *res.status_mut() = status;
    Ok(res)
}

/// An order as the stewards' page shows it.
#[derive(Template)]
#[template(path = "data_orders.html")]
struct OrdersPage {
    c: Chrome,
    orders: Vec<api::DataOrderBody>,
    states: &'static [&'static str],
    filter: String,
    error: Option<String>,
}

async fn orders_page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    filter: &str,
    error: Option<String>,
) -> Result<OrdersPage, ApiError> {
    let in_state = STATES.iter().find(|s| **s == filter).copied();
    let mut out = Vec::new();
    for o in orders::list(state, p, in_state).await? {
        out.push(api::order_body(state, &o).await?);
    }
    Ok(OrdersPage {
        c,
        orders: out,
        states: &STATES,
        filter: in_state.unwrap_or_default().to_owned(),
        error,
    })
}

/// GET /data-orders: the orders to the steward's controllers.
pub async fn orders_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let filter = form_value(&pairs, "state").to_owned();
    let page = orders_page_of(&state, c, &p, &filter, None).await?;
    Ok(render(lang, &page))
}

/// POST /data-orders/{id}: sign off (or lift a suspension), or suspend with a reason.
pub async fn order_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let done = match form_value(&form, "action") {
        "sign_off" => orders::sign_off(&state, &p, &client, &id).await.map(|_| ()),
        "suspend" => orders::suspend(&state, &p, &client, &id, form_value(&form, "reason"))
            .await
            .map(|_| ()),
        _ => Err(ApiError::invalid("bad_request", &[])),
    };
    match done {
        Ok(()) => Ok(Redirect::to("/data-orders").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let page = orders_page_of(&state, c, &p, "", Some(e.message(lang).to_owned())).await?;
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

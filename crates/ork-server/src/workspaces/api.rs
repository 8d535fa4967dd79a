//! Workspaces and data orders in the API: the caller's workspaces, one with its tables,
//! snapshots, provisioning progress and data orders, SQL over a snapshot, the project's
//! query log; for data stewards their orders, sign-off and suspension.

use super::orders::{self, STATES};
use super::plan::OrderDescription;
use super::service::{self, Ask, Entered};
use crate::api::{ApiJson, query_pairs};
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use ork_store::{DataOrder, Snapshot};
use serde_json::Value;

/// A workspace in a list.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WorkspaceSummary {
    /// `wsp-` and 12 letters and digits.
    pub id: String,
    /// The project's title.
    pub title: String,
    #[schema(pattern = "^(provisioning|ready|frozen|archived|deleted)$")]
    pub state: String,
    /// The permit it is provisioned to.
    pub permit: String,
    pub application: String,
    /// The organisation that holds the permit.
    pub organisation: String,
    /// The newest snapshot's number (none before the first delivery).
    pub latest_snapshot: Option<i64>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Your workspaces: those whose permits name you.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WorkspaceList {
    pub workspaces: Vec<WorkspaceSummary>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Clone)]
pub struct ColumnBody {
    pub name: String,
    /// `string`, `integer`, `number`, `date`, `timestamp`, or `pseudonym` for a CPR column
    /// (the project's pseudonyms; no CPR number is in a workspace).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A table of the newest snapshot.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct TableBody {
    /// Its name in SQL.
    pub name: String,
    pub columns: Vec<ColumnBody>,
    pub rows: u64,
    /// The controller that delivered it (for the project's own data: its organisation).
    pub controller: String,
    /// The data order that delivered it, or `own` for the project's own data.
    pub order: String,
}

/// An immutable snapshot: queries name one, or use the newest.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SnapshotBody {
    pub number: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub permit: String,
    /// The registers' release it was cut from (SHA-256 of their manifest).
    pub registers: String,
    pub tables: Vec<String>,
}

/// A provisioning job's progress.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProgressBody {
    /// Whether a job runs now.
    pub running: bool,
    /// Tables written of all.
    pub done: i64,
    pub total: i64,
    /// The table being written.
    pub table: Option<String>,
    /// Why the last run stopped, if it did (it is tried again).
    pub error: Option<String>,
}

/// A data order as the project sees it: the delivery clock of each controller.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OrderSummary {
    pub id: String,
    pub controller: String,
    #[schema(pattern = "^(awaiting_sign_off|delivering|delivered|suspended)$")]
    pub state: String,
    pub permit: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub signed_off_at: Option<String>,
    pub delivered_at: Option<String>,
    pub suspended_at: Option<String>,
    /// Days from the order to its delivery, or until now while it waits.
    pub days: i64,
}

/// A workspace.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WorkspaceBody {
    pub id: String,
    pub title: String,
    #[schema(pattern = "^(provisioning|ready|frozen|archived|deleted)$")]
    pub state: String,
    pub permit: String,
    pub application: String,
    pub organisation: String,
    /// The newest snapshot's tables, less those a controller has suspended.
    pub tables: Vec<TableBody>,
    pub snapshots: Vec<SnapshotBody>,
    pub progress: ProgressBody,
    pub orders: Vec<OrderSummary>,
    /// How it ends: when it froze, until when it is kept, when it was deleted or archived.
    pub lifecycle: LifecycleBody,
}

/// The end of a workspace: frozen when its permit ends (read-only for its controllers'
/// output checkers and the auditors), kept for its regimes' retention, then deleted by
/// destroying its data key or archived for the national archives.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LifecycleBody {
    /// RFC 3339, UTC; none while its permit is active.
    pub frozen_at: Option<String>,
    /// RFC 3339, UTC: the end of its retention.
    pub retain_until: Option<String>,
    /// RFC 3339, UTC: when it was deleted or archived.
    pub ended_at: Option<String>,
    /// The archive package's name, when archived.
    pub archive: Option<String>,
}

/// A query.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    /// One SELECT query (DataFusion's SQL) over the workspace's tables; 1–20,000 characters,
    /// not only white space.
    #[schema(min_length = 1, max_length = 20000, pattern = "\\S")]
    pub sql: String,
    /// The snapshot to query (default: the newest).
    #[schema(minimum = 1)]
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    pub snapshot: Option<i64>,
    /// The most rows to return (default 100, at most the server's cap, 1,000 by default).
    #[schema(minimum = 1, maximum = 1000)]
    #[serde(default, deserialize_with = "crate::api::optional_whole_number")]
    pub limit: Option<i64>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QueryColumn {
    pub name: String,
    /// The Arrow type (`Int64`, `Utf8`, `Float64`, `Date32`…).
    #[serde(rename = "type")]
    pub kind: String,
}

/// A query's first rows, for the screen: nothing of a workspace can be downloaded.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QueryAnswer {
    pub columns: Vec<QueryColumn>,
    /// Numbers as numbers, other values as text, null as null.
    pub rows: Vec<Vec<Value>>,
    pub row_count: u64,
    /// There were more rows than returned.
    pub truncated: bool,
    /// The snapshot the query ran on.
    pub snapshot: i64,
}

/// A logged query.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub id: i64,
    /// Who ran it (e-mail).
    pub user: String,
    pub snapshot: Option<i64>,
    pub sql: String,
    /// `cancelled`: a Flight SQL client stopped reading before the end (the rows sent
    /// are counted); `running`: a Flight SQL result still streaming (logged before its
    /// first row left).
    #[schema(pattern = "^(ok|refused|failed|timeout|cancelled|running)$")]
    pub outcome: String,
    /// Where it came from: the SQL console (the API and the page), Arrow Flight SQL, or the
    /// airlock (a safe table or model computed from it).
    #[schema(pattern = "^(console|flight_sql|airlock)$")]
    pub via: String,
    pub row_count: i64,
    pub millis: i64,
    /// RFC 3339, UTC.
    pub at: String,
}

impl From<ork_store::LoggedQuery> for LogEntry {
    fn from(q: ork_store::LoggedQuery) -> Self {
        Self {
            id: q.id,
            user: q.user_email,
            snapshot: q.snapshot,
            sql: q.sql,
            outcome: q.outcome,
            via: q.via,
            row_count: q.row_count,
            millis: q.millis,
            at: iso(q.at),
        }
    }
}

/// The project's query log, newest first (at most 500).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QueryLog {
    pub queries: Vec<LogEntry>,
}

/// A data order as its controller's stewards see it.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DataOrderBody {
    pub id: String,
    pub workspace: String,
    /// The project's title.
    pub project: String,
    pub controller: String,
    #[schema(pattern = "^(awaiting_sign_off|delivering|delivered|suspended)$")]
    pub state: String,
    pub permit: String,
    /// The extract: datasets, tables, variables, years, regions and the population.
    pub description: OrderDescription,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub signed_off_at: Option<String>,
    pub delivered_at: Option<String>,
    pub suspended_at: Option<String>,
    pub suspend_reason: Option<String>,
    /// Withdrawn because a later permit of the project replaced it (not a steward's
    /// suspension; it cannot be signed off).
    pub replaced: bool,
}

/// Your controllers' data orders, newest first.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DataOrderList {
    pub orders: Vec<DataOrderBody>,
}

/// Why a workspace's access to an order's data is suspended.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendBody {
    /// 1–2,000 characters, not only white space.
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// An empty JSON object.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffBody {}

fn summary(e: &Entered, latest: Option<i64>) -> WorkspaceSummary {
    WorkspaceSummary {
        id: e.ws.id.clone(),
        title: e.ws.title.clone(),
        state: e.ws.state.clone(),
        permit: e.ws.permit_id.clone(),
        application: e.ws.application_id.clone(),
        organisation: e.ws.org_id.clone(),
        latest_snapshot: latest,
        created_at: iso(e.ws.created_at),
    }
}

fn snapshot_body(s: &Snapshot) -> Result<SnapshotBody, ApiError> {
    Ok(SnapshotBody {
        number: s.number,
        created_at: iso(s.created_at),
        permit: s.permit_id.clone(),
        registers: s.registers.clone(),
        tables: service::tables_of(s)?.into_iter().map(|t| t.name).collect(),
    })
}

pub(super) fn order_summary(o: &DataOrder, now: i64) -> OrderSummary {
    OrderSummary {
        id: o.id.clone(),
        controller: o.controller.clone(),
        state: o.state.clone(),
        permit: o.permit_id.clone(),
        created_at: iso(o.created_at),
        signed_off_at: o.signed_off_at.map(iso),
        delivered_at: o.delivered_at.map(iso),
        suspended_at: o.suspended_at.map(iso),
        days: (o.delivered_at.unwrap_or(now) - o.created_at).max(0) / 86_400,
    }
}

/// The caller's workspaces: those whose permits name them.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = WorkspaceList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<WorkspaceList>, ApiError> {
    let mut workspaces = Vec::new();
    for e in service::mine(&state, &p).await? {
        let latest = state
            .store
            .snapshots(&e.ws.id)
            .await?
            .last()
            .map(|s| s.number);
        workspaces.push(summary(&e, latest));
    }
    Ok(Json(WorkspaceList { workspaces }))
}

/// A workspace: its state, permit, the newest snapshot's tables with columns and row
/// counts, every snapshot, the provisioning job's progress and the data orders. For the
/// permit's named users with a valid data-security certification.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    responses((status = 200, body = WorkspaceBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "No valid data-security certification (the message names the expiry date)", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace, or the permit does not name you", body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<WorkspaceBody>, ApiError> {
    let e = service::find(&state, &p, &client, &id).await?;
    service::certified(&state, &p, &client, &e.ws.id).await?;
    Ok(Json(detail(&state, &e).await?))
}

/// A workspace's whole description (the API's body; the page shows the same).
pub async fn detail(state: &AppState, e: &Entered) -> Result<WorkspaceBody, ApiError> {
    let snapshots = state.store.snapshots(&e.ws.id).await?;
    let orders = state.store.data_orders_of(&e.ws.id).await?;
    let hidden = service::suspended(&orders);
    // A project's own data is the project's organisation's.
    let controller_of = |order: &str| {
        orders
            .iter()
            .find(|o| o.id == order)
            .map_or_else(|| e.ws.org_id.clone(), |o| o.controller.clone())
    };
    let tables = match snapshots.last() {
        Some(s) => service::tables_of(s)?
            .into_iter()
            .filter(|t| !hidden.contains(&t.order))
            .map(|t| TableBody {
                controller: controller_of(&t.order),
                name: t.name,
                columns: t
                    .columns
                    .into_iter()
                    .map(|c| ColumnBody {
                        name: c.name,
                        kind: c.kind,
                    })
                    .collect(),
                rows: t.rows,
                order: t.order,
            })
            .collect(),
        None => Vec::new(),
    };
    let now = ork_store::now_unix();
    Ok(WorkspaceBody {
        id: e.ws.id.clone(),
        title: e.ws.title.clone(),
        state: e.ws.state.clone(),
        permit: e.ws.permit_id.clone(),
        application: e.ws.application_id.clone(),
        organisation: e.ws.org_id.clone(),
        tables,
        snapshots: snapshots
            .iter()
            .map(snapshot_body)
            .collect::<Result<_, _>>()?,
        lifecycle: LifecycleBody {
            frozen_at: e.ws.frozen_at.map(iso),
            retain_until: e.ws.retain_until.map(iso),
            ended_at: e.ws.ended_at.map(iso),
            archive: e.ws.archive.clone(),
        },
        progress: ProgressBody {
            running: state.workspaces.running(&e.ws.id),
            done: e.ws.progress_done,
            total: e.ws.progress_total,
            table: e.ws.progress_table.clone(),
            error: e.ws.last_error.clone(),
        },
        orders: orders
            .iter()
            .filter(|o| o.permit_id == e.ws.permit_id)
            .map(|o| order_summary(o, now))
            .collect(),
    })
}

/// Runs one SELECT query over a snapshot's tables (the newest by default) and returns its
/// first rows for the screen. Statements other than a query (`CREATE EXTERNAL TABLE`,
/// `COPY`, `INSERT`, `SET`…) and anything outside the workspace (files, URLs, table
/// functions, other workspaces) are refused with 403; every query is logged with its SQL
/// text, outcome and row count.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/query", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    request_body = QueryBody,
    responses((status = 200, body = QueryAnswer),
        (status = 400, description = "Not valid SQL, a wrong column or type, or stopped at the time limit", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or the SQL reaches outside the workspace", body = crate::api::ErrorBody),
        (status = 404, description = "No such workspace or snapshot, or the permit does not name you", body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody),
        (status = 503, description = "Workspaces are not set up on this server", body = crate::api::ErrorBody)))]
pub async fn query(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<QueryBody>,
) -> Result<Json<QueryAnswer>, ApiError> {
    // Out of range (a fraction included) is refused by the service with the range.
    let limit = b.limit.map_or(100, |n| usize::try_from(n).unwrap_or(0));
    let a = service::run_query(
        &state,
        &p,
        &client,
        &id,
        &Ask {
            sql: &b.sql,
            snapshot: b.snapshot,
            limit,
        },
    )
    .await?;
    Ok(Json(QueryAnswer {
        columns: a
            .result
            .columns
            .into_iter()
            .map(|c| QueryColumn {
                name: c.name,
                kind: c.kind,
            })
            .collect(),
        rows: a.result.rows,
        row_count: a.result.row_count,
        truncated: a.result.truncated,
        snapshot: a.snapshot,
    }))
}

/// The project's query log: every query run in the workspace, by whom, on which snapshot,
/// with its outcome and row count. For the permit's named users.
#[utoipa::path(get, path = "/api/v1/workspaces/{id}/log", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    responses((status = 200, body = QueryLog), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "No valid data-security certification", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody)))]
pub async fn log(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<QueryLog>, ApiError> {
    let e = service::find(&state, &p, &client, &id).await?;
    service::certified(&state, &p, &client, &e.ws.id).await?;
    let queries = state
        .store
        .workspace_queries(&e.ws.id, 500)
        .await?
        .into_iter()
        .map(LogEntry::from)
        .collect();
    Ok(Json(QueryLog { queries }))
}

pub(super) async fn order_body(state: &AppState, o: &DataOrder) -> Result<DataOrderBody, ApiError> {
    let project = state
        .store
        .workspace(&o.workspace_id)
        .await?
        .map(|w| w.title)
        .unwrap_or_default();
    Ok(DataOrderBody {
        id: o.id.clone(),
        workspace: o.workspace_id.clone(),
        project,
        controller: o.controller.clone(),
        state: o.state.clone(),
        permit: o.permit_id.clone(),
        description: serde_json::from_str(&o.description)
            .map_err(|e| ApiError::from(anyhow::anyhow!("order description: {e}")))?,
        created_at: iso(o.created_at),
        signed_off_at: o.signed_off_at.map(iso),
        delivered_at: o.delivered_at.map(iso),
        suspended_at: o.suspended_at.map(iso),
        suspend_reason: o.suspend_reason.clone(),
        replaced: o.state == "suspended" && o.suspended_by.is_none(),
    })
}

/// The data orders to the controllers you are a data steward of, newest first.
#[utoipa::path(get, path = "/api/v1/data-orders", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("state" = Option<String>, Query, description = "Only this state (empty: all)", pattern = "^(awaiting_sign_off|delivering|delivered|suspended)?$")),
    responses((status = 200, body = DataOrderList), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody)))]
pub async fn data_orders(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<DataOrderList>, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let mut in_state = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "state" if v.is_empty() => {}
            "state" if STATES.contains(&v.as_str()) => in_state = Some(v.as_str()),
            "state" => return Err(ApiError::invalid("invalid_filter", &[("name", &"state")])),
            _ => {
                return Err(ApiError::invalid(
                    "unknown_parameter.list",
                    &[("name", k), ("allowed", &"state")],
                ));
            }
        }
    }
    let mut out = Vec::new();
    for o in orders::list(&state, &p, in_state).await? {
        out.push(order_body(&state, &o).await?);
    }
    Ok(Json(DataOrderList { orders: out }))
}

/// Signs a data order off (or lifts its suspension): the platform then delivers the
/// extract into the workspace as a new snapshot. For the controller's data stewards.
#[utoipa::path(post, path = "/api/v1/data-orders/{id}/sign-off", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Data order id")),
    request_body = SignOffBody,
    responses((status = 200, body = DataOrderBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such order to your controllers", body = crate::api::ErrorBody),
        (status = 409, description = "Not awaiting sign-off nor suspended", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody)))]
pub async fn sign_off(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(_empty): ApiJson<SignOffBody>,
) -> Result<Json<DataOrderBody>, ApiError> {
    let o = orders::sign_off(&state, &p, &client, &id).await?;
    Ok(Json(order_body(&state, &o).await?))
}

/// Suspends the workspace's access to the order's data at once, with the reason. For the
/// controller's data stewards; signing off again lifts it.
#[utoipa::path(post, path = "/api/v1/data-orders/{id}/suspend", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Data order id")),
    request_body = SuspendBody,
    responses((status = 200, body = DataOrderBody), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 404, description = "No such order to your controllers", body = crate::api::ErrorBody),
        (status = 409, description = "Suspended already", body = crate::api::ErrorBody),
        (status = 415, body = crate::api::ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<SuspendBody>,
) -> Result<Json<DataOrderBody>, ApiError> {
    let o = orders::suspend(&state, &p, &client, &id, &b.reason).await?;
    Ok(Json(order_body(&state, &o).await?))
}

/// The form of an own-data upload: exactly its two parts.
#[derive(utoipa::ToSchema, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct OwnDataForm {
    /// The table's name: a lower-case letter, then lower-case letters, digits and `_`, at
    /// most 40 in all; the table is `own_NAME` (an upload of the same name replaces it in
    /// the new snapshot).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$")]
    name: String,
    /// CSV (UTF-8; comma, semicolon or tab; a header row) or Parquet, at most 64 MiB, with
    /// a CPR column: every column whose name holds `cpr`, `pnr` or `personnummer` is one,
    /// checked and pseudonymised.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Adds the project's own data (`multipart/form-data`: `name` and `file`): every CPR number
/// is checked (a bad one is reported by row and nothing is kept), replaced by the project's
/// pseudonym, so the data link with the delivered tables; the original is not kept. A new
/// snapshot holds it beside every delivered table. For the permit's named, certified users,
/// unless a controller's regime forbids own data.
#[utoipa::path(post, path = "/api/v1/workspaces/{id}/uploads", tag = "workspaces", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    request_body(content = OwnDataForm, content_type = "multipart/form-data"),
    responses((status = 201, body = super::own::OwnDataBody),
        (status = 400, description = "Not the two parts, a bad name, a file that is empty, not UTF-8, without a CPR column, with bad CPR numbers (by row) or otherwise unreadable", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not certified, the workspace closed, or a controller's regime forbids own data", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "The workspace is still being provisioned", body = crate::api::ErrorBody),
        (status = 413, description = "Over 64 MiB", body = crate::api::ErrorBody),
        (status = 415, description = "Not multipart/form-data", body = crate::api::ErrorBody),
        (status = 503, description = "Workspaces are not set up on this server", body = crate::api::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<(axum::http::StatusCode, Json<super::own::OwnDataBody>), ApiError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(ApiError::of(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_multipart.own",
            &[],
        ));
    }
    let bytes = crate::body::read_limited(body, super::own::MAX_OWN_BYTES + 64 * 1024).await?;
    let (name, filename, file) = parts(&ct, bytes).await?;
    let added = super::own::upload(&state, &p, &client, &id, &name, &filename, &file).await?;
    Ok((axum::http::StatusCode::CREATED, Json(added)))
}

/// The `name` and `file` parts of an own-data upload (a page's form also has `_csrf`, which
/// the middleware checked).
pub(super) async fn parts(
    content_type: &str,
    body: axum::body::Bytes,
) -> Result<(String, String, axum::body::Bytes), ApiError> {
    let bad = || ApiError::invalid("invalid_multipart.own", &[]);
    let mut form = crate::body::file_form(content_type, body, &["name"], bad).await?;
    match (form.texts.remove("name"), form.file) {
        (Some(n), Some((f, b))) => Ok((n.trim().to_owned(), f, b)),
        _ => Err(bad()),
    }
}

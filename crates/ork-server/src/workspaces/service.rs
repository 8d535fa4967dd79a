//! Who may enter a workspace and what they may do there: only the users the permit names,
//! only with a valid data-security certification, only while the workspace is ready and its
//! permit active. Queries run over one snapshot's tables less those a controller has
//! suspended, and each is logged with its SQL text, outcome and row count.

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::permit::Scope;
use ork_store::{DataOrder, Permit, Snapshot, Workspace};
use ork_workspace::query::{self, QueryError, QueryResult, QueryTable};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::time::Instant;

/// A workspace with the permit it serves, as a named user sees it.
pub struct Entered {
    pub ws: Workspace,
    pub permit: Permit,
    pub scope: Scope,
}

/// One table of a snapshot, as recorded when it was written.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SnapshotTable {
    pub name: String,
    /// The data order that delivered it.
    pub order: String,
    pub columns: Vec<SnapshotColumn>,
    pub rows: u64,
    /// Written encrypted under the workspace's data key (every file since encryption at
    /// rest; a file of an earlier snapshot is plain).
    #[serde(default)]
    pub sealed: bool,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct SnapshotColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Workspaces are not set up on this server (no folder or no master key): 503.
pub fn unavailable() -> ApiError {
    ApiError::of(
        StatusCode::SERVICE_UNAVAILABLE,
        "workspaces_unavailable",
        &[],
    )
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "workspace_not_found", &[])
}

pub(crate) fn scope_of(permit: &Permit) -> Result<Scope, ApiError> {
    serde_json::from_str(&permit.scope)
        .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))
}

/// Whether the permit names the user.
pub fn named(scope: &Scope, p: &Principal) -> bool {
    scope
        .users
        .iter()
        .any(|u| u.email.eq_ignore_ascii_case(p.user.email.as_str()))
}

/// Whether the user may read a frozen workspace: an auditor, or an output checker at one of
/// its controllers.
pub async fn reviewer(state: &AppState, p: &Principal, ws: &Workspace) -> Result<bool, ApiError> {
    Ok(p.has_role(ork_domain::Role::Auditor) || output_checker_of(state, p, ws).await?)
}

/// Whether the user is an output checker at a controller of the workspace's data.
pub async fn output_checker_of(
    state: &AppState,
    p: &Principal,
    ws: &Workspace,
) -> Result<bool, ApiError> {
    let checker_at: BTreeSet<String> = p
        .memberships
        .iter()
        .filter(|m| m.role == ork_domain::Role::OutputChecker)
        .map(|m| m.org_id.to_string())
        .collect();
    if checker_at.is_empty() {
        return Ok(false);
    }
    Ok(state
        .store
        .data_orders_of(&ws.id)
        .await?
        .iter()
        .any(|o| checker_at.contains(&o.controller)))
}

/// Whether the user may see the workspace: named in its permit, or (once it is frozen) a
/// reviewer of it.
async fn may_see(
    state: &AppState,
    p: &Principal,
    ws: &Workspace,
    scope: &Scope,
) -> Result<bool, ApiError> {
    Ok(named(scope, p) || (ws.state == "frozen" && reviewer(state, p, ws).await?))
}

/// The workspaces whose permits name the user (and the frozen ones they review), newest
/// first.
pub async fn mine(state: &AppState, p: &Principal) -> Result<Vec<Entered>, ApiError> {
    let mut out = Vec::new();
    for ws in state.store.workspaces().await? {
        let Some(permit) = state.store.permit(&ws.permit_id).await? else {
            continue;
        };
        let scope = scope_of(&permit)?;
        if may_see(state, p, &ws, &scope).await? {
            out.push(Entered { ws, permit, scope });
        }
    }
    Ok(out)
}

/// A workspace the user is named in; anyone else is refused as if it did not exist, and
/// the refusal is audited.
pub async fn find(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<Entered, ApiError> {
    let Some(ws) = state.store.workspace(id).await? else {
        return Err(not_found());
    };
    let permit = state
        .store
        .permit(&ws.permit_id)
        .await?
        .ok_or_else(not_found)?;
    let scope = scope_of(&permit)?;
    if !may_see(state, p, &ws, &scope).await? {
        refuse(state, p, client, &ws.id, "not_named").await?;
        return Err(not_found());
    }
    Ok(Entered { ws, permit, scope })
}

async fn refuse(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws: &str,
    why: &str,
) -> Result<(), ApiError> {
    tracing::warn!(workspace = %ws, user = p.user.id, reason = why, "workspace access refused");
    let mut tx = state.store.write().await?;
    tx.audit(
        &p.audit_source(client, None),
        "workspace.refused",
        "workspace",
        ws,
        serde_json::json!({"reason": why}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user's certification, checked: `Err` naming the expiry date when it has run out.
pub async fn certified(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws: &str,
) -> Result<(), ApiError> {
    let today = crate::dates::date(ork_store::now_unix());
    match state.store.certification(p.user.id).await? {
        Some(until) if until >= today => Ok(()),
        Some(until) => {
            refuse(state, p, client, ws, "certification_expired").await?;
            Err(ApiError::of(
                StatusCode::FORBIDDEN,
                "certification_expired",
                &[("date", &until)],
            ))
        }
        None => {
            refuse(state, p, client, ws, "not_certified").await?;
            Err(ApiError::of(StatusCode::FORBIDDEN, "not_certified", &[]))
        }
    }
}

/// A workspace the user may read now: named and certified, the workspace ready and its
/// permit active; or, once it is frozen, a certified reviewer (read-only).
pub async fn enter(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<Entered, ApiError> {
    let e = find(state, p, client, id).await?;
    certified(state, p, client, &e.ws.id).await?;
    if e.ws.state == "frozen" && !named(&e.scope, p) {
        // find() let a reviewer in only because the workspace is frozen.
        return Ok(e);
    }
    enter_named(e)
}

/// A workspace the user may change now (own data): named, certified, ready, its permit
/// active. A reviewer of a frozen workspace reads only.
pub async fn enter_to_write(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<Entered, ApiError> {
    let e = find(state, p, client, id).await?;
    certified(state, p, client, &e.ws.id).await?;
    if !named(&e.scope, p) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "workspace_read_only",
            &[],
        ));
    }
    enter_named(e)
}

fn enter_named(e: Entered) -> Result<Entered, ApiError> {
    if !super::provision::permit_active(&e.permit) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "workspace_closed",
            &[(
                "state",
                &crate::permits::service::status(&e.permit, ork_store::now_unix()),
            )],
        ));
    }
    match e.ws.state.as_str() {
        "ready" => Ok(e),
        "provisioning" => Err(ApiError::of(
            StatusCode::CONFLICT,
            "workspace_not_ready",
            &[],
        )),
        other => Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "workspace_closed",
            &[("state", &other)],
        )),
    }
}

/// A snapshot's tables as recorded.
pub fn tables_of(s: &Snapshot) -> Result<Vec<SnapshotTable>, ApiError> {
    serde_json::from_str(&s.tables)
        .map_err(|e| ApiError::from(anyhow::anyhow!("snapshot tables: {e}")))
}

/// The orders whose data is hidden: every order of a controller one of whose orders a
/// steward has suspended (an order a later permit replaced is withdrawn by no one and hides
/// nothing by itself: its delivered data stay in the snapshots that hold them).
pub fn suspended(orders: &[DataOrder]) -> BTreeSet<String> {
    // A steward suspends the workspace's access to their controller's data: every order of
    // that controller, earlier permits' included, is hidden in every snapshot.
    let controllers: BTreeSet<&str> = orders
        .iter()
        .filter(|o| o.state == "suspended" && o.suspended_by.is_some())
        .map(|o| o.controller.as_str())
        .collect();
    orders
        .iter()
        .filter(|o| controllers.contains(o.controller.as_str()))
        .map(|o| o.id.clone())
        .collect()
}

/// A query as asked.
pub struct Ask<'a> {
    pub sql: &'a str,
    pub snapshot: Option<i64>,
    pub limit: usize,
}

/// What a query gave, with the snapshot it ran on.
pub struct Answered {
    pub result: QueryResult,
    pub snapshot: i64,
}

/// The most characters a query may have.
pub const MAX_SQL_CHARS: usize = 20_000;

/// The tables of a workspace's snapshot `number` (the latest when `None`) less the data of
/// controllers who suspended the workspace, with the snapshot.
pub async fn visible_tables(
    state: &AppState,
    workspace: &str,
    number: Option<i64>,
) -> Result<(Snapshot, Vec<SnapshotTable>), ApiError> {
    if number.is_some_and(|n| n < 1) {
        return Err(ApiError::invalid("invalid_snapshot", &[]));
    }
    let mut snapshots = state.store.snapshots(workspace).await?;
    let snapshot = match number {
        Some(n) => {
            let i = snapshots
                .iter()
                .position(|s| s.number == n)
                .ok_or_else(|| {
                    ApiError::of(StatusCode::NOT_FOUND, "unknown_snapshot", &[("number", &n)])
                })?;
            snapshots.swap_remove(i)
        }
        None => snapshots
            .pop()
            .ok_or_else(|| ApiError::of(StatusCode::CONFLICT, "workspace_not_ready", &[]))?,
    };
    let hidden = suspended(&state.store.data_orders_of(workspace).await?);
    let tables = tables_of(&snapshot)?
        .into_iter()
        .filter(|t| !hidden.contains(&t.order))
        .collect();
    Ok((snapshot, tables))
}

/// The tables a query in `e` may read: snapshot `number` (the latest when `None`) less the
/// data of controllers who suspended the workspace, with the snapshot's number.
pub async fn query_tables(
    state: &AppState,
    e: &Entered,
    number: Option<i64>,
) -> Result<(i64, Vec<QueryTable>), ApiError> {
    let storage = state.workspaces.storage().ok_or_else(unavailable)?;
    let (snapshot, visible) = visible_tables(state, &e.ws.id, number).await?;
    let key = match visible.iter().any(|t| t.sealed) {
        true => Some(std::sync::Arc::new(data_key(state, &e.ws.id)?)),
        false => None,
    };
    let tables = visible
        .into_iter()
        .map(|t| {
            let (file, store) =
                storage.table(&e.ws.id, snapshot.number, &format!("{}.parquet", t.name));
            QueryTable {
                file,
                store,
                key: key.clone().filter(|_| t.sealed),
                name: t.name,
            }
        })
        .collect();
    Ok((snapshot.number, tables))
}

/// The workspace's data key, to read its files.
pub fn data_key(state: &AppState, workspace: &str) -> Result<ork_workspace::DataKey, ApiError> {
    let keys = state.workspaces.keys().ok_or_else(unavailable)?;
    keys.data_key(workspace, false)
        .map_err(|e| ApiError::from(anyhow::anyhow!("workspace {workspace}: {e}")))
}

/// Checks a query's text: not empty, not longer than [`MAX_SQL_CHARS`].
pub fn sql_text(sql: &str) -> Result<&str, ApiError> {
    let sql = sql.trim();
    if sql.is_empty() || sql.chars().count() > MAX_SQL_CHARS {
        return Err(ApiError::invalid("invalid_sql", &[]));
    }
    Ok(sql)
}

/// How a query ended, as its log entry says: `ok` without an error.
pub fn outcome_label(error: Option<&QueryError>) -> &'static str {
    match error {
        None => "ok",
        Some(QueryError::Timeout(_)) => "timeout",
        Some(e) if e.is_refusal() => "refused",
        Some(_) => "failed",
    }
}

/// A query as it is logged.
pub struct Logged<'a> {
    pub workspace: &'a str,
    pub snapshot: i64,
    pub sql: &'a str,
    /// `ok`, `refused`, `failed`, `timeout`, `cancelled` or `running`.
    pub outcome: &'a str,
    pub rows: u64,
    pub millis: i64,
    /// Where it came from: `console` (the API and the page) or `flight_sql`.
    pub via: &'a str,
}

/// Logs a query in the project's log and the audit trail; its id in the log.
pub async fn log_query(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    q: &Logged<'_>,
) -> Result<i64, ApiError> {
    let mut tx = state.store.write().await?;
    let id = tx
        .log_query(
            &p.audit_source(client, None),
            &ork_store::NewQuery {
                workspace_id: q.workspace,
                user_id: p.user.id,
                snapshot: Some(q.snapshot),
                sql: q.sql,
                outcome: q.outcome,
                row_count: i64::try_from(q.rows).unwrap_or(i64::MAX),
                millis: q.millis,
                via: q.via,
            },
        )
        .await?;
    tx.commit().await?;
    if q.outcome == "refused" {
        tracing::warn!(workspace = %q.workspace, user = p.user.id, via = q.via, "a query reaching outside the workspace was refused");
    }
    Ok(id)
}

/// Records how query `id`, logged as `running`, ended: `q`'s outcome, rows and time.
pub async fn finish_query(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: i64,
    q: &Logged<'_>,
) -> Result<(), ApiError> {
    let mut tx = state.store.write().await?;
    tx.finish_query(
        &p.audit_source(client, None),
        q.workspace,
        id,
        q.outcome,
        i64::try_from(q.rows).unwrap_or(i64::MAX),
        q.millis,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a query in a workspace the user may work in; logs it whatever its outcome.
pub async fn run_query(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    ask: &Ask<'_>,
) -> Result<Answered, ApiError> {
    let sql = sql_text(ask.sql)?;
    let max = state.workspaces.limits.max_rows;
    if ask.limit == 0 || ask.limit > max {
        return Err(ApiError::invalid("invalid_limit", &[("max", &max)]));
    }
    if state.workspaces.storage().is_none() {
        return Err(unavailable());
    }
    let e = enter(state, p, client, id).await?;
    let (snapshot, tables) = query_tables(state, &e, ask.snapshot).await?;
    let started = Instant::now();
    let limits = &state.workspaces.limits;
    let outcome =
        match tokio::time::timeout(limits.timeout, state.workspaces.queries.acquire()).await {
            Ok(Ok(_turn)) => query::run(&tables, sql, ask.limit, limits).await,
            Ok(Err(_)) | Err(_) => Err(QueryError::Timeout(limits.timeout)),
        };
    log_query(
        state,
        p,
        client,
        &Logged {
            workspace: &e.ws.id,
            snapshot,
            sql,
            outcome: outcome_label(outcome.as_ref().err()),
            rows: outcome.as_ref().map_or(0, |r| r.row_count),
            millis: started.elapsed().as_millis() as i64,
            via: "console",
        },
    )
    .await?;
    match outcome {
        Ok(result) => Ok(Answered { result, snapshot }),
        Err(err) => Err(query_error(&err, &tables)),
    }
}

/// The API's answer to a query that gave no result (`tables`: what the workspace has,
/// named in a refusal).
pub fn query_error(e: &QueryError, tables: &[QueryTable]) -> ApiError {
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let tables = names.join(", ");
    match e {
        QueryError::NotAQuery => ApiError::of(StatusCode::FORBIDDEN, "sql_not_a_query", &[]),
        QueryError::OutsideWorkspace(name) => ApiError::of(
            StatusCode::FORBIDDEN,
            "sql_outside",
            &[("name", name), ("tables", &tables)],
        ),
        QueryError::Timeout(d) => ApiError::invalid("query_timeout", &[("seconds", &d.as_secs())]),
        QueryError::Invalid(m) | QueryError::Failed(m) => {
            ApiError::invalid("sql_invalid", &[("reason", m)])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SnapshotTable;

    #[test]
    fn a_table_recorded_before_encryption_at_rest_is_read_as_plain() {
        let old: SnapshotTable =
            serde_json::from_str(r#"{"name": "dlcr", "order": "ord-1", "columns": [], "rows": 3}"#)
                .unwrap();
        assert!(!old.sealed);
        let new: SnapshotTable = serde_json::from_str(
            r#"{"name": "dlcr", "order": "ord-1", "columns": [], "rows": 3, "sealed": true}"#,
        )
        .unwrap();
        assert!(new.sealed);
    }
}

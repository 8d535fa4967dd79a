//! Making an output in a workspace: a safe table or model computed from a query over a
//! snapshot and checked by the workspace's strictest regime, or a file for a person's
//! review; blocked before anything is kept when it holds identifiers or row-level data;
//! kept as a draft, its bytes sealed under the workspace's data key.

use super::compute::{self, Blocked};
use super::content;
use super::service::{MAX_DESCRIPTION, MAX_TITLE, not_found, text};
use crate::auth::{ClientAddr, Principal};
use crate::workspaces::service::{self as ws, Logged};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_airlock::{Report, Spec};
use ork_store::{Output, Workspace};
use sha2::Digest;
use std::time::Instant;

/// A table or model to compute.
pub struct NewSpecOutput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub sql: &'a str,
    pub snapshot: Option<i64>,
    /// The spec as JSON text.
    pub spec: &'a str,
}

/// A file for manual review.
pub struct NewFileOutput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub filename: &'a str,
    pub bytes: &'a [u8],
}

/// The snapshot's columns recorded as pseudonyms (they may not lay out a table).
fn pseudonym_columns(tables: &[ws::SnapshotTable]) -> Vec<String> {
    tables
        .iter()
        .flat_map(|t| &t.columns)
        .filter(|c| c.kind == "pseudonym")
        .map(|c| c.name.clone())
        .collect()
}

struct Made {
    kind: &'static str,
    status: String,
    report: String,
    filename: String,
    media_type: &'static str,
    bytes: Vec<u8>,
}

/// Computes a safe table or model from a query over a snapshot and keeps it as a draft with
/// its automatic checks. The query is in the project's log like any other.
pub async fn create_spec(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
    n: &NewSpecOutput<'_>,
) -> Result<Output, ApiError> {
    // The workspace first: what the body says is judged only where it could be kept.
    if state.workspaces.storage().is_none() {
        return Err(ws::unavailable());
    }
    let e = ws::enter_to_write(state, p, client, ws_id).await?;
    let title = text(n.title, MAX_TITLE, true, "output_title")?;
    let description = text(n.description, MAX_DESCRIPTION, false, "output_description")?;
    let sql = ws::sql_text(n.sql)?;
    let spec = Spec::from_json(n.spec).map_err(|e| compute::spec_error(&e))?;
    let (regime, _) = crate::workspaces::lifecycle::regime(state, &e.ws).await?;
    let rules = compute::rules_of(&regime);
    let (snapshot, tables) = ws::query_tables(state, &e, n.snapshot).await?;
    let recorded = state.store.snapshots(&e.ws.id).await?;
    let pseudonyms = recorded
        .iter()
        .find(|s| s.number == snapshot)
        .map(ws::tables_of)
        .transpose()?
        .map(|t| pseudonym_columns(&t))
        .unwrap_or_default();
    let started = Instant::now();
    let limits = &state.workspaces.limits;
    let collected =
        match tokio::time::timeout(limits.timeout, state.workspaces.queries.acquire()).await {
            Ok(Ok(_turn)) => compute::collect(&tables, sql, &spec, limits).await,
            Ok(Err(_)) | Err(_) => Err(compute::Failed::Query(
                ork_workspace::query::QueryError::Timeout(limits.timeout),
            )),
        };
    let outcome = match &collected {
        Ok(_) => "ok",
        Err(compute::Failed::Query(q)) => ws::outcome_label(Some(q)),
        Err(_) => "failed",
    };
    ws::log_query(
        state,
        p,
        client,
        &Logged {
            workspace: &e.ws.id,
            snapshot,
            sql,
            outcome,
            rows: collected.as_ref().map_or(0, |c| c.rows),
            millis: started.elapsed().as_millis() as i64,
            via: "airlock",
        },
    )
    .await?;
    let collected = collected.map_err(|f| compute::failed(&f, &tables))?;
    let report = compute::check(collected.batches, spec.clone(), rules.clone()).await?;
    let made = match (&report, &spec) {
        (Report::Table(t), Spec::Table(ts)) => {
            if let Some(b) = compute::blocked(t, ts, &pseudonyms) {
                return Err(refuse_blocked(state, p, client, &e.ws.id, &b).await?);
            }
            Made {
                kind: "table",
                status: verdict(t.status),
                report: json(&report)?,
                filename: format!("{}.csv", slug(title)),
                media_type: "text/csv",
                bytes: compute::table_csv(t, ts).into_bytes(),
            }
        }
        (Report::Model(m), _) => Made {
            kind: "model",
            status: verdict(m.status),
            report: json(&report)?,
            filename: format!("{}.json", slug(title)),
            media_type: "application/json",
            bytes: serde_json::to_vec_pretty(&report)
                .map_err(|e| ApiError::from(anyhow::anyhow!("model report: {e}")))?,
        },
        _ => {
            return Err(ApiError::from(anyhow::anyhow!(
                "a report of another kind than its spec"
            )));
        }
    };
    let spec_text = serde_json::to_string(
        &serde_json::from_str::<serde_json::Value>(n.spec)
            .map_err(|e| ApiError::from(anyhow::anyhow!("spec: {e}")))?,
    )
    .map_err(|e| ApiError::from(anyhow::anyhow!("spec: {e}")))?;
    let rules_text =
        serde_json::to_string(&rules).map_err(|e| ApiError::from(anyhow::anyhow!("rules: {e}")))?;
    keep(
        state,
        p,
        client,
        &e.ws,
        title,
        description,
        Some((&spec_text, sql, snapshot)),
        &rules_text,
        made,
    )
    .await
}

/// Keeps a file for manual review as a draft.
pub async fn create_file(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
    n: &NewFileOutput<'_>,
) -> Result<Output, ApiError> {
    if state.workspaces.storage().is_none() {
        return Err(ws::unavailable());
    }
    let e = ws::enter_to_write(state, p, client, ws_id).await?;
    let title = text(n.title, MAX_TITLE, true, "output_title")?;
    let description = text(n.description, MAX_DESCRIPTION, false, "output_description")?;
    let filename = n.filename.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if filename.is_empty()
        || filename.chars().any(char::is_control)
        || filename.chars().count() > 200
    {
        return Err(ApiError::invalid("invalid_filename", &[]));
    }
    if n.bytes.is_empty() {
        return Err(ApiError::invalid("output_file_empty", &[]));
    }
    if n.bytes.len() > content::MAX_FILE_BYTES {
        return Err(ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "output_file_too_large",
            &[("mib", &(content::MAX_FILE_BYTES >> 20))],
        ));
    }
    let media_type = content::media_type(filename, n.bytes)?;
    if media_type.starts_with("text/") {
        let text = std::str::from_utf8(n.bytes).unwrap_or_default();
        if let Some(b) = content::blocked_text(text) {
            return Err(refuse_blocked(state, p, client, &e.ws.id, &b).await?);
        }
    }
    let made = Made {
        kind: "file",
        status: "review".into(),
        report: "{}".into(),
        filename: filename.to_owned(),
        media_type,
        bytes: n.bytes.to_vec(),
    };
    keep(
        state,
        p,
        client,
        &e.ws,
        title,
        description,
        None,
        "{}",
        made,
    )
    .await
}

async fn refuse_blocked(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
    b: &Blocked,
) -> Result<ApiError, ApiError> {
    tracing::warn!(workspace = %ws_id, user = p.user.id, reason = %b.reason(), "an output was blocked");
    let mut tx = state.store.write().await?;
    tx.audit(
        &p.audit_source(client, None),
        "output.blocked",
        "workspace",
        ws_id,
        serde_json::json!({"reason": b.reason()}),
    )
    .await?;
    tx.commit().await?;
    Ok(b.error())
}

fn verdict(v: ork_airlock::Verdict) -> String {
    match v {
        ork_airlock::Verdict::Pass => "pass",
        ork_airlock::Verdict::Review => "review",
        ork_airlock::Verdict::Fail => "fail",
    }
    .into()
}

fn json(r: &Report) -> Result<String, ApiError> {
    serde_json::to_string(r).map_err(|e| ApiError::from(anyhow::anyhow!("report: {e}")))
}

/// What an output's sealed report is bound to.
pub(super) fn report_context(id: &str) -> String {
    format!("{id}/report")
}

/// A file name from a title: letters, digits and `-`, at most 60.
fn slug(title: &str) -> String {
    let s: String = title
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let s: String = s.chars().take(60).collect();
    if s.is_empty() { "output".into() } else { s }
}

#[allow(clippy::too_many_arguments)]
async fn keep(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    w: &Workspace,
    title: &str,
    description: &str,
    query: Option<(&str, &str, i64)>,
    rules: &str,
    made: Made,
) -> Result<Output, ApiError> {
    let id = crate::ids::new_id("out");
    let key = ws::data_key(state, &w.id)?;
    let sealed = key.seal_bytes(&id, &made.bytes);
    // The checks name every cell's count: sealed too, so no count of an unreleased table is
    // kept in the clear.
    let report = hex::encode(key.seal_bytes(&report_context(&id), made.report.as_bytes()));
    let sha256 = hex::encode(sha2::Sha256::digest(&made.bytes));
    let mut tx = state.store.write().await?;
    tx.create_output(
        &p.audit_source(client, None),
        &ork_store::NewOutput {
            id: &id,
            workspace_id: &w.id,
            kind: made.kind,
            title,
            description,
            status: &made.status,
            spec: query.map(|q| q.0),
            sql: query.map(|q| q.1),
            snapshot: query.map(|q| q.2),
            report: &report,
            rules,
            filename: &made.filename,
            media_type: made.media_type,
            size: i64::try_from(made.bytes.len()).unwrap_or(i64::MAX),
            sha256: &sha256,
            content: &sealed,
            created_by: p.user.id,
        },
    )
    .await?;
    tx.commit().await?;
    state.store.output(&id).await?.ok_or_else(not_found)
}

//! The airlock's rules: who may make, request, review, view and download an output, and
//! what each step writes. A project member makes an output inside a ready workspace (a safe
//! table or model from a query, or a file for manual review) and asks for its release; an
//! output checker at a controller of the workspace's data — never the one who made or asked
//! for it — approves, rejects or asks; only an approved output leaves, only to the project's
//! members. Every step, refusals included, is in the audit trail.

use super::compute::{self, Blocked};
use super::content;
use crate::auth::{ClientAddr, Principal};
use crate::workspaces::service::{self as ws, Logged};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_airlock::{Report, Spec};
use ork_store::{Output, Workspace};
use sha2::Digest;
use std::time::Instant;

/// An output's states.
pub const STATES: &[&str] = &["draft", "requested", "asked", "approved", "rejected"];

/// The longest title and description.
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 10_000;
pub const MAX_REASON: usize = 2_000;

/// What the caller is to an output.
#[derive(Debug, Clone, Copy)]
pub struct Access {
    /// Named in the project's permit.
    pub member: bool,
    /// An output checker at a controller of the workspace's data.
    pub checker: bool,
}

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

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "output_not_found", &[])
}

fn text<'a>(
    value: &'a str,
    max: usize,
    required: bool,
    key: &'static str,
) -> Result<&'a str, ApiError> {
    let v = value.trim();
    if (required && v.is_empty()) || v.chars().count() > max {
        return Err(ApiError::invalid(key, &[("max", &max)]));
    }
    Ok(v)
}

/// Whether the user is an output checker at a controller of the workspace's data.
pub async fn checker_of(state: &AppState, p: &Principal, ws: &Workspace) -> Result<bool, ApiError> {
    let at: Vec<String> = p
        .memberships
        .iter()
        .filter(|m| m.role == ork_domain::Role::OutputChecker)
        .map(|m| m.org_id.to_string())
        .collect();
    if at.is_empty() {
        return Ok(false);
    }
    Ok(state
        .store
        .data_orders_of(&ws.id)
        .await?
        .iter()
        .any(|o| at.contains(&o.controller)))
}

/// What the user is to the workspace's outputs.
pub async fn access(state: &AppState, p: &Principal, w: &Workspace) -> Result<Access, ApiError> {
    let member = match state.store.permit(&w.permit_id).await? {
        Some(permit) => {
            let scope: ork_cases::permit::Scope = serde_json::from_str(&permit.scope)
                .map_err(|e| ApiError::from(anyhow::anyhow!("permit scope: {e}")))?;
            ws::named(&scope, p)
        }
        None => false,
    };
    Ok(Access {
        member,
        checker: checker_of(state, p, w).await?,
    })
}

pub(crate) async fn audit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    action: &str,
    id: &str,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    let mut tx = state.store.write().await?;
    tx.audit(&p.audit_source(client, None), action, "output", id, details)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An output with its workspace and what the user is to it. Anyone else, and a checker
/// asking for a draft (the project's own until it is requested), is told there is none,
/// and the refusal is audited.
pub async fn load(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Output, Workspace, Access), ApiError> {
    let Some(o) = state.store.output(id).await? else {
        return Err(not_found());
    };
    let w = state
        .store
        .workspace(&o.workspace_id)
        .await?
        .ok_or_else(not_found)?;
    let a = access(state, p, &w).await?;
    if !(a.member || (a.checker && o.state != "draft")) {
        tracing::warn!(output = %o.id, user = p.user.id, "output access refused");
        audit(
            state,
            p,
            client,
            "output.refused",
            &o.id,
            serde_json::json!({"reason": "not_member_or_checker"}),
        )
        .await?;
        return Err(not_found());
    }
    Ok((o, w, a))
}

/// The outputs the user may see, newest first: their projects' outputs, and the requested
/// and decided ones of the workspaces they check; only those in `in_state` when given.
pub async fn list(
    state: &AppState,
    p: &Principal,
    in_state: Option<&str>,
) -> Result<Vec<(Output, Access)>, ApiError> {
    let mut out = Vec::new();
    for w in state.store.workspaces().await? {
        let a = access(state, p, &w).await?;
        if !a.member && !a.checker {
            continue;
        }
        for o in state.store.outputs_of(&w.id).await? {
            let visible = a.member || o.state != "draft";
            if visible && in_state.is_none_or(|s| s == o.state) {
                out.push((o, a));
            }
        }
    }
    out.sort_by(|a, b| {
        b.0.created_at
            .cmp(&a.0.created_at)
            .then(a.0.id.cmp(&b.0.id))
    });
    Ok(out)
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
    let title = text(n.title, MAX_TITLE, true, "output_title")?;
    let description = text(n.description, MAX_DESCRIPTION, false, "output_description")?;
    let sql = ws::sql_text(n.sql)?;
    let spec = Spec::from_json(n.spec).map_err(|e| compute::spec_error(&e))?;
    if state.workspaces.storage().is_none() {
        return Err(ws::unavailable());
    }
    let e = ws::enter_to_write(state, p, client, ws_id).await?;
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
    if state.workspaces.storage().is_none() {
        return Err(ws::unavailable());
    }
    let e = ws::enter_to_write(state, p, client, ws_id).await?;
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
            report: &made.report,
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

/// Asks for a draft's release (or answers a checker's question), with its description.
pub async fn request(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    description: &str,
) -> Result<Output, ApiError> {
    let description = text(
        description,
        MAX_DESCRIPTION,
        true,
        "output_description_required",
    )?;
    let (o, w, a) = load(state, p, client, id).await?;
    if !a.member {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "output_members_only",
            &[],
        ));
    }
    ws::enter_to_write(state, p, client, &w.id).await?;
    if !matches!(o.state.as_str(), "draft" | "asked") {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "output_not_draft",
            &[("state", &o.state)],
        ));
    }
    let mut tx = state.store.write().await?;
    let done = tx
        .request_output(
            &p.audit_source(client, None),
            &o.id,
            &o.state,
            p.user.id,
            description,
        )
        .await?;
    if !done {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "output_not_draft",
            &[("state", &"requested")],
        ));
    }
    tx.commit().await?;
    state.store.output(&o.id).await?.ok_or_else(not_found)
}

/// A checker's decision: `approve`, `reject` or `ask`, with a reason (required to reject or
/// ask). Refused to anyone but an output checker at a controller of the data, and to the
/// person who made or asked for the output.
pub async fn review(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    decision: &str,
    reason: &str,
) -> Result<Output, ApiError> {
    if !matches!(decision, "approve" | "reject" | "ask") {
        return Err(ApiError::invalid("output_decision", &[]));
    }
    let reason = text(reason, MAX_REASON, decision != "approve", "output_reason")?;
    let (o, w, a) = load(state, p, client, id).await?;
    if !a.checker {
        audit(
            state,
            p,
            client,
            "output.review_refused",
            &o.id,
            serde_json::json!({"reason": "not_checker"}),
        )
        .await?;
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "output_checkers_only",
            &[],
        ));
    }
    if o.created_by == p.user.id || o.requested_by == Some(p.user.id) {
        tracing::warn!(output = %o.id, user = p.user.id, "a checker tried to decide their own output");
        audit(
            state,
            p,
            client,
            "output.review_refused",
            &o.id,
            serde_json::json!({"reason": "own_output"}),
        )
        .await?;
        return Err(ApiError::of(StatusCode::FORBIDDEN, "output_own", &[]));
    }
    ws::certified(state, p, client, &w.id).await?;
    if o.state != "requested" {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "output_not_requested",
            &[("state", &o.state)],
        ));
    }
    let plain = match decision {
        "approve" => Some(plain_bytes(state, &o).await?),
        _ => None,
    };
    let mut tx = state.store.write().await?;
    let done = tx
        .decide_output(
            &p.audit_source(client, None),
            &o.id,
            p.user.id,
            decision,
            reason,
            plain.as_deref().map(|b| (b, o.sha256.as_str())),
        )
        .await?;
    if !done {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "output_not_requested",
            &[("state", &"decided")],
        ));
    }
    tx.commit().await?;
    state.store.output(&o.id).await?.ok_or_else(not_found)
}

/// An output's bytes, opened with the workspace's data key while sealed.
async fn plain_bytes(state: &AppState, o: &Output) -> Result<Vec<u8>, ApiError> {
    let kept = state
        .store
        .output_content(&o.id)
        .await?
        .ok_or_else(not_found)?;
    if !o.sealed {
        return Ok(kept);
    }
    let key = ws::data_key(state, &o.workspace_id)
        .map_err(|_| ApiError::of(StatusCode::GONE, "output_destroyed", &[]))?;
    key.open_bytes(&o.id, &kept)
        .ok_or_else(|| ApiError::from(anyhow::anyhow!("output {}: its bytes do not open", o.id)))
}

/// An approved output's bytes for a project member, with the download in the audit trail;
/// anything else is refused (403) and the refusal logged.
pub async fn download(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Output, Vec<u8>), ApiError> {
    let (o, _, a) = load(state, p, client, id).await?;
    let refuse = |why: &'static str| async move {
        tracing::warn!(output = %id, user = p.user.id, reason = why, "an output download was refused");
        audit(
            state,
            p,
            client,
            "output.download_refused",
            id,
            serde_json::json!({"reason": why}),
        )
        .await
    };
    if !a.member {
        refuse("not_member").await?;
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "output_members_only",
            &[],
        ));
    }
    if o.state != "approved" {
        refuse("not_approved").await?;
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "output_not_approved",
            &[("state", &o.state)],
        ));
    }
    let bytes = plain_bytes(state, &o).await?;
    audit(
        state,
        p,
        client,
        "output.download",
        &o.id,
        serde_json::json!({"sha256": o.sha256}),
    )
    .await?;
    Ok((o, bytes))
}

/// The bytes for a checker to look at (a figure, a text) before deciding; audited.
pub async fn review_copy(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Output, Vec<u8>), ApiError> {
    let (o, w, a) = load(state, p, client, id).await?;
    if !a.checker {
        audit(
            state,
            p,
            client,
            "output.view_refused",
            &o.id,
            serde_json::json!({"reason": "not_checker"}),
        )
        .await?;
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "output_checkers_only",
            &[],
        ));
    }
    ws::certified(state, p, client, &w.id).await?;
    let bytes = plain_bytes(state, &o).await?;
    audit(
        state,
        p,
        client,
        "output.view",
        &o.id,
        serde_json::json!({"sha256": o.sha256}),
    )
    .await?;
    Ok((o, bytes))
}

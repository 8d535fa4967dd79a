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
    within_file_limit(n.bytes.len())?;
    let made = file_made(state, p, client, &e.ws.id, filename, n.bytes, "{}".into()).await?;
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

/// A file the airlock may take: at most `content::MAX_FILE_BYTES`.
fn within_file_limit(len: usize) -> Result<(), ApiError> {
    if len > content::MAX_FILE_BYTES {
        return Err(ApiError::of(
            StatusCode::PAYLOAD_TOO_LARGE,
            "output_file_too_large",
            &[("mib", &(content::MAX_FILE_BYTES >> 20))],
        ));
    }
    Ok(())
}

/// A file for a person's review: of a type the airlock takes and what its name says, a
/// text without identifiers (else refused, and the refusal audited).
async fn file_made(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
    filename: &str,
    bytes: &[u8],
    report: String,
) -> Result<Made, ApiError> {
    let media_type = content::media_type(filename, bytes)?;
    if media_type.starts_with("text/") {
        let text = std::str::from_utf8(bytes).unwrap_or_default();
        if let Some(b) = content::blocked_text(text) {
            return Err(refuse_blocked(state, p, client, ws_id, &b).await?);
        }
    }
    Ok(Made {
        kind: "file",
        status: "review".into(),
        report,
        filename: filename.to_owned(),
        media_type,
        bytes: bytes.to_vec(),
    })
}

/// One of a job's outputs to the airlock (issue 20): a model file (pickle, joblib, RDS,
/// ONNX) is described in the sandbox for the checker — what it is, its observations and
/// residual degrees of freedom, whether it keeps training data — and fails the automatic
/// checks when it keeps training data or has too few degrees of freedom; any other file goes
/// to a person's review as a sent file does. The report names the job, the file and its
/// SHA-256. For the permit's named, certified users.
pub async fn create_from_job(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    job_id: &str,
    n: &NewJobOutput<'_>,
) -> Result<Output, ApiError> {
    if state.workspaces.storage().is_none() {
        return Err(ws::unavailable());
    }
    let (e, job) = crate::jobs::service::find(state, p, client, job_id).await?;
    let e = ws::enter_to_write(state, p, client, &e.ws.id).await?;
    let kept = state.store.job_files(&job.id, "output").await?;
    let Some(f) = kept.iter().find(|f| f.name == n.file) else {
        return Err(ApiError::of(
            StatusCode::NOT_FOUND,
            "job_output_not_found",
            &[("name", &n.file)],
        ));
    };
    let title = text(n.title, MAX_TITLE, true, "output_title")?;
    let description = text(n.description, MAX_DESCRIPTION, false, "output_description")?;
    within_file_limit(usize::try_from(f.size).unwrap_or(usize::MAX))?;
    let sealed = state
        .store
        .job_file_content(&job.id, "output", &f.name)
        .await?
        .unwrap_or_default();
    let key = ws::data_key(state, &e.ws.id)?;
    let context = crate::jobs::service::context(&job.id, &format!("output/{}", f.name));
    let bytes = key
        .open_bytes(&context, &sealed)
        .ok_or_else(|| ApiError::of(StatusCode::GONE, "job_destroyed", &[]))?;
    let source = serde_json::json!({"job": job.id, "file": f.name, "sha256": f.sha256});
    if !ork_jobs::inspect::is_model(&f.name) {
        let report = serde_json::json!({ "source": source }).to_string();
        let made = file_made(state, p, client, &e.ws.id, &f.name, &bytes, report).await?;
        return keep(
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
        .await;
    }
    let sandbox = state
        .jobs
        .sandbox()
        .ok_or_else(|| crate::jobs::service::unavailable(state))?;
    let described = ork_jobs::inspect::describe(
        sandbox,
        state.jobs.scratch(&crate::ids::new_id("model")),
        &f.name,
        &bytes,
        0,
    )
    .await
    .map_err(|e| ApiError::from(anyhow::anyhow!("describing a model: {e}")))?;
    let (regime, _) = crate::workspaces::lifecycle::regime(state, &e.ws).await?;
    let rules = compute::rules_of(&regime);
    let mut report: serde_json::Value = serde_json::from_str(&described)
        .unwrap_or_else(|_| serde_json::json!({"error": "the description did not read"}));
    let status = assess(&mut report, rules.safe_dof);
    report["source"] = source;
    let made = Made {
        kind: "model",
        status: status.into(),
        report: report.to_string(),
        filename: f.name.clone(),
        media_type: if f.name.ends_with(".onnx") {
            "application/onnx"
        } else {
            "application/octet-stream"
        },
        bytes,
    };
    let rules_text =
        serde_json::to_string(&rules).map_err(|e| ApiError::from(anyhow::anyhow!("rules: {e}")))?;
    keep(
        state,
        p,
        client,
        &e.ws,
        title,
        description,
        None,
        &rules_text,
        made,
    )
    .await
}

/// A job's output to send to the airlock.
pub struct NewJobOutput<'a> {
    pub file: &'a str,
    pub title: &'a str,
    pub description: &'a str,
}

/// The automatic verdict on a described model file, with its summary in both languages:
/// `fail` when it keeps training data or has fewer residual degrees of freedom than the
/// regime's minimum, else `review` (a model file always needs a person).
fn assess(report: &mut serde_json::Value, min_dof: u64) -> &'static str {
    let keeps: Vec<String> = report["keeps"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let dof = report["dof"].as_f64();
    let (key, status, args): (&str, _, Vec<(&str, String)>) =
        if let Some(err) = report["error"].as_str() {
            (
                "airlock.model_file.unreadable",
                "review",
                vec![("reason", err.to_owned())],
            )
        } else if !keeps.is_empty() {
            (
                "airlock.model_file.keeps",
                "fail",
                vec![("what", keeps.join("; "))],
            )
        } else if let Some(d) = dof.filter(|d| *d < min_dof as f64) {
            (
                "airlock.model_file.dof",
                "fail",
                vec![("dof", d.to_string()), ("min", min_dof.to_string())],
            )
        } else {
            (
                "airlock.model_file.review",
                "review",
                vec![("dof", dof.map_or_else(|| "–".to_owned(), |d| d.to_string()))],
            )
        };
    let args: Vec<(&str, &dyn std::fmt::Display)> = args
        .iter()
        .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
        .collect();
    let (da, en) = crate::i18n::message(key, &args);
    report["summary"] = serde_json::json!({"da": da, "en": en});
    report["status"] = serde_json::json!(status);
    status
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

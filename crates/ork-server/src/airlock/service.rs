//! The airlock's rules: who may request, review, view and download an output, and what
//! each step writes. A project member makes an output inside a ready workspace (`make.rs`: a
//! safe table or model from a query, or a file for manual review) and asks for its release; an
//! output checker at a controller of the workspace's data — never the one who made or asked
//! for it — approves, rejects or asks; only an approved output leaves, only to the project's
//! members. Every step, refusals included, is in the audit trail.

use crate::auth::{ClientAddr, Principal};
use crate::workspaces::service as ws;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_store::{Output, Workspace};

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

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "output_not_found", &[])
}

pub(super) fn text<'a>(
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

/// What the user is to the workspace's outputs.
pub async fn access(state: &AppState, p: &Principal, w: &Workspace) -> Result<Access, ApiError> {
    let member = match state.store.permit(&w.permit_id).await? {
        Some(permit) => ws::named(&ws::scope_of(&permit)?, p),
        None => false,
    };
    Ok(Access {
        member,
        checker: ws::output_checker_of(state, p, w).await?,
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
    // Released: the bytes and the checks are kept in the clear from now on.
    let plain = match decision {
        "approve" => Some((
            plain_bytes(state, &o).await?,
            report(state, &o)?.unwrap_or_default().to_string(),
        )),
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
            plain
                .as_ref()
                .map(|(b, r)| (b.as_slice(), r.as_str(), o.sha256.as_str())),
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

/// An output's automatic checks (its report), opened with the workspace's data key while
/// sealed; `None` once the key is destroyed.
pub fn report(state: &AppState, o: &Output) -> Result<Option<serde_json::Value>, ApiError> {
    let text = if o.sealed {
        let Ok(key) = ws::data_key(state, &o.workspace_id) else {
            return Ok(None);
        };
        let sealed = hex::decode(&o.report)
            .map_err(|e| ApiError::from(anyhow::anyhow!("output {} report: {e}", o.id)))?;
        let plain = key
            .open_bytes(&super::make::report_context(&o.id), &sealed)
            .ok_or_else(|| {
                ApiError::from(anyhow::anyhow!("output {}: its report does not open", o.id))
            })?;
        String::from_utf8(plain)
            .map_err(|e| ApiError::from(anyhow::anyhow!("output {} report: {e}", o.id)))?
    } else {
        o.report.clone()
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ApiError::from(anyhow::anyhow!("output {} report: {e}", o.id)))
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

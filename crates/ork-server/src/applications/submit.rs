//! Submitting an application and what follows on the applicant's side: the roadmap frozen
//! and one part per step written, each with exactly the answers its rule names; submitting
//! again after a rejection; withdrawing. The API and the pages both call these.

use super::service::{
    Standing, UserRefs, answers, check, find_editable, need, not_found, roadmap, roadmap_of,
    rule_of,
};
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::{AppState as AppStateCode, PartState};
use ork_domain::OrgId;
use ork_rules::form::{Checked, Form, FormError};
use ork_rules::report::RoadmapReport;
use ork_store::{Application, NewPart, Part, PartChange};
use serde_json::{Map, Value, json};

/// Why a submission did not happen.
pub enum SubmitError {
    /// The answers have errors: every one, nothing submitted.
    Invalid(Vec<FormError>),
    Api(ApiError),
}

impl From<ApiError> for SubmitError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<ork_store::StoreError> for SubmitError {
    fn from(e: ork_store::StoreError) -> Self {
        Self::Api(e.into())
    }
}

/// The parts of a frozen roadmap: one per step, each with exactly the answers its rule
/// names; a step with nothing to wait for goes to its authority at once.
pub fn parts_for(
    book: &ork_rules::Rulebook,
    app: &Application,
    roadmap: &RoadmapReport,
    checked: &Checked,
    now: i64,
) -> Result<Vec<NewPart>, ApiError> {
    let mut out = Vec::new();
    for (i, s) in roadmap.steps.iter().enumerate() {
        let rule = book.step(rule_of(&s.id)).ok_or_else(|| {
            ApiError::from(anyhow::anyhow!("roadmap step {} not in the rulebook", s.id))
        })?;
        let authority = if s.authority == "own_institution" {
            app.org_id.clone()
        } else {
            OrgId::parse(&s.authority)
                .map_err(|e| ApiError::from(anyhow::anyhow!("authority {}: {e}", s.authority)))?
        };
        let fields: Map<String, Value> = Form::deliver(rule, &checked.answers)
            .into_iter()
            .map(|(k, v)| (k, v.to_json()))
            .collect();
        let waits = !s.depends_on.is_empty();
        out.push(NewPart {
            id: format!("{}-{:02}", app.id, i + 1),
            step: s.id.clone(),
            rule: rule.id.clone(),
            authority,
            state: if waits {
                PartState::Waiting
            } else {
                PartState::Submitted
            },
            fields: Value::Object(fields).to_string(),
            depends_on: s.depends_on.clone(),
            deadline_days: rule.deadline_days,
            expected_days: s.expected_days.median,
            opened_at: (!waits).then_some(now),
            carried_from: None,
            decided_at: None,
        });
    }
    Ok(out)
}

/// Submits a draft: the answers must pass every check (else every error, nothing
/// submitted); the roadmap is computed and frozen, and the parts written.
pub async fn submit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Application, Standing), SubmitError> {
    let (app, standing) = find_editable(state, p, id).await?;
    if app.state == AppStateCode::Submitted {
        return Ok((resubmit(state, p, client, app).await?, standing));
    }
    if app.state != AppStateCode::Draft {
        return Err(ApiError::of(StatusCode::CONFLICT, "not_a_draft", &[]).into());
    }
    let need = need(&app)?;
    let roadmap = roadmap_of(state, &need)?;
    if let Some(b) = roadmap.blockers.first() {
        let step = b.step.clone();
        return Err(ApiError::of(StatusCode::CONFLICT, "blocked", &[("step", &step)]).into());
    }
    let answers = answers(&app);
    let refs = UserRefs::load(state, p).await?;
    let checked = check(state, &need, &roadmap, &answers, &refs);
    if !checked.errors.is_empty() {
        return Err(SubmitError::Invalid(checked.errors));
    }
    let now = ork_store::now_unix();
    let parts = parts_for(&state.rules.book, &app, &roadmap, &checked, now)?;
    let roadmap_json =
        serde_json::to_string(&roadmap).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    let kept: Map<String, Value> = checked
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let src = p.audit_source(client, Some(app.org_id.to_string()));
    let mut tx = state.store.write().await?;
    let done = tx
        .submit_application(
            &src,
            &ork_store::Submission {
                id,
                revision: app.revision,
                answers: &Value::Object(kept.clone()).to_string(),
                roadmap: &roadmap_json,
                rulebook_version: &roadmap.rulebook_version,
                parts: &parts,
            },
        )
        .await?;
    if !done {
        return Err(ApiError::of(StatusCode::CONFLICT, "changed_meanwhile", &[]).into());
    }
    tell_opened(state, &mut tx, &app).await?;
    // The agreements the parties need, made with the submission.
    crate::agreements::service::sync(state, &mut tx, &src, &app, &kept).await?;
    tx.commit().await?;
    let app = state.store.application(id).await?.ok_or_else(not_found)?;
    Ok((app, standing))
}

/// Submits again after a rejection: every rejected part goes back to its authority with the
/// answers as they are now (exactly its rule's fields), a new round and a new clock. The
/// answers are checked against the frozen roadmap first, as at the first submission.
async fn resubmit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    app: Application,
) -> Result<Application, SubmitError> {
    let parts = state.store.parts_of(&app.id).await?;
    let rejected: Vec<&Part> = parts
        .iter()
        .filter(|x| x.state == PartState::Rejected)
        .collect();
    if rejected.is_empty() {
        return Err(ApiError::of(StatusCode::CONFLICT, "nothing_to_resubmit", &[]).into());
    }
    let need = need(&app)?;
    let roadmap = roadmap(state, &app)?;
    let refs = UserRefs::load(state, p).await?;
    let checked = check(state, &need, &roadmap, &answers(&app), &refs);
    if !checked.errors.is_empty() {
        return Err(SubmitError::Invalid(checked.errors));
    }
    let now = ork_store::now_unix();
    let src = p.audit_source(client, Some(app.org_id.to_string()));
    let mut tx = state.store.write().await?;
    tx.lock_application(&app.id).await?;
    for part in rejected {
        let rule = state.rules.book.step(&part.rule).ok_or_else(|| {
            ApiError::from(anyhow::anyhow!("rule {} not in the rulebook", part.rule))
        })?;
        let fields: Map<String, Value> = Form::deliver(rule, &checked.answers)
            .into_iter()
            .map(|(k, v)| (k, v.to_json()))
            .collect();
        let fields = Value::Object(fields).to_string();
        let to = part
            .state
            .apply(ork_cases::Move::Resubmit)
            .map_err(|_| ApiError::of(StatusCode::CONFLICT, "nothing_to_resubmit", &[]))?;
        let c = PartChange {
            id: &part.id,
            revision: part.revision,
            state: to,
            clock: ork_cases::Clock::open(now),
            assigned_to: None,
            round: part.round + 1,
            decided_at: None,
            fields: Some(&fields),
            action: "part.resubmit",
            details: json!({"round": part.round + 1}),
        };
        write_part_change(state, &mut tx, &src, &app, part, &c).await?;
    }
    let kept: Map<String, Value> = checked
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    crate::agreements::service::sync(state, &mut tx, &src, &app, &kept).await?;
    tx.commit().await?;
    Ok(state
        .store
        .application(&app.id)
        .await?
        .ok_or_else(not_found)?)
}

/// Withdraws an application: every part not yet decided is withdrawn with it.
pub async fn withdraw(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
) -> Result<(Application, Standing), ApiError> {
    let (app, standing) = find_editable(state, p, id).await?;
    if !matches!(app.state, AppStateCode::Draft | AppStateCode::Submitted) {
        return Err(ApiError::of(StatusCode::CONFLICT, "not_withdrawable", &[]));
    }
    let src = p.audit_source(client, Some(app.org_id.to_string()));
    let parts = state.store.parts_of(id).await?;
    let mut tx = state.store.write().await?;
    // The application's row first, as every change of its parts takes it (one lock order).
    tx.lock_application(id).await?;
    for part in &parts {
        if let Ok(to) = part.state.apply(ork_cases::Move::Withdraw) {
            let mut c = PartChange::of(part, "part.withdraw", to, json!({}));
            c.clock.pause(ork_store::now_unix());
            write_part_change(state, &mut tx, &src, &app, part, &c).await?;
        }
    }
    tx.set_application_state(&src, id, AppStateCode::Withdrawn)
        .await?;
    tx.commit().await?;
    let app = state.store.application(id).await?.ok_or_else(not_found)?;
    Ok((app, standing))
}

/// After a submission (or an amendment's): tells each authority whose part went to it.
pub async fn tell_opened(
    state: &AppState,
    tx: &mut ork_store::WriteTx,
    app: &Application,
) -> Result<(), ApiError> {
    for part in tx.parts_of_tx(&app.id).await? {
        if part.state == PartState::Submitted {
            crate::notifications::events::part_moved(state, tx, app, &part, "part.open").await?;
        }
    }
    Ok(())
}

/// Writes a part's change, and tells whom it concerns (notifications and webhooks, in the
/// same transaction); 409 when another change came first.
pub async fn write_part_change(
    state: &AppState,
    tx: &mut ork_store::WriteTx,
    src: &ork_store::AuditSource,
    app: &Application,
    part: &Part,
    c: &PartChange<'_>,
) -> Result<(), ApiError> {
    if tx.move_part(src, c).await? {
        let moved = Part {
            state: c.state,
            assigned_to: c.assigned_to,
            ..part.clone()
        };
        crate::notifications::events::part_moved(state, tx, app, &moved, c.action).await
    } else {
        Err(ApiError::of(
            StatusCode::CONFLICT,
            "part_changed_meanwhile",
            &[],
        ))
    }
}

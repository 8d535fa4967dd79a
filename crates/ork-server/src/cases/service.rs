//! Case handling as operations: an authority's queue, a part as its handlers see it (exactly
//! its rule's fields), assigning, the message thread, decisions — of two simultaneous
//! decisions exactly one is written, the other is told 409 — and what follows a decision:
//! the statutory clock stops for a request for information and runs again on the answer,
//! approved prerequisites open the parts that waited for them, a final decision feeds the
//! roadmap's estimates, and an application whose every part approves is granted.

use crate::applications::service::{self as apps, Standing};
use crate::applications::submit::write_part_change;
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::{AppState as AppStateCode, Clock, Move, Outcome, PartState};
use ork_domain::{Email, OrgId, Role};
use ork_store::{Application, DecidedCase, NewDecision, Part, PartChange, WriteTx};
use serde_json::json;

/// Who looks at a part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A case handler of its authority.
    Handler,
    /// The applicant, a co-applicant or a reader of its application.
    Applicant(Standing),
}

fn handles(p: &Principal, authority: &OrgId) -> bool {
    p.memberships
        .iter()
        .any(|m| &m.org_id == authority && m.role == Role::CaseHandler)
}

pub fn part_not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "part_not_found", &[])
}

/// A part and its application, for a handler of its authority (once it is open to them) or
/// for the application's applicants; 404 for anyone else.
pub async fn find(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(Part, Application, Viewer), ApiError> {
    let part = state.store.part(id).await?.ok_or_else(part_not_found)?;
    let app = state
        .store
        .application(&part.application_id)
        .await?
        .ok_or_else(part_not_found)?;
    if handles(p, &part.authority) && part.state != PartState::Waiting {
        return Ok((part, app, Viewer::Handler));
    }
    match apps::find(state, p, &app.id).await {
        // A consultancy reads the authorities' decisions and messages only where the
        // client lets it.
        Ok((_, s)) if s.sees_everything() => Ok((part, app, Viewer::Applicant(s))),
        _ => Err(part_not_found()),
    }
}

async fn find_for_handler(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(Part, Application), ApiError> {
    match find(state, p, id).await? {
        (part, app, Viewer::Handler) => Ok((part, app)),
        _ => Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "case_handler_required",
            &[],
        )),
    }
}

/// The parts open to the authorities where the user is a case handler, optionally in one
/// state, by due date (none last) or in arrival order.
pub async fn queue(
    state: &AppState,
    p: &Principal,
    only: Option<PartState>,
    by_due: bool,
) -> Result<Vec<(Part, Application)>, ApiError> {
    let orgs: Vec<&OrgId> = p
        .memberships
        .iter()
        .filter(|m| m.role == Role::CaseHandler)
        .map(|m| &m.org_id)
        .collect();
    if orgs.is_empty() {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "case_handler_required",
            &[],
        ));
    }
    let now = ork_store::now_unix();
    let mut out = Vec::new();
    // An application with several parts at these authorities is read once.
    let mut apps: std::collections::HashMap<String, Option<Application>> = Default::default();
    for org in orgs {
        for part in state.store.parts_for(org, only).await? {
            if part.state == PartState::Waiting {
                continue;
            }
            if !apps.contains_key(&part.application_id) {
                let app = state.store.application(&part.application_id).await?;
                apps.insert(part.application_id.clone(), app);
            }
            if let Some(Some(app)) = apps.get(&part.application_id) {
                out.push((part, app.clone()));
            }
        }
    }
    if by_due {
        out.sort_by_key(|(x, _)| {
            (
                x.deadline_days
                    .and_then(|d| x.clock.due(d, now))
                    .unwrap_or(i64::MAX),
                x.id.clone(),
            )
        });
    }
    Ok(out)
}

fn refused(from: PartState) -> ApiError {
    if from == PartState::Waiting {
        ApiError::of(StatusCode::CONFLICT, "part_not_open", &[])
    } else {
        ApiError::of(
            StatusCode::CONFLICT,
            "part_closed",
            &[("state", &from.code())],
        )
    }
}

/// Assigns a part to a case handler of its authority (default: the caller).
pub async fn assign(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    handler: Option<&str>,
) -> Result<Part, ApiError> {
    let (part, app) = find_for_handler(state, p, id).await?;
    let to = part
        .state
        .apply(Move::Assign)
        .map_err(|r| refused(r.from))?;
    let user = match handler {
        None => p.user.clone(),
        Some(e) => {
            let email = Email::parse(e).map_err(|_| ApiError::invalid("not_a_handler", &[]))?;
            let u = state
                .store
                .user_by_email(&email)
                .await?
                .ok_or_else(|| ApiError::invalid("not_a_handler", &[]))?;
            let ms = state.store.memberships(u.id).await?;
            if !ms
                .iter()
                .any(|m| m.org_id == part.authority && m.role == Role::CaseHandler)
            {
                return Err(ApiError::invalid("not_a_handler", &[]));
            }
            u
        }
    };
    let mut c = PartChange::of(&part, "part.assign", to, json!({"handler": user.id}));
    c.assigned_to = Some(user.id);
    let mut tx = state.store.write().await?;
    write_part_change(
        state,
        &mut tx,
        &p.audit_source(client, Some(part.authority.to_string())),
        &app,
        &part,
        &c,
    )
    .await?;
    tx.commit().await?;
    state.store.part(id).await?.ok_or_else(part_not_found)
}

/// A message on a part. The applicant's message on a part that waits for information is
/// the answer: the part goes back in review and its clock runs again.
pub async fn message(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    body: &str,
) -> Result<Part, ApiError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > 10_000 {
        return Err(ApiError::invalid("invalid_message", &[]));
    }
    let (part, app, viewer) = find(state, p, id).await?;
    let from_authority = match viewer {
        Viewer::Handler => true,
        Viewer::Applicant(s) if s.may_edit() => false,
        Viewer::Applicant(_) => {
            return Err(ApiError::of(StatusCode::FORBIDDEN, "reader_only", &[]));
        }
    };
    if matches!(part.state, PartState::Waiting | PartState::Withdrawn) {
        return Err(refused(part.state));
    }
    let org = if from_authority {
        part.authority.to_string()
    } else {
        app.org_id.to_string()
    };
    let src = p.audit_source(client, Some(org));
    let mut tx = state.store.write().await?;
    tx.add_part_message(&src, id, p.user.id, from_authority, body)
        .await?;
    crate::notifications::events::part_message(state, &mut tx, &app, &part, from_authority).await?;
    if !from_authority && part.state == PartState::InformationRequested {
        let to = part
            .state
            .apply(Move::Answer)
            .map_err(|r| refused(r.from))?;
        let mut c = PartChange::of(&part, "part.answer", to, json!({}));
        c.clock.resume(ork_store::now_unix());
        write_part_change(state, &mut tx, &src, &app, &part, &c).await?;
    }
    tx.commit().await?;
    state.store.part(id).await?.ok_or_else(part_not_found)
}

/// A decision as given, checked.
pub struct Decision {
    pub outcome: Outcome,
    pub reason_codes: Vec<String>,
    pub text: String,
    pub conditions: Vec<String>,
}

impl Decision {
    /// Checks a decision's parts: a known outcome, reason codes of a–z, 0–9 and _, words for
    /// anything but an approval, conditions exactly for an approval with conditions.
    pub fn parse(
        outcome: &str,
        reason_codes: Vec<String>,
        text: &str,
        conditions: Vec<String>,
    ) -> Result<Self, ApiError> {
        let outcome =
            Outcome::parse(outcome).ok_or_else(|| ApiError::invalid("invalid_outcome", &[]))?;
        let code_ok = |c: &String| {
            (1..=40).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if reason_codes.len() > 20 || !reason_codes.iter().all(code_ok) {
            return Err(ApiError::invalid("invalid_reason_codes", &[]));
        }
        let text = text.trim().to_owned();
        if text.chars().count() > 10_000 || (text.is_empty() && outcome != Outcome::Approved) {
            return Err(ApiError::invalid("decision_text_required", &[]));
        }
        let with_conditions = outcome == Outcome::ApprovedWithConditions;
        let each_ok = |c: &String| !c.trim().is_empty() && c.chars().count() <= 2000;
        if conditions.len() > 20
            || !conditions.iter().all(each_ok)
            || with_conditions == conditions.is_empty()
        {
            return Err(ApiError::invalid("invalid_conditions", &[]));
        }
        Ok(Self {
            outcome,
            reason_codes,
            text,
            conditions,
        })
    }
}

/// Decides a part (see the module's doc for what follows).
pub async fn decide(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    d: &Decision,
) -> Result<Part, ApiError> {
    let (part, app) = find_for_handler(state, p, id).await?;
    let to = part
        .state
        .apply(Move::Decide(d.outcome))
        .map_err(|r| refused(r.from))?;
    let now = ork_store::now_unix();
    let details =
        json!({"outcome": d.outcome.code(), "reason_codes": d.reason_codes, "round": part.round});
    let mut c = PartChange::of(&part, "part.decide", to, details);
    if d.outcome == Outcome::InformationRequested {
        c.clock.pause(now);
    } else {
        c.decided_at = Some(now);
    }
    let days = part.clock.running_days(now).max(0);
    let precedent = precedent_of_decision(state, &app, &part, d, days, now);
    let src = p.audit_source(client, Some(part.authority.to_string()));
    let mut tx = state.store.write().await?;
    tx.lock_application(&app.id).await?;
    write_part_change(state, &mut tx, &src, &app, &part, &c).await?;
    let list = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    tx.record_decision(&NewDecision {
        part_id: id,
        round: part.round,
        decided_by: p.user.id,
        outcome: d.outcome.code(),
        reason_codes: &list(&d.reason_codes),
        text: &d.text,
        conditions: &list(&d.conditions),
    })
    .await?;
    if d.outcome.is_final() {
        let case = DecidedCase {
            rule: part.rule.clone(),
            authority: part.authority.to_string(),
            days,
            outcome: d.outcome.code().to_owned(),
            synthetic: false,
        };
        tx.record_decided_cases(&src, &[case]).await?;
        tx.record_precedent(&src, &precedent).await?;
    }
    let parts = tx.parts_of_tx(&app.id).await?;
    if to.approves() {
        follow_approval(state, &mut tx, &src, &app, &parts, now).await?;
    }
    tx.commit().await?;
    if d.outcome.is_final() {
        state
            .rules
            .record(&part.rule, u32::try_from(days).unwrap_or(u32::MAX));
        state
            .rules
            .add_precedent(crate::roadmap::precedent_of(&precedent));
    }
    state.store.part(id).await?.ok_or_else(part_not_found)
}

/// A decision as the precedent register keeps it: the rule, the authority, the applicant's
/// kind, the step's datasets, the outcome, the reason codes and how many conditions, in
/// words made here — never the decision's own text, the applicant or a person.
fn precedent_of_decision(
    state: &AppState,
    app: &Application,
    part: &Part,
    d: &Decision,
    days: i64,
    now: i64,
) -> ork_store::DecidedPrecedent {
    use crate::i18n::text;
    use ork_domain::Lang::{Da, En};
    let cat = &state.catalog.catalog;
    let kind = apps::need(app)
        .map(|n| n.applicant.kind)
        .unwrap_or_default();
    let datasets: Vec<String> = apps::roadmap(state, app)
        .ok()
        .and_then(|r| r.steps.into_iter().find(|s| s.id == part.step))
        .map(|s| s.datasets)
        .unwrap_or_default();
    let names = |l: ork_domain::Lang| {
        datasets
            .iter()
            .map(|x| {
                cat.source(x)
                    .map_or(x.clone(), |s| s.name.get(l).to_owned())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let step = |l| {
        state
            .rules
            .book
            .step(&part.rule)
            .map_or(part.rule.clone(), |r| r.name.get(l).to_owned())
    };
    let codes = |l| {
        if d.reason_codes.is_empty() {
            text(l, "precedent.no_codes").to_owned()
        } else {
            d.reason_codes.join(", ")
        }
    };
    let outcome = d.outcome.code();
    let date = crate::dates::date(now);
    ork_store::DecidedPrecedent {
        id: format!("d-{date}-{}", &crate::ids::new_id("x")[2..8]),
        part_id: part.id.clone(),
        rule: part.rule.clone(),
        authority: part.authority.to_string(),
        decided: date,
        outcome: outcome.to_owned(),
        applicant_kind: kind.clone(),
        datasets: datasets.clone(),
        summary: (
            format!(
                "En ansøgning fra {} om {} med {}.",
                text(Da, &format!("applicant.{kind}")).to_lowercase(),
                step(Da).to_lowercase(),
                names(Da)
            ),
            format!(
                "An application from {} for {} with {}.",
                text(En, &format!("applicant.{kind}")).to_lowercase(),
                step(En).to_lowercase(),
                names(En)
            ),
        ),
        reasons: (
            format!(
                "{} efter {days} dages behandling på platformen. Begrundelseskoder: {}. Vilkår: {}.",
                text(Da, &format!("outcome.{outcome}")),
                codes(Da),
                d.conditions.len()
            ),
            format!(
                "{} after {days} days of handling on the platform. Reason codes: {}. Conditions: {}.",
                text(En, &format!("outcome.{outcome}")),
                codes(En),
                d.conditions.len()
            ),
        ),
    }
}

/// After an approval: every waiting part whose prerequisites now all approve goes to its
/// authority, its clock starting now; when every part approves, the application is granted.
async fn follow_approval(
    state: &AppState,
    tx: &mut WriteTx,
    src: &ork_store::AuditSource,
    app: &Application,
    parts: &[Part],
    now: i64,
) -> Result<(), ApiError> {
    let approves = |step: &str| {
        parts
            .iter()
            .find(|x| x.step == step)
            .is_none_or(|x| x.state.approves())
    };
    for w in parts.iter().filter(|x| x.state == PartState::Waiting) {
        if w.depends_on.iter().all(|d| approves(d)) {
            let mut c = PartChange::of(
                w,
                "part.open",
                PartState::Submitted,
                json!({"authority": w.authority.as_str()}),
            );
            c.clock = Clock::open(now);
            write_part_change(state, tx, src, app, w, &c).await?;
        }
    }
    grant_if_ready(state, tx, src, app).await
}

/// Grants a submitted application and issues its permit when every part approves and every
/// agreement is signed, as the transaction sees them; otherwise changes nothing.
pub async fn grant_if_ready(
    state: &AppState,
    tx: &mut WriteTx,
    src: &ork_store::AuditSource,
    app: &Application,
) -> Result<(), ApiError> {
    if app.state != AppStateCode::Submitted {
        return Ok(());
    }
    let parts = tx.parts_of_tx(&app.id).await?;
    if parts.iter().all(|x| x.state.approves()) && tx.unsigned_agreements(&app.id).await? == 0 {
        tx.set_application_state(src, &app.id, AppStateCode::Granted)
            .await?;
        crate::permits::service::issue(state, tx, src, app, &parts).await?;
    }
    Ok(())
}

/// A shared assessment a part relies on, and who makes it.
pub struct SharedAssessment {
    pub id: String,
    pub text: ork_catalog::Text,
    /// `here` (this part's authority decides it), `decided` (another authority did, and it is
    /// reused) or `pending` (another authority will).
    pub status: &'static str,
    /// The part that decides it (this one for `here`).
    pub part: String,
    pub authority: String,
}

/// The shared assessments of a part's rule: each is decided once, by the first part of the
/// application whose step is of the kind that decides it, and reused by the others.
pub async fn shared_assessments(
    state: &AppState,
    part: &Part,
) -> Result<Vec<SharedAssessment>, ApiError> {
    let book = &state.rules.book;
    let Some(rule) = book.step(&part.rule) else {
        return Ok(Vec::new());
    };
    let parts = state.store.parts_of(&part.application_id).await?;
    let mut out = Vec::new();
    for id in &rule.assessments {
        let Some(a) = book.assessments.iter().find(|a| &a.id == id) else {
            continue;
        };
        let decider = parts
            .iter()
            .find(|x| book.step(&x.rule).is_some_and(|r| r.kind == a.decided_by))
            .unwrap_or(part);
        let status = if decider.id == part.id {
            "here"
        } else if decider.state.approves() {
            "decided"
        } else {
            "pending"
        };
        out.push(SharedAssessment {
            id: a.id.clone(),
            text: a.text.clone(),
            status,
            part: decider.id.clone(),
            authority: decider.authority.to_string(),
        });
    }
    Ok(out)
}

//! Amendments and renewals: a change to a granted permit (a dataset or variable added or
//! removed, the period extended, a region added, a user added or removed, the purpose
//! changed, the yearly data update) is an application of its own that names the permit it
//! amends. The roadmap with the permit's need as `previous` decides which steps the change
//! touches; a step it carries over is re-opened all the same when the answers its authority
//! receives changed other than by removal. Only those parts go to their authorities,
//! pre-filled; every other approval carries over as a part naming the part it carries (its
//! reference). A change that touches nothing (removing a user) is granted at once, and its
//! permit replaces the old one.

use super::service::{UserRefs, check, find_editable, not_found, roadmap_of, rule_of};
use super::submit::{SubmitError, parts_for};
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::{AppState as AppStateCode, PartState};
use ork_rules::form::Form;
use ork_rules::report::RoadmapReport;
use ork_store::{Application, NewApplication, NewPart, Part};
use serde_json::{Map, Value};

/// Whether `new` takes nothing from `old` that `old` did not have: equal, absent, or a
/// list whose every item `old` already held (a user or a dataset removed).
fn only_removes(old: Option<&Value>, new: Option<&Value>) -> bool {
    match (old, new) {
        (_, None) => true,
        (Some(o), Some(n)) if o == n => true,
        (Some(Value::Array(o)), Some(Value::Array(n))) => n.iter().all(|x| o.contains(x)),
        _ => false,
    }
}

/// The entries of a `data_description` answer about the given datasets.
fn about(v: Option<&Value>, datasets: &[String]) -> Option<Value> {
    let a = v?.as_array()?;
    Some(Value::Array(
        a.iter()
            .filter(|d| {
                d["id"]
                    .as_str()
                    .is_some_and(|id| datasets.iter().any(|x| x == id))
            })
            .cloned()
            .collect(),
    ))
}

/// Whether what a carried-over step's authority receives changed other than by removal.
/// A step about some datasets is compared on those datasets' entries only.
fn touched(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    datasets: Option<&[String]>,
) -> bool {
    let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    keys.into_iter().any(|k| {
        let (o, n) = match (k.as_str(), datasets) {
            ("data_description", Some(ds)) => (about(old.get(k), ds), about(new.get(k), ds)),
            _ => (old.get(k).cloned(), new.get(k).cloned()),
        };
        !only_removes(o.as_ref(), n.as_ref())
    })
}

/// A step carried over: (step, the part it rests on, when that part was decided).
type Carried = (String, String, Option<i64>);

/// A carried-over approval: the step and the part it rests on.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CarriedOver {
    pub step: String,
    /// The part whose approval carries over (the reference the permit names).
    pub reference: String,
}

/// The parts of an amendment: those it re-opens (from `reopened`'s steps) and those it
/// carries over (approved, naming the part they carry).
fn amendment_parts(
    state: &AppState,
    app: &Application,
    full: &RoadmapReport,
    carried: &[Carried],
    checked: &ork_rules::form::Checked,
    now: i64,
) -> Result<Vec<NewPart>, ApiError> {
    let book = &state.rules.book;
    let reopened_ids: Vec<&str> = full
        .steps
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| !carried.iter().any(|(c, _, _)| c == id))
        .collect();
    let mut reopened = full.clone();
    reopened
        .steps
        .retain(|s| reopened_ids.contains(&s.id.as_str()));
    for s in &mut reopened.steps {
        // What a re-opened step waits for: only other re-opened steps; carried-over
        // approvals hold already.
        s.depends_on.retain(|d| reopened_ids.contains(&d.as_str()));
    }
    let mut parts = parts_for(book, app, &reopened, checked, now)?;
    for (i, (step, from, decided)) in carried.iter().enumerate() {
        let Some(s) = full.steps.iter().find(|s| &s.id == step) else {
            continue;
        };
        let rule = book.step(rule_of(step)).ok_or_else(|| {
            ApiError::from(anyhow::anyhow!("roadmap step {step} not in the rulebook"))
        })?;
        let fields: Map<String, Value> = Form::deliver(rule, &checked.answers)
            .into_iter()
            .map(|(k, v)| (k, v.to_json()))
            .collect();
        parts.push(NewPart {
            id: format!("{}-c{:02}", app.id, i + 1),
            step: step.clone(),
            rule: rule.id.clone(),
            authority: parts_authority(app, &s.authority)?,
            state: PartState::Approved,
            fields: Value::Object(fields).to_string(),
            depends_on: Vec::new(),
            deadline_days: rule.deadline_days,
            expected_days: s.expected_days.median,
            opened_at: None,
            carried_from: Some(from.clone()),
            decided_at: *decided,
        });
    }
    Ok(parts)
}

fn parts_authority(app: &Application, authority: &str) -> Result<ork_domain::OrgId, ApiError> {
    if authority == "own_institution" {
        return Ok(app.org_id.clone());
    }
    ork_domain::OrgId::parse(authority)
        .map_err(|e| ApiError::from(anyhow::anyhow!("authority {authority}: {e}")))
}

/// The steps carried over, each with the part it rests on: those the roadmap carries
/// (with the permit's need as `previous`) whose authority receives nothing new.
fn carried_steps(
    book: &ork_rules::Rulebook,
    full: &RoadmapReport,
    planned: &RoadmapReport,
    old_parts: &[Part],
    checked: &ork_rules::form::Checked,
) -> Vec<Carried> {
    let mut out = Vec::new();
    for step in &planned.carried_over {
        let (Some(old), Some(s), Some(rule)) = (
            old_parts.iter().find(|p| &p.step == step),
            full.steps.iter().find(|s| &s.id == step),
            book.step(rule_of(step)),
        ) else {
            continue;
        };
        let before: Map<String, Value> = serde_json::from_str(&old.fields).unwrap_or_default();
        let now: Map<String, Value> = Form::deliver(rule, &checked.answers)
            .into_iter()
            .map(|(k, v)| (k, v.to_json()))
            .collect();
        let datasets = rule
            .applies
            .datasets
            .is_some()
            .then_some(s.datasets.as_slice());
        if !touched(&before, &now, datasets) {
            let reference = old.carried_from.clone().unwrap_or_else(|| old.id.clone());
            out.push((step.clone(), reference, old.decided_at));
        }
    }
    out
}

/// Amends a granted permit: the changed need and answers (merged into the permit's) make a
/// new application, submitted at once with the parts the change touches and the approvals
/// it carries over; granted at once when it touches none.
pub async fn amend(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    permit_id: &str,
    need: ork_rules::Need,
    patch: &Map<String, Value>,
) -> Result<Application, SubmitError> {
    let permit = crate::permits::service::find(state, p, permit_id).await?;
    if crate::permits::service::status(&permit, ork_store::now_unix()) != "active" {
        return Err(ApiError::of(StatusCode::CONFLICT, "permit_not_active", &[]).into());
    }
    let (old, _) = find_editable(state, p, &permit.application_id).await?;
    // One change at a time: an amendment under way is decided (or withdrawn) first.
    let under_way = state.store.amendments_of(&permit.id).await?;
    if under_way
        .iter()
        .any(|a| matches!(a.state, AppStateCode::Draft | AppStateCode::Submitted))
    {
        return Err(ApiError::of(StatusCode::CONFLICT, "amendment_under_way", &[]).into());
    }
    let answers =
        super::service::merge(&state.rules.book.form, super::service::answers(&old), patch)?;
    let mut need = need;
    need.previous = Some(Box::new(super::service::need(&old)?));
    let full = roadmap_of(
        state,
        &ork_rules::Need {
            previous: None,
            ..need.clone()
        },
    )?;
    let planned = roadmap_of(state, &need)?;
    if let Some(b) = full.blockers.first() {
        let step = b.step.clone();
        return Err(ApiError::of(StatusCode::CONFLICT, "blocked", &[("step", &step)]).into());
    }
    let refs = UserRefs::load(state, p).await?;
    let checked = check(state, &need, &full, &answers, &refs);
    if !checked.errors.is_empty() {
        return Err(SubmitError::Invalid(checked.errors));
    }
    let old_parts = state.store.parts_of(&old.id).await?;
    let carried = carried_steps(&state.rules.book, &full, &planned, &old_parts, &checked);
    write(
        state, p, client, &old, &permit.id, &need, &full, &carried, &checked,
    )
    .await
}

/// Writes the amendment: created, submitted with its parts, and granted at once (its
/// permit issued, the old one replaced) when every part carries over.
#[allow(clippy::too_many_arguments)]
async fn write(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    old: &Application,
    permit: &str,
    need: &ork_rules::Need,
    full: &RoadmapReport,
    carried: &[Carried],
    checked: &ork_rules::form::Checked,
) -> Result<Application, SubmitError> {
    let id = crate::ids::new_id("app");
    let kept: Map<String, Value> = checked
        .answers
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let (need_json, answers_json) = (json(need)?, Value::Object(kept).to_string());
    let mut frozen = full.clone();
    frozen.carried_over = carried.iter().map(|(s, _, _)| s.clone()).collect();
    let src = p.audit_source(client, Some(old.org_id.to_string()));
    let mut tx = state.store.write().await?;
    // The check before was for a clear answer early; this one, under the lock of the
    // permit's application, is what keeps two amendments started at once from both passing.
    tx.lock_application(&old.id).await?;
    if tx.amendments_under_way(permit).await? > 0 {
        return Err(ApiError::of(StatusCode::CONFLICT, "amendment_under_way", &[]).into());
    }
    tx.create_application(
        &src,
        &NewApplication {
            id: &id,
            title: &old.title,
            org_id: &old.org_id,
            created_by: p.user.id,
            need: &need_json,
            answers: &answers_json,
            amends: Some(permit),
            agent_org: old.agent_org.as_ref(),
        },
    )
    .await?;
    // Everyone on the permit's application is on its amendment, as they were; its creator
    // too, when a co-applicant amends.
    let mut members = state.store.members(&old.id).await?;
    members.retain(|m| m.0 != p.user.id);
    if old.created_by != p.user.id {
        members.push((
            old.created_by,
            String::new(),
            String::new(),
            ork_store::Access::CoApplicant,
        ));
    }
    for (user, _, _, access) in members {
        tx.set_member(&src, &id, user, access).await?;
    }
    // The amendment as written (what the permit's scope is read from when it is granted
    // at once).
    let shell = Application {
        id: id.clone(),
        created_by: p.user.id,
        need: need_json.clone(),
        answers: answers_json.clone(),
        amends: Some(permit.to_owned()),
        ..old.clone()
    };
    let now = ork_store::now_unix();
    let parts = amendment_parts(state, &shell, full, carried, checked, now)?;
    let submitted = tx
        .submit_application(
            &src,
            &ork_store::Submission {
                id: &id,
                revision: 0,
                answers: &answers_json,
                roadmap: &json(&frozen)?,
                rulebook_version: &frozen.rulebook_version,
                parts: &parts,
            },
        )
        .await?;
    if !submitted {
        return Err(ApiError::of(StatusCode::CONFLICT, "changed_meanwhile", &[]).into());
    }
    super::submit::tell_opened(state, &mut tx, &shell).await?;
    let kept: Map<String, Value> = serde_json::from_str(&answers_json).unwrap_or_default();
    crate::agreements::service::sync(state, &mut tx, &src, &shell, &kept).await?;
    // Granted at once when it touches no approval and every agreement carried over signed.
    let submitted = Application {
        state: AppStateCode::Submitted,
        ..shell.clone()
    };
    crate::cases::service::grant_if_ready(state, &mut tx, &src, &submitted).await?;
    tx.commit().await?;
    Ok(state.store.application(&id).await?.ok_or_else(not_found)?)
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|e| ApiError::from(anyhow::anyhow!(e)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn removing_is_no_change_to_approve_adding_is() {
        let old = map(json!({"users": [{"name": "A"}, {"name": "B"}], "purpose": "x"}));
        assert!(!touched(
            &old,
            &map(json!({"users": [{"name": "A"}], "purpose": "x"})),
            None
        ));
        assert!(!touched(&old, &map(json!({"purpose": "x"})), None));
        assert!(touched(
            &old,
            &map(json!({"users": [{"name": "C"}], "purpose": "x"})),
            None
        ));
        assert!(touched(
            &old,
            &map(json!({"users": [{"name": "A"}], "purpose": "y"})),
            None
        ));
    }

    #[test]
    fn a_step_about_some_datasets_sees_only_theirs() {
        let old = map(json!({"data_description": [{"id": "lpr", "variables": []}]}));
        let new = map(json!({"data_description": [
            {"id": "lpr", "variables": []}, {"id": "pacs-midtjylland", "variables": []}]}));
        let lpr = vec!["lpr".to_owned()];
        assert!(!touched(&old, &new, Some(&lpr)));
        assert!(
            touched(&old, &new, None),
            "a step about every dataset sees the new one"
        );
        let more = map(json!({"data_description": [{"id": "lpr", "variables": ["diag.code"]}]}));
        assert!(
            touched(&old, &more, Some(&lpr)),
            "a variable asked for anew"
        );
    }
}

//! Applications as operations, the applicant's side: who may see and change one, starting a
//! draft from a need, saving answers (checked against the form, kept even with errors),
//! evaluating the form, and submitting — the roadmap frozen with the application and one
//! part per step, each holding exactly the answers its rule names. The API and the pages
//! both call these.

use super::dto::{ApplicationBody, FieldErrorBody, PartSummary, opt_iso};
use crate::auth::{ClientAddr, Principal};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_cases::AppState as AppStateCode;
use ork_domain::{Lang, OrgId, Role};
use ork_rules::form::{Checked, CohortProblem, CohortRef, Context, FormError, References};
use ork_rules::report::RoadmapReport;
use ork_store::{Access, Application, NewApplication, Part};
use serde_json::{Map, Value, json};

/// A user's access to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Owner,
    Member(Access),
    /// A consultancy preparing it on the client's behalf, as the client authorised:
    /// `everything` also decisions, messages and the permit, else the application and
    /// where its parts stand.
    Agent {
        everything: bool,
    },
}

impl Standing {
    pub fn code(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Member(a) => a.code(),
            Self::Agent { .. } => "agent",
        }
    }

    /// May change the answers, submit and withdraw.
    pub fn may_edit(self) -> bool {
        self != Self::Member(Access::Reader)
    }

    /// May read the authorities' decisions and messages and the permit.
    pub fn sees_everything(self) -> bool {
        self != Self::Agent { everything: false }
    }
}

/// An application the user may see, with their standing; 404 for anyone else (an
/// application's existence is not disclosed).
pub async fn find(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(Application, Standing), ApiError> {
    let app = state.store.application(id).await?.ok_or_else(not_found)?;
    let standing = standing_of(state, p, &app).await?.ok_or_else(not_found)?;
    Ok((app, standing))
}

/// The user's standing on an application already read; `None` when they may not see it.
pub async fn standing_of(
    state: &AppState,
    p: &Principal,
    app: &Application,
) -> Result<Option<Standing>, ApiError> {
    let applicant_at = |org: &OrgId| {
        p.memberships
            .iter()
            .any(|m| m.role == Role::Applicant && &m.org_id == org)
    };
    if let Some(agent) = &app.agent_org {
        // Prepared on a client's behalf: the client owns it; the consultancy's people see it
        // while the client's authorisation holds, as far as it lets them.
        if applicant_at(&app.org_id) {
            return Ok(Some(Standing::Owner));
        }
        if applicant_at(agent)
            && let Some(a) = state
                .store
                .active_authorisation(app.org_id.as_str(), agent.as_str())
                .await?
        {
            let everything = a.sees == "everything";
            return Ok(Some(Standing::Agent { everything }));
        }
    } else if app.created_by == p.user.id {
        return Ok(Some(Standing::Owner));
    }
    Ok(state
        .store
        .member_access(&app.id, p.user.id)
        .await?
        .map(Standing::Member))
}

/// The applications the user sees with their standing (theirs, those they are a member of,
/// their organisation's prepared by an authorised consultancy), newest first.
pub async fn visible(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<(Application, Standing)>, ApiError> {
    let mut out = Vec::new();
    for a in state.store.applications_of(p.user.id).await? {
        if let Some(s) = standing_of(state, p, &a).await? {
            out.push((a, s));
        }
    }
    Ok(out)
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "application_not_found", &[])
}

/// As [`find`], and the user may edit it.
pub async fn find_editable(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<(Application, Standing), ApiError> {
    let (app, s) = find(state, p, id).await?;
    if !s.may_edit() {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "reader_only", &[]));
    }
    Ok((app, s))
}

/// The organisation a user applies for: the one named (they must be an applicant there),
/// else their first as applicant.
pub fn applying_org(p: &Principal, named: Option<&str>) -> Result<OrgId, ApiError> {
    let applicant = |m: &&ork_store::Membership| m.role == Role::Applicant;
    let found = match named {
        Some(id) => p
            .memberships
            .iter()
            .filter(|m| m.org_id.as_str() == id)
            .find(applicant),
        None => p.memberships.iter().find(applicant),
    };
    found
        .map(|m| m.org_id.clone())
        .ok_or_else(|| ApiError::of(StatusCode::FORBIDDEN, "applicant_role_required", &[]))
}

/// A title: 1–200 characters after trimming, no control characters.
pub fn check_title(t: &str) -> Result<String, ApiError> {
    let t = t.trim();
    if t.is_empty() || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(ApiError::invalid("invalid_title", &[]));
    }
    Ok(t.to_owned())
}

/// The roadmap of a need now, or a 400 naming what is wrong with the need.
pub fn roadmap_of(state: &AppState, need: &ork_rules::Need) -> Result<RoadmapReport, ApiError> {
    let history = state.rules.history();
    ork_rules::report::roadmap(&state.catalog.catalog, &state.rules.book, need, &history)
        .map(|(_, mut r)| {
            state.rules.fill_precedents(&mut r);
            r
        })
        .map_err(|e| ApiError::bad_request(e.code, e.da, e.en))
}

/// An application's roadmap: frozen at submission, else as it would be now.
pub fn roadmap(state: &AppState, app: &Application) -> Result<RoadmapReport, ApiError> {
    match &app.roadmap {
        Some(r) => serde_json::from_str(r)
            .map_err(|e| ApiError::from(anyhow::anyhow!("frozen roadmap: {e}"))),
        None => roadmap_of(state, &need(app)?),
    }
}

pub fn need(app: &Application) -> Result<ork_rules::Need, ApiError> {
    serde_json::from_str(&app.need).map_err(|e| ApiError::from(anyhow::anyhow!("stored need: {e}")))
}

pub fn answers(app: &Application) -> Map<String, Value> {
    serde_json::from_str(&app.answers).unwrap_or_default()
}

/// The rule of a roadmap step id (`RULE` or `RULE:REGION`).
pub fn rule_of(step: &str) -> &str {
    step.split(':').next().unwrap_or(step)
}

/// What the form may refer to for this user: their saved cohorts and those shared in their
/// organisations, and their own and their organisations' uploads — each as (id, name).
pub struct UserRefs {
    pub cohorts: Vec<(String, String)>,
    pub uploads: Vec<(String, String)>,
}

impl UserRefs {
    pub async fn load(state: &AppState, p: &Principal) -> Result<Self, ApiError> {
        let orgs: Vec<OrgId> = p.memberships.iter().map(|m| m.org_id.clone()).collect();
        let cohorts = state.store.cohorts_for(p.user.id, &orgs).await?;
        let uploads = state.store.uploads_for(p.user.id, &orgs).await?;
        Ok(Self {
            cohorts: cohorts.into_iter().map(|c| (c.id, c.name)).collect(),
            uploads: uploads.into_iter().map(|u| (u.id, u.filename)).collect(),
        })
    }
}

impl References for UserRefs {
    fn cohort(&self, c: &CohortRef) -> Result<(), CohortProblem> {
        match c {
            CohortRef::Saved(id) if self.cohorts.iter().any(|(c, _)| c == id) => Ok(()),
            CohortRef::Saved(_) => Err(CohortProblem::Unknown),
            CohortRef::Definition(v) => {
                ork_quicktest::cohort::from_value(v)
                    .map(drop)
                    .map_err(|e| CohortProblem::Invalid {
                        da: e.message(Lang::Da).to_owned(),
                        en: e.message(Lang::En).to_owned(),
                    })
            }
        }
    }

    fn upload(&self, id: &str) -> bool {
        self.uploads.iter().any(|(u, _)| u == id)
    }
}

/// Checks answers against the form for this need and roadmap.
pub fn check(
    state: &AppState,
    need: &ork_rules::Need,
    roadmap: &RoadmapReport,
    answers: &Map<String, Value>,
    refs: &dyn References,
) -> Checked {
    let ctx = Context {
        steps: roadmap.steps.iter().map(|s| rule_of(&s.id)).collect(),
        traits: &need.traits,
        catalog: &state.catalog.catalog,
        refs,
    };
    state.rules.book.form.check(answers, &ctx)
}

pub fn error_bodies(errors: &[FormError], lang: Lang) -> Vec<FieldErrorBody> {
    errors
        .iter()
        .map(|e| FieldErrorBody {
            field: e.field.clone(),
            at: e.at.clone(),
            code: e.code.clone(),
            message: e.message(lang).to_owned(),
        })
        .collect()
}

/// A part's due and expected dates as the clock stands now.
pub fn part_summary(p: &Part, now: i64) -> PartSummary {
    PartSummary {
        id: p.id.clone(),
        step: p.step.clone(),
        authority: p.authority.to_string(),
        state: p.state.code().to_owned(),
        due: p
            .deadline_days
            .and_then(|d| p.clock.due(d, now))
            .map(crate::dates::date),
        expected: p.clock.due(p.expected_days, now).map(crate::dates::date),
        carried_from: p.carried_from.clone(),
    }
}

/// The application as the API shows it to this user.
pub async fn body(
    state: &AppState,
    p: &Principal,
    app: &Application,
    standing: Standing,
    lang: Lang,
) -> Result<ApplicationBody, ApiError> {
    let need = need(app)?;
    let roadmap = roadmap(state, app)?;
    let answers = answers(app);
    let parts = state.store.parts_of(&app.id).await?;
    let errors = if editable(app, &parts) {
        let refs = UserRefs::load(state, p).await?;
        error_bodies(&check(state, &need, &roadmap, &answers, &refs).errors, lang)
    } else {
        Vec::new()
    };
    let now = ork_store::now_unix();
    let fees = roadmap
        .steps
        .iter()
        .map(|st| super::dto::FeeBody {
            step: st.id.clone(),
            fee: state
                .rules
                .book
                .step(rule_of(&st.id))
                .map(|r| r.fee.get(lang).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    Ok(ApplicationBody {
        id: app.id.clone(),
        title: app.title.clone(),
        state: app.state.code().to_owned(),
        org: app.org_id.to_string(),
        created_by: app.creator_email.clone(),
        access: standing.code().to_owned(),
        on_behalf_by: app.agent_org.as_ref().map(ToString::to_string),
        need,
        answers,
        errors,
        roadmap,
        parts: parts.iter().map(|x| part_summary(x, now)).collect(),
        fees,
        revision: app.revision,
        created_at: iso(app.created_at),
        updated_at: iso(app.updated_at),
        submitted_at: opt_iso(app.submitted_at),
        amends: app.amends.clone(),
        carried_over: parts
            .iter()
            .filter_map(|x| {
                x.carried_from.as_ref().map(|r| super::amend::CarriedOver {
                    step: x.step.clone(),
                    reference: r.clone(),
                })
            })
            .collect(),
    })
}

/// Starts a draft from a need: the title, the datasets of the need and the applicant's
/// e-mail as contact are filled in.
pub async fn create(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    title: &str,
    need: &ork_rules::Need,
    org: Option<&str>,
    on_behalf_of: Option<&str>,
) -> Result<Application, ApiError> {
    let title = check_title(title)?;
    let (org, agent) = match on_behalf_of {
        None => (applying_org(p, org)?, None),
        Some(client) => {
            let (client, agent) = crate::clients::service::acting_for(state, p, client).await?;
            (client, Some(agent))
        }
    };
    roadmap_of(state, need)?;
    let datasets: Vec<Value> = need
        .datasets
        .iter()
        .map(|d| json!({"id": d, "variables": []}))
        .collect();
    let answers = json!({
        "project_title": title,
        "contact_email": p.user.email.as_str(),
        "data_description": datasets,
    });
    let id = crate::ids::new_id("app");
    let need_json = serde_json::to_string(need).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
    let mut tx = state.store.write().await?;
    tx.create_application(
        &p.audit_source(client, Some(org.to_string())),
        &NewApplication {
            id: &id,
            title: &title,
            org_id: &org,
            created_by: p.user.id,
            need: &need_json,
            answers: &answers.to_string(),
            amends: None,
            agent_org: agent.as_ref(),
        },
    )
    .await?;
    tx.commit().await?;
    state.store.application(&id).await?.ok_or_else(not_found)
}

/// Whether the applicant may change the answers: a draft, or a submitted application with
/// a part that waits on the applicant (a rejection to answer by resubmitting, a request for
/// information).
pub fn editable(app: &Application, parts: &[Part]) -> bool {
    match app.state {
        AppStateCode::Draft => true,
        AppStateCode::Submitted => parts.iter().any(|p| p.state.waits_on_applicant()),
        AppStateCode::Granted | AppStateCode::Withdrawn => false,
    }
}

/// Saves answers to a draft: unknown field ids are a 400 naming them; otherwise the answers
/// are merged (`null` removes one), checked, and kept as given for visible fields, even
/// with errors (returned with the application).
pub async fn save(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    patch: &Map<String, Value>,
) -> Result<(Application, Standing), ApiError> {
    let (app, standing) = find_editable(state, p, id).await?;
    if !editable(&app, &state.store.parts_of(id).await?) {
        return Err(ApiError::of(StatusCode::CONFLICT, "not_editable", &[]));
    }
    Ok((save_read(state, p, client, &app, patch).await?, standing))
}

/// [`save`] for an application the caller has read and found editable by this user: the
/// answers are written only if it is still at the revision read (else 409).
pub async fn save_read(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    app: &Application,
    patch: &Map<String, Value>,
) -> Result<Application, ApiError> {
    let id = app.id.as_str();
    let merged = merge(&state.rules.book.form, answers(app), patch)?;
    let need = need(app)?;
    let roadmap = roadmap(state, app)?;
    let refs = UserRefs::load(state, p).await?;
    let checked = check(state, &need, &roadmap, &merged, &refs);
    let title = match checked.answers.get("project_title") {
        Some(ork_rules::form::Answer::Text(t)) => check_title(t).unwrap_or(app.title.clone()),
        _ => app.title.clone(),
    };
    let fields: Vec<String> = patch.keys().cloned().collect();
    let mut tx = state.store.write().await?;
    let saved = tx
        .save_answers(
            &p.audit_source(client, Some(app.org_id.to_string())),
            id,
            app.revision,
            &title,
            &Value::Object(checked.kept).to_string(),
            &fields,
        )
        .await?;
    if !saved {
        return Err(ApiError::of(StatusCode::CONFLICT, "changed_meanwhile", &[]));
    }
    tx.commit().await?;
    state.store.application(id).await?.ok_or_else(not_found)
}

/// `answers` with `patch` merged in (`null` removes an answer); unknown field ids and
/// answers not of their field's shape are a 400 naming them.
pub fn merge(
    form: &ork_rules::form::Form,
    mut answers: Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    if let Some(u) = form.unknown(patch) {
        let list: Vec<String> = u.0.iter().map(|f| f.chars().take(60).collect()).collect();
        return Err(ApiError::invalid(
            "unknown_fields",
            &[("list", &list.join(", "))],
        ));
    }
    let misshapen = form.misshapen(patch);
    if !misshapen.is_empty() {
        return Err(ApiError::invalid(
            "answer_shape",
            &[("list", &misshapen.join(", "))],
        ));
    }
    for (k, v) in patch {
        if v.is_null() {
            answers.remove(k);
        } else {
            answers.insert(k.clone(), v.clone());
        }
    }
    Ok(answers)
}

/// Invites a user to an application as co-applicant (may edit) or reader (may only read).
/// Only those who may edit it may invite; the user must have an account.
pub async fn invite(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    email: &str,
    access: &str,
) -> Result<(), ApiError> {
    let (app, _) = find_editable(state, p, id).await?;
    let access = Access::parse(access).ok_or_else(|| ApiError::invalid("invalid_access", &[]))?;
    let email =
        ork_domain::Email::parse(email).map_err(|_| ApiError::invalid("invalid_email", &[]))?;
    let user = state
        .store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| ApiError::invalid("no_such_user", &[]))?;
    if user.id == app.created_by {
        return Err(ApiError::invalid("already_owner", &[]));
    }
    let mut tx = state.store.write().await?;
    tx.set_member(
        &p.audit_source(client, Some(app.org_id.to_string())),
        id,
        user.id,
        access,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

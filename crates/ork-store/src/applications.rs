//! Applications and their parts. A draft keeps the applicant's answers as given; on
//! submission the roadmap is frozen with it and one part per roadmap step is written,
//! holding exactly the answers its rule names (the caller computes them with the form;
//! this layer never hands a part more than its `fields`). Moves of a part are checked by
//! `ork-cases` before they get here and written only if the part is still at the revision
//! the caller read, so of two simultaneous decisions exactly one is written.

use crate::{AuditSource, Result, Store, StoreError, WriteTx, now_unix};
use ork_cases::{AppState, Clock, PartState};
use ork_domain::OrgId;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// What a member of an application may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Edits and submits like the applicant.
    CoApplicant,
    /// Reads only.
    Reader,
}

impl Access {
    pub fn code(self) -> &'static str {
        match self {
            Self::CoApplicant => "co_applicant",
            Self::Reader => "reader",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::CoApplicant, Self::Reader]
            .into_iter()
            .find(|a| a.code() == s)
    }
}

/// A new draft.
#[derive(Debug, Clone, Copy)]
pub struct NewApplication<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub org_id: &'a OrgId,
    pub created_by: i64,
    /// The need, JSON.
    pub need: &'a str,
    /// The answers so far, a JSON object.
    pub answers: &'a str,
    /// The permit it amends.
    pub amends: Option<&'a str>,
    /// The consultancy that prepares it on the organisation's behalf.
    pub agent_org: Option<&'a OrgId>,
}

/// An application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: String,
    pub title: String,
    pub org_id: OrgId,
    pub created_by: i64,
    pub creator_email: String,
    pub state: AppState,
    pub need: String,
    pub answers: String,
    /// The roadmap frozen at submission, JSON.
    pub roadmap: Option<String>,
    pub rulebook_version: Option<String>,
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    /// The permit this application amends (none for a first application).
    pub amends: Option<String>,
    /// The consultancy that prepared it on the client's (`org_id`'s) behalf.
    pub agent_org: Option<OrgId>,
}

/// A part to write at submission.
#[derive(Debug, Clone)]
pub struct NewPart {
    pub id: String,
    pub step: String,
    pub rule: String,
    pub authority: OrgId,
    pub state: PartState,
    /// Exactly the answers its rule names, a JSON object.
    pub fields: String,
    pub depends_on: Vec<String>,
    pub deadline_days: Option<u32>,
    pub expected_days: u32,
    /// Set when the part goes to its authority at once.
    pub opened_at: Option<i64>,
    /// The part of an earlier application whose approval this part carries over (it is
    /// written approved and never enters a queue).
    pub carried_from: Option<String>,
    /// When a carried-over approval was decided.
    pub decided_at: Option<i64>,
}

/// A draft's submission: the answers and roadmap frozen with it, and its parts.
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    pub id: &'a str,
    /// The revision the draft was read at.
    pub revision: i64,
    /// The checked answers, a JSON object.
    pub answers: &'a str,
    /// The roadmap, JSON.
    pub roadmap: &'a str,
    pub rulebook_version: &'a str,
    pub parts: &'a [NewPart],
}

/// A part as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub id: String,
    pub application_id: String,
    pub step: String,
    pub rule: String,
    pub authority: OrgId,
    pub state: PartState,
    pub fields: String,
    pub depends_on: Vec<String>,
    pub deadline_days: Option<u32>,
    pub expected_days: u32,
    pub clock: Clock,
    pub assigned_to: Option<i64>,
    pub round: i64,
    pub revision: i64,
    pub decided_at: Option<i64>,
    /// The earlier part whose approval this one carries over.
    pub carried_from: Option<String>,
}

/// A change of a part, written only if it is still at `revision`.
#[derive(Debug, Clone)]
pub struct PartChange<'a> {
    pub id: &'a str,
    pub revision: i64,
    pub state: PartState,
    pub clock: Clock,
    pub assigned_to: Option<i64>,
    pub round: i64,
    pub decided_at: Option<i64>,
    /// Replaces the part's fields (a resubmission carries the new answers).
    pub fields: Option<&'a str>,
    /// The audit action (`part.assign`, `part.decide`…) and what it records.
    pub action: &'a str,
    pub details: serde_json::Value,
}

impl<'a> PartChange<'a> {
    /// A change of `part` to `state` that leaves everything else as it was read.
    pub fn of(
        part: &'a Part,
        action: &'a str,
        state: PartState,
        details: serde_json::Value,
    ) -> Self {
        Self {
            id: &part.id,
            revision: part.revision,
            state,
            clock: part.clock,
            assigned_to: part.assigned_to,
            round: part.round,
            decided_at: part.decided_at,
            fields: None,
            action,
            details,
        }
    }
}

/// A decision to record with its part's move.
#[derive(Debug, Clone)]
pub struct NewDecision<'a> {
    pub part_id: &'a str,
    pub round: i64,
    pub decided_by: i64,
    pub outcome: &'a str,
    /// JSON arrays.
    pub reason_codes: &'a str,
    pub text: &'a str,
    pub conditions: &'a str,
}

/// A recorded decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub part_id: String,
    pub round: i64,
    pub decided_by: i64,
    pub decided_at: i64,
    pub outcome: String,
    pub reason_codes: String,
    pub text: String,
    pub conditions: String,
}

/// A message on a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartMessage {
    pub id: i64,
    pub part_id: String,
    pub author_user_id: i64,
    pub author_name: String,
    pub from_authority: bool,
    pub at: i64,
    pub body: String,
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}

fn org(id: &str) -> Result<OrgId> {
    OrgId::parse(id).map_err(|_| corrupt("organisation", id))
}

/// The applications (`a`) user `$1` created or is a member of.
/// An application prepared on a client's behalf is also seen by the client's applicants and
/// the consultancy's (the server checks the consultancy's authorisation on top).
pub(crate) const SEEN_BY_USER: &str = "(a.created_by = $1 OR a.id IN (SELECT application_id FROM application_members WHERE user_id = $1) \
     OR (a.agent_org IS NOT NULL AND (a.org_id IN (SELECT org_id FROM memberships WHERE user_id = $1 AND role = 'applicant') \
         OR a.agent_org IN (SELECT org_id FROM memberships WHERE user_id = $1 AND role = 'applicant'))))";

const APP_COLUMNS: &str = "a.id, a.title, a.org_id, a.created_by, u.email, a.state, a.need, a.answers, a.roadmap, a.rulebook_version, a.revision, a.created_at, a.updated_at, a.submitted_at, a.amends, a.agent_org";

fn app_from_row(r: &AnyRow) -> Result<Application> {
    let state: String = r.try_get(5)?;
    Ok(Application {
        id: r.try_get(0)?,
        title: r.try_get(1)?,
        org_id: org(&r.try_get::<String, _>(2)?)?,
        created_by: r.try_get(3)?,
        creator_email: r.try_get(4)?,
        state: AppState::parse(&state).ok_or_else(|| corrupt("application state", &state))?,
        need: r.try_get(6)?,
        answers: r.try_get(7)?,
        roadmap: r.try_get(8)?,
        rulebook_version: r.try_get(9)?,
        revision: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
        submitted_at: r.try_get(13)?,
        amends: r.try_get(14)?,
        agent_org: r
            .try_get::<Option<String>, _>(15)?
            .map(|o| org(&o))
            .transpose()?,
    })
}

const PART_COLUMNS: &str = "id, application_id, step, rule, authority, state, fields, depends_on, deadline_days, expected_days, opened_at, paused_secs, paused_since, assigned_to, round, revision, decided_at, carried_from";

fn days(v: Option<i64>) -> Option<u32> {
    v.and_then(|d| u32::try_from(d).ok())
}

fn part_from_row(r: &AnyRow) -> Result<Part> {
    let state: String = r.try_get(5)?;
    let deps: String = r.try_get(7)?;
    Ok(Part {
        id: r.try_get(0)?,
        application_id: r.try_get(1)?,
        step: r.try_get(2)?,
        rule: r.try_get(3)?,
        authority: org(&r.try_get::<String, _>(4)?)?,
        state: PartState::parse(&state).ok_or_else(|| corrupt("part state", &state))?,
        fields: r.try_get(6)?,
        depends_on: serde_json::from_str(&deps).map_err(|_| corrupt("depends_on", &deps))?,
        deadline_days: days(r.try_get(8)?),
        expected_days: days(Some(r.try_get(9)?)).unwrap_or(0),
        clock: Clock {
            opened_at: r.try_get(10)?,
            paused_secs: r.try_get(11)?,
            paused_since: r.try_get(12)?,
        },
        assigned_to: r.try_get(13)?,
        round: r.try_get(14)?,
        revision: r.try_get(15)?,
        decided_at: r.try_get(16)?,
        carried_from: r.try_get(17)?,
    })
}

fn decision_from_row(r: &AnyRow) -> Result<Decision> {
    Ok(Decision {
        id: r.try_get(0)?,
        part_id: r.try_get(1)?,
        round: r.try_get(2)?,
        decided_by: r.try_get(3)?,
        decided_at: r.try_get(4)?,
        outcome: r.try_get(5)?,
        reason_codes: r.try_get(6)?,
        text: r.try_get(7)?,
        conditions: r.try_get(8)?,
    })
}

/// An application's parts, in order, read through the pool or a transaction's connection.
async fn parts_of_on<'e>(
    on: impl sqlx::Executor<'e, Database = sqlx::Any>,
    application_id: &str,
) -> Result<Vec<Part>> {
    let q = format!("SELECT {PART_COLUMNS} FROM parts WHERE application_id = $1 ORDER BY id");
    sqlx::query(&q)
        .bind(application_id.to_owned())
        .fetch_all(on)
        .await?
        .iter()
        .map(part_from_row)
        .collect()
}

impl Store {
    pub async fn application(&self, id: &str) -> Result<Option<Application>> {
        let q = format!(
            "SELECT {APP_COLUMNS} FROM applications a JOIN users u ON u.id = a.created_by WHERE a.id = $1"
        );
        sqlx::query(&q)
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(app_from_row)
            .transpose()
    }

    /// The applications a user created or is a member of, newest first.
    pub async fn applications_of(&self, user_id: i64) -> Result<Vec<Application>> {
        let q = format!(
            "SELECT {APP_COLUMNS} FROM applications a JOIN users u ON u.id = a.created_by \
             WHERE {SEEN_BY_USER} ORDER BY a.created_at DESC, a.id"
        );
        sqlx::query(&q)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(app_from_row)
            .collect()
    }

    /// An organisation's applications that have gone to the authorities (not its drafts),
    /// newest first: its history as the authorities see it.
    pub async fn submitted_applications_of_org(&self, org: &OrgId) -> Result<Vec<Application>> {
        let q = format!(
            "SELECT {APP_COLUMNS} FROM applications a JOIN users u ON u.id = a.created_by \
             WHERE a.org_id = $1 AND a.submitted_at IS NOT NULL ORDER BY a.submitted_at DESC, a.id"
        );
        sqlx::query(&q)
            .bind(org.to_string())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(app_from_row)
            .collect()
    }

    /// A user's access to an application as a member (the creator is not a member).
    pub async fn member_access(
        &self,
        application_id: &str,
        user_id: i64,
    ) -> Result<Option<Access>> {
        let row = sqlx::query(
            "SELECT access FROM application_members WHERE application_id = $1 AND user_id = $2",
        )
        .bind(application_id.to_owned())
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => {
                let a: String = r.try_get(0)?;
                Access::parse(&a)
                    .map(Some)
                    .ok_or_else(|| corrupt("access", &a))
            }
        }
    }

    /// The applications that amend a permit, oldest first.
    pub async fn amendments_of(&self, permit_id: &str) -> Result<Vec<Application>> {
        let q = format!(
            "SELECT {APP_COLUMNS} FROM applications a JOIN users u ON u.id = a.created_by WHERE a.amends = $1 ORDER BY a.created_at, a.id"
        );
        sqlx::query(&q)
            .bind(permit_id.to_owned())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(app_from_row)
            .collect()
    }

    /// The members of an application: (user id, e-mail, name, access).
    pub async fn members(
        &self,
        application_id: &str,
    ) -> Result<Vec<(i64, String, String, Access)>> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.email, u.name, m.access FROM application_members m JOIN users u ON u.id = m.user_id \
             WHERE m.application_id = $1 ORDER BY m.added_at, m.user_id",
        )
        .bind(application_id.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let a: String = r.try_get(3)?;
                Ok((
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    Access::parse(&a).ok_or_else(|| corrupt("access", &a))?,
                ))
            })
            .collect()
    }

    /// An application's parts in the order they were written (the roadmap's order).
    pub async fn parts_of(&self, application_id: &str) -> Result<Vec<Part>> {
        parts_of_on(self.pool(), application_id).await
    }

    pub async fn part(&self, id: &str) -> Result<Option<Part>> {
        let q = format!("SELECT {PART_COLUMNS} FROM parts WHERE id = $1");
        sqlx::query(&q)
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(part_from_row)
            .transpose()
    }

    /// An authority's parts, optionally in one state, oldest first (the caller sorts).
    pub async fn parts_for(
        &self,
        authority: &OrgId,
        state: Option<PartState>,
    ) -> Result<Vec<Part>> {
        let q = format!(
            "SELECT {PART_COLUMNS} FROM parts WHERE authority = $1 AND ($2 = '' OR state = $2) AND carried_from IS NULL ORDER BY id"
        );
        sqlx::query(&q)
            .bind(authority.to_string())
            .bind(state.map_or("", PartState::code).to_owned())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(part_from_row)
            .collect()
    }

    /// A part's decisions, oldest first.
    pub async fn decisions_of(&self, part_id: &str) -> Result<Vec<Decision>> {
        sqlx::query(
            "SELECT id, part_id, round, decided_by, decided_at, outcome, reason_codes, text, conditions \
             FROM part_decisions WHERE part_id = $1 ORDER BY id",
        )
        .bind(part_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(decision_from_row)
        .collect()
    }

    /// A part's message thread, oldest first.
    pub async fn messages_of(&self, part_id: &str) -> Result<Vec<PartMessage>> {
        let rows = sqlx::query(
            "SELECT m.id, m.part_id, m.author_user_id, u.name, m.from_authority, m.at, m.body \
             FROM part_messages m JOIN users u ON u.id = m.author_user_id WHERE m.part_id = $1 ORDER BY m.id",
        )
        .bind(part_id.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PartMessage {
                    id: r.try_get(0)?,
                    part_id: r.try_get(1)?,
                    author_user_id: r.try_get(2)?,
                    author_name: r.try_get(3)?,
                    from_authority: r.try_get::<i64, _>(4)? != 0,
                    at: r.try_get(5)?,
                    body: r.try_get(6)?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    pub async fn create_application(
        &mut self,
        src: &AuditSource,
        a: &NewApplication<'_>,
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO applications (id, title, org_id, created_by, state, need, answers, revision, created_at, updated_at, amends, agent_org) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9, $10)",
        )
        .bind(a.id.to_owned())
        .bind(a.title.to_owned())
        .bind(a.org_id.to_string())
        .bind(a.created_by)
        .bind(AppState::Draft.code().to_owned())
        .bind(a.need.to_owned())
        .bind(a.answers.to_owned())
        .bind(now)
        .bind(a.amends.map(str::to_owned))
        .bind(a.agent_org.map(|o| o.to_string()))
        .execute(self.conn())
        .await
        .map_err(|e| StoreError::conflict_on_unique(e, format!("application {}", a.id)))?;
        self.audit(
            src,
            "application.create",
            "application",
            a.id,
            json!({"org": a.org_id.as_str(), "title": a.title, "amends": a.amends, "on_behalf_by": a.agent_org.map(OrgId::as_str)}),
        )
        .await?;
        Ok(())
    }

    /// Saves an application's title and answers if it is still at `revision` (in the state
    /// the caller read); `Ok(false)` when it is not (someone saved or submitted in between).
    /// The audit event names the fields saved, never their answers.
    pub async fn save_answers(
        &mut self,
        src: &AuditSource,
        id: &str,
        revision: i64,
        title: &str,
        answers: &str,
        fields: &[String],
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE applications SET title = $1, answers = $2, revision = revision + 1, updated_at = $3 \
             WHERE id = $4 AND revision = $5",
        )
        .bind(title.to_owned())
        .bind(answers.to_owned())
        .bind(now_unix())
        .bind(id.to_owned())
        .bind(revision)
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            self.audit(
                src,
                "application.save",
                "application",
                id,
                json!({"fields": fields}),
            )
            .await?;
        }
        Ok(done == 1)
    }

    /// Adds (or changes) a member's access.
    pub async fn set_member(
        &mut self,
        src: &AuditSource,
        application_id: &str,
        user_id: i64,
        access: Access,
    ) -> Result<()> {
        sqlx::query("DELETE FROM application_members WHERE application_id = $1 AND user_id = $2")
            .bind(application_id.to_owned())
            .bind(user_id)
            .execute(self.conn())
            .await?;
        sqlx::query("INSERT INTO application_members (application_id, user_id, access, added_at) VALUES ($1, $2, $3, $4)")
            .bind(application_id.to_owned())
            .bind(user_id)
            .bind(access.code().to_owned())
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        self.audit(
            src,
            "application.member",
            "application",
            application_id,
            json!({"user": user_id, "access": access.code()}),
        )
        .await?;
        Ok(())
    }

    /// Submits a draft at `revision`: freezes its roadmap and answers and writes its parts.
    /// `Ok(false)` when it is no longer that draft.
    pub async fn submit_application(
        &mut self,
        src: &AuditSource,
        sub: &Submission<'_>,
    ) -> Result<bool> {
        let Submission {
            id,
            revision,
            answers,
            roadmap,
            rulebook_version,
            parts,
        } = *sub;
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE applications SET state = $1, answers = $2, roadmap = $3, rulebook_version = $4, \
             revision = revision + 1, updated_at = $5, submitted_at = $5 WHERE id = $6 AND revision = $7 AND state = $8",
        )
        .bind(AppState::Submitted.code().to_owned())
        .bind(answers.to_owned())
        .bind(roadmap.to_owned())
        .bind(rulebook_version.to_owned())
        .bind(now)
        .bind(id.to_owned())
        .bind(revision)
        .bind(AppState::Draft.code().to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        for p in parts {
            sqlx::query(
                "INSERT INTO parts (id, application_id, step, rule, authority, state, fields, depends_on, deadline_days, expected_days, opened_at, carried_from, decided_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(p.id.clone())
            .bind(id.to_owned())
            .bind(p.step.clone())
            .bind(p.rule.clone())
            .bind(p.authority.to_string())
            .bind(p.state.code().to_owned())
            .bind(p.fields.clone())
            .bind(serde_json::to_string(&p.depends_on).unwrap_or_else(|_| "[]".into()))
            .bind(p.deadline_days.map(i64::from))
            .bind(i64::from(p.expected_days))
            .bind(p.opened_at)
            .bind(p.carried_from.clone())
            .bind(p.decided_at)
            .execute(self.conn())
            .await?;
        }
        let routed: Vec<serde_json::Value> = parts
            .iter()
            .map(|p| json!({"part": p.id, "step": p.step, "authority": p.authority.as_str(), "state": p.state.code(), "carried_from": p.carried_from}))
            .collect();
        self.audit(
            src,
            "application.submit",
            "application",
            id,
            json!({"rulebook_version": rulebook_version, "parts": routed}),
        )
        .await?;
        Ok(true)
    }

    /// Sets an application's state (withdrawn, granted).
    pub async fn set_application_state(
        &mut self,
        src: &AuditSource,
        id: &str,
        state: AppState,
    ) -> Result<()> {
        sqlx::query("UPDATE applications SET state = $1, revision = revision + 1, updated_at = $2 WHERE id = $3")
            .bind(state.code().to_owned())
            .bind(now_unix())
            .bind(id.to_owned())
            .execute(self.conn())
            .await?;
        self.audit(
            src,
            &format!("application.{}", state.code()),
            "application",
            id,
            json!({}),
        )
        .await?;
        Ok(())
    }

    /// Locks an application's row until the transaction ends, so that changes to its parts
    /// that depend on each other (a decision that opens the parts waiting for it) are made
    /// one after the other: on PostgreSQL a second transaction waits here and then reads
    /// what the first committed; SQLite has one writer at a time anyway.
    pub async fn lock_application(&mut self, id: &str) -> Result<()> {
        sqlx::query("UPDATE applications SET updated_at = updated_at WHERE id = $1")
            .bind(id.to_owned())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// How many amendments of a permit are under way (a draft or submitted), as this
    /// transaction sees them: checked after [`WriteTx::lock_application`] on the permit's
    /// application, two amendments started at once cannot both pass.
    pub async fn amendments_under_way(&mut self, permit_id: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM applications WHERE amends = $1 AND state IN ('draft', 'submitted')",
        )
        .bind(permit_id.to_owned())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// An application's parts as this transaction sees them (its own changes included).
    pub async fn parts_of_tx(&mut self, application_id: &str) -> Result<Vec<Part>> {
        parts_of_on(self.conn(), application_id).await
    }

    /// The conditions of the decisions in force on an application's parts (each part's
    /// latest round), as this transaction sees them.
    pub async fn conditions_of(&mut self, application_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT d.conditions FROM part_decisions d JOIN parts p ON p.id = d.part_id \
             WHERE p.application_id = $1 AND d.round = p.round ORDER BY d.id",
        )
        .bind(application_id.to_owned())
        .fetch_all(self.conn())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let c: String = r.try_get(0)?;
            let list: Vec<String> =
                serde_json::from_str(&c).map_err(|_| corrupt("conditions", &c))?;
            out.extend(list);
        }
        Ok(out)
    }

    /// Moves a part if it is still at the revision read; `Ok(false)` when another change
    /// came first (the caller answers 409).
    pub async fn move_part(&mut self, src: &AuditSource, c: &PartChange<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE parts SET state = $1, opened_at = $2, paused_secs = $3, paused_since = $4, assigned_to = $5, \
             round = $6, decided_at = $7, fields = COALESCE($8, fields), revision = revision + 1 \
             WHERE id = $9 AND revision = $10",
        )
        .bind(c.state.code().to_owned())
        .bind(c.clock.opened_at)
        .bind(c.clock.paused_secs)
        .bind(c.clock.paused_since)
        .bind(c.assigned_to)
        .bind(c.round)
        .bind(c.decided_at)
        .bind(c.fields.map(str::to_owned))
        .bind(c.id.to_owned())
        .bind(c.revision)
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            let mut details = c.details.clone();
            if let Some(o) = details.as_object_mut() {
                o.insert("state".into(), c.state.code().into());
            }
            self.audit(src, c.action, "part", c.id, details).await?;
        }
        Ok(done == 1)
    }

    pub async fn record_decision(&mut self, d: &NewDecision<'_>) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO part_decisions (part_id, round, decided_by, decided_at, outcome, reason_codes, text, conditions) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(d.part_id.to_owned())
        .bind(d.round)
        .bind(d.decided_by)
        .bind(now_unix())
        .bind(d.outcome.to_owned())
        .bind(d.reason_codes.to_owned())
        .bind(d.text.to_owned())
        .bind(d.conditions.to_owned())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// The user ids of an application's members, as this transaction sees them.
    pub async fn member_ids(&mut self, application_id: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT user_id FROM application_members WHERE application_id = $1 ORDER BY user_id",
        )
        .bind(application_id.to_owned())
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn add_part_message(
        &mut self,
        src: &AuditSource,
        part_id: &str,
        author_user_id: i64,
        from_authority: bool,
        body: &str,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO part_messages (part_id, author_user_id, from_authority, at, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(part_id.to_owned())
        .bind(author_user_id)
        .bind(i64::from(from_authority))
        .bind(now_unix())
        .bind(body.to_owned())
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        self.audit(
            src,
            "part.message",
            "part",
            part_id,
            json!({"message": id, "from_authority": from_authority, "bytes": body.len()}),
        )
        .await?;
        Ok(id)
    }
}

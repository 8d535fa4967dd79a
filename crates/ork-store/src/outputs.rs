//! The airlock's outputs (issue 19): what a project asks to take out of its workspace, the
//! automatic checks' report, the bytes (sealed until released), each request and decision.
//! A move happens only from the state the caller read, so of two decisions one wins.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An output as kept, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub id: String,
    pub workspace_id: String,
    /// `table`, `model` or `file`.
    pub kind: String,
    pub title: String,
    pub description: String,
    /// `draft`, `requested`, `asked`, `approved` or `rejected`.
    pub state: String,
    /// The automatic checks' verdict: `pass`, `review` or `fail`.
    pub status: String,
    pub spec: Option<String>,
    pub sql: Option<String>,
    pub snapshot: Option<i64>,
    /// JSON, or while `sealed` its sealed bytes in hex.
    pub report: String,
    /// JSON: the rules the checks ran with.
    pub rules: String,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub sealed: bool,
    pub created_by: i64,
    pub created_at: i64,
    pub requested_by: Option<i64>,
    pub requested_at: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
    pub updated_at: i64,
}

/// A new output.
#[derive(Debug, Clone, Copy)]
pub struct NewOutput<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    pub status: &'a str,
    pub spec: Option<&'a str>,
    pub sql: Option<&'a str>,
    pub snapshot: Option<i64>,
    pub report: &'a str,
    pub rules: &'a str,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    /// The bytes as kept (sealed).
    pub content: &'a [u8],
    pub created_by: i64,
}

/// A request or a decision in an output's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputEvent {
    pub user_id: i64,
    pub user_email: String,
    /// `request`, `approve`, `reject` or `ask`.
    pub action: String,
    pub text: String,
    pub at: i64,
}

const COLUMNS: &str = "id, workspace_id, kind, title, description, state, status, spec, sql_text, snapshot, report, rules, filename, media_type, size, sha256, sealed, created_by, created_at, requested_by, requested_at, decided_by, decided_at, reason, updated_at";

fn output_from_row(r: &AnyRow) -> Result<Output> {
    Ok(Output {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        title: r.try_get(3)?,
        description: r.try_get(4)?,
        state: r.try_get(5)?,
        status: r.try_get(6)?,
        spec: r.try_get(7)?,
        sql: r.try_get(8)?,
        snapshot: r.try_get(9)?,
        report: r.try_get(10)?,
        rules: r.try_get(11)?,
        filename: r.try_get(12)?,
        media_type: r.try_get(13)?,
        size: r.try_get(14)?,
        sha256: r.try_get(15)?,
        sealed: r.try_get::<i64, _>(16)? != 0,
        created_by: r.try_get(17)?,
        created_at: r.try_get(18)?,
        requested_by: r.try_get(19)?,
        requested_at: r.try_get(20)?,
        decided_by: r.try_get(21)?,
        decided_at: r.try_get(22)?,
        reason: r.try_get(23)?,
        updated_at: r.try_get(24)?,
    })
}

impl Store {
    pub async fn output(&self, id: &str) -> Result<Option<Output>> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM outputs WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(output_from_row)
            .transpose()
    }

    /// A workspace's outputs, newest first.
    pub async fn outputs_of(&self, workspace_id: &str) -> Result<Vec<Output>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outputs WHERE workspace_id = $1 ORDER BY created_at DESC, id"
        ))
        .bind(workspace_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(output_from_row)
        .collect()
    }

    /// The outputs in a state, oldest request first (a checker's queue).
    pub async fn outputs_in_state(&self, state: &str) -> Result<Vec<Output>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM outputs WHERE state = $1 ORDER BY requested_at, created_at, id"
        ))
        .bind(state.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(output_from_row)
        .collect()
    }

    /// An output's bytes as kept (sealed while `sealed`).
    pub async fn output_content(&self, id: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT content FROM outputs WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }

    /// An output's requests and decisions, oldest first.
    pub async fn output_events(&self, id: &str) -> Result<Vec<OutputEvent>> {
        let rows = sqlx::query(
            "SELECT e.user_id, u.email, e.action, e.text, e.at FROM output_events e \
             JOIN users u ON u.id = e.user_id WHERE e.output_id = $1 ORDER BY e.id",
        )
        .bind(id.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutputEvent {
                    user_id: r.try_get(0)?,
                    user_email: r.try_get(1)?,
                    action: r.try_get(2)?,
                    text: r.try_get(3)?,
                    at: r.try_get(4)?,
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Keeps a new output as a draft; the audit event names its kind, checks, size and
    /// hash, never its content.
    pub async fn create_output(&mut self, src: &AuditSource, o: &NewOutput<'_>) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO outputs (id, workspace_id, kind, title, description, state, status, spec, sql_text, snapshot, \
             report, rules, filename, media_type, size, sha256, content, sealed, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1, $17, $18, $18)",
        )
        .bind(o.id.to_owned())
        .bind(o.workspace_id.to_owned())
        .bind(o.kind.to_owned())
        .bind(o.title.to_owned())
        .bind(o.description.to_owned())
        .bind(o.status.to_owned())
        .bind(o.spec.map(str::to_owned))
        .bind(o.sql.map(str::to_owned))
        .bind(o.snapshot)
        .bind(o.report.to_owned())
        .bind(o.rules.to_owned())
        .bind(o.filename.to_owned())
        .bind(o.media_type.to_owned())
        .bind(o.size)
        .bind(o.sha256.to_owned())
        .bind(o.content.to_vec())
        .bind(o.created_by)
        .bind(now)
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "output.create",
            "output",
            o.id,
            json!({"workspace": o.workspace_id, "kind": o.kind, "status": o.status,
                   "snapshot": o.snapshot, "filename": o.filename, "media_type": o.media_type,
                   "size": o.size, "sha256": o.sha256}),
        )
        .await?;
        Ok(())
    }

    async fn output_event(
        &mut self,
        id: &str,
        user_id: i64,
        action: &str,
        text: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO output_events (output_id, user_id, action, text, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_owned())
        .bind(user_id)
        .bind(action.to_owned())
        .bind(text.to_owned())
        .bind(at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Asks for an output's release with its description, from the state `from` (a draft,
    /// or one a checker asked about). `Ok(false)` when it was no longer in that state.
    pub async fn request_output(
        &mut self,
        src: &AuditSource,
        id: &str,
        from: &str,
        user_id: i64,
        description: &str,
    ) -> Result<bool> {
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE outputs SET state = 'requested', description = $1, requested_by = $2, requested_at = $3, updated_at = $3 \
             WHERE id = $4 AND state = $5",
        )
        .bind(description.to_owned())
        .bind(user_id)
        .bind(now)
        .bind(id.to_owned())
        .bind(from.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            self.output_event(id, user_id, "request", description, now)
                .await?;
            self.audit(src, "output.request", "output", id, json!({"from": from}))
                .await?;
        }
        Ok(done == 1)
    }

    /// A checker's decision on a requested output: `approve` (then `released` holds the plain
    /// bytes, report and SHA-256, kept as released, and the audit trail holds the release
    /// record: who, when, the SHA-256), `reject` or `ask`. `Ok(false)` when it was no longer
    /// requested.
    pub async fn decide_output(
        &mut self,
        src: &AuditSource,
        id: &str,
        user_id: i64,
        decision: &str,
        reason: &str,
        released: Option<(&[u8], &str, &str)>,
    ) -> Result<bool> {
        let now = now_unix();
        let state = match decision {
            "approve" => "approved",
            "reject" => "rejected",
            _ => "asked",
        };
        let done = sqlx::query(
            "UPDATE outputs SET state = $1, decided_by = $2, decided_at = $3, reason = $4, updated_at = $3 \
             WHERE id = $5 AND state = 'requested'",
        )
        .bind(state.to_owned())
        .bind(user_id)
        .bind(now)
        .bind(reason.to_owned())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done != 1 {
            return Ok(false);
        }
        self.output_event(id, user_id, decision, reason, now)
            .await?;
        self.audit(
            src,
            "output.review",
            "output",
            id,
            json!({"decision": decision, "reason": reason}),
        )
        .await?;
        if let Some((plain, report, sha256)) = released {
            sqlx::query("UPDATE outputs SET content = $1, report = $2, sealed = 0 WHERE id = $3")
                .bind(plain.to_vec())
                .bind(report.to_owned())
                .bind(id.to_owned())
                .execute(self.conn())
                .await?;
            self.audit(
                src,
                "output.release",
                "output",
                id,
                json!({"released_by": user_id, "released_at": now, "sha256": sha256}),
            )
            .await?;
        }
        Ok(true)
    }
}

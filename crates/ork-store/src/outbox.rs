//! The outbox: notifications to users (portal and e-mail) and webhook messages to
//! organisations' systems, written in the transaction of the change they tell of, and the
//! record of each delivery attempt. A worker claims what is due with a conditional update,
//! so two workers never deliver one message at once. A webhook's secret is read only by
//! the worker that signs; the audit trail records a webhook's id and address, never it.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A notification to write with a change.
#[derive(Debug, Clone, Copy)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    /// What happened: `part.decided`, `part.message`, `permit.issued`…
    pub kind: &'a str,
    pub application_id: Option<&'a str>,
    pub part_id: Option<&'a str>,
    /// The advice desk's question it tells of.
    pub question_id: Option<&'a str>,
    /// Also by e-mail (SMTP is configured).
    pub email: bool,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub application_id: Option<String>,
    pub part_id: Option<String>,
    pub question_id: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub email_state: String,
    pub email_attempts: i64,
    pub email_error: Option<String>,
}

/// A webhook subscription to create.
#[derive(Clone, Copy)]
pub struct NewWebhook<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub url: &'a str,
    pub secret: &'a str,
    /// JSON array of event types.
    pub events: &'a str,
    pub created_by: i64,
}

/// A webhook subscription as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub org_id: String,
    pub url: String,
    pub secret: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_by: i64,
    pub created_at: i64,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Webhook({}, {}, secret withheld)", self.id, self.url)
    }
}

/// A webhook message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookMessage {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    pub payload: String,
    pub created_at: i64,
    pub state: String,
    pub attempts: i64,
    pub next_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

/// One delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub at: i64,
    /// The receiver's HTTP status; `None` when there was no response.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// What follows an attempt (a message's or an e-mail's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    Delivered,
    /// Try again at this time.
    Retry(i64),
    /// Given up.
    Failed,
}

const NOTE_COLUMNS: &str = "id, user_id, kind, application_id, part_id, created_at, read_at, email_state, email_attempts, email_error, question_id";

fn note_from_row(r: &AnyRow) -> Result<Notification> {
    Ok(Notification {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        application_id: r.try_get(3)?,
        part_id: r.try_get(4)?,
        created_at: r.try_get(5)?,
        read_at: r.try_get(6)?,
        email_state: r.try_get(7)?,
        email_attempts: r.try_get(8)?,
        email_error: r.try_get(9)?,
        question_id: r.try_get(10)?,
    })
}

const HOOK_COLUMNS: &str = "id, org_id, url, secret, events, active, created_by, created_at";

fn hook_from_row(r: &AnyRow) -> Result<Webhook> {
    hook_from_row_at(r, 0)
}

/// A webhook from the row's columns `at`.. (after another table's in a join).
fn hook_from_row_at(r: &AnyRow, at: usize) -> Result<Webhook> {
    let events: String = r.try_get(at + 4)?;
    Ok(Webhook {
        id: r.try_get(at)?,
        org_id: r.try_get(at + 1)?,
        url: r.try_get(at + 2)?,
        secret: r.try_get(at + 3)?,
        events: serde_json::from_str(&events)
            .map_err(|_| crate::StoreError::Corrupt(format!("webhook events: {events:?}")))?,
        active: r.try_get::<i64, _>(at + 5)? != 0,
        created_by: r.try_get(at + 6)?,
        created_at: r.try_get(at + 7)?,
    })
}

const MSG_COLUMNS: &str =
    "id, webhook_id, event, payload, created_at, state, attempts, next_at, delivered_at";

fn msg_from_row(r: &AnyRow) -> Result<WebhookMessage> {
    Ok(WebhookMessage {
        id: r.try_get(0)?,
        webhook_id: r.try_get(1)?,
        event: r.try_get(2)?,
        payload: r.try_get(3)?,
        created_at: r.try_get(4)?,
        state: r.try_get(5)?,
        attempts: r.try_get(6)?,
        next_at: r.try_get(7)?,
        delivered_at: r.try_get(8)?,
    })
}

/// How long a claimed delivery is held before another worker may take it over (a worker
/// that died mid-attempt).
pub const CLAIM_SECS: i64 = 120;

impl Store {
    /// A user's notifications, newest first.
    pub async fn notifications_of(&self, user_id: i64, limit: i64) -> Result<Vec<Notification>> {
        sqlx::query(&format!(
            "SELECT {NOTE_COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(note_from_row)
        .collect()
    }

    pub async fn unread_notifications(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// E-mails due at `now`, oldest first.
    pub async fn emails_due(&self, now: i64, limit: i64) -> Result<Vec<Notification>> {
        sqlx::query(&format!(
            "SELECT {NOTE_COLUMNS} FROM notifications WHERE email_state = 'pending' AND email_next_at <= $1 ORDER BY id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(note_from_row)
        .collect()
    }

    /// Claims a due e-mail for one attempt; `false` when another worker has it.
    pub async fn claim_email(&self, id: i64, now: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE notifications SET email_next_at = $1 WHERE id = $2 AND email_state = 'pending' AND email_next_at <= $3",
        )
        .bind(now + CLAIM_SECS)
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    pub async fn webhook(&self, id: &str) -> Result<Option<Webhook>> {
        sqlx::query(&format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(hook_from_row)
        .transpose()
    }

    /// An organisation's webhooks (all organisations' for `None`), newest first.
    pub async fn webhooks(&self, org_id: Option<&str>) -> Result<Vec<Webhook>> {
        let q = format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE ($1 = '' OR org_id = $1) ORDER BY created_at DESC, id"
        );
        sqlx::query(&q)
            .bind(org_id.unwrap_or_default().to_owned())
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(hook_from_row)
            .collect()
    }

    /// Messages due at `now` with their webhooks, oldest first.
    pub async fn webhook_messages_due(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(WebhookMessage, Webhook)>> {
        // One query: each due message with its webhook (columns after the message's).
        let msg = MSG_COLUMNS
            .split(", ")
            .map(|c| format!("m.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let hook = HOOK_COLUMNS
            .split(", ")
            .map(|c| format!("h.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {msg}, {hook} FROM webhook_messages m JOIN webhooks h ON h.id = m.webhook_id \
             WHERE m.state = 'pending' AND m.next_at <= $1 ORDER BY m.created_at, m.id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    msg_from_row(r)?,
                    hook_from_row_at(r, MSG_COLUMNS.split(", ").count())?,
                ))
            })
            .collect()
    }

    /// Claims a due message for one attempt; `false` when another worker has it.
    pub async fn claim_webhook_message(&self, id: &str, now: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE webhook_messages SET next_at = $1 WHERE id = $2 AND state = 'pending' AND next_at <= $3",
        )
        .bind(now + CLAIM_SECS)
        .bind(id.to_owned())
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// A webhook's messages (every webhook's for `None`), newest first.
    pub async fn webhook_messages(
        &self,
        webhook_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<WebhookMessage>> {
        sqlx::query(&format!(
            "SELECT {MSG_COLUMNS} FROM webhook_messages WHERE ($1 = '' OR webhook_id = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(webhook_id.unwrap_or_default().to_owned())
        .bind(limit)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(msg_from_row)
        .collect()
    }

    pub async fn webhook_message(&self, id: &str) -> Result<Option<WebhookMessage>> {
        sqlx::query(&format!(
            "SELECT {MSG_COLUMNS} FROM webhook_messages WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(msg_from_row)
        .transpose()
    }

    /// A message's attempts, oldest first.
    pub async fn webhook_attempts(&self, message_id: &str) -> Result<Vec<WebhookAttempt>> {
        sqlx::query(
            "SELECT at, status, error, duration_ms FROM webhook_attempts WHERE message_id = $1 ORDER BY id",
        )
        .bind(message_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(WebhookAttempt {
                at: r.try_get(0)?,
                status: r.try_get(1)?,
                error: r.try_get(2)?,
                duration_ms: r.try_get(3)?,
            })
        })
        .collect()
    }
}

impl WriteTx {
    /// Writes a notification with the change it tells of (no audit event of its own: the
    /// change has one).
    pub async fn notify(&mut self, n: &NewNotification<'_>) -> Result<i64> {
        let now = now_unix();
        let row = sqlx::query(
            "INSERT INTO notifications (user_id, kind, application_id, part_id, created_at, email_state, email_next_at, question_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(n.user_id)
        .bind(n.kind.to_owned())
        .bind(n.application_id.map(str::to_owned))
        .bind(n.part_id.map(str::to_owned))
        .bind(now)
        .bind(if n.email { "pending" } else { "none" })
        .bind(n.email.then_some(now))
        .bind(n.question_id.map(str::to_owned))
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Marks a user's notifications up to `up_to` read; the number marked.
    pub async fn mark_notifications_read(
        &mut self,
        src: &AuditSource,
        user_id: i64,
        up_to: i64,
    ) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id <= $3 AND read_at IS NULL",
        )
        .bind(now_unix())
        .bind(user_id)
        .bind(up_to)
        .execute(self.conn())
        .await?
        .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "notification.read",
                "user",
                &user_id.to_string(),
                json!({"up_to": up_to, "count": n}),
            )
            .await?;
        }
        Ok(n)
    }

    /// Records an e-mail attempt's outcome.
    pub async fn email_attempted(
        &mut self,
        src: &AuditSource,
        id: i64,
        after: AfterAttempt,
        error: Option<&str>,
    ) -> Result<()> {
        let (state, next) = match after {
            AfterAttempt::Delivered => ("sent", None),
            AfterAttempt::Retry(at) => ("pending", Some(at)),
            AfterAttempt::Failed => ("failed", None),
        };
        sqlx::query(
            "UPDATE notifications SET email_state = $1, email_next_at = $2, email_attempts = email_attempts + 1, email_error = $3 WHERE id = $4",
        )
        .bind(state)
        .bind(next)
        .bind(error.map(str::to_owned))
        .bind(id)
        .execute(self.conn())
        .await?;
        if matches!(after, AfterAttempt::Delivered | AfterAttempt::Failed) {
            self.audit(
                src,
                &format!("notification.email_{state}"),
                "notification",
                &id.to_string(),
                json!({"error": error}),
            )
            .await?;
        }
        Ok(())
    }

    pub async fn create_webhook(&mut self, src: &AuditSource, w: &NewWebhook<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhooks (id, org_id, url, secret, events, active, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7)",
        )
        .bind(w.id.to_owned())
        .bind(w.org_id.to_owned())
        .bind(w.url.to_owned())
        .bind(w.secret.to_owned())
        .bind(w.events.to_owned())
        .bind(w.created_by)
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        let events: serde_json::Value = serde_json::from_str(w.events).unwrap_or_default();
        self.audit(
            src,
            "webhook.create",
            "webhook",
            w.id,
            json!({"org": w.org_id, "url": w.url, "events": events}),
        )
        .await?;
        Ok(())
    }

    /// Turns a webhook off: nothing more is queued for it, and what is queued is not sent.
    /// `Ok(false)` when it was off already.
    pub async fn deactivate_webhook(&mut self, src: &AuditSource, id: &str) -> Result<bool> {
        let n = sqlx::query("UPDATE webhooks SET active = 0 WHERE id = $1 AND active = 1")
            .bind(id.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
        if n == 1 {
            sqlx::query(
                "UPDATE webhook_messages SET state = 'failed', next_at = NULL WHERE webhook_id = $1 AND state = 'pending'",
            )
            .bind(id.to_owned())
            .execute(self.conn())
            .await?;
            self.audit(src, "webhook.deactivate", "webhook", id, json!({}))
                .await?;
        }
        Ok(n == 1)
    }

    /// Queues `event` with `payload` for every active webhook of `org_id` subscribed to it;
    /// `ids` names each message (one id per webhook, in order). The ids queued.
    pub async fn queue_webhooks(
        &mut self,
        org_id: &str,
        event: &str,
        payload: &str,
        mut ids: impl FnMut() -> String,
    ) -> Result<Vec<String>> {
        let hooks = sqlx::query(&format!(
            "SELECT {HOOK_COLUMNS} FROM webhooks WHERE org_id = $1 AND active = 1 ORDER BY id"
        ))
        .bind(org_id.to_owned())
        .fetch_all(self.conn())
        .await?
        .iter()
        .map(hook_from_row)
        .collect::<Result<Vec<_>>>()?;
        let now = now_unix();
        let mut queued = Vec::new();
        for h in hooks.iter().filter(|h| h.events.iter().any(|e| e == event)) {
            let id = ids();
            sqlx::query(
                "INSERT INTO webhook_messages (id, webhook_id, event, payload, created_at, state, next_at) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $5)",
            )
            .bind(id.clone())
            .bind(h.id.clone())
            .bind(event.to_owned())
            .bind(payload.to_owned())
            .bind(now)
            .execute(self.conn())
            .await?;
            queued.push(id);
        }
        Ok(queued)
    }

    /// Records a delivery attempt and what follows it.
    pub async fn webhook_attempted(
        &mut self,
        src: &AuditSource,
        message_id: &str,
        attempt: &WebhookAttempt,
        after: AfterAttempt,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO webhook_attempts (message_id, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(message_id.to_owned())
        .bind(attempt.at)
        .bind(attempt.status)
        .bind(attempt.error.clone())
        .bind(attempt.duration_ms)
        .execute(self.conn())
        .await?;
        let (state, next, delivered) = match after {
            AfterAttempt::Delivered => ("delivered", None, Some(attempt.at)),
            AfterAttempt::Retry(at) => ("pending", Some(at), None),
            AfterAttempt::Failed => ("failed", None, None),
        };
        sqlx::query(
            "UPDATE webhook_messages SET state = $1, next_at = $2, delivered_at = $3, attempts = attempts + 1 WHERE id = $4",
        )
        .bind(state)
        .bind(next)
        .bind(delivered)
        .bind(message_id.to_owned())
        .execute(self.conn())
        .await?;
        // Only the end of a message's life is audited, delivered or given up; each retry is
        // in webhook_attempts.
        if matches!(after, AfterAttempt::Delivered | AfterAttempt::Failed) {
            self.audit(
                src,
                &format!("webhook.{state}"),
                "webhook_message",
                message_id,
                json!({"status": attempt.status}),
            )
            .await?;
        }
        Ok(())
    }
}

//! The advice desk: questions and their conversations, guests' keys and e-mails, contact
//! persons, knowledge-base articles written on the platform and deflections. Every change
//! is one transaction with its audit event; the audit trail names ids and sizes, never a
//! message's words or a guest's address.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A question as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: String,
    pub subject: String,
    pub topic: String,
    /// `unconfirmed`, `open`, `referred`, `answered`, `closed`.
    pub state: String,
    /// `first_level` or an authority's organisation id.
    pub holder: String,
    pub assignee: Option<i64>,
    pub asker_user: Option<i64>,
    pub asker_org: Option<String>,
    pub guest_email: Option<String>,
    pub lang: String,
    pub context_page: Option<String>,
    pub context_basket: Vec<String>,
    pub context_application: Option<String>,
    /// The articles suggested before it was sent.
    pub suggested: Vec<String>,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub first_answer_at: Option<i64>,
    pub referred_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// `first` or `second`: the level whose answer closed it.
    pub resolved_level: Option<String>,
    pub last_at: i64,
}

/// A question to create.
#[derive(Debug, Clone)]
pub struct NewQuestion<'a> {
    pub id: &'a str,
    pub subject: &'a str,
    pub topic: &'a str,
    /// `unconfirmed` for a guest, `open` otherwise.
    pub state: &'a str,
    pub assignee: Option<i64>,
    pub asker_user: Option<i64>,
    pub asker_org: Option<&'a str>,
    pub guest_email: Option<&'a str>,
    pub lang: &'a str,
    pub context_page: Option<&'a str>,
    pub context_basket: &'a [String],
    pub context_application: Option<&'a str>,
    pub suggested: &'a [String],
}

/// One line of a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionMessage {
    pub id: i64,
    pub question_id: String,
    pub author_user: Option<i64>,
    pub author_org: Option<String>,
    /// `asker`, `first_level`, `second_level`, `system`.
    pub role: String,
    /// Shown to advisors only.
    pub internal: bool,
    pub at: i64,
    pub body: String,
    /// Upload ids.
    pub attachments: Vec<String>,
}

/// A line to add.
#[derive(Debug, Clone, Copy)]
pub struct NewQuestionMessage<'a> {
    pub author_user: Option<i64>,
    pub author_org: Option<&'a str>,
    pub role: &'a str,
    pub internal: bool,
    pub body: &'a str,
    pub attachments: &'a [String],
}

/// A knowledge-base article written on the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredArticle {
    pub id: String,
    /// `draft`, `published`, `rejected`.
    pub state: String,
    pub owner: String,
    pub topic: String,
    pub title_da: String,
    pub title_en: String,
    pub summary_da: String,
    pub summary_en: String,
    pub body_da: String,
    pub body_en: String,
    pub from_question: Option<String>,
    pub version: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<i64>,
}

/// An e-mail to a guest, due or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestMail {
    pub id: i64,
    pub question_id: String,
    pub to_email: String,
    /// `confirm` or `answer`.
    pub kind: String,
    pub lang: String,
    /// The link's key, until the e-mail is sent.
    pub link_key: Option<String>,
    pub state: String,
    pub attempts: i64,
}

const Q_COLUMNS: &str = "id, subject, topic, state, holder, assignee, asker_user, asker_org, guest_email, lang, \
    context_page, context_basket, context_application, suggested, created_at, confirmed_at, first_answer_at, \
    referred_at, closed_at, resolved_level, last_at";

fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn question(r: &AnyRow) -> Result<Question> {
    let basket: Option<String> = r.try_get(11)?;
    let suggested: String = r.try_get(13)?;
    Ok(Question {
        id: r.try_get(0)?,
        subject: r.try_get(1)?,
        topic: r.try_get(2)?,
        state: r.try_get(3)?,
        holder: r.try_get(4)?,
        assignee: r.try_get(5)?,
        asker_user: r.try_get(6)?,
        asker_org: r.try_get(7)?,
        guest_email: r.try_get(8)?,
        lang: r.try_get(9)?,
        context_page: r.try_get(10)?,
        context_basket: basket.as_deref().map(list).unwrap_or_default(),
        context_application: r.try_get(12)?,
        suggested: list(&suggested),
        created_at: r.try_get(14)?,
        confirmed_at: r.try_get(15)?,
        first_answer_at: r.try_get(16)?,
        referred_at: r.try_get(17)?,
        closed_at: r.try_get(18)?,
        resolved_level: r.try_get(19)?,
        last_at: r.try_get(20)?,
    })
}

const M_COLUMNS: &str =
    "id, question_id, author_user, author_org, role, internal, at, body, attachments";

fn message(r: &AnyRow) -> Result<QuestionMessage> {
    let internal: i64 = r.try_get(5)?;
    let attachments: String = r.try_get(8)?;
    Ok(QuestionMessage {
        id: r.try_get(0)?,
        question_id: r.try_get(1)?,
        author_user: r.try_get(2)?,
        author_org: r.try_get(3)?,
        role: r.try_get(4)?,
        internal: internal != 0,
        at: r.try_get(6)?,
        body: r.try_get(7)?,
        attachments: list(&attachments),
    })
}

const A_COLUMNS: &str = "id, state, owner, topic, title_da, title_en, summary_da, summary_en, body_da, body_en, \
    from_question, version, created_by, created_at, reviewed_by, reviewed_at";

fn article(r: &AnyRow) -> Result<StoredArticle> {
    Ok(StoredArticle {
        id: r.try_get(0)?,
        state: r.try_get(1)?,
        owner: r.try_get(2)?,
        topic: r.try_get(3)?,
        title_da: r.try_get(4)?,
        title_en: r.try_get(5)?,
        summary_da: r.try_get(6)?,
        summary_en: r.try_get(7)?,
        body_da: r.try_get(8)?,
        body_en: r.try_get(9)?,
        from_question: r.try_get(10)?,
        version: r.try_get(11)?,
        created_by: r.try_get(12)?,
        created_at: r.try_get(13)?,
        reviewed_by: r.try_get(14)?,
        reviewed_at: r.try_get(15)?,
    })
}

/// Which questions a list shows.
#[derive(Debug, Clone)]
pub enum QuestionScope<'a> {
    /// The asker's own.
    Asker(i64),
    /// Held by the first level or by an authority (`first_level` or its id).
    Holder(&'a str),
    /// Every question created in `[from, to)` (reports).
    Created { from: i64, to: i64 },
}

impl Store {
    pub async fn question(&self, id: &str) -> Result<Option<Question>> {
        sqlx::query(&format!("SELECT {Q_COLUMNS} FROM questions WHERE id = $1"))
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(question)
            .transpose()
    }

    /// Questions in a scope, the latest activity first. A holder's queue leaves out closed
    /// questions and guests' unconfirmed ones.
    pub async fn questions(&self, scope: &QuestionScope<'_>) -> Result<Vec<Question>> {
        let sql = match scope {
            QuestionScope::Asker(_) => format!(
                "SELECT {Q_COLUMNS} FROM questions WHERE asker_user = $1 ORDER BY last_at DESC, id"
            ),
            QuestionScope::Holder(_) => format!(
                "SELECT {Q_COLUMNS} FROM questions WHERE holder = $1 AND state <> 'closed' AND state <> 'unconfirmed' \
                 ORDER BY last_at DESC, id"
            ),
            QuestionScope::Created { .. } => format!(
                "SELECT {Q_COLUMNS} FROM questions WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, id"
            ),
        };
        let q = match scope {
            QuestionScope::Asker(u) => sqlx::query(&sql).bind(*u),
            QuestionScope::Holder(h) => sqlx::query(&sql).bind((*h).to_owned()),
            QuestionScope::Created { from, to } => sqlx::query(&sql).bind(*from).bind(*to),
        };
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(question)
            .collect()
    }

    /// Questions once referred to `authority` (held by it now or answered and closed by
    /// it): what its experts may read.
    pub async fn questions_referred_to(&self, authority: &str) -> Result<Vec<Question>> {
        sqlx::query(&format!(
            "SELECT {Q_COLUMNS} FROM questions q WHERE holder = $1 OR EXISTS (SELECT 1 FROM question_messages m \
             WHERE m.question_id = q.id AND m.role = 'system' AND m.author_org = $1) ORDER BY last_at DESC, id"
        ))
        .bind(authority.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(question)
        .collect()
    }

    /// The conversation, oldest first, from after message `after`; internal notes only when
    /// asked for.
    pub async fn question_messages(
        &self,
        question_id: &str,
        after: i64,
        internal: bool,
    ) -> Result<Vec<QuestionMessage>> {
        let filter = if internal { "" } else { " AND internal = 0" };
        sqlx::query(&format!(
            "SELECT {M_COLUMNS} FROM question_messages WHERE question_id = $1 AND id > $2{filter} ORDER BY id"
        ))
        .bind(question_id.to_owned())
        .bind(after)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(message)
        .collect()
    }

    /// Every message of the questions created in `[from, to)`, for reports.
    pub async fn question_messages_created(
        &self,
        from: i64,
        to: i64,
    ) -> Result<Vec<QuestionMessage>> {
        sqlx::query(&format!(
            "SELECT {} FROM question_messages m JOIN questions q ON q.id = m.question_id \
             WHERE q.created_at >= $1 AND q.created_at < $2 ORDER BY m.id",
            M_COLUMNS
                .split(", ")
                .map(|c| format!("m.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(message)
        .collect()
    }

    /// The question a guest's key opens.
    pub async fn question_of_guest_key(&self, key_hash: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT question_id FROM question_guest_keys WHERE key_hash = $1")
            .bind(key_hash.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// The users who hold `role` at `org`, by id.
    pub async fn users_with_role(&self, org: &str, role: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.org_id = $1 AND m.role = $2 AND u.disabled_at IS NULL ORDER BY m.user_id",
        )
        .bind(org.to_owned())
        .bind(role.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Every organisation's contact person: (organisation, advisor).
    pub async fn advice_contacts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT org_id, advisor FROM advice_contacts ORDER BY org_id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    pub async fn advice_contact(&self, org: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT advisor FROM advice_contacts WHERE org_id = $1")
            .bind(org.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Articles written on the platform, in a state or all, newest first.
    pub async fn stored_articles(&self, state: Option<&str>) -> Result<Vec<StoredArticle>> {
        let filter = if state.is_some() {
            "WHERE state = $1 "
        } else {
            ""
        };
        let sql =
            format!("SELECT {A_COLUMNS} FROM kb_articles {filter}ORDER BY created_at DESC, id");
        let mut q = sqlx::query(&sql);
        if let Some(s) = state {
            q = q.bind(s.to_owned());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(article)
            .collect()
    }

    pub async fn stored_article(&self, id: &str) -> Result<Option<StoredArticle>> {
        sqlx::query(&format!(
            "SELECT {A_COLUMNS} FROM kb_articles WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(article)
        .transpose()
    }

    /// Deflections in `[from, to)`: (article, at).
    pub async fn deflections(&self, from: i64, to: i64) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT article_id, at FROM kb_deflections WHERE at >= $1 AND at < $2 ORDER BY id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Guests' e-mails due at `now`.
    pub async fn guest_mail_due(&self, now: i64, limit: i64) -> Result<Vec<GuestMail>> {
        let rows = sqlx::query(
            "SELECT id, question_id, to_email, kind, lang, link_key, state, attempts FROM guest_mail \
             WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GuestMail {
                    id: r.try_get(0)?,
                    question_id: r.try_get(1)?,
                    to_email: r.try_get(2)?,
                    kind: r.try_get(3)?,
                    lang: r.try_get(4)?,
                    link_key: r.try_get(5)?,
                    state: r.try_get(6)?,
                    attempts: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Claims a due guest e-mail for one attempt (as [`Store::claim_email`]).
    pub async fn claim_guest_mail(&self, id: i64, now: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE guest_mail SET next_at = $1 WHERE id = $2 AND state = 'pending' AND next_at <= $3",
        )
        .bind(now + 600)
        .bind(id)
        .bind(now)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// How many questions a guest's address asked since `since`.
    pub async fn guest_questions_since(&self, email: &str, since: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM questions WHERE guest_email = $1 AND created_at >= $2",
        )
        .bind(email.to_owned())
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }
}

impl WriteTx {
    /// Creates a question with its first message (the asker's text).
    pub async fn create_question(
        &mut self,
        src: &AuditSource,
        q: &NewQuestion<'_>,
        text: &str,
        attachments: &[String],
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO questions (id, subject, topic, state, holder, assignee, asker_user, asker_org, guest_email, lang, \
             context_page, context_basket, context_application, suggested, created_at, confirmed_at, last_at) \
             VALUES ($1, $2, $3, $4, 'first_level', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(q.id.to_owned())
        .bind(q.subject.to_owned())
        .bind(q.topic.to_owned())
        .bind(q.state.to_owned())
        .bind(q.assignee)
        .bind(q.asker_user)
        .bind(q.asker_org.map(str::to_owned))
        .bind(q.guest_email.map(str::to_owned))
        .bind(q.lang.to_owned())
        .bind(q.context_page.map(str::to_owned))
        .bind((!q.context_basket.is_empty()).then(|| json!(q.context_basket).to_string()))
        .bind(q.context_application.map(str::to_owned))
        .bind(json!(q.suggested).to_string())
        .bind(now)
        .bind((q.state != "unconfirmed").then_some(now))
        .bind(now)
        .execute(self.conn())
        .await?;
        self.insert_question_message(
            q.id,
            &NewQuestionMessage {
                author_user: q.asker_user,
                author_org: q.asker_org,
                role: "asker",
                internal: false,
                body: text,
                attachments,
            },
            now,
        )
        .await?;
        self.audit(
            src,
            "question.ask",
            "question",
            q.id,
            json!({
                "topic": q.topic,
                "state": q.state,
                "guest": q.guest_email.is_some(),
                "context": {
                    "page": q.context_page.is_some(),
                    "basket": q.context_basket.len(),
                    "application": q.context_application,
                },
                "suggested": q.suggested,
                "chars": text.chars().count(),
                "attachments": attachments,
            }),
        )
        .await?;
        Ok(())
    }

    async fn insert_question_message(
        &mut self,
        question_id: &str,
        m: &NewQuestionMessage<'_>,
        now: i64,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO question_messages (question_id, author_user, author_org, role, internal, at, body, attachments) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(question_id.to_owned())
        .bind(m.author_user)
        .bind(m.author_org.map(str::to_owned))
        .bind(m.role.to_owned())
        .bind(i64::from(m.internal))
        .bind(now)
        .bind(m.body.to_owned())
        .bind(json!(m.attachments).to_string())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Adds a line to the conversation and moves the question: an advisor's public line
    /// makes it `answered` (and stamps the first answer), the asker's reopens it with its
    /// holder (`open` at the first level, `referred` at an authority). `expect_state`
    /// guards against a concurrent change: `Ok(None)` when the state was not that.
    pub async fn add_question_message(
        &mut self,
        src: &AuditSource,
        q: &Question,
        m: &NewQuestionMessage<'_>,
    ) -> Result<Option<i64>> {
        let now = now_unix();
        let advisor = m.role == "first_level" || m.role == "second_level";
        let next = if m.internal {
            q.state.clone()
        } else if advisor {
            "answered".to_owned()
        } else if q.holder == "first_level" {
            "open".to_owned()
        } else {
            "referred".to_owned()
        };
        let first_answer = q
            .first_answer_at
            .or((advisor && !m.internal).then_some(now));
        let n = sqlx::query(
            "UPDATE questions SET state = $1, first_answer_at = $2, last_at = $3 WHERE id = $4 AND state = $5",
        )
        .bind(next.clone())
        .bind(first_answer)
        .bind(now)
        .bind(q.id.clone())
        .bind(q.state.clone())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(None);
        }
        let id = self.insert_question_message(&q.id, m, now).await?;
        self.audit(
            src,
            "question.message",
            "question",
            &q.id,
            json!({
                "message": id,
                "role": m.role,
                "internal": m.internal,
                "state": next,
                "chars": m.body.chars().count(),
                "attachments": m.attachments,
            }),
        )
        .await?;
        Ok(Some(id))
    }

    /// Refers a question to an authority's experts, with the platform's line in the
    /// conversation (naming the authority) and the advisor's note to the experts (internal).
    /// `Ok(false)` when the question moved meanwhile.
    pub async fn refer_question(
        &mut self,
        src: &AuditSource,
        q: &Question,
        authority: &str,
        by: i64,
        note: Option<&str>,
    ) -> Result<bool> {
        let now = now_unix();
        let n = sqlx::query(
            "UPDATE questions SET state = 'referred', holder = $1, assignee = NULL, referred_at = COALESCE(referred_at, $2), \
             last_at = $2 WHERE id = $3 AND state = $4 AND holder = 'first_level'",
        )
        .bind(authority.to_owned())
        .bind(now)
        .bind(q.id.clone())
        .bind(q.state.clone())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        self.insert_question_message(
            &q.id,
            &NewQuestionMessage {
                author_user: Some(by),
                author_org: Some(authority),
                role: "system",
                internal: false,
                body: "referred",
                attachments: &[],
            },
            now,
        )
        .await?;
        if let Some(note) = note {
            self.insert_question_message(
                &q.id,
                &NewQuestionMessage {
                    author_user: Some(by),
                    author_org: Some("platform"),
                    role: "first_level",
                    internal: true,
                    body: note,
                    attachments: &[],
                },
                now,
            )
            .await?;
        }
        self.audit(
            src,
            "question.refer",
            "question",
            &q.id,
            json!({"authority": authority, "note": note.is_some()}),
        )
        .await?;
        Ok(true)
    }

    /// Gives a question held by `holder` to an advisor (or to no one). `Ok(false)` when it
    /// is closed or another level holds it now (a referral in the meantime).
    pub async fn assign_question(
        &mut self,
        src: &AuditSource,
        id: &str,
        holder: &str,
        assignee: Option<i64>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE questions SET assignee = $1 WHERE id = $2 AND state <> 'closed' AND holder = $3",
        )
        .bind(assignee)
        .bind(id.to_owned())
        .bind(holder.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(
                src,
                "question.assign",
                "question",
                id,
                json!({"assignee": assignee}),
            )
            .await?;
        }
        Ok(n == 1)
    }

    /// Closes a question: resolved at the level that held it when an advisor had answered.
    pub async fn close_question(
        &mut self,
        src: &AuditSource,
        q: &Question,
        by: Option<i64>,
    ) -> Result<bool> {
        let now = now_unix();
        // Resolved at the second level only when an authority's expert answered; at the
        // first when only the platform's advisors did; not resolved without an answer.
        let experts: i64 = sqlx::query(
            "SELECT COUNT(*) FROM question_messages WHERE question_id = $1 AND role = 'second_level' AND internal = 0",
        )
        .bind(q.id.clone())
        .fetch_one(self.conn())
        .await?
        .try_get(0)?;
        let level = match (experts > 0, q.first_answer_at.is_some()) {
            (true, _) => Some("second"),
            (false, true) => Some("first"),
            (false, false) => None,
        };
        let n = sqlx::query(
            "UPDATE questions SET state = 'closed', closed_at = $1, resolved_level = $2, last_at = $1 \
             WHERE id = $3 AND state = $4",
        )
        .bind(now)
        .bind(level.map(str::to_owned))
        .bind(q.id.clone())
        .bind(q.state.clone())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n != 1 {
            return Ok(false);
        }
        self.insert_question_message(
            &q.id,
            &NewQuestionMessage {
                author_user: by,
                author_org: None,
                role: "system",
                internal: false,
                body: "closed",
                attachments: &[],
            },
            now,
        )
        .await?;
        self.audit(
            src,
            "question.close",
            "question",
            &q.id,
            json!({"resolved_level": level}),
        )
        .await?;
        Ok(true)
    }

    /// A guest followed their link: the question goes to the first level.
    pub async fn confirm_question(&mut self, src: &AuditSource, id: &str) -> Result<bool> {
        let now = now_unix();
        let n = sqlx::query(
            "UPDATE questions SET state = 'open', confirmed_at = $1, last_at = $1 WHERE id = $2 AND state = 'unconfirmed'",
        )
        .bind(now)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(src, "question.confirm", "question", id, json!({}))
                .await?;
        }
        Ok(n == 1)
    }

    /// A guest's key (its hash) to a question, and the e-mail carrying it.
    pub async fn queue_guest_mail(
        &mut self,
        question_id: &str,
        to_email: &str,
        kind: &str,
        lang: &str,
        key: &str,
        key_hash: &str,
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query("INSERT INTO question_guest_keys (key_hash, question_id, created_at) VALUES ($1, $2, $3)")
            .bind(key_hash.to_owned())
            .bind(question_id.to_owned())
            .bind(now)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO guest_mail (question_id, to_email, kind, lang, link_key, state, next_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)",
        )
        .bind(question_id.to_owned())
        .bind(to_email.to_owned())
        .bind(kind.to_owned())
        .bind(lang.to_owned())
        .bind(key.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Records a guest e-mail's attempt: sent (the key is forgotten), retried at `next`, or
    /// given up.
    pub async fn guest_mail_attempted(
        &mut self,
        id: i64,
        after: crate::AfterAttempt,
        error: Option<&str>,
    ) -> Result<()> {
        let (state, next) = match after {
            crate::AfterAttempt::Delivered => ("sent", None),
            crate::AfterAttempt::Retry(at) => ("pending", Some(at)),
            crate::AfterAttempt::Failed => ("failed", None),
        };
        sqlx::query(
            "UPDATE guest_mail SET state = $1, next_at = $2, attempts = attempts + 1, error = $3, \
             link_key = CASE WHEN $1 = 'pending' THEN link_key ELSE NULL END WHERE id = $4",
        )
        .bind(state.to_owned())
        .bind(next)
        .bind(error.map(str::to_owned))
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets (or, with `None`, removes) an organisation's contact person.
    pub async fn set_advice_contact(
        &mut self,
        src: &AuditSource,
        org: &str,
        advisor: Option<i64>,
        by: i64,
    ) -> Result<()> {
        sqlx::query("DELETE FROM advice_contacts WHERE org_id = $1")
            .bind(org.to_owned())
            .execute(self.conn())
            .await?;
        if let Some(a) = advisor {
            sqlx::query(
                "INSERT INTO advice_contacts (org_id, advisor, set_by, set_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(org.to_owned())
            .bind(a)
            .bind(by)
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        }
        self.audit(
            src,
            "advice.contact",
            "organisation",
            org,
            json!({"advisor": advisor}),
        )
        .await?;
        Ok(())
    }

    /// Writes an article draft; `Ok(false)` when its id is taken (the caller picks another).
    pub async fn create_article_draft(
        &mut self,
        src: &AuditSource,
        a: &StoredArticle,
    ) -> Result<bool> {
        let n = sqlx::query(&format!(
            "INSERT INTO kb_articles ({A_COLUMNS}) VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, NULL) \
             ON CONFLICT (id) DO NOTHING"
        ))
        .bind(a.id.clone())
        .bind(a.owner.clone())
        .bind(a.topic.clone())
        .bind(a.title_da.clone())
        .bind(a.title_en.clone())
        .bind(a.summary_da.clone())
        .bind(a.summary_en.clone())
        .bind(a.body_da.clone())
        .bind(a.body_en.clone())
        .bind(a.from_question.clone())
        .bind(a.version)
        .bind(a.created_by)
        .bind(a.created_at)
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        self.audit(
            src,
            "kb.draft",
            "kb_article",
            &a.id,
            json!({"from_question": a.from_question, "owner": a.owner}),
        )
        .await?;
        Ok(true)
    }

    /// Saves a draft's edited text. `Ok(false)` when it is no longer a draft.
    pub async fn edit_article_draft(
        &mut self,
        src: &AuditSource,
        a: &StoredArticle,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE kb_articles SET topic = $1, title_da = $2, title_en = $3, summary_da = $4, summary_en = $5, \
             body_da = $6, body_en = $7 WHERE id = $8 AND state = 'draft'",
        )
        .bind(a.topic.clone())
        .bind(a.title_da.clone())
        .bind(a.title_en.clone())
        .bind(a.summary_da.clone())
        .bind(a.summary_en.clone())
        .bind(a.body_da.clone())
        .bind(a.body_en.clone())
        .bind(a.id.clone())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(src, "kb.edit", "kb_article", &a.id, json!({}))
                .await?;
        }
        Ok(n == 1)
    }

    /// Publishes or rejects a draft. `Ok(false)` when it is no longer a draft.
    pub async fn review_article(
        &mut self,
        src: &AuditSource,
        id: &str,
        publish: bool,
        by: i64,
    ) -> Result<bool> {
        let state = if publish { "published" } else { "rejected" };
        let n = sqlx::query(
            "UPDATE kb_articles SET state = $1, reviewed_by = $2, reviewed_at = $3 WHERE id = $4 AND state = 'draft'",
        )
        .bind(state.to_owned())
        .bind(by)
        .bind(now_unix())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            let action = if publish { "kb.publish" } else { "kb.reject" };
            self.audit(src, action, "kb_article", id, json!({})).await?;
        }
        Ok(n == 1)
    }

    /// "This answered my question."
    pub async fn record_deflection(
        &mut self,
        src: &AuditSource,
        article: &str,
        user: Option<i64>,
    ) -> Result<()> {
        sqlx::query("INSERT INTO kb_deflections (article_id, user_id, at) VALUES ($1, $2, $3)")
            .bind(article.to_owned())
            .bind(user)
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        self.audit(src, "kb.deflect", "kb_article", article, json!({}))
            .await?;
        Ok(())
    }
}

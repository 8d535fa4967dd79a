use crate::{Backend, Result, Store, StoreError, WriteTx};
use ork_audit::{ChainVerifier, Event, Head, NewEvent, VerifyError, VerifyReport};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::format_description::well_known::Rfc3339;

/// Who is acting and from where: attached to every audit event a change appends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSource {
    /// The acting user's e-mail, or a system actor like `system:cli`.
    pub actor: Option<String>,
    /// The organisation the actor acted for, when the action was on its behalf.
    pub org: Option<String>,
    /// The client's IP address, or `cli`.
    pub source: String,
}

impl AuditSource {
    /// An operator's command on the machine itself.
    pub fn cli() -> Self {
        let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Self {
            actor: Some(format!("system:cli:{who}")),
            org: None,
            source: "cli".into(),
        }
    }
}

/// Which events to read in the portal: all fields optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Exact actor (a user's e-mail).
    pub actor: Option<String>,
    /// Object type, optionally with id as `type:id`.
    pub object: Option<String>,
    /// RFC 3339 bounds, inclusive from, exclusive to; date-only values work too since the
    /// stored text sorts by time.
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

const COLUMNS: &str =
    "seq, at, actor, org, action, object_type, object_id, source, details, prev_hash, hash";

fn event_from_row(row: &AnyRow) -> Result<Event> {
    let details: String = row.try_get("details")?;
    let seq: i64 = row.try_get("seq")?;
    Ok(Event {
        seq,
        at: row.try_get("at")?,
        actor: row.try_get("actor")?,
        org: row.try_get("org")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        source: row.try_get("source")?,
        // An unparsable details column is kept as a JSON string so that verification
        // reports a content mismatch at this event instead of failing to read.
        details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

pub(crate) fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    let now = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    let mut s = now.format(&Rfc3339).unwrap_or_default();
    // Always three fraction digits, so that the text sorts by time.
    if !s.contains('.') {
        s = s.replace('Z', ".000Z");
    }
    s
}

impl WriteTx {
    /// Appends one event to the chain inside this transaction.
    pub async fn audit(
        &mut self,
        src: &AuditSource,
        action: &str,
        object_type: &str,
        object_id: &str,
        details: serde_json::Value,
    ) -> Result<Event> {
        let new = NewEvent {
            actor: src.actor.clone(),
            org: src.org.clone(),
            action: action.to_owned(),
            object_type: object_type.to_owned(),
            object_id: object_id.to_owned(),
            source: src.source.clone(),
            details,
        };
        self.append_events(vec![new]).await.map(|mut v| v.remove(0))
    }

    /// Appends several events in order inside this transaction, in batched inserts.
    pub async fn append_events(&mut self, news: Vec<NewEvent>) -> Result<Vec<Event>> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
        ))
        .fetch_one(self.conn())
        .await?;
        let mut head = Head {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
        };
        let at = now_rfc3339();
        let mut events = Vec::with_capacity(news.len());
        for new in news {
            let e = Event::chained(new, &head, at.clone());
            head = Head {
                seq: e.seq,
                hash: e.hash.clone(),
            };
            events.push(e);
        }
        for chunk in events.chunks(500) {
            let mut sql = format!("INSERT INTO audit_log ({COLUMNS}) VALUES ");
            for i in 0..chunk.len() {
                let b = i * 11;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${},${},${},${},${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11
                ));
            }
            let mut q = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(e.seq)
                    .bind(e.at.clone())
                    .bind(e.actor.clone())
                    .bind(e.org.clone())
                    .bind(e.action.clone())
                    .bind(e.object_type.clone())
                    .bind(e.object_id.clone())
                    .bind(e.source.clone())
                    .bind(ork_audit::canonical_json(&e.details))
                    .bind(e.prev_hash.clone())
                    .bind(e.hash.clone());
            }
            q.execute(self.conn()).await?;
        }
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(head.seq)
            .bind(head.hash)
            .execute(self.conn())
            .await?;
        Ok(events)
    }
}

impl Store {
    /// Reads up to `limit` events after `after_seq`, in sequence order.
    pub async fn audit_page(&self, after_seq: i64, limit: i64) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_from_row).collect()
    }

    /// The recorded end of the chain.
    pub async fn audit_head(&self) -> Result<Head> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let row = row.ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".into()))?;
        Ok(Head {
            seq: row.try_get("seq")?,
            hash: row.try_get("hash")?,
        })
    }

    /// Verifies the whole chain in the database against its recorded head, reading it in
    /// pages so that memory stays flat. `Ok(Err(_))` names the first bad event.
    pub async fn audit_verify(&self) -> Result<Result<VerifyReport, VerifyError>> {
        let head = self.audit_head().await?;
        let mut verifier = ChainVerifier::new();
        let mut after = i64::MIN;
        loop {
            let page = self.audit_page(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                if let Err(bad) = verifier.push(e) {
                    return Ok(Err(bad));
                }
            }
        }
        Ok(verifier.finish(&head))
    }

    /// Writes the chain as JSON lines with a trailer (see [`ork_audit::export`]), reading
    /// it in pages.
    pub async fn audit_export<W: std::io::Write>(&self, mut out: W) -> Result<i64> {
        // Every stored row, whatever its number, so that the export shows what is there.
        let mut last = Head::genesis();
        let mut after = i64::MIN;
        loop {
            let page = self.audit_page(after, 10_000).await?;
            let Some(end) = page.last() else { break };
            after = end.seq;
            // Lines are written as each page arrives; only the trailer waits for the end.
            ork_audit::write_events(&mut out, &page)?;
            last = Head {
                seq: end.seq,
                hash: end.hash.clone(),
            };
        }
        ork_audit::write_trailer(&mut out, &last)?;
        Ok(last.seq)
    }

    /// Events matching a filter, newest first, for auditors in the portal and the API.
    pub async fn audit_search(&self, f: &AuditFilter) -> Result<Vec<Event>> {
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, v: String| {
            binds.push(v);
            sql.push_str(&clause.replace('?', &format!("${}", binds.len())));
        };
        if let Some(actor) = &f.actor {
            push(&mut sql, " AND actor = ?", actor.clone());
        }
        if let Some(object) = &f.object {
            match object.split_once(':') {
                Some((t, id)) => {
                    push(&mut sql, " AND object_type = ?", t.to_owned());
                    push(&mut sql, " AND object_id = ?", id.to_owned());
                }
                None => push(&mut sql, " AND object_type = ?", object.clone()),
            }
        }
        if let Some(from) = &f.from {
            push(&mut sql, " AND at >= ?", from.clone());
        }
        if let Some(to) = &f.to {
            push(&mut sql, " AND at < ?", to.clone());
        }
        sql.push_str(&format!(
            " ORDER BY seq DESC LIMIT {} OFFSET {}",
            f.limit.clamp(1, 1000),
            f.offset.max(0)
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.pool).await?;
        rows.iter().map(event_from_row).collect()
    }
}

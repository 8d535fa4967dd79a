use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;

/// A signed-in browser session. Only the SHA-256 of the session id is stored, so a copy of
/// the database does not let anyone sign in.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// A session to record at sign-in.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub user_id: i64,
    pub user_email: &'a str,
    /// SHA-256 of the session id the browser holds.
    pub id_hash: &'a str,
    pub csrf_token: &'a str,
    pub ttl_secs: i64,
    /// How the user proved who they are: `password`, `oidc:mitid`…
    pub method: &'a str,
}

impl WriteTx {
    /// Records a new session for a user who just signed in, with the way they signed in.
    pub async fn create_session(&mut self, src: &AuditSource, new: &NewSession<'_>) -> Result<()> {
        let NewSession {
            user_id,
            user_email,
            id_hash,
            csrf_token,
            ttl_secs,
            method,
        } = *new;
        let now = now_unix();
        sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id_hash.to_owned())
            .bind(user_id)
            .bind(csrf_token.to_owned())
            .bind(now)
            .bind(now + ttl_secs)
            .execute(self.conn())
            .await?;
        // The object id is a prefix of the hash: enough to tell sessions apart, useless to sign in.
        self.audit(
            src,
            "session.sign_in",
            "session",
            &id_hash[..16],
            json!({"user": user_email, "method": method}),
        )
        .await?;
        Ok(())
    }

    /// Ends a session (sign-out). Returns whether there was one.
    pub async fn delete_session(&mut self, src: &AuditSource, id_hash: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "session.sign_out",
                "session",
                &id_hash[..16],
                json!({}),
            )
            .await?;
        }
        Ok(n > 0)
    }
}

impl Store {
    /// The session with this id hash, if it exists; expired sessions are returned too so
    /// that the caller can say "your session expired" rather than "sign in".
    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_id, csrf_token, created_at, expires_at FROM sessions WHERE id_hash = $1",
        )
        .bind(id_hash.to_owned())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok(Session {
                user_id: row.try_get("user_id")?,
                csrf_token: row.try_get("csrf_token")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    /// Removes sessions that expired more than a day ago, with one audit event for the
    /// purge (its count) when there was anything to remove. Returns how many were removed.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.write().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now_unix() - 86_400)
            .execute(tx.conn())
            .await?
            .rows_affected();
        if n > 0 {
            let src = AuditSource {
                actor: Some("system:server".into()),
                org: None,
                source: "server".into(),
            };
            tx.audit(
                &src,
                "session.purge_expired",
                "session",
                "expired",
                json!({"count": n}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(n)
    }
}

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An API token's record. The token itself is shown once at creation; only its SHA-256
/// is stored.
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

impl ApiToken {
    pub fn is_usable(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub user_id: i64,
    pub user_email: String,
    pub name: String,
    pub token_hash: String,
    pub expires_at: i64,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, revoked_at";

fn token_from_row(row: &AnyRow) -> Result<ApiToken> {
    Ok(ApiToken {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

impl WriteTx {
    pub async fn create_token(&mut self, src: &AuditSource, t: &NewApiToken) -> Result<ApiToken> {
        let now = now_unix();
        let row = sqlx::query(&format!(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING {TOKEN_COLUMNS}"
        ))
        .bind(t.user_id)
        .bind(t.name.clone())
        .bind(t.token_hash.clone())
        .bind(now)
        .bind(t.expires_at)
        .fetch_one(self.conn())
        .await?;
        let token = token_from_row(&row)?;
        self.audit(
            src,
            "token.create",
            "api_token",
            &token.id.to_string(),
            json!({"user": t.user_email, "name": t.name, "expires_at": t.expires_at}),
        )
        .await?;
        Ok(token)
    }

    /// Revokes one of the user's own tokens. Returns `false` when the user has no such
    /// token or it was already revoked (nothing changes then).
    pub async fn revoke_token(
        &mut self,
        src: &AuditSource,
        user_id: i64,
        token_id: i64,
    ) -> Result<bool> {
        let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now_unix())
            .bind(token_id)
            .bind(user_id)
            .execute(self.conn())
            .await?
            .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "token.revoke",
                "api_token",
                &token_id.to_string(),
                json!({}),
            )
            .await?;
        }
        Ok(n > 0)
    }
}

impl Store {
    pub async fn token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash.to_owned())
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    pub async fn tokens_of(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(token_from_row).collect()
    }
}

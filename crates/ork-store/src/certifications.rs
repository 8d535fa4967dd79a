//! Users' data-security certifications: the last day each is valid.

use crate::{AuditSource, Result, Store, User, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;

impl Store {
    /// The last valid day (`YYYY-MM-DD`) of a user's certification, if any.
    pub async fn certification(&self, user_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT valid_until FROM certifications WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Every certification: (user id, last valid day).
    pub async fn certifications(&self) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query("SELECT user_id, valid_until FROM certifications ORDER BY user_id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }
}

impl WriteTx {
    /// Records a user's certification as valid until `until` (`YYYY-MM-DD`, checked by the
    /// caller), or, with `None`, withdraws it. Returns whether anything changed.
    pub async fn set_certification(
        &mut self,
        src: &AuditSource,
        user: &User,
        until: Option<&str>,
    ) -> Result<bool> {
        let before: Option<String> =
            sqlx::query("SELECT valid_until FROM certifications WHERE user_id = $1")
                .bind(user.id)
                .fetch_optional(self.conn())
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        if before.as_deref() == until {
            return Ok(false);
        }
        sqlx::query("DELETE FROM certifications WHERE user_id = $1")
            .bind(user.id)
            .execute(self.conn())
            .await?;
        if let Some(u) = until {
            sqlx::query(
                "INSERT INTO certifications (user_id, valid_until, set_at) VALUES ($1, $2, $3)",
            )
            .bind(user.id)
            .bind(u.to_owned())
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        }
        self.audit(
            src,
            if until.is_some() {
                "user.certify"
            } else {
                "user.uncertify"
            },
            "user",
            user.email.as_str(),
            json!({"valid_until": until, "before": before}),
        )
        .await?;
        Ok(true)
    }
}

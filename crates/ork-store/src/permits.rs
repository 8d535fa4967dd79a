//! Permits and the keys that sign them. A key's secret is read only by the server that
//! signs; the audit trail records a key's id, never its secret.

use crate::applications::SEEN_BY_USER;
use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A signing key as stored.
#[derive(Clone)]
pub struct StoredKey {
    pub kid: String,
    pub secret: Vec<u8>,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredKey({}, secret withheld)", self.kid)
    }
}

/// A permit to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewPermit<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub org_id: &'a str,
    pub kid: &'a str,
    pub jwt: &'a str,
    /// The scope, JSON.
    pub scope: &'a str,
    pub expires_at: i64,
}

/// A permit as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub id: String,
    pub application_id: String,
    pub org_id: String,
    pub kid: String,
    pub jwt: String,
    pub scope: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    /// The permit of the amendment that replaced this one.
    pub superseded_by: Option<String>,
}

const PERMIT_COLUMNS: &str = "p.id, p.application_id, p.org_id, p.kid, p.jwt, p.scope, p.issued_at, p.expires_at, p.revoked_at, p.revoked_reason, p.superseded_by";

fn permit_from_row(r: &AnyRow) -> Result<Permit> {
    Ok(Permit {
        id: r.try_get(0)?,
        application_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        kid: r.try_get(3)?,
        jwt: r.try_get(4)?,
        scope: r.try_get(5)?,
        issued_at: r.try_get(6)?,
        expires_at: r.try_get(7)?,
        revoked_at: r.try_get(8)?,
        revoked_reason: r.try_get(9)?,
        superseded_by: r.try_get(10)?,
    })
}

impl Store {
    /// Every signing key, newest first.
    pub async fn signing_keys(&self) -> Result<Vec<StoredKey>> {
        let rows = sqlx::query("SELECT kid, secret, created_at, retired_at FROM signing_keys ORDER BY created_at DESC, kid DESC")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredKey {
                    kid: r.try_get(0)?,
                    secret: r.try_get(1)?,
                    created_at: r.try_get(2)?,
                    retired_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    pub async fn permit(&self, id: &str) -> Result<Option<Permit>> {
        let q = format!("SELECT {PERMIT_COLUMNS} FROM permits p WHERE p.id = $1");
        sqlx::query(&q)
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(permit_from_row)
            .transpose()
    }

    /// The newest permit of an application, if it has one.
    pub async fn permit_of_application(&self, application_id: &str) -> Result<Option<Permit>> {
        let q = format!(
            "SELECT {PERMIT_COLUMNS} FROM permits p WHERE p.application_id = $1 ORDER BY p.issued_at DESC, p.id LIMIT 1"
        );
        sqlx::query(&q)
            .bind(application_id.to_owned())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(permit_from_row)
            .transpose()
    }

    /// The permits of the applications a user created or is a member of, newest first.
    pub async fn permits_of(&self, user_id: i64) -> Result<Vec<Permit>> {
        let q = format!(
            "SELECT {PERMIT_COLUMNS} FROM permits p JOIN applications a ON a.id = p.application_id \
             WHERE {SEEN_BY_USER} ORDER BY p.issued_at DESC, p.id"
        );
        sqlx::query(&q)
            .bind(user_id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(permit_from_row)
            .collect()
    }
}

impl WriteTx {
    /// Keeps a new signing key; the audit event names its id only.
    pub async fn create_signing_key(
        &mut self,
        src: &AuditSource,
        kid: &str,
        secret: &[u8],
    ) -> Result<()> {
        sqlx::query("INSERT INTO signing_keys (kid, secret, created_at) VALUES ($1, $2, $3)")
            .bind(kid.to_owned())
            .bind(secret.to_vec())
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        self.audit(src, "signing_key.create", "signing_key", kid, json!({}))
            .await?;
        Ok(())
    }

    /// Retires the signing keys other than `keep`: they sign no more, and stay published.
    pub async fn retire_signing_keys(&mut self, src: &AuditSource, keep: &str) -> Result<()> {
        sqlx::query(
            "UPDATE signing_keys SET retired_at = $1 WHERE kid <> $2 AND retired_at IS NULL",
        )
        .bind(now_unix())
        .bind(keep.to_owned())
        .execute(self.conn())
        .await?;
        self.audit(src, "signing_key.rotate", "signing_key", keep, json!({}))
            .await?;
        Ok(())
    }

    pub async fn create_permit(&mut self, src: &AuditSource, p: &NewPermit<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO permits (id, application_id, org_id, kid, jwt, scope, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(p.id.to_owned())
        .bind(p.application_id.to_owned())
        .bind(p.org_id.to_owned())
        .bind(p.kid.to_owned())
        .bind(p.jwt.to_owned())
        .bind(p.scope.to_owned())
        .bind(now_unix())
        .bind(p.expires_at)
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "permit.issue",
            "permit",
            p.id,
            json!({"application": p.application_id, "org": p.org_id, "kid": p.kid, "expires_at": p.expires_at}),
        )
        .await?;
        Ok(())
    }

    /// Revokes a permit with its reason; `Ok(false)` when it was revoked already.
    pub async fn revoke_permit(
        &mut self,
        src: &AuditSource,
        id: &str,
        reason: &str,
    ) -> Result<bool> {
        let done = sqlx::query("UPDATE permits SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
            .bind(now_unix())
            .bind(reason.to_owned())
            .bind(id.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
        if done == 1 {
            self.audit(
                src,
                "permit.revoke",
                "permit",
                id,
                json!({"reason": reason}),
            )
            .await?;
        }
        Ok(done == 1)
    }

    /// Marks a permit replaced by the permit of its amendment; `Ok(false)` when it was
    /// replaced already.
    pub async fn supersede_permit(
        &mut self,
        src: &AuditSource,
        id: &str,
        by: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE permits SET superseded_by = $1 WHERE id = $2 AND superseded_by IS NULL",
        )
        .bind(by.to_owned())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            self.audit(src, "permit.supersede", "permit", id, json!({"by": by}))
                .await?;
        }
        Ok(done == 1)
    }
}

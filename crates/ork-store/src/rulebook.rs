//! Rulebook versions the platform has run with, and their snapshots.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// A recorded rulebook version (without its snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulebookVersion {
    pub version: String,
    pub published: String,
    pub sha256: String,
    /// Unix seconds when the platform first ran with it.
    pub first_seen: i64,
}

/// What recording a version found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RulebookRecord {
    /// First time: recorded, with an audit event.
    New,
    /// Already recorded with the same content.
    Known,
    /// Recorded earlier with other content: a published version must not change.
    Changed { recorded: RulebookVersion },
}

impl WriteTx {
    /// Records `version` with its snapshot unless it is known; refuses nothing itself, but
    /// says when the same version number was recorded with other content.
    pub async fn record_rulebook_version(
        &mut self,
        src: &AuditSource,
        version: &str,
        published: &str,
        snapshot: &str,
    ) -> Result<RulebookRecord> {
        let sha = hex::encode(Sha256::digest(snapshot.as_bytes()));
        let row = sqlx::query(
            "SELECT version, published, sha256, first_seen FROM rulebook_versions WHERE version = $1",
        )
        .bind(version.to_owned())
        .fetch_optional(self.conn())
        .await?;
        if let Some(r) = row {
            let recorded = RulebookVersion {
                version: r.try_get("version")?,
                published: r.try_get("published")?,
                sha256: r.try_get("sha256")?,
                first_seen: r.try_get("first_seen")?,
            };
            return Ok(if recorded.sha256 == sha {
                RulebookRecord::Known
            } else {
                RulebookRecord::Changed { recorded }
            });
        }
        sqlx::query("INSERT INTO rulebook_versions (version, published, sha256, snapshot, first_seen) VALUES ($1, $2, $3, $4, $5)")
            .bind(version.to_owned())
            .bind(published.to_owned())
            .bind(sha.clone())
            .bind(snapshot.to_owned())
            .bind(now_unix())
            .execute(self.conn())
            .await?;
        self.audit(
            src,
            "rules.version.record",
            "rulebook_version",
            version,
            json!({"published": published, "sha256": sha}),
        )
        .await?;
        Ok(RulebookRecord::New)
    }
}

impl Store {
    /// Every recorded version, oldest first.
    pub async fn rulebook_versions(&self) -> Result<Vec<RulebookVersion>> {
        let rows = sqlx::query(
            "SELECT version, published, sha256, first_seen FROM rulebook_versions ORDER BY first_seen, version",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RulebookVersion {
                    version: r.try_get("version")?,
                    published: r.try_get("published")?,
                    sha256: r.try_get("sha256")?,
                    first_seen: r.try_get("first_seen")?,
                })
            })
            .collect()
    }

    /// The snapshot (JSON text) of a recorded version.
    pub async fn rulebook_snapshot(&self, version: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT snapshot FROM rulebook_versions WHERE version = $1")
            .bind(version.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("snapshot")?),
            None => None,
        })
    }
}

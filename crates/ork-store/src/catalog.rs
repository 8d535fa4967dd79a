//! The catalog's state: stewards' versions of documentation pages and users' baskets.
//! The catalog's content itself is data in the repository (`ork-catalog`); what changes
//! at run time is kept here, every change with its audit event.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// One saved version of a source's documentation (both languages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocVersion {
    pub source_id: String,
    /// 1, 2, … (0 is the page shipped in the repository).
    pub version: i64,
    pub body_da: String,
    pub body_en: String,
    pub note: String,
    pub author: String,
    pub org_id: String,
    pub created_at: i64,
}

/// A steward's edit, made against the version they started from.
#[derive(Debug, Clone)]
pub struct DocEdit<'a> {
    pub source_id: &'a str,
    /// The version the steward edited; the save is refused if another was saved since.
    pub base_version: i64,
    pub body_da: &'a str,
    pub body_en: &'a str,
    pub note: &'a str,
    pub author_user_id: i64,
    pub author: &'a str,
    pub org_id: &'a str,
}

/// What happened to an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocSave {
    Saved {
        version: i64,
    },
    /// Someone saved version `current` after the steward's base; nothing was written.
    Conflict {
        current: i64,
    },
}

const DOC_COLUMNS: &str = "source_id, version, body_da, body_en, note, author, org_id, created_at";

fn doc_from_row(row: &AnyRow) -> Result<DocVersion> {
    Ok(DocVersion {
        source_id: row.try_get("source_id")?,
        version: row.try_get("version")?,
        body_da: row.try_get("body_da")?,
        body_en: row.try_get("body_en")?,
        note: row.try_get("note")?,
        author: row.try_get("author")?,
        org_id: row.try_get("org_id")?,
        created_at: row.try_get("created_at")?,
    })
}

fn sha256(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

impl WriteTx {
    /// Saves a new version of a source's documentation, with its audit event (author,
    /// organisation, version, the hashes of both texts and the note).
    pub async fn save_doc_version(
        &mut self,
        src: &AuditSource,
        e: &DocEdit<'_>,
    ) -> Result<DocSave> {
        let current: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) AS v FROM catalog_doc_versions WHERE source_id = $1",
        )
        .bind(e.source_id.to_owned())
        .fetch_one(self.conn())
        .await?
        .try_get("v")?;
        if current != e.base_version {
            return Ok(DocSave::Conflict { current });
        }
        let version = current + 1;
        sqlx::query(
            "INSERT INTO catalog_doc_versions (source_id, version, body_da, body_en, note, author_user_id, author, org_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(e.source_id.to_owned())
        .bind(version)
        .bind(e.body_da.to_owned())
        .bind(e.body_en.to_owned())
        .bind(e.note.to_owned())
        .bind(e.author_user_id)
        .bind(e.author.to_owned())
        .bind(e.org_id.to_owned())
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "catalog.doc.edit",
            "catalog_source",
            e.source_id,
            json!({
                "version": version,
                "note": e.note,
                "sha256_da": sha256(e.body_da),
                "sha256_en": sha256(e.body_en),
            }),
        )
        .await?;
        Ok(DocSave::Saved { version })
    }

    /// Adds a source to the user's basket; `false` when it was already there.
    pub async fn basket_add(
        &mut self,
        src: &AuditSource,
        user_id: i64,
        source_id: &str,
    ) -> Result<bool> {
        let exists =
            sqlx::query("SELECT 1 AS x FROM catalog_basket WHERE user_id = $1 AND source_id = $2")
                .bind(user_id)
                .bind(source_id.to_owned())
                .fetch_optional(self.conn())
                .await?
                .is_some();
        if exists {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO catalog_basket (user_id, source_id, added_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(source_id.to_owned())
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "catalog.basket.add",
            "catalog_source",
            source_id,
            json!({}),
        )
        .await?;
        Ok(true)
    }

    /// Removes a source from the user's basket; `false` when it was not there.
    pub async fn basket_remove(
        &mut self,
        src: &AuditSource,
        user_id: i64,
        source_id: &str,
    ) -> Result<bool> {
        let n = sqlx::query("DELETE FROM catalog_basket WHERE user_id = $1 AND source_id = $2")
            .bind(user_id)
            .bind(source_id.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "catalog.basket.remove",
                "catalog_source",
                source_id,
                json!({}),
            )
            .await?;
        }
        Ok(n > 0)
    }
}

impl Store {
    /// Every saved version of a source's documentation, newest first.
    pub async fn doc_versions(&self, source_id: &str) -> Result<Vec<DocVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOC_COLUMNS} FROM catalog_doc_versions WHERE source_id = $1 ORDER BY version DESC"
        ))
        .bind(source_id.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(doc_from_row).collect()
    }

    /// The newest saved version of every edited source.
    pub async fn current_docs(&self) -> Result<Vec<DocVersion>> {
        let rows = sqlx::query(&format!(
            "SELECT {DOC_COLUMNS} FROM catalog_doc_versions d WHERE version = (SELECT MAX(version) FROM catalog_doc_versions e WHERE e.source_id = d.source_id) ORDER BY source_id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(doc_from_row).collect()
    }

    /// The sources in a user's basket, in the order they were added.
    pub async fn basket(&self, user_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT source_id FROM catalog_basket WHERE user_id = $1 ORDER BY added_at, source_id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>("source_id")?))
            .collect()
    }
}

//! Uploaded files: the bytes, their type as checked from the content, and their SHA-256.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use ork_domain::OrgId;
use serde_json::json;
use sqlx::Row;

/// A file to keep.
#[derive(Debug, Clone, Copy)]
pub struct NewUpload<'a> {
    pub id: &'a str,
    pub user_id: i64,
    pub org_id: Option<&'a OrgId>,
    pub filename: &'a str,
    pub media_type: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
}

/// A kept file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: String,
    pub user_id: i64,
    pub org_id: Option<String>,
    pub filename: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: i64,
}

impl WriteTx {
    /// Keeps a file; the audit event names it, its type, size and hash, never its content.
    pub async fn create_upload(&mut self, src: &AuditSource, u: &NewUpload<'_>) -> Result<()> {
        let size = i64::try_from(u.content.len()).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO uploads (id, user_id, org_id, filename, media_type, size, sha256, content, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(u.id.to_owned())
        .bind(u.user_id)
        .bind(u.org_id.map(ToString::to_string))
        .bind(u.filename.to_owned())
        .bind(u.media_type.to_owned())
        .bind(size)
        .bind(u.sha256.to_owned())
        .bind(u.content.to_vec())
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "upload.create",
            "upload",
            u.id,
            json!({"filename": u.filename, "media_type": u.media_type, "size": size, "sha256": u.sha256}),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// The uploads a user may name in answers: their own and their organisations'.
    pub async fn uploads_for(&self, user_id: i64, orgs: &[OrgId]) -> Result<Vec<Upload>> {
        let mut q = String::from(
            "SELECT id, user_id, org_id, filename, media_type, size, sha256, created_at FROM uploads WHERE user_id = $1",
        );
        if !orgs.is_empty() {
            let marks: Vec<String> = (2..orgs.len() + 2).map(|i| format!("${i}")).collect();
            q.push_str(&format!(" OR org_id IN ({})", marks.join(", ")));
        }
        q.push_str(" ORDER BY created_at DESC, id");
        let mut query = sqlx::query(&q).bind(user_id);
        for o in orgs {
            query = query.bind(o.to_string());
        }
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| {
                Ok(Upload {
                    id: r.try_get(0)?,
                    user_id: r.try_get(1)?,
                    org_id: r.try_get(2)?,
                    filename: r.try_get(3)?,
                    media_type: r.try_get(4)?,
                    size: r.try_get(5)?,
                    sha256: r.try_get(6)?,
                    created_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// A file's bytes with its record.
    pub async fn upload_content(&self, id: &str) -> Result<Option<(String, String, Vec<u8>)>> {
        let row = sqlx::query("SELECT filename, media_type, content FROM uploads WHERE id = $1")
            .bind(id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()
    }
}

use crate::{AuditSource, Result, Store, StoreError, WriteTx, now_unix};
use ork_domain::{OrgId, OrgKind};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An organisation on the platform: an authority, a university or hospital, a company, a
/// foreign organisation, or the platform operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name_da: String,
    pub name_en: String,
    pub created_at: i64,
}

/// What it takes to add an organisation.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name_da: String,
    pub name_en: String,
}

fn org_from_row(row: &AnyRow) -> Result<Organisation> {
    let id: String = row.try_get("id")?;
    let kind: String = row.try_get("kind")?;
    let role: Option<String> = row.try_get("authority_role")?;
    Ok(Organisation {
        id: OrgId::parse(&id)
            .map_err(|e| StoreError::Corrupt(format!("organisation id {id:?}: {e}")))?,
        kind: OrgKind::parse(&kind, role.as_deref())
            .map_err(|e| StoreError::Corrupt(format!("organisation {id}: {e}")))?,
        name_da: row.try_get("name_da")?,
        name_en: row.try_get("name_en")?,
        created_at: row.try_get("created_at")?,
    })
}

impl WriteTx {
    /// Adds an organisation. `Conflict` if the id is taken.
    pub async fn create_org(&mut self, src: &AuditSource, org: &NewOrganisation) -> Result<()> {
        if org.name_da.trim().is_empty() || org.name_en.trim().is_empty() {
            return Err(StoreError::Invalid(
                "an organisation needs a Danish and an English name".into(),
            ));
        }
        sqlx::query("INSERT INTO organisations (id, kind, authority_role, name_da, name_en, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(org.id.as_str().to_owned())
            .bind(org.kind.code())
            .bind(org.kind.authority_role().map(|r| r.code()))
            .bind(org.name_da.trim().to_owned())
            .bind(org.name_en.trim().to_owned())
            .bind(now_unix())
            .execute(self.conn())
            .await
            .map_err(|e| StoreError::conflict_on_unique(e, format!("organisation {}", org.id)))?;
        self.audit(
            src,
            "organisation.create",
            "organisation",
            org.id.as_str(),
            json!({"kind": org.kind.code(), "authority_role": org.kind.authority_role().map(|r| r.code()), "name_da": org.name_da, "name_en": org.name_en}),
        )
        .await?;
        Ok(())
    }

    pub async fn org_exists(&mut self, id: &OrgId) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM organisations WHERE id = $1")
            .bind(id.as_str().to_owned())
            .fetch_one(self.conn())
            .await?;
        Ok(row.try_get::<i64, _>("n")? > 0)
    }
}

impl Store {
    pub async fn list_orgs(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, kind, authority_role, name_da, name_en, created_at FROM organisations ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    pub async fn get_org(&self, id: &OrgId) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT id, kind, authority_role, name_da, name_en, created_at FROM organisations WHERE id = $1")
            .bind(id.as_str().to_owned())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }
}

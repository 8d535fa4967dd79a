//! Quick tests as the platform keeps them: every answered quick test per user and
//! organisation (the query log behind the differencing check and the monthly statement),
//! and saved cohorts with stable ids. Each write appends its audit event.

use crate::{AuditSource, Result, Store, StoreError, WriteTx, now_unix};
use ork_domain::OrgId;
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A quick test to log, as answered.
#[derive(Debug, Clone)]
pub struct NewQuickTest<'a> {
    pub user_id: i64,
    pub org_id: &'a OrgId,
    pub cohort_id: Option<&'a str>,
    pub definition: &'a str,
    pub index_id: &'a str,
    /// The shown numbers' sizes and fingerprints, JSON.
    pub shown: &'a str,
    /// The answer as shown (no exact counts of hidden numbers), JSON.
    pub result: &'a str,
    pub tariff: &'a str,
    pub price_list: &'a str,
    pub price_ore: i64,
}

/// A logged quick test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickTest {
    pub id: i64,
    pub user_id: i64,
    pub user_email: String,
    pub org_id: OrgId,
    pub asked_at: i64,
    pub month: String,
    pub cohort_id: Option<String>,
    pub definition: String,
    pub index_id: String,
    pub shown: String,
    pub result: String,
    pub tariff: String,
    pub price_list: String,
    pub price_ore: i64,
}

/// A cohort to save.
#[derive(Debug, Clone, Copy)]
pub struct NewCohort<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub definition: &'a str,
    pub owner_user_id: i64,
    pub org_id: &'a OrgId,
    pub shared: bool,
}

/// A saved cohort.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCohort {
    pub id: String,
    pub name: String,
    pub definition: String,
    pub owner_user_id: i64,
    pub owner_email: String,
    pub org_id: OrgId,
    /// Visible to everyone in the organisation, not only the owner.
    pub shared: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// `YYYY-MM` of a Unix time (UTC).
pub fn month_of(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}-{:02}", t.year(), t.month() as u8)
}

/// An organisation id as stored.
fn org(id: String) -> Result<OrgId> {
    OrgId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))
}

const QT_COLUMNS: &str = "q.id, q.user_id, u.email, q.org_id, q.asked_at, q.month, q.cohort_id, q.definition, q.index_id, q.shown, q.result, q.tariff, q.price_list, q.price_ore";

fn qt_from_row(r: &AnyRow) -> Result<QuickTest> {
    Ok(QuickTest {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        user_email: r.try_get(2)?,
        org_id: org(r.try_get(3)?)?,
        asked_at: r.try_get(4)?,
        month: r.try_get(5)?,
        cohort_id: r.try_get(6)?,
        definition: r.try_get(7)?,
        index_id: r.try_get(8)?,
        shown: r.try_get(9)?,
        result: r.try_get(10)?,
        tariff: r.try_get(11)?,
        price_list: r.try_get(12)?,
        price_ore: r.try_get(13)?,
    })
}

const COHORT_COLUMNS: &str = "c.id, c.name, c.definition, c.owner_user_id, u.email, c.org_id, c.shared, c.created_at, c.updated_at";

fn cohort_from_row(r: &AnyRow) -> Result<SavedCohort> {
    Ok(SavedCohort {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        definition: r.try_get(2)?,
        owner_user_id: r.try_get(3)?,
        owner_email: r.try_get(4)?,
        org_id: org(r.try_get(5)?)?,
        shared: r.try_get::<i64, _>(6)? != 0,
        created_at: r.try_get(7)?,
        updated_at: r.try_get(8)?,
    })
}

impl WriteTx {
    /// Logs an answered quick test and its price, with its audit event (which names the
    /// organisation charged, the price and the definition's size, never counts).
    pub async fn log_quicktest(&mut self, src: &AuditSource, q: &NewQuickTest<'_>) -> Result<i64> {
        let now = now_unix();
        let row = sqlx::query(
            "INSERT INTO quicktests (user_id, org_id, asked_at, month, cohort_id, definition, index_id, shown, result, tariff, price_list, price_ore) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(q.user_id)
        .bind(q.org_id.to_string())
        .bind(now)
        .bind(month_of(now))
        .bind(q.cohort_id.map(str::to_owned))
        .bind(q.definition.to_owned())
        .bind(q.index_id.to_owned())
        .bind(q.shown.to_owned())
        .bind(q.result.to_owned())
        .bind(q.tariff.to_owned())
        .bind(q.price_list.to_owned())
        .bind(q.price_ore)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get("id")?;
        self.audit(
            src,
            "quicktest.run",
            "quicktest",
            &id.to_string(),
            json!({
                "org": q.org_id.as_str(), "cohort": q.cohort_id, "tariff": q.tariff,
                "price_ore": q.price_ore, "price_list": q.price_list,
                "definition_bytes": q.definition.len(), "index": q.index_id,
            }),
        )
        .await?;
        Ok(id)
    }

    /// Saves a cohort under a new stable id.
    pub async fn save_cohort(&mut self, src: &AuditSource, c: &NewCohort<'_>) -> Result<()> {
        let NewCohort {
            id,
            name,
            definition,
            owner_user_id,
            org_id,
            shared,
        } = *c;
        let now = now_unix();
        sqlx::query("INSERT INTO cohorts (id, name, definition, owner_user_id, org_id, shared, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(id.to_owned())
            .bind(name.to_owned())
            .bind(definition.to_owned())
            .bind(owner_user_id)
            .bind(org_id.to_string())
            .bind(i64::from(shared))
            .bind(now)
            .execute(self.conn())
            .await?;
        self.audit(
            src,
            "cohort.save",
            "cohort",
            id,
            json!({"name": name, "org": org_id.as_str(), "shared": shared, "definition_bytes": definition.len()}),
        )
        .await?;
        Ok(())
    }

    /// Renames a cohort or changes its sharing (its definition never changes). Only the
    /// owner may; `Ok(false)` when there is no such cohort of theirs.
    pub async fn update_cohort(
        &mut self,
        src: &AuditSource,
        id: &str,
        owner_user_id: i64,
        name: &str,
        shared: bool,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE cohorts SET name = $1, shared = $2, updated_at = $3 WHERE id = $4 AND owner_user_id = $5",
        )
        .bind(name.to_owned())
        .bind(i64::from(shared))
        .bind(now_unix())
        .bind(id.to_owned())
        .bind(owner_user_id)
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        self.audit(
            src,
            "cohort.update",
            "cohort",
            id,
            json!({"name": name, "shared": shared}),
        )
        .await?;
        Ok(true)
    }
}

impl Store {
    /// A user's latest quick tests, newest last, at most `limit`.
    pub async fn user_quicktests(&self, user_id: i64, limit: i64) -> Result<Vec<QuickTest>> {
        let rows = sqlx::query(&format!(
            "SELECT {QT_COLUMNS} FROM quicktests q JOIN users u ON u.id = q.user_id WHERE q.user_id = $1 ORDER BY q.id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut out = rows.iter().map(qt_from_row).collect::<Result<Vec<_>>>()?;
        out.reverse();
        Ok(out)
    }

    /// An organisation's quick tests in a month (`YYYY-MM`), in order: its statement.
    pub async fn org_quicktests(&self, org_id: &OrgId, month: &str) -> Result<Vec<QuickTest>> {
        let rows = sqlx::query(&format!(
            "SELECT {QT_COLUMNS} FROM quicktests q JOIN users u ON u.id = q.user_id WHERE q.org_id = $1 AND q.month = $2 ORDER BY q.id"
        ))
        .bind(org_id.to_string())
        .bind(month.to_owned())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(qt_from_row).collect()
    }

    /// The months in which an organisation ran quick tests, newest first.
    pub async fn org_quicktest_months(&self, org_id: &OrgId) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT month FROM quicktests WHERE org_id = $1 ORDER BY month DESC",
        )
        .bind(org_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    pub async fn quicktest_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM quicktests")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }

    /// A cohort by id, whoever may see it (the platform's own use: a permit's population).
    pub async fn saved_cohort(&self, id: &str) -> Result<Option<SavedCohort>> {
        sqlx::query(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts c JOIN users u ON u.id = c.owner_user_id WHERE c.id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(cohort_from_row)
        .transpose()
    }

    /// A cohort, if `user_id` may see it: the owner's, or shared in one of `orgs`.
    pub async fn cohort_for(
        &self,
        id: &str,
        user_id: i64,
        orgs: &[OrgId],
    ) -> Result<Option<SavedCohort>> {
        let row = sqlx::query(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts c JOIN users u ON u.id = c.owner_user_id WHERE c.id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let c = cohort_from_row(&row)?;
        Ok((c.owner_user_id == user_id || (c.shared && orgs.contains(&c.org_id))).then_some(c))
    }

    /// The cohorts a user may see: their own and those shared in their organisations,
    /// newest first.
    pub async fn cohorts_for(&self, user_id: i64, orgs: &[OrgId]) -> Result<Vec<SavedCohort>> {
        let rows = sqlx::query(&format!(
            "SELECT {COHORT_COLUMNS} FROM cohorts c JOIN users u ON u.id = c.owner_user_id WHERE c.owner_user_id = $1 OR c.shared = 1 ORDER BY c.created_at DESC, c.id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        let all = rows
            .iter()
            .map(cohort_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(all
            .into_iter()
            .filter(|c| c.owner_user_id == user_id || orgs.contains(&c.org_id))
            .collect())
    }
}

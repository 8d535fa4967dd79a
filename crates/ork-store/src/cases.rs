//! Decided cases: the history behind the roadmap's expected durations.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;

/// One decided case of a rulebook step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedCase {
    pub rule: String,
    pub authority: String,
    pub days: i64,
    /// approved | rejected
    pub outcome: String,
    pub synthetic: bool,
}

impl WriteTx {
    /// Records decided cases in one go, with one audit event naming how many and whether
    /// they are a generated seed.
    pub async fn record_decided_cases(
        &mut self,
        src: &AuditSource,
        cases: &[DecidedCase],
    ) -> Result<()> {
        let now = now_unix();
        for c in cases {
            sqlx::query("INSERT INTO decided_cases (rule, authority, days, outcome, decided_at, synthetic) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(c.rule.clone())
                .bind(c.authority.clone())
                .bind(c.days)
                .bind(c.outcome.clone())
                .bind(now)
                .bind(i64::from(c.synthetic))
                .execute(self.conn())
                .await?;
        }
        let synthetic = cases.iter().filter(|c| c.synthetic).count();
        self.audit(
            src,
            "rules.cases.record",
            "decided_cases",
            &cases.len().to_string(),
            json!({"cases": cases.len(), "synthetic": synthetic}),
        )
        .await?;
        Ok(())
    }
}

impl Store {
    /// Every decided case as (rule, days).
    /// Every decided case as (rule, days, generated seed or not).
    pub async fn decided_case_days(&self) -> Result<Vec<(String, i64, bool)>> {
        let rows = sqlx::query("SELECT rule, days, synthetic FROM decided_cases ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get::<String, _>("rule")?,
                    r.try_get::<i64, _>("days")?,
                    r.try_get::<i64, _>("synthetic")? != 0,
                ))
            })
            .collect()
    }

    pub async fn decided_case_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM decided_cases")
            .fetch_one(self.pool())
            .await?
            .try_get("n")?)
    }
}

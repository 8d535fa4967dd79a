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

/// A precedent the platform's own decisions add to the register (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedPrecedent {
    pub id: String,
    pub part_id: String,
    pub rule: String,
    pub authority: String,
    /// ISO date.
    pub decided: String,
    pub outcome: String,
    pub applicant_kind: String,
    pub datasets: Vec<String>,
    pub summary: (String, String),
    pub reasons: (String, String),
}

impl Store {
    /// Every precedent the platform's decisions added, newest first.
    pub async fn decided_precedents(&self) -> Result<Vec<DecidedPrecedent>> {
        let rows = sqlx::query(
            "SELECT id, part_id, rule, authority, decided, outcome, applicant_kind, datasets, summary_da, summary_en, reasons_da, reasons_en \
             FROM decided_precedents ORDER BY decided DESC, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let ds: String = r.try_get(7)?;
                Ok(DecidedPrecedent {
                    id: r.try_get(0)?,
                    part_id: r.try_get(1)?,
                    rule: r.try_get(2)?,
                    authority: r.try_get(3)?,
                    decided: r.try_get(4)?,
                    outcome: r.try_get(5)?,
                    applicant_kind: r.try_get(6)?,
                    datasets: serde_json::from_str(&ds).map_err(|_| {
                        crate::StoreError::Corrupt(format!("precedent datasets: {ds:?}"))
                    })?,
                    summary: (r.try_get(8)?, r.try_get(9)?),
                    reasons: (r.try_get(10)?, r.try_get(11)?),
                })
            })
            .collect()
    }
}

impl WriteTx {
    /// Adds a decision's precedent (once a part: a second call for the part is ignored).
    pub async fn record_precedent(
        &mut self,
        src: &AuditSource,
        p: &DecidedPrecedent,
    ) -> Result<()> {
        let n = sqlx::query(
            "INSERT INTO decided_precedents (id, part_id, rule, authority, decided, outcome, applicant_kind, datasets, summary_da, summary_en, reasons_da, reasons_en) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (part_id) DO NOTHING",
        )
        .bind(p.id.clone())
        .bind(p.part_id.clone())
        .bind(p.rule.clone())
        .bind(p.authority.clone())
        .bind(p.decided.clone())
        .bind(p.outcome.clone())
        .bind(p.applicant_kind.clone())
        .bind(serde_json::to_string(&p.datasets).unwrap_or_else(|_| "[]".into()))
        .bind(p.summary.0.clone())
        .bind(p.summary.1.clone())
        .bind(p.reasons.0.clone())
        .bind(p.reasons.1.clone())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(
                src,
                "precedent.record",
                "precedent",
                &p.id,
                serde_json::json!({"rule": p.rule, "outcome": p.outcome}),
            )
            .await?;
        }
        Ok(())
    }
}

//! Clients' authorisations of consultancies (agents) to apply on their behalf.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An authorisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAuthorisation {
    pub id: String,
    pub client_org: String,
    pub agent_org: String,
    /// `application` or `everything`.
    pub sees: String,
    pub granted_by: i64,
    pub granted_at: i64,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, client_org, agent_org, sees, granted_by, granted_at, revoked_at";

fn from_row(r: &AnyRow) -> Result<ClientAuthorisation> {
    Ok(ClientAuthorisation {
        id: r.try_get(0)?,
        client_org: r.try_get(1)?,
        agent_org: r.try_get(2)?,
        sees: r.try_get(3)?,
        granted_by: r.try_get(4)?,
        granted_at: r.try_get(5)?,
        revoked_at: r.try_get(6)?,
    })
}

impl Store {
    /// The authorisations where one of `orgs` is the client or the agent, newest first.
    pub async fn client_authorisations(&self, orgs: &[String]) -> Result<Vec<ClientAuthorisation>> {
        if orgs.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=orgs.len()).map(|i| format!("${i}")).collect();
        let marks = marks.join(", ");
        let sql = format!(
            "SELECT {COLUMNS} FROM client_authorisations WHERE client_org IN ({marks}) OR agent_org IN ({marks}) ORDER BY granted_at DESC, id"
        );
        let mut q = sqlx::query(&sql);
        for o in orgs {
            q = q.bind(o.clone());
        }
        q.fetch_all(self.pool())
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    pub async fn client_authorisation(&self, id: &str) -> Result<Option<ClientAuthorisation>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM client_authorisations WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }

    /// The client's authorisation of the agent in force, if any.
    pub async fn active_authorisation(
        &self,
        client_org: &str,
        agent_org: &str,
    ) -> Result<Option<ClientAuthorisation>> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM client_authorisations WHERE client_org = $1 AND agent_org = $2 AND revoked_at IS NULL ORDER BY granted_at DESC LIMIT 1"
        ))
        .bind(client_org.to_owned())
        .bind(agent_org.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
    }
}

impl WriteTx {
    /// Authorises `agent_org` for `client_org`; an authorisation in force between them is
    /// replaced (revoked, and this one granted).
    pub async fn authorise_agent(
        &mut self,
        src: &AuditSource,
        a: &ClientAuthorisation,
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "UPDATE client_authorisations SET revoked_at = $1, revoked_by = $2 WHERE client_org = $3 AND agent_org = $4 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(a.granted_by)
        .bind(a.client_org.clone())
        .bind(a.agent_org.clone())
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO client_authorisations (id, client_org, agent_org, sees, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id.clone())
        .bind(a.client_org.clone())
        .bind(a.agent_org.clone())
        .bind(a.sees.clone())
        .bind(a.granted_by)
        .bind(now)
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "client.authorise",
            "client_authorisation",
            &a.id,
            json!({"client": a.client_org, "agent": a.agent_org, "sees": a.sees}),
        )
        .await?;
        Ok(())
    }

    /// Revokes an authorisation; `Ok(false)` when it was revoked already.
    pub async fn revoke_authorisation(
        &mut self,
        src: &AuditSource,
        id: &str,
        by: i64,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE client_authorisations SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind(now_unix())
        .bind(by)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n == 1 {
            self.audit(src, "client.revoke", "client_authorisation", id, json!({}))
                .await?;
        }
        Ok(n == 1)
    }
}

//! Workspaces as the platform keeps them: one a project, its data orders (one per controller
//! of a permit), its immutable snapshots, its query log and the controllers' regimes. Every
//! change appends its audit event; a query is audited with its SQL text and row count.

use crate::{AuditSource, Result, Store, WriteTx, now_unix};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A workspace as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: String,
    pub application_id: String,
    pub org_id: String,
    pub title: String,
    /// `provisioning`, `ready`, `frozen`, `archived` or `deleted`.
    pub state: String,
    pub permit_id: String,
    /// The permit's cohort definition, JSON.
    pub population: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub progress_table: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When its permit ended and it froze.
    pub frozen_at: Option<i64>,
    /// Until when a frozen workspace is kept.
    pub retain_until: Option<i64>,
    /// When it was deleted or archived.
    pub ended_at: Option<i64>,
    /// The archive package's folder name, when archived.
    pub archive: Option<String>,
}

/// A workspace to create.
#[derive(Debug, Clone, Copy)]
pub struct NewWorkspace<'a> {
    pub id: &'a str,
    pub application_id: &'a str,
    pub org_id: &'a str,
    pub title: &'a str,
    pub permit_id: &'a str,
    pub population: &'a str,
}

/// A data order as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataOrder {
    pub id: String,
    pub workspace_id: String,
    pub permit_id: String,
    pub controller: String,
    /// `awaiting_sign_off`, `delivering`, `delivered` or `suspended`.
    pub state: String,
    /// JSON.
    pub description: String,
    pub created_at: i64,
    pub signed_off_by: Option<i64>,
    pub signed_off_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub suspended_by: Option<i64>,
    pub suspended_at: Option<i64>,
    pub suspend_reason: Option<String>,
}

/// A data order to create.
#[derive(Debug, Clone, Copy)]
pub struct NewDataOrder<'a> {
    pub id: &'a str,
    pub workspace_id: &'a str,
    pub permit_id: &'a str,
    pub controller: &'a str,
    /// Whether the controller's regime delivers without a sign-off.
    pub automatic: bool,
    pub description: &'a str,
}

/// A snapshot as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub workspace_id: String,
    pub number: i64,
    pub permit_id: String,
    pub registers: String,
    /// JSON.
    pub tables: String,
    pub created_at: i64,
}

/// A logged query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedQuery {
    pub id: i64,
    pub workspace_id: String,
    pub user_id: i64,
    pub user_email: String,
    pub snapshot: Option<i64>,
    pub sql: String,
    /// `ok`, `refused`, `failed`, `timeout`, `cancelled` (a Flight SQL client stopped
    /// reading) or `running` (a Flight SQL stream not finished).
    pub outcome: String,
    /// `console` or `flight_sql`.
    pub via: String,
    pub row_count: i64,
    pub millis: i64,
    pub at: i64,
}

/// A query to log.
#[derive(Debug, Clone, Copy)]
pub struct NewQuery<'a> {
    pub workspace_id: &'a str,
    pub user_id: i64,
    pub snapshot: Option<i64>,
    pub sql: &'a str,
    pub outcome: &'a str,
    /// Where the query came from: `console` (the API and the page) or `flight_sql`.
    pub via: &'a str,
    pub row_count: i64,
    pub millis: i64,
}

const WORKSPACE_COLUMNS: &str = "id, application_id, org_id, title, state, permit_id, population, progress_done, progress_total, progress_table, last_error, created_at, updated_at, frozen_at, retain_until, ended_at, archive";

fn workspace_from_row(r: &AnyRow) -> Result<Workspace> {
    Ok(Workspace {
        id: r.try_get(0)?,
        application_id: r.try_get(1)?,
        org_id: r.try_get(2)?,
        title: r.try_get(3)?,
        state: r.try_get(4)?,
        permit_id: r.try_get(5)?,
        population: r.try_get(6)?,
        progress_done: r.try_get(7)?,
        progress_total: r.try_get(8)?,
        progress_table: r.try_get(9)?,
        last_error: r.try_get(10)?,
        created_at: r.try_get(11)?,
        updated_at: r.try_get(12)?,
        frozen_at: r.try_get(13)?,
        retain_until: r.try_get(14)?,
        ended_at: r.try_get(15)?,
        archive: r.try_get(16)?,
    })
}

const ORDER_COLUMNS: &str = "id, workspace_id, permit_id, controller, state, description, created_at, signed_off_by, signed_off_at, delivered_at, suspended_by, suspended_at, suspend_reason";

fn order_from_row(r: &AnyRow) -> Result<DataOrder> {
    Ok(DataOrder {
        id: r.try_get(0)?,
        workspace_id: r.try_get(1)?,
        permit_id: r.try_get(2)?,
        controller: r.try_get(3)?,
        state: r.try_get(4)?,
        description: r.try_get(5)?,
        created_at: r.try_get(6)?,
        signed_off_by: r.try_get(7)?,
        signed_off_at: r.try_get(8)?,
        delivered_at: r.try_get(9)?,
        suspended_by: r.try_get(10)?,
        suspended_at: r.try_get(11)?,
        suspend_reason: r.try_get(12)?,
    })
}

fn snapshot_from_row(r: &AnyRow) -> Result<Snapshot> {
    Ok(Snapshot {
        workspace_id: r.try_get(0)?,
        number: r.try_get(1)?,
        permit_id: r.try_get(2)?,
        registers: r.try_get(3)?,
        tables: r.try_get(4)?,
        created_at: r.try_get(5)?,
    })
}

impl Store {
    pub async fn workspace(&self, id: &str) -> Result<Option<Workspace>> {
        sqlx::query(&format!(
            "SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(workspace_from_row)
        .transpose()
    }

    pub async fn workspace_of_application(
        &self,
        application_id: &str,
    ) -> Result<Option<Workspace>> {
        sqlx::query(&format!(
            "SELECT {WORKSPACE_COLUMNS} FROM workspaces WHERE application_id = $1"
        ))
        .bind(application_id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(workspace_from_row)
        .transpose()
    }

    /// Every workspace, newest first.
    pub async fn workspaces(&self) -> Result<Vec<Workspace>> {
        sqlx::query(&format!(
            "SELECT {WORKSPACE_COLUMNS} FROM workspaces ORDER BY created_at DESC, id"
        ))
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(workspace_from_row)
        .collect()
    }

    /// Records a provisioning job's progress (not a state change: the job's start and its
    /// snapshot are audited).
    pub async fn set_workspace_progress(
        &self,
        id: &str,
        done: i64,
        total: i64,
        table: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE workspaces SET progress_done = $1, progress_total = $2, progress_table = $3, \
             last_error = $4 WHERE id = $5",
        )
        .bind(done)
        .bind(total)
        .bind(table.map(str::to_owned))
        .bind(error.map(str::to_owned))
        .bind(id.to_owned())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn data_order(&self, id: &str) -> Result<Option<DataOrder>> {
        sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM data_orders WHERE id = $1"
        ))
        .bind(id.to_owned())
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(order_from_row)
        .transpose()
    }

    /// A workspace's data orders, oldest first.
    pub async fn data_orders_of(&self, workspace_id: &str) -> Result<Vec<DataOrder>> {
        sqlx::query(&format!(
            "SELECT {ORDER_COLUMNS} FROM data_orders WHERE workspace_id = $1 ORDER BY created_at, id"
        ))
        .bind(workspace_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(order_from_row)
        .collect()
    }

    /// The data orders to these controllers, newest first, in one state or all.
    pub async fn data_orders_to(
        &self,
        controllers: &[String],
        state: Option<&str>,
    ) -> Result<Vec<DataOrder>> {
        if controllers.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..controllers.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let q = format!(
            "SELECT {ORDER_COLUMNS} FROM data_orders WHERE ($1 = '' OR state = $1) \
             AND controller IN ({}) ORDER BY created_at DESC, id",
            marks.join(", ")
        );
        let mut query = sqlx::query(&q).bind(state.unwrap_or_default().to_owned());
        for c in controllers {
            query = query.bind(c.clone());
        }
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(order_from_row)
            .collect()
    }

    /// The workspaces with an order signed off and not yet delivered: provisioning to do
    /// (also after a restart).
    pub async fn workspaces_to_provision(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT workspace_id FROM data_orders WHERE state = 'delivering' ORDER BY workspace_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// A workspace's snapshots, oldest first.
    pub async fn snapshots(&self, workspace_id: &str) -> Result<Vec<Snapshot>> {
        sqlx::query(
            "SELECT workspace_id, number, permit_id, registers, tables, created_at \
             FROM workspace_snapshots WHERE workspace_id = $1 ORDER BY number",
        )
        .bind(workspace_id.to_owned())
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(snapshot_from_row)
        .collect()
    }

    /// The project's query log, newest first, at most `limit` entries.
    pub async fn workspace_queries(
        &self,
        workspace_id: &str,
        limit: i64,
    ) -> Result<Vec<LoggedQuery>> {
        let rows = sqlx::query(
            "SELECT q.id, q.workspace_id, q.user_id, u.email, q.snapshot, q.sql_text, q.outcome, \
             q.row_count, q.millis, q.at, q.via FROM workspace_queries q JOIN users u ON u.id = q.user_id \
             WHERE q.workspace_id = $1 ORDER BY q.id DESC LIMIT $2",
        )
        .bind(workspace_id.to_owned())
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LoggedQuery {
                    id: r.try_get(0)?,
                    workspace_id: r.try_get(1)?,
                    user_id: r.try_get(2)?,
                    user_email: r.try_get(3)?,
                    snapshot: r.try_get(4)?,
                    sql: r.try_get(5)?,
                    outcome: r.try_get(6)?,
                    row_count: r.try_get(7)?,
                    millis: r.try_get(8)?,
                    at: r.try_get(9)?,
                    via: r.try_get(10)?,
                })
            })
            .collect()
    }

    /// A dataset's regime as its stewards set it (JSON), if they did.
    pub async fn dataset_regime(&self, source_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT regime FROM dataset_regimes WHERE source_id = $1")
            .bind(source_id.to_owned())
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}

impl WriteTx {
    pub async fn create_workspace(
        &mut self,
        src: &AuditSource,
        w: &NewWorkspace<'_>,
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO workspaces (id, application_id, org_id, title, state, permit_id, population, \
             progress_done, progress_total, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'provisioning', $5, $6, 0, 0, $7, $7)",
        )
        .bind(w.id.to_owned())
        .bind(w.application_id.to_owned())
        .bind(w.org_id.to_owned())
        .bind(w.title.to_owned())
        .bind(w.permit_id.to_owned())
        .bind(w.population.to_owned())
        .bind(now)
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "workspace.create",
            "workspace",
            w.id,
            json!({"application": w.application_id, "permit": w.permit_id}),
        )
        .await?;
        Ok(())
    }

    /// Freezes a workspace whose permit has ended (`why`: `expired` or `revoked`), to be
    /// kept until `retain_until`. Only a ready or provisioning workspace freezes.
    pub async fn freeze_workspace(
        &mut self,
        src: &AuditSource,
        id: &str,
        why: &str,
        retain_until: i64,
    ) -> Result<bool> {
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE workspaces SET state = 'frozen', frozen_at = $1, retain_until = $2, updated_at = $1 \
             WHERE id = $3 AND state IN ('ready', 'provisioning')",
        )
        .bind(now)
        .bind(retain_until)
        .bind(id.to_owned())
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.audit(
            src,
            "workspace.frozen",
            "workspace",
            id,
            json!({"reason": why, "retain_until": retain_until}),
        )
        .await?;
        Ok(true)
    }

    /// Ends a frozen workspace: `deleted` (its data key destroyed) or `archived` (handed
    /// over as the package `archive`, then its key destroyed); `details` go to the audit
    /// trail.
    pub async fn end_workspace(
        &mut self,
        src: &AuditSource,
        id: &str,
        archive: Option<&str>,
        details: serde_json::Value,
    ) -> Result<()> {
        let state = if archive.is_some() {
            "archived"
        } else {
            "deleted"
        };
        let now = now_unix();
        let done = sqlx::query(
            "UPDATE workspaces SET state = $1, ended_at = $2, archive = $3, updated_at = $2 \
             WHERE id = $4 AND state = 'frozen'",
        )
        .bind(state)
        .bind(now)
        .bind(archive.map(str::to_owned))
        .bind(id.to_owned())
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::StoreError::Invalid(format!(
                "workspace {id} is not frozen"
            )));
        }
        self.audit(src, &format!("workspace.{state}"), "workspace", id, details)
            .await?;
        Ok(())
    }

    /// Points a workspace at a new permit (an amendment's) and its population; the data
    /// orders of the new permit follow.
    pub async fn repermit_workspace(
        &mut self,
        src: &AuditSource,
        id: &str,
        permit_id: &str,
        population: &str,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE workspaces SET permit_id = $1, population = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(permit_id.to_owned())
        .bind(population.to_owned())
        .bind(now_unix())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "workspace.permit",
            "workspace",
            id,
            json!({"permit": permit_id}),
        )
        .await?;
        Ok(())
    }

    pub async fn create_data_order(
        &mut self,
        src: &AuditSource,
        o: &NewDataOrder<'_>,
    ) -> Result<()> {
        let state = if o.automatic {
            "delivering"
        } else {
            "awaiting_sign_off"
        };
        sqlx::query(
            "INSERT INTO data_orders (id, workspace_id, permit_id, controller, state, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(o.id.to_owned())
        .bind(o.workspace_id.to_owned())
        .bind(o.permit_id.to_owned())
        .bind(o.controller.to_owned())
        .bind(state)
        .bind(o.description.to_owned())
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "data_order.create",
            "data_order",
            o.id,
            json!({"workspace": o.workspace_id, "permit": o.permit_id, "controller": o.controller, "state": state}),
        )
        .await?;
        Ok(())
    }

    /// Orders of a workspace's earlier permits are withdrawn when a new permit replaces them:
    /// `suspended` by no one (a steward's suspension always names the steward), with the
    /// reason `replaced`. Their delivered data stay in the snapshots that hold them.
    pub async fn withdraw_data_orders(
        &mut self,
        src: &AuditSource,
        workspace_id: &str,
        except_permit: &str,
    ) -> Result<u64> {
        let n = sqlx::query(
            "UPDATE data_orders SET state = 'suspended', suspended_at = $1, suspend_reason = 'replaced' \
             WHERE workspace_id = $2 AND permit_id <> $3 AND state <> 'suspended'",
        )
        .bind(now_unix())
        .bind(workspace_id.to_owned())
        .bind(except_permit.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if n > 0 {
            self.audit(
                src,
                "data_order.replace",
                "workspace",
                workspace_id,
                json!({"orders": n, "permit": except_permit}),
            )
            .await?;
        }
        Ok(n)
    }

    /// A steward signs an order off (or lifts a suspension): it is delivered next.
    /// `Ok(false)` when the order was not awaiting sign-off or suspended.
    pub async fn sign_off_data_order(
        &mut self,
        src: &AuditSource,
        id: &str,
        user_id: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE data_orders SET state = 'delivering', signed_off_by = $1, signed_off_at = $2, \
             suspended_by = NULL, suspended_at = NULL, suspend_reason = NULL \
             WHERE id = $3 AND (state = 'awaiting_sign_off' OR (state = 'suspended' AND suspended_by IS NOT NULL))",
        )
        .bind(user_id)
        .bind(now_unix())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            // Signing off lifts the controller's suspension of the project's earlier orders
            // too: their data is the project's again.
            let lifted = sqlx::query(
                "UPDATE data_orders SET suspended_by = NULL, suspend_reason = 'replaced' \
                 WHERE state = 'suspended' AND id <> $1 \
                 AND workspace_id = (SELECT workspace_id FROM data_orders WHERE id = $1) \
                 AND controller = (SELECT controller FROM data_orders WHERE id = $1)",
            )
            .bind(id.to_owned())
            .execute(self.conn())
            .await?
            .rows_affected();
            self.audit(
                src,
                "data_order.sign_off",
                "data_order",
                id,
                json!({"earlier_lifted": lifted}),
            )
            .await?;
        }
        Ok(done == 1)
    }

    /// A steward suspends the workspace's access to the order's data. `Ok(false)` when it
    /// was suspended already.
    pub async fn suspend_data_order(
        &mut self,
        src: &AuditSource,
        id: &str,
        user_id: i64,
        reason: &str,
    ) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE data_orders SET state = 'suspended', suspended_by = $1, suspended_at = $2, suspend_reason = $3 \
             WHERE id = $4 AND state <> 'suspended'",
        )
        .bind(user_id)
        .bind(now_unix())
        .bind(reason.to_owned())
        .bind(id.to_owned())
        .execute(self.conn())
        .await?
        .rows_affected();
        if done == 1 {
            self.audit(
                src,
                "data_order.suspend",
                "data_order",
                id,
                json!({"reason": reason}),
            )
            .await?;
        }
        Ok(done == 1)
    }

    /// Keeps a new snapshot of a workspace, marks the orders it delivers as delivered and
    /// the workspace ready. The snapshot's files are in place before this is called.
    pub async fn add_snapshot(
        &mut self,
        src: &AuditSource,
        s: &Snapshot,
        delivered: &[String],
    ) -> Result<()> {
        let now = now_unix();
        sqlx::query(
            "INSERT INTO workspace_snapshots (workspace_id, number, permit_id, registers, tables, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.workspace_id.clone())
        .bind(s.number)
        .bind(s.permit_id.clone())
        .bind(s.registers.clone())
        .bind(s.tables.clone())
        .bind(now)
        .execute(self.conn())
        .await?;
        for id in delivered {
            sqlx::query(
                "UPDATE data_orders SET state = 'delivered', delivered_at = $1 WHERE id = $2 AND state = 'delivering'",
            )
            .bind(now)
            .bind(id.clone())
            .execute(self.conn())
            .await?;
        }
        sqlx::query(
            "UPDATE workspaces SET state = CASE WHEN state = 'provisioning' THEN 'ready' ELSE state END, \
             progress_done = 0, progress_total = 0, progress_table = NULL, last_error = NULL, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(now)
        .bind(s.workspace_id.clone())
        .execute(self.conn())
        .await?;
        self.audit(
            src,
            "workspace.snapshot",
            "workspace",
            &s.workspace_id,
            json!({"snapshot": s.number, "permit": s.permit_id, "registers": s.registers, "orders": delivered}),
        )
        .await?;
        Ok(())
    }

    /// Logs a query in the project's log and the audit trail (user, workspace, SQL text,
    /// row count, outcome).
    pub async fn log_query(&mut self, src: &AuditSource, q: &NewQuery<'_>) -> Result<i64> {
        let at = now_unix();
        let row = sqlx::query(
            "INSERT INTO workspace_queries (workspace_id, user_id, snapshot, sql_text, outcome, row_count, millis, at, via) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(q.workspace_id.to_owned())
        .bind(q.user_id)
        .bind(q.snapshot)
        .bind(q.sql.to_owned())
        .bind(q.outcome.to_owned())
        .bind(q.row_count)
        .bind(q.millis)
        .bind(at)
        .bind(q.via.to_owned())
        .fetch_one(self.conn())
        .await?;
        let id: i64 = row.try_get(0)?;
        self.audit(
            src,
            "workspace.query",
            "workspace",
            q.workspace_id,
            json!({"query": id, "snapshot": q.snapshot, "sql": q.sql, "outcome": q.outcome, "rows": q.row_count, "via": q.via}),
        )
        .await?;
        Ok(id)
    }

    /// Records how a query logged when it started has ended (a Flight SQL stream: logged
    /// before any row leaves, finished when the client has read it or gone).
    pub async fn finish_query(
        &mut self,
        src: &AuditSource,
        workspace_id: &str,
        id: i64,
        outcome: &str,
        row_count: i64,
        millis: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE workspace_queries SET outcome = $1, row_count = $2, millis = $3 \
             WHERE id = $4 AND workspace_id = $5",
        )
        .bind(outcome.to_owned())
        .bind(row_count)
        .bind(millis)
        .bind(id)
        .bind(workspace_id.to_owned())
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Err(crate::StoreError::NotFound(format!("query {id}")));
        }
        self.audit(
            src,
            "workspace.query_finished",
            "workspace",
            workspace_id,
            json!({"query": id, "outcome": outcome, "rows": row_count}),
        )
        .await?;
        Ok(())
    }

    /// Sets a dataset's regime (JSON, checked by the caller).
    pub async fn set_dataset_regime(
        &mut self,
        src: &AuditSource,
        source_id: &str,
        regime: &str,
        user_id: Option<i64>,
    ) -> Result<()> {
        sqlx::query("DELETE FROM dataset_regimes WHERE source_id = $1")
            .bind(source_id.to_owned())
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO dataset_regimes (source_id, regime, set_by, set_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(source_id.to_owned())
        .bind(regime.to_owned())
        .bind(user_id)
        .bind(now_unix())
        .execute(self.conn())
        .await?;
        let regime: serde_json::Value = serde_json::from_str(regime).unwrap_or_default();
        self.audit(
            src,
            "dataset.regime",
            "dataset",
            source_id,
            json!({"regime": regime}),
        )
        .await?;
        Ok(())
    }
}

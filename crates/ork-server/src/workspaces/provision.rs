//! Provisioning: a permit becomes a workspace and one data order per controller; each order
//! signed off (or delivered automatically by its regime) is extracted into a new immutable
//! snapshot. The job is resumable: what it writes goes to a hidden folder renamed into place
//! when whole, and the snapshot counts only once the database records it, in the same
//! transaction that marks its orders delivered. After a crash, start-up removes what no
//! snapshot row names and the worker runs the job again.

use super::plan::{self, OrderDescription};
use crate::permits::service as permits;
use crate::{ApiError, AppState};
use ork_cases::permit::Scope;
use ork_store::{AuditSource, DataOrder, Snapshot, WriteTx};
use ork_workspace::Pseudonymiser;
use ork_workspace::extract::{self, Scope as ExtractScope};
use ork_workspace::regime::Regime;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// The provisioning worker's identity in the audit trail.
pub(crate) fn system() -> AuditSource {
    AuditSource {
        actor: Some("system:provisioning".into()),
        org: None,
        source: "provisioning".into(),
    }
}

/// The permit's population as a cohort definition: a saved cohort's definition as it stands
/// when the permit is issued (later edits of the cohort do not change the permit's data).
async fn population(state: &AppState, scope: &Scope) -> Result<Value, ApiError> {
    match &scope.population {
        Value::String(id) => {
            let cohort = state.store.saved_cohort(id).await?;
            match cohort {
                Some(c) => serde_json::from_str(&c.definition)
                    .map_err(|e| ApiError::from(anyhow::anyhow!("saved cohort {id}: {e}"))),
                // Not the whole registers: a definition that does not read, so nothing is
                // delivered and the job says why.
                None => Ok(json!({"missing_saved_cohort": id})),
            }
        }
        v => Ok(v.clone()),
    }
}

/// The regimes the controllers' stewards set for these datasets.
pub(super) async fn regimes(
    state: &AppState,
    scope: &Scope,
) -> Result<BTreeMap<String, Regime>, ApiError> {
    let mut out = BTreeMap::new();
    for d in &scope.datasets {
        if let Some(text) = state.store.dataset_regime(&d.id).await?
            && let Ok(r) = serde_json::from_str::<Regime>(&text)
        {
            out.insert(d.id.clone(), r);
        }
    }
    Ok(out)
}

/// Creates (or, for an amendment's permit, re-points) the project's workspace and one data
/// order per controller of the permit, in `tx`. Orders of an earlier permit not yet
/// delivered are withdrawn; the worker delivers the rest.
pub async fn on_permit(
    state: &AppState,
    tx: &mut WriteTx,
    src: &AuditSource,
    app: &ork_store::Application,
    permit_id: &str,
    scope: &Scope,
) -> Result<String, ApiError> {
    let population = population(state, scope).await?;
    let population_text = population.to_string();
    // An amendment is an application of its own: its project's workspace is the one of
    // the permit it amends (and so on back to the first application).
    let mut project = app.id.clone();
    let mut amends = app.amends.clone();
    while let Some(old) = amends {
        let Some(p) = state.store.permit(&old).await? else {
            break;
        };
        let Some(a) = state.store.application(&p.application_id).await? else {
            break;
        };
        project = a.id.clone();
        amends = a.amends.clone();
    }
    let ws_id = match state.store.workspace_of_application(&project).await? {
        Some(ws) => {
            tx.repermit_workspace(src, &ws.id, permit_id, &population_text)
                .await?;
            ws.id
        }
        None => {
            let id = crate::ids::new_id("wsp");
            tx.create_workspace(
                src,
                &ork_store::NewWorkspace {
                    id: &id,
                    application_id: &project,
                    org_id: app.org_id.as_str(),
                    title: &app.title,
                    permit_id,
                    population: &population_text,
                },
            )
            .await?;
            id
        }
    };
    // What the controllers signed off under the earlier permit: an unchanged order (a
    // re-issue that only removed a user, say) needs no second sign-off.
    let all = state.store.data_orders_of(&ws_id).await?;
    // A controller whose steward has suspended the project's access signs the new order off
    // whatever its regime says.
    let suspended: Vec<&str> = all
        .iter()
        .filter(|o| o.state == "suspended" && o.suspended_by.is_some())
        .map(|o| o.controller.as_str())
        .collect();
    let earlier: Vec<&DataOrder> = all
        .iter()
        .filter(|o| {
            o.permit_id != permit_id && matches!(o.state.as_str(), "delivering" | "delivered")
        })
        .collect();
    tx.withdraw_data_orders(src, &ws_id, permit_id).await?;
    let regimes = regimes(state, scope).await?;
    for order in plan::orders(scope, &population, &state.catalog.catalog, &regimes) {
        let description = serde_json::to_string(&order.description)
            .map_err(|e| ApiError::from(anyhow::anyhow!(e)))?;
        let signed_before = earlier
            .iter()
            .any(|o| o.controller == order.controller && o.description == description);
        tx.create_data_order(
            src,
            &ork_store::NewDataOrder {
                id: &crate::ids::new_id("ord"),
                workspace_id: &ws_id,
                permit_id,
                controller: &order.controller,
                automatic: (order.regime.automatic_delivery || signed_before)
                    && !suspended.contains(&order.controller.as_str()),
                description: &description,
            },
        )
        .await?;
    }
    Ok(ws_id)
}

/// Starts the worker: cleans up what a crash left, then looks for orders to deliver every
/// `every` (a sign-off also starts its job at once).
pub fn spawn_worker(state: AppState, every: Duration) {
    if state.workspaces.storage().is_none() {
        return;
    }
    tokio::spawn(async move {
        // Under the writers' slot, so no job or upload writes while leftovers are removed.
        if let Ok(_slot) = state.workspaces.slot.acquire().await
            && let Err(e) = recover(&state).await
        {
            tracing::error!(error = %e, "cleaning up unfinished snapshots failed");
        }
        loop {
            if let Err(e) = super::lifecycle::sweep(&state, ork_store::now_unix()).await {
                tracing::warn!(error = %e, "cannot look for workspaces to freeze or end");
            }
            match due(&state).await {
                Ok(ids) => {
                    for id in ids {
                        kick(&state, &id);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot look for data orders to deliver"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// The workspaces with work to do: orders signed off and not delivered, and ready
/// workspaces whose newest snapshot was cut from an earlier release of the registers (a
/// refresh).
async fn due(state: &AppState) -> anyhow::Result<Vec<String>> {
    let mut ids = state.store.workspaces_to_provision().await?;
    let current = state
        .quicktests
        .dir()
        .and_then(crate::quicktests::registers_id);
    if let Some(current) = current {
        for ws in state.store.workspaces().await? {
            if ws.state != "ready" || ids.contains(&ws.id) || !serves(state, &ws).await? {
                continue;
            }
            let stale = state
                .store
                .snapshots(&ws.id)
                .await?
                .last()
                .is_some_and(|s| s.registers != current);
            if stale {
                ids.push(ws.id);
            }
        }
    }
    Ok(ids)
}

/// Whether the workspace's permit is active: a revoked, expired or replaced permit gets no
/// more data.
async fn serves(state: &AppState, ws: &ork_store::Workspace) -> anyhow::Result<bool> {
    Ok(state
        .store
        .permit(&ws.permit_id)
        .await?
        .is_some_and(|p| permit_active(&p)))
}

/// Runs the provisioning job of a workspace in the background (once more after the running
/// one, if one runs).
pub fn kick(state: &AppState, workspace: &str) {
    if !state.workspaces.claim(workspace) {
        return;
    }
    let state = state.clone();
    let ws = workspace.to_owned();
    tokio::spawn(async move {
        loop {
            let result = match state.workspaces.slot.acquire().await {
                // In a task of its own, so a panic is an error here and the claim is
                // released.
                Ok(_slot) => {
                    let (s, w) = (state.clone(), ws.clone());
                    match tokio::spawn(async move { provision(&s, &w).await }).await {
                        Ok(r) => r,
                        Err(e) => Err(anyhow::anyhow!("the provisioning job failed: {e}")),
                    }
                }
                Err(_) => Err(anyhow::anyhow!("the job slots are closed")),
            };
            if let Err(e) = result {
                let message = format!("{e:#}");
                tracing::warn!(workspace = %ws, error = %message, "provisioning did not finish; it is tried again");
                let _ = state
                    .store
                    .set_workspace_progress(&ws, 0, 0, None, Some(&message))
                    .await
                    .inspect_err(
                        |e| tracing::warn!(error = %e, "cannot record the provisioning error"),
                    );
            }
            if !state.workspaces.release(&ws) {
                break;
            }
        }
    });
}

/// Removes snapshot folders no snapshot row names: staged `.N.partial` folders a crash left,
/// and whole snapshots published before their row was committed.
pub async fn recover(state: &AppState) -> anyhow::Result<usize> {
    let Some(storage) = state.workspaces.storage() else {
        return Ok(0);
    };
    let mut removed = 0;
    for (ws, folders) in storage.snapshot_folders().await? {
        let known: Vec<i64> = state
            .store
            .snapshots(&ws)
            .await?
            .iter()
            .map(|s| s.number)
            .collect();
        for name in folders {
            let keep = name.parse::<i64>().is_ok_and(|n| known.contains(&n));
            if !keep {
                tracing::info!(workspace = %ws, folder = %name, "removing an unfinished snapshot");
                storage.remove_snapshot(&ws, &name).await?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// The orders of the workspace's current permit whose data it holds or is about to.
fn current_orders<'a>(ws: &ork_store::Workspace, orders: &'a [DataOrder]) -> Vec<&'a DataOrder> {
    orders
        .iter()
        .filter(|o| {
            o.permit_id == ws.permit_id && matches!(o.state.as_str(), "delivering" | "delivered")
        })
        .collect()
}

/// The persons of a population, as the registers write their CPR numbers.
fn persons(state: &AppState, population: &Value) -> anyhow::Result<Option<Vec<String>>> {
    if population.is_null() {
        return Ok(None);
    }
    let loaded = state
        .quicktests
        .index()
        .ok_or_else(|| anyhow::anyhow!("the registers' index is not ready yet"))?;
    let cohort = ork_quicktest::cohort::from_value(population)
        .map_err(|e| anyhow::anyhow!("the permit's population does not read as a cohort: {e:?}"))?;
    let set = ork_quicktest::engine::evaluate(&loaded.index, &cohort).set;
    Ok(Some(
        set.iter()
            .map(|i| format!("{:010}", loaded.index.pnr[i as usize]))
            .collect(),
    ))
}

/// One run of a workspace's provisioning job: every table of the current permit's
/// delivering and delivered orders into a new snapshot.
pub async fn provision(state: &AppState, ws_id: &str) -> anyhow::Result<()> {
    let Some(ws) = state.store.workspace(ws_id).await? else {
        return Ok(());
    };
    let all = state.store.data_orders_of(ws_id).await?;
    let orders = current_orders(&ws, &all);
    let delivering: Vec<String> = orders
        .iter()
        .filter(|o| o.state == "delivering")
        .map(|o| o.id.clone())
        .collect();
    if !matches!(ws.state.as_str(), "provisioning" | "ready") || !serves(state, &ws).await? {
        return Ok(());
    }
    let registers = state
        .quicktests
        .dir()
        .ok_or_else(|| anyhow::anyhow!("no registers are configured"))?
        .to_path_buf();
    let registers_id = crate::quicktests::registers_id(&registers)
        .ok_or_else(|| anyhow::anyhow!("the registers have no manifest"))?;
    let earlier = state.store.snapshots(&ws.id).await?;
    // A new release of the registers refreshes what was delivered, within the same scope.
    let refresh = earlier.last().is_some_and(|s| s.registers != registers_id);
    if delivering.is_empty() && !refresh {
        return Ok(());
    }
    if state
        .quicktests
        .index()
        .is_some_and(|ix| ix.id != registers_id)
    {
        anyhow::bail!("the registers' index is being rebuilt for their new release");
    }
    let population: Value = serde_json::from_str(&ws.population)?;
    let persons = persons(state, &population)?;
    let keys = state
        .workspaces
        .keys()
        .ok_or_else(|| anyhow::anyhow!("no master key is configured"))?;
    let pseudonymiser = Pseudonymiser::new(&keys.project_key(&ws.id)?);
    // The workspace's data key, made with its first snapshot: every file is sealed under it.
    let sealing = keys.data_key(&ws.id, true)?;
    let storage = state
        .workspaces
        .storage()
        .ok_or_else(|| anyhow::anyhow!("no workspace storage is configured"))?;
    let number = earlier.last().map_or(1, |s| s.number + 1);
    let tmp = storage.stage(&ws.id, number)?;
    let mut tables = Vec::new();
    for o in &orders {
        let d: OrderDescription = serde_json::from_str(&o.description)?;
        tables.extend(d.tables().map(|t| (o.id.clone(), t.clone())));
    }
    let total = tables.len() as i64;
    let src = system();
    let mut described = Vec::new();
    for (i, (order, t)) in tables.iter().enumerate() {
        state
            .store
            .set_workspace_progress(&ws.id, i as i64, total, Some(&t.name), None)
            .await?;
        let scope = ExtractScope {
            tables: vec![t.scope()],
            persons: persons.clone(),
        };
        let written = extract::extract(&registers, &tmp, &scope, &pseudonymiser, &sealing).await?;
        for w in written {
            described.push(json!({
                "name": w.table,
                "order": order,
                "columns": columns_of(&t.table, &w.columns),
                "rows": w.rows,
                "sealed": true,
            }));
        }
    }
    // The project's own data stays in every later snapshot.
    if let Some(prev) = earlier.last() {
        let kept: Vec<super::service::SnapshotTable> = serde_json::from_str(&prev.tables)?;
        for t in kept.into_iter().filter(|t| t.order == "own") {
            let file = format!("{}.parquet", t.name);
            storage
                .carry(&ws.id, prev.number, number, &tmp, &file)
                .await?;
            described.push(serde_json::to_value(&t)?);
        }
    }
    state
        .store
        .set_workspace_progress(&ws.id, total, total, None, None)
        .await?;
    storage.publish(&ws.id, number, &tmp).await?;
    let snapshot = Snapshot {
        workspace_id: ws.id.clone(),
        number,
        permit_id: ws.permit_id.clone(),
        registers: registers_id,
        tables: Value::Array(described).to_string(),
        created_at: 0,
    };
    let commit = async {
        let mut tx = state.store.write().await?;
        tx.add_snapshot(&src, &snapshot, &delivering).await?;
        tx.commit().await?;
        anyhow::Ok(())
    };
    if let Err(e) = commit.await {
        // Not recorded: the files must not outlive the failure.
        let _ = storage.remove_snapshot(&ws.id, &number.to_string()).await;
        return Err(e);
    }
    tracing::info!(workspace = %ws.id, snapshot = number, tables = total, "workspace provisioned");
    Ok(())
}

/// The columns of a table as written: names with their types (CPR columns hold pseudonyms,
/// as text).
fn columns_of(table: &str, columns: &[String]) -> Value {
    let schema = ork_schema::tables::TABLES.iter().find(|t| t.name == table);
    Value::Array(
        columns
            .iter()
            .map(|c| {
                let kind = if extract::is_cpr_column(c) || extract::is_key_column(c) {
                    "pseudonym"
                } else {
                    schema
                        .and_then(|t| t.find(c))
                        .map_or("string", |x| x.kind.name())
                };
                json!({"name": c, "type": kind})
            })
            .collect(),
    )
}

/// Whether the permit still allows work in its workspace.
pub fn permit_active(p: &ork_store::Permit) -> bool {
    permits::status(p, ork_store::now_unix()) == "active"
}

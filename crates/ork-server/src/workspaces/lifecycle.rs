//! The end of a workspace (issue 18, item 9; seed 000: storage until the legal need ends or
//! hand-over to the national archives).
//!
//! - When its permit expires or is revoked, a workspace **freezes**. The project can no
//!   longer enter it. The output checkers of its controllers and the auditors may still
//!   read it, with a valid certification.
//! - It is kept until `retain_until`: the shortest retention of its datasets' regimes,
//!   counted from the freeze.
//! - Then it ends as its regimes say. Either it is **deleted** by destroying its data key
//!   (crypto-shredding: every copy of its files is unreadable from then on), or it is
//!   **archived**: exported as a package for the national archives, then deleted the same
//!   way.
//!
//! Every step is in the audit trail. The worker sweeps every few seconds
//! (`provision::spawn_worker`).

use super::plan::regime_of;
use super::provision::{regimes, system};
use super::service::{SnapshotTable, tables_of};
use crate::AppState;
use ork_cases::permit::Scope;
use ork_store::Workspace;
use ork_workspace::regime::{AtEnd, Regime};
use ork_workspace::{KeyError, Storage};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const DAY: i64 = 86_400;

/// Freezes the workspaces whose permits have ended, and ends those whose retention has
/// run out, as of `now`.
pub async fn sweep(state: &AppState, now: i64) -> anyhow::Result<()> {
    for ws in state.store.workspaces().await? {
        match ws.state.as_str() {
            "ready" | "provisioning" => freeze_if_ended(state, &ws, now).await?,
            "frozen" if ws.retain_until.is_some_and(|t| t <= now) => {
                if let Err(e) = end(state, &ws).await {
                    tracing::error!(workspace = %ws.id, error = %e, "ending a workspace failed; it stays frozen and is tried again");
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The workspace's regime: the strictest of its permit's datasets' regimes.
pub(crate) async fn regime(state: &AppState, ws: &Workspace) -> anyhow::Result<(Regime, Scope)> {
    let permit = state
        .store
        .permit(&ws.permit_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("workspace {}: no permit {}", ws.id, ws.permit_id))?;
    let scope: Scope = serde_json::from_str(&permit.scope)?;
    let set = regimes(state, &scope)
        .await
        .map_err(|e| anyhow::anyhow!("regimes: {}", e.code))?;
    let regime = scope
        .datasets
        .iter()
        .map(|d| regime_of(&state.catalog.catalog, &set, &d.id))
        .reduce(|a, b| a.strictest(&b))
        .unwrap_or_default();
    Ok((regime, scope))
}

async fn freeze_if_ended(state: &AppState, ws: &Workspace, now: i64) -> anyhow::Result<()> {
    let Some(permit) = state.store.permit(&ws.permit_id).await? else {
        return Ok(());
    };
    let why = crate::permits::service::status(&permit, now);
    if matches!(why, "active" | "superseded") {
        // A superseded permit's workspace follows its amendment's permit (re-pointed).
        return Ok(());
    }
    let (regime, _) = regime(state, ws).await?;
    let until = now.saturating_add(i64::from(regime.retention_days).saturating_mul(DAY));
    let mut tx = state.store.write().await?;
    if tx.freeze_workspace(&system(), &ws.id, why, until).await? {
        tx.commit().await?;
        tracing::info!(workspace = %ws.id, reason = why, "workspace frozen: its permit has ended");
        // Nothing runs on once the permit has ended.
        crate::jobs::stop_workspace(state, &ws.id).await?;
    }
    Ok(())
}

/// Deletes or archives a frozen workspace whose retention has run out.
async fn end(state: &AppState, ws: &Workspace) -> anyhow::Result<()> {
    let keys = state
        .workspaces
        .keys()
        .ok_or_else(|| anyhow::anyhow!("no master key is configured"))?;
    let storage = state
        .workspaces
        .storage()
        .ok_or_else(|| anyhow::anyhow!("no workspace storage is configured"))?;
    // No job or upload writes while the workspace goes.
    let _slot = state.workspaces.slot.acquire().await?;
    let (regime, _) = regime(state, ws).await?;
    let mut details = json!({"retention_days": regime.retention_days});
    let mut package = None;
    if regime.at_end == AtEnd::Archive {
        let archives = archives_dir(state)?;
        let name = format!("{}-{}", ws.id, crate::dates::date(ork_store::now_unix()));
        let out = archives.join(&name);
        if !out.exists() {
            let key = match keys.data_key(&ws.id, false) {
                Ok(key) => Ok(Some(key)),
                // Its files predate encryption at rest: plain.
                Err(KeyError::NoDataKey) => Ok(None),
                Err(e) => Err(e),
            };
            match key {
                Ok(key) => {
                    let manifest = export(state, ws, key.as_ref(), &archives, &name).await?;
                    details["manifest_sha256"] = Value::String(manifest);
                }
                Err(KeyError::Destroyed) => {
                    // Shredded before a crash recorded the end: nothing left to export.
                    details["archive_error"] = Value::String("data key already destroyed".into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        if out.exists() {
            details["package"] = Value::String(name.clone());
            package = Some(name);
        }
    }
    match keys.destroy_data_key(&ws.id) {
        Ok(()) | Err(KeyError::Destroyed) => {}
        Err(e) => return Err(e.into()),
    }
    details["data_key"] = Value::String("destroyed".into());
    // The files are unreadable now; they are removed too, so the storage is freed, and so
    // are the notebooks' folders and dummy twins the jobs kept on this server.
    storage.remove_workspace(&ws.id).await?;
    crate::jobs::stop_workspace(state, &ws.id).await?;
    crate::jobs::forget_workspace(state, &ws.id)?;
    let mut tx = state.store.write().await?;
    tx.end_workspace(&system(), &ws.id, package.as_deref(), details)
        .await?;
    tx.commit().await?;
    tracing::info!(workspace = %ws.id, archived = package.is_some(), "workspace ended: its data key is destroyed");
    Ok(())
}

/// Where archive packages are written: `archives` beside the workspaces' folder (or, with
/// object storage, beside its staging folder).
pub fn archives_dir(state: &AppState) -> anyhow::Result<PathBuf> {
    let local = match state.workspaces.storage() {
        Some(Storage::Local { root }) => root,
        Some(Storage::Object { staging, .. }) => staging,
        None => anyhow::bail!("no workspace storage is configured"),
    };
    Ok(local
        .parent()
        .map_or_else(|| local.join("archives"), |p| p.join("archives")))
}

fn sha256_file(file: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(file)?;
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// Writes the package `archives/NAME`: the newest snapshot's tables as plain Parquet
/// (pseudonymised; the key to the pseudonyms stays behind), `workspace.json` describing
/// them and the project, and `SHA256SUMS`. Written under a temporary name, renamed when
/// whole. Gives the manifest's SHA-256.
async fn export(
    state: &AppState,
    ws: &Workspace,
    key: Option<&ork_workspace::DataKey>,
    archives: &Path,
    name: &str,
) -> anyhow::Result<String> {
    let snapshots = state.store.snapshots(&ws.id).await?;
    let tmp = archives.join(format!(".{name}.partial"));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    std::fs::create_dir_all(tmp.join("tables"))?;
    let mut sums = Vec::new();
    let mut tables = Vec::new();
    if let Some(latest) = snapshots.last() {
        let storage = state
            .workspaces
            .storage()
            .ok_or_else(|| anyhow::anyhow!("no workspace storage is configured"))?;
        for t in tables_of(latest).map_err(|e| anyhow::anyhow!("snapshot: {}", e.code))? {
            let file = format!("tables/{}.parquet", t.name);
            let scratch = tmp.join(format!("{}.parquet.fetched", t.name));
            let (src, fetched) = storage
                .on_disk(
                    &ws.id,
                    latest.number,
                    &format!("{}.parquet", t.name),
                    &scratch,
                )
                .await?;
            let rows = match key.filter(|_| t.sealed) {
                Some(key) => ork_workspace::seal::unseal(&src, &tmp.join(&file), key)?,
                // Written before encryption at rest: already plain.
                None => {
                    std::fs::copy(&src, tmp.join(&file))?;
                    t.rows
                }
            };
            if fetched {
                std::fs::remove_file(&src)?;
            }
            let sum = sha256_file(&tmp.join(&file))?;
            sums.push(format!("{sum}  {file}"));
            tables.push(table_entry(&t, &file, rows, &sum));
        }
    }
    let orders: Vec<Value> = state
        .store
        .data_orders_of(&ws.id)
        .await?
        .into_iter()
        .map(|o| {
            json!({"id": o.id, "controller": o.controller, "state": o.state,
                   "description": serde_json::from_str::<Value>(&o.description).unwrap_or(Value::Null)})
        })
        .collect();
    let manifest = json!({
        "workspace": ws.id,
        "title": ws.title,
        "application": ws.application_id,
        "permit": ws.permit_id,
        "organisation": ws.org_id,
        "created_at": crate::dates::iso(ws.created_at),
        "frozen_at": ws.frozen_at.map(crate::dates::iso),
        "archived_at": crate::dates::iso(ork_store::now_unix()),
        "snapshot": snapshots.last().map(|s| s.number),
        "registers_release": snapshots.last().map(|s| s.registers.clone()),
        "tables": tables,
        "data_orders": orders,
        "pseudonymised": true,
        "note": "Every CPR number was replaced by the project's pseudonym; the key to the pseudonyms is not part of the package.",
    });
    let text = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(tmp.join("workspace.json"), &text)?;
    let manifest_sum = hex::encode(Sha256::digest(text.as_bytes()));
    sums.push(format!("{manifest_sum}  workspace.json"));
    std::fs::write(tmp.join("SHA256SUMS"), sums.join("\n") + "\n")?;
    std::fs::File::open(tmp.join("SHA256SUMS"))?.sync_all()?;
    std::fs::rename(&tmp, archives.join(name))?;
    Ok(manifest_sum)
}

fn table_entry(t: &SnapshotTable, file: &str, rows: u64, sum: &str) -> Value {
    json!({
        "name": t.name,
        "file": file,
        "order": t.order,
        "columns": t.columns,
        "rows": rows,
        "sha256": sum,
    })
}

//! A project's own data into its workspace: a member uploads a CSV or Parquet file with a
//! CPR column; it is checked row by row (nothing kept if any CPR number is bad),
//! pseudonymised with the project's key and added as `own_NAME` in a new snapshot beside
//! the delivered tables (which are linked in unchanged). The original bytes are never
//! written to disk. A controller's regime can forbid own data.

use super::plan::regime_of;
use super::service;
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_store::Snapshot;
use ork_workspace::Pseudonymiser;
use ork_workspace::own::{Format, OwnError, ingest};
use serde_json::{Value, json};

/// The largest own-data file taken.
pub const MAX_OWN_BYTES: usize = 64 * 1024 * 1024;

/// What was added.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct OwnDataBody {
    /// The table's name in SQL: `own_` and the name given.
    pub table: String,
    pub rows: u64,
    pub columns: Vec<super::api::ColumnBody>,
    /// The new snapshot that holds it (and every delivered table).
    pub snapshot: i64,
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 40
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn own_error(e: OwnError) -> ApiError {
    match e {
        OwnError::Empty => ApiError::invalid("own_empty", &[]),
        OwnError::NotUtf8 => ApiError::invalid("own_not_utf8", &[]),
        OwnError::NoCprColumn { found, delimiter } => {
            let found: Vec<String> = found
                .iter()
                .take(20)
                .map(|f| f.chars().take(60).collect())
                .collect();
            match delimiter {
                Some(d) => ApiError::invalid(
                    "own_no_cpr.delimiter",
                    &[("found", &found.join(", ")), ("delimiter", &d)],
                ),
                None => ApiError::invalid("own_no_cpr", &[("found", &found.join(", "))]),
            }
        }
        OwnError::BadCpr { rows, total } => {
            let list: Vec<String> = rows
                .iter()
                .map(|r| format!("{} ({})", r.row, r.column))
                .collect();
            ApiError::invalid(
                "own_bad_cpr",
                &[("total", &total), ("rows", &list.join(", "))],
            )
        }
        OwnError::DuplicateColumn(name) => ApiError::invalid(
            "own_duplicate_column",
            &[("name", &name.chars().take(60).collect::<String>())],
        ),
        OwnError::Ragged {
            row,
            found,
            expected,
        } => ApiError::invalid(
            "own_ragged",
            &[("row", &row), ("found", &found), ("expected", &expected)],
        ),
        OwnError::Csv(m) | OwnError::Parquet(m) => ApiError::invalid(
            "own_unreadable",
            &[("reason", &m.chars().take(300).collect::<String>())],
        ),
        OwnError::Write(m) => ApiError::from(anyhow::anyhow!("writing own data: {m}")),
    }
}

/// Adds a member's file to the workspace as `own_NAME`.
pub async fn upload(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    name: &str,
    filename: &str,
    bytes: &[u8],
) -> Result<OwnDataBody, ApiError> {
    if !valid_name(name) {
        return Err(ApiError::invalid("own_invalid_name", &[]));
    }
    let storage = state
        .workspaces
        .storage()
        .ok_or_else(service::unavailable)?;
    let e = service::enter_to_write(state, p, client, id).await?;
    let set = super::provision::regimes(state, &e.scope).await?;
    if let Some(d) = e
        .scope
        .datasets
        .iter()
        .find(|d| !regime_of(&state.catalog.catalog, &set, &d.id).own_data)
    {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "own_data_forbidden",
            &[("dataset", &d.id)],
        ));
    }
    let format =
        if bytes.starts_with(b"PAR1") || filename.to_ascii_lowercase().ends_with(".parquet") {
            Format::Parquet
        } else {
            Format::Csv
        };
    let table = format!("own_{name}");
    let keys = state.workspaces.keys().ok_or_else(service::unavailable)?;
    let pseudonymiser = Pseudonymiser::new(
        &keys
            .project_key(&e.ws.id)
            .map_err(|err| ApiError::from(anyhow::anyhow!(err)))?,
    );
    // One snapshot writer at a time: the provisioning jobs hold the same slot.
    let _slot = state
        .workspaces
        .slot
        .acquire()
        .await
        .map_err(|err| ApiError::from(anyhow::anyhow!(err)))?;
    let snapshots = state.store.snapshots(&e.ws.id).await?;
    let latest = snapshots
        .last()
        .ok_or_else(|| ApiError::of(StatusCode::CONFLICT, "workspace_not_ready", &[]))?;
    let number = latest.number + 1;
    let io = |err: std::io::Error| ApiError::from(anyhow::anyhow!(err));
    let tmp = storage.stage(&e.ws.id, number).map_err(io)?;
    let sealing = keys
        .data_key(&e.ws.id, false)
        .map_err(|err| ApiError::from(anyhow::anyhow!(err)))?;
    let result = async {
        let ingested = ingest(
            bytes,
            format,
            &tmp.join(format!("{table}.parquet")),
            &pseudonymiser,
            &sealing,
        )
        .map_err(own_error)?;
        let mut tables = Vec::new();
        for t in service::tables_of(latest)? {
            if t.name == table {
                continue;
            }
            let file = format!("{}.parquet", t.name);
            storage
                .carry(&e.ws.id, latest.number, number, &tmp, &file)
                .await
                .map_err(|err| ApiError::from(anyhow::anyhow!(err)))?;
            tables.push(serde_json::to_value(&t).map_err(|e| ApiError::from(anyhow::anyhow!(e)))?);
        }
        tables.push(json!({
            "name": table,
            "order": "own",
            "columns": ingested.columns.iter().map(|(n, k)| json!({"name": n, "type": k})).collect::<Vec<_>>(),
            "rows": ingested.rows,
            "sealed": true,
        }));
        storage
            .publish(&e.ws.id, number, &tmp)
            .await
            .map_err(|err| ApiError::from(anyhow::anyhow!(err)))?;
        Ok::<_, ApiError>((tables, ingested))
    }
    .await;
    let (tables, ingested) = match result {
        Ok(r) => r,
        Err(err) => {
            // Nothing of it stays: the staged folder, and what was carried or uploaded.
            let _ = storage
                .remove_snapshot(&e.ws.id, &format!(".{number}.partial"))
                .await;
            let _ = storage.remove_snapshot(&e.ws.id, &number.to_string()).await;
            return Err(err);
        }
    };
    let snapshot = Snapshot {
        workspace_id: e.ws.id.clone(),
        number,
        permit_id: e.ws.permit_id.clone(),
        registers: latest.registers.clone(),
        tables: Value::Array(tables).to_string(),
        created_at: 0,
    };
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(bytes))
    };
    let commit = async {
        let src = p.audit_source(client, None);
        let mut tx = state.store.write().await?;
        tx.add_snapshot(&src, &snapshot, &[]).await?;
        tx.audit(
            &src,
            "workspace.own_data",
            "workspace",
            &e.ws.id,
            json!({"table": table, "rows": ingested.rows, "snapshot": number, "sha256": sha, "bytes": bytes.len()}),
        )
        .await?;
        tx.commit().await?;
        anyhow::Ok(())
    };
    if let Err(err) = commit.await {
        let _ = storage.remove_snapshot(&e.ws.id, &number.to_string()).await;
        return Err(ApiError::from(err));
    }
    Ok(OwnDataBody {
        table,
        rows: ingested.rows,
        columns: ingested
            .columns
            .into_iter()
            .map(|(name, kind)| super::api::ColumnBody {
                name,
                kind: kind.to_owned(),
            })
            .collect(),
        snapshot: number,
    })
}

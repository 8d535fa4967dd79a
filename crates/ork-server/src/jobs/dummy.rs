//! A workspace's dummy twin (issue 20, item 4): the same tables, columns and types as its
//! latest snapshot, with synthetic rows — the delivered tables extracted by the same code and
//! the same scope from a small population of the register generator (under throwaway
//! pseudonyms), the project's own tables made from their recorded columns — so code written
//! outside on the twin runs inside unchanged. It holds nobody's data; it is made once per
//! snapshot and kept beside the jobs.

use crate::auth::{ClientAddr, Principal};
use crate::workspaces::plan::OrderDescription;
use crate::workspaces::service as workspaces;
use crate::{ApiError, AppState};
use ork_workspace::extract::{self, Scope as ExtractScope};
use ork_workspace::{KeyProvider, LocalMasterKey, Pseudonymiser};
use std::path::{Path, PathBuf};

/// The dummy population: the register generator's, at this size.
const PERSONS: u64 = 5_000;
/// Rows of the twin of one of the project's own tables.
const OWN_ROWS: usize = 500;

/// A made twin: its snapshot and folder of `<table>.parquet` files.
pub struct Twin {
    pub workspace: String,
    pub snapshot: i64,
    pub dir: PathBuf,
    pub tables: Vec<String>,
}

/// The twin of the workspace's latest snapshot, made when first asked for. For those who may
/// enter the workspace.
pub async fn twin(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    ws_id: &str,
) -> Result<Twin, ApiError> {
    let e = workspaces::enter(state, p, client, ws_id).await?;
    if matches!(state.jobs.availability, super::Availability::NotSetUp) {
        return Err(super::service::unavailable(state));
    }
    let (snapshot, tables) = workspaces::visible_tables(state, &e.ws.id, None).await?;
    let dir = state
        .jobs
        .scratch(&format!("dummy-{}-{}", e.ws.id, snapshot.number));
    let names: Vec<String> = tables.iter().map(|t| t.name.clone()).collect();
    let twin = Twin {
        workspace: e.ws.id.clone(),
        snapshot: snapshot.number,
        dir: dir.clone(),
        tables: names,
    };
    // One twin is made at a time; a second asker waits for it and finds it made.
    let _turn = state.jobs.dummy.lock().await;
    if dir.join(".made").exists() {
        return Ok(twin);
    }
    make(state, &e.ws.id, &tables, &dir)
        .await
        .map_err(|err| ApiError::from(anyhow::anyhow!("the dummy twin of {}: {err:#}", e.ws.id)))?;
    Ok(twin)
}

async fn make(
    state: &AppState,
    ws: &str,
    tables: &[workspaces::SnapshotTable],
    dir: &Path,
) -> anyhow::Result<()> {
    let registers = state.jobs.scratch("dummy-registers");
    if !registers.join("manifest.json").exists() {
        let out = registers.clone();
        tokio::task::spawn_blocking(move || {
            ork_registers::generate(&ork_registers::GenerateOptions {
                persons: PERSONS,
                seed: 2026,
                out,
                force: true,
                ..Default::default()
            })
        })
        .await??;
    }
    let tmp = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    let staging = tmp.join(".sealed");
    std::fs::create_dir_all(&staging)?;
    // Throwaway keys: the twin's pseudonyms are nobody's and match no workspace's.
    let keys = LocalMasterKey::from_hex(&LocalMasterKey::generate_hex())?;
    let pseudonymiser = Pseudonymiser::new(&keys.project_key("dummy")?);
    let sealing = keys.data_key("dummy", true)?;
    let orders = state.store.data_orders_of(ws).await?;
    for t in tables {
        let out = tmp.join(format!("{}.parquet", t.name));
        if t.order == "own" {
            let columns: Vec<(String, String)> = t
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.kind.clone()))
                .collect();
            // The same rows for the same table, at every download.
            let seed = t
                .name
                .bytes()
                .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
            ork_workspace::own::dummy(&out, &columns, OWN_ROWS, &[], seed)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            continue;
        }
        let Some(order) = orders.iter().find(|o| o.id == t.order) else {
            continue;
        };
        let d: OrderDescription = serde_json::from_str(&order.description)?;
        let Some(ot) = d.tables().find(|x| x.name == t.name) else {
            continue;
        };
        let scope = ExtractScope {
            tables: vec![ot.scope()],
            persons: None,
        };
        for w in extract::extract(&registers, &staging, &scope, &pseudonymiser, &sealing).await? {
            ork_workspace::seal::unseal(
                &w.file,
                &tmp.join(format!("{}.parquet", w.table)),
                &sealing,
            )?;
            std::fs::remove_file(&w.file)?;
        }
    }
    std::fs::remove_dir_all(&staging)?;
    std::fs::write(tmp.join("README.txt"), README)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&tmp, dir)?;
    std::fs::write(dir.join(".made"), "")?;
    Ok(())
}

const README: &str = "Dummy data of a Dataorkestrator workspace\n\
=========================================\n\
\n\
These tables have the workspace's names, columns and types, with synthetic rows: the\n\
delivered tables are extracted by the platform's own code from a small synthetic population\n\
under throwaway pseudonyms, the project's own tables are made from their recorded columns.\n\
They hold nobody's data. Develop your job against them, then run it here as the platform\n\
will:\n\
\n\
    orkestrator job run --dummy THIS_FOLDER job.toml\n\
\n\
and submit the same manifest and scripts in the workspace.\n\
\n\
Dummydata fra et analysemiljø i Dataorkestrator: samme tabeller, kolonner og typer som\n\
analysemiljøet, med syntetiske rækker. De indeholder ingens data.\n";

/// The twin as one ZIP file (stored, not compressed: Parquet is compressed already).
pub fn zip(t: &Twin) -> anyhow::Result<Vec<u8>> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut names: Vec<String> = t
        .tables
        .iter()
        .map(|n| format!("{n}.parquet"))
        .filter(|f| t.dir.join(f).is_file())
        .collect();
    names.push("README.txt".into());
    for name in names {
        z.start_file(name.as_str(), options)?;
        z.write_all(&std::fs::read(t.dir.join(&name))?)?;
    }
    Ok(z.finish()?.into_inner())
}

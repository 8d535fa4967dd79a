//! `orkestrator cluster`: the Apache DataFusion Ballista cluster that workspace queries can
//! run on (docs/workspaces.md, "Outgrowing one machine"). The executors are this program, so
//! they read the workspaces' sealed files with the platform's key provider; no key is ever
//! sent over the network.

use crate::config::Config;
use crate::ops::{master_key, workspace_storage};
use clap::Subcommand;
use ork_workspace::Storage;
use ork_workspace::cluster::{ExecutorSetup, executor, scheduler};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum ClusterCommand {
    /// Run a scheduler. The server sends workspace queries to it when its configuration says
    /// ballista_scheduler = "df://HOST:PORT".
    Scheduler {
        /// Address to listen on for the server and the executors.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50050")]
        listen: SocketAddr,
    },
    /// Run an executor: it takes tasks from the scheduler and reads the workspaces' sealed
    /// files with the master key (ORK_WORKSPACE_MASTER_KEY or the key file) and the keys
    /// folder, as the server does.
    Executor {
        /// The scheduler's address.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50050")]
        scheduler: SocketAddr,
        /// Address its Arrow Flight service listens on (the server and other executors
        /// fetch results there).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:50051")]
        listen: SocketAddr,
        /// Scratch folder for intermediate results. Default: DATA_DIR/cluster-work.
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Tasks it runs at once. Default: the machine's cores.
        #[arg(long)]
        cores: Option<usize>,
    },
}

/// The object store the cluster must reach, when workspaces are in object storage.
fn stores(config: &Config) -> anyhow::Result<Vec<ork_workspace::storage::ObjectStoreRef>> {
    Ok(match workspace_storage(config)? {
        Storage::Object { store, .. } => vec![store],
        Storage::Local { .. } => Vec::new(),
    })
}

pub async fn run(cmd: ClusterCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match cmd {
        ClusterCommand::Scheduler { listen } => {
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
            tracing::info!(%listen, "Ballista scheduler listening");
            scheduler(listener, stores(config)?)
                .await
                .map_err(|e| anyhow::anyhow!("the scheduler stopped: {e}"))?;
        }
        ClusterCommand::Executor {
            scheduler,
            listen,
            work_dir,
            cores,
        } => {
            let keys = master_key(config)?.ok_or_else(|| {
                anyhow::anyhow!(
                    "an executor reads sealed workspace files: set ORK_WORKSPACE_MASTER_KEY or write the key file {}",
                    config.workspace_key_file.display()
                )
            })?;
            let work_dir = work_dir.unwrap_or_else(|| config.data_dir.join("cluster-work"));
            std::fs::create_dir_all(&work_dir)?;
            let cores = cores.unwrap_or_else(|| {
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
            });
            tracing::info!(%scheduler, %listen, cores, "Ballista executor starting");
            executor(
                ExecutorSetup {
                    scheduler,
                    flight: listen,
                    work_dir,
                    cores,
                },
                Arc::new(keys),
                stores(config)?,
            )
            .await
            .map_err(|e| anyhow::anyhow!("the executor stopped: {e}"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `orkestrator workspace`: the operator's view of workspaces and their provisioning.

use clap::Subcommand;
use ork_store::Store;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum WorkspaceCommand {
    /// Every workspace: state, provisioning progress, snapshots and data orders.
    List,
}

pub async fn run(store: &Store, cmd: WorkspaceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        WorkspaceCommand::List => {
            let all = store.workspaces().await?;
            if all.is_empty() {
                println!("No workspaces.");
            }
            for w in all {
                let snapshots = store.snapshots(&w.id).await?;
                let orders = store.data_orders_of(&w.id).await?;
                let progress = if w.progress_total > 0 {
                    format!(
                        ", provisioning {}/{} tables{}",
                        w.progress_done,
                        w.progress_total,
                        w.progress_table
                            .as_deref()
                            .map(|t| format!(" (now {t})"))
                            .unwrap_or_default()
                    )
                } else {
                    String::new()
                };
                println!(
                    "{}  {}  {}{}, {} snapshot(s), permit {}",
                    w.id,
                    w.state,
                    w.title,
                    progress,
                    snapshots.len(),
                    w.permit_id
                );
                if let Some(e) = &w.last_error {
                    println!("    last error: {e}");
                }
                for o in orders.iter().filter(|o| o.permit_id == w.permit_id) {
                    println!("    order {}  {}  {}", o.id, o.controller, o.state);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

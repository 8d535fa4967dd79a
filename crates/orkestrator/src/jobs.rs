//! `orkestrator job run --dummy DIR MANIFEST`: a job run on this machine the way the platform
//! runs it in a workspace — the same manifest, the same sandbox, the same software and
//! limits — on the workspace's dummy twin (its tables with synthetic rows), so code is
//! developed outside and runs inside unchanged.

use clap::Subcommand;
use ork_jobs::job::{self, Layout, Outcome};
use ork_jobs::{Language, Manifest, Sandbox, Tools};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum JobCommand {
    /// Run a job on dummy data in the sandbox; print its log, then keep its outputs. Exits 0
    /// when it succeeded, 1 when it failed or was stopped, 2 on bad input or without a
    /// sandbox (a job never runs outside one).
    Run {
        /// The dummy data: a folder of `<table>.parquet` files (a workspace's dummy twin).
        #[arg(long, value_name = "DIR")]
        dummy: PathBuf,
        /// The job's manifest (job.toml); the scripts it names are read from its folder.
        #[arg(value_name = "MANIFEST")]
        manifest: PathBuf,
        /// Where the outputs go (default: `output` beside the manifest).
        #[arg(long, value_name = "DIR")]
        output: Option<PathBuf>,
        /// Earlier jobs' outputs the manifest names: a folder with one folder per job.
        #[arg(long, value_name = "DIR")]
        inputs: Option<PathBuf>,
    },
}

fn bad(m: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("orkestrator: {m}");
    Ok(ExitCode::from(2))
}

pub async fn run(c: JobCommand, config: &crate::config::Config) -> anyhow::Result<ExitCode> {
    let JobCommand::Run {
        dummy,
        manifest,
        output,
        inputs,
    } = c;
    let text = match std::fs::read_to_string(&manifest) {
        Ok(t) => t,
        Err(e) => return bad(format_args!("cannot read {}: {e}", manifest.display())),
    };
    let folder = manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    // The scripts: every step's, read from the manifest's folder.
    let steps = match ork_jobs::manifest::declared(&text) {
        Ok(d) => d.scripts,
        Err(e) => return bad(format_args!("{}: {e}", manifest.display())),
    };
    let mut scripts = BTreeMap::new();
    for s in steps {
        if !ork_jobs::manifest::is_file_name(&s) {
            return bad(format_args!("{s:?} is not a script's file name"));
        }
        match std::fs::read(folder.join(&s)) {
            Ok(b) => {
                scripts.insert(s, b);
            }
            Err(e) => {
                return bad(format_args!(
                    "cannot read {}: {e}",
                    folder.join(&s).display()
                ));
            }
        }
    }
    let m = match Manifest::parse(&text, &scripts) {
        Ok(m) => m,
        Err(e) => return bad(format_args!("{}: {e}", manifest.display())),
    };
    let missing: Vec<&str> = m
        .tables
        .iter()
        .map(String::as_str)
        .filter(|t| !dummy.join(format!("{t}.parquet")).is_file())
        .collect();
    if !missing.is_empty() {
        return bad(format_args!(
            "the dummy data in {} have no tables {}",
            dummy.display(),
            missing.join(", ")
        ));
    }
    let bounds = ork_server::jobs::service::bounds(&ork_workspace::regime::Regime::default());
    let limits = match m.resources.limits(&bounds) {
        Ok(l) => l,
        Err(e) => return bad(format_args!("{}: {e}", manifest.display())),
    };
    let tools = Tools::debian(config.analysis_env.clone(), config.jobs_dir.join("runtime"));
    if let Err(e) = job::prepare_root(&config.jobs_dir) {
        return bad(format_args!("{}: {e}", config.jobs_dir.display()));
    }
    let sandbox = match Sandbox::probe(tools).await {
        Ok(s) => s,
        Err(e) => {
            return bad(format_args!(
                "{e}; the job does not run outside the sandbox"
            ));
        }
    };
    if let Some(l) = job::missing_language(&sandbox, &m) {
        return bad(format_args!(
            "this machine does not offer {} in the sandbox",
            l.as_str()
        ));
    }
    let name = format!("local-{:016x}", rand::random::<u64>());
    let layout = Layout::create(config.jobs_dir.join(&name))?;
    let result = run_in(
        &sandbox,
        &layout,
        &m,
        &scripts,
        &dummy,
        inputs.as_deref(),
        &limits,
    )
    .await;
    let out_dir = output.unwrap_or_else(|| folder.join("output"));
    let kept = match &result {
        Ok(end) if end.outcome == Outcome::Succeeded => keep(end, &out_dir),
        _ => Ok(()),
    };
    let log = std::fs::read_to_string(layout.log()).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&layout.root);
    let end = result?;
    kept?;
    print!("{log}");
    let u = end.usage;
    let usage = format!(
        "CPU {:.1} s, {:.1} s, peak memory {:.0} MiB",
        u.cpu_ms as f64 / 1000.0,
        u.wall_ms as f64 / 1000.0,
        u.peak_memory_kib as f64 / 1024.0
    );
    match end.outcome {
        Outcome::Succeeded => {
            println!(
                "orkestrator: the job succeeded ({usage}); its outputs are in {}",
                out_dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => {
            println!(
                "orkestrator: the job {} ({}{}) ({usage})",
                end.outcome.as_str(),
                end.reason.unwrap_or(""),
                end.detail.map(|d| format!(": {d}")).unwrap_or_default()
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Puts the job's scripts, the dummy tables (as CSV too for R) and the earlier outputs in
/// its folder, then runs it.
async fn run_in(
    sandbox: &Sandbox,
    layout: &Layout,
    m: &Manifest,
    scripts: &BTreeMap<String, Vec<u8>>,
    dummy: &Path,
    inputs: Option<&Path>,
    limits: &ork_jobs::Limits,
) -> anyhow::Result<ork_jobs::JobEnd> {
    for (name, bytes) in scripts {
        std::fs::write(layout.scripts().join(name), bytes)?;
    }
    let csv = m.languages().contains(&Language::R);
    for t in &m.tables {
        let file = layout.data().join(format!("{t}.parquet"));
        std::fs::copy(dummy.join(format!("{t}.parquet")), &file)?;
        if csv {
            ork_workspace::seal::parquet_to_csv(&file, &layout.data().join(format!("{t}.csv")))?;
        }
    }
    for j in &m.jobs {
        let from = inputs
            .map(|d| d.join(j))
            .filter(|d| d.is_dir())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "the manifest reads the outputs of {j}: give --inputs DIR with a folder {j}"
                )
            })?;
        let to = layout.inputs().join(j);
        std::fs::create_dir(&to)?;
        for e in std::fs::read_dir(&from)? {
            let e = e?;
            if e.file_type()?.is_file() {
                std::fs::copy(e.path(), to.join(e.file_name()))?;
            }
        }
    }
    let (_tx, rx) = tokio::sync::watch::channel(false);
    Ok(job::run(sandbox, layout, m, limits, 0, rx).await?)
}

/// Copies the outputs to `dir`.
fn keep(end: &ork_jobs::JobEnd, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for o in &end.outputs {
        std::fs::copy(&o.path, dir.join(&o.name))?;
    }
    Ok(())
}

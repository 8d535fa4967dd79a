//! `orkestrator airlock`: the airlock's checking engine on a file, outside any workspace.

use clap::Subcommand;
use ork_airlock::{Rules, Spec};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum AirlockCommand {
    /// Check a safe table or a model against the disclosure-control rules and print the
    /// verdicts as JSON (docs/airlock.md). Exits 0 whatever the verdict, 2 on bad input.
    Check {
        /// The data: a Parquet file.
        #[arg(long, value_name = "FILE.parquet")]
        data: PathBuf,
        /// The table or model, as JSON: {"kind": "table", "rows": […], "columns": […],
        /// "values"?: …, "aggfunc"?: …} or {"kind": "ols"|"logit"|"probit", "y": …, "x": […]}.
        #[arg(long, value_name = "SPEC.json")]
        spec: PathBuf,
        /// The rules' parameters (TOML); ACRO's defaults where left out.
        #[arg(long, value_name = "RULES.toml")]
        rules: Option<PathBuf>,
    },
}

pub fn run(c: AirlockCommand) -> anyhow::Result<ExitCode> {
    let AirlockCommand::Check { data, spec, rules } = c;
    let bad = |m: String| {
        eprintln!("orkestrator: {m}");
        Ok(ExitCode::from(2))
    };
    let read =
        |p: &PathBuf| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let spec = match read(&spec)
        .and_then(|t| Spec::from_json(&t).map_err(|e| format!("{}: {e}", spec.display())))
    {
        Ok(s) => s,
        Err(m) => return bad(m),
    };
    let rules = match rules {
        None => Rules::default(),
        Some(p) => match read(&p)
            .and_then(|t| Rules::from_toml(&t).map_err(|e| format!("{}: {e}", p.display())))
        {
            Ok(r) => r,
            Err(m) => return bad(m),
        },
    };
    let batches = match ork_airlock::read_parquet(&data) {
        Ok(b) => b,
        Err(e) => return bad(e.to_string()),
    };
    match ork_airlock::check(&batches, &spec, &rules) {
        Ok(report) => {
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => bad(e.to_string()),
    }
}

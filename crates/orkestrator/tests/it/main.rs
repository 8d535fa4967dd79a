//! The `orkestrator` binary as an operator uses it: demo, users, tokens, audit verify and
//! export, configuration errors. Database tests run on SQLite and PostgreSQL.

mod airlock;
mod audit;
mod cli;
mod workspaces;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs the binary with a database URL and a data dir, optional stdin.
pub fn run(db_url: &str, data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orkestrator"));
    cmd.arg("--data-dir")
        .arg(data_dir)
        .arg("--database-url")
        .arg(db_url)
        .args(args);
    cmd.env_remove("ORK_CONFIG")
        .env_remove("DATABASE_URL")
        .env("ORK_LOG", "info");
    cmd.current_dir(data_dir.parent().unwrap_or(data_dir));
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run orkestrator");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    // Keep what the command logged (standard error) for the end-of-run secret scan.
    // Standard output is not a log: it carries a new token or demo passwords on purpose,
    // printed once to the operator.
    let log = ork_testkit::log_dir().join(format!("orkestrator-cli-{}.log", std::process::id()));
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    f.write_all(&out.stderr).unwrap();
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

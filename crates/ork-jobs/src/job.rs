//! Running a job: its steps one after another in the sandbox, in one job folder, until one
//! fails or is stopped; then the outputs the manifest names, checked. The same code runs a
//! job on the platform and on dummy data with `orkestrator job run --dummy`.
//!
//! The job folder holds `job/` (the scripts, read-only at `/job`), `data/` (the tables,
//! read-only at `/data`), `inputs/` (earlier jobs' outputs, read-only at `/inputs`),
//! `output/` (`/output`), `work/` (the private scratch folder, `/work`), and, outside every
//! mount, the log and what `time` measured.

use crate::manifest::{Language, Limits, Manifest, Step};
use crate::sandbox::{Ended, Mount, Sandbox, Spec, Stop, Usage};
use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// Makes the folder jobs' folders are made in: others may pass through it (a job's
/// unprivileged user reaches its own folder's mounts) but not list it.
pub fn prepare_root(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o711))
}

/// A job's folder.
#[derive(Debug, Clone)]
pub struct Layout {
    pub root: PathBuf,
}

impl Layout {
    /// Makes the folder and its parts under `root` (which must not exist yet).
    pub fn create(root: PathBuf) -> std::io::Result<Self> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir(&root)?;
        // Others may pass through (the job's user, to reach its mounts) but not list it.
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o711))?;
        let l = Self { root };
        for d in [l.scripts(), l.data(), l.inputs(), l.output(), l.work()] {
            std::fs::create_dir(d)?;
        }
        Ok(l)
    }
    pub fn scripts(&self) -> PathBuf {
        self.root.join("job")
    }
    pub fn data(&self) -> PathBuf {
        self.root.join("data")
    }
    pub fn inputs(&self) -> PathBuf {
        self.root.join("inputs")
    }
    pub fn output(&self) -> PathBuf {
        self.root.join("output")
    }
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }
    pub fn log(&self) -> PathBuf {
        self.root.join("log.txt")
    }
    fn usage(&self) -> PathBuf {
        self.root.join("usage.txt")
    }

    /// A run of `argv` in this folder's sandbox.
    pub(crate) fn spec(&self, argv: Vec<String>, limits: &Limits, slot: u32) -> Spec {
        Spec {
            argv,
            mounts: self.mounts(),
            env: Vec::new(),
            limits: *limits,
            spent_cpu_ms: 0,
            spent_wall_ms: 0,
            disk: vec![self.output(), self.work()],
            log: self.log(),
            slot,
            usage_file: self.usage(),
        }
    }

    fn mounts(&self) -> Vec<Mount> {
        let m = |host: PathBuf, inside: &str, writable: bool| Mount {
            host,
            inside: inside.to_owned(),
            writable,
        };
        vec![
            m(self.scripts(), "/job", false),
            m(self.data(), "/data", false),
            m(self.inputs(), "/inputs", false),
            m(self.output(), "/output", true),
            m(self.work(), "/work", true),
        ]
    }
}

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// A script failed (its exit code, or what the log says of why).
    Failed,
    /// The platform stopped it at a limit.
    Killed,
    Cancelled,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Killed => "killed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One output the job left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub name: String,
    pub path: PathBuf,
    pub size: u64,
}

/// What running a job came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobEnd {
    pub outcome: Outcome,
    /// Why it did not succeed, as a code: `cpu_time`, `wall_time`, `memory`, `disk`,
    /// `processes`, `network`, `read_only`, `permission`, `cancelled`, `signal`, `exit_code`,
    /// `output_missing`.
    pub reason: Option<&'static str>,
    /// The line of the log that says why (or the missing output's name). It may hold data,
    /// so it is shown inside the workspace only.
    pub detail: Option<String>,
    /// The step that ended it (1-based), for a job that did not succeed.
    pub step: Option<usize>,
    pub usage: Usage,
    pub outputs: Vec<OutputFile>,
}

/// Whether the sandbox offers what the manifest's steps run with; the first language it does
/// not.
pub fn missing_language(sandbox: &Sandbox, m: &Manifest) -> Option<Language> {
    m.languages().into_iter().find(|l| match l {
        Language::Python => false,
        Language::Sql => sandbox.tools().python_env.is_none(),
        Language::R => sandbox.tools().rscript.is_none(),
    })
}

fn argv(sandbox: &Sandbox, step: &Step) -> Vec<String> {
    let python = if sandbox.tools().python_env.is_some() {
        "/opt/ork/python/bin/python3"
    } else {
        "/usr/bin/python3"
    };
    let script = format!("/job/{}", step.script);
    match step.language {
        Language::Python => vec![python.into(), script],
        Language::R => vec![
            "/usr/bin/Rscript".into(),
            "--no-save".into(),
            "--no-restore".into(),
            script,
        ],
        Language::Sql => vec![
            python.into(),
            "/opt/ork/runtime/run_sql.py".into(),
            script,
            format!("/output/{}", step.output.as_deref().unwrap_or("result.csv")),
        ],
    }
}

/// Runs the job in `layout` (scripts, data and inputs in place) step by step.
pub async fn run(
    sandbox: &Sandbox,
    layout: &Layout,
    manifest: &Manifest,
    limits: &Limits,
    slot: u32,
    cancel: watch::Receiver<bool>,
) -> std::io::Result<JobEnd> {
    sandbox.hand_over(&layout.output(), slot)?;
    sandbox.hand_over(&layout.work(), slot)?;
    for d in [layout.scripts(), layout.data(), layout.inputs()] {
        sandbox.share_read(&d, slot)?;
    }
    let mut usage = Usage::default();
    let n = manifest.steps.len();
    for (i, step) in manifest.steps.iter().enumerate() {
        append(
            &layout.log(),
            &format!(
                "== step {} of {n}: {} ({}) ==\n",
                i + 1,
                step.script,
                step.language.as_str()
            ),
        )?;
        let spec = Spec {
            spent_cpu_ms: usage.cpu_ms,
            spent_wall_ms: usage.wall_ms,
            ..layout.spec(argv(sandbox, step), limits, slot)
        };
        let ended = sandbox.run(&spec, cancel.clone()).await?;
        usage.cpu_ms += ended.usage.cpu_ms;
        usage.wall_ms += ended.usage.wall_ms;
        usage.peak_memory_kib = usage.peak_memory_kib.max(ended.usage.peak_memory_kib);
        if let Some(end) = judge(&ended, &layout.log()) {
            let (outcome, reason, detail) = end;
            append(
                &layout.log(),
                &format!("== {}: {} ==\n", outcome.as_str(), reason),
            )?;
            return Ok(JobEnd {
                outcome,
                reason: Some(reason),
                detail,
                step: Some(i + 1),
                usage,
                outputs: Vec::new(),
            });
        }
    }
    let mut outputs = Vec::new();
    for name in &manifest.outputs {
        let path = layout.output().join(name);
        match std::fs::symlink_metadata(&path) {
            // A regular file only: a link could point anywhere on the host.
            Ok(m) if m.is_file() => outputs.push(OutputFile {
                name: name.clone(),
                path,
                size: m.len(),
            }),
            _ => {
                append(
                    &layout.log(),
                    &format!("== failed: the output {name} was not written to /output ==\n"),
                )?;
                return Ok(JobEnd {
                    outcome: Outcome::Failed,
                    reason: Some("output_missing"),
                    detail: Some(name.clone()),
                    step: None,
                    usage,
                    outputs: Vec::new(),
                });
            }
        }
    }
    append(&layout.log(), "== succeeded ==\n")?;
    Ok(JobEnd {
        outcome: Outcome::Succeeded,
        reason: None,
        detail: None,
        step: None,
        usage,
        outputs,
    })
}

/// How a step that did not end well ended: the outcome, the reason's code and the log's
/// line that says why; `None` when it succeeded.
fn judge(e: &Ended, log: &Path) -> Option<(Outcome, &'static str, Option<String>)> {
    if let Some(stop) = e.stopped {
        let outcome = match stop {
            Stop::Cancelled => Outcome::Cancelled,
            _ => Outcome::Killed,
        };
        return Some((outcome, stop.code(), None));
    }
    if e.code == Some(0) {
        return None;
    }
    let tail = tail(log);
    let detail = last_line(&tail);
    let has = |needles: &[&str]| needles.iter().any(|n| tail.contains(n));
    let reason = if has(&[
        "MemoryError",
        "Cannot allocate memory",
        "cannot allocate vector",
        "std::bad_alloc",
        "Unable to allocate",
    ]) {
        "memory"
    } else if has(&[
        "BlockingIOError",
        "Resource temporarily unavailable",
        "cannot fork",
    ]) {
        "processes"
    } else if has(&[
        "Network is unreachable",
        "Temporary failure in name resolution",
        "Name or service not known",
        "Connection refused",
    ]) {
        "network"
    } else if has(&["File too large"]) {
        "disk"
    } else if has(&["Read-only file system"]) {
        "read_only"
    } else if has(&["Permission denied"]) {
        "permission"
    } else {
        match e.code {
            // SIGXCPU: the per-process CPU limit.
            Some(152) => "cpu_time",
            // SIGXFSZ: a file larger than the disk limit.
            Some(153) => "disk",
            Some(c) if c > 128 => "signal",
            _ => "exit_code",
        }
    };
    let outcome = match reason {
        "cpu_time" | "memory" | "processes" | "disk" => Outcome::Killed,
        _ => Outcome::Failed,
    };
    let detail = match (reason, detail) {
        ("exit_code" | "signal", None) => e.code.map(|c| format!("exit code {c}")),
        (_, d) => d,
    };
    Some((outcome, reason, detail))
}

/// The last 16 KiB of the log.
fn tail(log: &Path) -> String {
    let bytes = std::fs::read(log).unwrap_or_default();
    let from = bytes.len().saturating_sub(16 << 10);
    String::from_utf8_lossy(&bytes[from..]).into_owned()
}

/// The last line of the step's output (not one of the runner's `==` lines), shortened.
fn last_line(tail: &str) -> Option<String> {
    tail.lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("== "))
        .map(|l| l.chars().take(300).collect())
}

fn append(log: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?
        .write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(code: i32, log: &str) -> (Outcome, &'static str, Option<String>) {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("log");
        std::fs::write(&f, log).unwrap();
        let e = Ended {
            code: Some(code),
            stopped: None,
            usage: Usage::default(),
        };
        judge(&e, &f).unwrap()
    }

    #[test]
    fn the_log_says_why_a_step_failed() {
        let (o, r, d) = judged(
            1,
            "== step 1 of 1: a.py (python) ==\nTraceback...\nOSError: [Errno 101] Network is unreachable\n",
        );
        assert_eq!((o, r), (Outcome::Failed, "network"));
        assert_eq!(
            d.as_deref(),
            Some("OSError: [Errno 101] Network is unreachable")
        );
        assert_eq!(judged(1, "x\nMemoryError\n").1, "memory");
        assert_eq!(
            judged(1, "Error in f(): object 'x' not found\n").1,
            "exit_code"
        );
        assert_eq!(judged(152, "").1, "cpu_time");
        assert_eq!(judged(137, "").2.as_deref(), Some("exit code 137"));
    }
}

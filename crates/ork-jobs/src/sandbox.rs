//! The sandbox every job and notebook runs in, built from Linux namespaces by bubblewrap:
//! no network (a network namespace of its own, with only a loopback device), its own process
//! and IPC namespaces, an unprivileged user who cannot make further user namespaces, the
//! operating system's programs (`/usr`) and the analysis software read-only, the job's data
//! read-only at `/data`, its scripts at `/job`, a private scratch folder at `/work` and the
//! output area at `/output`. Nothing else of the machine is there: no keys, no database, no
//! other workspace.
//!
//! Limits: per process by `prlimit` (address space, CPU time, file size, processes), and for
//! the job as a whole by watching its processes in `/proc` (CPU time, resident memory) and
//! its folders (disk), stopping it when it passes one. `/usr/bin/time` outside the sandbox
//! measures what the job used, so the job cannot alter its own accounting.
//!
//! Where namespaces cannot be made, [`Sandbox::probe`] says why, and nothing runs: a job is
//! never run outside the sandbox.

use crate::manifest::Limits;
use crate::procs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The programs the sandbox is made with, and the analysis software it offers.
#[derive(Debug, Clone)]
pub struct Tools {
    pub bwrap: PathBuf,
    pub time: PathBuf,
    pub prlimit: PathBuf,
    pub setpriv: PathBuf,
    /// The analysis environment: a Python virtual environment (with pandas, pyarrow, duckdb…)
    /// made from the system's Python under `/usr`; `None`: Python jobs use the system's.
    pub python_env: Option<PathBuf>,
    /// `Rscript`, where R is installed.
    pub rscript: Option<PathBuf>,
    /// A folder the sandbox may keep its helpers in (the SQL runner, `/etc/passwd`).
    pub runtime: PathBuf,
}

impl Tools {
    /// The usual places on Debian, with the analysis environment and runtime folder given.
    pub fn debian(python_env: Option<PathBuf>, runtime: PathBuf) -> Self {
        let rscript = Path::new("/usr/bin/Rscript");
        Self {
            bwrap: "/usr/bin/bwrap".into(),
            time: "/usr/bin/time".into(),
            prlimit: "/usr/bin/prlimit".into(),
            setpriv: "/usr/bin/setpriv".into(),
            python_env,
            rscript: rscript.exists().then(|| rscript.to_path_buf()),
            runtime,
        }
    }
}

/// Why jobs cannot run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("{0} is not installed (Debian: apt-get install bubblewrap time util-linux)")]
    Missing(String),
    #[error("the sandbox cannot be made on this machine: {0}")]
    NoNamespaces(String),
    #[error("the sandbox's runtime folder: {0}")]
    Runtime(String),
}

/// A sandbox that has been shown to work on this machine.
#[derive(Debug, Clone)]
pub struct Sandbox {
    tools: Tools,
    /// Running as root: each run drops to its own unprivileged user, from this one up, so one
    /// job's processes never count against another's limit.
    drop_from: Option<u32>,
}

/// A folder of the host and where the sandbox sees it.
#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    pub inside: String,
    pub writable: bool,
}

/// One run in the sandbox.
#[derive(Debug, Clone)]
pub struct Spec {
    pub argv: Vec<String>,
    pub mounts: Vec<Mount>,
    /// Extra environment (PATH, HOME and the like are set already).
    pub env: Vec<(String, String)>,
    pub limits: Limits,
    /// Already used by earlier steps of the same job (CPU ms, wall ms): counted against the
    /// limits.
    pub spent_cpu_ms: u64,
    pub spent_wall_ms: u64,
    /// The folders whose contents count as the job's disk (its writable mounts), and the log.
    pub disk: Vec<PathBuf>,
    pub log: PathBuf,
    /// Which of the unprivileged users to run as, when the platform runs as root.
    pub slot: u32,
    /// Where `time` writes what the run used (outside every mount).
    pub usage_file: PathBuf,
}

/// Why the platform stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    CpuTime,
    WallTime,
    Memory,
    Disk,
    Cancelled,
}

impl Stop {
    pub fn code(self) -> &'static str {
        match self {
            Self::CpuTime => "cpu_time",
            Self::WallTime => "wall_time",
            Self::Memory => "memory",
            Self::Disk => "disk",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a run used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub cpu_ms: u64,
    pub wall_ms: u64,
    /// The largest resident set of any one of its processes, or of all together as last
    /// watched, whichever is larger; in KiB.
    pub peak_memory_kib: u64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// The exit code as the sandbox reports it (128 + n for a process killed by signal n).
    pub code: Option<i32>,
    /// Set when the platform stopped it.
    pub stopped: Option<Stop>,
    pub usage: Usage,
}

/// The first unprivileged user a job runs as when the platform runs as root.
const FIRST_JOB_UID: u32 = 200_000;
/// How many such users there are.
const JOB_UIDS: u32 = 50_000;

impl Sandbox {
    /// Checks the tools are there and that a sandbox can be made, by making one.
    pub async fn probe(tools: Tools) -> Result<Self, Unavailable> {
        for p in [&tools.bwrap, &tools.time, &tools.prlimit, &tools.setpriv] {
            if !p.exists() {
                return Err(Unavailable::Missing(p.display().to_string()));
            }
        }
        write_runtime(&tools.runtime).map_err(|e| Unavailable::Runtime(e.to_string()))?;
        let root = rustix::process::getuid().is_root();
        if root {
            // The job's user reaches its mounts through every folder above them.
            if let Some(closed) = closed_ancestor(&tools.runtime) {
                return Err(Unavailable::Runtime(format!(
                    "{} is closed to others, and a job's unprivileged user must pass through it: chmod o+x it, or choose a jobs folder whose parents are open to pass through",
                    closed.display()
                )));
            }
        }
        let sandbox = Self {
            tools,
            drop_from: root.then_some(FIRST_JOB_UID),
        };
        // A user of its own (the last), so the probe never shares a process count with a job.
        let mut cmd = sandbox.command(
            &[],
            &["/usr/bin/true".to_owned()],
            &[],
            &probe_limits(),
            JOB_UIDS - 1,
        );
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let out = cmd
            .output()
            .await
            .map_err(|e| Unavailable::NoNamespaces(e.to_string()))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr).trim().to_owned();
            return Err(Unavailable::NoNamespaces(if why.is_empty() {
                format!("bubblewrap ended with {}", out.status)
            } else {
                why
            }));
        }
        Ok(sandbox)
    }

    pub fn tools(&self) -> &Tools {
        &self.tools
    }

    /// The user a run in `slot` has on the host, when the platform runs as root.
    pub fn uid(&self, slot: u32) -> Option<u32> {
        self.drop_from.map(|first| first + slot % JOB_UIDS)
    }

    /// Gives a folder to the user of `slot` (when running as root), so the job can write it;
    /// else leaves it to this process's user. Only this process's user or root can then
    /// enter it.
    pub fn hand_over(&self, dir: &Path, slot: u32) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        if let Some(uid) = self.uid(slot) {
            for entry in walk(dir)? {
                std::os::unix::fs::lchown(&entry, Some(uid), Some(uid))?;
            }
        }
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }

    /// Lets the user of `slot` read a folder and its files but not change them: their group
    /// becomes the job user's (when running as root), with no access for anyone else.
    pub fn share_read(&self, dir: &Path, slot: u32) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let gid = self.uid(slot);
        for entry in walk(dir)? {
            let m = std::fs::symlink_metadata(&entry)?;
            let mode = match (m.is_dir(), gid.is_some()) {
                (true, true) => 0o750,
                (true, false) => 0o700,
                (false, true) => 0o640,
                (false, false) => 0o600,
            };
            if m.file_type().is_symlink() {
                continue;
            }
            if gid.is_some() {
                std::os::unix::fs::lchown(&entry, None, gid)?;
            }
            std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode))?;
        }
        Ok(())
    }

    /// The command that runs `argv` in the sandbox with `mounts`, under `limits`.
    fn command(
        &self,
        mounts: &[Mount],
        argv: &[String],
        env: &[(String, String)],
        limits: &Limits,
        slot: u32,
    ) -> tokio::process::Command {
        let t = &self.tools;
        let mut cmd = tokio::process::Command::new(&t.prlimit);
        let mem = limits.memory_mb.saturating_mul(1 << 20);
        cmd.arg(format!(
            // Address space: twice the memory, as the analysis libraries reserve much more
            // than they touch; resident memory is watched against the limit itself.
            "--as={}",
            mem.saturating_mul(2).max(1 << 30)
        ))
        .arg(format!(
            "--cpu={}:{}",
            limits.cpu_seconds,
            limits.cpu_seconds.saturating_add(5)
        ))
        .arg(format!(
            "--fsize={}",
            limits.disk_mb.saturating_mul(1 << 20)
        ))
        .arg(format!("--nproc={}", limits.processes))
        .arg("--nofile=1024")
        .arg("--core=0")
        .arg("--");
        if let Some(uid) = self.uid(slot) {
            cmd.arg(&t.setpriv)
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg("--no-new-privs")
                .arg("--");
        }
        cmd.arg(&t.bwrap);
        for a in [
            "--unshare-all",
            "--unshare-user",
            // The job's own process is the namespace's first: bubblewrap then waits for it
            // itself, so what it and the children it waited for used reaches `time` (with
            // bubblewrap's reaper in between, the reaper's exit goes unwaited and the usage
            // is lost). Its orphans die with the namespace when it ends.
            "--as-pid-1",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--hostname",
            "sandbox",
            "--uid",
            "65534",
            "--gid",
            "65534",
            "--ro-bind",
            "/usr",
            "/usr",
            "--symlink",
            "usr/bin",
            "/bin",
            "--symlink",
            "usr/sbin",
            "/sbin",
            "--symlink",
            "usr/lib",
            "/lib",
            "--symlink",
            "usr/lib64",
            "/lib64",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            "268435456",
            "--tmpfs",
            "/tmp",
            "--dir",
            "/etc",
        ] {
            cmd.arg(a);
        }
        // Of /etc only what programs need to start: the alternatives the libraries are
        // found through (BLAS for R), R's own settings, the loader's cache, the time zone,
        // the fonts for figures.
        for etc in [
            "/etc/alternatives",
            "/etc/R",
            "/etc/ld.so.cache",
            "/etc/localtime",
            "/etc/fonts",
        ] {
            cmd.args(["--ro-bind-try", etc, etc]);
        }
        let rt = &t.runtime;
        cmd.arg("--ro-bind")
            .arg(rt.join("passwd"))
            .arg("/etc/passwd")
            .arg("--ro-bind")
            .arg(rt.join("group"))
            .arg("/etc/group")
            .arg("--ro-bind")
            .arg(rt)
            .arg("/opt/ork/runtime");
        if let Some(py) = &t.python_env {
            cmd.arg("--ro-bind").arg(py).arg("/opt/ork/python");
        }
        for m in mounts {
            cmd.arg(if m.writable { "--bind" } else { "--ro-bind" })
                .arg(&m.host)
                .arg(&m.inside);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let path = if t.python_env.is_some() {
            "/opt/ork/python/bin:/usr/bin"
        } else {
            "/usr/bin"
        };
        let fixed = [
            ("PATH", path.to_owned()),
            ("HOME", "/work".to_owned()),
            ("USER", "sandbox".to_owned()),
            ("TMPDIR", "/tmp".to_owned()),
            ("LANG", "C.UTF-8".to_owned()),
            ("MPLBACKEND", "Agg".to_owned()),
            ("MPLCONFIGDIR", "/tmp".to_owned()),
            ("PYTHONDONTWRITEBYTECODE", "1".to_owned()),
            ("OMP_NUM_THREADS", threads.to_string()),
            ("OPENBLAS_NUM_THREADS", threads.to_string()),
            ("POLARS_MAX_THREADS", threads.to_string()),
            ("ORK_DATA", "/data".to_owned()),
            ("ORK_OUTPUT", "/output".to_owned()),
        ];
        cmd.arg("--clearenv");
        for (k, v) in fixed
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        {
            cmd.args(["--setenv", k, v]);
        }
        let workdir = if mounts.iter().any(|m| m.inside == "/work") {
            "/work"
        } else {
            "/"
        };
        // Only its program and arguments are used: `run` starts it under `time`.
        cmd.args(["--chdir", workdir, "--"]).args(argv);
        cmd
    }

    /// Runs `spec` and watches it until it ends: stopped when it passes a limit or `cancel`
    /// turns true. Its standard output and error go to the log.
    pub async fn run(
        &self,
        spec: &Spec,
        mut cancel: watch::Receiver<bool>,
    ) -> std::io::Result<Ended> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&spec.log)?;
        let _ = std::fs::remove_file(&spec.usage_file);
        let inner = self.command(&spec.mounts, &spec.argv, &spec.env, &spec.limits, spec.slot);
        // `time` dies with this process (and the sandbox with `time`, by bubblewrap's
        // --die-with-parent), so a stopped server leaves nothing running.
        let mut cmd = tokio::process::Command::new(&self.tools.setpriv);
        cmd.args(["--pdeathsig", "KILL", "--"])
            .arg(&self.tools.time)
            .arg("--quiet")
            .arg("-f")
            .arg("ork-usage %e %U %S %M")
            .arg("-o")
            .arg(&spec.usage_file)
            .arg(inner.as_std().get_program())
            .args(inner.as_std().get_args())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let pid = child.id().map_or(0, |p| p as i32);
        let l = &spec.limits;
        let cpu_limit_ms = l
            .cpu_seconds
            .saturating_mul(1000)
            .saturating_sub(spec.spent_cpu_ms);
        let wall_limit = Duration::from_millis(
            l.wall_seconds
                .saturating_mul(1000)
                .saturating_sub(spec.spent_wall_ms),
        );
        let mem_limit_kib = l.memory_mb.saturating_mul(1024);
        let disk_limit = l.disk_mb.saturating_mul(1 << 20);
        let mut stopped = None;
        let mut peak_kib = 0u64;
        let mut last_cpu_ms = 0u64;
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        let mut ticks = 0u64;
        let status = loop {
            tokio::select! {
                s = child.wait() => break s?,
                _ = tick.tick() => {}
                c = cancel.changed() => {
                    if c.is_err() || *cancel.borrow() {
                        stopped.get_or_insert(Stop::Cancelled);
                    }
                }
            }
            if stopped.is_none() {
                let (cpu_ms, rss_kib) = procs::usage(pid);
                last_cpu_ms = last_cpu_ms.max(cpu_ms);
                peak_kib = peak_kib.max(rss_kib);
                ticks += 1;
                if started.elapsed() > wall_limit {
                    stopped = Some(Stop::WallTime);
                } else if cpu_ms > cpu_limit_ms {
                    stopped = Some(Stop::CpuTime);
                } else if rss_kib > mem_limit_kib {
                    stopped = Some(Stop::Memory);
                } else if ticks.is_multiple_of(5) && disk_used(&spec.disk, &spec.log) > disk_limit {
                    stopped = Some(Stop::Disk);
                }
            }
            if stopped.is_some() {
                break stop(&mut child, pid).await?;
            }
        };
        let wall_ms = started.elapsed().as_millis() as u64;
        let measured = read_usage(&spec.usage_file);
        let usage = Usage {
            cpu_ms: measured.map_or(last_cpu_ms, |m| m.0.max(last_cpu_ms)),
            wall_ms,
            peak_memory_kib: measured.map_or(peak_kib, |m| m.1.max(peak_kib)),
        };
        Ok(Ended {
            code: status.code(),
            stopped,
            usage,
        })
    }
}

/// Stops a run: first the job's own processes, so the sandbox's init reaps them and their
/// time is counted; then, if the sandbox has not ended within three seconds, everything.
async fn stop(
    child: &mut tokio::process::Child,
    pid: i32,
) -> std::io::Result<std::process::ExitStatus> {
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        procs::kill_job_processes(pid);
        if let Ok(s) = tokio::time::timeout(Duration::from_millis(100), child.wait()).await {
            return s;
        }
    }
    procs::kill_group(pid);
    child.wait().await
}

/// CPU milliseconds and largest resident set in KiB, as `time` wrote them.
fn read_usage(file: &Path) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().rev().find(|l| l.starts_with("ork-usage "))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    let secs = |s: &str| s.parse::<f64>().ok();
    let cpu = secs(f.get(2)?)? + secs(f.get(3)?)?;
    Some(((cpu * 1000.0).round() as u64, f.get(4)?.parse().ok()?))
}

/// The bytes of the files under `dirs`, and of `log`.
fn disk_used(dirs: &[PathBuf], log: &Path) -> u64 {
    let mut total = std::fs::metadata(log).map_or(0, |m| m.len());
    for d in dirs {
        for f in walk(d).unwrap_or_default() {
            if let Ok(m) = std::fs::symlink_metadata(&f)
                && m.is_file()
            {
                total += m.len();
            }
        }
    }
    total
}

/// `dir` and everything under it (symbolic links are not followed).
fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        let p = out[i].clone();
        i += 1;
        if std::fs::symlink_metadata(&p)?.is_dir() {
            for e in std::fs::read_dir(&p)? {
                out.push(e?.path());
            }
        }
    }
    Ok(out)
}

/// The first folder above `dir` that others may not pass through.
fn closed_ancestor(dir: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::fs::canonicalize(dir).ok()?;
    dir.ancestors().skip(1).find_map(|a| {
        let mode = std::fs::metadata(a).ok()?.permissions().mode();
        (mode & 0o001 == 0).then(|| a.to_path_buf())
    })
}

fn probe_limits() -> Limits {
    Limits {
        cpu_seconds: 10,
        wall_seconds: 10,
        memory_mb: 256,
        processes: 64,
        disk_mb: 1,
    }
}

/// The SQL steps' runner (DuckDB over the job's Parquet files).
pub const RUN_SQL: &str = include_str!("../runtime/run_sql.py");
/// The model files' describers (Python and R).
const INSPECT_PY: &str = include_str!("../runtime/inspect_model.py");
const INSPECT_R: &str = include_str!("../runtime/inspect_model.R");

/// Writes the sandbox's helpers into the runtime folder: the SQL runner, the model
/// describers and the one user and group the sandbox knows.
fn write_runtime(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))?;
    for (name, text) in [
        ("run_sql.py", RUN_SQL),
        ("inspect_model.py", INSPECT_PY),
        ("inspect_model.R", INSPECT_R),
        (
            "passwd",
            "sandbox:x:65534:65534:Job in the sandbox:/work:/usr/sbin/nologin\n",
        ),
        ("group", "sandbox:x:65534:\n"),
    ] {
        let p = dir.join(name);
        std::fs::write(&p, text)?;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usage_line_is_read_after_a_signal_note() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("usage");
        std::fs::write(
            &f,
            "Command terminated by signal 9\nork-usage 2.50 1.25 0.50 20480\n",
        )
        .unwrap();
        assert_eq!(read_usage(&f), Some((1750, 20480)));
        std::fs::write(&f, "garbage").unwrap();
        assert_eq!(read_usage(&f), None);
    }
}

//! The sandbox, tried the way a hostile or careless job would: each escape refused, each
//! limit stopping the job with its reason, and a job that keeps to the rules leaving its
//! outputs. These need bubblewrap, GNU time and the analysis environment
//! (`scripts/ensure-analysis-env.sh` installs them; the suite's command runs it).

use ork_jobs::job::{self, Layout};
use ork_jobs::{JobEnd, Limits, Manifest, Outcome, Sandbox, Tools, Unavailable};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use tokio::sync::watch;

fn venv() -> PathBuf {
    let v = PathBuf::from(
        std::env::var("ORK_ANALYSIS_VENV").unwrap_or_else(|_| "/var/tmp/ork-analysis-venv".into()),
    );
    assert!(
        v.join("bin/python3").exists(),
        "the analysis environment {} is missing: run scripts/ensure-analysis-env.sh",
        v.display()
    );
    v
}

struct Here {
    dir: tempfile::TempDir,
    sandbox: Sandbox,
}

async fn here() -> Here {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let tools = Tools::debian(Some(venv()), dir.path().join("runtime"));
    let sandbox = Sandbox::probe(tools)
        .await
        .expect("the sandbox works here (bubblewrap with user namespaces)");
    Here { dir, sandbox }
}

fn limits() -> Limits {
    Limits {
        cpu_seconds: 60,
        wall_seconds: 60,
        memory_mb: 2048,
        processes: 64,
        disk_mb: 64,
    }
}

impl Here {
    /// Runs a job of the given scripts and manifest; what it came to and its log.
    async fn run(
        &self,
        name: &str,
        manifest: &str,
        scripts: &[(&str, &str)],
        l: Limits,
    ) -> (JobEnd, String) {
        let (_tx, rx) = watch::channel(false);
        self.run_with(name, manifest, scripts, l, rx, |_| {}).await
    }

    async fn run_with(
        &self,
        name: &str,
        manifest: &str,
        scripts: &[(&str, &str)],
        l: Limits,
        cancel: watch::Receiver<bool>,
        prepare: impl FnOnce(&Layout),
    ) -> (JobEnd, String) {
        let files: BTreeMap<String, Vec<u8>> = scripts
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
            .collect();
        let m = Manifest::parse(manifest, &files).unwrap();
        let layout = Layout::create(self.dir.path().join(name)).unwrap();
        for (n, b) in &files {
            std::fs::write(layout.scripts().join(n), b).unwrap();
        }
        prepare(&layout);
        let end = job::run(&self.sandbox, &layout, &m, &l, 7, cancel)
            .await
            .unwrap();
        let log = std::fs::read_to_string(layout.log()).unwrap_or_default();
        (end, log)
    }
}

fn one_step(script: &str) -> String {
    format!("[[steps]]\nscript = \"{script}\"\n")
}

#[tokio::test]
async fn a_pipeline_of_sql_python_leaves_its_outputs_and_its_usage() {
    let h = here().await;
    let manifest = r#"
outputs = ["numbers.parquet", "summary.csv"]
[[steps]]
script = "numbers.sql"
output = "numbers.parquet"
[[steps]]
script = "summary.py"
"#;
    let (end, log) = h
        .run(
            "pipeline",
            manifest,
            &[
                ("numbers.sql", "select range as x, range % 3 as g from range(1000)"),
                (
                    "summary.py",
                    "import pandas as pd\nd = pd.read_parquet('/output/numbers.parquet')\nd.groupby('g').x.sum().to_csv('/output/summary.csv')\nx = 0\nfor i in range(3_000_000): x += i\nprint('done', len(d))\n",
                ),
            ],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    assert!(
        log.contains("1000 rows written to numbers.parquet"),
        "{log}"
    );
    assert!(log.contains("done 1000"), "{log}");
    let names: Vec<&str> = end.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["numbers.parquet", "summary.csv"]);
    let csv = std::fs::read_to_string(&end.outputs[1].path).unwrap();
    assert!(csv.starts_with("g,x\n0,166833\n"), "{csv}");
    // A Python that imports pandas and loops three million times uses real CPU time and
    // tens of megabytes, as `time` outside the sandbox measured it.
    assert!(end.usage.cpu_ms >= 100, "{:?}", end.usage);
    assert!(end.usage.peak_memory_kib >= 20_000, "{:?}", end.usage);
    assert!(end.usage.wall_ms >= end.usage.cpu_ms / 4, "{:?}", end.usage);
}

#[tokio::test]
async fn a_socket_finds_no_network() {
    let h = here().await;
    let (end, log) = h
        .run(
            "socket",
            &one_step("net.py"),
            &[(
                "net.py",
                "import socket\ns = socket.create_connection(('127.0.0.1', 5432), timeout=5)\nprint('connected')\n",
            )],
            limits(),
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Failed, Some("network")),
        "{log}"
    );
    assert!(!log.contains("connected"));
    assert!(end.detail.unwrap().contains("refused") || log.contains("unreachable"));
}

#[tokio::test]
async fn files_outside_the_mounts_are_not_there_and_the_data_cannot_be_written() {
    let h = here().await;
    // A secret beside the job's folder, as the platform's key and database are.
    let secret = h.dir.path().join("master.key");
    std::fs::write(&secret, "the platform's key").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let probe = format!(
        "import os\nfor p in ['{}', '/etc/shadow', '/root', '/var/lib/postgresql', '/run/postgresql', '/var/tmp', '/home']:\n    print(p, os.path.exists(p))\nprint('uid', os.getuid())\nprint('root', sorted(os.listdir('/')))\nprint('etc', sorted(os.listdir('/etc')))\n",
        secret.display()
    );
    let (end, log) = h
        .run(
            "outside",
            &one_step("look.py"),
            &[("look.py", &probe)],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    assert!(
        log.contains(&format!("{} False", secret.display())),
        "{log}"
    );
    for p in [
        "/etc/shadow",
        "/root",
        "/var/lib/postgresql",
        "/run/postgresql",
        "/var/tmp",
        "/home",
    ] {
        assert!(
            log.contains(&format!("{p} False")),
            "{p} is visible:\n{log}"
        );
    }
    assert!(log.contains("uid 65534"), "{log}");
    // The sandbox's whole root: the system's programs, the job's folders, the analysis
    // software; nothing else of the machine.
    assert!(
        log.contains("root ['bin', 'data', 'dev', 'etc', 'inputs', 'job', 'lib', 'lib64', 'opt', 'output', 'proc', 'sbin', 'tmp', 'usr', 'work']"),
        "{log}"
    );
    assert!(
        log.contains(
            "etc ['R', 'alternatives', 'fonts', 'group', 'ld.so.cache', 'localtime', 'passwd']"
        ),
        "{log}"
    );

    let (end, log) = h
        .run_with(
            "write-data",
            &one_step("write.py"),
            &[(
                "write.py",
                "import os\nprint('read-only mount', bool(os.statvfs('/data').f_flag & os.ST_RDONLY))\nopen('/data/bef.csv', 'a').write('forged')\n",
            )],
            limits(),
            watch::channel(false).1,
            |l| std::fs::write(l.data().join("bef.csv"), "pnr\n").unwrap(),
        )
        .await;
    // The file is closed to the job's user, and the folder is mounted read-only besides.
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Failed, Some("permission")),
        "{log}"
    );
    assert!(log.contains("read-only mount True"), "{log}");
    let (end, log) = h
        .run(
            "write-usr",
            &one_step("write.py"),
            &[("write.py", "open('/usr/bin/evil', 'w').write('x')\n")],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Failed, "{log}");
}

#[tokio::test]
async fn forking_without_bound_is_stopped_at_the_process_limit() {
    let h = here().await;
    let l = Limits {
        processes: 32,
        wall_seconds: 30,
        ..limits()
    };
    let (end, log) = h
        .run(
            "fork",
            &one_step("bomb.py"),
            &[(
                "bomb.py",
                "import os, time\nkids = []\nwhile True:\n    pid = os.fork()\n    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n    kids.append(pid)\n",
            )],
            l,
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("processes")),
        "{log}"
    );
    assert!(end.usage.wall_ms < 25_000, "{:?}", end.usage);
}

#[tokio::test]
async fn memory_beyond_the_limit_is_stopped() {
    let h = here().await;
    let l = Limits {
        memory_mb: 300,
        ..limits()
    };
    // Touched memory beyond the limit (but within the address space allowed), then held.
    let (end, log) = h
        .run(
            "memory",
            &one_step("eat.py"),
            &[(
                "eat.py",
                "import time\nx = b'\\x01' * (450 << 20)\ntime.sleep(30)\n",
            )],
            l,
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("memory")),
        "{log}"
    );
    // Asked at once for more than the address space allows: the allocation fails.
    let (end, log) = h
        .run(
            "memory-at-once",
            &one_step("eat.py"),
            &[("eat.py", "x = bytearray(4 << 30)\n")],
            l,
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("memory")),
        "{log}"
    );
    assert_eq!(end.detail.as_deref(), Some("MemoryError"));
}

#[tokio::test]
async fn cpu_time_wall_time_and_disk_each_stop_the_job() {
    let h = here().await;
    let spin = [("spin.py", "while True:\n    pass\n")];
    let (end, log) = h
        .run(
            "cpu",
            &one_step("spin.py"),
            &spin,
            Limits {
                cpu_seconds: 2,
                ..limits()
            },
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("cpu_time")),
        "{log}"
    );
    assert!(end.usage.cpu_ms >= 1_500, "{:?}", end.usage);

    let (end, log) = h
        .run(
            "wall",
            &one_step("nap.py"),
            &[("nap.py", "import time\ntime.sleep(60)\n")],
            Limits {
                wall_seconds: 2,
                ..limits()
            },
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("wall_time")),
        "{log}"
    );
    assert!(end.usage.wall_ms < 10_000);

    let (end, log) = h
        .run(
            "disk",
            &one_step("fill.py"),
            &[(
                "fill.py",
                "import time\nfor i in range(20):\n    open(f'/work/f{i}', 'wb').write(b'0' * (1 << 20))\ntime.sleep(30)\n",
            )],
            Limits { disk_mb: 8, ..limits() },
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Killed, Some("disk")),
        "{log}"
    );
}

#[tokio::test]
async fn a_cancelled_job_stops_at_once_and_a_missing_output_fails_it() {
    let h = here().await;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        tx.send(true).unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    });
    let (end, log) = h
        .run_with(
            "cancel",
            &one_step("nap.py"),
            &[("nap.py", "import time\ntime.sleep(60)\n")],
            limits(),
            rx,
            |_| {},
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Cancelled, Some("cancelled")),
        "{log}"
    );
    assert!(end.usage.wall_ms < 10_000);

    let (end, log) = h
        .run(
            "missing",
            &format!("outputs = [\"table.csv\"]\n{}", one_step("nothing.py")),
            &[(
                "nothing.py",
                "import os\nos.symlink('/etc/passwd', '/output/table.csv')\n",
            )],
            limits(),
        )
        .await;
    assert_eq!(
        (end.outcome, end.reason),
        (Outcome::Failed, Some("output_missing")),
        "{log}"
    );
    assert_eq!(end.detail.as_deref(), Some("table.csv"));
}

#[tokio::test]
async fn an_r_job_runs_where_r_is_installed() {
    let h = here().await;
    let Some(_) = &h.sandbox.tools().rscript else {
        panic!(
            "R is not installed here (Debian's r-base-core): scripts/ensure-analysis-env.sh installs it"
        );
    };
    let script = "library(survival)\nlibrary(data.table)\nd <- data.table(time = c(5, 8, 12, 3, 9, 15, 7, 11), status = c(1, 0, 1, 1, 0, 1, 1, 0), x = c(1, 0, 1, 1, 0, 0, 1, 0))\nfit <- coxph(Surv(time, status) ~ x, data = d)\nfwrite(data.table(term = 'x', coef = coef(fit)), '/output/cox.csv')\ncat('R', R.version$major, 'fitted\\n')\n";
    let (end, log) = h
        .run(
            "r",
            &format!("outputs = [\"cox.csv\"]\n{}", one_step("cox.R")),
            &[("cox.R", script)],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    assert!(log.contains("R 4 fitted"), "{log}");
    assert!(
        std::fs::read_to_string(&end.outputs[0].path)
            .unwrap()
            .starts_with("term,coef\nx,")
    );
}

#[tokio::test]
async fn a_jobs_folder_behind_a_closed_folder_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let tools = Tools::debian(Some(venv()), dir.path().join("jobs/runtime"));
    let probed = Sandbox::probe(tools).await;
    // Only as root does the job run as a user of its own, who must pass through the folders;
    // otherwise it runs as this process's user, who owns them.
    if !rustix::process::getuid().is_root() {
        assert!(probed.is_ok(), "{probed:?}");
        return;
    }
    let e = probed.unwrap_err();
    assert!(
        matches!(&e, Unavailable::Runtime(why) if why.contains(&format!("{} is closed to others", dir.path().display()))),
        "{e}"
    );
}

#[tokio::test]
async fn without_bubblewrap_nothing_runs_and_the_reason_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut tools = Tools::debian(Some(venv()), dir.path().join("runtime"));
    tools.bwrap = "/nonexistent/bwrap".into();
    let e = Sandbox::probe(tools.clone()).await.unwrap_err();
    assert_eq!(e, Unavailable::Missing("/nonexistent/bwrap".into()));
    // A bwrap that cannot make namespaces (here: one that always fails) is refused with its
    // own words.
    let fake = dir.path().join("bwrap");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    tools.bwrap = fake;
    let e = Sandbox::probe(tools).await.unwrap_err();
    assert!(
        matches!(&e, Unavailable::NoNamespaces(why) if why.contains("No permissions to create new namespace")),
        "{e}"
    );
}

#[tokio::test]
async fn model_files_are_described_in_the_sandbox_for_the_checker() {
    let h = here().await;
    let fit = r#"
import pickle
import numpy as np
import pandas as pd
import statsmodels.api as sm
from lifelines import CoxPHFitter
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

rng = np.random.default_rng(1)
x = rng.normal(size=(200, 3))
y = (x[:, 0] + rng.normal(size=200) > 0).astype(int)
def keep(name, m):
    with open(f"/output/{name}", "wb") as f:
        pickle.dump(m, f)
keep("logit.pkl", LogisticRegression().fit(x, y))
keep("knn.pkl", KNeighborsClassifier().fit(x, y))
keep("tree.pkl", DecisionTreeClassifier().fit(x, y))
keep("ols.pkl", sm.OLS(y, sm.add_constant(x)).fit())
d = pd.DataFrame({"t": rng.exponential(10, 200) + 1, "e": y, "a": x[:, 0]})
keep("cox.pkl", CoxPHFitter().fit(d, "t", "e"))
"#;
    let (end, log) = h
        .run(
            "models",
            "outputs = [\"logit.pkl\", \"knn.pkl\", \"tree.pkl\", \"ols.pkl\", \"cox.pkl\"]\n[[steps]]\nscript = \"fit.py\"\n",
            &[("fit.py", fit)],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    let mut described = BTreeMap::new();
    for o in &end.outputs {
        let bytes = std::fs::read(&o.path).unwrap();
        let text = ork_jobs::inspect::describe(
            &h.sandbox,
            h.dir.path().join(format!("d-{}", o.name)),
            &o.name,
            &bytes,
            9,
        )
        .await
        .unwrap();
        described.insert(o.name.clone(), text);
    }
    let get = |n: &str| described[n].clone();
    // A logistic regression keeps no rows; 3 coefficients and an intercept.
    let logit = get("logit.pkl");
    assert!(
        logit.contains("\"model_type\": \"sklearn.linear_model._logistic.LogisticRegression\""),
        "{logit}"
    );
    assert!(
        logit.contains("\"keeps\": []") && logit.contains("\"parameters\": 4"),
        "{logit}"
    );
    // k-nearest neighbours keeps its 200 points, a tree its leaves, statsmodels its data,
    // lifelines each person's time.
    assert!(
        get("knn.pkl").contains("k-nearest neighbours: its 200 training rows"),
        "{}",
        get("knn.pkl")
    );
    assert!(
        get("tree.pkl").contains("\"smallest_leaf\": "),
        "{}",
        get("tree.pkl")
    );
    let ols = get("ols.pkl");
    assert!(
        ols.contains("\"nobs\": 200")
            && ols.contains("\"dof\": 196.0")
            && ols.contains("its training data (200 rows"),
        "{ols}"
    );
    assert!(
        get("cox.pkl").contains("each person's time and event (200 rows)"),
        "{}",
        get("cox.pkl")
    );
    // Not a model: said so, not opened outside.
    let text = ork_jobs::inspect::describe(
        &h.sandbox,
        h.dir.path().join("d-bad"),
        "bad.pkl",
        b"not a pickle",
        9,
    )
    .await
    .unwrap();
    assert!(text.contains("\"error\": \"UnpicklingError"), "{text}");

    // R: a glm keeps its model frame unless told not to.
    let (end, log) = h
        .run(
            "rmodel",
            "outputs = [\"glm.rds\"]\n[[steps]]\nscript = \"fit.R\"\n",
            &[("fit.R", "set.seed(1)\nd <- data.frame(x = rnorm(100))\nd$y <- as.integer(d$x + rnorm(100) > 0)\nsaveRDS(glm(y ~ x, family = binomial, data = d), '/output/glm.rds')\n")],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    let bytes = std::fs::read(&end.outputs[0].path).unwrap();
    let text =
        ork_jobs::inspect::describe(&h.sandbox, h.dir.path().join("d-glm"), "glm.rds", &bytes, 9)
            .await
            .unwrap();
    assert!(
        text.contains("\"model_type\": \"glm/lm\"")
            && text.contains("\"dof\": 98")
            && text.contains("its model frame: 100 training rows"),
        "{text}"
    );
}

#[tokio::test]
async fn a_job_too_short_to_watch_is_still_measured_by_time() {
    let h = here().await;
    // Over before the first look at its processes: what it used comes from `time`, which
    // waits for the sandbox (Python alone holds several MiB).
    let (end, log) = h
        .run(
            "short",
            &one_step("short.py"),
            &[("short.py", "print('hej')\n")],
            limits(),
        )
        .await;
    assert_eq!(end.outcome, Outcome::Succeeded, "{log}");
    assert!(end.usage.peak_memory_kib >= 6 * 1024, "{:?}", end.usage);
}

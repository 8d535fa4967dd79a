//! Jobs end to end over HTTP: a Python job and an R job read the workspace's tables in the
//! sandbox, fit a logistic regression and a Cox model and leave a table and a model file,
//! which stay in the workspace; the log is the workspace's only; every job, its scripts'
//! SHA-256, what it read and what it left are in the audit trail. Bad submissions are refused
//! with the reason before anything is kept; no job reaches the master key, the database, the
//! network or another workspace.

use crate::applications::{PW, get, setup};
use crate::helpers::{Browser, TestApp};
use crate::lifecycle::{certify, ready, regimes};
use crate::workspaces::app_and_state_jobs;
use ork_domain::Role;
use ork_server::jobs::{JobsConfig, JobsState};
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::Digest;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The analysis environment the sandbox offers (`scripts/ensure-analysis-env.sh`).
pub(crate) fn analysis_env() -> PathBuf {
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

/// A server with workspaces under `tmp/workspaces` and jobs under `tmp/jobs`, whose sandbox
/// works here.
pub(crate) async fn app_with_jobs(db: TestDb, tmp: &Path) -> (TestApp, ork_server::AppState) {
    // The job's unprivileged user passes through the folders above its own.
    std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o711)).unwrap();
    let jobs = JobsState::new(JobsConfig {
        dir: tmp.join("jobs"),
        analysis_env: Some(analysis_env()),
        concurrent: 2,
    })
    .await;
    assert!(
        jobs.sandbox().is_some(),
        "the sandbox works here: {:?}",
        jobs.availability
    );
    let root = tmp.join("workspaces");
    app_and_state_jobs(
        db,
        &root,
        ork_workspace::Storage::local(root.clone()),
        Default::default(),
        Arc::new(jobs),
    )
    .await
}

/// Submits a job: the manifest and the scripts as a multipart form.
pub(crate) async fn submit(
    b: &mut Browser<'_>,
    ws: &str,
    manifest: &str,
    scripts: &[(&str, &[u8])],
) -> (StatusCode, Value) {
    let boundary = "ork-job-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n{manifest}\r\n"
    )
    .into_bytes();
    for (name, bytes) in scripts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"scripts\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let csrf = b.csrf();
    let res = b
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/jobs"),
            |r| {
                r.header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("x-csrf-token", csrf)
                .body(body)
            },
        )
        .await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Waits until a job has ended; its body.
pub(crate) async fn ended(b: &mut Browser<'_>, id: &str) -> Value {
    for _ in 0..600 {
        let (s, j) = get(b, &format!("/api/v1/jobs/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{j}");
        if j["state"] != "queued" && j["state"] != "running" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("job {id} did not end in two minutes");
}

async fn log(b: &mut Browser<'_>, id: &str) -> (StatusCode, String) {
    let res = b.get(&format!("/api/v1/jobs/{id}/log")).await;
    (res.status(), res.text().await.unwrap())
}

/// The `orkestrator` binary beside this test's (cargo builds it with the workspace's tests).
fn orkestrator() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().unwrap().parent().unwrap().join("orkestrator");
    assert!(
        bin.exists(),
        "{} is missing: cargo build -p orkestrator",
        bin.display()
    );
    bin
}

/// A Parquet file's columns: name and type (`key`: the file is sealed).
fn parquet_columns(file: &Path, key: Option<&ork_workspace::DataKey>) -> Vec<(String, String)> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(file).unwrap();
    let r = match key {
        Some(k) => {
            ParquetRecordBatchReaderBuilder::try_new_with_options(f, k.reader_options().unwrap())
        }
        None => ParquetRecordBatchReaderBuilder::try_new(f),
    }
    .unwrap();
    r.schema()
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect()
}

/// The tables of a workspace's latest snapshot as written (sealed): file name → columns.
fn real_tables(root: &Path, ws: &str) -> std::collections::BTreeMap<String, Vec<(String, String)>> {
    use ork_workspace::KeyProvider;
    let key = crate::workspaces::master(root).data_key(ws, false).unwrap();
    let snapshots = root.join(ws).join("snapshots");
    let latest = std::fs::read_dir(&snapshots)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i64>().ok())
        .max()
        .unwrap();
    std::fs::read_dir(snapshots.join(latest.to_string()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                parquet_columns(&p, Some(&key)),
            )
        })
        .collect()
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

fn sha(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

/// The audit trail's events on an object: action and details.
async fn actions(app: &TestApp, object: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = app.store.audit_page(after, 500).await.unwrap();
        if page.is_empty() {
            return out;
        }
        for e in &page {
            after = e.seq;
            if e.object_id == object {
                out.push((e.action.clone(), e.details.clone()));
            }
        }
    }
}

const MODELS_PY: &str = r#"
import pickle
import pandas as pd
from lifelines import CoxPHFitter
from sklearn.linear_model import LogisticRegression

d = pd.read_parquet("/data/dlcr.parquet")
a = pd.read_parquet("/data/lpr_adm.parquet", columns=["pnr", "d_inddto"])
d["diagnosedato"] = pd.to_datetime(d["diagnosedato"])
a["d_inddto"] = pd.to_datetime(a["d_inddto"])
d["fev1"] = d["fev1"].fillna(d["fev1"].median())
d["ps"] = d["performance_status"].fillna(1)
d["advanced"] = d["stadie"].str.startswith("IV").astype(int)
print("persons", len(d), "admissions", len(a))

# A logistic regression: advanced stage by lung function and performance status.
logit = LogisticRegression().fit(d[["fev1", "ps"]], d["advanced"])
print("logit", logit.coef_.round(3).tolist())

# A Cox model: time from diagnosis to the first admission after it, censored at the end.
m = a.merge(d[["pnr", "diagnosedato"]], on="pnr")
first = m[m.d_inddto > m.diagnosedato].groupby("pnr").d_inddto.min()
d["end"] = d["pnr"].map(first)
d["event"] = d["end"].notna().astype(int)
d["time"] = (d["end"].fillna(pd.Timestamp("2022-01-01")) - d["diagnosedato"]).dt.days.clip(lower=1)
cox = CoxPHFitter(penalizer=0.1).fit(d[["time", "event", "fev1", "ps"]], "time", "event")
print("cox", cox.params_.round(3).to_dict())

# What may leave: counts by stage, and the model for a person's review.
d.groupby("stadie").size().rename("persons").to_csv("/output/stages.csv")
with open("/output/cox.pkl", "wb") as f:
    pickle.dump(cox, f)
"#;

const MODELS_R: &str = r#"
library(survival)
library(data.table)
d <- fread("/data/dlcr.csv")
a <- fread("/data/lpr_adm.csv", select = c("pnr", "d_inddto"))
d[, diagnosedato := as.IDate(diagnosedato)]
a[, d_inddto := as.IDate(d_inddto)]
d[is.na(fev1), fev1 := median(d$fev1, na.rm = TRUE)]
d[, ps := ifelse(is.na(performance_status), 1, performance_status)]
d[, advanced := as.integer(startsWith(stadie, "IV"))]
logit <- glm(advanced ~ fev1 + ps, family = binomial, data = d)
cat("logit", round(coef(logit), 3), "\n")
m <- merge(a, d[, .(pnr, diagnosedato)], by = "pnr")[d_inddto > diagnosedato, .(first = min(d_inddto)), by = pnr]
d <- merge(d, m, by = "pnr", all.x = TRUE)
d[, event := as.integer(!is.na(first))]
d[, time := pmax(1, as.numeric(fifelse(is.na(first), as.IDate("2022-01-01"), first) - diagnosedato))]
cox <- coxph(Surv(time, event) ~ fev1 + ps, data = d)
cat("cox", round(coef(cox), 3), "\n")
fwrite(d[, .(persons = .N), by = stadie][order(stadie)], "/output/stages.csv")
saveRDS(cox, "/output/cox.rds")
"#;

both_backends!(
    a_python_and_an_r_job_fit_models_on_the_tables_and_their_outputs_stay_inside,
    models_body
);
async fn models_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let (app, _state) = app_with_jobs(db, tmp.path()).await;
    setup(&app).await;
    app.user("checker@rkkp.example", PW, &[("rkkp", Role::OutputChecker)])
        .await;
    for email in [
        "bo@demofarma.example",
        "co@demofarma.example",
        "checker@rkkp.example",
    ] {
        certify(&app, email).await;
    }
    app.user(
        "stranger@othercorp.example",
        PW,
        &[("othercorp", Role::Applicant)],
    )
    .await;
    certify(&app, "stranger@othercorp.example").await;
    regimes(
        &app,
        r#"{"automatic_delivery": true, "max_job_memory_mb": 3000}"#,
    )
    .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (ws, _) = ready(&app, &mut bo, "Lung cancer outcomes").await;

    // Python: a SQL step makes the cohort, Python fits the models.
    let manifest = r#"name = "Stage and admissions"
tables = ["dlcr", "lpr_adm"]
outputs = ["stages.csv", "cox.pkl"]
[resources]
memory_mb = 2048
cpu_seconds = 300
[[steps]]
script = "models.py"
"#;
    let (s, job) = submit(
        &mut bo,
        &ws,
        manifest,
        &[("models.py", MODELS_PY.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(job["state"], "queued", "{job}");
    assert_eq!(job["limits"]["memory_mb"], 2048, "{job}");
    assert_eq!(job["limits"]["wall_seconds"], 3600, "{job}");
    assert_eq!(
        job["scripts"][0]["sha256"],
        sha(MODELS_PY.as_bytes()),
        "{job}"
    );
    let id = job["id"].as_str().unwrap().to_owned();
    let done = ended(&mut bo, &id).await;
    let (_, text) = log(&mut bo, &id).await;
    assert_eq!(done["state"], "succeeded", "{done}\n{text}");
    assert!(
        text.contains("logit [[") && text.contains("cox {"),
        "{text}"
    );
    let names: Vec<&str> = done["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cox.pkl", "stages.csv"], "{done}");
    assert!(
        done["usage"]["cpu_seconds"].as_f64().unwrap() > 0.5,
        "{done}"
    );
    assert!(
        done["usage"]["peak_memory_mb"].as_f64().unwrap() > 50.0,
        "{done}"
    );

    // The same job, unchanged, on the workspace's dummy twin with `orkestrator job run
    // --dummy`, as a researcher runs it on their own machine.
    let res = bo.get(&format!("/api/v1/workspaces/{ws}/dummy")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let zipped = res.bytes().await.unwrap();
    let local = tmp.path().join("local");
    let dummy = local.join("dummy");
    zip::ZipArchive::new(std::io::Cursor::new(zipped.to_vec()))
        .unwrap()
        .extract(&dummy)
        .unwrap();
    // Every table of the workspace, with the same columns and types.
    let root = tmp.path().join("workspaces");
    let real = real_tables(&root, &ws);
    assert_eq!(real.len(), 3, "{real:?}");
    for (t, columns) in real {
        assert_eq!(parquet_columns(&dummy.join(&t), None), columns, "{t}");
    }
    std::fs::write(local.join("job.toml"), manifest).unwrap();
    std::fs::write(local.join("models.py"), MODELS_PY).unwrap();
    let out = std::process::Command::new(orkestrator())
        .arg("--data-dir")
        .arg(local.join("var"))
        .args(["job", "run", "--dummy"])
        .arg(&dummy)
        .arg(local.join("job.toml"))
        .env("ORK_ANALYSIS_ENV", analysis_env())
        .env_remove("ORK_CONFIG")
        .current_dir(&local)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        printed.contains("logit [[") && printed.contains("the job succeeded"),
        "{printed}"
    );
    assert!(local.join("output/cox.pkl").is_file() && local.join("output/stages.csv").is_file());

    // The audit trail: the script's hash and what it reads at submission, the tables read at
    // the start, each output's hash at the end, and the log's reading.
    let trail = actions(&app, &id).await;
    let kinds: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        kinds,
        ["job.submit", "job.start", "job.finish", "job.log_read"],
        "{trail:?}"
    );
    assert_eq!(
        trail[0].1["scripts"]["models.py"],
        sha(MODELS_PY.as_bytes())
    );
    assert_eq!(trail[0].1["tables"], serde_json::json!(["dlcr", "lpr_adm"]));
    assert_eq!(trail[1].1["tables"], serde_json::json!(["dlcr", "lpr_adm"]));
    assert_eq!(trail[2].1["state"], "succeeded");
    assert_eq!(
        trail[2].1["outputs"]["stages.csv"]["sha256"],
        done["outputs"][1]["sha256"]
    );

    // The outputs leave only through the airlock: the table for a person's review (which an
    // output checker at the data's controller approves), the model described in the sandbox,
    // failing because it keeps each person's time.
    let (s, table) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{id}/airlock"),
        serde_json::json!({"file": "stages.csv", "title": "Persons by stage"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{table}");
    assert_eq!(
        (table["kind"].as_str(), table["status"].as_str()),
        (Some("file"), Some("review")),
        "{table}"
    );
    assert_eq!(
        table["checks"]["source"]["sha256"], done["outputs"][1]["sha256"],
        "{table}"
    );
    let (s, model) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{id}/airlock"),
        serde_json::json!({"file": "cox.pkl", "title": "Cox model"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    assert_eq!(
        (model["kind"].as_str(), model["status"].as_str()),
        (Some("model"), Some("fail")),
        "{model}"
    );
    assert_eq!(
        model["checks"]["model_type"], "lifelines.fitters.coxph_fitter.CoxPHFitter",
        "{model}"
    );
    assert!(
        model["checks"]["keeps"][0]
            .as_str()
            .unwrap()
            .starts_with("each person's time and event"),
        "{model}"
    );
    assert!(
        model["checks"]["summary"]["en"]
            .as_str()
            .unwrap()
            .contains("keeps training data"),
        "{model}"
    );
    let (s, e) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{id}/airlock"),
        serde_json::json!({"file": "nothing.csv", "title": "x"}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::NOT_FOUND, "job_output_not_found"),
        "{e}"
    );
    let tid = table["id"].as_str().unwrap();
    let (s, r) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/outputs/{tid}/request"),
        serde_json::json!({"description": "Persons by stage; every cell well above the threshold."}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let mut checker = Browser::signed_in(&app, "checker@rkkp.example", PW).await;
    let (s, r) = crate::applications::call(
        &mut checker,
        Method::POST,
        &format!("/api/v1/outputs/{tid}/review"),
        serde_json::json!({"decision": "approve", "reason": "Counts by stage, no small cells."}),
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{r}"
    );

    // R, on the same tables as CSV.
    let manifest_r = r#"name = "The same in R"
tables = ["dlcr", "lpr_adm"]
outputs = ["stages.csv", "cox.rds"]
[[steps]]
script = "models.R"
"#;
    let (s, job) = submit(
        &mut bo,
        &ws,
        manifest_r,
        &[("models.R", MODELS_R.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let rid = job["id"].as_str().unwrap().to_owned();
    let done = ended(&mut bo, &rid).await;
    let (_, text) = log(&mut bo, &rid).await;
    assert_eq!(done["state"], "succeeded", "{done}\n{text}");
    assert!(text.contains("logit ") && text.contains("cox "), "{text}");
    assert_eq!(done["outputs"].as_array().unwrap().len(), 2, "{done}");
    // R's Cox model keeps each person's response unless told not to.
    let (s, model) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{rid}/airlock"),
        serde_json::json!({"file": "cox.rds", "title": "Cox model (R)"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    assert_eq!(
        (model["kind"].as_str(), model["status"].as_str()),
        (Some("model"), Some("fail")),
        "{model}"
    );
    assert_eq!(model["checks"]["model_type"], "coxph", "{model}");

    // The list, newest first.
    let (s, list) = get(&mut bo, &format!("/api/v1/workspaces/{ws}/jobs")).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [rid.as_str(), id.as_str()]);

    // The project's compute on its organisation's monthly statement: every job that ran,
    // its CPU time and memory, priced by the organisation's tariff.
    let (s, st) = get(&mut bo, "/api/v1/quicktests/statement").await;
    assert_eq!(s, StatusCode::OK, "{st}");
    let line = st["compute"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["workspace"] == ws.as_str())
        .unwrap_or_else(|| panic!("{st}"))
        .clone();
    assert_eq!(line["project"], "Lung cancer outcomes", "{line}");
    assert!(line["jobs"].as_i64().unwrap() >= 2, "{line}");
    let cpu: f64 = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["usage"]["cpu_seconds"].as_f64().unwrap())
        .sum();
    assert!(
        (line["cpu_seconds"].as_f64().unwrap() - cpu).abs() < 0.01,
        "{line} vs {cpu}"
    );
    assert!(line["gib_hours"].as_f64().unwrap() > 0.0, "{line}");
    assert_eq!(line["tariff"], "private", "{line}");

    // A colleague the permit does not name, and an outsider, see nothing of it.
    for who in ["co@demofarma.example", "stranger@othercorp.example"] {
        let mut other = Browser::signed_in(&app, who, PW).await;
        let (s, e) = get(&mut other, &format!("/api/v1/jobs/{id}")).await;
        assert_eq!(
            (s, code(&e)),
            (StatusCode::NOT_FOUND, "job_not_found"),
            "{who}: {e}"
        );
        let (s, _) = log(&mut other, &id).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        let (s, e) = submit(
            &mut other,
            &ws,
            manifest,
            &[("models.py", MODELS_PY.as_bytes())],
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{who}: {e}");
    }

    // Bad input, each refused with its reason and nothing kept.
    let before = list["jobs"].as_array().unwrap().len();
    // (manifest, scripts, status, error code, what the message names)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, Vec<u8>)>,
        StatusCode,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "tables = [\"dlcr\", \"lmdb\", \"bef\"]\n[[steps]]\nscript = \"a.py\"\n",
            vec![("a.py", b"print(1)\n".to_vec())],
            StatusCode::BAD_REQUEST,
            "job_unknown_tables",
            "lmdb, bef",
        ),
        (
            "[[steps]]\nscript = \"a.py\"\n",
            vec![("a.py", vec![b'#'; (1 << 20) + 1])],
            StatusCode::PAYLOAD_TOO_LARGE,
            "job_script_too_large",
            "a.py",
        ),
        (
            "[[steps]]\nscript = \"a.py\"\n",
            vec![("a.py", b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec())],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "job_script_not_text",
            "a.py",
        ),
        (
            "[resources]\nmemory_mb = 8000\n[[steps]]\nscript = \"a.py\"\n",
            vec![("a.py", b"print(1)\n".to_vec())],
            StatusCode::BAD_REQUEST,
            "job_resources",
            "3000",
        ),
        (
            "jobs = [\"job-nosuchjob\"]\n[[steps]]\nscript = \"a.py\"\n",
            vec![("a.py", b"print(1)\n".to_vec())],
            StatusCode::BAD_REQUEST,
            "job_unknown_jobs",
            "job-nosuchjob",
        ),
        (
            "[[steps]]\nscript = \"a.py\"\n",
            vec![],
            StatusCode::BAD_REQUEST,
            "job_manifest",
            "a.py",
        ),
        (
            "steps = 3",
            vec![("a.py", b"print(1)\n".to_vec())],
            StatusCode::BAD_REQUEST,
            "job_manifest",
            "",
        ),
    ];
    for (manifest, scripts, status, want, named) in cases {
        let scripts: Vec<(&str, &[u8])> = scripts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        let (s, e) = submit(&mut bo, &ws, manifest, &scripts).await;
        assert_eq!((s, code(&e)), (status, want), "{manifest}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(named),
            "{manifest}: {e}"
        );
    }
    let (s, e) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/workspaces/{ws}/jobs"),
        serde_json::json!({"manifest": "x"}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected_multipart"),
        "{e}"
    );
    let (_, list) = get(&mut bo, &format!("/api/v1/workspaces/{ws}/jobs")).await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), before);

    // A job that outlives its time is stopped, and says why; a cancelled one ends at once.
    let nap = b"import time\ntime.sleep(120)\n";
    let (s, job) = submit(
        &mut bo,
        &ws,
        "[resources]\nwall_seconds = 2\n[[steps]]\nscript = \"nap.py\"\n",
        &[("nap.py", nap)],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let done = ended(&mut bo, job["id"].as_str().unwrap()).await;
    assert_eq!(
        (done["state"].as_str(), done["reason"].as_str()),
        (Some("killed"), Some("wall_time")),
        "{done}"
    );
    // In the user's language (Danish, the default).
    assert_eq!(done["reason_text"], "Tidsgrænsen blev nået.", "{done}");

    let (s, job) = submit(
        &mut bo,
        &ws,
        "[[steps]]\nscript = \"nap.py\"\n",
        &[("nap.py", nap)],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let nid = job["id"].as_str().unwrap().to_owned();
    for _ in 0..100 {
        if get(&mut bo, &format!("/api/v1/jobs/{nid}")).await.1["state"] == "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (s, c) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{nid}/cancel"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    let done = ended(&mut bo, &nid).await;
    assert_eq!(
        (done["state"].as_str(), done["reason"].as_str()),
        (Some("cancelled"), Some("cancelled")),
        "{done}"
    );
    assert!(
        done["usage"]["wall_seconds"].as_f64().unwrap() < 30.0,
        "{done}"
    );
    let (s, e) = crate::applications::call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/jobs/{nid}/cancel"),
        Value::Null,
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "job_ended"), "{e}");
}

both_backends!(
    no_job_reaches_the_master_key_the_database_or_another_workspace,
    escape_body
);
async fn escape_body(db: TestDb) {
    // The state database's folder (SQLite's file is there).
    let db_dir = db.dir();
    // Not under /tmp, which the sandbox replaces with its own: these places must be absent
    // because nothing but the job's own is mounted.
    let tmp = tempfile::tempdir_in("/var/tmp").unwrap();
    let (app, _state) = app_with_jobs(db, tmp.path()).await;
    setup(&app).await;
    certify(&app, "bo@demofarma.example").await;
    regimes(&app, r#"{"automatic_delivery": true}"#).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (ws, _) = ready(&app, &mut bo, "Lung cancer outcomes").await;
    let (other, _) = ready(&app, &mut bo, "Another project").await;
    let root = tmp.path().join("workspaces");
    // The places a job must not reach: the workspaces' data keys (beside the master key),
    // another workspace's files and this one's sealed files, the state database's folder,
    // PostgreSQL's socket folder.
    let places = [
        root.with_extension("keys"),
        root.join(&other),
        root.join(&ws),
        db_dir,
        PathBuf::from("/run/postgresql"),
    ];
    let mut script = String::from("import os, socket\nprint('root', sorted(os.listdir('/')))\n");
    for p in &places {
        script.push_str(&format!(
            "print('{} exists', os.path.exists('{}'))\n",
            p.display(),
            p.display()
        ));
    }
    script.push_str(
        "try:\n    socket.create_connection(('127.0.0.1', 5432), timeout=3)\n    print('database reached')\nexcept OSError as e:\n    print('no database:', e)\n",
    );
    let (s, job) = submit(
        &mut bo,
        &ws,
        "[[steps]]\nscript = \"look.py\"\n",
        &[("look.py", script.as_bytes())],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let id = job["id"].as_str().unwrap().to_owned();
    let done = ended(&mut bo, &id).await;
    let (_, text) = log(&mut bo, &id).await;
    assert_eq!(done["state"], "succeeded", "{done}\n{text}");
    for p in &places {
        assert!(
            p.exists() || p.starts_with("/run"),
            "{} is a real place",
            p.display()
        );
        assert!(
            text.contains(&format!("{} exists False", p.display())),
            "{}:\n{text}",
            p.display()
        );
    }
    assert!(
        text.contains("no database:") && !text.contains("database reached"),
        "{text}"
    );
    // Nothing but the system's programs, the job's own folders and the analysis software.
    assert!(
        text.contains("root ['bin', 'data', 'dev', 'etc', 'inputs', 'job', 'lib', 'lib64', 'opt', 'output', 'proc', 'sbin', 'tmp', 'usr', 'work']"),
        "{text}"
    );
}

#[tokio::test]
async fn without_a_sandbox_jobs_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    let (app, _state) = crate::workspaces::app_and_state(TestDb::sqlite().await, &root).await;
    setup(&app).await;
    certify(&app, "bo@demofarma.example").await;
    regimes(&app, r#"{"automatic_delivery": true}"#).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (ws, _) = ready(&app, &mut bo, "Lung cancer outcomes").await;
    let (s, e) = submit(
        &mut bo,
        &ws,
        "[[steps]]\nscript = \"a.py\"\n",
        &[("a.py", b"print(1)\n")],
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::SERVICE_UNAVAILABLE, "jobs_unavailable"),
        "{e}"
    );
}

/// Opens a WebSocket to the server as `cookies` with `origin`: the stream, or the HTTP
/// status it was refused with.
async fn websocket(
    app: &TestApp,
    path: &str,
    cookies: &str,
    origin: &str,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    u16,
> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{}{path}", app.addr)
        .into_client_request()
        .unwrap();
    req.headers_mut().insert("cookie", cookies.parse().unwrap());
    req.headers_mut().insert("origin", origin.parse().unwrap());
    let tcp = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    match tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp)).await
    {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => Err(res.status().as_u16()),
        Err(e) => panic!("{path}: {e}"),
    }
}

both_backends!(
    a_notebook_through_the_portal_runs_a_cell_on_the_workspace_data,
    notebook_body
);
async fn notebook_body(db: TestDb) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    let tmp = tempfile::tempdir().unwrap();
    let (app, state) = app_with_jobs(db, tmp.path()).await;
    setup(&app).await;
    for email in ["bo@demofarma.example", "co@demofarma.example"] {
        certify(&app, email).await;
    }
    regimes(&app, r#"{"automatic_delivery": true}"#).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (ws, permit) = ready(&app, &mut bo, "Lung cancer outcomes").await;
    let base = format!("/workspaces/{ws}/notebook/");
    let origin = format!("http://{}", app.addr);

    // A colleague the permit does not name: 403, over HTTP and over the WebSocket.
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    assert_eq!(co.get(&base).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        co.get(&format!("{base}api/status")).await.status(),
        StatusCode::FORBIDDEN
    );
    let refused = websocket(
        &app,
        &format!("{base}api/kernels/k/channels"),
        &co.cookie_header(),
        &origin,
    )
    .await;
    assert_eq!(refused.err(), Some(403));

    // The member: JupyterLab through the portal.
    let res = bo.get(&base).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with(&format!("{base}lab"))
    );
    let res = bo.get(&format!("{base}lab")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("JupyterLab"));
    let xsrf = bo
        .cookies
        .get("_xsrf")
        .cloned()
        .expect("Jupyter's _xsrf cookie");
    // A state change without JupyterLab's XSRF header is refused by the portal.
    let res = bo
        .request(Method::POST, &format!("{base}api/kernels"), |r| {
            r.header("content-type", "application/json")
                .body(r#"{"name": "python3"}"#)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = bo
        .request(Method::POST, &format!("{base}api/kernels"), |r| {
            r.header("content-type", "application/json")
                .header("x-xsrftoken", xsrf.clone())
                .body(r#"{"name": "python3"}"#)
        })
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let kernel: Value = res.json().await.unwrap();
    let channels = format!(
        "{base}api/kernels/{}/channels",
        kernel["id"].as_str().unwrap()
    );

    // A page of another site may not open the kernel's WebSocket with the user's session.
    let refused = websocket(&app, &channels, &bo.cookie_header(), "https://evil.example").await;
    assert_eq!(refused.err(), Some(403));

    // A cell on the workspace's data.
    let mut kernel_ws = websocket(&app, &channels, &bo.cookie_header(), &origin)
        .await
        .unwrap();
    let execute = serde_json::json!({
        "header": {"msg_id": "cell-1", "username": "bo", "session": "test", "msg_type": "execute_request", "version": "5.3", "date": "2026-12-05T00:00:00Z"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": "import pandas as pd\nprint('rows', len(pd.read_parquet('/data/dlcr.parquet')))",
                    "silent": false, "store_history": false, "user_expressions": {}, "allow_stdin": false, "stop_on_error": true}
    });
    kernel_ws
        .send(Message::text(execute.to_string()))
        .await
        .unwrap();
    let printed = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(Ok(m)) = kernel_ws.next().await {
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["msg_type"] == "stream" && v["parent_header"]["msg_id"] == "cell-1" {
                return v["content"]["text"].as_str().unwrap().to_owned();
            }
            if v["msg_type"] == "error" {
                panic!("the cell failed: {v}");
            }
        }
        panic!("the kernel's WebSocket closed");
    })
    .await
    .expect("the cell printed within a minute");
    let (_, w) = get(&mut bo, &format!("/api/v1/workspaces/{ws}")).await;
    let rows = w["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "dlcr")
        .unwrap()["rows"]
        .as_u64()
        .unwrap();
    assert_eq!(printed.trim(), format!("rows {rows}"));
    let trail = actions(&app, &ws).await;
    assert!(
        trail
            .iter()
            .any(|(a, d)| a == "notebook.start" && d["tables"].as_array().unwrap().len() == 3),
        "{trail:?}"
    );

    // The permit ends: the notebook stops. The workspace ends: its notebooks' folders go.
    let kept = |prefix: String| {
        std::fs::read_dir(tmp.path().join("jobs"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&prefix)
            })
            .count()
    };
    assert_eq!(kept(format!("notebook-work-{ws}-")), 1);
    crate::lifecycle::revoke(&app, &permit).await;
    let now = ork_store::now_unix();
    ork_server::workspaces::lifecycle::sweep(&state, now)
        .await
        .unwrap();
    let mut stopped = false;
    for _ in 0..100 {
        if actions(&app, &ws)
            .await
            .iter()
            .any(|(a, _)| a == "notebook.stop")
        {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stopped, "the notebook stopped when the permit ended");
    ork_server::workspaces::lifecycle::sweep(&state, now + 100 * 365 * 86_400)
        .await
        .unwrap();
    assert_eq!(kept(format!("notebook-work-{ws}-")), 0);
    assert_eq!(kept(format!("notebook-{ws}-")), 0);
}

//! The workspace end to end over HTTP: a granted permit becomes a workspace through one
//! data order per controller (signed off by its stewards, or delivered automatically by the
//! controller's regime), provisioned from generated registers with exactly the permit's
//! scope under the project's pseudonyms; SQL reaches its tables and nothing else; only the
//! permit's named, certified users get in; a steward's suspension takes the data away.

use crate::amendments::approve_all;
use crate::applications::{PW, answers, call, case_2_need, get, setup, upload};
use crate::helpers::{Browser, TestApp, src};
use crate::quicktests::{quicktests, registers};
use arrow::array::{Array, StringArray};
use ork_domain::Role;
use ork_server::AppState;
use ork_server::workspaces::WorkspaceState;
use ork_testkit::{TestDb, both_backends};
use ork_workspace::{KeyProvider, LocalMasterKey, Pseudonymiser};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub(crate) const MASTER: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

/// The population of both projects: everyone aged 40–99 on 1 January 2020.
fn population() -> Value {
    json!({"population": {"alive_on": "2020-01-01", "age": [40, 99]}})
}

async fn app(db: TestDb, root: &Path) -> TestApp {
    app_and_state(db, root).await.0
}

/// The server with workspaces under `root`, and its state (for the Flight SQL service and
/// the lifecycle's sweep, which tests drive themselves).
pub(crate) async fn app_and_state(db: TestDb, root: &Path) -> (TestApp, AppState) {
    app_and_state_in(db, root, ork_workspace::Storage::local(root.to_path_buf())).await
}

/// The same with the workspaces' files in `storage` (keys beside `root`).
pub(crate) async fn app_and_state_in(
    db: TestDb,
    root: &Path,
    storage: ork_workspace::Storage,
) -> (TestApp, AppState) {
    app_and_state_with(db, root, storage, ork_workspace::query::Limits::default()).await
}

/// The same with queries under `limits` (and on the cluster they name).
pub(crate) async fn app_and_state_with(
    db: TestDb,
    root: &Path,
    storage: ork_workspace::Storage,
    limits: ork_workspace::query::Limits,
) -> (TestApp, AppState) {
    let jobs = Arc::new(ork_server::jobs::JobsState::disabled());
    app_and_state_jobs(db, root, storage, limits, jobs).await
}

/// The same with jobs run as `jobs` says.
pub(crate) async fn app_and_state_jobs(
    db: TestDb,
    root: &Path,
    storage: ork_workspace::Storage,
    limits: ork_workspace::query::Limits,
    jobs: Arc<ork_server::jobs::JobsState>,
) -> (TestApp, AppState) {
    let q = quicktests();
    let w = Arc::new(WorkspaceState::new(storage, Arc::new(master(root)), limits));
    let kept = Arc::new(std::sync::Mutex::new(None));
    let keep = kept.clone();
    let app = TestApp::spawn_state(db, move |store| {
        let state = AppState::new(store, Default::default())
            .with_quicktests(q)
            .with_workspaces(w)
            .with_jobs(jobs);
        *keep.lock().unwrap() = Some(state.clone());
        state
    })
    .await;
    let state = kept.lock().unwrap().take().unwrap();
    (app, state)
}

/// A granted application of case 2 (PACS of the Capital Region, LPR's admissions with two
/// variables, the lung cancer database whole) for Bo and Ida; returns the permit's id.
pub(crate) async fn granted(app: &TestApp, bo: &mut Browser<'_>, title: &str) -> String {
    granted_for(app, bo, title, ("2018-01-01", "2021-12-31")).await
}

/// The same, for the data period `period`.
async fn granted_for(
    app: &TestApp,
    bo: &mut Browser<'_>,
    title: &str,
    period: (&str, &str),
) -> String {
    let (_, created) = call(
        bo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": title, "need": case_2_need()}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, protocol) = upload(bo, "protocol.pdf", "application/pdf", b"%PDF-1.7\nprotocol").await;
    let mut body = answers(protocol["id"].as_str().unwrap());
    body["data_description"] = json!([
        {"id": "pacs-hovedstaden", "variables": []},
        {"id": "lpr", "variables": ["lpr_adm.d_inddto", "lpr_adm.c_adiag"]},
        {"id": "dlcr", "variables": []},
    ]);
    body["population"] = population();
    body["data_period"] = json!({"from": period.0, "to": period.1});
    body["users"] = json!([
        {"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Analyst"},
        {"name": "Ida Holm", "email": "ida@demofarma.example", "role": "Analyst"},
    ]);
    let (s, saved) = call(
        bo,
        Method::PATCH,
        &format!("/api/v1/applications/{id}"),
        json!({"answers": body}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let (s, sub) = call(
        bo,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let a = approve_all(app, bo, &id).await;
    assert_eq!(a["state"], "granted", "{a}");
    let permits = get(bo, "/api/v1/permits").await.1;
    permits["permits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["application"] == id.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Waits until the workspace has `n` snapshots and no job runs; returns its body.
pub(crate) async fn provisioned(b: &mut Browser<'_>, id: &str, n: usize) -> Value {
    for _ in 0..300 {
        let (s, w) = get(b, &format!("/api/v1/workspaces/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{w}");
        // The workspace and its snapshots are read one after the other: wait until both
        // show the delivery.
        if w["snapshots"].as_array().unwrap().len() >= n
            && w["progress"]["running"] == false
            && w["state"] != "provisioning"
        {
            return w;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("workspace {id} not provisioned");
}

pub(crate) async fn query(b: &mut Browser<'_>, id: &str, body: Value) -> (StatusCode, Value) {
    call(
        b,
        Method::POST,
        &format!("/api/v1/workspaces/{id}/query"),
        body,
    )
    .await
}

/// Uploads own data (`name`, `file`) to a workspace.
pub(crate) async fn own(
    b: &mut Browser<'_>,
    id: &str,
    name: &str,
    filename: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "ork-own-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let csrf = b.csrf();
    let res = b
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{id}/uploads"),
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

/// The tests' master key, with the workspaces' wrapped data keys in a folder beside
/// `root` (so a test reads what the server sealed).
pub(crate) fn master(root: &Path) -> LocalMasterKey {
    LocalMasterKey::from_hex(MASTER)
        .unwrap()
        .with_key_dir(root.with_extension("keys"))
}

/// The values of a Parquet file's columns as text, by column (`key`: the file is sealed).
fn cells(file: &Path, key: Option<&ork_workspace::DataKey>) -> Vec<(String, Vec<String>)> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(file).unwrap();
    let b = match key {
        Some(k) => {
            ParquetRecordBatchReaderBuilder::try_new_with_options(f, k.reader_options().unwrap())
                .unwrap()
        }
        None => ParquetRecordBatchReaderBuilder::try_new(f).unwrap(),
    };
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut out: Vec<(String, Vec<String>)> = names.into_iter().map(|n| (n, Vec::new())).collect();
    for batch in b.build().unwrap() {
        let batch = batch.unwrap();
        for (i, (_, values)) in out.iter_mut().enumerate() {
            let c =
                arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Utf8).unwrap();
            let s = c.as_any().downcast_ref::<StringArray>().unwrap();
            values.extend(s.iter().flatten().map(str::to_owned));
        }
    }
    out
}

fn pnr_column(cells: Vec<(String, Vec<String>)>) -> BTreeSet<String> {
    cells
        .into_iter()
        .find(|(n, _)| n == "pnr")
        .unwrap()
        .1
        .into_iter()
        .collect()
}

/// The persons of a workspace's sealed table (`file` under `root`'s workspace `ws`).
fn pnrs(root: &Path, ws: &str, file: &Path) -> BTreeSet<String> {
    let key = master(root).data_key(ws, false).unwrap();
    pnr_column(cells(file, Some(&key)))
}

/// Every CPR number of the generated registers.
pub(crate) fn cpr_numbers() -> BTreeSet<String> {
    pnr_column(cells(&registers().join("cpr").join("cpr.parquet"), None))
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

both_backends!(
    a_permit_becomes_a_workspace_with_exactly_its_scope,
    workspace_body
);
async fn workspace_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    let app = app(db, &root).await;
    setup(&app).await;
    for (email, org) in [
        ("steward@sds.example", "sds"),
        ("steward@hovedstaden.example", "hovedstaden"),
        ("steward@rkkp.example", "rkkp"),
    ] {
        app.user(email, PW, &[(org, Role::DataSteward)]).await;
    }
    app.user(
        "ida@demofarma.example",
        PW,
        &[("demofarma", Role::Applicant)],
    )
    .await;
    // RKKP's regime delivers the lung cancer database without a sign-off.
    let steward = app
        .store
        .user_by_email(&ork_domain::Email::parse("steward@rkkp.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.store.write().await.unwrap();
    tx.set_dataset_regime(
        &src(),
        "dlcr",
        r#"{"automatic_delivery": true}"#,
        Some(steward.id),
    )
    .await
    .unwrap();
    for email in ["bo@demofarma.example"] {
        let u = app
            .store
            .user_by_email(&ork_domain::Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        tx.set_certification(&src(), &u, Some("2099-12-31"))
            .await
            .unwrap();
    }
    let ida = app
        .store
        .user_by_email(&ork_domain::Email::parse("ida@demofarma.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    tx.set_certification(&src(), &ida, Some("2020-06-30"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let permit = granted(&app, &mut bo, "Lung X-ray AI").await;
    let list = get(&mut bo, "/api/v1/workspaces").await.1;
    let ws = &list["workspaces"][0];
    assert_eq!(ws["permit"], permit.as_str());
    let id = ws["id"].as_str().unwrap().to_owned();

    // One order per controller; each steward sees only their own controller's.
    let mut sds = Browser::signed_in(&app, "steward@sds.example", PW).await;
    let (s, orders) = get(&mut sds, "/api/v1/data-orders?state=awaiting_sign_off").await;
    assert_eq!(s, StatusCode::OK, "{orders}");
    let orders = orders["orders"].as_array().unwrap().clone();
    assert_eq!(orders.len(), 1, "{orders:?}");
    let lpr_order = orders[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(orders[0]["controller"], "sds");
    assert_eq!(orders[0]["project"], "Lung X-ray AI");
    let tables = &orders[0]["description"]["datasets"][0]["tables"];
    assert_eq!(tables[0]["name"], "lpr_adm");
    assert_eq!(tables[0]["columns"], json!(["d_inddto", "c_adiag"]));
    assert_eq!(tables[0]["years"], json!([2018, 2021]));
    let mut region = Browser::signed_in(&app, "steward@hovedstaden.example", PW).await;
    let mine = get(&mut region, "/api/v1/data-orders").await.1;
    let pacs_order = mine["orders"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(mine["orders"].as_array().unwrap().len(), 1);
    assert_eq!(
        mine["orders"][0]["description"]["datasets"][0]["tables"][0]["name"],
        "pacs_hovedstaden"
    );
    // Another controller's order is not found; bad filters are 400.
    let (s, _) = call(
        &mut region,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        get(&mut sds, "/api/v1/data-orders?state=lost").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&mut sds, "/api/v1/data-orders?colour=red").await.0,
        StatusCode::BAD_REQUEST
    );

    // RKKP's automatic order arrives first: the workspace is ready with its table only.
    let w = provisioned(&mut bo, &id, 1).await;
    assert_eq!(w["state"], "ready");
    let names: Vec<&str> = w["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dlcr"]);
    // The stewards sign off; the next snapshot holds all three.
    let (s, o) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert!(
        matches!(o["state"].as_str(), Some("delivering" | "delivered")),
        "{o}"
    );
    let (s, _) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "signed off twice");
    let (s, _) = call(
        &mut region,
        Method::POST,
        &format!("/api/v1/data-orders/{pacs_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let mut w = provisioned(&mut bo, &id, 2).await;
    for _ in 0..50 {
        if w["tables"].as_array().unwrap().len() == 3 {
            break;
        }
        w = provisioned(&mut bo, &id, w["snapshots"].as_array().unwrap().len() + 1).await;
    }
    let mut names: Vec<String> = w["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["dlcr", "lpr_adm", "pacs_hovedstaden"]);
    assert!(
        w["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["state"] == "delivered"),
        "{w}"
    );
    let lpr = w["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "lpr_adm")
        .unwrap();
    assert_eq!(
        lpr["columns"],
        json!([{"name": "pnr", "type": "pseudonym"}, {"name": "recnum", "type": "pseudonym"}, {"name": "d_inddto", "type": "date"}, {"name": "c_adiag", "type": "string"}])
    );

    // SQL over the tables: out-of-scope variables and years are not there.
    let (s, r) = query(&mut bo, &id, json!({"sql": "SELECT min(d_inddto) AS first, max(d_inddto) AS last, count(*) AS n FROM lpr_adm"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(r["rows"][0][0].as_str().unwrap() >= "2018-01-01", "{r}");
    assert!(r["rows"][0][1].as_str().unwrap() <= "2021-12-31", "{r}");
    let n_lpr = r["rows"][0][2].as_i64().unwrap();
    assert!(n_lpr > 0);
    let (s, e) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT c_pattype FROM lpr_adm"}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT DISTINCT region FROM pacs_hovedstaden"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["rows"],
        json!([["hovedstaden"]]),
        "a region's view holds its own rows only"
    );

    // Exactly the permit's persons, under this project's pseudonyms.
    let snap = w["snapshots"].as_array().unwrap().last().unwrap()["number"]
        .as_i64()
        .unwrap();
    let file = root
        .join(&id)
        .join("snapshots")
        .join(snap.to_string())
        .join("lpr_adm.parquet");
    let in_workspace = pnrs(&root, &id, &file);
    let loaded = ork_server::quicktests::QuickTestState::new(
        Some(registers()),
        Default::default(),
        Default::default(),
    );
    loaded.build_now().unwrap();
    let ix = loaded.index().unwrap();
    let cohort = ork_quicktest::cohort::from_value(&population()).unwrap();
    let set = ork_quicktest::engine::evaluate(&ix.index, &cohort).set;
    let members: BTreeSet<String> = set
        .iter()
        .map(|i| format!("{:010}", ix.index.pnr[i as usize]))
        .collect();
    let key = LocalMasterKey::from_hex(MASTER).unwrap();
    let p1 = Pseudonymiser::new(&key.project_key(&id).unwrap());
    let expected_pool: BTreeSet<String> = members
        .iter()
        .map(|c| p1.pseudonym(c.as_bytes()).to_string())
        .collect();
    assert!(!in_workspace.is_empty());
    assert!(
        in_workspace.is_subset(&expected_pool),
        "only the population's persons"
    );
    let outsiders: BTreeSet<String> = cpr_numbers()
        .difference(&members)
        .map(|c| p1.pseudonym(c.as_bytes()).to_string())
        .collect();
    assert!(
        in_workspace.is_disjoint(&outsiders),
        "no one outside the population"
    );

    // No CPR number in any byte of any workspace file, nor in any cell of its tables once
    // opened with the workspace's key. Without the key, a table does not open at all.
    let cprs = cpr_numbers();
    let mut files = Vec::new();
    files_under(&root, &mut files);
    assert!(files.len() >= 4);
    let key = master(&root).data_key(&id, false).unwrap();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for w in bytes.windows(10) {
            if w.iter().all(u8::is_ascii_digit) {
                let s = std::str::from_utf8(w).unwrap();
                assert!(!cprs.contains(s), "a CPR number in {}", f.display());
            }
        }
        if f.extension().is_some_and(|e| e == "parquet") {
            assert!(
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                    std::fs::File::open(f).unwrap()
                )
                .is_err(),
                "{} is sealed",
                f.display()
            );
            for (column, values) in cells(f, Some(&key)) {
                assert!(
                    values
                        .iter()
                        .all(|v| !cprs.contains(v.replace('-', "").as_str())),
                    "a CPR number in {}'s column {column}",
                    f.display()
                );
            }
        }
    }

    // Named but not certified (expired): refused, naming the date. Not named: not found,
    // and the refusal is in the audit trail.
    let mut ida = Browser::signed_in(&app, "ida@demofarma.example", PW).await;
    let (s, e) = query(&mut ida, &id, json!({"sql": "SELECT 1"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"]["code"], "certification_expired");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2020-06-30"),
        "{e}"
    );
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    assert_eq!(
        get(&mut co, &format!("/api/v1/workspaces/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = query(&mut co, &id, json!({"sql": "SELECT 1"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        get(&mut co, "/api/v1/workspaces").await.1["workspaces"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Reaching outside is refused and logged; the log shows every query.
    for sql in [
        "SELECT * FROM '/etc/passwd'",
        "COPY lpr_adm TO '/tmp/x.csv'",
        "SELECT * FROM cpr",
    ] {
        let (s, e) = query(&mut bo, &id, json!({"sql": sql})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{sql}: {e}");
    }
    let log = get(&mut bo, &format!("/api/v1/workspaces/{id}/log"))
        .await
        .1;
    let outcomes: Vec<&str> = log["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["refused", "refused", "refused", "ok", "failed", "ok"],
        "{log}"
    );
    assert_eq!(log["queries"][3]["row_count"], 1);

    // Own data: checked by row, pseudonymised with the project's key, so it links.
    let some: Vec<&String> = members.iter().take(20).collect();
    let mut csv = String::from("CPR;score\n");
    for (i, c) in some.iter().enumerate() {
        csv.push_str(&format!("{}-{};{i}\n", &c[..6], &c[6..]));
    }
    let (s, added) = own(&mut bo, &id, "survey", "survey.csv", csv.as_bytes()).await;
    assert_eq!(s, StatusCode::CREATED, "{added}");
    assert_eq!(
        (added["table"].as_str(), added["rows"].as_u64()),
        (Some("own_survey"), Some(20))
    );
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT pnr FROM own_survey ORDER BY pnr"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let got: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x[0].as_str().unwrap())
        .collect();
    let mut want: Vec<String> = some
        .iter()
        .map(|c| p1.pseudonym(c.as_bytes()).to_string())
        .collect();
    want.sort();
    assert_eq!(got, want, "the project's pseudonyms: own data links");
    let linked = want.iter().filter(|w| in_workspace.contains(*w)).count();
    let (s, r) = query(&mut bo, &id, json!({"sql": "SELECT count(DISTINCT o.pnr) FROM own_survey o JOIN lpr_adm a ON a.pnr = o.pnr"})).await;
    assert_eq!(
        (s, r["rows"][0][0].as_u64()),
        (StatusCode::OK, Some(linked as u64))
    );
    let own_file = root
        .join(&id)
        .join("snapshots")
        .join(added["snapshot"].to_string())
        .join("own_survey.parquet");
    let bytes = std::fs::read(&own_file).unwrap();
    for c in &some {
        assert!(
            !bytes.windows(10).any(|w| w == c.as_bytes()),
            "no CPR number kept"
        );
    }
    // Bad input: reported, nothing kept.
    let snapshots_before = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1["snapshots"]
        .as_array()
        .unwrap()
        .len();
    let (s, e) = own(
        &mut bo,
        &id,
        "bad",
        "bad.csv",
        b"pnr,x\n0101801234,1\n12345,2\n3102801234,3\n",
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["error"]["code"], "own_bad_cpr");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 (pnr), 3 (pnr)"),
        "{e}"
    );
    let (s, e) = own(
        &mut bo,
        &id,
        "bad",
        "bad.csv",
        b"pnr,by\n0101801234,K\xf8ge\n",
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("own_not_utf8"))
    );
    let (s, e) = own(&mut bo, &id, "bad", "bad.csv", b"pnr|x\n0101801234|1\n").await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("own_no_cpr")),
        "{e}"
    );
    let (s, _) = own(&mut bo, &id, "Bad Name", "x.csv", b"pnr\n0101801234\n").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let after = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1["snapshots"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, snapshots_before, "nothing stored");
    // A controller's regime may forbid own data.
    let mut tx = app.store.write().await.unwrap();
    tx.set_dataset_regime(&src(), "lpr", r#"{"own_data": false}"#, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (s, e) = own(&mut bo, &id, "more", "more.csv", b"pnr\n0101801234\n").await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("own_data_forbidden"))
    );

    // A second project over the same persons: other pseudonyms.
    let permit2 = granted(&app, &mut bo, "Lung X-ray AI, second cohort").await;
    let list = get(&mut bo, "/api/v1/workspaces").await.1;
    let id2 = list["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["permit"] == permit2.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (who, order) in get(&mut sds, "/api/v1/data-orders?state=awaiting_sign_off")
        .await
        .1["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| ("sds", o["id"].as_str().unwrap().to_owned()))
        .chain(
            get(&mut region, "/api/v1/data-orders?state=awaiting_sign_off")
                .await
                .1["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| ("region", o["id"].as_str().unwrap().to_owned())),
        )
        .collect::<Vec<_>>()
    {
        let b = if who == "sds" { &mut sds } else { &mut region };
        assert_eq!(
            call(
                b,
                Method::POST,
                &format!("/api/v1/data-orders/{order}/sign-off"),
                json!({})
            )
            .await
            .0,
            StatusCode::OK
        );
    }
    let mut w2 = provisioned(&mut bo, &id2, 1).await;
    for _ in 0..50 {
        if w2["tables"].as_array().unwrap().len() == 3 {
            break;
        }
        w2 = provisioned(&mut bo, &id2, w2["snapshots"].as_array().unwrap().len() + 1).await;
    }
    let snap2 = w2["snapshots"].as_array().unwrap().last().unwrap()["number"]
        .as_i64()
        .unwrap();
    let second = pnrs(
        &root,
        &id2,
        &root
            .join(&id2)
            .join("snapshots")
            .join(snap2.to_string())
            .join("lpr_adm.parquet"),
    );
    assert_eq!(second.len(), in_workspace.len(), "the same persons");
    assert!(
        second.is_disjoint(&in_workspace),
        "unlinkable across projects"
    );

    // A steward suspends: the table is gone from the workspace at once; signing off
    // again brings it back.
    let (s, o) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/suspend"),
        json!({"reason": "Audit of the project's use"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    assert_eq!(o["state"], "suspended");
    let (s, _) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/suspend"),
        json!({"reason": "again"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/suspend"),
        json!({"reason": " "}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let w = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1;
    assert!(
        w["tables"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["name"] != "lpr_adm"),
        "{w}"
    );
    let (s, e) = query(&mut bo, &id, json!({"sql": "SELECT count(*) FROM lpr_adm"})).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("sql_outside"))
    );
    let (s, _) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let before = w["snapshots"].as_array().unwrap().len();
    provisioned(&mut bo, &id, before + 1).await;
    let (s, r) = query(&mut bo, &id, json!({"sql": "SELECT count(*) FROM lpr_adm"})).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        r["rows"][0][0].as_i64(),
        Some(n_lpr),
        "the same extract again"
    );
    // The project's own data stays in the new snapshot.
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) FROM own_survey"}),
    )
    .await;
    assert_eq!((s, r["rows"][0][0].as_i64()), (StatusCode::OK, Some(20)));
    // The earlier snapshot still answers as before.
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) FROM lpr_adm", "snapshot": snap}),
    )
    .await;
    assert_eq!((s, r["rows"][0][0].as_i64()), (StatusCode::OK, Some(n_lpr)));
    let (s, _) = query(&mut bo, &id, json!({"sql": "SELECT 1", "snapshot": 99})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = query(&mut bo, &id, json!({"sql": "SELECT 1", "limit": 0})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // An amendment that only removes Ida re-issues the permit: the same workspace (same
    // key, same pseudonyms, own data kept), every controller's unchanged order delivered
    // again without a second sign-off, and Ida no longer gets in.
    let snaps_before = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1["snapshots"]
        .as_array()
        .unwrap()
        .len();
    let bo_only = json!([{"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Analyst"}]);
    let (s, amended) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{permit}/amendments"),
        json!({"need": case_2_need(), "answers": {"users": bo_only}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{amended}");
    assert_eq!(amended["state"], "granted", "{amended}");
    let list = get(&mut bo, "/api/v1/workspaces").await.1;
    let mine: Vec<&Value> = list["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["title"] == "Lung X-ray AI")
        .collect();
    assert_eq!(mine.len(), 1, "no second workspace: {list}");
    assert_eq!(mine[0]["id"], id.as_str());
    assert_ne!(mine[0]["permit"], permit.as_str(), "the amendment's permit");
    let w = provisioned(&mut bo, &id, snaps_before + 1).await;
    assert!(
        w["orders"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["state"] == "delivered"),
        "delivered again without a sign-off: {w}"
    );
    let last = w["snapshots"].as_array().unwrap().last().unwrap()["number"]
        .as_i64()
        .unwrap();
    let again = pnrs(
        &root,
        &id,
        &root
            .join(&id)
            .join("snapshots")
            .join(last.to_string())
            .join("lpr_adm.parquet"),
    );
    assert_eq!(again, in_workspace, "the same pseudonyms");
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) FROM own_survey"}),
    )
    .await;
    assert_eq!((s, r["rows"][0][0].as_i64()), (StatusCode::OK, Some(20)));
    let (s, _) = query(&mut ida, &id, json!({"sql": "SELECT 1"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "Ida is no longer named");
    // An order of the replaced permit cannot be signed off any more.
    let (s, _) = call(
        &mut sds,
        Method::POST,
        &format!("/api/v1/data-orders/{lpr_order}/sign-off"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

both_backends!(
    a_new_register_year_refreshes_the_workspace_and_old_snapshots_answer_as_before,
    refresh_body
);
async fn refresh_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("registers");
    let generate = |to_year| {
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 2000,
            seed: 9,
            from_year: 2015,
            to_year,
            out: reg.clone(),
            force: true,
        })
        .unwrap();
    };
    generate(2023);
    let q = Arc::new(ork_server::quicktests::QuickTestState::new(
        Some(reg.clone()),
        Default::default(),
        Default::default(),
    ));
    q.build_now().unwrap();
    let w = Arc::new(WorkspaceState::new(
        ork_workspace::Storage::local(tmp.path().join("workspaces")),
        Arc::new(master(&tmp.path().join("workspaces"))),
        ork_workspace::query::Limits::default(),
    ));
    let served = q.clone();
    let app = TestApp::spawn_state(db, move |store| {
        AppState::new(store, Default::default())
            .with_quicktests(served)
            .with_workspaces(w)
    })
    .await;
    setup(&app).await;
    // Every controller of the project delivers without a sign-off.
    let bo_user = app
        .store
        .user_by_email(&ork_domain::Email::parse("bo@demofarma.example").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.store.write().await.unwrap();
    for source in ["pacs-hovedstaden", "lpr", "dlcr"] {
        tx.set_dataset_regime(&src(), source, r#"{"automatic_delivery": true}"#, None)
            .await
            .unwrap();
    }
    tx.set_certification(&src(), &bo_user, Some("2099-12-31"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    granted_for(
        &app,
        &mut bo,
        "Chest X-rays over time",
        ("2015-01-01", "2024-12-31"),
    )
    .await;
    let id = get(&mut bo, "/api/v1/workspaces").await.1["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let w = provisioned(&mut bo, &id, 1).await;
    assert_eq!(w["tables"].as_array().unwrap().len(), 3, "{w}");
    let sql = json!({"sql": "SELECT count(*) AS n, max(studiedato) AS last FROM pacs_hovedstaden"});
    let (s, before) = query(&mut bo, &id, sql.clone()).await;
    assert_eq!(s, StatusCode::OK, "{before}");
    assert!(
        before["rows"][0][1].as_str().unwrap().starts_with("2023"),
        "{before}"
    );

    // 2024 arrives: the registers are released again and the index rebuilt; the worker
    // refreshes the workspace into a second snapshot.
    generate(2024);
    q.build_now().unwrap();
    let w = provisioned(&mut bo, &id, 2).await;
    assert_eq!(w["snapshots"].as_array().unwrap().len(), 2);
    assert_ne!(
        w["snapshots"][0]["registers"],
        w["snapshots"][1]["registers"]
    );
    let (s, after) = query(&mut bo, &id, sql.clone()).await;
    assert_eq!((s, after["snapshot"].as_i64()), (StatusCode::OK, Some(2)));
    assert!(
        after["rows"][0][1].as_str().unwrap().starts_with("2024"),
        "{after}"
    );
    // The first snapshot answers exactly as it did.
    let mut old = sql.clone();
    old["snapshot"] = json!(1);
    let (s, again) = query(&mut bo, &id, old).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(again["rows"], before["rows"]);
    assert_eq!(again["snapshot"], 1);
    // Nothing more to do: no third snapshot appears.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let w = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1;
    assert_eq!(w["snapshots"].as_array().unwrap().len(), 2);
}

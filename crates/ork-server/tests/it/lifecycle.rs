//! The end of a workspace: its permit revoked, it freezes (the project is out, its
//! controllers' output checkers and the auditors may read it); its retention over, it is
//! deleted by destroying its data key, or archived as a package for the national archives
//! and then deleted. Every step is in the audit trail.

use crate::applications::{PW, call, get, setup};
use crate::helpers::{Browser, TestApp, src};
use crate::workspaces::{app_and_state, cpr_numbers, granted, master, own, provisioned, query};
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use ork_workspace::{KeyError, KeyProvider};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

const YEAR: i64 = 365 * 86_400;

pub(crate) async fn certify(app: &TestApp, email: &str) {
    let u = app
        .store
        .user_by_email(&ork_domain::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.store.write().await.unwrap();
    tx.set_certification(&src(), &u, Some("2099-12-31"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

pub(crate) async fn regimes(app: &TestApp, regime: &str) {
    let mut tx = app.store.write().await.unwrap();
    for dataset in ["lpr", "pacs-hovedstaden", "dlcr"] {
        tx.set_dataset_regime(&src(), dataset, regime, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// A granted project, provisioned with all three tables; its workspace's id and permit.
pub(crate) async fn ready(app: &TestApp, bo: &mut Browser<'_>, title: &str) -> (String, String) {
    let permit = granted(app, bo, title).await;
    let list = get(bo, "/api/v1/workspaces").await.1;
    let id = list["workspaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["permit"] == permit.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut w = provisioned(bo, &id, 1).await;
    while w["tables"].as_array().unwrap().len() < 3 {
        let n = w["snapshots"].as_array().unwrap().len();
        w = provisioned(bo, &id, n + 1).await;
    }
    (id, permit)
}

pub(crate) async fn revoke(app: &TestApp, permit: &str) {
    let mut op = Browser::signed_in(app, "op@platform.example", PW).await;
    let (s, r) = call(
        &mut op,
        Method::POST,
        &format!("/api/v1/permits/{permit}/revoke"),
        json!({"reason": "The project ended early."}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
}

async fn workspace(b: &mut Browser<'_>, id: &str) -> (StatusCode, Value) {
    get(b, &format!("/api/v1/workspaces/{id}")).await
}

both_backends!(
    a_workspace_freezes_with_its_permit_and_ends_deleted_or_archived,
    lifecycle_body
);
async fn lifecycle_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    let (app, state) = app_and_state(db, &root).await;
    setup(&app).await;
    app.user(
        "auditor@datatilsynet.example",
        PW,
        &[("datatilsynet", Role::Auditor)],
    )
    .await;
    app.user("checker@rkkp.example", PW, &[("rkkp", Role::OutputChecker)])
        .await;
    app.user(
        "checker@othercorp.example",
        PW,
        &[("othercorp", Role::OutputChecker)],
    )
    .await;
    for email in [
        "bo@demofarma.example",
        "auditor@datatilsynet.example",
        "checker@rkkp.example",
        "checker@othercorp.example",
    ] {
        certify(&app, email).await;
    }
    regimes(
        &app,
        r#"{"automatic_delivery": true, "retention_days": 365}"#,
    )
    .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (id, permit) = ready(&app, &mut bo, "Lung X-ray AI").await;
    // The application's track-and-trace shows each controller's delivery and its clock.
    let application = workspace(&mut bo, &id).await.1["application"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = bo
        .get(&format!("/applications/{application}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"app-delivery\"")
            && html.contains(&format!("href=\"/workspaces/{id}\""))
            && html.contains("Leveret"),
        "{html}"
    );
    let mut auditor = Browser::signed_in(&app, "auditor@datatilsynet.example", PW).await;
    let sql = json!({"sql": "SELECT count(*) FROM lpr_adm"});
    // While the project works, a reviewer does not see its workspace.
    assert_eq!(workspace(&mut auditor, &id).await.0, StatusCode::NOT_FOUND);

    // Revoked: the worker freezes it, to be kept for the regimes' retention.
    revoke(&app, &permit).await;
    let before = ork_store::now_unix();
    ork_server::workspaces::lifecycle::sweep(&state, before)
        .await
        .unwrap();
    let (s, w) = workspace(&mut bo, &id).await;
    assert_eq!(
        (s, w["state"].as_str()),
        (StatusCode::OK, Some("frozen")),
        "{w}"
    );
    let until =
        ork_server::dates::parse_date(&w["lifecycle"]["retain_until"].as_str().unwrap()[..10])
            .unwrap();
    assert!((until - (before + YEAR)).abs() <= 2 * 86_400, "{w}");
    let (s, e) = query(&mut bo, &id, sql.clone()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("workspace_closed"))
    );
    // The page says so, with the date it is kept until, and offers no upload.
    let html = bo
        .get(&format!("/workspaces/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-testid=\"workspace-lifecycle\"")
            && html.contains(&w["lifecycle"]["retain_until"].as_str().unwrap()[..10])
            && !html.contains("data-testid=\"own-data\""),
        "{html}"
    );

    // Read-only for the auditor and the controllers' output checkers.
    let (s, r) = query(&mut auditor, &id, sql.clone()).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let n = r["rows"][0][0].as_u64().unwrap();
    assert!(n > 0);
    let mut checker = Browser::signed_in(&app, "checker@rkkp.example", PW).await;
    assert_eq!(
        query(&mut checker, &id, sql.clone()).await.0,
        StatusCode::OK
    );
    let mut stranger = Browser::signed_in(&app, "checker@othercorp.example", PW).await;
    assert_eq!(
        query(&mut stranger, &id, sql.clone()).await.0,
        StatusCode::NOT_FOUND,
        "a checker of no controller of the data"
    );
    let (s, e) = own(
        &mut auditor,
        &id,
        "survey",
        "s.csv",
        b"pnr,x\n0101801234,1\n",
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("workspace_read_only"))
    );

    // Retention over: deleted by destroying its key; the files go too.
    ork_server::workspaces::lifecycle::sweep(&state, before + YEAR / 2)
        .await
        .unwrap();
    assert_eq!(
        workspace(&mut bo, &id).await.1["state"],
        "frozen",
        "kept until then"
    );
    ork_server::workspaces::lifecycle::sweep(&state, before + 2 * YEAR)
        .await
        .unwrap();
    let (_, w) = workspace(&mut bo, &id).await;
    assert_eq!(w["state"], "deleted", "{w}");
    assert!(w["lifecycle"]["ended_at"].is_string());
    assert!(w["lifecycle"]["archive"].is_null());
    assert_eq!(
        master(&root).data_key(&id, false).unwrap_err(),
        KeyError::Destroyed
    );
    assert!(!root.join(&id).exists());
    assert_eq!(workspace(&mut auditor, &id).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        query(&mut bo, &id, sql.clone()).await.0,
        StatusCode::FORBIDDEN
    );

    // A controller with an archival duty: the next project is archived, then deleted.
    regimes(
        &app,
        r#"{"automatic_delivery": true, "retention_days": 365, "at_end": "archive"}"#,
    )
    .await;
    let (id2, permit2) = ready(&app, &mut bo, "Lung X-ray AI, second study").await;
    revoke(&app, &permit2).await;
    let now = ork_store::now_unix();
    ork_server::workspaces::lifecycle::sweep(&state, now)
        .await
        .unwrap();
    ork_server::workspaces::lifecycle::sweep(&state, now + 2 * YEAR)
        .await
        .unwrap();
    let (_, w) = workspace(&mut bo, &id2).await;
    assert_eq!(w["state"], "archived", "{w}");
    let name = w["lifecycle"]["archive"].as_str().unwrap();
    let package = tmp.path().join("archives").join(name);
    // Every file as its checksum says; the tables open without any key, hold the rows
    // and no CPR number.
    let sums = std::fs::read_to_string(package.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 4, "{sums}");
    for line in sums.lines() {
        let (sum, file) = line.split_once("  ").unwrap();
        let bytes = std::fs::read(package.join(file)).unwrap();
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sum, "{file}");
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(package.join("workspace.json")).unwrap()).unwrap();
    assert_eq!(manifest["workspace"], id2.as_str());
    assert_eq!(manifest["pseudonymised"], true);
    let lpr = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "lpr_adm")
        .unwrap();
    let file = std::fs::File::open(package.join("tables/lpr_adm.parquet")).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let cprs = cpr_numbers();
    let mut rows = 0u64;
    for batch in reader.build().unwrap() {
        let batch = batch.unwrap();
        rows += batch.num_rows() as u64;
        let pnr = arrow::compute::cast(
            batch.column_by_name("pnr").unwrap(),
            &arrow::datatypes::DataType::Utf8,
        )
        .unwrap();
        let pnr = pnr
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap();
        assert!(pnr.iter().flatten().all(|p| !cprs.contains(p)));
    }
    assert_eq!(Some(rows), lpr["rows"].as_u64());
    assert_eq!(
        master(&root).data_key(&id2, false).unwrap_err(),
        KeyError::Destroyed
    );
    assert!(!root.join(&id2).exists());

    // Every step in the audit trail.
    let audit = app.store.audit_page(0, 100_000).await.unwrap();
    let step = |action: &str, ws: &str| {
        audit
            .iter()
            .find(|e| e.action == action && e.object_id == ws)
            .map(|e| e.details.clone())
    };
    assert_eq!(step("workspace.frozen", &id).unwrap()["reason"], "revoked");
    assert_eq!(
        step("workspace.deleted", &id).unwrap()["data_key"],
        "destroyed"
    );
    let archived = step("workspace.archived", &id2).unwrap();
    assert_eq!(archived["package"], name);
    assert_eq!(archived["data_key"], "destroyed");
    assert!(audit.iter().any(|e| e.action == "workspace.query"
        && e.object_id == id
        && e.actor.as_deref() == Some("auditor@datatilsynet.example")));
}

//! Provisioning survives a crash: the server killed (SIGKILL) while it writes a workspace's
//! first snapshot leaves no snapshot anyone can see, and the restarted server cleans up and
//! completes it.

use crate::{run, stderr, stdout};
use ork_testkit::{TestDb, both_backends};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn serve(db: &str, data: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_orkestrator"))
        .arg("--data-dir")
        .arg(data)
        .arg("--database-url")
        .arg(db)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("ORK_CONFIG")
        .env_remove("DATABASE_URL")
        .env_remove("ORK_WORKSPACE_MASTER_KEY")
        .env("ORK_LOG", "warn")
        .current_dir(data.parent().unwrap())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start orkestrator serve")
}

/// The entries of a workspace's snapshot folder.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

both_backends!(
    a_crash_during_provisioning_leaves_no_half_workspace,
    crash_body
);
async fn crash_body(db: TestDb) {
    let data = db.dir().join("var");
    let out = run(
        &db.url,
        &data,
        &["demo", "--no-serve", "--registers-persons", "20000"],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // The demo's granted project has a workspace; its controllers' stewards sign off.
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    let ws = store
        .workspaces()
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo's granted application has a workspace");
    let steward = store
        .user_by_email(&ork_domain::Email::parse("steward@sds.demo.dk").unwrap())
        .await
        .unwrap()
        .expect("the demo's steward");
    let src = ork_store::AuditSource::cli();
    let mut tx = store.write().await.unwrap();
    for o in store.data_orders_of(&ws.id).await.unwrap() {
        if o.permit_id == ws.permit_id && o.state == "awaiting_sign_off" {
            assert!(
                tx.sign_off_data_order(&src, &o.id, steward.id)
                    .await
                    .unwrap()
            );
        }
    }
    tx.commit().await.unwrap();
    let snapshots = data.join("workspaces").join(&ws.id).join("snapshots");

    // Killed while the first snapshot is being written.
    let mut server = serve(&db.url, &data);
    let started = Instant::now();
    loop {
        let e = entries(&snapshots);
        if e.iter().any(|n| n == ".1.partial") && !entries(&snapshots.join(".1.partial")).is_empty()
        {
            break;
        }
        assert!(
            e.iter().all(|n| n != "1"),
            "the snapshot finished before the kill: make the registers larger"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "provisioning never started"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    // Nothing visible: no snapshot row, the workspace still provisioning, only the hidden
    // folder on disk.
    assert!(store.snapshots(&ws.id).await.unwrap().is_empty());
    let w = store.workspace(&ws.id).await.unwrap().unwrap();
    assert_eq!(w.state, "provisioning");
    assert_eq!(entries(&snapshots), [".1.partial"]);
    let listed = run(&db.url, &data, &["workspace", "list"], None);
    assert!(
        stdout(&listed).contains("provisioning"),
        "{}",
        stdout(&listed)
    );

    // Restarted: the leftovers go, the job runs again and completes.
    let mut server = serve(&db.url, &data);
    let started = Instant::now();
    while store.snapshots(&ws.id).await.unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "provisioning did not complete"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let w = store.workspace(&ws.id).await.unwrap().unwrap();
    assert_eq!(w.state, "ready");
    assert_eq!(entries(&snapshots), ["1"]);
    let snapshot = &store.snapshots(&ws.id).await.unwrap()[0];
    let tables: serde_json::Value = serde_json::from_str(&snapshot.tables).unwrap();
    let written = entries(&snapshots.join("1"));
    assert!(!written.is_empty());
    for t in tables.as_array().unwrap() {
        let file = format!("{}.parquet", t["name"].as_str().unwrap());
        assert!(written.contains(&file), "{file} in {written:?}");
    }
    assert_eq!(
        written.len(),
        tables.as_array().unwrap().len(),
        "no stray files"
    );
    let listed = run(&db.url, &data, &["workspace", "list"], None);
    assert!(stdout(&listed).contains("ready"), "{}", stdout(&listed));
}

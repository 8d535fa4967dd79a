use crate::{run, stderr, stdout};
use ork_audit::NewEvent;
use ork_testkit::{TestDb, both_backends};
use serde_json::json;

async fn seeded(db: &TestDb, n: usize) -> ork_store::Store {
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let events = (0..n)
        .map(|i| NewEvent {
            actor: Some("a@ku.dk".into()),
            org: Some("ku".into()),
            action: "thing.change".into(),
            object_type: "thing".into(),
            object_id: i.to_string(),
            source: "127.0.0.1".into(),
            details: json!({"i": i}),
        })
        .collect();
    tx.append_events(events).await.unwrap();
    tx.commit().await.unwrap();
    store
}

both_backends!(verify_names_the_first_bad_event, verify_body);
async fn verify_body(db: TestDb) {
    seeded(&db, 20).await;
    let data = db.dir().join("var");
    let ok = run(&db.url, &data, &["audit", "verify"], None);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("intact: 20 events"));

    let raw = db.raw_pool().await;
    sqlx::query("UPDATE audit_log SET object_id = 'forged' WHERE seq = 7")
        .execute(&raw)
        .await
        .unwrap();
    let bad = run(&db.url, &data, &["audit", "verify"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("First bad event: 7"),
        "{}",
        stderr(&bad)
    );
    sqlx::query("UPDATE audit_log SET object_id = '6' WHERE seq = 7")
        .execute(&raw)
        .await
        .unwrap();

    sqlx::query("DELETE FROM audit_log WHERE seq = 20")
        .execute(&raw)
        .await
        .unwrap();
    let bad = run(&db.url, &data, &["audit", "verify"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("First bad event: 20"),
        "{}",
        stderr(&bad)
    );
}

both_backends!(export_verifies_without_a_database, export_body);
async fn export_body(db: TestDb) {
    seeded(&db, 25).await;
    let data = db.dir().join("var");
    let file = db.dir().join("audit.jsonl");
    let out = run(
        &db.url,
        &data,
        &["audit", "export", "--out", file.to_str().unwrap()],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 26, "25 events and a trailer");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert!(first["hash"].is_string() && first["prev_hash"].is_string() && first["seq"] == 1);

    // Verified by a process that is given no database at all.
    let verify = |path: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_orkestrator"))
            .args([
                "--database-url",
                "postgres://nowhere.invalid/none",
                "audit",
                "verify",
                "--file",
                path.to_str().unwrap(),
            ])
            .output()
            .unwrap()
    };
    let ok = verify(&file);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let tampered = db.dir().join("tampered.jsonl");
    for i in 0..lines.len() {
        let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        edited[i] =
            edited[i]
                .replacen("thing", "th1ng", 1)
                .replacen("\"events\":25", "\"events\":24", 1);
        for (what, variant) in [
            ("edit", edited),
            ("delete", {
                let mut v: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                v.remove(i);
                v
            }),
        ] {
            std::fs::write(&tampered, variant.join("\n") + "\n").unwrap();
            let out = verify(&tampered);
            assert_eq!(out.status.code(), Some(1), "{what} line {}", i + 1);
            assert!(String::from_utf8_lossy(&out.stderr).contains("NOT intact"));
        }
    }
    let missing = verify(&db.dir().join("missing.jsonl"));
    assert!(!missing.status.success());
}

both_backends!(a_chain_of_100_000_events_verifies_from_the_cli, large_body);
async fn large_body(db: TestDb) {
    let store = ork_store::Store::connect(&db.url).await.unwrap();
    for _ in 0..10 {
        let mut tx = store.write().await.unwrap();
        let events = (0..10_000)
            .map(|i| NewEvent {
                actor: None,
                org: None,
                action: "load.test".into(),
                object_type: "thing".into(),
                object_id: i.to_string(),
                source: "cli".into(),
                details: json!({}),
            })
            .collect();
        tx.append_events(events).await.unwrap();
        tx.commit().await.unwrap();
    }
    let data = db.dir().join("var");
    let out = run(&db.url, &data, &["audit", "verify"], None);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("intact: 100000 events"),
        "{}",
        stdout(&out)
    );
}

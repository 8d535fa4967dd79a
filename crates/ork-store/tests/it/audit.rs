use crate::accounts::{new_user, org, src};
use ork_audit::NewEvent;
use ork_store::{AuditFilter, Store};
use ork_testkit::{TestDb, both_backends};
use serde_json::json;

async fn store_with_events(db: &TestDb) -> Store {
    let store = Store::connect(&db.url).await.unwrap();
    org(&store, "sds").await;
    for i in 0..12 {
        let mut tx = store.write().await.unwrap();
        tx.create_user(&src(), &new_user(&format!("u{i}@ku.dk")))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    store
}

async fn exec(raw: &sqlx::AnyPool, sql: &str) {
    sqlx::query(sql).execute(raw).await.unwrap();
}

async fn first_bad(store: &Store) -> Option<i64> {
    store.audit_verify().await.unwrap().err().map(|e| e.seq())
}

both_backends!(every_change_is_audited_in_order, audited_body);
async fn audited_body(db: TestDb) {
    let store = store_with_events(&db).await;
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.seq, 13);
    let report = store.audit_verify().await.unwrap().unwrap();
    assert_eq!(report.events, 13);
    let events = store.audit_page(0, 100).await.unwrap();
    assert_eq!(events[0].action, "organisation.create");
    assert_eq!(events[5].action, "user.create");
    assert_eq!(events[5].object_id, "u4@ku.dk");
    assert_eq!(events[5].actor.as_deref(), Some("operator@platform.dk"));
    assert_eq!(events[5].source, "127.0.0.1");

    let hits = store
        .audit_search(&AuditFilter {
            object: Some("user:u3@ku.dk".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    let none = store
        .audit_search(&AuditFilter {
            actor: Some("nobody@x.dk".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let future = store
        .audit_search(&AuditFilter {
            from: Some("2999-01-01".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(future.is_empty());
    let all = store
        .audit_search(&AuditFilter {
            from: Some("2000-01-01".into()),
            to: Some("2999-01-01".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![13, 12, 11, 10, 9]
    );
}

both_backends!(editing_any_row_is_detected, edit_body);
async fn edit_body(db: TestDb) {
    let store = store_with_events(&db).await;
    let raw = db.raw_pool().await;
    for seq in 1..=13 {
        for (col, value) in [
            ("object_id", "'x'"),
            ("at", "'2020-01-01T00:00:00.000Z'"),
            ("details", "'{\"name\":\"Eve\"}'"),
            ("actor", "NULL"),
        ] {
            let before: (String,) = sqlx::query_as(&format!(
                "SELECT {col} AS v FROM audit_log WHERE seq = {seq}"
            ))
            .fetch_one(&raw)
            .await
            .map(|r: (Option<String>,)| (r.0.unwrap_or_default(),))
            .unwrap();
            exec(
                &raw,
                &format!("UPDATE audit_log SET {col} = {value} WHERE seq = {seq}"),
            )
            .await;
            assert_eq!(first_bad(&store).await, Some(seq), "edit of {col} at {seq}");
            let restore = if col == "actor" && before.0.is_empty() {
                "NULL".to_string()
            } else {
                format!("'{}'", before.0.replace('\'', "''"))
            };
            exec(
                &raw,
                &format!("UPDATE audit_log SET {col} = {restore} WHERE seq = {seq}"),
            )
            .await;
            assert_eq!(first_bad(&store).await, None, "restored {col} at {seq}");
        }
    }
}

both_backends!(
    deleting_inserting_reordering_any_row_is_detected,
    structure_body
);
async fn structure_body(db: TestDb) {
    let store = store_with_events(&db).await;
    let raw = db.raw_pool().await;
    let n = 13;
    for seq in 1..=n {
        // Delete, then put back.
        exec(
            &raw,
            &format!("CREATE TABLE saved AS SELECT * FROM audit_log WHERE seq = {seq}"),
        )
        .await;
        exec(&raw, &format!("DELETE FROM audit_log WHERE seq = {seq}")).await;
        assert_eq!(first_bad(&store).await, Some(seq), "delete {seq}");
        // Insert: the deleted row back under a new number at the end (an added event).
        exec(&raw, &format!("INSERT INTO audit_log SELECT {} , at, actor, org, action, object_type, object_id, source, details, prev_hash, hash FROM saved", n + 1)).await;
        assert!(
            first_bad(&store).await.is_some(),
            "insert copy of {seq} at the end"
        );
        exec(
            &raw,
            &format!("DELETE FROM audit_log WHERE seq = {}", n + 1),
        )
        .await;
        exec(&raw, "INSERT INTO audit_log SELECT * FROM saved").await;
        exec(&raw, "DROP TABLE saved").await;
        assert_eq!(first_bad(&store).await, None, "restored {seq}");
    }
    // Reorder: swap the contents of two neighbouring rows, keeping the numbers.
    for seq in 1..n {
        let next = seq + 1;
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = -1 WHERE seq = {seq}"),
        )
        .await;
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = {seq} WHERE seq = {next}"),
        )
        .await;
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = {next} WHERE seq = -1"),
        )
        .await;
        assert_eq!(first_bad(&store).await, Some(seq), "swap {seq} and {next}");
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = -1 WHERE seq = {seq}"),
        )
        .await;
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = {seq} WHERE seq = {next}"),
        )
        .await;
        exec(
            &raw,
            &format!("UPDATE audit_log SET seq = {next} WHERE seq = -1"),
        )
        .await;
        assert_eq!(first_bad(&store).await, None, "restored {seq}");
    }
    // Inserting a forged event in the middle: a duplicate number is refused by the key,
    // so the forger must renumber, which breaks the chain at the moved event.
    exec(&raw, "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 7").await;
    exec(&raw, "UPDATE audit_log SET seq = seq - 99 WHERE seq >= 107").await;
    exec(&raw, "INSERT INTO audit_log SELECT 7, at, actor, org, action, object_type, object_id, source, details, prev_hash, hash FROM audit_log WHERE seq = 3").await;
    assert_eq!(first_bad(&store).await, Some(7), "forged insert at 7");
}

both_backends!(a_chain_of_100_000_events_verifies, large_body);
async fn large_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    for batch in 0..10 {
        let mut tx = store.write().await.unwrap();
        let events = (0..10_000)
            .map(|i| NewEvent {
                actor: Some("load@ku.dk".into()),
                org: None,
                action: "test.load".into(),
                object_type: "thing".into(),
                object_id: format!("{batch}-{i}"),
                source: "127.0.0.1".into(),
                details: json!({"i": i}),
            })
            .collect();
        tx.append_events(events).await.unwrap();
        tx.commit().await.unwrap();
    }
    let report = store.audit_verify().await.unwrap().unwrap();
    assert_eq!(report.events, 100_000);
    let mut out = Vec::new();
    assert_eq!(store.audit_export(&mut out).await.unwrap(), 100_000);
    assert_eq!(
        ork_audit::verify_export(out.as_slice()).unwrap().events,
        100_000
    );
}

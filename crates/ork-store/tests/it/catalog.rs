use crate::accounts::{new_user, org, src};
use ork_store::{DocEdit, DocSave, Store};
use ork_testkit::{TestDb, both_backends};

both_backends!(
    doc_versions_are_kept_and_conflicts_refused,
    doc_versions_body
);
async fn doc_versions_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    org(&store, "sds").await;
    let mut tx = store.write().await.unwrap();
    let user = tx
        .create_user(&src(), &new_user("steward@sds.dk"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let edit = |base: i64, da: &'static str| DocEdit {
        source_id: "lpr",
        base_version: base,
        body_da: da,
        body_en: "English",
        note: "typo",
        author_user_id: user,
        author: "steward@sds.dk",
        org_id: "sds",
    };
    let head_before = store.audit_head().await.unwrap().seq;
    let mut tx = store.write().await.unwrap();
    assert_eq!(
        tx.save_doc_version(&src(), &edit(0, "Første"))
            .await
            .unwrap(),
        DocSave::Saved { version: 1 }
    );
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert_eq!(
        tx.save_doc_version(&src(), &edit(1, "Anden"))
            .await
            .unwrap(),
        DocSave::Saved { version: 2 }
    );
    tx.commit().await.unwrap();
    // A steward who started from version 1 after version 2 was saved loses nothing silently.
    let mut tx = store.write().await.unwrap();
    assert_eq!(
        tx.save_doc_version(&src(), &edit(1, "Tredje"))
            .await
            .unwrap(),
        DocSave::Conflict { current: 2 }
    );
    tx.commit().await.unwrap();

    let versions = store.doc_versions("lpr").await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(versions[0].body_da, "Anden");
    assert_eq!(versions[1].body_da, "Første");
    assert_eq!(versions[0].author, "steward@sds.dk");
    let current = store.current_docs().await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].version, 2);
    assert!(store.doc_versions("dlcr").await.unwrap().is_empty());

    // Two saves, two audit events, none for the refused one; the chain verifies.
    let events = store.audit_page(head_before, 100).await.unwrap();
    let edits: Vec<_> = events
        .iter()
        .filter(|e| e.action == "catalog.doc.edit")
        .collect();
    assert_eq!(edits.len(), 2);
    assert_eq!(edits[0].object_id, "lpr");
    assert!(store.audit_verify().await.unwrap().is_ok());
}

both_backends!(baskets_survive_and_are_audited, baskets_body);
async fn baskets_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let anna = tx
        .create_user(&src(), &new_user("anna@ku.dk"))
        .await
        .unwrap();
    let bo = tx.create_user(&src(), &new_user("bo@ku.dk")).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.write().await.unwrap();
    assert!(tx.basket_add(&src(), anna, "lpr").await.unwrap());
    assert!(tx.basket_add(&src(), anna, "lmdb").await.unwrap());
    assert!(
        !tx.basket_add(&src(), anna, "lpr").await.unwrap(),
        "already there"
    );
    assert!(tx.basket_add(&src(), bo, "dlcr").await.unwrap());
    tx.commit().await.unwrap();
    let mut basket = store.basket(anna).await.unwrap();
    basket.sort();
    assert_eq!(basket, ["lmdb", "lpr"]);
    assert_eq!(store.basket(bo).await.unwrap(), ["dlcr"]);
    let mut tx = store.write().await.unwrap();
    assert!(tx.basket_remove(&src(), anna, "lpr").await.unwrap());
    assert!(!tx.basket_remove(&src(), anna, "lpr").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(store.basket(anna).await.unwrap(), ["lmdb"]);
    let events = store.audit_page(0, 1000).await.unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "catalog.basket.add")
            .count(),
        3
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "catalog.basket.remove")
            .count(),
        1
    );
}

both_backends!(decided_cases_are_recorded_and_audited, cases_body);
async fn cases_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    assert_eq!(store.decided_case_count().await.unwrap(), 0);
    let before = store.audit_head().await.unwrap().seq;
    let case = |rule: &str, days: i64, synthetic: bool| ork_store::DecidedCase {
        rule: rule.into(),
        authority: "sds".into(),
        days,
        outcome: "approved".into(),
        synthetic,
    };
    let mut tx = store.write().await.unwrap();
    tx.record_decided_cases(
        &src(),
        &[
            case("sds_data_access", 40, true),
            case("sds_data_access", 70, true),
            case("ethics_approval", 55, false),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(store.decided_case_count().await.unwrap(), 3);
    let days = store.decided_case_days().await.unwrap();
    assert_eq!(days[0], ("sds_data_access".to_owned(), 40, true));
    assert_eq!(days[2], ("ethics_approval".to_owned(), 55, false));
    let events = store.audit_page(before, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "rules.cases.record");
    assert_eq!(events[0].details["synthetic"], 2);
}

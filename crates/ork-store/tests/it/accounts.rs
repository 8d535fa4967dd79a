use ork_domain::{AuthorityRole, Email, Lang, OrgId, OrgKind, PersonName, Role};
use ork_store::{AuditSource, NewApiToken, NewOrganisation, NewUser, Store, StoreError};
use ork_testkit::{TestDb, both_backends};

pub fn src() -> AuditSource {
    AuditSource {
        actor: Some("operator@platform.dk".into()),
        org: Some("platform".into()),
        source: "127.0.0.1".into(),
    }
}

pub async fn org(store: &Store, id: &str) {
    let mut tx = store.write().await.unwrap();
    tx.create_org(
        &src(),
        &NewOrganisation {
            id: OrgId::parse(id).unwrap(),
            kind: OrgKind::Authority(AuthorityRole::Both),
            name_da: format!("Myndighed {id}"),
            name_en: format!("Authority {id}"),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).unwrap(),
        name: PersonName::parse("Anna Test").unwrap(),
        password_hash: None,
        lang: Lang::Da,
    }
}

both_backends!(organisations_users_roles, organisations_users_roles_body);
async fn organisations_users_roles_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    org(&store, "sds").await;
    org(&store, "dst").await;

    let mut tx = store.write().await.unwrap();
    let dup = tx
        .create_org(
            &src(),
            &NewOrganisation {
                id: OrgId::parse("sds").unwrap(),
                kind: OrgKind::Company,
                name_da: "x".into(),
                name_en: "x".into(),
            },
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    drop(tx);

    let mut tx = store.write().await.unwrap();
    tx.create_user(&src(), &new_user("anna@ku.dk"))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let anna = store
        .user_by_email(&Email::parse("ANNA@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();

    let mut tx = store.write().await.unwrap();
    assert!(
        tx.add_membership(
            &src(),
            &anna,
            &OrgId::parse("sds").unwrap(),
            Role::CaseHandler
        )
        .await
        .unwrap()
    );
    assert!(
        tx.add_membership(
            &src(),
            &anna,
            &OrgId::parse("dst").unwrap(),
            Role::DataSteward
        )
        .await
        .unwrap()
    );
    assert!(
        !tx.add_membership(
            &src(),
            &anna,
            &OrgId::parse("dst").unwrap(),
            Role::DataSteward
        )
        .await
        .unwrap()
    );
    let missing = tx
        .add_membership(
            &src(),
            &anna,
            &OrgId::parse("nowhere").unwrap(),
            Role::Auditor,
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    tx.commit().await.unwrap();

    let roles: Vec<(String, Role)> = store
        .memberships(anna.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.org_id.to_string(), m.role))
        .collect();
    assert_eq!(
        roles,
        vec![
            ("dst".into(), Role::DataSteward),
            ("sds".into(), Role::CaseHandler)
        ]
    );

    let mut tx = store.write().await.unwrap();
    let dup = tx.create_user(&src(), &new_user("anna@ku.dk")).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
}

both_backends!(tokens_expire_and_revoke, tokens_body);
async fn tokens_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    let uid = tx.create_user(&src(), &new_user("bo@ku.dk")).await.unwrap();
    let now = ork_store::now_unix();
    let t = tx
        .create_token(
            &src(),
            &NewApiToken {
                user_id: uid,
                user_email: "bo@ku.dk".into(),
                name: "laptop".into(),
                token_hash: "h1".into(),
                expires_at: now + 100,
            },
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let found = store.token_by_hash("h1").await.unwrap().unwrap();
    assert!(found.is_usable(now));
    assert!(!found.is_usable(now + 100));

    let mut tx = store.write().await.unwrap();
    assert!(
        !tx.revoke_token(&src(), uid + 1, t.id).await.unwrap(),
        "another user's token is not revoked"
    );
    assert!(tx.revoke_token(&src(), uid, t.id).await.unwrap());
    assert!(
        !tx.revoke_token(&src(), uid, t.id).await.unwrap(),
        "revoking twice changes nothing"
    );
    tx.commit().await.unwrap();
    assert!(
        !store
            .token_by_hash("h1")
            .await
            .unwrap()
            .unwrap()
            .is_usable(now)
    );
}

both_backends!(rolled_back_change_leaves_no_audit_event, rollback_body);
async fn rollback_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    tx.create_user(&src(), &new_user("c@ku.dk")).await.unwrap();
    drop(tx); // rolled back
    assert!(
        store
            .user_by_email(&Email::parse("c@ku.dk").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.audit_head().await.unwrap().seq, 0);
    assert!(store.audit_verify().await.unwrap().is_ok());
}

both_backends!(disable_and_revoke, disable_body);
async fn disable_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    org(&store, "sds").await;
    let mut tx = store.write().await.unwrap();
    tx.create_user(&src(), &new_user("d@ku.dk")).await.unwrap();
    let u = tx
        .user_by_email_tx(&Email::parse("d@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    tx.add_membership(&src(), &u, &OrgId::parse("sds").unwrap(), Role::Auditor)
        .await
        .unwrap();
    let new = ork_store::NewSession {
        user_id: u.id,
        user_email: "d@ku.dk",
        id_hash: "abcdefghijklmnopqrstuvwxyz",
        csrf_token: "c",
        ttl_secs: 100,
        method: "password",
    };
    tx.create_session(&src(), &new).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.write().await.unwrap();
    assert!(tx.set_disabled(&src(), &u, true).await.unwrap());
    assert!(
        tx.remove_membership(&src(), &u, &OrgId::parse("sds").unwrap(), Role::Auditor)
            .await
            .unwrap()
    );
    assert!(
        !tx.remove_membership(&src(), &u, &OrgId::parse("sds").unwrap(), Role::Auditor)
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    let u = store
        .user_by_email(&Email::parse("d@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(u.disabled);
    assert!(
        store
            .session("abcdefghijklmnopqrstuvwxyz")
            .await
            .unwrap()
            .is_none(),
        "disabling ends sessions"
    );
    assert!(store.memberships(u.id).await.unwrap().is_empty());
    let mut tx = store.write().await.unwrap();
    assert!(
        !tx.set_disabled(&src(), &u, true).await.unwrap(),
        "disabling twice changes nothing"
    );
    assert!(tx.set_disabled(&src(), &u, false).await.unwrap());
    tx.commit().await.unwrap();
    let actions: Vec<String> = store
        .audit_page(0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.ends_with(&[
            "user.disable".into(),
            "membership.revoke".into(),
            "user.enable".into()
        ]),
        "{actions:?}"
    );
}

both_backends!(purging_expired_sessions_is_audited, purge_body);
async fn purge_body(db: TestDb) {
    let store = Store::connect(&db.url).await.unwrap();
    let mut tx = store.write().await.unwrap();
    tx.create_user(&src(), &new_user("p@ku.dk")).await.unwrap();
    let u = tx
        .user_by_email_tx(&Email::parse("p@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    for (hash, ttl) in [
        ("expired-two-days-ago-aaaaaaaaaa", -2 * 86_400),
        ("expired-three-days-agoaaaaaaaaa", -3 * 86_400),
        ("still-valid-session-aaaaaaaaaaa", 3_600),
    ] {
        let new = ork_store::NewSession {
            user_id: u.id,
            user_email: "p@ku.dk",
            id_hash: hash,
            csrf_token: "c",
            ttl_secs: ttl,
            method: "password",
        };
        tx.create_session(&src(), &new).await.unwrap();
    }
    tx.commit().await.unwrap();
    let head = store.audit_head().await.unwrap().seq;
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 2);
    let events = store
        .audit_search(&ork_store::AuditFilter {
            object: Some("session".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let purge: Vec<_> = events
        .iter()
        .filter(|e| e.action == "session.purge_expired")
        .collect();
    assert_eq!(purge.len(), 1, "one event per purge");
    assert_eq!(purge[0].details["count"], 2);
    assert_eq!(purge[0].seq, head + 1);
    // Nothing to purge: nothing to record.
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 0);
    assert_eq!(store.audit_head().await.unwrap().seq, head + 1);
    assert!(store.audit_verify().await.unwrap().is_ok());
}

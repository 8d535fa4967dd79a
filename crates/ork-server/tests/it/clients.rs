//! On behalf of a client (case 4: commercial third parties): a CRO may apply for a company
//! only once the company's representative has authorised it; the company owns the
//! application; the CRO sees what the company lets it see; a revocation ends its access;
//! both are in the audit trail.

use crate::applications::{PW, call, case_2_need, decide, get, part_id, setup};
use crate::helpers::{Browser, TestApp};
use ork_domain::{OrgId, OrgKind, Role};
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

both_backends!(
    a_consultancy_applies_for_its_client_as_authorised,
    clients_body
);
async fn clients_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let mut tx = app.store.write().await.unwrap();
    tx.create_org(
        &crate::helpers::src(),
        &ork_store::NewOrganisation {
            id: OrgId::parse("nordic-cro").unwrap(),
            kind: OrgKind::Company,
            name_da: "Nordic CRO ApS".into(),
            name_en: "Nordic CRO ApS".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.user(
        "consultant@nordic-cro.example",
        PW,
        &[("nordic-cro", Role::Applicant)],
    )
    .await;
    let mut cro = Browser::signed_in(&app, "consultant@nordic-cro.example", PW).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let new = json!({"title": "Chest X-ray AI (via CRO)", "need": case_2_need(), "on_behalf_of": "demofarma"});

    // Not before the client says so.
    let (s, e) = call(&mut cro, Method::POST, "/api/v1/applications", new.clone()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_authorised_by_client"))
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/clients/authorisations",
        json!({"agent": "demofarma", "sees": "application"}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("own_organisation")),
        "not oneself"
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/clients/authorisations",
        json!({"agent": "nordic-cro", "sees": "all"}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_sees"))
    );
    let (s, auth) = call(
        &mut bo,
        Method::POST,
        "/api/v1/clients/authorisations",
        json!({"agent": "nordic-cro", "sees": "application"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{auth}");
    assert_eq!(
        (auth["client"].as_str(), auth["active"].as_bool()),
        (Some("demofarma"), Some(true))
    );
    let (_, seen) = get(&mut cro, "/api/v1/clients/authorisations").await;
    assert_eq!(seen["authorisations"][0]["id"], auth["id"]);

    // The CRO prepares and submits; the client owns it.
    let (id, sub) = crate::notifications::submitted(&mut cro, new.clone()).await;
    assert_eq!(
        (
            sub["org"].as_str(),
            sub["access"].as_str(),
            sub["on_behalf_by"].as_str()
        ),
        (Some("demofarma"), Some("agent"), Some("nordic-cro"))
    );
    let path = format!("/api/v1/applications/{id}");
    let (s, mine) = get(&mut bo, &path).await;
    assert_eq!(
        (s, mine["access"].as_str()),
        (StatusCode::OK, Some("owner"))
    );
    let listed = get(&mut bo, "/api/v1/applications").await.1;
    assert!(listed.to_string().contains(&id), "in the client's list");

    // The authority asks; the CRO sees where the part stands but not what was said.
    let rop = part_id(&sub, "record_of_processing");
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    let (s, _) = decide(
        &mut dpo,
        &rop,
        "information_requested",
        "Which servers hold the images?",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let seen = get(&mut cro, &path).await.1;
    assert_eq!(
        crate::applications::part(&seen, "record_of_processing")["state"],
        "information_requested"
    );
    let (s, _) = get(&mut cro, &format!("/api/v1/parts/{rop}")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "decisions and messages only where the client lets it"
    );
    let (s, part) = get(&mut bo, &format!("/api/v1/parts/{rop}")).await;
    assert_eq!(s, StatusCode::OK, "{part}");
    // The client lets it see everything: now it may read and answer.
    let (s, _) = call(
        &mut bo,
        Method::POST,
        "/api/v1/clients/authorisations",
        json!({"agent": "nordic-cro", "sees": "everything"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = get(&mut cro, &format!("/api/v1/parts/{rop}")).await;
    assert_eq!(s, StatusCode::OK);

    // Another company's applicant sees nothing of it, nor may revoke.
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    assert_eq!(get(&mut other, &path).await.0, StatusCode::NOT_FOUND);
    let list = get(&mut bo, "/api/v1/clients/authorisations").await.1;
    let active = list["authorisations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["active"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, _) = call(
        &mut other,
        Method::POST,
        &format!("/api/v1/clients/authorisations/{active}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Revoked: the CRO's access ends at once.
    let (s, r) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/clients/authorisations/{active}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, r["active"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{r}"
    );
    assert_eq!(get(&mut cro, &path).await.0, StatusCode::NOT_FOUND);
    assert!(
        !get(&mut cro, "/api/v1/applications")
            .await
            .1
            .to_string()
            .contains(&id)
    );
    let (s, _) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/clients/authorisations/{active}/revoke"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Both in the audit trail: the CRO's person acting, the client as the organisation, the
    // consultancy named.
    let events = app.store.audit_page(i64::MIN, 10_000).await.unwrap();
    let created = events
        .iter()
        .find(|e| e.action == "application.create" && e.object_id == id)
        .unwrap();
    assert_eq!(
        created.actor.as_deref(),
        Some("consultant@nordic-cro.example")
    );
    assert_eq!(created.org.as_deref(), Some("demofarma"));
    assert_eq!(created.details["on_behalf_by"], "nordic-cro");
    for a in ["client.authorise", "client.revoke"] {
        assert!(events.iter().any(|e| e.action == a), "{a}");
    }
}

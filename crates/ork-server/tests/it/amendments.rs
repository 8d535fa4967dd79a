//! Amendments to a granted permit (case 5 of the seeds: the same project, more data, without
//! starting again): adding a second region re-opens only the parts the change touches and
//! carries every other approval over by reference; the amendment's permit replaces the old
//! one; removing a user touches nothing, so it applies at once and re-issues the permit.

use crate::applications::{PW, answers, call, case_2_need, decide, get, setup, upload};
use crate::helpers::{Browser, TestApp};
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The handler who decides an authority's parts.
const HANDLERS: [(&str, &str); 6] = [
    ("demofarma", "dpo@demofarma.example"),
    ("vek-hovedstaden", "vek@vek.example"),
    ("hovedstaden", "region@hovedstaden.example"),
    ("rkkp", "rkkp@rkkp.example"),
    ("sds", "one@sds.example"),
    ("midtjylland", "region@midtjylland.example"),
];

/// Approves every open part of an application, authority by authority, until none is open;
/// returns the application.
pub(crate) async fn approve_all(app: &TestApp, bo: &mut Browser<'_>, id: &str) -> Value {
    let path = format!("/api/v1/applications/{id}");
    for _ in 0..8 {
        let a = get(bo, &path).await.1;
        let open: Vec<(String, String)> = a["parts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["state"] == "submitted")
            .map(|p| {
                (
                    p["id"].as_str().unwrap().into(),
                    p["authority"].as_str().unwrap().into(),
                )
            })
            .collect();
        if open.is_empty() {
            return a;
        }
        for (part, authority) in open {
            let email = HANDLERS.iter().find(|(o, _)| *o == authority).unwrap().1;
            let mut h = Browser::signed_in(app, email, PW).await;
            let (s, d) = decide(&mut h, &part, "approved", "").await;
            assert_eq!(s, StatusCode::OK, "{authority} approves {part}: {d}");
        }
    }
    panic!("parts still open after eight rounds");
}

fn steps_of(a: &Value, carried: bool) -> BTreeSet<String> {
    a["parts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["carried_from"].is_string() == carried)
        .map(|p| p["step"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(an_amendment_reopens_only_what_it_touches, amendments_body);
async fn amendments_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let mut tx = app.store.write().await.unwrap();
    tx.create_org(
        &crate::helpers::src(),
        &ork_store::NewOrganisation {
            id: ork_domain::OrgId::parse("midtjylland").unwrap(),
            kind: ork_domain::OrgKind::Authority(ork_domain::AuthorityRole::Both),
            name_da: "Region Midtjylland".into(),
            name_en: "Central Denmark Region".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.user(
        "region@midtjylland.example",
        PW,
        &[("midtjylland", ork_domain::Role::CaseHandler)],
    )
    .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;

    // The first application, granted.
    let (_, created) = call(
        &mut bo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": "Lung X-ray AI", "need": case_2_need()}),
    )
    .await;
    let first = created["id"].as_str().unwrap().to_owned();
    let (_, protocol) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"%PDF-1.7\nprotocol",
    )
    .await;
    let mut body = answers(protocol["id"].as_str().unwrap());
    body["data_description"] = json!([{"id": "pacs-hovedstaden"}, {"id": "lpr"}, {"id": "dlcr"}]);
    let bo_user = json!({"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Analyst"});
    let ida = json!({"name": "Ida Holm", "email": "ida@demofarma.example", "role": "Analyst"});
    body["users"] = json!([bo_user, ida]);
    call(
        &mut bo,
        Method::PATCH,
        &format!("/api/v1/applications/{first}"),
        json!({"answers": body}),
    )
    .await;
    let (s, sub) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/applications/{first}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let granted = approve_all(&app, &mut bo, &first).await;
    assert_eq!(granted["state"], "granted");
    let old_parts: BTreeMap<String, String> = granted["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["step"].as_str().unwrap().to_owned(),
                p["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let permits = get(&mut bo, "/api/v1/permits").await.1;
    let p1 = permits["permits"][0]["id"].as_str().unwrap().to_owned();

    // Bad input: an unknown field is named, nothing is written.
    let mut need = case_2_need();
    need["datasets"] = json!(["pacs-hovedstaden", "lpr", "dlcr", "pacs-midtjylland"]);
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{p1}/amendments"),
        json!({"need": need, "answers": {"no_such_field": 1}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_fields"))
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no_such_field")
    );

    // Case 5: the same project adds the images of a second region.
    let described = json!([{"id": "pacs-hovedstaden"}, {"id": "lpr"}, {"id": "dlcr"}, {"id": "pacs-midtjylland"}]);
    // Started twice at once (two tabs): exactly one amendment is made, the other is told.
    let mut bo_again = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let path = format!("/api/v1/permits/{p1}/amendments");
    let body = json!({"need": need, "answers": {"data_description": described}});
    let (one, two) = tokio::join!(
        call(&mut bo, Method::POST, &path, body.clone()),
        call(&mut bo_again, Method::POST, &path, body.clone()),
    );
    let mut codes = [one.0, two.0];
    codes.sort();
    assert_eq!(
        codes,
        [StatusCode::CREATED, StatusCode::CONFLICT],
        "{} / {}",
        one.1,
        two.1
    );
    let (s, a2) = if one.0 == StatusCode::CREATED {
        one
    } else {
        two
    };
    assert_eq!(s, StatusCode::CREATED, "{a2}");
    assert_eq!(
        (a2["state"].as_str(), a2["amends"].as_str()),
        (Some("submitted"), Some(p1.as_str()))
    );
    let reopened = steps_of(&a2, false);
    let carried = steps_of(&a2, true);
    assert!(
        reopened.contains("region_data_extraction:midtjylland"),
        "{reopened:?}"
    );
    assert!(
        reopened.contains("record_of_processing"),
        "the record of processing lists every dataset: it changed"
    );
    for step in [
        "ethics_approval",
        "region_data_extraction:hovedstaden",
        "rkkp_data_access",
        "sds_data_access:sds",
        "sds_environment_authorisation",
    ] {
        assert!(carried.contains(step), "{step} carries over: {carried:?}");
        let c = a2["carried_over"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["step"] == step)
            .unwrap();
        assert_eq!(
            c["reference"],
            old_parts[step].as_str(),
            "by the first part's reference"
        );
    }
    assert_eq!(reopened.len() + carried.len(), 7, "{a2}");
    // One change at a time: a second amendment waits until this one is decided.
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{p1}/amendments"),
        json!({"need": need, "answers": {}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("amendment_under_way"))
    );
    // A carried approval is in no authority's queue; the new region's part is.
    let mut rkkp = Browser::signed_in(&app, "rkkp@rkkp.example", PW).await;
    let queue = get(&mut rkkp, "/api/v1/parts").await.1;
    assert!(
        !queue.to_string().contains(a2["id"].as_str().unwrap()),
        "{queue}"
    );
    let midt_part = crate::applications::part(&a2, "region_data_extraction:midtjylland");
    assert_eq!(
        (midt_part["authority"].as_str(), midt_part["state"].as_str()),
        (Some("midtjylland"), Some("waiting")),
        "it waits for the re-opened record of processing, not for the carried approvals"
    );
    // Granted: the new permit rests on the new decisions and the carried references, and
    // replaces the old one.
    let id2 = a2["id"].as_str().unwrap().to_owned();
    let done = approve_all(&app, &mut bo, &id2).await;
    assert_eq!(done["state"], "granted", "{done}");
    let p1_now = get(&mut bo, &format!("/api/v1/permits/{p1}")).await.1;
    assert_eq!(p1_now["status"], "superseded", "{p1_now}");
    let p2 = p1_now["superseded_by"].as_str().unwrap().to_owned();
    let p2_body = get(&mut bo, &format!("/api/v1/permits/{p2}")).await.1;
    assert_eq!(p2_body["status"], "active");
    let scope = &p2_body["scope"];
    assert_eq!(scope["datasets"].as_array().unwrap().len(), 4);
    let refs: BTreeSet<&str> = scope["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reference"].as_str().unwrap())
        .collect();
    assert!(
        refs.contains(old_parts["ethics_approval"].as_str()),
        "{scope}"
    );
    assert_eq!(refs.len(), 7);
    // The superseded permit cannot be amended again.
    let (s, _) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{p1}/amendments"),
        json!({"need": need, "answers": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Removing a user needs no approval: it applies at once and re-issues the permit.
    let emails = |p: &Value| -> BTreeSet<String> {
        p["scope"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(emails(&p2_body).contains("ida@demofarma.example"));
    let (s, a3) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{p2}/amendments"),
        json!({"need": need, "answers": {"users": [bo_user]}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a3}");
    assert_eq!(a3["state"], "granted", "{a3}");
    assert!(steps_of(&a3, false).is_empty(), "nothing re-opened: {a3}");
    let p2_now = get(&mut bo, &format!("/api/v1/permits/{p2}")).await.1;
    assert_eq!(p2_now["status"], "superseded");
    let p3 = get(
        &mut bo,
        &format!(
            "/api/v1/permits/{}",
            p2_now["superseded_by"].as_str().unwrap()
        ),
    )
    .await
    .1;
    assert_eq!(p3["status"], "active");
    assert!(!emails(&p3).contains("ida@demofarma.example"), "{p3}");
    assert!(emails(&p3).contains("bo@demofarma.example"));

    // A reader on the application may read the permit but not amend it; someone else's
    // permit is not found.
    let first_members = format!("/api/v1/applications/{first}/members");
    let invite = json!({"email": "reader@demofarma.example", "access": "reader"});
    assert_eq!(
        call(&mut bo, Method::POST, &first_members, invite).await.0,
        StatusCode::OK
    );
    let mut reader = Browser::signed_in(&app, "reader@demofarma.example", PW).await;
    let (s, e) = call(
        &mut reader,
        Method::POST,
        &format!("/api/v1/permits/{p1}/amendments"),
        json!({"need": need, "answers": {}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("permit_not_active"))
    );
    let p3_id = p3["id"].as_str().unwrap().to_owned();
    let third = p3["application"].as_str().unwrap().to_owned();
    let members = format!("/api/v1/applications/{third}/members");
    let invite = json!({"email": "reader@demofarma.example", "access": "reader"});
    assert_eq!(
        call(&mut bo, Method::POST, &members, invite).await.0,
        StatusCode::OK
    );
    let (s, e) = call(
        &mut reader,
        Method::POST,
        &format!("/api/v1/permits/{p3_id}/amendments"),
        json!({"need": need, "answers": {}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("reader_only"))
    );
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    let (s, _) = call(
        &mut other,
        Method::POST,
        &format!("/api/v1/permits/{p2}/amendments"),
        json!({"need": need, "answers": {}}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

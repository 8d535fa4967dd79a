//! Agreements (case 2: where companies stall): a processor outside the EU/EEA gets a data
//! processing agreement and a transfer agreement, generated at submission from the
//! rulebook's templates with the case's facts; both sides sign the exact text (its SHA-256)
//! as signed-in people; the permit waits for the last signature, however the approvals go.

use crate::amendments::approve_all;
use crate::applications::{PW, answers, call, case_2_need, get, setup, upload};
use crate::helpers::{Browser, TestApp};
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn sha_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

both_backends!(
    the_permit_waits_for_every_agreement_to_be_signed,
    agreements_body
);
async fn agreements_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    app.user(
        "cro@cro.example",
        PW,
        &[("othercorp", ork_domain::Role::Applicant)],
    )
    .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (_, up) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"%PDF-1.7\n% p\n",
    )
    .await;
    let (_, draft) = call(
        &mut bo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": "Chest X-ray AI", "need": case_2_need()}),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let mut body = answers(up["id"].as_str().unwrap());
    body["third_parties"] = json!(true);
    body["data_processors"] = json!([{"name": "Nordic Imaging Inc.", "country": "us", "role": "processor", "signatory": "CRO@cro.example"}]);
    let (s, saved) = call(
        &mut bo,
        Method::PATCH,
        &format!("/api/v1/applications/{id}"),
        json!({"answers": body}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(saved["errors"], json!([]), "{}", saved["errors"]);
    let (s, sub) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/applications/{id}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sub}");

    // A processor in the US: a data processing agreement and a transfer agreement.
    let (s, list) = get(&mut bo, &format!("/api/v1/applications/{id}/agreements")).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let agreements = list["agreements"].as_array().unwrap().clone();
    let kinds: Vec<&str> = agreements
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["dpa", "transfer"]);
    for a in &agreements {
        let doc = a["document"].as_str().unwrap();
        assert_eq!(a["state"], "unsigned");
        assert_eq!(
            a["sha256"],
            sha_hex(doc).as_str(),
            "the hash is of the exact text"
        );
        assert_eq!(a["party_signatory"], "cro@cro.example");
        for fact in [
            "Nordic Imaging Inc.",
            "demofarma",
            "Chest X-ray AI",
            "2027-01-01 – 2029-12-31",
            id.as_str(),
        ] {
            assert!(doc.contains(fact), "{} names {fact}", a["kind"]);
        }
        assert!(!doc.contains("{{"), "every placeholder is filled");
        assert_eq!(a["you_may_sign"], json!(["controller"]));
    }
    let (dpa, transfer) = (agreements[0].clone(), agreements[1].clone());
    let dpa_id = dpa["id"].as_str().unwrap().to_owned();
    let sign = |a: &Value| format!("/api/v1/agreements/{}/sign", a["id"].as_str().unwrap());

    // Every approval given: the application waits for the signatures, no permit yet.
    let done = approve_all(&app, &mut bo, &id).await;
    assert_eq!(done["state"], "submitted", "{done}");
    assert_eq!(
        get(&mut bo, "/api/v1/permits").await.1["permits"],
        json!([])
    );
    // Each final decision fed the precedent register, without anything personal: the rule,
    // the datasets and the outcome, never the project's title, a person or an answer.
    let (_, precedents) = get(&mut bo, "/api/v1/precedents?rule=rkkp_data_access").await;
    let decided: Vec<&Value> = precedents["precedents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["example"] == false)
        .collect();
    assert_eq!(decided.len(), 1, "{precedents}");
    assert_eq!(decided[0]["outcome"], "approved");
    assert_eq!(decided[0]["datasets"], json!(["dlcr"]));
    assert_eq!(decided[0]["applicant_kind"], "danish_company");
    let text = decided[0].to_string();
    for private in [
        "Chest X-ray",
        "bo@demofarma",
        "Bo Berg",
        "lung cancer",
        id.as_str(),
    ] {
        assert!(!text.contains(private), "{private} in {text}");
    }

    // Who may sign what: another company sees nothing; a hash of another text is refused.
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    let (s, _) = get(&mut other, &format!("/api/v1/agreements/{dpa_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = call(
        &mut other,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": dpa["sha256"]}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let mut cro = Browser::signed_in(&app, "cro@cro.example", PW).await;
    let (s, mine) = get(&mut cro, "/api/v1/agreements").await;
    assert_eq!(
        (s, mine["agreements"].as_array().unwrap().len()),
        (StatusCode::OK, 2)
    );
    assert_eq!(mine["agreements"][0]["you_may_sign"], json!(["party"]));
    let wrong = sha_hex("another text");
    let (s, e) = call(
        &mut cro,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": wrong}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("agreement_changed"))
    );
    let (s, e) = call(
        &mut cro,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": dpa["sha256"], "side": "controller"}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_a_signatory"))
    );

    // Both sides sign each; a second signature for one side is refused.
    let (s, a) = call(
        &mut bo,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": dpa["sha256"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(
        (a["state"].as_str(), a["signatures"][0]["side"].as_str()),
        (Some("unsigned"), Some("controller"))
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": dpa["sha256"]}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("signed_already"))
    );
    let (s, a) = call(
        &mut cro,
        Method::POST,
        &sign(&dpa),
        json!({"sha256": dpa["sha256"]}),
    )
    .await;
    assert_eq!(
        (s, a["state"].as_str()),
        (StatusCode::OK, Some("signed")),
        "{a}"
    );
    assert_eq!(a["signatures"][1]["email"], "cro@cro.example");
    assert_eq!(a["signatures"][1]["sha256"], dpa["sha256"]);
    let (s, _) = call(
        &mut cro,
        Method::POST,
        &sign(&transfer),
        json!({"sha256": transfer["sha256"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&mut bo, &format!("/api/v1/applications/{id}")).await.1["state"],
        "submitted",
        "one signature still missing"
    );
    // The last signature grants the application and issues the permit.
    let (s, _) = call(
        &mut bo,
        Method::POST,
        &sign(&transfer),
        json!({"sha256": transfer["sha256"]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        get(&mut bo, &format!("/api/v1/applications/{id}")).await.1["state"],
        "granted"
    );
    let permits = get(&mut bo, "/api/v1/permits").await.1;
    assert_eq!(permits["permits"][0]["application"], id.as_str());

    // Each signature is in the audit trail with the hash it was given.
    let events = app.store.audit_page(i64::MIN, 10_000).await.unwrap();
    let signs: Vec<&ork_audit::Event> = events
        .iter()
        .filter(|e| e.action == "agreement.sign")
        .collect();
    assert_eq!(signs.len(), 4);
    assert!(
        signs
            .iter()
            .all(|e| e.details["sha256"] == dpa["sha256"]
                || e.details["sha256"] == transfer["sha256"])
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "agreement.create")
            .count(),
        2
    );
}

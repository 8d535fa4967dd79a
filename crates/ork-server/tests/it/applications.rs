//! Applications over HTTP: the case-2 company from draft to a granted application across
//! five authorities (an information request that stops and restarts the clock, a rejection
//! answered by resubmission, two handlers deciding at once), what each authority receives
//! (exactly its rule's fields), who may see and change what, and uploads checked by content.

use crate::helpers::{Browser, TestApp, src};
use ork_domain::{AuthorityRole, OrgId, OrgKind, Role};
use ork_store::NewOrganisation;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(crate) const PW: &str = "apply-once-passphrase-2026";

/// Case 2 of the seeds: a healthtech company, chest X-rays from a region's PACS, diagnoses
/// and the lung cancer quality database.
pub(crate) fn case_2_need() -> Value {
    let on = ["image_data_reuse", "commercial_purpose"];
    let traits: serde_json::Map<String, Value> = ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| ((*t).to_owned(), Value::Bool(on.contains(t))))
        .collect();
    json!({
        "applicant": {"kind": "danish_company", "region": "hovedstaden"},
        "datasets": ["pacs-hovedstaden", "lpr", "dlcr"],
        "traits": traits,
    })
}

pub(crate) fn answers(protocol: &str) -> Value {
    json!({
        "purpose": "To train and validate a model that finds lung cancer on chest X-rays earlier than today.",
        "project_period": {"from": "2027-01-01", "to": "2029-12-31"},
        "processing_basis": ["art6_1f", "art9_2j"],
        "protocol": [protocol],
        "funding": [{"source": "Own funds", "amount_dkk": 2500000}],
        "sponsor": {"name": "Demofarma A/S", "cvr": "29979812", "country": "DK"},
        "institution": {"name": "Demofarma A/S", "cvr": "29979812", "country": "DK"},
        "project_lead": [{"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Lead"}],
        "users": [{"name": "Bo Berg", "email": "bo@demofarma.example", "role": "Analyst"}],
        "responsible_manager": [{"name": "Mia Madsen", "email": "mia@demofarma.example", "role": "CTO"}],
        "third_parties": false,
        "population": {"population": {"alive_on": "2020-01-01", "age": [18, 99]}, "criteria": {"diagnosis": {"codes": ["C34"]}}},
        "data_period": {"from": "2015-01-01", "to": "2024-12-31"},
        "extraction_description": "Everyone with a chest X-ray 2015-2024, linked to LPR and DLCR.",
        "image_description": "Chest X-rays (PACS) from the Capital Region's radiology departments.",
        "deletion_date": "2030-12-31",
    })
}

/// The organisations of case 2 and a handler at each authority; the applicant's own
/// institution decides its record of processing.
pub(crate) async fn setup(app: &TestApp) {
    let mut tx = app.store.write().await.unwrap();
    for (id, kind) in [
        ("demofarma", OrgKind::Company),
        (
            "vek-hovedstaden",
            OrgKind::Authority(AuthorityRole::ApprovingAuthority),
        ),
        ("hovedstaden", OrgKind::Authority(AuthorityRole::Both)),
        ("rkkp", OrgKind::Authority(AuthorityRole::DataController)),
        ("othercorp", OrgKind::Company),
    ] {
        tx.create_org(
            &src(),
            &NewOrganisation {
                id: OrgId::parse(id).unwrap(),
                kind,
                name_da: id.into(),
                name_en: id.into(),
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    for (email, org, role) in [
        ("bo@demofarma.example", "demofarma", Role::Applicant),
        ("co@demofarma.example", "demofarma", Role::Applicant),
        ("reader@demofarma.example", "demofarma", Role::Applicant),
        ("dpo@demofarma.example", "demofarma", Role::CaseHandler),
        ("vek@vek.example", "vek-hovedstaden", Role::CaseHandler),
        (
            "region@hovedstaden.example",
            "hovedstaden",
            Role::CaseHandler,
        ),
        ("rkkp@rkkp.example", "rkkp", Role::CaseHandler),
        ("one@sds.example", "sds", Role::CaseHandler),
        ("two@sds.example", "sds", Role::CaseHandler),
        ("other@othercorp.example", "othercorp", Role::Applicant),
        ("op@platform.example", "platform", Role::Operator),
    ] {
        app.user(email, PW, &[(org, role)]).await;
    }
}

pub(crate) async fn call(
    b: &mut Browser<'_>,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = b.json(method, path, &body).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn get(b: &mut Browser<'_>, path: &str) -> (StatusCode, Value) {
    let res = b.get(path).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn upload(
    b: &mut Browser<'_>,
    name: &str,
    declared: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "ork-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {declared}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let csrf = b.csrf();
    let res = b
        .request(Method::POST, "/api/v1/uploads", |r| {
            r.header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("x-csrf-token", csrf)
            .body(body)
        })
        .await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) fn part<'a>(app: &'a Value, step: &str) -> &'a Value {
    app["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["step"] == step)
        .unwrap_or_else(|| panic!("no part {step} in {app}"))
}

pub(crate) fn part_id(app: &Value, step: &str) -> String {
    part(app, step)["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn decide(
    b: &mut Browser<'_>,
    id: &str,
    outcome: &str,
    text: &str,
) -> (StatusCode, Value) {
    call(
        b,
        Method::POST,
        &format!("/api/v1/parts/{id}/decision"),
        json!({"outcome": outcome, "text": text}),
    )
    .await
}

both_backends!(
    case_2_goes_from_draft_to_granted_across_five_authorities,
    journey_body
);
async fn journey_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;

    // A file is taken by what its bytes say; a PNG called a PDF is refused with the reason.
    let (s, e) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"\x89PNG\r\n\x1a\n\0\0\0",
    )
    .await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{e}");
    assert_eq!(e["error"]["code"], "file_type_mismatch");
    let (s, e) = upload(
        &mut bo,
        "tool.exe",
        "application/octet-stream",
        b"MZ\x90\0\x03\0",
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("file_type_not_taken")
        )
    );
    let (s, up) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"%PDF-1.7\n% protocol\n",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let protocol = up["id"].as_str().unwrap().to_owned();

    // A draft from the need: the title, the datasets and the contact are filled in.
    let (s, draft) = call(
        &mut bo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": "Chest X-ray AI", "need": case_2_need()}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["state"], "draft");
    let sds_fee = draft["fees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["step"] == "sds_data_access:sds")
        .unwrap()["fee"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        sds_fee.contains("Forskermaskinen"),
        "the fee is known while writing: {sds_fee}"
    );
    assert_eq!(draft["answers"]["data_description"][1]["id"], "lpr");
    assert!(
        draft["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "purpose" && e["code"] == "required")
    );
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");

    // Unknown fields are named and nothing is saved; a draft saves with errors.
    let (s, e) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": {"purpose": "x", "horoscope": "Leo"}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("horoscope"),
        "{e}"
    );
    let (s, e) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": {"purpose": "ok", "project_title": ["not", "a", "text"]}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("answer_shape"))
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("project_title"),
        "{e}"
    );
    assert_eq!(
        get(&mut bo, &path).await.1["answers"].get("purpose"),
        None,
        "nothing saved"
    );
    let (s, half) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": {"purpose": "Too short", "deletion_date": "2030-13-01"}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        half["answers"]["purpose"], "Too short",
        "kept with its error"
    );
    let codes: BTreeSet<(&str, &str)> = half["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert!(
        codes.contains(&("purpose", "too_short"))
            && codes.contains(&("deletion_date", "invalid_date")),
        "{codes:?}"
    );
    let (s, e) = call(&mut bo, Method::POST, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["errors"].as_array().unwrap().len() >= 5, "{e}");
    assert_eq!(
        get(&mut bo, &path).await.1["state"],
        "draft",
        "nothing submitted"
    );

    // The form as evaluated: conditional fields follow the answers and the roadmap.
    let (_, form) = get(&mut bo, &format!("{path}/form?lang=en")).await;
    let field = |form: &Value, id: &str| -> Value {
        form["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["fields"].as_array().unwrap().clone())
            .find(|f| f["id"] == id)
            .unwrap()
    };
    assert_eq!(field(&form, "protocol")["visible"], true, "ethics applies");
    assert_eq!(field(&form, "sample_description")["visible"], false);
    assert_eq!(field(&form, "data_processors")["visible"], false);
    assert_eq!(field(&form, "purpose")["label"], "Purpose");
    let (s, _) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": {"third_parties": true}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        field(
            &get(&mut bo, &format!("{path}/form?lang=da")).await.1,
            "data_processors"
        )["visible"],
        true
    );

    let (s, full) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": answers(&protocol)}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(full["errors"], json!([]), "{}", full["errors"]);

    // Submitted: the roadmap frozen, one part per step, each with exactly its rule's fields.
    let (s, sub) = call(&mut bo, Method::POST, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    assert_eq!(sub["state"], "submitted");
    let steps: BTreeSet<&str> = sub["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        BTreeSet::from([
            "ethics_approval",
            "record_of_processing",
            "region_data_extraction:hovedstaden",
            "rkkp_data_access",
            "sds_data_access:sds",
            "sds_environment_authorisation"
        ])
    );
    assert_eq!(part(&sub, "record_of_processing")["authority"], "demofarma");
    assert_eq!(part(&sub, "record_of_processing")["state"], "submitted");
    assert_eq!(part(&sub, "ethics_approval")["state"], "waiting");
    assert_eq!(part(&sub, "ethics_approval")["due"], Value::Null);

    let book = ork_rules::load(
        &ork_rules::rulebook::Files::embedded(),
        &ork_server::catalog::CatalogState::embedded().catalog,
    )
    .unwrap();
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    let (s, rop) = get(
        &mut dpo,
        &format!("/api/v1/parts/{}", part_id(&sub, "record_of_processing")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{rop}");
    let got: BTreeSet<&str> = rop["fields"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let rule: BTreeSet<&str> = book
        .step("record_of_processing")
        .unwrap()
        .form_fields
        .iter()
        .map(String::as_str)
        .filter(|f| sub["answers"].get(*f).is_some())
        .collect();
    assert_eq!(got, rule, "exactly the rule's fields");
    assert!(!got.contains("funding") && !got.contains("image_description"));

    // A part that waits is not yet its authority's; another authority's part is not found.
    let mut vek = Browser::signed_in(&app, "vek@vek.example", PW).await;
    let ethics = part_id(&sub, "ethics_approval");
    assert_eq!(
        get(&mut vek, &format!("/api/v1/parts/{ethics}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        decide(&mut vek, &ethics, "approved", "").await.0,
        StatusCode::NOT_FOUND
    );
    let mut one = Browser::signed_in(&app, "one@sds.example", PW).await;
    let rop_id = part_id(&sub, "record_of_processing");
    assert_eq!(
        get(&mut one, &format!("/api/v1/parts/{rop_id}")).await.0,
        StatusCode::NOT_FOUND
    );

    // The record of processing approved: the parts that waited only for it open.
    let (s, d) = decide(&mut dpo, &rop_id, "approved", "").await;
    assert_eq!(
        (s, d["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{d}"
    );
    assert_eq!(
        decide(&mut dpo, &rop_id, "rejected", "again").await.0,
        StatusCode::CONFLICT,
        "a closed part"
    );
    let now = get(&mut bo, &path).await.1;
    assert_eq!(part(&now, "ethics_approval")["state"], "submitted");
    assert_eq!(part(&now, "rkkp_data_access")["state"], "submitted");
    assert_eq!(
        part(&now, "sds_data_access:sds")["state"],
        "waiting",
        "also waits for the environment"
    );
    assert_eq!(
        part(&now, "region_data_extraction:hovedstaden")["state"],
        "waiting",
        "waits for ethics"
    );

    // Information requested: the clock stops, and runs again on the applicant's answer. The
    // part was opened 10 days ago and asked 3 days ago (moved back in time in the database).
    let (s, q) = call(
        &mut vek,
        Method::POST,
        &format!("/api/v1/parts/{ethics}/assign"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, q["state"].as_str()),
        (StatusCode::OK, Some("in_review")),
        "{q}"
    );
    let (s, q) = decide(
        &mut vek,
        &ethics,
        "information_requested",
        "Please add the data flow diagram.",
    )
    .await;
    assert_eq!(
        (s, q["state"].as_str()),
        (StatusCode::OK, Some("information_requested")),
        "{q}"
    );
    let t = ork_store::now_unix();
    let pool = app.raw_pool().await;
    sqlx::query("UPDATE parts SET opened_at = $1, paused_since = $2 WHERE id = $3")
        .bind(t - 10 * 86_400)
        .bind(t - 3 * 86_400)
        .bind(ethics.clone())
        .execute(&pool)
        .await
        .unwrap();
    let (_, q) = get(&mut vek, &format!("/api/v1/parts/{ethics}")).await;
    assert_eq!(
        (q["running_days"].as_i64(), q["stopped_days"].as_i64()),
        (Some(7), Some(3))
    );
    let due_while_paused = ork_server_date(t - 10 * 86_400 + 60 * 86_400 + 3 * 86_400);
    assert_eq!(
        q["due"], due_while_paused,
        "the deadline moves while the clock stands"
    );
    let (s, q) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/parts/{ethics}/messages"),
        json!({"body": "The diagram is now in the protocol, section 4."}),
    )
    .await;
    assert_eq!(
        (s, q["state"].as_str()),
        (StatusCode::OK, Some("in_review")),
        "{q}"
    );
    let paused: i64 = sqlx::query_scalar::<_, i64>("SELECT paused_secs FROM parts WHERE id = $1")
        .bind(ethics.clone())
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!((3 * 86_400..3 * 86_400 + 120).contains(&paused), "{paused}");
    assert_eq!(q["due"], due_while_paused, "the due date is fixed again");
    assert_eq!(q["messages"].as_array().unwrap().len(), 1);
    let (s, _) = decide(&mut vek, &ethics, "approved", "").await;
    assert_eq!(s, StatusCode::OK);

    // The region rejects; the applicant corrects the answer and resubmits: a new round.
    let region_id = part_id(&sub, "region_data_extraction:hovedstaden");
    let mut region = Browser::signed_in(&app, "region@hovedstaden.example", PW).await;
    let (s, r) = call(&mut region, Method::POST, &format!("/api/v1/parts/{region_id}/decision"), json!({"outcome": "rejected", "reason_codes": ["extraction_unclear"], "text": "Say which departments."})).await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("rejected")),
        "{r}"
    );
    let better =
        "Chest X-rays from Rigshospitalet and Herlev radiology, 2015-2024, linked to LPR and DLCR.";
    let (s, p) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": {"extraction_description": better}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (s, re) = call(&mut bo, Method::POST, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{re}");
    let (_, r) = get(&mut region, &format!("/api/v1/parts/{region_id}")).await;
    assert_eq!(
        (r["state"].as_str(), r["round"].as_i64()),
        (Some("submitted"), Some(2))
    );
    assert_eq!(r["fields"]["extraction_description"], better);
    assert_eq!(
        r["decisions"][0]["reason_codes"],
        json!(["extraction_unclear"])
    );
    assert_eq!(
        decide(&mut region, &region_id, "approved", "").await.0,
        StatusCode::OK
    );

    let mut rkkp = Browser::signed_in(&app, "rkkp@rkkp.example", PW).await;
    let (s, c) = call(&mut rkkp, Method::POST, &format!("/api/v1/parts/{}/decision", part_id(&sub, "rkkp_data_access")), json!({"outcome": "approved_with_conditions", "text": "Standard terms.", "conditions": ["Report publications to RKKP"]})).await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(
        decide(
            &mut one,
            &part_id(&sub, "sds_environment_authorisation"),
            "approved",
            ""
        )
        .await
        .0,
        StatusCode::OK
    );

    // Two handlers decide the same part at once: exactly one wins, the other gets 409.
    let sds_part = part_id(&sub, "sds_data_access:sds");
    let mut two = Browser::signed_in(&app, "two@sds.example", PW).await;
    let body = json!({"outcome": "approved", "text": ""});
    let path_d = format!("/api/v1/parts/{sds_part}/decision");
    let (a, b) = tokio::join!(
        one.json(Method::POST, &path_d, &body),
        two.json(Method::POST, &path_d, &body)
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let decisions: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM part_decisions WHERE part_id = $1")
            .bind(sds_part.clone())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(decisions, 1, "no lost update, no double decision");

    // Every part approves: the application is granted; the decisions fed the estimates.
    let done = get(&mut bo, &path).await.1;
    assert_eq!(done["state"], "granted", "{done}");
    let actions: Vec<String> =
        sqlx::query_scalar::<_, String>("SELECT action FROM audit_log ORDER BY seq")
            .fetch_all(&pool)
            .await
            .unwrap();
    for a in [
        "application.create",
        "application.save",
        "application.submit",
        "part.decide",
        "part.open",
        "part.answer",
        "part.resubmit",
        "application.granted",
        "upload.create",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
    let real: i64 =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM decided_cases WHERE synthetic = 0")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(real, 7, "six approvals and one rejection");

    // The permit: its scope from the answers and decisions, signed, verifiable with the
    // published keys; a changed byte is refused; revocation shows in its status.
    let (s, list) = get(&mut bo, "/api/v1/permits").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["permits"].as_array().unwrap().len(), 1, "{list}");
    let permit = &list["permits"][0];
    assert_eq!(permit["application"], id.as_str());
    assert_eq!(permit["status"], "active");
    let scope = &permit["scope"];
    assert_eq!(scope["datasets"].as_array().unwrap().len(), 3);
    assert_eq!(scope["approvals"].as_array().unwrap().len(), 6);
    assert_eq!(scope["conditions"], json!(["Report publications to RKKP"]));
    assert_eq!(scope["data_from"], "2015-01-01");
    assert!(
        scope["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "bo@demofarma.example")
    );
    let pid = permit["id"].as_str().unwrap().to_owned();
    let res = bo.get(&format!("/api/v1/permits/{pid}/jwt")).await;
    assert_eq!(res.headers()["content-type"], "application/jwt");
    let token = res.text().await.unwrap();
    let jwks: ork_cases::permit::Jwks = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = ork_cases::permit::verify(&token, &jwks, ork_store::now_unix())
        .expect("the permit verifies");
    assert_eq!(
        (claims.jti.as_str(), claims.sub.as_str()),
        (pid.as_str(), "demofarma")
    );
    assert_eq!(
        claims.exp,
        time::macros::datetime!(2030-01-01 0:00 UTC).unix_timestamp(),
        "the day after the project ends"
    );
    let mut changed = token.clone().into_bytes();
    changed[token.len() / 2] ^= 1;
    assert!(
        ork_cases::permit::verify(
            &String::from_utf8(changed).unwrap(),
            &jwks,
            ork_store::now_unix()
        )
        .is_err()
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/permits/{pid}/revoke"),
        json!({"reason": "mine"}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("revoke_not_allowed"))
    );
    let (s, r) = call(
        &mut rkkp,
        Method::POST,
        &format!("/api/v1/permits/{pid}/revoke"),
        json!({"reason": "Conditions not met"}),
    )
    .await;
    assert_eq!(
        (s, r["status"].as_str(), r["revoked_reason"].as_str()),
        (StatusCode::OK, Some("revoked"), Some("Conditions not met"))
    );
    assert_eq!(
        call(
            &mut rkkp,
            Method::POST,
            &format!("/api/v1/permits/{pid}/revoke"),
            json!({"reason": "again"})
        )
        .await
        .0,
        StatusCode::CONFLICT
    );
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    assert_eq!(
        get(&mut other, &format!("/api/v1/permits/{pid}")).await.0,
        StatusCode::NOT_FOUND
    );
}

fn ork_server_date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .unwrap()
        .date()
        .to_string()
}

both_backends!(who_may_see_and_change_what, permissions_body);
async fn permissions_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (_, draft) = call(
        &mut bo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": "Chest X-ray AI", "need": case_2_need()}),
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");

    // Someone else's application does not exist for you; a case handler cannot apply.
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    assert_eq!(get(&mut other, &path).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&mut other, Method::PATCH, &path, json!({"answers": {}}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert!(
        get(&mut other, "/api/v1/applications").await.1["applications"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    let (s, e) = call(
        &mut dpo,
        Method::POST,
        "/api/v1/applications",
        json!({"title": "x", "need": case_2_need()}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("applicant_role_required"))
    );

    // A co-applicant edits; a reader only reads.
    for (email, access) in [
        ("co@demofarma.example", "co_applicant"),
        ("reader@demofarma.example", "reader"),
    ] {
        let (s, m) = call(
            &mut bo,
            Method::POST,
            &format!("{path}/members"),
            json!({"email": email, "access": access}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{m}");
    }
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    let (s, a) = call(
        &mut co,
        Method::PATCH,
        &path,
        json!({"answers": {"purpose": "Written by the co-applicant, who may edit the draft too."}}),
    )
    .await;
    assert_eq!(
        (s, a["access"].as_str()),
        (StatusCode::OK, Some("co_applicant"))
    );
    let mut reader = Browser::signed_in(&app, "reader@demofarma.example", PW).await;
    let (s, a) = get(&mut reader, &path).await;
    assert_eq!((s, a["access"].as_str()), (StatusCode::OK, Some("reader")));
    assert_eq!(
        a["answers"]["purpose"],
        "Written by the co-applicant, who may edit the draft too."
    );
    let (s, e) = call(
        &mut reader,
        Method::PATCH,
        &path,
        json!({"answers": {"purpose": "A reader's change"}}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("reader_only"))
    );
    assert_eq!(
        call(
            &mut reader,
            Method::POST,
            &format!("{path}/submit"),
            json!({})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&mut reader, "/api/v1/applications").await.1["applications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Handlers see only their authority's open parts; an operator decides nothing.
    let (s, up) = upload(&mut bo, "p.pdf", "application/pdf", b"%PDF-1.4\n").await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &mut bo,
        Method::PATCH,
        &path,
        json!({"answers": answers(up["id"].as_str().unwrap())}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, sub) = call(&mut bo, Method::POST, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let mut one = Browser::signed_in(&app, "one@sds.example", PW).await;
    let (s, q) = get(&mut one, "/api/v1/parts?sort=due").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = q["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["sds_environment_authorisation"],
        "not the waiting sds part, not others'"
    );
    assert_eq!(
        get(&mut one, "/api/v1/parts?state=waiting").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&mut one, "/api/v1/parts?colour=red").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&mut bo, "/api/v1/parts").await.0,
        StatusCode::FORBIDDEN,
        "not a case handler"
    );
    let mut op = Browser::signed_in(&app, "op@platform.example", PW).await;
    let rop = part_id(&sub, "record_of_processing");
    assert_eq!(
        decide(&mut op, &rop, "approved", "").await.0,
        StatusCode::NOT_FOUND
    );
    // The applicant reads its parts but cannot decide them.
    let (s, _) = get(&mut bo, &format!("/api/v1/parts/{rop}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = decide(&mut bo, &rop, "approved", "").await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("case_handler_required"))
    );
    // Bad decisions are named.
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    for (body, code) in [
        (json!({"outcome": "maybe"}), "invalid_outcome"),
        (json!({"outcome": "rejected"}), "decision_text_required"),
        (
            json!({"outcome": "approved_with_conditions", "text": "x"}),
            "invalid_conditions",
        ),
        (
            json!({"outcome": "approved", "conditions": ["x"]}),
            "invalid_conditions",
        ),
        (
            json!({"outcome": "approved", "reason_codes": ["Not OK"]}),
            "invalid_reason_codes",
        ),
    ] {
        let (s, e) = call(
            &mut dpo,
            Method::POST,
            &format!("/api/v1/parts/{rop}/decision"),
            body.clone(),
        )
        .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some(code)),
            "{body}"
        );
    }
    // Withdrawn: the undecided parts go with it.
    let (s, w) = call(
        &mut co,
        Method::POST,
        &format!("{path}/withdraw"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, w["state"].as_str()),
        (StatusCode::OK, Some("withdrawn")),
        "{w}"
    );
    assert!(
        w["parts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["state"] == "withdrawn")
    );
    let (s, e) = decide(&mut dpo, &rop, "approved", "").await;
    assert_eq!(
        (s, error_code_of(&e)),
        (StatusCode::CONFLICT, "part_closed")
    );
}

fn error_code_of(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

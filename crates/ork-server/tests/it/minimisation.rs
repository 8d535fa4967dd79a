//! Data minimisation, through the API: random applications (random datasets, traits and
//! applicant kinds, from a fixed seed) until every step of the rulebook has been a part;
//! each is filled in from the form the API describes (whatever is visible, as a user
//! would), submitted and followed to the end. Every part, as its authority's handler reads
//! it, carries exactly the answers its rule names; another authority's handler gets 403 or
//! 404 for it.

use crate::applications::{PW, call, get, setup, upload};
use crate::helpers::{Browser, TestApp};
use ork_domain::{AuthorityRole, OrgId, OrgKind, Role};
use ork_server::ServerConfig;
use ork_testkit::{TestDb, both_backends};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A valid value for a field (or a table column) of `kind` within its bounds.
fn value(kind: &str, f: &Value, upload: &str, need: &Value, rng: &mut StdRng) -> Value {
    let min = f["min"].as_f64();
    let max = f["max"].as_f64();
    let count = min.unwrap_or(1.0).max(1.0) as usize;
    let text = |n: usize| {
        let n = n.max(min.unwrap_or(0.0) as usize).max(1);
        let n = max.map_or(n, |m| n.min(m as usize));
        let mut t: String = "Abc 123 ".chars().cycle().take(n).collect();
        if t.ends_with(' ') {
            t.pop();
            t.push('x');
        }
        t
    };
    let first = || f["options"][0]["value"].clone();
    match kind {
        "text" => Value::String(text(12)),
        "long_text" => Value::String(text(80)),
        "email" => json!("someone@demofarma.example"),
        "number" => json!(min.unwrap_or(1.0).max(0.0)),
        "yes_no" => json!(rng.gen_bool(0.5)),
        "date" => json!("2030-12-31"),
        "period" => json!({"from": "2027-01-01", "to": "2029-12-31"}),
        "choice" => first(),
        "multi_choice" => json!([first()]),
        "persons" => Value::Array(
            (0..count)
                .map(|i| json!({"name": format!("Person {i}"), "email": format!("p{i}@demofarma.example"), "role": "Analyst"}))
                .collect(),
        ),
        "organisation" => json!({"name": "Demofarma A/S", "cvr": "29979812", "country": "DK"}),
        "cohort" => json!({"population": {"alive_on": "2020-01-01", "age": [18, 99]}, "criteria": {"diagnosis": {"codes": ["C34"]}}}),
        "datasets" => Value::Array(
            need["datasets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| json!({"id": d, "variables": []}))
                .collect(),
        ),
        "attachment" => json!([upload]),
        "table" => Value::Array(
            (0..count)
                .map(|_| {
                    let mut row = Map::new();
                    for c in f["columns"].as_array().unwrap() {
                        let k = c["type"].as_str().unwrap();
                        let v = match (c["id"].as_str().unwrap(), k) {
                            (_, "text") if c["max"] == 2 => json!("DK"),
                            _ => value(k, c, upload, need, rng),
                        };
                        row.insert(c["id"].as_str().unwrap().to_owned(), v);
                    }
                    Value::Object(row)
                })
                .collect(),
        ),
        other => panic!("no filler for field type {other}"),
    }
}

/// Answers every visible field (again when answers make more fields visible) until the form
/// is complete; the answers.
async fn fill(
    b: &mut Browser<'_>,
    id: &str,
    need: &Value,
    upload: &str,
    rng: &mut StdRng,
) -> Value {
    let path = format!("/api/v1/applications/{id}");
    let mut answered: BTreeSet<String> = BTreeSet::new();
    for _ in 0..6 {
        let form = get(b, &format!("{path}/form?lang=en")).await.1;
        let mut patch = Map::new();
        for f in form["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["fields"].as_array().unwrap())
        {
            let fid = f["id"].as_str().unwrap();
            if f["visible"] == true && !answered.contains(fid) {
                patch.insert(
                    fid.to_owned(),
                    value(f["type"].as_str().unwrap(), f, upload, need, rng),
                );
                answered.insert(fid.to_owned());
            }
        }
        if patch.is_empty() {
            break;
        }
        let (s, body) = call(b, Method::PATCH, &path, json!({"answers": patch})).await;
        assert_eq!(s, StatusCode::OK, "{body}");
    }
    let app = get(b, &path).await.1;
    assert_eq!(
        app["errors"],
        json!([]),
        "the filler answers every field validly: {}",
        app["errors"]
    );
    app["answers"].clone()
}

/// Makes sure `org` has a handler signed in (and the organisation exists).
async fn ensure_handler<'a>(
    app: &'a TestApp,
    org: &str,
    handlers: &mut BTreeMap<String, Browser<'a>>,
) {
    if handlers.contains_key(org) {
        return;
    }
    let id = OrgId::parse(org).unwrap();
    if app.store.get_org(&id).await.unwrap().is_none() {
        let mut tx = app.store.write().await.unwrap();
        tx.create_org(
            &crate::helpers::src(),
            &ork_store::NewOrganisation {
                id,
                kind: OrgKind::Authority(AuthorityRole::Both),
                name_da: org.into(),
                name_en: org.into(),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let email = format!("handler@{org}.example");
    app.user(&email, PW, &[(org, Role::CaseHandler)]).await;
    handlers.insert(org.to_owned(), Browser::signed_in(app, &email, PW).await);
}

both_backends!(
    every_step_receives_exactly_its_rules_fields_through_the_api,
    minimisation_body
);
async fn minimisation_body(db: TestDb) {
    let app = TestApp::spawn_with(
        db,
        ServerConfig {
            login_attempts_per_address: 10_000,
            ..ServerConfig::default()
        },
    )
    .await;
    setup(&app).await;
    let catalog = ork_server::catalog::CatalogState::embedded().catalog;
    let book = ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog).unwrap();
    let all_rules: BTreeSet<&str> = book.steps.iter().map(|s| s.id.as_str()).collect();
    let datasets: Vec<String> = catalog.sources.iter().map(|s| s.id.clone()).collect();
    let mut rng = StdRng::seed_from_u64(20261204);
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (_, up) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"%PDF-1.7\n% p\n",
    )
    .await;
    let upload_id = up["id"].as_str().unwrap().to_owned();
    let mut handlers: BTreeMap<String, Browser> = BTreeMap::new();
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut checked_parts = 0;
    for _ in 0..60 {
        if covered.len() == all_rules.len() {
            break;
        }
        // A random need; kept only when its roadmap has a step not yet seen and no blocker.
        let mut ds = datasets.clone();
        ds.shuffle(&mut rng);
        ds.truncate(rng.gen_range(1..=4));
        let traits: Map<String, Value> = ork_rules::rulebook::TRAITS
            .iter()
            .map(|t| ((*t).to_owned(), Value::Bool(rng.gen_bool(0.3))))
            .collect();
        let kinds = [
            "danish_university",
            "danish_hospital",
            "danish_company",
            "foreign_company",
        ];
        let kind = kinds[rng.gen_range(0..kinds.len())];
        let need = json!({"applicant": {"kind": kind, "region": "hovedstaden"}, "datasets": ds, "traits": traits});
        let (s, draft) = call(
            &mut bo,
            Method::POST,
            "/api/v1/applications",
            json!({"title": "Random study", "need": need}),
        )
        .await;
        if s != StatusCode::CREATED {
            continue;
        }
        let roadmap = &draft["roadmap"];
        let rules: BTreeSet<String> = roadmap["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["why"]["rule"].as_str().unwrap().to_owned())
            .collect();
        let blocked = roadmap["blockers"]
            .as_array()
            .is_some_and(|b| !b.is_empty());
        if blocked || rules.is_subset(&covered) {
            continue;
        }
        let id = draft["id"].as_str().unwrap().to_owned();
        let answers = fill(&mut bo, &id, &need, &upload_id, &mut rng).await;
        let (s, sub) = call(
            &mut bo,
            Method::POST,
            &format!("/api/v1/applications/{id}/submit"),
            json!({}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{sub}");
        let sent: BTreeSet<&str> = answers
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();

        // Follow it: every open part, read by its handler (exactly its rule's answered
        // fields) and by another authority's (refused), then approved.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for _ in 0..10 {
            let a = get(&mut bo, &format!("/api/v1/applications/{id}")).await.1;
            let open: Vec<Value> = a["parts"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["state"] == "submitted" && !seen.contains(p["id"].as_str().unwrap()))
                .cloned()
                .collect();
            if open.is_empty() {
                break;
            }
            for part in open {
                let pid = part["id"].as_str().unwrap().to_owned();
                let authority = part["authority"].as_str().unwrap().to_owned();
                let other = if authority == "sds" {
                    "datatilsynet"
                } else {
                    "sds"
                };
                ensure_handler(&app, &authority, &mut handlers).await;
                ensure_handler(&app, other, &mut handlers).await;
                let h = handlers.get_mut(&authority).unwrap();
                let (s, body) = get(h, &format!("/api/v1/parts/{pid}")).await;
                assert_eq!(s, StatusCode::OK, "{authority} reads {pid}: {body}");
                let step = part["step"].as_str().unwrap();
                let rule = book.step(step.split(':').next().unwrap()).unwrap();
                let got: BTreeSet<&str> = body["fields"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                let want: BTreeSet<&str> = rule
                    .form_fields
                    .iter()
                    .map(String::as_str)
                    .filter(|f| sent.contains(f))
                    .collect();
                assert_eq!(got, want, "{step}: exactly its rule's fields");
                for (k, v) in body["fields"].as_object().unwrap() {
                    assert_eq!(v, &answers[k], "{step}: {k} as the applicant answered it");
                }
                // Another authority's handler: not theirs to read, nor to decide.
                let o = handlers.get_mut(other).unwrap();
                let (s, _) = get(o, &format!("/api/v1/parts/{pid}")).await;
                assert!(
                    matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{other} reads {authority}'s part: {s}"
                );
                let (s, _) = call(
                    o,
                    Method::POST,
                    &format!("/api/v1/parts/{pid}/decision"),
                    json!({"outcome": "approved", "text": ""}),
                )
                .await;
                assert!(
                    matches!(s, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                    "{other} decides {authority}'s part: {s}"
                );
                let h = handlers.get_mut(&authority).unwrap();
                let (s, d) = call(
                    h,
                    Method::POST,
                    &format!("/api/v1/parts/{pid}/decision"),
                    json!({"outcome": "approved", "text": ""}),
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{d}");
                covered.insert(rule.id.clone());
                checked_parts += 1;
                seen.insert(pid);
            }
        }
    }
    let missing: Vec<&&str> = all_rules
        .iter()
        .filter(|r| !covered.contains(**r))
        .collect();
    assert!(
        missing.is_empty(),
        "steps no random application reached: {missing:?}"
    );
    assert!(checked_parts >= all_rules.len());
}

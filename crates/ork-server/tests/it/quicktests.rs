//! Quick tests over HTTP on a small generated Denmark: protected answers, bad input that
//! costs nothing, the differencing check across a user's questions, the monthly statement
//! (JSON and CSV), saved and shared cohorts, and a server without registers.

use crate::helpers::{Browser, TestApp, error_code};
use ork_domain::Role;
use ork_server::AppState;
use ork_server::quicktests::QuickTestState;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

const PW: &str = "quick-test-passphrase-2026";

/// A generated Denmark of 3,000 persons, once per test run.
pub fn registers() -> PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("registers");
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 3000,
            seed: 5,
            from_year: 2015,
            to_year: 2024,
            out: out.clone(),
            force: false,
        })
        .unwrap();
        (dir, out)
    })
    .1
    .clone()
}

pub fn quicktests() -> Arc<QuickTestState> {
    let q = QuickTestState::new(Some(registers()), Default::default(), Default::default());
    q.build_now().unwrap();
    Arc::new(q)
}

async fn app(db: TestDb) -> TestApp {
    let q = quicktests();
    TestApp::spawn_state(db, move |store| {
        AppState::new(store, Default::default()).with_quicktests(q)
    })
    .await
}

pub const EXAMPLE: &str = r#"{
  "population": {"alive_on": "2020-01-01", "age": [40, 60], "sex": "F", "regions": ["1084"]},
  "criteria": {"all": [
    {"diagnosis": {"codes": ["E11"], "types": ["A", "B"], "from": "2015-01-01", "to": "2020-12-31"}},
    {"prescription": {"atc": ["C09", "C08", "C07", "C03"], "min_count": 2}}
  ]},
  "breakdown": ["age_band"]
}"#;

async fn ask(b: &mut Browser<'_>, def: &Value) -> (StatusCode, Value) {
    let res = b.json(Method::POST, "/api/v1/quicktests", def).await;
    let s = res.status();
    (s, res.json().await.unwrap_or(Value::Null))
}

fn shown_numbers(v: &Value) -> Vec<u64> {
    v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["count"].as_u64())
        .chain(v["count"].as_u64())
        .collect()
}

both_backends!(quick_tests_are_protected_priced_and_logged, answers_body);
async fn answers_body(db: TestDb) {
    let app = app(db).await;
    // Signed-in users only.
    let res = app
        .client
        .post(app.url("/api/v1/quicktests"))
        .header("content-type", "application/json")
        .body(EXAMPLE)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    let def: Value = serde_json::from_str(EXAMPLE).unwrap();
    let (s, v) = ask(&mut ida, &def).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["threshold"], 5, "SDS data: threshold 5");
    for n in shown_numbers(&v) {
        assert!(n == 0 || n >= 5, "{n} shown in {v}");
    }
    assert_eq!(
        v["price"]["tariff"], "public",
        "a university pays the public tariff"
    );
    assert_eq!(v["price"]["amount_ore"], 2790 + 1395 + 1395);
    assert_eq!(v["price"]["registers"].as_array().unwrap().len(), 2);
    assert!(v["id"].as_i64().is_some());
    let rules = v["rules"].as_array().unwrap();
    assert!(
        rules[0].as_str().unwrap().contains("Tærskel 5"),
        "{rules:?}"
    );

    // Without the CSRF token a session's question is refused.
    let body = r#"{"population": {"alive_on": "2020-01-01"}, "breakdown": ["region"]}"#;
    let res = ida
        .request(Method::POST, "/api/v1/quicktests", |r| {
            r.header("content-type", "application/json").body(body)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The whole population in English (DST only: threshold 3).
    let csrf = ida.csrf();
    let res = ida
        .request(Method::POST, "/api/v1/quicktests", |r| {
            r.header("content-type", "application/json")
                .header("x-csrf-token", csrf)
                .header("accept-language", "en")
                .body(body)
        })
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["threshold"], 3);
    assert!(v["count"].as_u64().unwrap() > 2500, "{v}");
    let mut regions: Vec<&str> = v["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["region"].as_str().unwrap())
        .filter(|r| !r.is_empty())
        .collect();
    regions.sort_unstable();
    assert_eq!(regions, ["1081", "1082", "1083", "1084", "1085"], "{v}");
    assert_eq!(
        v["price"]["amount_ore"], 2790,
        "the population alone: the base fee"
    );

    // Two quick tests logged, each with its audit event.
    assert_eq!(app.store.quicktest_count().await.unwrap(), 2);
    let events = app
        .store
        .audit_search(&ork_store::AuditFilter {
            object: Some("quicktest".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert!(
        events
            .iter()
            .all(|e| e.action == "quicktest.run" && e.org.as_deref() == Some("ku"))
    );

    // Bad input: a 4xx naming the element, nothing logged, nothing charged.
    let head = app.audit_head().await;
    for (def, path) in [
        (
            json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"all": [{"diagnosis": {"codes": ["E11"]}}, {"prescription": {"atc": ["Z99"]}}]}}),
            "criteria.all[1].prescription.atc[0]",
        ),
        (
            json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"diagnosis": {"codes": ["E11"], "from": "2020-01-01", "to": "2019-01-01"}}}),
            "criteria.diagnosis",
        ),
        (
            json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"prescription": {"atc": ["C09"], "min_count": -2}}}),
            "criteria.prescription.min_count",
        ),
        (
            json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"sequence": {"first": {"diagnosis": {"codes": ["E11"]}}, "then": {"prescription": {"atc": ["A10"]}}, "min_days": 30, "max_days": 10}}}),
            "criteria.sequence",
        ),
        (
            json!({"population": {"alive_on": "2020-01-01"}, "breakdown": ["shoe_size"]}),
            "breakdown[0]",
        ),
        (json!({"criteria": {"death": {}}}), "population"),
    ] {
        let (s, v) = ask(&mut ida, &def).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{def}");
        assert_eq!(v["error"]["code"], "invalid_cohort");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(path), "{msg} names {path}");
    }
    // Nesting deeper than 16 and more than 200 leaves.
    let mut deep = json!({"diagnosis": {"codes": ["E11"]}});
    for _ in 0..17 {
        deep = json!({"not": deep});
    }
    let (s, v) = ask(
        &mut ida,
        &json!({"population": {"alive_on": "2020-01-01"}, "criteria": deep}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let many: Vec<Value> = (0..201)
        .map(|_| json!({"diagnosis": {"codes": ["E11"]}}))
        .collect();
    let (s, _) = ask(
        &mut ida,
        &json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"any": many}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A definition of more than 1 MB.
    let pad = "x".repeat(1024 * 1024);
    let (s, _) = ask(
        &mut ida,
        &json!({"population": {"alive_on": "2020-01-01", "note": pad}}),
    )
    .await;
    assert!(s.is_client_error(), "{s}");
    assert_eq!(app.store.quicktest_count().await.unwrap(), 2);
    assert_eq!(app.audit_head().await, head, "nothing written");

    // A user without an organisation cannot be charged.
    app.user("solo@example.org", PW, &[]).await;
    let mut solo = Browser::signed_in(&app, "solo@example.org", PW).await;
    let res = solo.json(Method::POST, "/api/v1/quicktests", &def).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(res).await, "no_organisation");
}

/// All diabetics alive on 2024-06-01 but those diagnosed on one day when exactly one
/// was (the exact count is the test's own check): a differencing partner of `total`.
fn all_diabetics_but_one(total: u64) -> Value {
    let ix = ork_quicktest::index::Index::build(&registers()).unwrap();
    let exact = |v: &Value| {
        ork_quicktest::engine::count(&ix, &ork_quicktest::parse(&v.to_string()).unwrap()).count
    };
    for day in 0..3650 {
        let d = time::Date::from_calendar_date(2015, time::Month::January, 1).unwrap()
            + time::Duration::days(day);
        let b = json!({"population": {"alive_on": "2024-06-01"}, "criteria": {"all": [
            {"diagnosis": {"codes": ["E11"]}},
            {"not": {"diagnosis": {"codes": ["E11"], "from": d.to_string(), "to": d.to_string()}}}]}});
        if exact(&b) + 1 == total {
            return b;
        }
    }
    panic!("no day with exactly one diabetic's diagnosis")
}

both_backends!(a_differencing_pair_is_caught_over_http, differencing_body);
async fn differencing_body(db: TestDb) {
    let app = app(db).await;
    app.user("eve@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    app.user("bob@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut eve = Browser::signed_in(&app, "eve@ku.dk", PW).await;
    // All diabetics; then all but those diagnosed on one day when exactly one was.
    let a = json!({"population": {"alive_on": "2024-06-01"}, "criteria": {"diagnosis": {"codes": ["E11"]}}});
    let (s, first) = ask(&mut eve, &a).await;
    assert_eq!(s, StatusCode::OK);
    let total = first["count"].as_u64().unwrap();
    let month = ork_store::month_of(ork_store::now_unix());
    let q = app
        .store
        .org_quicktests(&ork_domain::OrgId::parse("ku").unwrap(), &month)
        .await
        .unwrap();
    assert!(
        q.iter().all(|x| !x.result.contains("rules")),
        "rules text is not stored"
    );
    let b = all_diabetics_but_one(total);
    let (s, second) = ask(&mut eve, &b).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(second["count"], Value::Null, "{second}");
    assert_eq!(second["suppressed"], true);
    // Another user asking the second alone gets it.
    let mut bob = Browser::signed_in(&app, "bob@ku.dk", PW).await;
    let (_, alone) = ask(&mut bob, &b).await;
    assert_eq!(alone["count"].as_u64(), Some(total - 1));

    // After a restart the check still holds: the history comes from the log.
    let fresh = quicktests();
    let app2 = TestApp::spawn_state_on(app, move |store| {
        AppState::new(store, Default::default()).with_quicktests(fresh)
    })
    .await;
    let mut eve = Browser::signed_in(&app2, "eve@ku.dk", PW).await;
    let (_, again) = ask(&mut eve, &b).await;
    assert_eq!(again["count"], Value::Null, "{again}");
}

both_backends!(statements_and_saved_cohorts, statements_body);
async fn statements_body(db: TestDb) {
    let app = app(db).await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    app.user("ole@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    app.user("sys@sds.dk", PW, &[("sds", Role::CaseHandler)])
        .await;
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    let def: Value = serde_json::from_str(EXAMPLE).unwrap();

    // Save, and the definition is checked first.
    let res = ida
        .json(
            Method::POST,
            "/api/v1/cohorts",
            &json!({"name": "  ", "definition": def}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = ida
        .json(
            Method::POST,
            "/api/v1/cohorts",
            &json!({"name": "Bad", "definition": {"population": {}}}),
        )
        .await;
    assert_eq!(error_code(res).await, "invalid_cohort");
    let res = ida
        .json(
            Method::POST,
            "/api/v1/cohorts",
            &json!({"name": "Diabetic women in Syddanmark", "definition": def}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let saved: Value = res.json().await.unwrap();
    let id = saved["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("coh-") && id.len() == 16, "{id}");
    assert_eq!(saved["shared"], false);

    // Not shared: a colleague does not see it; shared, they do; only the owner changes it.
    let mut ole = Browser::signed_in(&app, "ole@ku.dk", PW).await;
    let res = ole.get(&format!("/api/v1/cohorts/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = ida
        .json(
            Method::PATCH,
            &format!("/api/v1/cohorts/{id}"),
            &json!({"shared": true}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = ole.get(&format!("/api/v1/cohorts/{id}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let got: Value = res.json().await.unwrap();
    assert_eq!(
        got["definition"], def,
        "the same definition under the same id"
    );
    let list: Value = ole.get("/api/v1/cohorts").await.json().await.unwrap();
    assert_eq!(list["cohorts"].as_array().unwrap().len(), 1);
    let res = ole
        .json(
            Method::PATCH,
            &format!("/api/v1/cohorts/{id}"),
            &json!({"name": "Mine now"}),
        )
        .await;
    assert_eq!(error_code(res).await, "not_owner");
    let mut sys = Browser::signed_in(&app, "sys@sds.dk", PW).await;
    let res = sys.get(&format!("/api/v1/cohorts/{id}")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "another organisation");

    // Run the saved cohort, and a definition directly: both on ku's statement.
    let res = ole
        .json(
            Method::POST,
            &format!("/api/v1/cohorts/{id}/quicktest"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["cohort_id"], id.as_str());
    let (s, _) = ask(&mut ida, &json!({"population": {"alive_on": "2021-01-01"}})).await;
    assert_eq!(s, StatusCode::OK);

    let st: Value = ida
        .get("/api/v1/quicktests/statement")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["org"], "ku");
    assert_eq!(st["count"], 2);
    let lines = st["quicktests"].as_array().unwrap();
    assert_eq!(lines[0]["user"], "ole@ku.dk");
    assert_eq!(lines[0]["cohort_id"], id.as_str());
    assert_eq!(lines[1]["user"], "ida@ku.dk");
    let sum: f64 = lines.iter().map(|l| l["amount"].as_f64().unwrap()).sum();
    assert!((st["amount"].as_f64().unwrap() - sum).abs() < 1e-9);
    assert!((sum - (55.80 + 27.90)).abs() < 1e-9, "{sum}");
    let res = ida.get("/api/v1/quicktests/statement?format=csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("id,asked_at,user,cohort_id"), "{csv}");
    assert_eq!(rows.len(), 1 + 2 + 3, "{csv}");
    assert!(rows[5].ends_with("total_incl_vat,DKK,104.62"), "{csv}");
    // Another organisation's statement is not yours; a bad month is a 400.
    let res = sys.get("/api/v1/quicktests/statement?org=ku").await;
    assert_eq!(error_code(res).await, "not_a_member");
    let res = ida.get("/api/v1/quicktests/statement?month=2026-13").await;
    assert_eq!(error_code(res).await, "invalid_month");
    let res = ida.get("/api/v1/quicktests/statement?format=pdf").await;
    assert_eq!(error_code(res).await, "invalid_format");
    // sds ran none this month.
    let st: Value = sys
        .get("/api/v1/quicktests/statement")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["count"], 0);
}

both_backends!(a_server_without_registers_says_so, unavailable_body);
async fn unavailable_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    let def: Value = serde_json::from_str(EXAMPLE).unwrap();
    let res = ida.json(Method::POST, "/api/v1/quicktests", &def).await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(error_code(res).await, "quicktests_unavailable");
    assert_eq!(app.store.quicktest_count().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_rebuilt_when_the_registers_change() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("registers");
    let gen_with = |seed: u64, force: bool| {
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 800,
            seed,
            from_year: 2019,
            to_year: 2020,
            out: out.clone(),
            force,
        })
        .unwrap();
    };
    gen_with(1, false);
    let q = Arc::new(QuickTestState::new(
        Some(out.clone()),
        Default::default(),
        Default::default(),
    ));
    q.start(std::time::Duration::from_millis(100));
    let wait = |q: Arc<QuickTestState>, not: Option<String>| async move {
        for _ in 0..600 {
            if let Some(ix) = q.index()
                && Some(&ix.id) != not.as_ref()
            {
                return ix.id.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the index was not (re)built");
    };
    let first = wait(q.clone(), None).await;
    assert_eq!(q.status(), ork_server::quicktests::IndexStatus::Ready);
    // A new delivery of the registers: the server notices and serves the new build.
    gen_with(2, true);
    let second = wait(q.clone(), Some(first.clone())).await;
    assert_ne!(first, second);
    assert_eq!(
        Some(second),
        ork_server::quicktests::registers_id(&out),
        "the index served is the one on disk"
    );
}

both_backends!(
    an_unreadable_history_makes_the_check_stricter,
    unreadable_body
);
async fn unreadable_body(db: TestDb) {
    let app = app(db).await;
    app.user("eve@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut eve = Browser::signed_in(&app, "eve@ku.dk", PW).await;
    let a = json!({"population": {"alive_on": "2024-06-01"}, "criteria": {"diagnosis": {"codes": ["E11"]}}});
    let (s, first) = ask(&mut eve, &a).await;
    assert_eq!(s, StatusCode::OK);
    let b = all_diabetics_but_one(first["count"].as_u64().unwrap());
    // The logged definition no longer reads (say, after a code-list change).
    let pool = app.raw_pool().await;
    sqlx::query("UPDATE quicktests SET definition = '{\"population\": {}}'")
        .execute(&pool)
        .await
        .unwrap();
    // After a restart the history comes from the log: the unreadable answer still counts.
    let fresh = quicktests();
    let app2 = TestApp::spawn_state_on(app, move |store| {
        AppState::new(store, Default::default()).with_quicktests(fresh)
    })
    .await;
    let mut eve = Browser::signed_in(&app2, "eve@ku.dk", PW).await;
    let (s, second) = ask(&mut eve, &b).await;
    assert_eq!(s, StatusCode::OK, "{second}");
    assert_eq!(second["count"], Value::Null, "{second}");
    assert_eq!(second["suppressed"], true);
}

both_backends!(any_real_code_is_accepted, full_lists_body);
async fn full_lists_body(db: TestDb) {
    let app = app(db).await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    // Multiple sclerosis, a Danish SKS sub-code, a procedure and a substance that are not
    // in the generator's common lists: real codes count (0 when they never occur).
    for def in [
        json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"diagnosis": {"codes": ["G35"]}}}),
        json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"diagnosis": {"codes": ["G359A"]}}}),
        json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"prescription": {"atc": ["L04AA31"]}}}),
        json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"procedure": {"codes": ["KAAD00"]}}}),
    ] {
        let (s, v) = ask(&mut ida, &def).await;
        assert_eq!(s, StatusCode::OK, "{def}: {v}");
        assert!(v["count"].is_u64() || v["suppressed"] == true, "{v}");
    }
    // A code that exists nowhere is still refused.
    let (s, v) = ask(
        &mut ida,
        &json!({"population": {"alive_on": "2020-01-01"}, "criteria": {"diagnosis": {"codes": ["G3Z"]}}}),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // The cohort builder's code search finds them in the full lists, in both languages.
    for (q, code) in [
        ("system=icd10&q=multiple%20sclerosis", "G35"),
        ("system=icd10&q=dissemineret%20sklerose", "G35"),
        ("system=atc&q=teriflunomid", "L04AA31"),
        ("system=sks&q=KAAD00", "KAAD00"),
    ] {
        let res = ida.get(&format!("/api/v1/quicktests/codes?{q}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{q}");
        let v: Value = res.json().await.unwrap();
        assert_eq!(v[0]["code"], code, "{q}: {v}");
    }
    let res = ida.get("/api/v1/quicktests/codes?system=icd10&q=G35").await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        (v[0]["label_da"].as_str(), v[0]["label_en"].as_str()),
        (Some("Dissemineret sklerose"), Some("Multiple sclerosis"))
    );
    for bad in [
        "system=icd11&q=G35",
        "system=icd10&q=",
        "system=icd10&q=G35&limit=0",
        "system=icd10&q=G35&limit=101",
        "system=icd10&q=G35&colour=red",
    ] {
        let res = ida.get(&format!("/api/v1/quicktests/codes?{bad}")).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

both_backends!(
    an_organisation_that_is_not_found_is_never_charged,
    ghost_body
);
async fn ghost_body(db: TestDb) {
    let app = app(db).await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let user = app
        .store
        .user_by_email(&ork_domain::Email::parse("ida@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    let memberships = app.store.memberships(user.id).await.unwrap();
    let p = ork_server::auth::Principal {
        user,
        memberships,
        via: ork_server::auth::Via::Token { id: 0 },
    };
    let state = AppState::new(app.store.clone(), Default::default()).with_quicktests(quicktests());
    let definition = r#"{"population": {"alive_on": "2020-01-01"}}"#;
    let before = app.store.quicktest_count().await.unwrap();
    let res = ork_server::quicktests::service::run(
        &state,
        &p,
        &ork_server::auth::ClientAddr("127.0.0.1".into()),
        ork_server::quicktests::service::Ask {
            org: &ork_domain::OrgId::parse("ghost").unwrap(),
            definition,
            cohort: ork_quicktest::parse(definition).unwrap(),
            cohort_id: None,
        },
        ork_domain::Lang::En,
    )
    .await;
    let e = res.expect_err("an organisation that does not exist has no tariff");
    assert!(e.status.is_client_error(), "{e:?}");
    assert_eq!(
        app.store.quicktest_count().await.unwrap(),
        before,
        "nothing charged"
    );
}

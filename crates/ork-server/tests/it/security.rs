//! Findings of a security probe of the demo, each pinned by a test: open redirects through
//! `next`, quick tests by role, tokens minted only from a session, CSRF skipped only for a
//! valid bearer token, request ids, the forwarded client address, `no-store` on the API,
//! the DCAT export's addresses, the metrics endpoint, and what a failed sign-in records.

use crate::helpers::{Browser, TestApp, error_code};
use ork_domain::Role;
use ork_server::ServerConfig;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PW: &str = "security-probe-passphrase";

fn bearer(t: &str) -> impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let t = format!("Bearer {t}");
    move |r| r.header("authorization", t)
}

/// Creates an API token for a signed-in browser and records it as a secret.
async fn token_of(b: &mut Browser<'_>) -> String {
    let res = b
        .json(Method::POST, "/api/v1/tokens", &json!({"name": "probe"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: serde_json::Value = res.json().await.unwrap();
    let t = v["token"].as_str().unwrap().to_owned();
    ork_testkit::record_secret(&t);
    t
}

/// The audit trail's failed sign-ins, oldest first.
async fn failed_sign_ins(app: &TestApp) -> Vec<ork_audit::Event> {
    app.store
        .audit_search(&ork_store::AuditFilter {
            object: Some("user".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "session.sign_in_failed")
        .collect()
}

both_backends!(next_never_leaves_the_site, next_body);
async fn next_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("nina@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    // A tab (or any control character) after the first slash is dropped by browsers, which
    // then read `//evil.example/…`: such a `next` must send the user home.
    for next in [
        "/\t/evil.example/phish",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\u{7f}/evil.example",
        "/\\evil.example",
    ] {
        let mut b = app.browser();
        let q = serde_urlencoded::to_string([("next", next)]).unwrap();
        let res = b.get(&format!("/login?{q}")).await;
        assert_eq!(res.status(), StatusCode::OK, "{next:?}");
        let res = b
            .post_form(
                "/login",
                &[("email", "nina@ku.dk"), ("password", PW), ("next", next)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(res.headers()["location"], "/", "{next:?}");
        // The language switch and the basket use the same rule.
        let res = b
            .post_form("/lang", &[("lang", "en"), ("next", next)])
            .await;
        assert_eq!(res.headers()["location"], "/", "{next:?}");
    }
}

both_backends!(quick_tests_need_a_role_that_may_run_them, role_body);
async fn role_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("cit@example.org", PW, &[("platform", Role::Citizen)])
        .await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut cit = Browser::signed_in(&app, "cit@example.org", PW).await;
    let def = json!({"population": {"alive_on": "2020-01-01"}});
    let res = cit.json(Method::POST, "/api/v1/quicktests", &def).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Not even the statement of the organisation the citizen belongs to.
    let res = cit.get("/api/v1/quicktests/statement?org=platform").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = cit.get("/api/v1/quicktests/statement").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = cit.get("/quicktests/statement?org=platform").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // An applicant reads their own organisation's statement.
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    let res = ida.get("/api/v1/quicktests/statement").await;
    assert_eq!(res.status(), StatusCode::OK);
    // An auditor reads any organisation's, but one that exists.
    app.user("aud@dt.dk", PW, &[("datatilsynet", Role::Auditor)])
        .await;
    let mut aud = Browser::signed_in(&app, "aud@dt.dk", PW).await;
    let res = aud.get("/api/v1/quicktests/statement?org=ku").await;
    assert_eq!(res.status(), StatusCode::OK);
    for missing in ["no-such-org", "Not An Id"] {
        let q = serde_urlencoded::to_string([("org", missing)]).unwrap();
        let res = aud.get(&format!("/api/v1/quicktests/statement?{q}")).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{missing}");
    }
}

both_backends!(tokens_are_created_only_from_a_session, mint_body);
async fn mint_body(db: TestDb) {
    let config = ServerConfig {
        token_max_days: 30,
        ..Default::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    app.user("tom@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = Browser::signed_in(&app, "tom@ku.dk", PW).await;
    let token = token_of(&mut b).await;
    let mut api = app.browser();
    let res = api
        .request(Method::POST, "/api/v1/tokens", |r| {
            bearer(&token)(r)
                .header("content-type", "application/json")
                .body(r#"{"name":"child"}"#)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(res).await, "session_required");
    // The platform's policy caps a token's lifetime.
    let res = b
        .json(
            Method::POST,
            "/api/v1/tokens",
            &json!({"name": "long", "expires_in_days": 31}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = b
        .json(Method::POST, "/api/v1/tokens", &json!({"name": "default"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: serde_json::Value = res.json().await.unwrap();
    ork_testkit::record_secret(v["token"].as_str().unwrap());
    let days = (v["expires_at"].as_i64().unwrap() - ork_store::now_unix()) as f64 / 86_400.0;
    assert!(days <= 30.0, "the default stays within the policy: {days}");
}

both_backends!(csrf_is_skipped_only_for_a_valid_bearer_token, csrf_body);
async fn csrf_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("carl@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    // A forged cross-site sign-in with a Basic header is still a forged sign-in.
    let mut fresh = app.browser();
    let body = serde_urlencoded::to_string([("email", "carl@ku.dk"), ("password", PW)]).unwrap();
    let res = fresh
        .request(Method::POST, "/login", |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", "Basic Y2FybDpwdw==")
                .body(body)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!fresh.cookies.contains_key("ork_session"));
    // A session with a bogus bearer header beside it is checked as the session it is.
    let mut b = Browser::signed_in(&app, "carl@ku.dk", PW).await;
    let before = app.audit_head().await;
    let res = b
        .request(Method::POST, "/account/tokens", |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .header("authorization", "Bearer ork_notarealtokennotarealtoken")
                .body("name=x")
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.audit_head().await, before, "nothing was written");
}

both_backends!(request_ids_are_uuids, request_id_body);
async fn request_id_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut b = app.browser();
    let own = "6c7a4a4e-3f1b-4b7e-9a43-2f1d8c9e0b11";
    let res = b
        .request(Method::GET, "/api/health", |r| {
            r.header("x-request-id", own)
        })
        .await;
    assert_eq!(res.headers()["x-request-id"], own, "a UUID is kept");
    for forged in [
        "abc-123",
        "ork_thisLooksLikeATokenThisLooksLikeAToken",
        "x status=500 user=admin",
    ] {
        let res = b
            .request(Method::GET, "/api/health", |r| {
                r.header("x-request-id", forged)
            })
            .await;
        let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_ne!(id, forged);
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    }
}

both_backends!(the_client_address_is_the_proxys_last_hop, forwarded_body);
async fn forwarded_body(db: TestDb) {
    let config = ServerConfig {
        trust_forwarded_for: true,
        ..Default::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    let mut b = app.browser();
    b.get("/login").await;
    // The client wrote the first entry; the trusted proxy appended the last.
    b.headers
        .insert("x-forwarded-for", "6.6.6.6, 198.51.100.7".parse().unwrap());
    let res = b
        .post_form(
            "/login",
            &[
                ("email", "nobody@ku.dk"),
                ("password", "Forkert-Kodeord-123"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let events = failed_sign_ins(&app).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].source, "198.51.100.7");
}

both_backends!(api_answers_are_not_cached, no_store_body);
async fn no_store_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("una@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = Browser::signed_in(&app, "una@ku.dk", PW).await;
    for path in [
        "/api/v1/me",
        "/api/health",
        "/api/v1/tokens",
        "/api/v1/nope",
    ] {
        let res = b.get(path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    let res = b
        .json(Method::POST, "/api/v1/tokens", &json!({"name": "x"}))
        .await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let v: serde_json::Value = res.json().await.unwrap();
    ork_testkit::record_secret(v["token"].as_str().unwrap());
}

both_backends!(
    the_dcat_export_never_takes_its_addresses_from_the_host_header,
    dcat_body
);
async fn dcat_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let mut b = app.browser();
    let res = b
        .request(Method::GET, "/api/v1/catalog/dcat?format=turtle", |r| {
            r.header("host", "evil.example")
        })
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("evil.example"),
        "the Host header is not trusted"
    );
}

both_backends!(metrics_need_an_operator_token, metrics_body);
async fn metrics_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("op@platform.dk", PW, &[("platform", Role::Operator)])
        .await;
    app.user("ida@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let res = app.browser().get("/metrics").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let mut ida = Browser::signed_in(&app, "ida@ku.dk", PW).await;
    let t = token_of(&mut ida).await;
    let res = app
        .browser()
        .request(Method::GET, "/metrics", bearer(&t))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mut op = Browser::signed_in(&app, "op@platform.dk", PW).await;
    let t = token_of(&mut op).await;
    let res = app
        .browser()
        .request(Method::GET, "/metrics", bearer(&t))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("http_requests_total"));
}

both_backends!(a_failed_sign_in_never_records_what_was_typed, typed_body);
async fn typed_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("vera@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = app.browser();
    b.get("/login").await;
    // A password typed into the e-mail field, and an unknown but well-formed address.
    let typed = "Hemmeligt-Kodeord-2026";
    ork_testkit::record_secret(typed);
    for email in [typed, "ghost@ku.dk", "vera@ku.dk"] {
        let res = b
            .post_form(
                "/login",
                &[("email", email), ("password", "Forkert-Kodeord-123")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let events = failed_sign_ins(&app).await;
    let ids: Vec<&str> = events.iter().map(|e| e.object_id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert!(
        ids.contains(&"vera@ku.dk"),
        "an existing account is named: {ids:?}"
    );
    for id in &ids {
        assert!(
            !id.to_lowercase().contains(&typed.to_lowercase()) && !id.contains("ghost"),
            "{ids:?}"
        );
    }
    assert_eq!(
        ids.iter().filter(|i| i.starts_with("sha256:")).count(),
        2,
        "{ids:?}"
    );
}

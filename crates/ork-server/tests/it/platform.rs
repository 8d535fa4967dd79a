use crate::helpers::TestApp;
use ork_testkit::{TestDb, both_backends};
use reqwest::StatusCode;

both_backends!(health_headers_metrics_openapi, platform_body);
async fn platform_body(db: TestDb) {
    let backend = db.backend;
    let app = TestApp::spawn(db).await;
    let mut b = app.browser();

    let res = b.get("/api/health").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["backend"], backend);
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'")
            && csp.contains("script-src 'self'")
            && !csp.contains("unsafe-inline")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("x-request-id"));
    assert!(
        !h.contains_key("strict-transport-security"),
        "no HSTS over plain HTTP"
    );

    // The request id a client sends (a UUID) is echoed back.
    let id = "0b7f6c1e-2d4a-4c8e-9f21-7a3b5c6d8e90";
    let res = b
        .request(reqwest::Method::GET, "/", |r| r.header("x-request-id", id))
        .await;
    assert_eq!(res.headers()["x-request-id"], id);
    let html = res.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "no inline script or style"
    );

    let spec: serde_json::Value = b.get("/api/openapi.json").await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/health",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
        "/api/v1/audit",
        "/api/v1/audit/verify",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(spec["paths"]["/api/v1/tokens"].get("post").is_some());
    assert!(spec["paths"]["/api/v1/tokens/{id}"].get("delete").is_some());

    // Metrics are for operators.
    app.user(
        "drift@platform.dk",
        "Drift-Kodeord-2026",
        &[("platform", ork_domain::Role::Operator)],
    )
    .await;
    let mut op =
        crate::helpers::Browser::signed_in(&app, "drift@platform.dk", "Drift-Kodeord-2026").await;
    let metrics = op.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains("http_requests_total") && metrics.contains("route=\"/api/health\""),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds"));

    let css = b.get("/static/app.css").await;
    assert!(css.status() == StatusCode::OK || css.status() == StatusCode::NOT_FOUND);
}

both_backends!(hsts_when_served_over_tls, hsts_body);
async fn hsts_body(db: TestDb) {
    let config = ork_server::ServerConfig {
        public_url: Some("https://dataorkestrator.example".into()),
        ..Default::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    let res = app.browser().get("/").await;
    assert!(
        res.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
}

both_backends!(person_numbers_in_paths_never_reach_the_log, redaction_body);
async fn redaction_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    // A synthetic CPR-shaped number and a token-shaped string in a path, and a marker to
    // find this request's log lines by (letters only, so nothing in it is masked).
    let cpr = "2902749990";
    let fake_token = "ork_ZZZZthisLooksLikeATokenZZZZ";
    ork_testkit::record_secret(cpr);
    ork_testkit::record_secret(fake_token);
    let marker: String = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .chars()
        .map(|c| match c.to_digit(16) {
            Some(d) => (b'g' + d as u8) as char,
            None => c,
        })
        .collect();
    for path in [
        format!("/api/v1/persons/{cpr}/{fake_token}/{marker}"),
        format!("/catalog/sources/{cpr}-{marker}"),
        format!("/x/010190-1234/{marker}"),
    ] {
        let res = app.browser().get(&path).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
    // The server's log lines, as written: each request is there, masked.
    let log = std::fs::read_to_string(crate::helpers::log_file()).unwrap();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(&marker)).collect();
    assert!(lines.len() >= 3, "the requests were logged: {lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("[redacted-token]")),
        "{lines:?}"
    );
    for l in &lines {
        assert!(l.contains("[redacted-cpr]"), "{l}");
        assert!(!l.contains(cpr) && !l.contains("010190-1234"), "{l}");
        assert!(!l.contains(fake_token), "{l}");
    }
    assert!(
        !log.contains(cpr),
        "no line of this process carries the number"
    );
}

#[test]
fn redaction_masks_cpr_numbers_and_tokens() {
    use ork_server::telemetry::redact;
    assert_eq!(
        redact("/api/v1/persons/0101901234"),
        "/api/v1/persons/[redacted-cpr]"
    );
    assert_eq!(redact("/x/010190-1234/y"), "/x/[redacted-cpr]/y");
    assert_eq!(redact("/t/ork_abcdefghijkl"), "/t/[redacted-token]");
    assert!(matches!(
        redact("/api/health"),
        std::borrow::Cow::Borrowed(_)
    ));
}

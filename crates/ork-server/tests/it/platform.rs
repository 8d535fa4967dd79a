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

    // The request id a client sends is echoed back.
    let res = b
        .request(reqwest::Method::GET, "/", |r| {
            r.header("x-request-id", "abc-123")
        })
        .await;
    assert_eq!(res.headers()["x-request-id"], "abc-123");
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

    let metrics = b.get("/metrics").await.text().await.unwrap();
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
    // A synthetic CPR-shaped number and a token-shaped string in a path; both are
    // recorded as secrets, so the log scan fails if either is ever logged.
    let cpr = "2902749990";
    ork_testkit::record_secret(cpr);
    let fake_token = "ork_ZZZZthisLooksLikeATokenZZZZ";
    ork_testkit::record_secret(fake_token);
    let res = app
        .browser()
        .get(&format!("/api/v1/persons/{cpr}/{fake_token}"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
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

use crate::helpers::{Browser, TestApp, error_code};
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};

const PW: &str = "Korrekt-Hest-Batteri-42";

both_backends!(
    bad_input_gets_a_clear_4xx_and_writes_nothing,
    bad_input_body
);
async fn bad_input_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("fie@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = Browser::signed_in(&app, "fie@ku.dk", PW).await;
    // The user's stored choice decides the language of messages.
    b.post_form("/lang", &[("lang", "en")]).await;
    let before = app.audit_head().await;

    let big = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    // (content type, body, what, status, code, start of the English message)
    type Case<'a> = (&'a str, Vec<u8>, &'a str, StatusCode, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            "application/json",
            b"{".to_vec(),
            "malformed JSON",
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Invalid JSON: EOF",
        ),
        (
            "application/json",
            br#"{"name": "a", "colour": "red"}"#.to_vec(),
            "unknown field",
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Invalid JSON: unknown field `colour`",
        ),
        (
            "application/json",
            br#"{"name": 5}"#.to_vec(),
            "wrong type",
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Invalid JSON: invalid type",
        ),
        (
            "application/json",
            b"{\"name\": \"\xff\xfe\"}".to_vec(),
            "invalid UTF-8",
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "Invalid JSON: invalid unicode",
        ),
        (
            "application/json",
            br#" ["a", null]"#.to_vec(),
            "an array where an object belongs (serde reads a struct from one)",
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body must be a JSON object.",
        ),
        (
            "text/plain",
            br#"{"name": "a"}"#.to_vec(),
            "wrong content type",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "The body must be JSON",
        ),
        (
            "application/json",
            big.into_bytes(),
            "oversize body",
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "The request body is too large.",
        ),
        (
            "application/json",
            br#"{"name": "a", "expires_in_days": 0}"#.to_vec(),
            "expiry out of range",
            StatusCode::BAD_REQUEST,
            "invalid_expiry",
            "expires_in_days must be between 1 and 365.",
        ),
        (
            "application/json",
            br#"{"name": "   "}"#.to_vec(),
            "empty name",
            StatusCode::BAD_REQUEST,
            "invalid_name",
            "The name must be 1–100 characters.",
        ),
    ];
    for (ctype, body, what, status, code, message) in cases {
        let csrf = b.csrf();
        let res = b
            .request(Method::POST, "/api/v1/tokens", |r| {
                r.header("content-type", ctype)
                    .header("x-csrf-token", csrf)
                    .body(body)
            })
            .await;
        assert_eq!(res.status(), status, "{what}");
        assert_eq!(res.headers()["content-type"], "application/json", "{what}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{what}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(message), "{what}: {msg}");
    }
    assert_eq!(
        app.audit_head().await,
        before,
        "no bad request wrote anything"
    );
    assert!(app.store.tokens_of(1).await.unwrap().is_empty());

    // Danish for a user who prefers Danish.
    b.post_form("/lang", &[("lang", "da")]).await;
    let res = b
        .json(
            Method::POST,
            "/api/v1/tokens",
            &serde_json::json!({"name": "a", "expires_in_days": 999}),
        )
        .await;
    let v: serde_json::Value = res.json().await.unwrap();
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("skal være mellem")
    );

    let res = b
        .json(
            Method::DELETE,
            "/api/v1/tokens/abc",
            &serde_json::Value::Null,
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = b.request(Method::GET, "/api/v1/audit?bogus=1", |r| r).await;
    assert!(res.status().is_client_error());
    let res = b
        .request(Method::PUT, "/api/v1/me", |r| r.header("x-csrf-token", "x"))
        .await;
    assert!(res.status().is_client_error());
    let csrf = b.csrf();
    let res = b
        .request(Method::PATCH, "/api/health", |r| {
            r.header("x-csrf-token", csrf)
        })
        .await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(res).await, "method_not_allowed");
    // A form post with a broken body.
    let csrf = b.csrf();
    let res = b
        .request(Method::POST, "/lang", |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .body(format!("_csrf={csrf}&lang"))
        })
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = b
        .request(Method::POST, "/lang", |r| {
            r.header("content-type", "application/json")
                .header("x-csrf-token", csrf.clone())
                .body("{}")
        })
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
}

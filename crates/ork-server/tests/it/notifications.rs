//! Notifications and webhooks: an authority's back office subscribes to its parts' events
//! and an applicant's to its decisions; a submission queues a signed message that a failing
//! receiver refuses, and the retry (same id, new signature) is delivered and verifies with
//! the Standard Webhooks reference library; the payload names objects only. The applicant
//! is told of a decision in the portal and by e-mail, delivered to a real SMTP server
//! (aiosmtpd) that was down at the first attempt.

use crate::applications::{PW, answers, call, case_2_need, decide, get, part_id, setup, upload};
use crate::helpers::{Browser, TestApp};
use ork_server::notifications::delivery::{RETRY_SECS, deliver_due};
use ork_server::{ServerConfig, SmtpUrl};
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The Python with aiosmtpd and standardwebhooks (scripts/ensure-test-deps.sh installs them).
pub(crate) fn python() -> String {
    std::env::var("ORK_TEST_PYTHON").unwrap_or_else(|_| {
        let venv = std::env::var("ORK_SCHEMATHESIS_VENV")
            .unwrap_or_else(|_| "/var/tmp/ork-schemathesis-venv".into());
        format!("{venv}/bin/python")
    })
}

fn script(name: &str) -> String {
    format!("{}/../../scripts/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// What the receiver got: (headers as lower-case name → value, body).
type Received = Arc<Mutex<Vec<(Vec<(String, String)>, String)>>>;

/// A webhook receiver on a random port that answers 503 to its first request and 204 after.
async fn receiver() -> (String, Received) {
    use axum::http::{HeaderMap, StatusCode as S};
    let got: Received = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let mut list = keep.lock().unwrap();
                let h = headers
                    .iter()
                    .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                    .collect();
                list.push((h, body));
                if list.len() == 1 {
                    S::SERVICE_UNAVAILABLE
                } else {
                    S::NO_CONTENT
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), got)
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> &'a str {
    h.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Verifies a received message with the Standard Webhooks reference library; its `type`.
fn verify_with_reference(
    secret: &str,
    h: &[(String, String)],
    body: &str,
) -> Result<String, String> {
    let headers: serde_json::Map<String, Value> =
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .iter()
            .map(|k| ((*k).to_owned(), Value::String(header(h, k).to_owned())))
            .collect();
    let input = json!({"secret": secret, "headers": headers, "body": body}).to_string();
    let mut child = Command::new(python())
        .arg(script("verify-webhook.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python with standardwebhooks (scripts/ensure-test-deps.sh installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A free port on 127.0.0.1 (nothing listens there until the sink is started on it).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd writing each message it accepts into `dir`; stops when dropped.
pub(crate) struct SmtpSink(Child);

impl SmtpSink {
    pub(crate) fn start(dir: &std::path::Path, port: u16) -> Self {
        let mut child = Command::new(python())
            .arg(script("smtp-sink.py"))
            .arg(dir)
            .arg(port.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python with aiosmtpd (scripts/ensure-test-deps.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            format!("READY {port}"),
            "the SMTP sink started"
        );
        Self(child)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes a complete case-2 application for bo and submits it; its id and body.
async fn submitted_application(bo: &mut Browser<'_>) -> (String, Value) {
    let new = json!({"title": "Chest X-ray AI", "need": case_2_need()});
    submitted(bo, new).await
}

/// Creates an application (`new`: the create body), answers it completely and submits it;
/// its id and body.
pub(crate) async fn submitted(bo: &mut Browser<'_>, new: Value) -> (String, Value) {
    let (s, up) = upload(bo, "protocol.pdf", "application/pdf", b"%PDF-1.7\n% p\n").await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let (s, draft) = call(bo, Method::POST, "/api/v1/applications", new).await;
    assert_eq!(s, StatusCode::CREATED, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");
    let (s, _) = call(
        bo,
        Method::PATCH,
        &path,
        json!({"answers": answers(up["id"].as_str().unwrap())}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, sub) = call(bo, Method::POST, &format!("{path}/submit"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    (id, sub)
}

both_backends!(webhooks_are_signed_retried_and_verified, webhooks_body);
async fn webhooks_body(db: TestDb) {
    let config = ServerConfig {
        webhooks_to_loopback: true,
        ..ServerConfig::default()
    };
    let (app, state) = TestApp::spawn_keeping(db, config).await;
    setup(&app).await;
    let (url, got) = receiver().await;

    // The applicant's own institution decides its record of processing: its case handler
    // subscribes the back office to the parts that come to it.
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let hook = |org: &str, url: &str, events: Value| json!({"organisation": org, "url": url, "events": events});
    // Refused: an applicant for an authority's events, an unknown event, plain http elsewhere.
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/webhooks",
        hook("demofarma", &url, json!(["part.opened"])),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("webhook_not_allowed"))
    );
    let (s, e) = call(
        &mut dpo,
        Method::POST,
        "/api/v1/webhooks",
        hook("demofarma", &url, json!(["part.opened", "part.horoscope"])),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_event"))
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("part.horoscope"),
        "{e}"
    );
    let (s, e) = call(
        &mut dpo,
        Method::POST,
        "/api/v1/webhooks",
        hook(
            "demofarma",
            "http://backoffice.example.dk/hook",
            json!(["part.opened"]),
        ),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("invalid_webhook_url"))
    );
    let (s, e) = call(
        &mut dpo,
        Method::POST,
        "/api/v1/webhooks",
        hook("sds", &url, json!(["part.opened"])),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("webhook_not_allowed")),
        "not sds's handler"
    );

    let (s, created) = call(
        &mut dpo,
        Method::POST,
        "/api/v1/webhooks",
        hook("demofarma", &url, json!(["part.opened"])),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let hook_id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    ork_testkit::record_secret(&secret);
    assert!(secret.starts_with("whsec_"));
    // The secret is shown once: not in the list.
    let (_, list) = get(&mut dpo, "/api/v1/webhooks").await;
    assert_eq!(list["webhooks"][0]["id"], hook_id.as_str());
    assert!(!list.to_string().contains(&secret));
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    let (_, list) = get(&mut other, "/api/v1/webhooks").await;
    assert_eq!(
        list["webhooks"],
        json!([]),
        "another organisation sees none"
    );
    let (s, _) = get(&mut other, &format!("/api/v1/webhooks/{hook_id}/messages")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The applicant's organisation subscribes to its decisions.
    let (s, mine) = call(
        &mut bo,
        Method::POST,
        "/api/v1/webhooks",
        hook("demofarma", &url, json!(["part.decided", "permit.issued"])),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{mine}");

    let (app_id, sub) = submitted_application(&mut bo).await;
    let rop = part_id(&sub, "record_of_processing");

    // First attempt: the receiver answers 503; the message waits for its retry.
    let t0 = ork_store::now_unix();
    let r = deliver_due(&state, t0).await.unwrap();
    assert_eq!((r.webhooks_delivered, r.webhooks_retrying), (0, 1), "{r:?}");
    let (s, msgs) = get(&mut dpo, &format!("/api/v1/webhooks/{hook_id}/messages")).await;
    assert_eq!(s, StatusCode::OK);
    let m = &msgs["messages"][0];
    assert_eq!(
        msgs["messages"].as_array().unwrap().len(),
        1,
        "one part opened to demofarma: {msgs}"
    );
    assert_eq!(
        (m["state"].as_str(), m["event"].as_str()),
        (Some("pending"), Some("part.opened"))
    );
    assert_eq!(m["attempts"][0]["status"], 503);
    assert!(m["next_attempt_at"].is_string());
    // Nothing more before the retry is due; at the due time it goes.
    let r = deliver_due(&state, t0 + RETRY_SECS[0] - 1).await.unwrap();
    assert_eq!(r.webhooks_delivered + r.webhooks_retrying, 0, "{r:?}");
    let r = deliver_due(&state, t0 + RETRY_SECS[0]).await.unwrap();
    assert_eq!(r.webhooks_delivered, 1, "{r:?}");

    let got = got.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    let (first, second) = (&got[0], &got[1]);
    assert_eq!(
        header(&first.0, "webhook-id"),
        header(&second.0, "webhook-id"),
        "the same id on every retry"
    );
    assert_ne!(
        header(&first.0, "webhook-timestamp"),
        header(&second.0, "webhook-timestamp")
    );
    assert_eq!(
        header(&second.0, "webhook-timestamp"),
        (t0 + RETRY_SECS[0]).to_string()
    );
    assert_eq!(header(&second.0, "content-type"), "application/json");
    // The reference library verifies it; a changed byte or another secret does not.
    assert_eq!(
        verify_with_reference(&secret, &second.0, &second.1).as_deref(),
        Ok("part.opened")
    );
    let changed = second.1.replacen("part.opened", "part.openeD", 1);
    assert!(verify_with_reference(&secret, &second.0, &changed).is_err());
    let other_secret = ork_server::notifications::delivery::new_secret();
    assert!(verify_with_reference(&other_secret, &second.0, &second.1).is_err());
    // The payload names the objects, never an answer.
    let payload: Value = serde_json::from_str(&second.1).unwrap();
    assert_eq!(payload["data"]["application"], app_id.as_str());
    assert_eq!(payload["data"]["part"], rop.as_str());
    assert_eq!(payload["data"]["step"], "record_of_processing");
    assert!(
        !second.1.contains("lung cancer") && !second.1.contains("bo@demofarma"),
        "{}",
        second.1
    );
    let (_, msgs) = get(&mut dpo, &format!("/api/v1/webhooks/{hook_id}/messages")).await;
    assert_eq!(msgs["messages"][0]["state"], "delivered");
    assert_eq!(msgs["messages"][0]["attempts"].as_array().unwrap().len(), 2);

    // A decision: the applicant is told in the portal, and its own system by webhook.
    let (s, d) = decide(
        &mut dpo,
        &rop,
        "information_requested",
        "Which servers will hold the images?",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{d}");
    let (_, notes) = get(&mut bo, "/api/v1/notifications").await;
    assert_eq!(notes["unread"], 1, "{notes}");
    let n = &notes["notifications"][0];
    assert_eq!(
        (n["kind"].as_str(), n["part"].as_str()),
        (Some("part.decided"), Some(rop.as_str()))
    );
    assert_eq!(n["email"], "none", "no SMTP configured");
    let (_, notes) = get(&mut other, "/api/v1/notifications").await;
    assert_eq!(notes["unread"], 0);
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/notifications/read",
        json!({"up_to": 0}),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_up_to"))
    );
    let (s, m) = call(
        &mut bo,
        Method::POST,
        "/api/v1/notifications/read",
        json!({"up_to": n["id"]}),
    )
    .await;
    assert_eq!((s, m["marked"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(get(&mut bo, "/api/v1/notifications").await.1["unread"], 0);
    let r = deliver_due(&state, ork_store::now_unix() + 1)
        .await
        .unwrap();
    assert_eq!(
        r.webhooks_delivered, 1,
        "part.decided to the applicant's system: {r:?}"
    );
    let (_, msgs) = get(
        &mut bo,
        &format!("/api/v1/webhooks/{}/messages", mine["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(msgs["messages"][0]["event"], "part.decided");
    assert_eq!(msgs["messages"][0]["state"], "delivered");

    // Turned off: nothing more is queued for it; a second time is a conflict.
    let (s, off) = call(
        &mut dpo,
        Method::DELETE,
        &format!("/api/v1/webhooks/{hook_id}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (s, off["active"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{off}"
    );
    let (s, _) = call(
        &mut dpo,
        Method::DELETE,
        &format!("/api/v1/webhooks/{hook_id}"),
        Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = call(
        &mut bo,
        Method::DELETE,
        &format!("/api/v1/webhooks/{hook_id}"),
        Value::Null,
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "bo sees demofarma's webhook but may not change an authority's"
    );

    // Every change is in the audit trail, the secret nowhere in it.
    let events = app.store.audit_page(i64::MIN, 10_000).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "webhook.create",
        "webhook.delivered",
        "notification.read",
        "webhook.deactivate",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    assert!(
        !events
            .iter()
            .any(|e| e.details.to_string().contains(&secret))
    );
}

both_backends!(
    a_decision_is_emailed_after_the_smtp_server_comes_back,
    email_body
);
async fn email_body(db: TestDb) {
    let port = free_port();
    let config = ServerConfig {
        smtp_url: Some(SmtpUrl(format!("smtp://127.0.0.1:{port}"))),
        ..ServerConfig::default()
    };
    let (app, state) = TestApp::spawn_keeping(db, config).await;
    setup(&app).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (app_id, sub) = submitted_application(&mut bo).await;
    let rop = part_id(&sub, "record_of_processing");
    let mut dpo = Browser::signed_in(&app, "dpo@demofarma.example", PW).await;
    let (s, _) = decide(
        &mut dpo,
        &rop,
        "information_requested",
        "Which servers will hold the images?",
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // The SMTP server is down: the e-mail waits for its retry.
    let t0 = ork_store::now_unix();
    let r = deliver_due(&state, t0).await.unwrap();
    assert_eq!((r.emails_sent, r.emails_retrying), (0, 1), "{r:?}");
    let (_, notes) = get(&mut bo, "/api/v1/notifications").await;
    assert_eq!(notes["notifications"][0]["email"], "pending");

    // Up again: delivered at the retry, to bo, in bo's language, linking the application.
    let dir = tempfile::tempdir().unwrap();
    let _sink = SmtpSink::start(dir.path(), port);
    let r = deliver_due(&state, t0 + RETRY_SECS[0]).await.unwrap();
    assert_eq!(r.emails_sent, 1, "{r:?}");
    let mail = std::fs::read_to_string(dir.path().join("1.txt")).unwrap();
    assert!(mail.starts_with("To: bo@demofarma.example\n"), "{mail}");
    let subject = mail.lines().find(|l| l.starts_with("Subject: ")).unwrap();
    assert!(
        subject.contains("Chest X-ray AI"),
        "the title in the subject: {mail}"
    );
    // In bo's language (Danish, the default).
    assert!(subject.contains("afgørelse"), "{subject}");
    assert!(mail.contains(&format!("/applications/{app_id}")), "{mail}");
    assert!(
        !mail.contains("Which servers"),
        "the authority's words stay in the portal: {mail}"
    );
    let (_, notes) = get(&mut bo, "/api/v1/notifications").await;
    assert_eq!(notes["notifications"][0]["email"], "sent");
    // Nothing is sent twice.
    let r = deliver_due(&state, t0 + 3600).await.unwrap();
    assert_eq!(r.emails_sent, 0);
}

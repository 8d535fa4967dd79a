use crate::helpers::{Browser, TestApp, error_code};
use ork_domain::Role;
use ork_server::ServerConfig;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PW: &str = "Korrekt-Hest-Batteri-42";

both_backends!(sign_in_me_and_sign_out, sign_in_body);
async fn sign_in_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user(
        "anna@ku.dk",
        PW,
        &[("ku", Role::Applicant), ("sds", Role::CaseHandler)],
    )
    .await;

    let mut b = app.browser();
    let res = b.get("/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "unauthenticated");

    // A wrong password: 401, the form again with a message, an audit event, no session.
    b.get("/login").await;
    let before = app.audit_head().await;
    let res = b
        .post_form(
            "/login",
            &[
                ("email", "anna@ku.dk"),
                ("password", "Forkert-Hest-Batteri-42"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("data-testid=\"login-error\"")
    );
    assert!(!b.cookies.contains_key("ork_session"));
    assert_eq!(
        app.audit_head().await,
        before + 1,
        "the failed sign-in is audited"
    );

    let res = b.sign_in("Anna@KU.dk", PW).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/account");
    assert!(b.cookies.contains_key("ork_session"));

    let me: serde_json::Value = b.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["email"], "anna@ku.dk");
    assert_eq!(me["authenticated_by"], "session");
    assert_eq!(
        me["organisations"],
        json!([
            {"id": "ku", "name_da": "ku da", "name_en": "ku en", "roles": ["applicant"]},
            {"id": "sds", "name_da": "sds da", "name_en": "sds en", "roles": ["case_handler"]}
        ])
    );
    let page = b.get("/account").await.text().await.unwrap();
    assert!(
        page.contains("anna@ku.dk") && page.contains("Sagsbehandler"),
        "account page shows roles"
    );

    let events = app.store.audit_page(0, 1000).await.unwrap();
    let sign_in = events
        .iter()
        .rev()
        .find(|e| e.action == "session.sign_in")
        .unwrap();
    assert_eq!(sign_in.actor.as_deref(), Some("anna@ku.dk"));
    assert_eq!(sign_in.source, "127.0.0.1");

    // Sign out: the old cookie no longer works, and says why.
    let old = b.cookies.clone();
    let res = b.post_form("/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(!b.cookies.contains_key("ork_session"));
    b.cookies = old;
    let res = b.get("/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "session_expired");
    assert!(
        app.store
            .audit_page(0, 1000)
            .await
            .unwrap()
            .iter()
            .any(|e| e.action == "session.sign_out")
    );
}

both_backends!(expired_session_is_refused, expired_body);
async fn expired_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("bo@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let user = app
        .store
        .user_by_email(&ork_domain::Email::parse("bo@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    let secret = ork_server::auth::secrets::random_secret();
    let mut tx = app.store.write().await.unwrap();
    let id_hash = ork_server::auth::secrets::sha256_hex(&secret);
    let expired = ork_store::NewSession {
        user_id: user.id,
        user_email: "bo@ku.dk",
        id_hash: &id_hash,
        csrf_token: "csrf",
        ttl_secs: -10,
        method: "password",
    };
    tx.create_session(&crate::helpers::src(), &expired)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut b = app.browser();
    b.cookies.insert("ork_session".into(), secret);
    let res = b.get("/api/v1/me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "session_expired");
    let res = b.get("/account").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Faccount&expired=1"
    );
    let page = b
        .get("/login?next=%2Faccount&expired=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Din session er udløbet"));
}

both_backends!(roles_decide_access, roles_body);
async fn roles_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("norole@ku.dk", PW, &[]).await;
    app.user("op@platform.dk", PW, &[("platform", Role::Operator)])
        .await;
    app.user(
        "aud@datatilsynet.dk",
        PW,
        &[("datatilsynet", Role::Auditor)],
    )
    .await;

    let mut nobody = Browser::signed_in(&app, "norole@ku.dk", PW).await;
    for path in ["/operator", "/audit"] {
        let res = nobody.get(path).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(
            res.text()
                .await
                .unwrap()
                .contains("data-testid=\"error-message\"")
        );
    }
    let res = nobody.get("/api/v1/audit").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(res).await, "forbidden");
    let before = app.audit_head().await;
    let res = nobody
        .post_form(
            "/operator/orgs",
            &[
                ("id", "evil"),
                ("kind", "company"),
                ("name_da", "x"),
                ("name_en", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.audit_head().await,
        before,
        "a refused action writes nothing"
    );

    let mut op = Browser::signed_in(&app, "op@platform.dk", PW).await;
    assert_eq!(op.get("/operator").await.status(), StatusCode::OK);
    let res = op
        .post_form(
            "/operator/orgs",
            &[
                ("id", "novo-demo"),
                ("kind", "company"),
                ("authority_role", ""),
                ("name_da", "Novo Demo"),
                ("name_en", "Novo Demo"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = op
        .post_form(
            "/operator/users",
            &[
                ("email", "new@novo-demo.dk"),
                ("name", "Ny Bruger"),
                ("password", "Et-Langt-Kodeord-99"),
                ("org", "novo-demo"),
                ("role", "applicant"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    ork_testkit::record_secret("Et-Langt-Kodeord-99");
    let res = op
        .post_form(
            "/operator/orgs",
            &[
                ("id", "Bad Id"),
                ("kind", "company"),
                ("name_da", "x"),
                ("name_en", "x"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("data-testid=\"operator-error\"")
    );
    let res = op
        .post_form(
            "/operator/users",
            &[
                ("email", "short@novo-demo.dk"),
                ("name", "Kort"),
                ("password", "kort"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "weak passwords are refused"
    );
    let new = Browser::signed_in(
        &app,
        "new@novo-demo.dk",
        PW.replace(PW, "Et-Langt-Kodeord-99").as_str(),
    )
    .await;
    drop(new);

    let mut aud = Browser::signed_in(&app, "aud@datatilsynet.dk", PW).await;
    let page = aud
        .get("/audit?actor=op%40platform.dk")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("organisation.create") && page.contains("novo-demo"),
        "auditor sees the operator's actions"
    );
    assert!(
        page.contains("Kædens seneste hændelse") && !page.contains("Kæden er intakt"),
        "verification is on request"
    );
    let checked = aud.get("/audit/verify").await.text().await.unwrap();
    assert!(checked.contains("Kæden er intakt") && checked.contains("<html"));
    let fragment = aud
        .request(Method::GET, "/audit/verify", |r| {
            r.header("hx-request", "true")
        })
        .await
        .text()
        .await
        .unwrap();
    assert!(
        fragment
            .trim_start()
            .starts_with("<div id=\"chain-status\"")
            && fragment.contains("Kæden er intakt")
    );
    let rows = aud
        .request(Method::GET, "/audit?object=organisation:novo-demo", |r| {
            r.header("hx-request", "true")
        })
        .await
        .text()
        .await
        .unwrap();
    assert!(
        rows.starts_with("<div id=\"audit-rows\">") && rows.contains("organisation.create"),
        "htmx gets the rows only"
    );
    let verify: serde_json::Value = aud.get("/api/v1/audit/verify").await.json().await.unwrap();
    assert_eq!(verify["intact"], true);
    // Tampering shows in the portal and the API, naming the event.
    let raw = app.raw_pool().await;
    sqlx::query("UPDATE audit_log SET actor = 'someone@else.dk' WHERE seq = 3")
        .execute(&raw)
        .await
        .unwrap();
    let checked = aud.get("/audit/verify").await.text().await.unwrap();
    assert!(
        checked.contains("Kæden er brudt") && checked.contains("event 3"),
        "{checked}"
    );
    let verify: serde_json::Value = aud.get("/api/v1/audit/verify").await.json().await.unwrap();
    assert_eq!(
        (verify["intact"].as_bool(), verify["first_bad_seq"].as_i64()),
        (Some(false), Some(3))
    );
    sqlx::query("UPDATE audit_log SET actor = 'test-setup' WHERE seq = 3")
        .execute(&raw)
        .await
        .unwrap();
    let events: serde_json::Value = aud
        .get("/api/v1/audit?object=user:new@novo-demo.dk")
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["membership.grant", "user.create"]);
}

both_backends!(api_tokens_create_use_revoke, tokens_body);
async fn tokens_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("tina@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = Browser::signed_in(&app, "tina@ku.dk", PW).await;

    let res = b
        .json(
            Method::POST,
            "/api/v1/tokens",
            &json!({"name": "laptop", "expires_in_days": 30}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: serde_json::Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    ork_testkit::record_secret(&token);
    assert!(token.starts_with("ork_"));

    let bearer = |t: &str| {
        let t = format!("Bearer {t}");
        move |r: reqwest::RequestBuilder| r.header("authorization", t)
    };
    let mut api = app.browser();
    let me: serde_json::Value = api
        .request(Method::GET, "/api/v1/me", bearer(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (me["email"].as_str(), me["authenticated_by"].as_str()),
        (Some("tina@ku.dk"), Some("token"))
    );
    let list: serde_json::Value = api
        .request(Method::GET, "/api/v1/tokens", bearer(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["status"], "active");
    assert!(list[0].get("token").is_none(), "secrets are never listed");

    // A token cannot create another (a leaked token would outlive its revocation).
    let res = api
        .request(Method::POST, "/api/v1/tokens", |r| {
            bearer(&token)(r)
                .header("content-type", "application/json")
                .body(r#"{"name":"ci"}"#)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(res).await, "session_required");

    let id = created["id"].as_i64().unwrap();
    let res = b
        .json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = api.request(Method::GET, "/api/v1/me", bearer(&token)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(res).await, "token_revoked");
    let res = b
        .json(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "revoking twice");

    for (header, code) in [
        ("Bearer ork_unknownunknownunknown", "token_unknown"),
        ("Basic abc", "token_malformed"),
        ("Bearer nope", "token_malformed"),
    ] {
        let res = api
            .request(Method::GET, "/api/v1/me", |r| {
                r.header("authorization", header)
            })
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(res).await, code);
    }

    // An expired token.
    let secret = ork_server::auth::secrets::new_api_token();
    let user = app
        .store
        .user_by_email(&ork_domain::Email::parse("tina@ku.dk").unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut tx = app.store.write().await.unwrap();
    tx.create_token(
        &crate::helpers::src(),
        &ork_store::NewApiToken {
            user_id: user.id,
            user_email: "tina@ku.dk".into(),
            name: "old".into(),
            token_hash: ork_server::auth::secrets::sha256_hex(&secret),
            expires_at: ork_store::now_unix() - 1,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let res = api
        .request(Method::GET, "/api/v1/me", bearer(&secret))
        .await;
    assert_eq!(error_code(res).await, "token_expired");

    // The account page creates and revokes tokens too.
    let page = b
        .post_form(
            "/account/tokens",
            &[("name", "from the portal"), ("expires_in_days", "7")],
        )
        .await
        .text()
        .await
        .unwrap();
    let shown = page
        .split("data-testid=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    ork_testkit::record_secret(&shown);
    assert!(shown.starts_with("ork_"));
    let res = b
        .post_form("/account/tokens", &[("name", ""), ("expires_in_days", "7")])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

both_backends!(csrf_is_required_on_every_state_change, csrf_body);
async fn csrf_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("carl@ku.dk", PW, &[("ku", Role::Applicant)]).await;

    // Sign-in without the CSRF cookie (a forged cross-site sign-in).
    let mut fresh = app.browser();
    let body = serde_urlencoded::to_string([("email", "carl@ku.dk"), ("password", PW)]).unwrap();
    let res = fresh
        .request(Method::POST, "/login", |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(!fresh.cookies.contains_key("ork_session"));

    let mut b = Browser::signed_in(&app, "carl@ku.dk", PW).await;
    let before = app.audit_head().await;
    let good = b.csrf();
    for token in [None, Some("wrong"), Some("")] {
        let mut fields = vec![("name", "x")];
        if let Some(t) = token {
            fields.push(("_csrf", t));
        }
        let body = serde_urlencoded::to_string(&fields).unwrap();
        let res = b
            .request(Method::POST, "/account/tokens", |r| {
                r.header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
            })
            .await;
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "form with csrf {token:?}"
        );
        assert!(res.text().await.unwrap().contains("CSRF"));
        let res = b
            .request(Method::POST, "/api/v1/tokens", |r| {
                let r = r
                    .header("content-type", "application/json")
                    .body(r#"{"name":"x"}"#);
                match token {
                    Some(t) => r.header("x-csrf-token", t),
                    None => r,
                }
            })
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(error_code(res).await, "csrf_failed");
    }
    // The anonymous token (from before sign-in) is no longer valid once signed in.
    assert_ne!(good, "");
    let res = b
        .request(Method::POST, "/logout", |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .body("_csrf=stale")
        })
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.audit_head().await, before, "nothing was written");
}

both_backends!(sign_in_is_rate_limited, rate_body);
async fn rate_body(db: TestDb) {
    let config = ServerConfig {
        login_failures_per_account: 3,
        login_attempts_per_address: 10,
        ..Default::default()
    };
    let app = TestApp::spawn_with(db, config).await;
    app.user("dora@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = app.browser();
    b.get("/login").await;
    for _ in 0..3 {
        let res = b
            .post_form(
                "/login",
                &[("email", "dora@ku.dk"), ("password", "Forkert-Kodeord-123")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // The account is now locked for a while, even with the right password.
    let res = b
        .post_form("/login", &[("email", "dora@ku.dk"), ("password", PW)])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("For mange forsøg"));
    // Per address: other accounts from the same address run out too.
    let mut last = StatusCode::OK;
    for i in 0..8 {
        last = b
            .post_form(
                "/login",
                &[
                    ("email", &format!("x{i}@ku.dk")),
                    ("password", "Forkert-Kodeord-123"),
                ],
            )
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
}

both_backends!(language_is_switchable_and_remembered, lang_body);
async fn lang_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("eve@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    let mut b = app.browser();
    let page = b.get("/").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"da\">") && page.contains("Log ind"));
    let res = b
        .post_form("/lang", &[("lang", "en"), ("next", "/login")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");
    let page = b.get("/").await.text().await.unwrap();
    assert!(page.contains("<html lang=\"en\">") && page.contains("Sign in"));
    let res = b.post_form("/lang", &[("lang", "fr")]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("The language must be da or en"),
        "the message is in the visitor's language"
    );

    // Signed in, the choice is stored with the user and follows them to a new browser.
    let mut signed = Browser::signed_in(&app, "eve@ku.dk", PW).await;
    signed
        .post_form("/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let mut other = Browser::signed_in(&app, "eve@ku.dk", PW).await;
    other.cookies.remove("ork_lang");
    let me: serde_json::Value = other.get("/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["lang"], "en");
    assert!(
        other
            .get("/account")
            .await
            .text()
            .await
            .unwrap()
            .contains("<html lang=\"en\">")
    );
    let res = other.get("/api/v1/nothing-here").await;
    assert_eq!(error_code(res).await, "not_found");
}

both_backends!(operator_disables_accounts_and_revokes_roles, disable_body);
async fn disable_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("op@platform.dk", PW, &[("platform", Role::Operator)])
        .await;
    app.user(
        "gry@datatilsynet.dk",
        PW,
        &[("datatilsynet", Role::Auditor)],
    )
    .await;
    let mut op = Browser::signed_in(&app, "op@platform.dk", PW).await;
    let mut gry = Browser::signed_in(&app, "gry@datatilsynet.dk", PW).await;
    let res = gry
        .json(Method::POST, "/api/v1/tokens", &json!({"name": "script"}))
        .await;
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    ork_testkit::record_secret(&token);
    assert_eq!(gry.get("/audit").await.status(), StatusCode::OK);

    // Revoking the role: 403 at once, on the next request.
    let res = op
        .post_form(
            "/operator/memberships/revoke",
            &[
                ("email", "gry@datatilsynet.dk"),
                ("org", "datatilsynet"),
                ("role", "auditor"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(gry.get("/audit").await.status(), StatusCode::FORBIDDEN);

    // Disabling: the session ends, the token stops, sign-in is refused; enabling restores.
    let res = op
        .post_form(
            "/operator/users/state",
            &[("email", "gry@datatilsynet.dk"), ("action", "disable")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        op.get("/operator")
            .await
            .text()
            .await
            .unwrap()
            .contains("Deaktiveret")
    );
    assert_eq!(
        error_code(gry.get("/api/v1/me").await).await,
        "session_expired"
    );
    let mut api = app.browser();
    let res = api
        .request(Method::GET, "/api/v1/me", |r| {
            r.header("authorization", format!("Bearer {token}"))
        })
        .await;
    assert_eq!(error_code(res).await, "account_disabled");
    assert_eq!(
        app.browser()
            .sign_in("gry@datatilsynet.dk", PW)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    op.post_form(
        "/operator/users/state",
        &[("email", "gry@datatilsynet.dk"), ("action", "enable")],
    )
    .await;
    assert_eq!(
        app.browser()
            .sign_in("gry@datatilsynet.dk", PW)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // An operator cannot lock themselves out.
    let res = op
        .post_form(
            "/operator/users/state",
            &[("email", "op@platform.dk"), ("action", "disable")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = op
        .post_form(
            "/operator/memberships/revoke",
            &[
                ("email", "op@platform.dk"),
                ("org", "platform"),
                ("role", "operator"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = op
        .post_form(
            "/operator/users/state",
            &[("email", "nobody@x.dk"), ("action", "disable")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let actions: Vec<String> = app
        .store
        .audit_page(0, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for a in ["membership.revoke", "user.disable", "user.enable"] {
        assert!(actions.iter().any(|x| x == a), "{a} is audited");
    }
}

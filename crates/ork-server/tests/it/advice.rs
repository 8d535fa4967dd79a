//! The advice desk: a company searches the knowledge base, asks anyway, the first-level
//! advisor refers the question to SDS, SDS's expert answers in the same conversation (live,
//! through server-sent events), the asker sees the whole thread, and the answer becomes an
//! article another advisor publishes. Who sees what; the report from the data; bad input.

use crate::applications::{PW, call, get, setup};
use crate::helpers::{Browser, TestApp};
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// The platform's two first-level advisors and SDS's expert (demofarma's people and the
/// authorities' handlers come from the applications' setup; Datatilsynet has no experts).
async fn advisors(app: &TestApp) {
    setup(app).await;
    for (email, org) in [
        ("first@platform.example", "platform"),
        ("second@platform.example", "platform"),
        ("expert@sds.example", "sds"),
    ] {
        app.user(email, PW, &[(org, Role::Advisor)]).await;
    }
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}

/// Reads server-sent events from `res` until one carries `needle` (or 10 s pass).
async fn until_event(res: &mut reqwest::Response, seen: &mut String, needle: &str) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => seen.push_str(&String::from_utf8_lossy(&bytes)),
            _ => return false,
        }
    }
    true
}

both_backends!(
    a_company_asks_is_referred_to_sds_and_the_answer_becomes_an_article,
    journey_body
);
async fn journey_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    advisors(&app).await;
    let mut anon = app.browser();
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    let mut first = Browser::signed_in(&app, "first@platform.example", PW).await;
    let mut second = Browser::signed_in(&app, "second@platform.example", PW).await;
    let mut expert = Browser::signed_in(&app, "expert@sds.example", PW).await;
    let mut handler = Browser::signed_in(&app, "one@sds.example", PW).await;

    // The knowledge base is open to anyone and searched in both languages.
    let (s, kb) = get(
        &mut anon,
        "/api/v1/kb?q=samfundsm%C3%A6ssig%20betydning&lang=da",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{kb}");
    assert_eq!(kb["articles"][0]["id"], "significant-societal-importance");
    let (_, kb) = get(&mut anon, "/api/v1/kb?q=societal%20importance&lang=en").await;
    assert_eq!(
        kb["articles"][0]["title"],
        "What counts as research of significant societal importance?"
    );
    let (s, a) = get(
        &mut anon,
        "/api/v1/kb/significant-societal-importance?lang=en",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(a["body_html"].as_str().unwrap().contains("<p>"), "{a}");
    assert!(!a["sources"].as_array().unwrap().is_empty());
    let (_, all) = get(&mut anon, "/api/v1/kb").await;
    assert!(all["articles"].as_array().unwrap().len() >= 30);
    let (_, data) = get(&mut anon, "/api/v1/kb?topic=data").await;
    assert!(
        data["articles"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["topic"] == "data")
    );

    // The company asks, with its basket and the page it was on; a matching article is
    // suggested, and it asks anyway.
    let ask = json!({
        "subject": "Can a pharmaceutical company get access to Danish health registers?",
        "text": "We are a company planning a drug safety study on LPR data. Can we get access, and from whom?",
        "context": {"page": "/catalog/sources/lpr", "basket": ["lpr"]},
    });
    let (s, asked) = call(&mut bo, Method::POST, "/api/v1/questions", ask.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    assert_eq!(
        (asked["state"].as_str(), asked["holder"].as_str()),
        (Some("open"), Some("first_level"))
    );
    let suggested: Vec<&str> = asked["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(suggested.contains(&"can-a-company-get-access"), "{asked}");
    let id = asked["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/questions/{id}");

    // Who sees it: the asker and the first level; not another company, not SDS yet.
    let (s, mine) = get(&mut bo, &path).await;
    assert_eq!((s, mine["you"].as_str()), (StatusCode::OK, Some("asker")));
    assert_eq!(mine["context"]["basket"], json!(["lpr"]));
    for b in [&mut other, &mut expert, &mut handler] {
        let (s, e) = get(b, &path).await;
        assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "question_not_found"));
    }
    let (_, list) = get(&mut other, "/api/v1/questions").await;
    assert_eq!(list["questions"], json!([]));
    let (_, queue) = get(&mut first, "/api/v1/questions?state=open").await;
    assert_eq!(queue["questions"][0]["id"], id.as_str());
    assert_eq!(queue["questions"][0]["overdue"], false);
    let (s, q) = get(&mut first, &path).await;
    assert_eq!(
        (s, q["you"].as_str()),
        (StatusCode::OK, Some("first_level"))
    );
    assert_eq!(q["asker_organisation"], "demofarma");
    // The routing rules propose SDS (the basket's LPR is SDS's).
    assert_eq!(q["proposed_authorities"][0], "sds", "{q}");

    // Referral: first level only; not to an authority without experts.
    // The asker may not; SDS's expert does not even see it yet.
    for (b, want) in [
        (&mut bo, StatusCode::FORBIDDEN),
        (&mut expert, StatusCode::NOT_FOUND),
    ] {
        let (s, e) = call(
            b,
            Method::POST,
            &format!("{path}/refer"),
            json!({"authority": "sds"}),
        )
        .await;
        assert_eq!(s, want, "{e}");
    }
    let (s, e) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "datatilsynet"}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "no_experts"));
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("datatilsynet"),
        "{e}"
    );
    let (s, e) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "nowhere"}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "unknown_authority"));
    let (s, e) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "demofarma"}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::NOT_FOUND, "unknown_authority"),
        "a company is no authority"
    );
    let (s, q) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "sds", "note": "Second-level: the LPR access route for a company."}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{q}");
    assert_eq!(
        (q["state"].as_str(), q["holder"].as_str()),
        (Some("referred"), Some("sds"))
    );
    let (s, e) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "sds"}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "question_referred"));

    // SDS's expert now sees it, with the note; the asker sees where it went, not the note;
    // SDS's case handler (not an advisor) still does not.
    let (s, q) = get(&mut expert, &path).await;
    assert_eq!(
        (s, q["you"].as_str()),
        (StatusCode::OK, Some("second_level"))
    );
    assert!(q.to_string().contains("LPR access route"), "{q}");
    let (_, listed) = get(&mut expert, "/api/v1/questions").await;
    assert_eq!(listed["questions"][0]["id"], id.as_str());
    let (_, mine) = get(&mut bo, &path).await;
    assert!(
        !mine.to_string().contains("LPR access route"),
        "internal notes stay internal: {mine}"
    );
    let referred = mine["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "system")
        .unwrap();
    assert_eq!(
        (referred["text"].as_str(), referred["organisation"].as_str()),
        (Some("referred"), Some("sds"))
    );
    assert_eq!(get(&mut handler, &path).await.0, StatusCode::NOT_FOUND);

    // The asker follows the conversation live.
    let mut events = bo.get(&format!("{path}/events")).await;
    assert_eq!(events.status(), StatusCode::OK);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut seen = String::new();
    assert!(
        until_event(&mut events, &mut seen, "We are a company planning").await,
        "{seen}"
    );
    let answer = "Yes. Companies can get LPR data for research of significant societal importance; apply through the platform and SDS delivers to its research machine.";
    let (s, m) = call(
        &mut expert,
        Method::POST,
        &format!("{path}/messages"),
        json!({"text": answer}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(
        (m["role"].as_str(), m["organisation"].as_str()),
        (Some("second_level"), Some("sds"))
    );
    assert!(
        until_event(
            &mut events,
            &mut seen,
            "SDS delivers to its research machine"
        )
        .await,
        "{seen}"
    );
    assert!(seen.contains("event: message"), "{seen}");
    assert!(
        until_event(&mut events, &mut seen, "\"answered\"").await,
        "the state event: {seen}"
    );
    assert!(
        !seen.contains("LPR access route"),
        "no internal note in the asker's stream"
    );
    drop(events);

    // The asker is told, and sees the whole thread.
    let (_, notes) = get(&mut bo, "/api/v1/notifications").await;
    let note = notes["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "question.answered")
        .unwrap_or_else(|| panic!("{notes}"));
    assert_eq!(note["question"], id.as_str());
    let (_, mine) = get(&mut bo, &path).await;
    assert_eq!(mine["state"], "answered");
    let roles: Vec<&str> = mine["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["role"].as_str())
        .collect();
    assert_eq!(roles, ["asker", "system", "second_level"]);
    // The asker replies (back with SDS), the expert closes it.
    let (s, _) = call(
        &mut bo,
        Method::POST,
        &format!("{path}/messages"),
        json!({"text": "Thank you!"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(get(&mut bo, &path).await.1["state"], "referred");
    let (s, q) = call(
        &mut expert,
        Method::POST,
        &format!("{path}/close"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, q["state"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{q}"
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("{path}/messages"),
        json!({"text": "One more"}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "question_closed"));

    // The answer becomes an article: an advisor drafts, another reviews and publishes.
    let (s, _) = call(
        &mut bo,
        Method::POST,
        "/api/v1/kb/drafts",
        json!({"question": id}),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the asker is no advisor");
    let (s, d) = call(
        &mut first,
        Method::POST,
        "/api/v1/kb/drafts",
        json!({"question": id}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    assert_eq!(d["state"], "draft");
    // In the asker's language (Danish); the other language is the reviewer's to write.
    assert!(
        d["body_da"].as_str().unwrap().contains("research machine"),
        "{d}"
    );
    assert_eq!(d["title_en"], "");
    let draft = d["id"].as_str().unwrap().to_owned();
    // A platform draft (it still holds the asker's words) is not SDS's experts' to read.
    let (s, list) = get(&mut expert, "/api/v1/kb/drafts").await;
    assert_eq!((s, list["drafts"].clone()), (StatusCode::OK, json!([])));
    let (s, _) = call(
        &mut expert,
        Method::POST,
        &format!("/api/v1/kb/drafts/{draft}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(draft.starts_with("can-a-pharmaceutical-company"), "{draft}");
    let (s, e) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/kb/drafts/{draft}/publish"),
        json!({}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "own_draft"));
    let (s, e) = call(
        &mut second,
        Method::POST,
        &format!("/api/v1/kb/drafts/{draft}/publish"),
        json!({}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::CONFLICT, "draft_incomplete"));
    assert!(
        e["error"]["message"].as_str().unwrap().contains("title_en"),
        "{e}"
    );
    let mut edit = json!({
        "topic": "companies",
        "title_da": "Kan en medicinalvirksomhed få adgang til danske sundhedsregistre?",
        "title_en": "Can a pharmaceutical company get access to Danish health registers?",
        "summary_da": "Ja, til forskning af væsentlig samfundsmæssig betydning; SDS leverer til sin forskermaskine.",
        "summary_en": "Yes, for research of significant societal importance; SDS delivers to its research machine.",
        "body_da": "Ja. Virksomheder kan få LPR-data til forskning af væsentlig samfundsmæssig betydning.",
        "body_en": "Yes. Companies can get LPR data for research of significant societal importance (pharmacovigilance included).",
    });
    edit["body_en"] = json!("<script>alert(1)</script>");
    let (s, e) = call(
        &mut second,
        Method::PUT,
        &format!("/api/v1/kb/drafts/{draft}"),
        edit.clone(),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "invalid_draft_body"),
        "no HTML in articles"
    );
    edit["body_en"] = json!(
        "Yes. Companies can get LPR data for research of significant societal importance (pharmacovigilance included)."
    );
    let (s, _) = call(
        &mut second,
        Method::PUT,
        &format!("/api/v1/kb/drafts/{draft}"),
        edit,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, d) = call(
        &mut second,
        Method::POST,
        &format!("/api/v1/kb/drafts/{draft}/publish"),
        json!({}),
    )
    .await;
    assert_eq!(
        (s, d["state"].as_str()),
        (StatusCode::OK, Some("published")),
        "{d}"
    );
    let (_, found) = get(&mut anon, "/api/v1/kb?q=pharmacovigilance&lang=en").await;
    assert_eq!(
        found["articles"][0]["id"],
        draft.as_str(),
        "searchable at once"
    );
    let (s, a) = get(&mut anon, &format!("/api/v1/kb/{draft}?lang=da")).await;
    assert_eq!((s, a["owner"].as_str()), (StatusCode::OK, Some("platform")));

    // An article that answered someone's question counts in the report.
    let (s, _) = call(
        &mut anon,
        Method::POST,
        "/api/v1/kb/what-the-fees-cover/helpful",
        json!({}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, r) = get(&mut first, "/api/v1/advice/report").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["questions"], 1);
    assert_eq!(r["per_authority"], json!({"sds": 1}));
    assert_eq!(
        (r["answered"].as_u64(), r["resolved"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["first_level_share"], 0.0, "resolved at the second level");
    assert_eq!(
        r["deflections"],
        json!([{"article": "what-the-fees-cover", "count": 1}])
    );
    assert_eq!(
        get(&mut bo, "/api/v1/advice/report").await.0,
        StatusCode::FORBIDDEN
    );
    let (s, e) = get(&mut first, "/api/v1/advice/report?from=2026-02-30").await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_period"));

    // Every change is in the audit trail, without the words.
    let events = app.store.audit_page(0, 10_000).await.unwrap();
    for action in [
        "question.ask",
        "question.refer",
        "question.message",
        "question.close",
        "kb.draft",
        "kb.edit",
        "kb.publish",
        "kb.deflect",
    ] {
        assert!(events.iter().any(|e| e.action == action), "{action}");
    }
    assert!(
        !events
            .iter()
            .any(|e| e.details.to_string().contains("research machine")),
        "the audit trail names sizes and ids, not what was written"
    );
}

both_backends!(
    questions_refuse_bad_input_and_render_script_inert,
    bad_input_body
);
async fn bad_input_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    advisors(&app).await;
    let mut anon = app.browser();
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let mut first = Browser::signed_in(&app, "first@platform.example", PW).await;
    let before = app.audit_head().await;
    let ask = |subject: &str, text: &str| json!({"subject": subject, "text": text});
    for (body, want) in [
        (ask("", "text"), "invalid_subject"),
        (ask("   ", "text"), "invalid_subject"),
        (ask("Two\nlines", "text"), "invalid_subject"),
        (ask(&"s".repeat(201), "text"), "invalid_subject"),
        (ask("Subject", ""), "invalid_question_text"),
        (
            ask("Subject", &"x".repeat(100 * 1024)),
            "invalid_question_text",
        ),
        (
            json!({"subject": "S", "text": "T", "topic": "astrology"}),
            "invalid_topic",
        ),
        (
            json!({"subject": "S", "text": "T", "context": [null, null]}),
            "invalid_json",
        ),
        (
            json!({"subject": "S", "text": "T", "context": {"page": "/\\evil.example/x"}}),
            "invalid_context_page",
        ),
        (
            json!({"subject": "S", "text": "T", "context": {"page": "https://evil.example/"}}),
            "invalid_context_page",
        ),
        (
            json!({"subject": "S", "text": "T", "attachments": ["upl-a", "upl-b", "upl-c", "upl-d", "upl-e", "upl-f"]}),
            "too_many_attachments",
        ),
    ] {
        let (s, e) = call(&mut bo, Method::POST, "/api/v1/questions", body).await;
        assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, want), "{e}");
    }
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "context": {"basket": ["no-such-register"]}}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "unknown_dataset"));
    let (s, e) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "attachments": ["upl-aaaaaaaaaaaa"]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::NOT_FOUND, "attachment_not_found")
    );
    let (s, _) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "context": {"application": "app-aaaaaaaaaaaa"}}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "someone else's or no application");
    // Neither signed in nor a guest; a guest where no e-mail is sent.
    let (s, _) = call(&mut anon, Method::POST, "/api/v1/questions", ask("S", "T")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, e) = call(
        &mut anon,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "email": "guest@example.org"}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::CONFLICT, "guest_email_unavailable")
    );
    let (s, e) = call(
        &mut anon,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "email": "not-an-address"}),
    )
    .await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_email"));
    // Nothing was written by any of it.
    assert_eq!(app.audit_head().await, before);
    assert_eq!(
        get(&mut bo, "/api/v1/questions").await.1["questions"],
        json!([])
    );

    // Script in a question and an answer is kept as written and shown as text.
    let script = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";
    let (s, asked) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        ask(&format!("Hello {script}"), script),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let id = asked["id"].as_str().unwrap();
    let (s, _) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/questions/{id}/messages"),
        json!({"text": script}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, q) = get(&mut bo, &format!("/api/v1/questions/{id}")).await;
    assert_eq!(q["messages"][1]["text"], script, "kept as written");
    for (b, who) in [(&mut bo, "asker"), (&mut first, "advisor")] {
        let html = b
            .get(&format!("/questions/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!html.contains("<script>document.title"), "{who}: {html}");
        assert!(!html.contains("<img src=x"), "{who}");
        let at = html.find("document.title").unwrap_or(0);
        assert!(
            html.contains("&#60;script&#62;document.title="),
            "{who}: escaped: {}",
            &html[at.saturating_sub(40)..(at + 80).min(html.len())]
        );
    }
    // Over-long and empty messages; attachments that are not yours.
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/questions/{id}/messages"),
        json!({"text": "y".repeat(100 * 1024)}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "invalid_question_text")
    );
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/questions/{id}/messages"),
        json!({"text": " \n "}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "invalid_question_text")
    );
    // A malformed question address is simply not found, signed in or not.
    assert_eq!(
        anon.get("/questions/a%0Ab").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bo.get("/questions/a%0Ab").await.status(),
        StatusCode::NOT_FOUND
    );
    // Bad filters and languages are named.
    let (s, e) = get(&mut first, "/api/v1/questions?state=lost").await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_filter"));
    let (s, e) = get(&mut anon, "/api/v1/kb?lang=fr").await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "invalid_lang"));
    let (s, e) = get(&mut anon, &format!("/api/v1/kb?q={}", "q".repeat(501))).await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "query_too_long"));
    let (s, e) = get(&mut anon, "/api/v1/kb/no-such-article").await;
    assert_eq!((s, code(&e)), (StatusCode::NOT_FOUND, "article_not_found"));
}

both_backends!(
    a_contact_person_gets_their_organisations_questions,
    contact_body
);
async fn contact_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    advisors(&app).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let mut first = Browser::signed_in(&app, "first@platform.example", PW).await;
    let mut second = Browser::signed_in(&app, "second@platform.example", PW).await;
    let (s, _) = call(
        &mut bo,
        Method::PUT,
        "/api/v1/advice/contacts/demofarma",
        json!({"advisor": "second@platform.example"}),
    )
    .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "first-level advisors name contact persons"
    );
    let (s, e) = call(
        &mut first,
        Method::PUT,
        "/api/v1/advice/contacts/demofarma",
        json!({"advisor": "expert@sds.example"}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::NOT_FOUND, "unknown_advisor"),
        "an SDS expert is not first level"
    );
    let (s, list) = call(
        &mut first,
        Method::PUT,
        "/api/v1/advice/contacts/demofarma",
        json!({"advisor": "second@platform.example"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(
        list["contacts"],
        json!([{"organisation": "demofarma", "advisor": "second@platform.example"}])
    );
    // Bo's next question goes to the contact person, who is told.
    let (s, asked) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "Annual update", "text": "How do we get next year's data?"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = asked["id"].as_str().unwrap();
    let (_, mine) = get(&mut second, "/api/v1/questions?assigned=me").await;
    assert_eq!(mine["questions"][0]["id"], id);
    let (_, notes) = get(&mut second, "/api/v1/notifications").await;
    assert_eq!(notes["notifications"][0]["kind"], "question.assigned");
    assert_eq!(
        get(&mut first, "/api/v1/questions?assigned=me").await.1["questions"],
        json!([])
    );
    // The other advisor takes it over; then gives it back to no one.
    let (s, q) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/questions/{id}/assign"),
        json!({"advisor": "first@platform.example"}),
    )
    .await;
    assert_eq!(
        (s, q["assignee"].as_str()),
        (StatusCode::OK, Some("Test Person")),
        "{q}"
    );
    let (s, q) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/questions/{id}/assign"),
        json!({"advisor": null}),
    )
    .await;
    assert_eq!((s, q["assignee"].clone()), (StatusCode::OK, Value::Null));
    assert_eq!(
        get(&mut first, "/api/v1/questions?assigned=none").await.1["questions"][0]["id"],
        id
    );
    // Answered at the first level, then referred, then closed by the asker without an
    // expert's answer: resolved at the first level, not credited to the authority.
    let path = format!("/api/v1/questions/{id}");
    let (s, _) = call(
        &mut first,
        Method::POST,
        &format!("{path}/messages"),
        json!({"text": "Apply for an amendment."}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = call(
        &mut first,
        Method::POST,
        &format!("{path}/refer"),
        json!({"authority": "sds"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(&mut bo, Method::POST, &format!("{path}/close"), json!({})).await;
    assert_eq!(s, StatusCode::OK);
    let q = app.store.question(id).await.unwrap().unwrap();
    assert_eq!(q.resolved_level.as_deref(), Some("first"));
    // The same in the portal.
    let res = first
        .post_form(
            "/advice/contacts",
            &[("org", "othercorp"), ("advisor", "first@platform.example")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let html = first.get("/advice/contacts").await.text().await.unwrap();
    assert!(
        html.contains("first@platform.example") && html.contains("othercorp"),
        "{html}"
    );
    assert_eq!(
        bo.get("/advice/contacts").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = first
        .post_form("/advice/contacts", &[("org", "othercorp"), ("advisor", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Removing the contact person.
    let (s, list) = call(
        &mut first,
        Method::PUT,
        "/api/v1/advice/contacts/demofarma",
        json!({"advisor": null}),
    )
    .await;
    assert_eq!((s, list["contacts"].clone()), (StatusCode::OK, json!([])));
}

both_backends!(
    a_guest_asks_with_a_confirmed_address_and_floods_are_refused,
    guest_body
);
async fn guest_body(db: TestDb) {
    use crate::notifications::{SmtpSink, free_port};
    use ork_server::notifications::delivery::deliver_due;
    let port = free_port();
    let config = ork_server::ServerConfig {
        smtp_url: Some(ork_server::SmtpUrl(format!("smtp://127.0.0.1:{port}"))),
        ..Default::default()
    };
    let (app, state) = TestApp::spawn_keeping(db, config).await;
    advisors(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let _sink = SmtpSink::start(dir.path(), port);
    let mut guest = app.browser();
    let mut first = Browser::signed_in(&app, "first@platform.example", PW).await;
    let ask = json!({
        "subject": "Do I need an ethics approval for a register study?",
        "text": "I am a student planning a register-only study.",
        "email": "student@university.example",
    });
    let (s, asked) = call(&mut guest, Method::POST, "/api/v1/questions", ask.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    assert_eq!(asked["state"], "unconfirmed");
    let id = asked["id"].as_str().unwrap().to_owned();
    // Not routed before the address is confirmed.
    assert_eq!(
        get(&mut first, "/api/v1/questions").await.1["questions"],
        json!([])
    );
    assert_eq!(
        get(&mut first, &format!("/api/v1/questions/{id}")).await.0,
        StatusCode::NOT_FOUND
    );

    // The link arrives by e-mail; following it routes the question and shows it.
    let r = deliver_due(&state, ork_store::now_unix()).await.unwrap();
    assert_eq!(r.emails_sent, 1, "{r:?}");
    let mail = std::fs::read_to_string(dir.path().join("1.txt")).unwrap();
    assert!(
        mail.starts_with("To: student@university.example\n"),
        "{mail}"
    );
    let link = mail
        .lines()
        .find(|l| l.contains(&format!("/questions/{id}?key=")))
        .unwrap_or_else(|| panic!("{mail}"));
    let key = link.split("key=").nth(1).unwrap().trim().to_owned();
    let (s, _) = get(&mut guest, &format!("/questions/{id}?key=wrong")).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a wrong key opens nothing");
    let page = guest.get(&format!("/questions/{id}?key={key}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("register-only study"));
    let (_, queue) = get(&mut first, "/api/v1/questions").await;
    assert_eq!(queue["questions"][0]["id"], id.as_str());
    assert_eq!(queue["questions"][0]["state"], "open");

    // The advisor answers: the guest gets a new link by e-mail, and can reply in the page.
    let (s, _) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/questions/{id}/messages"),
        json!({"text": "A register-only study is not notified to an ethics committee."}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let r = deliver_due(&state, ork_store::now_unix()).await.unwrap();
    assert_eq!(r.emails_sent, 1, "{r:?}");
    let mail = std::fs::read_to_string(dir.path().join("2.txt")).unwrap();
    assert!(mail.contains(&format!("/questions/{id}?key=")), "{mail}");
    assert!(
        !mail.contains("not notified"),
        "the answer stays in the portal: {mail}"
    );
    let res = guest
        .post_form(
            &format!("/questions/{id}"),
            &[
                ("action", "write"),
                ("key", &key),
                ("text", "Thank you, that helps."),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, q) = get(&mut first, &format!("/api/v1/questions/{id}")).await;
    assert_eq!(q["messages"][2]["text"], "Thank you, that helps.");
    assert_eq!(q["messages"][2]["author"], "guest");
    // Referred to SDS: the guest is told by e-mail, with a fresh link.
    let (s, _) = call(
        &mut first,
        Method::POST,
        &format!("/api/v1/questions/{id}/refer"),
        json!({"authority": "sds"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // (SDS's expert is e-mailed first, of the referral; then the guest.)
    let r = deliver_due(&state, ork_store::now_unix()).await.unwrap();
    assert_eq!(r.emails_sent, 2, "{r:?}");
    let expert = std::fs::read_to_string(dir.path().join("3.txt")).unwrap();
    assert!(expert.starts_with("To: expert@sds.example\n"), "{expert}");
    let mail = std::fs::read_to_string(dir.path().join("4.txt")).unwrap();
    assert!(
        mail.contains("ekspert") && mail.contains(&format!("/questions/{id}?key=")),
        "{mail}"
    );
    // The keys are not kept once sent.
    let pool = app.raw_pool().await;
    let kept: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM guest_mail WHERE link_key IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(kept, 0);

    // Floods are refused: at most three questions a day to one e-mail address…
    for _ in 0..2 {
        let (s, _) = call(&mut guest, Method::POST, "/api/v1/questions", ask.clone()).await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, e) = call(&mut guest, Method::POST, "/api/v1/questions", ask.clone()).await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::TOO_MANY_REQUESTS, "guest_rate_limited")
    );
    // …and five an hour from one network address, whatever the e-mail.
    let mut other = ask.clone();
    other["email"] = json!("someone.else@example.org");
    let (s, _) = call(&mut guest, Method::POST, "/api/v1/questions", other.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "the fifth from this address");
    other["email"] = json!("a.third@example.org");
    let (s, e) = call(&mut guest, Method::POST, "/api/v1/questions", other).await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::TOO_MANY_REQUESTS, "guest_rate_limited")
    );
}

both_backends!(
    attachments_go_with_a_question_to_whoever_may_see_it,
    attachments_body
);
async fn attachments_body(db: TestDb) {
    use crate::applications::upload;
    let app = TestApp::spawn(db).await;
    advisors(&app).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    let mut other = Browser::signed_in(&app, "other@othercorp.example", PW).await;
    let mut first = Browser::signed_in(&app, "first@platform.example", PW).await;
    // Over the limit: refused before anything is kept.
    let big = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (s, _) = upload(&mut bo, "big.txt", "text/plain", &big).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    let (s, up) = upload(
        &mut bo,
        "protocol.pdf",
        "application/pdf",
        b"%PDF-1.7\n% draft protocol\n",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let upl = up["id"].as_str().unwrap();
    // Someone else's upload cannot be attached.
    let (s, e) = call(
        &mut co,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "S", "text": "T", "attachments": [upl]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::NOT_FOUND, "attachment_not_found")
    );
    let (s, asked) = call(
        &mut bo,
        Method::POST,
        "/api/v1/questions",
        json!({"subject": "Is our protocol enough?", "text": "See the attached draft.", "attachments": [upl]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{asked}");
    let id = asked["id"].as_str().unwrap();
    let (_, q) = get(&mut first, &format!("/api/v1/questions/{id}")).await;
    let href = q["messages"][0]["attachments"][0]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = first.get(&href).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("protocol.pdf")
    );
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-1.7"));
    for b in [&mut other, &mut co] {
        assert_eq!(b.get(&href).await.status(), StatusCode::NOT_FOUND);
    }
    // Only files attached to the question are served through it.
    let (_, up2) = upload(
        &mut bo,
        "other.pdf",
        "application/pdf",
        b"%PDF-1.7\n% other\n",
    )
    .await;
    let not_attached = format!(
        "/api/v1/questions/{id}/attachments/{}",
        up2["id"].as_str().unwrap()
    );
    assert_eq!(
        first.get(&not_attached).await.status(),
        StatusCode::NOT_FOUND
    );
}

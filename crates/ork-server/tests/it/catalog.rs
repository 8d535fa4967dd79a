use crate::helpers::{Browser, TestApp, error_code};
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};

const PW: &str = "Korrekt-Hest-Batteri-42";

async fn get_json(app: &TestApp, path: &str, lang: &str) -> (StatusCode, serde_json::Value) {
    let res = app
        .client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

both_backends!(the_catalog_api_lists_finds_and_searches, api_body);
async fn api_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, list) = get_json(&app, "/api/v1/catalog/sources", "da").await;
    assert_eq!(s, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert!(list.len() >= 40, "{} sources", list.len());
    assert!(list.iter().any(|x| x["id"] == "epj-hovedstaden"));

    let (s, lpr) = get_json(&app, "/api/v1/catalog/sources/lpr", "da").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(lpr["controller"]["id"], "sds");
    assert_eq!(lpr["name"]["da"], "Landspatientregisteret (LPR)");
    let vars: Vec<&str> = lpr["tables"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["variables"].as_array().unwrap())
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert!(
        vars.contains(&"c_adiag") && vars.contains(&"diag_kode"),
        "{vars:?}"
    );
    assert_eq!(lpr["access"]["approvers"][0]["id"], "sds");
    assert!(
        lpr["documentation"]["markdown"]["da"]
            .as_str()
            .unwrap()
            .starts_with('#')
    );

    // An unknown id: 404 in the user's language, with a suggestion.
    let (s, e) = get_json(&app, "/api/v1/catalog/sources/lrp", "en").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(e["error"]["code"], "source_not_found");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Did you mean: lpr"),
        "{e}"
    );
    let (_, e) = get_json(&app, "/api/v1/catalog/sources/lrp", "da").await;
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Mente du: lpr"),
        "{e}"
    );

    // Search in both languages, with facets and variable hits.
    let (s, r) = get_json(&app, "/api/v1/catalog/search?q=lung%20cancer&lang=en", "en").await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = r["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(ids.iter().take(3).any(|i| *i == "dlcr"), "{ids:?}");
    let (_, r) = get_json(&app, "/api/v1/catalog/search?q=aktionsdiagnose", "da").await;
    assert!(
        r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "variable" && h["variable"] == "c_adiag"),
        "{}",
        r["hits"]
    );
    assert_eq!(r["lang"], "da");
    let (_, r) = get_json(
        &app,
        "/api/v1/catalog/search?controller=rkkp&data_type=register",
        "da",
    )
    .await;
    let srcs = r["sources"].as_array().unwrap();
    assert!(!srcs.is_empty() && srcs.iter().all(|x| x["controller"]["id"] == "rkkp"));
    assert_eq!(r["facets"]["controllers"][0]["id"], "rkkp");
    assert_eq!(
        r["facets"]["controllers"][0]["count"].as_u64().unwrap() as usize,
        srcs.len()
    );
    let (_, r) = get_json(
        &app,
        "/api/v1/catalog/search?topic=cancer,genomics&from_year=2000",
        "da",
    )
    .await;
    assert!(!r["sources"].as_array().unwrap().is_empty());
    // An empty query browses everything.
    let (_, r) = get_json(&app, "/api/v1/catalog/search", "da").await;
    assert_eq!(r["total_sources"].as_u64().unwrap() as usize, list.len());
}

both_backends!(bad_catalog_queries_get_clear_4xx, bad_queries_body);
async fn bad_queries_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let long = "a".repeat(10_000);
    for (path, code, en) in [
        (
            format!("/api/v1/catalog/search?q={long}"),
            "query_too_long",
            "10000 characters",
        ),
        (
            "/api/v1/catalog/search?controller=nobody".into(),
            "unknown_facet",
            "Unknown controller 'nobody'",
        ),
        // The API reads numbers as the OpenAPI document states them: digits, given.
        (
            "/api/v1/catalog/search?limit=".into(),
            "empty_parameter",
            "The parameter 'limit' is empty",
        ),
        (
            "/api/v1/catalog/search?from_year=%2B2015".into(),
            "invalid_year",
            "from_year must be a year",
        ),
        (
            "/api/v1/catalog/search?data_type=spreadsheet".into(),
            "unknown_facet",
            "Unknown data type",
        ),
        (
            "/api/v1/catalog/search?topic=astrology".into(),
            "unknown_facet",
            "Unknown topic",
        ),
        (
            "/api/v1/catalog/search?from_year=last%20year".into(),
            "invalid_year",
            "from_year must be a year",
        ),
        (
            "/api/v1/catalog/search?from_year=2020&to_year=2010".into(),
            "invalid_year",
            "after",
        ),
        (
            "/api/v1/catalog/search?colour=red".into(),
            "unknown_parameter",
            "Unknown search parameter 'colour'",
        ),
        (
            "/api/v1/catalog/search?limit=0".into(),
            "invalid_limit",
            "limit",
        ),
        (
            "/api/v1/catalog/search?lang=fr".into(),
            "invalid_lang",
            "lang",
        ),
        (
            "/api/v1/catalog/dcat?format=rdfxml".into(),
            "invalid_format",
            "turtle or jsonld",
        ),
    ] {
        let (s, e) = get_json(&app, &path, "en").await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "{}",
            &path[..path.len().min(80)]
        );
        assert_eq!(e["error"]["code"], code, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains(en), "{e}");
    }
    let (_, e) = get_json(&app, "/api/v1/catalog/search?controller=nobody", "da").await;
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Ukendt dataansvarlig"),
        "{e}"
    );
    // The portal's form sends its empty fields: they mean "not given" there.
    let res = app
        .client
        .get(app.url("/catalog?q=&limit=&from_year=&to_year=&lang="))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

both_backends!(the_dcat_export_is_served_as_turtle_and_json_ld, dcat_body);
async fn dcat_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let res = app
        .client
        .get(app.url("/api/v1/catalog/dcat"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/turtle")
    );
    let ttl = res.text().await.unwrap();
    assert!(ttl.contains("dcat:Dataset"));
    assert!(
        ttl.contains("<http://localhost:8080/catalog/sources/lpr>"),
        "IRIs on the configured address (no public_url: the listen address), never the Host header"
    );
    let res = app
        .client
        .get(app.url("/api/v1/catalog/dcat"))
        .header("accept", "application/ld+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let v: serde_json::Value = res.json().await.unwrap();
    assert!(v["@graph"].as_array().unwrap().len() > 40);
}

both_backends!(the_basket_belongs_to_the_user_and_is_audited, basket_body);
async fn basket_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("anna@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    app.user("bo@ku.dk", PW, &[("ku", Role::Applicant)]).await;
    // Signed out: no basket.
    let res = app
        .client
        .get(app.url("/api/v1/catalog/basket"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let mut anna = Browser::signed_in(&app, "anna@ku.dk", PW).await;
    let before = app.audit_head().await;
    let res = anna
        .json(
            Method::PUT,
            "/api/v1/catalog/basket/lpr",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = anna
        .json(
            Method::PUT,
            "/api/v1/catalog/basket/lmdb",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = anna
        .json(
            Method::PUT,
            "/api/v1/catalog/basket/lpr",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK, "already there");
    let res = anna
        .json(
            Method::PUT,
            "/api/v1/catalog/basket/nosuch",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(res).await, "source_not_found");
    // Without the CSRF token a session cannot change the basket.
    let res = anna
        .request(Method::PUT, "/api/v1/catalog/basket/dlcr", |r| r)
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.audit_head().await,
        before + 2,
        "two additions audited, nothing else"
    );

    // It survives signing out and in again; Bo's basket is his own.
    anna.post_form("/logout", &[]).await;
    let mut anna = Browser::signed_in(&app, "anna@ku.dk", PW).await;
    let res = anna.get("/api/v1/catalog/basket").await;
    let ids: Vec<String> = res
        .json::<Vec<serde_json::Value>>()
        .await
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"lpr".to_owned()) && ids.contains(&"lmdb".to_owned()));
    let mut bo = Browser::signed_in(&app, "bo@ku.dk", PW).await;
    let res = bo.get("/api/v1/catalog/basket").await;
    assert_eq!(res.json::<Vec<serde_json::Value>>().await.unwrap().len(), 0);
    let res = bo
        .json(
            Method::DELETE,
            "/api/v1/catalog/basket/lpr",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = anna
        .json(
            Method::DELETE,
            "/api/v1/catalog/basket/lpr",
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = anna.get("/api/v1/catalog/basket").await;
    assert_eq!(res.json::<Vec<serde_json::Value>>().await.unwrap().len(), 1);
}

both_backends!(
    stewards_edit_only_their_own_sources_versioned_and_audited,
    steward_body
);
async fn steward_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    app.user("steward@sds.dk", PW, &[("sds", Role::DataSteward)])
        .await;
    app.user("reader@ku.dk", PW, &[("ku", Role::Applicant)])
        .await;
    app.user("caseworker@sds.dk", PW, &[("sds", Role::CaseHandler)])
        .await;

    // Signed out, another role at the controller, or a steward of another controller: no.
    let mut anon = app.browser();
    assert_eq!(
        anon.get("/catalog/sources/lpr/edit").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let mut reader = Browser::signed_in(&app, "reader@ku.dk", PW).await;
    assert_eq!(
        reader.get("/catalog/sources/lpr/edit").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = reader
        .post_form(
            "/catalog/sources/lpr/edit",
            &[
                ("base_version", "0"),
                ("body_da", "x"),
                ("body_en", "y"),
                ("note", "n"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mut case = Browser::signed_in(&app, "caseworker@sds.dk", PW).await;
    assert_eq!(
        case.get("/catalog/sources/lpr/edit").await.status(),
        StatusCode::FORBIDDEN
    );
    let mut steward = Browser::signed_in(&app, "steward@sds.dk", PW).await;
    assert_eq!(
        steward.get("/catalog/sources/bef/edit").await.status(),
        StatusCode::FORBIDDEN,
        "bef is DST's"
    );
    assert!(app.store.doc_versions("lpr").await.unwrap().is_empty());

    // The steward of SDS edits LPR.
    let page = steward
        .get("/catalog/sources/lpr")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"edit-docs\""),
        "the edit link shows for the steward"
    );
    assert_eq!(
        steward.get("/catalog/sources/lpr/edit").await.status(),
        StatusCode::OK
    );
    let before = app.audit_head().await;
    let res = steward
        .post_form(
            "/catalog/sources/lpr/edit",
            &[
                ("base_version", "0"),
                (
                    "body_da",
                    "# LPR\r\n\r\nNy vejledning om **tolkningsforskelle**.",
                ),
                ("body_en", "# LPR\n\nNew guidance on interpretation."),
                ("note", "Vejledning tilføjet"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.audit_head().await,
        before + 1,
        "one audit event for the save"
    );
    let events = app.store.audit_page(before, 10).await.unwrap();
    assert_eq!(events[0].action, "catalog.doc.edit");
    assert_eq!(events[0].actor.as_deref(), Some("steward@sds.dk"));
    assert_eq!(events[0].org.as_deref(), Some("sds"));
    let v = app.store.doc_versions("lpr").await.unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!(
        v[0].body_da,
        "# LPR\n\nNy vejledning om **tolkningsforskelle**."
    );
    // The page, the API and search show the new text at once.
    let page = app
        .client
        .get(app.url("/catalog/sources/lpr"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("<strong>tolkningsforskelle</strong>"),
        "rendered Markdown"
    );
    let (_, d) = get_json(&app, "/api/v1/catalog/sources/lpr", "da").await;
    assert_eq!(d["documentation"]["version"], 1);
    let (_, r) = get_json(&app, "/api/v1/catalog/search?q=tolkningsforskelle", "da").await;
    assert_eq!(r["sources"][0]["id"], "lpr", "{r}");
    let hist = app
        .client
        .get(app.url("/catalog/sources/lpr/history"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        hist.contains("Vejledning tilføjet") && hist.contains("+ Ny vejledning"),
        "diff in history"
    );
    assert!(
        !hist.contains("steward@sds.dk"),
        "addresses only for signed-in users"
    );

    // Bad input: nothing saved, the text is kept in the form, the message says why.
    steward.post_form("/lang", &[("lang", "en")]).await;
    let head = app.audit_head().await;
    for (body_da, note, needle) in [
        ("<script>alert(1)</script>", "x", "HTML"),
        ("[klik](javascript:alert(1))", "x", "javascript:alert(1)"),
        ("ok", "", "what you changed"),
    ] {
        let res = steward
            .post_form(
                "/catalog/sources/lpr/edit",
                &[
                    ("base_version", "1"),
                    ("body_da", body_da),
                    ("body_en", "fine"),
                    ("note", note),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body_da}");
        let html = res.text().await.unwrap();
        assert!(html.contains(needle), "{needle} in the message");
    }
    let big = "a".repeat(ork_catalog::markdown::MAX_BYTES + 10);
    let res = steward
        .post_form(
            "/catalog/sources/lpr/edit",
            &[
                ("base_version", "1"),
                ("body_da", "ok"),
                ("body_en", &big),
                ("note", "big"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A stale base version is a conflict, not an overwrite.
    let res = steward
        .post_form(
            "/catalog/sources/lpr/edit",
            &[
                ("base_version", "0"),
                ("body_da", "gammel"),
                ("body_en", "old"),
                ("note", "stale"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text().await.unwrap().contains("gammel"),
        "the steward's text is kept"
    );
    assert_eq!(app.audit_head().await, head, "nothing written");
    assert_eq!(app.store.doc_versions("lpr").await.unwrap().len(), 1);
}

both_backends!(catalog_pages_render_in_both_languages, pages_body);
async fn pages_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    for (lang, needle) in [("da", "Datalandkort"), ("en", "Data catalogue")] {
        let get = |p: &str| {
            app.client
                .get(app.url(p))
                .header("accept-language", lang)
                .send()
        };
        let res = get("/catalog?q=lunge").await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(
            html.contains(needle) && html.contains("source-dlcr"),
            "{lang}"
        );
        let html = get("/catalog/sources/epj-hovedstaden")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("access-route"));
        let res = get("/catalog/compare?ids=lpr,lmdb").await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        assert!(html.contains("data-testid=\"compare\""));
        let res = get("/catalog/sources/nosuch").await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = get("/catalog?controller=nobody").await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("catalog-error"));
        let res = get("/catalog/compare?ids=a,b,c,d,e").await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    // htmx asks for the results only.
    let res = app
        .client
        .get(app.url("/catalog?q=lmdb"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(
        html.trim_start().starts_with("<div id=\"catalog-results\""),
        "{}",
        &html[..200.min(html.len())]
    );
}

both_backends!(
    the_roadmap_api_plans_a_need_and_refuses_bad_ones,
    roadmap_body
);
async fn roadmap_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let traits: serde_json::Map<String, serde_json::Value> = ork_rules::rulebook::TRAITS
        .iter()
        .map(|t| ((*t).to_owned(), serde_json::Value::Bool(false)))
        .collect();
    let need = serde_json::json!({
        "applicant": {"kind": "danish_university", "region": "midtjylland"},
        "datasets": ["lpr", "lmdb", "ind"],
        "traits": traits,
    });
    let post = |body: String, lang: &'static str| {
        app.client
            .post(app.url("/api/v1/roadmap"))
            .header("content-type", "application/json")
            .header("accept-language", lang)
            .body(body)
            .send()
    };
    let res = post(need.to_string(), "en").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let r: serde_json::Value = res.json().await.unwrap();
    let ids: Vec<&str> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"record_of_processing") && ids.contains(&"sds_data_access:sds"),
        "{ids:?}"
    );
    assert!(r["total_days"]["median"].as_u64().unwrap() > 0);
    assert_eq!(r["critical_path"][0], "record_of_processing");
    assert!(r["what_if"].is_array(), "what changes if a trait changes");

    let mut bad = need.clone();
    bad["datasets"] = serde_json::json!(["lpr", "nosuch"]);
    let res = post(bad.to_string(), "en").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unknown_datasets");
    assert!(e["error"]["message"].as_str().unwrap().contains("nosuch"));
    let mut bad = need.clone();
    bad["traits"].as_object_mut().unwrap().remove("consent");
    let res = post(bad.to_string(), "da").await.unwrap();
    let e: serde_json::Value = res.json().await.unwrap();
    assert_eq!(e["error"]["code"], "missing_traits");
    assert!(e["error"]["message"].as_str().unwrap().contains("consent"));
    let res = post("{\"applicant\": 1}".into(), "en").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

both_backends!(the_precedent_register_is_searchable, precedents_body);
async fn precedents_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, all) = get_json(&app, "/api/v1/precedents", "da").await;
    assert_eq!(s, StatusCode::OK);
    let all = all["precedents"].as_array().unwrap().len();
    assert!(all >= 30, "{all}");
    let (_, r) = get_json(
        &app,
        "/api/v1/precedents?rule=patient_record_approval",
        "da",
    )
    .await;
    let list = r["precedents"].as_array().unwrap();
    assert!(!list.is_empty() && list.len() < all);
    assert!(
        list.iter()
            .all(|p| p["rule"] == "patient_record_approval" && p["example"] == true)
    );
    let (_, r) = get_json(&app, "/api/v1/precedents?q=%C2%A7%2046", "da").await;
    assert!(
        !r["precedents"].as_array().unwrap().is_empty(),
        "§ 46 is found"
    );
    for (path, code) in [
        ("/api/v1/precedents?rule=astrology", "unknown_rule"),
        ("/api/v1/precedents?colour=red", "unknown_parameter"),
    ] {
        let (s, e) = get_json(&app, path, "en").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(e["error"]["code"], code);
    }
}

both_backends!(the_rulebook_in_force_is_published, rulebook_body);
async fn rulebook_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    let (s, r) = get_json(&app, "/api/v1/rulebook", "da").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(r["version"], "2026.1");
    let steps = r["steps"].as_array().unwrap();
    assert!(steps.len() >= 14);
    let s46 = steps
        .iter()
        .find(|s| s["id"] == "patient_record_approval")
        .unwrap();
    assert_eq!(s46["per"], "region");
    assert!(s46["legal_basis"]["da"].as_str().unwrap().contains("46"));
    assert_eq!(
        s46["expected_days"]["cases"], 0,
        "no decided cases in a fresh database"
    );
    assert!(
        r["assessments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == "societal_importance")
    );
}

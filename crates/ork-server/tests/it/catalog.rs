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
        ttl.contains(&format!("<http://{}/catalog/sources/lpr>", app.addr)),
        "IRIs on this host"
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

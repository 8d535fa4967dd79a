//! The controllers' security regimes: anyone signed in reads a dataset's regime (the
//! defaults until its stewards set one); only the data stewards of its controller set it, in
//! the API or on the portal's page, each parameter within its range, biological data never
//! without the Tissue Use Register's opt-outs; nothing is stored from a refused change, and
//! every change is in the audit trail.

use crate::applications::{PW, call, get, setup};
use crate::helpers::{Browser, TestApp, src};
use ork_domain::{OrgId, OrgKind, Role};
use ork_store::NewOrganisation;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn good() -> Value {
    json!({
        "min_cell_count": 5, "p_ratio": 0.2, "nk_n": 3, "nk_k": 0.8, "min_dof": 20,
        "own_data": false, "retention_days": 30, "manual_review": true,
        "automatic_delivery": true, "exclude_tissue_opt_outs": false, "at_end": "archive",
        "max_job_cpu_seconds": 7200, "max_job_wall_seconds": 10800, "max_job_memory_mb": 4096,
        "max_job_processes": 64, "max_job_disk_mb": 1024
    })
}

async fn org(app: &TestApp, id: &str) {
    let mut tx = app.store.write().await.unwrap();
    tx.create_org(
        &src(),
        &NewOrganisation {
            id: OrgId::parse(id).unwrap(),
            kind: OrgKind::Authority(ork_domain::AuthorityRole::DataController),
            name_da: id.into(),
            name_en: id.into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both_backends!(
    stewards_set_their_datasets_regimes_and_everyone_reads_them,
    regimes_body
);
async fn regimes_body(db: TestDb) {
    let app = TestApp::spawn(db).await;
    setup(&app).await;
    org(&app, "ssi").await;
    app.user("steward@sds.example", PW, &[("sds", Role::DataSteward)])
        .await;
    app.user("steward@ssi.example", PW, &[("ssi", Role::DataSteward)])
        .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let mut sds = Browser::signed_in(&app, "steward@sds.example", PW).await;
    let mut ssi = Browser::signed_in(&app, "steward@ssi.example", PW).await;

    // The defaults until set; biological data leave opted-out persons out by default.
    let (s, r) = get(&mut bo, "/api/v1/datasets/lpr/regime").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (&r["controller"], &r["set_by_stewards"]),
        (&json!("sds"), &json!(false))
    );
    assert_eq!(r["regime"]["min_cell_count"], 10);
    assert_eq!(r["regime"]["at_end"], "delete");
    let (_, b) = get(&mut bo, "/api/v1/datasets/biobank/regime").await;
    assert_eq!(b["regime"]["exclude_tissue_opt_outs"], true, "{b}");
    let (s, _) = get(&mut bo, "/api/v1/datasets/no-such-source/regime").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Only the controller's stewards set it.
    let (s, e) = call(&mut bo, Method::PUT, "/api/v1/datasets/lpr/regime", good()).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_steward"))
    );
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sikkerhedsregime"),
        "{e}"
    );
    let (s, _) = call(&mut ssi, Method::PUT, "/api/v1/datasets/lpr/regime", good()).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a steward of another controller");

    // Out of range, unknown or missing: refused with the field, nothing stored.
    for (field, value) in [
        ("min_cell_count", json!(0)),
        ("p_ratio", json!(1.5)),
        ("nk_n", json!(11)),
        ("nk_k", json!(0.0)),
        ("retention_days", json!(0)),
        ("at_end", json!("burn")),
        ("max_job_cpu_seconds", json!(59)),
        ("max_job_memory_mb", json!(262_145)),
        ("max_job_processes", json!(15)),
    ] {
        let mut body = good();
        body[field] = value;
        let (s, e) = call(&mut sds, Method::PUT, "/api/v1/datasets/lpr/regime", body).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{field}: {e}");
        assert_eq!(e["error"]["code"], "regime_range", "{field}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(field),
            "{e}"
        );
    }
    let mut body = good();
    body["surprise"] = json!(1);
    let (s, _) = call(&mut sds, Method::PUT, "/api/v1/datasets/lpr/regime", body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let mut body = good();
    body.as_object_mut().unwrap().remove("own_data");
    let (s, _) = call(&mut sds, Method::PUT, "/api/v1/datasets/lpr/regime", body).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&mut bo, "/api/v1/datasets/lpr/regime").await.1["set_by_stewards"],
        false
    );
    // The job limits may be left out (a body from before jobs): the defaults are meant.
    let mut body = good();
    for k in [
        "max_job_cpu_seconds",
        "max_job_wall_seconds",
        "max_job_memory_mb",
        "max_job_processes",
        "max_job_disk_mb",
    ] {
        body.as_object_mut().unwrap().remove(k);
    }
    let (s, r) = call(&mut sds, Method::PUT, "/api/v1/datasets/lpr/regime", body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (
            &r["regime"]["max_job_cpu_seconds"],
            &r["regime"]["max_job_memory_mb"]
        ),
        (&json!(14400), &json!(8192)),
        "{r}"
    );

    // Biological data keep the Tissue Use Register's opt-outs out.
    let (s, e) = call(
        &mut ssi,
        Method::PUT,
        "/api/v1/datasets/biobank/regime",
        good(),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("regime_opt_out_required"))
    );

    // Set: read back by anyone, and audited. (JSON Schema's integers may carry a zero
    // fraction.)
    let mut body = good();
    body["nk_n"] = json!(3.0);
    let (s, r) = call(&mut sds, Method::PUT, "/api/v1/datasets/lpr/regime", body).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["regime"], good());
    let (_, r) = get(&mut bo, "/api/v1/datasets/lpr/regime").await;
    assert_eq!(
        (&r["set_by_stewards"], &r["regime"]),
        (&json!(true), &good())
    );
    let audit = app.store.audit_page(0, 10_000).await.unwrap();
    let e = audit
        .iter()
        .find(|e| e.action == "dataset.regime" && e.object_id == "lpr")
        .expect("audited");
    assert_eq!(e.actor.as_deref(), Some("steward@sds.example"));
    assert_eq!(e.details["regime"]["retention_days"], 30);

    // The portal: the stewards' list and the form, which keeps what was typed on an error.
    let html = sds.get("/regimes").await.text().await.unwrap();
    assert!(html.contains("/datasets/lpr/regime"), "{html}");
    assert!(!html.contains("/datasets/biobank/regime"));
    assert_eq!(bo.get("/regimes").await.status(), StatusCode::FORBIDDEN);
    let form = [
        ("min_cell_count", "abc"),
        ("p_ratio", "0,3"),
        ("nk_n", "2"),
        ("nk_k", "0.9"),
        ("min_dof", "10"),
        ("retention_days", "60"),
        ("at_end", "delete"),
        ("own_data", "yes"),
        ("max_job_cpu_seconds", "3600"),
        ("max_job_wall_seconds", "7200"),
        ("max_job_memory_mb", "2048"),
        ("max_job_processes", "64"),
        ("max_job_disk_mb", "512"),
    ];
    let res = sds.post_form("/datasets/lpr/regime", &form).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"regime-error\"")
            && html.contains("&#39;Mindste antal i en celle&#39; skal være i intervallet 1–1000"),
        "{html}"
    );
    // Every field comes back as typed, the one that did not read too.
    for (id, v) in [
        ("min_cell_count", "abc"),
        ("p_ratio", "0,3"),
        ("min_dof", "10"),
        ("retention_days", "60"),
    ] {
        let at = html.find(&format!("id=\"{id}\" name=")).expect(id);
        let tag = &html[at..at + html[at..].find('>').unwrap()];
        assert!(tag.contains(&format!("value=\"{v}\"")), "{tag}");
    }
    assert!(
        html.contains("id=\"own_data\" name=\"own_data\" value=\"yes\" checked"),
        "{html}"
    );
    let mut ok = form;
    ok[0] = ("min_cell_count", "7");
    let res = sds.post_form("/datasets/lpr/regime", &ok).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        "/datasets/lpr/regime?saved=1"
    );
    let (_, r) = get(&mut bo, "/api/v1/datasets/lpr/regime").await;
    assert_eq!(r["regime"]["min_cell_count"], 7);
    assert_eq!(r["regime"]["p_ratio"], 0.3, "a decimal comma reads");
    assert_eq!(r["regime"]["own_data"], true);
    assert_eq!(r["regime"]["manual_review"], false, "an unticked box");
    assert_eq!(r["regime"]["max_job_memory_mb"], 2048);
    // Anyone else sees it read-only.
    let html = bo.get("/datasets/lpr/regime").await.text().await.unwrap();
    assert!(html.contains("data-testid=\"regime\"") && !html.contains("regime-form"));
}

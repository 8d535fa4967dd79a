//! The airlock end to end: a workspace query becomes a safe table, checked cell by cell by
//! the workspace's regime; a figure goes to manual review; both are requested, decided by an
//! output checker at a controller of the data (never the requester) and downloaded by a
//! project member, while anyone else is refused and every refusal is in the audit trail.
//! Identifiers, row-level tables, unknown columns and files that are not what they say are
//! refused before anything is kept.

use crate::applications::{PW, call, get, setup};
use crate::helpers::Browser;
use crate::lifecycle::{certify, ready, regimes};
use crate::workspaces::app_and_state;
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde\0\0\0\x0cIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

/// Sends a file for manual review.
async fn file(
    b: &mut Browser<'_>,
    ws: &str,
    title: &str,
    filename: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let boundary = "ork-output-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{title}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nSurvival by stage.\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let csrf = b.csrf();
    let res = b
        .request(
            Method::POST,
            &format!("/api/v1/workspaces/{ws}/outputs"),
            |r| {
                r.header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header("x-csrf-token", csrf)
                .body(body)
            },
        )
        .await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn table(b: &mut Browser<'_>, ws: &str, sql: &str, spec: Value) -> (StatusCode, Value) {
    call(
        b,
        Method::POST,
        &format!("/api/v1/workspaces/{ws}/outputs"),
        json!({"title": "Admissions by year", "sql": sql, "spec": spec}),
    )
    .await
}

async fn request(b: &mut Browser<'_>, id: &str, description: &str) -> (StatusCode, Value) {
    call(
        b,
        Method::POST,
        &format!("/api/v1/outputs/{id}/request"),
        json!({"description": description}),
    )
    .await
}

async fn review(
    b: &mut Browser<'_>,
    id: &str,
    decision: &str,
    reason: &str,
) -> (StatusCode, Value) {
    call(
        b,
        Method::POST,
        &format!("/api/v1/outputs/{id}/review"),
        json!({"decision": decision, "reason": reason}),
    )
    .await
}

async fn download(b: &mut Browser<'_>, id: &str) -> (StatusCode, Vec<u8>, Option<String>) {
    let res = b.get(&format!("/api/v1/outputs/{id}/download")).await;
    let status = res.status();
    let sum = res
        .headers()
        .get("x-checksum-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, res.bytes().await.unwrap().to_vec(), sum)
}

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// An output's report and bytes as the state database keeps them.
async fn kept(app: &crate::helpers::TestApp, id: &str) -> (String, Vec<u8>) {
    use sqlx::Row;
    let row = sqlx::query("SELECT report, content FROM outputs WHERE id = $1")
        .bind(id.to_owned())
        .fetch_one(&app.raw_pool().await)
        .await
        .unwrap();
    (row.get(0), row.get(1))
}

/// The audit trail's actions on an object.
async fn actions(app: &crate::helpers::TestApp, object: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = app.store.audit_page(after, 500).await.unwrap();
        if page.is_empty() {
            return out;
        }
        for e in &page {
            after = e.seq;
            if e.object_id == object {
                out.push((e.action.clone(), e.details.clone()));
            }
        }
    }
}

both_backends!(
    a_safe_table_and_a_figure_leave_only_through_a_second_persons_approval,
    airlock_body
);
async fn airlock_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    let (app, _state) = app_and_state(db, &root).await;
    setup(&app).await;
    app.user("checker@rkkp.example", PW, &[("rkkp", Role::OutputChecker)])
        .await;
    // Ida works in the project and is also an output checker at the registry: she may
    // never decide what she asked for.
    app.user(
        "ida@demofarma.example",
        PW,
        &[
            ("demofarma", Role::Applicant),
            ("rkkp", Role::OutputChecker),
        ],
    )
    .await;
    app.user(
        "checker@othercorp.example",
        PW,
        &[("othercorp", Role::OutputChecker)],
    )
    .await;
    for email in [
        "bo@demofarma.example",
        "ida@demofarma.example",
        "co@demofarma.example",
        "checker@rkkp.example",
        "checker@othercorp.example",
    ] {
        certify(&app, email).await;
    }
    // The controllers' regime: at least 5 a cell.
    regimes(&app, r#"{"automatic_delivery": true, "min_cell_count": 5}"#).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (ws, _) = ready(&app, &mut bo, "Lung cancer outcomes").await;
    let mut ida = Browser::signed_in(&app, "ida@demofarma.example", PW).await;
    let mut checker = Browser::signed_in(&app, "checker@rkkp.example", PW).await;
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    let mut stranger = Browser::signed_in(&app, "checker@othercorp.example", PW).await;

    // A safe table from a query: admissions per month, checked by the workspace's regime.
    let sql = "SELECT CAST(date_part('month', d_inddto) AS BIGINT) AS month, substr(c_adiag, 1, 4) AS code FROM lpr_adm";
    let (s, t) = table(
        &mut bo,
        &ws,
        sql,
        json!({"kind": "table", "rows": ["month"], "margins": true}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(
        (t["kind"].as_str(), t["state"].as_str()),
        (Some("table"), Some("draft")),
        "{t}"
    );
    assert_eq!(t["rules"]["threshold"], 5, "{t}");
    let cells = t["checks"]["cells"].as_array().unwrap();
    assert!(cells.len() >= 4, "{t}");
    for c in cells {
        let expected = if c["count"].as_u64().unwrap() >= 5 {
            "pass"
        } else {
            "fail"
        };
        assert_eq!(c["checks"]["threshold"], expected, "{c}");
    }
    let all = cells.iter().find(|c| c["row"] == json!(["All"])).unwrap();
    let rows: u64 = cells
        .iter()
        .filter(|c| c["row"] != json!(["All"]))
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(all["count"].as_u64(), Some(rows));
    // Until it is released, neither its counts nor its bytes are in the database in the
    // clear: both are sealed under the workspace's data key.
    let (report, content) = kept(&app, t["id"].as_str().unwrap()).await;
    assert!(
        !report.contains("count") && !content.windows(5).any(|w| w == b"month"),
        "{report}"
    );
    // The query is in the project's log, marked as the airlock's.
    let log = get(&mut bo, &format!("/api/v1/workspaces/{ws}/log"))
        .await
        .1;
    assert_eq!(log["queries"][0]["via"], "airlock", "{log}");
    assert_eq!(log["queries"][0]["sql"], sql);

    // A finer table fails the threshold somewhere; suppression withholds those cells and the
    // totals leave them out.
    let fine = json!({"kind": "table", "rows": ["code"], "columns": ["month"], "margins": true, "suppress": true});
    let (s, f) = table(&mut bo, &ws, sql, fine).await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let suppressed: Vec<&Value> = f["checks"]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["suppressed"] == true)
        .collect();
    assert!(!suppressed.is_empty(), "{f}");
    assert!(
        suppressed
            .iter()
            .all(|c| c["value"].is_null() && c["checks"]["threshold"] == "fail")
    );

    // Bad input: unknown columns are named; identifiers and row-level tables are blocked
    // with the reason; nothing of them is kept.
    let before = get(&mut bo, &format!("/api/v1/outputs?workspace={ws}"))
        .await
        .1["outputs"]
        .as_array()
        .unwrap()
        .len();
    let (s, e) = table(
        &mut bo,
        &ws,
        sql,
        json!({"kind": "table", "rows": ["mnth", "cod"]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_unknown_columns"),
        "{e}"
    );
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(msg.contains("mnth") && msg.contains("cod"), "{e}");
    let (s, e) = table(
        &mut bo,
        &ws,
        "SELECT pnr, d_inddto FROM lpr_adm",
        json!({"kind": "table", "rows": ["pnr"]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_blocked"),
        "{e}"
    );
    assert!(
        e["error"]["message"].as_str().unwrap().contains("pnr"),
        "{e}"
    );
    let (s, e) = table(
        &mut bo,
        &ws,
        "SELECT pnr AS who FROM lpr_adm",
        json!({"kind": "table", "rows": ["who"]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_blocked"),
        "{e}"
    );
    let (s, e) = table(
        &mut bo,
        &ws,
        "SELECT row_number() OVER () AS n FROM lpr_adm",
        json!({"kind": "table", "rows": ["n"]}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_blocked"),
        "{e}"
    );
    assert!(
        actions(&app, &ws)
            .await
            .iter()
            .any(|(a, d)| a == "output.blocked" && d["reason"] == "row_level")
    );
    let (s, e) = file(
        &mut bo,
        &ws,
        "Fake figure",
        "figure.png",
        b"%PDF-1.7\nnot a png",
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "output_file_mismatch"),
        "{e}"
    );
    let (s, e) = file(&mut bo, &ws, "Patients", "list.csv", b"pnr,age\n1,2\n").await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_blocked"),
        "{e}"
    );
    let after = get(&mut bo, &format!("/api/v1/outputs?workspace={ws}"))
        .await
        .1["outputs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
    assert!(
        actions(&app, &ws)
            .await
            .iter()
            .any(|(a, d)| a == "output.blocked" && d["reason"] == "identifier:pnr")
    );

    // A model: its residual degrees of freedom checked; it would leave as its report.
    let (s, model) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/workspaces/{ws}/outputs"),
        json!({"title": "Month on day", "description": "OLS",
               "sql": "SELECT CAST(date_part('month', d_inddto) AS DOUBLE) AS m, CAST(date_part('day', d_inddto) AS DOUBLE) AS d FROM lpr_adm",
               "spec": {"kind": "ols", "y": "m", "x": ["d"]}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{model}");
    assert_eq!(
        (
            model["kind"].as_str(),
            model["status"].as_str(),
            model["file"]["media_type"].as_str()
        ),
        (Some("model"), Some("pass"), Some("application/json")),
        "{model}"
    );
    let nobs = model["checks"]["nobs"].as_i64().unwrap();
    assert_eq!(model["checks"]["dof"].as_i64(), Some(nobs - 2), "{model}");
    assert_eq!(model["checks"]["checks"]["dof"], "pass");

    // A figure for manual review.
    let (s, fig) = file(&mut ida, &ws, "Survival curve", "survival.png", PNG).await;
    assert_eq!(s, StatusCode::CREATED, "{fig}");
    assert_eq!(
        (
            fig["kind"].as_str(),
            fig["status"].as_str(),
            fig["file"]["media_type"].as_str()
        ),
        (Some("file"), Some("review"), Some("image/png"))
    );
    let (t_id, f_id) = (
        t["id"].as_str().unwrap().to_owned(),
        fig["id"].as_str().unwrap().to_owned(),
    );

    // A draft is the project's own: the checkers' queue does not hold it, and nobody can
    // download it.
    let queue = get(&mut checker, "/api/v1/outputs?state=requested").await.1;
    assert!(queue["outputs"].as_array().unwrap().is_empty(), "{queue}");
    assert_eq!(
        get(&mut checker, &format!("/api/v1/outputs/{t_id}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, _, _) = download(&mut bo, &t_id).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        actions(&app, &t_id)
            .await
            .iter()
            .any(|(a, d)| a == "output.download_refused" && d["reason"] == "not_approved")
    );

    // Requested with a description (required), the two are in the checker's queue.
    let (s, e) = request(&mut bo, &t_id, "  ").await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_description_required")
    );
    let (s, r) = request(
        &mut bo,
        &t_id,
        "Admissions per month, all counts at least 5.",
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("requested")),
        "{r}"
    );
    let (s, _) = request(&mut bo, &t_id, "Again").await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, r) = request(
        &mut ida,
        &f_id,
        "Kaplan-Meier curve by stage; every step has at least 5 at risk.",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let queue = get(&mut checker, "/api/v1/outputs?state=requested").await.1;
    let ids: Vec<&str> = queue["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&t_id.as_str()) && ids.contains(&f_id.as_str()),
        "{queue}"
    );
    assert!(
        queue["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["may_review"] == true)
    );
    // A checker at an organisation that controls none of the data sees nothing of it.
    let other = get(&mut stranger, "/api/v1/outputs").await.1;
    assert!(other["outputs"].as_array().unwrap().is_empty(), "{other}");
    let (s, _) = review(&mut stranger, &t_id, "approve", "").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The requester cannot decide their own request, whatever their roles; logged.
    let (s, e) = review(&mut ida, &f_id, "approve", "Looks fine.").await;
    assert_eq!((s, code(&e)), (StatusCode::FORBIDDEN, "output_own"), "{e}");
    assert!(
        actions(&app, &f_id)
            .await
            .iter()
            .any(|(a, d)| a == "output.review_refused" && d["reason"] == "own_output")
    );
    // A project member without the role cannot decide either.
    let (s, e) = review(&mut bo, &f_id, "approve", "").await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::FORBIDDEN, "output_checkers_only"),
        "{e}"
    );

    // The checker sees the table's checks, the description and the figure itself; asks about
    // the figure, approves the table.
    let detail = get(&mut checker, &format!("/api/v1/outputs/{f_id}"))
        .await
        .1;
    assert_eq!(
        detail["description"],
        "Kaplan-Meier curve by stage; every step has at least 5 at risk."
    );
    assert!(detail["earlier_releases"].as_array().unwrap().is_empty());
    let look = checker.get(&format!("/api/v1/outputs/{f_id}/file")).await;
    assert_eq!(look.status(), StatusCode::OK);
    assert_eq!(look.bytes().await.unwrap().as_ref(), PNG);
    let (s, e) = review(&mut checker, &f_id, "ask", "").await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "output_reason"));
    let (s, r) = review(
        &mut checker,
        &f_id,
        "ask",
        "How many are at risk at the last step?",
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("asked")),
        "{r}"
    );
    let (s, r) = review(&mut checker, &t_id, "approve", "Every cell at least 5.").await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{r}"
    );
    let (s, _) = review(&mut checker, &t_id, "reject", "Changed my mind.").await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The researcher answers; the checker now sees the earlier release beside it, approves.
    let (s, _) = request(&mut ida, &f_id, "At least 12 at risk at the last step.").await;
    assert_eq!(s, StatusCode::OK);
    let detail = get(&mut checker, &format!("/api/v1/outputs/{f_id}"))
        .await
        .1;
    assert_eq!(
        detail["earlier_releases"][0]["id"],
        t_id.as_str(),
        "{detail}"
    );
    let history: Vec<&str> = detail["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["request", "ask", "request"]);
    let (s, _) = review(&mut checker, &f_id, "approve", "").await;
    assert_eq!(s, StatusCode::OK);

    // Members download exactly what was checked, with its SHA-256; the release and each
    // download are in the audit trail.
    let (s, bytes, sum) = download(&mut bo, &t_id).await;
    assert_eq!(s, StatusCode::OK);
    let csv = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        csv.starts_with("month,value\n") && csv.contains("\nAll,"),
        "{csv}"
    );
    let hex = hex::encode(sha2::Sha256::digest(&bytes));
    assert_eq!(sum.as_deref(), Some(hex.as_str()));
    assert_eq!(t["file"]["sha256"], hex.as_str());
    let (report, content) = kept(&app, &t_id).await;
    assert!(report.contains("\"count\"") && content == bytes, "{report}");
    let (s, bytes, _) = download(&mut ida, &f_id).await;
    assert_eq!((s, bytes.as_slice()), (StatusCode::OK, PNG));
    let trail = actions(&app, &t_id).await;
    let release = trail.iter().find(|(a, _)| a == "output.release").unwrap();
    assert_eq!(release.1["sha256"], hex.as_str());
    assert!(release.1["released_at"].as_i64().is_some());
    assert!(trail.iter().any(|(a, _)| a == "output.download"));

    // Not a member: a colleague of the same company, and the checker who approved it.
    let (s, _, _) = download(&mut co, &t_id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = download(&mut checker, &t_id).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(
        actions(&app, &t_id)
            .await
            .iter()
            .any(|(a, d)| a == "output.download_refused" && d["reason"] == "not_member")
    );
    assert!(
        actions(&app, &t_id)
            .await
            .iter()
            .any(|(a, _)| a == "output.refused")
    );

    // A rejected output says why and stays inside.
    let (s, m) = table(
        &mut bo,
        &ws,
        sql,
        json!({"kind": "table", "rows": ["code"], "columns": ["month"]}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    assert_eq!(m["status"], "fail", "{m}");
    let m_id = m["id"].as_str().unwrap();
    request(&mut bo, m_id, "Codes by month.").await;
    let (s, r) = review(
        &mut checker,
        m_id,
        "reject",
        "Small cells: suppress or group the chapters.",
    )
    .await;
    assert_eq!(
        (s, r["state"].as_str(), r["reason"].as_str()),
        (
            StatusCode::OK,
            Some("rejected"),
            Some("Small cells: suppress or group the chapters.")
        )
    );
    let (s, e, _) = download(&mut bo, m_id).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{}", String::from_utf8_lossy(&e));

    // Bad bodies are refused with the reason.
    let (s, e) = call(
        &mut bo,
        Method::POST,
        &format!("/api/v1/workspaces/{ws}/outputs"),
        json!({"title": "x", "sql": sql, "spec": []}),
    )
    .await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::BAD_REQUEST, "output_spec_invalid")
    );
    let (s, e) = review(&mut checker, m_id, "maybe", "").await;
    assert_eq!((s, code(&e)), (StatusCode::BAD_REQUEST, "output_decision"));
}

/// Identifiers are pseudonyms and CPR-shaped numbers (synthetic ones here), not codes, years
/// or upper-case hex; a text holding one is blocked by its line.
#[test]
fn identifiers_are_pseudonyms_and_cpr_numbers_not_codes_or_years() {
    use ork_server::airlock::compute::{Blocked, is_identifier};
    use ork_server::airlock::content::blocked_text;
    assert!(is_identifier("0123456789abcdef0123456789abcdef"));
    assert!(is_identifier("010190-1234"));
    assert!(is_identifier("0101901234"));
    for label in [
        "2019",
        "DC50",
        "Region Hovedstaden",
        "0123456789ABCDEF0123456789ABCDEF",
        "9999999999",
        "All",
    ] {
        assert!(!is_identifier(label), "{label}");
    }
    assert_eq!(
        blocked_text("survival\npatient 010190-1234 had"),
        Some(Blocked::IdentifierLine(2))
    );
}

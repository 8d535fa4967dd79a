//! Arrow Flight SQL into a workspace, with the standard Rust client (`arrow-flight`'s
//! `FlightSqlServiceClient`) over a real loopback connection: the same answers as the
//! console, the same refusals, the same log.

use crate::applications::{PW, call, get, setup};
use crate::helpers::{Browser, TestApp, src};
use crate::workspaces::{app_and_state, granted, provisioned, query};
use arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::sql::{CommandGetTables, SqlInfo};
use futures_util::TryStreamExt;
use ork_domain::Role;
use ork_testkit::{TestDb, both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tonic::transport::Channel;

/// The server with workspaces, and its Flight SQL address.
async fn app(db: TestDb, root: &std::path::Path) -> (TestApp, SocketAddr) {
    let (app, state) = app_and_state(db, root).await;
    let flight = ork_server::workspaces::flight::spawn(state, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    (app, flight)
}

async fn client(addr: SocketAddr) -> FlightSqlServiceClient<Channel> {
    let channel = tonic::transport::Endpoint::new(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    FlightSqlServiceClient::new(channel)
}

/// A token for the signed-in user.
async fn token(b: &mut Browser<'_>) -> String {
    let (s, t) = call(
        b,
        Method::POST,
        "/api/v1/tokens",
        json!({"name": "R on the analysis server", "expires_in_days": 30}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    let token = t["token"].as_str().unwrap().to_owned();
    ork_testkit::record_secret(&token);
    token
}

/// Runs `sql` and reads the whole result.
async fn fetch(
    c: &mut FlightSqlServiceClient<Channel>,
    sql: &str,
) -> Result<Vec<RecordBatch>, String> {
    let info = c
        .execute(sql.to_owned(), None)
        .await
        .map_err(|e| e.to_string())?;
    let ticket = info.endpoint[0].ticket.clone().unwrap();
    let stream = c.do_get(ticket).await.map_err(|e| e.to_string())?;
    stream.try_collect().await.map_err(|e| e.to_string())
}

fn strings(batches: &[RecordBatch], column: usize) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column(column)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone();
            (0..a.len())
                .map(move |i| a.value(i).to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

async fn log(b: &mut Browser<'_>, id: &str) -> Vec<Value> {
    get(b, &format!("/api/v1/workspaces/{id}/log")).await.1["queries"]
        .as_array()
        .unwrap()
        .clone()
}

both_backends!(
    flight_sql_answers_as_the_console_does_and_refuses_what_it_refuses,
    flight_body
);
async fn flight_body(db: TestDb) {
    let tmp = tempfile::tempdir().unwrap();
    let (app, addr) = app(db, &tmp.path().join("workspaces")).await;
    setup(&app).await;
    app.user(
        "ida@demofarma.example",
        PW,
        &[("demofarma", Role::Applicant)],
    )
    .await;
    // Every controller delivers without a sign-off; Bo is certified, Ida's has run out.
    let mut tx = app.store.write().await.unwrap();
    for dataset in ["lpr", "pacs-hovedstaden", "dlcr"] {
        tx.set_dataset_regime(&src(), dataset, r#"{"automatic_delivery": true}"#, None)
            .await
            .unwrap();
    }
    for (email, until) in [
        ("bo@demofarma.example", "2099-12-31"),
        ("ida@demofarma.example", "2020-06-30"),
        ("co@demofarma.example", "2099-12-31"),
    ] {
        let u = app
            .store
            .user_by_email(&ork_domain::Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        tx.set_certification(&src(), &u, Some(until)).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    granted(&app, &mut bo, "Lung X-ray AI").await;
    let id = get(&mut bo, "/api/v1/workspaces").await.1["workspaces"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut w = provisioned(&mut bo, &id, 1).await;
    while w["tables"].as_array().unwrap().len() < 3 {
        let n = w["snapshots"].as_array().unwrap().len();
        w = provisioned(&mut bo, &id, n + 1).await;
    }
    let bo_token = token(&mut bo).await;

    // No token, or a wrong one: unauthenticated, before anything else.
    let mut anon = client(addr).await;
    let e = fetch(&mut anon, "SELECT 1").await.unwrap_err();
    assert!(e.contains("unauthenticated: "), "{e}");
    anon.set_token("ork_not-a-token".into());
    let e = fetch(&mut anon, "SELECT 1").await.unwrap_err();
    assert!(e.contains("token_unknown"), "{e}");

    // Bo's token and the workspace header: the console's answer, every row streamed.
    let mut c = client(addr).await;
    c.set_token(bo_token.clone());
    c.set_header("x-ork-workspace", id.clone());
    let sql = "SELECT pnr, c_adiag FROM lpr_adm ORDER BY pnr, c_adiag";
    let batches = fetch(&mut c, sql).await.unwrap();
    let (s, console) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) AS n, count(DISTINCT pnr) AS persons FROM lpr_adm"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{console}");
    let n = console["rows"][0][0].as_u64().unwrap() as usize;
    assert!(n > 1000, "more rows than the console shows: {n}");
    assert_eq!(rows(&batches), n, "Flight SQL streams every row, uncapped");
    let pnrs = strings(&batches, 0);
    assert!(
        pnrs.windows(2).all(|w| w[0] <= w[1]),
        "in the query's order"
    );
    // Pseudonyms, not CPR numbers: 32 hex digits (which may, rarely, all be decimal ones).
    let bad = pnrs
        .iter()
        .find(|p| p.len() != 32 || !p.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(bad.is_none(), "not a pseudonym: {bad:?}");
    let counted = fetch(&mut c, "SELECT count(*) FROM pacs_hovedstaden")
        .await
        .unwrap();
    let (_, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) FROM pacs_hovedstaden"}),
    )
    .await;
    let col = counted[0]
        .column(0)
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!(Some(col as u64), r["rows"][0][0].as_u64());

    // A prepared statement (as JDBC and DBeaver use) gives the same.
    let mut prepared = c.prepare(sql.to_owned(), None).await.unwrap();
    assert_eq!(
        prepared.dataset_schema().unwrap().fields().len(),
        2,
        "the result's columns are known before it runs"
    );
    let info = prepared.execute().await.unwrap();
    let stream = c
        .do_get(info.endpoint[0].ticket.clone().unwrap())
        .await
        .unwrap();
    let again: Vec<RecordBatch> = stream.try_collect().await.unwrap();
    assert_eq!(strings(&again, 0), pnrs);
    prepared.close().await.unwrap();

    // The tables (with their columns), the server's description.
    let info = c
        .get_tables(CommandGetTables {
            include_schema: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let stream = c
        .do_get(info.endpoint[0].ticket.clone().unwrap())
        .await
        .unwrap();
    let listed: Vec<RecordBatch> = stream.try_collect().await.unwrap();
    let mut names = strings(&listed, 2);
    names.sort();
    assert_eq!(names, ["dlcr", "lpr_adm", "pacs_hovedstaden"]);
    let info = c
        .get_sql_info(vec![SqlInfo::FlightSqlServerReadOnly])
        .await
        .unwrap();
    assert!(info.endpoint[0].ticket.is_some());

    // Reaching outside is refused as in the console, naming the code.
    for (sql, code) in [
        ("SELECT * FROM '/etc/passwd'", "sql_outside"),
        ("COPY lpr_adm TO '/tmp/x.csv'", "sql_not_a_query"),
        ("SELECT * FROM cpr", "sql_outside"),
        (
            "CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/passwd'",
            "sql_not_a_query",
        ),
        ("SELECT c_pattype FROM lpr_adm", "sql_invalid"),
    ] {
        let e = fetch(&mut c, sql).await.unwrap_err();
        assert!(e.contains(code), "{sql}: {e}");
    }
    let e = c
        .prepare("SELECT * FROM '/etc/passwd'".into(), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("sql_outside"), "{e}");
    // A forged ticket is checked like a query.
    let forged = arrow_flight::sql::TicketStatementQuery {
        statement_handle: serde_json::to_vec(
            &json!({"sql": "SELECT * FROM '/etc/passwd'", "snapshot": 1}),
        )
        .unwrap()
        .into(),
    };
    use arrow_flight::sql::ProstMessageExt;
    use prost::Message;
    let ticket = arrow_flight::Ticket::new(forged.as_any().encode_to_vec());
    let e = match c.do_get(ticket).await {
        Ok(s) => s.try_collect::<Vec<_>>().await.unwrap_err().to_string(),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("sql_outside"), "{e}");

    // Named but not certified: refused naming the date. Not named: not found.
    let mut ida = Browser::signed_in(&app, "ida@demofarma.example", PW).await;
    let mut ic = client(addr).await;
    ic.set_token(token(&mut ida).await);
    ic.set_header("x-ork-workspace", id.clone());
    let e = fetch(&mut ic, "SELECT 1").await.unwrap_err();
    assert!(
        e.contains("certification_expired") && e.contains("2020-06-30"),
        "{e}"
    );
    let mut co = Browser::signed_in(&app, "co@demofarma.example", PW).await;
    let mut cc = client(addr).await;
    cc.set_token(token(&mut co).await);
    cc.set_header("x-ork-workspace", id.clone());
    let e = fetch(&mut cc, "SELECT 1").await.unwrap_err();
    assert!(e.contains("workspace_not_found"), "{e}");
    // Without the header: Bo's only workspace; Co has none to choose.
    let mut plain = client(addr).await;
    plain.set_token(bo_token.clone());
    assert_eq!(rows(&fetch(&mut plain, "SELECT 1").await.unwrap()), 1);
    cc = client(addr).await;
    cc.set_token(token(&mut co).await);
    let e = fetch(&mut cc, "SELECT 1").await.unwrap_err();
    assert!(e.contains("flight_workspace_required"), "{e}");

    // Sign-in with the workspace as user name and the token as password (JDBC's way).
    let mut h = client(addr).await;
    h.handshake(&id, &bo_token).await.unwrap();
    assert_eq!(rows(&fetch(&mut h, "SELECT 2").await.unwrap()), 1);
    let mut h = client(addr).await;
    let e = h.handshake(&id, "ork_wrong").await.unwrap_err();
    assert!(e.to_string().contains("token_unknown"), "{e}");

    // A client that stops reading: the query is cancelled, and logged with the rows sent.
    let info = c
        .execute(
            "SELECT a.pnr FROM lpr_adm a CROSS JOIN lpr_adm b".into(),
            None,
        )
        .await
        .unwrap();
    let mut stream = c
        .do_get(info.endpoint[0].ticket.clone().unwrap())
        .await
        .unwrap();
    let first = stream.try_next().await.unwrap().unwrap();
    assert!(first.num_rows() > 0);
    drop(stream);

    // Every query is in the project's log, marked as Flight SQL's.
    let mut entries = log(&mut bo, &id).await;
    for _ in 0..100 {
        if entries.iter().any(|q| q["outcome"] == "cancelled") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        entries = log(&mut bo, &id).await;
    }
    let flight: Vec<&Value> = entries
        .iter()
        .filter(|q| q["via"] == "flight_sql")
        .collect();
    let cancelled = flight
        .iter()
        .find(|q| q["outcome"] == "cancelled")
        .expect("the abandoned query is logged");
    assert!(cancelled["row_count"].as_i64().unwrap() > 0);
    let full = flight
        .iter()
        .find(|q| q["sql"] == sql && q["outcome"] == "ok")
        .unwrap();
    assert_eq!(full["row_count"].as_u64(), Some(n as u64));
    assert_eq!(full["user"], "bo@demofarma.example");
    let refused = flight.iter().filter(|q| q["outcome"] == "refused").count();
    assert!(refused >= 6, "each refusal once: {flight:?}");
    assert!(
        entries
            .iter()
            .any(|q| q["via"] == "console" && q["outcome"] == "ok")
    );
    // And in the audit trail, with the SQL and the channel.
    let audit = app.store.audit_page(0, 100_000).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "workspace.query"
        && e.details["via"] == "flight_sql"
        && e.details["sql"] == sql
        && e.actor.as_deref() == Some("bo@demofarma.example")));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "workspace.refused"
                && e.details["reason"] == "certification_expired")
    );
}

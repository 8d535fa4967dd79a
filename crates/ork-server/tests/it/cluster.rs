//! Workspace queries on an Apache DataFusion Ballista cluster: a scheduler and two executors
//! on loopback, the executors reading the workspace's sealed files with the platform's key
//! provider. Every query through the API gives what DataFusion in this process gives on the
//! same snapshot.

use crate::applications::{PW, get, setup};
use crate::helpers::Browser;
use crate::lifecycle::{certify, ready, regimes};
use crate::notifications::free_port;
use crate::workspaces::{app_and_state_with, master, query};
use ork_testkit::TestDb;
use ork_workspace::KeyProvider;
use ork_workspace::cluster::{ExecutorSetup, executor, scheduler};
use ork_workspace::query::{Limits, QueryTable, run};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

/// The snapshot's tables as DataFusion in this process reads them.
fn local_tables(root: &std::path::Path, id: &str, w: &Value) -> Vec<QueryTable> {
    let snapshot = w["snapshots"].as_array().unwrap().last().unwrap()["number"]
        .as_i64()
        .unwrap();
    let key = Arc::new(master(root).data_key(id, false).unwrap());
    w["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let name = t["name"].as_str().unwrap().to_owned();
            QueryTable {
                file: root
                    .join(id)
                    .join("snapshots")
                    .join(snapshot.to_string())
                    .join(format!("{name}.parquet"))
                    .to_string_lossy()
                    .into_owned(),
                store: None,
                key: Some(key.clone()),
                name,
            }
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_workspace_query_gives_the_same_result_on_a_ballista_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    // The cluster: a scheduler and two executors, each with the platform's key provider.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let at = listener.local_addr().unwrap();
    tokio::spawn(scheduler(listener, Vec::new()));
    for i in 0..2 {
        let setup = ExecutorSetup {
            scheduler: at,
            flight: format!("127.0.0.1:{}", free_port()).parse().unwrap(),
            work_dir: tmp.path().join(format!("executor-{i}")),
            cores: 2,
        };
        std::fs::create_dir_all(&setup.work_dir).unwrap();
        tokio::spawn(executor(setup, Arc::new(master(&root)), Vec::new()));
    }
    let cluster = format!("df://127.0.0.1:{}", at.port());
    let limits = Limits {
        cluster: Some(cluster.clone()),
        ..Limits::default()
    };
    let (app, _state) = app_and_state_with(
        TestDb::sqlite().await,
        &root,
        ork_workspace::Storage::local(root.clone()),
        limits,
    )
    .await;
    setup(&app).await;
    certify(&app, "bo@demofarma.example").await;
    regimes(&app, r#"{"automatic_delivery": true}"#).await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (id, _) = ready(&app, &mut bo, "Lung X-ray AI on the cluster").await;
    let w = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1;
    let tables = local_tables(&root, &id, &w);

    for sql in [
        "SELECT substr(c_adiag, 1, 3) AS chapter, count(*) AS n, count(DISTINCT pnr) AS persons FROM lpr_adm GROUP BY chapter ORDER BY n DESC, chapter",
        "SELECT count(*) AS n, count(DISTINCT a.pnr) AS persons FROM lpr_adm a JOIN dlcr d ON a.pnr = d.pnr",
        "SELECT pnr, d_inddto FROM lpr_adm ORDER BY d_inddto DESC, pnr LIMIT 25",
        "SELECT region, count(*) AS n FROM pacs_hovedstaden WHERE region IS NOT NULL GROUP BY region HAVING count(*) > 1 ORDER BY n DESC, region",
    ] {
        let (s, remote) = query(&mut bo, &id, json!({"sql": sql})).await;
        assert_eq!(s, StatusCode::OK, "{sql}: {remote}");
        let local = run(&tables, sql, 1000, &Limits::default()).await.unwrap();
        assert!(local.row_count > 0, "{sql}");
        assert_eq!(remote["rows"], json!(local.rows), "{sql}");
        assert_eq!(remote["row_count"], local.row_count, "{sql}");
        let names: Vec<&str> = local.columns.iter().map(|c| c.name.as_str()).collect();
        let remote_names: Vec<&str> = remote["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(remote_names, names, "{sql}");
    }

    // The same rules hold: reaching outside the workspace is refused before anything runs.
    let (s, e) = query(&mut bo, &id, json!({"sql": "SELECT * FROM '/etc/passwd'"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");

    // The queries did go to the cluster: with no scheduler there, the same query fails.
    let nowhere = Limits {
        cluster: Some(format!("df://127.0.0.1:{}", free_port())),
        ..Limits::default()
    };
    assert!(
        run(&tables, "SELECT count(*) FROM lpr_adm", 10, &nowhere)
            .await
            .is_err()
    );
}

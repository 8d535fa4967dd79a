//! Workspaces in S3-compatible object storage: a real S3 server (moto's, from PyPI) on
//! loopback holds every snapshot; provisioning uploads them sealed, queries read them from
//! there, own data is carried by server-side copy, a crash's leftovers are cleared at start,
//! and the end of the workspace archives it and removes every object.

use crate::applications::{PW, get, setup};
use crate::helpers::Browser;
use crate::lifecycle::{certify, ready, regimes, revoke};
use crate::notifications::{free_port, python};
use crate::workspaces::{app_and_state_in, cpr_numbers, own, query};
use futures_util::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjPath;
use ork_testkit::TestDb;
use ork_workspace::Storage;
use reqwest::StatusCode;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const YEAR: i64 = 365 * 86_400;

/// moto's S3 server on a free loopback port; stopped when dropped.
struct Moto(Child, String);

impl Moto {
    async fn start() -> Self {
        let port = free_port();
        let child = Command::new(python())
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python with moto[server] (scripts/ensure-test-deps.sh installs it)");
        let moto = Self(child, format!("http://127.0.0.1:{port}"));
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("moto's S3 server did not start on port {port}");
    }

    /// Makes a bucket (object_store reads and writes objects; buckets are the operator's).
    async fn bucket(&self, name: &str) {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.1))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    fn storage(&self, url: &str, staging: std::path::PathBuf) -> Storage {
        Storage::s3(
            url,
            &[
                ("aws_endpoint", &self.1),
                ("aws_allow_http", "true"),
                ("aws_region", "eu-north-1"),
                ("aws_access_key_id", "ork-test"),
                ("aws_secret_access_key", "ork-test-secret"),
            ],
            staging,
        )
        .unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every object under `prefix`, with its bytes.
async fn objects(storage: &Storage, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let Storage::Object { store, .. } = storage else {
        unreachable!()
    };
    let keys: Vec<ObjPath> = store
        .store
        .list(Some(&ObjPath::from(prefix)))
        .map_ok(|m| m.location)
        .try_collect()
        .await
        .unwrap();
    let mut out = Vec::new();
    for k in keys {
        let bytes = store.store.get(&k).await.unwrap().bytes().await.unwrap();
        out.push((k.to_string(), bytes.to_vec()));
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspaces_live_in_s3_compatible_object_storage() {
    let moto = Moto::start().await;
    moto.bucket("ork-workspaces").await;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("workspaces");
    let staging = tmp.path().join("workspace-staging");
    let storage = moto.storage("s3://ork-workspaces/prod", staging.clone());
    let (app, state) = app_and_state_in(TestDb::sqlite().await, &root, storage.clone()).await;
    setup(&app).await;
    certify(&app, "bo@demofarma.example").await;
    regimes(
        &app,
        r#"{"automatic_delivery": true, "retention_days": 30, "at_end": "archive"}"#,
    )
    .await;
    let mut bo = Browser::signed_in(&app, "bo@demofarma.example", PW).await;
    let (id, permit) = ready(&app, &mut bo, "Lung X-ray AI in object storage").await;

    // Every table is an object in the bucket, sealed (Parquet's encrypted footer, "PARE"),
    // with no CPR number in its bytes; nothing is left on this machine's disk.
    let prefix = format!("prod/{id}/snapshots");
    let stored = objects(&storage, &prefix).await;
    assert!(
        stored.iter().any(|(k, _)| k.ends_with("/lpr_adm.parquet")),
        "{:?}",
        stored.iter().map(|(k, _)| k).collect::<Vec<_>>()
    );
    let cprs = cpr_numbers();
    for (key, bytes) in &stored {
        assert!(bytes.ends_with(b"PARE"), "{key} is not sealed");
        let text = String::from_utf8_lossy(bytes);
        assert!(!cprs.iter().any(|c| text.contains(c.as_str())), "{key}");
    }
    assert!(!root.exists(), "no workspace folder on disk");
    let staged: Vec<_> = std::fs::read_dir(staging.join(&id)).unwrap().collect();
    assert!(staged.is_empty(), "the staging folder is emptied");

    // Queries read the objects.
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT count(*) AS n, count(DISTINCT pnr) AS persons FROM lpr_adm"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert!(r["rows"][0][0].as_u64().unwrap() > 0, "{r}");

    // Own data: a new snapshot, the earlier tables copied inside the store.
    let w = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1;
    let before = w["snapshots"].as_array().unwrap().len();
    let csv = b"pnr,score\n0101801234,3\n0202901111,5\n";
    let (s, up) = own(&mut bo, &id, "survey", "survey.csv", csv).await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let next = up["snapshot"].as_i64().unwrap();
    assert_eq!(next as usize, before + 1);
    let (s, r) = query(
        &mut bo,
        &id,
        json!({"sql": "SELECT (SELECT count(*) FROM own_survey) AS own, (SELECT count(*) FROM lpr_adm) AS lpr"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["rows"][0][0], 2, "{r}");
    let names: Vec<String> = objects(&storage, &format!("{prefix}/{next}"))
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(names.iter().any(|k| k.ends_with("/own_survey.parquet")));
    assert!(names.iter().any(|k| k.ends_with("/lpr_adm.parquet")));

    // A crash between upload and record leaves objects no snapshot names; the next start
    // removes them, and the recorded ones stay.
    let Storage::Object { store, .. } = &storage else {
        unreachable!()
    };
    store
        .store
        .put(
            &ObjPath::from(format!("{prefix}/99/lpr_adm.parquet")),
            b"half an upload".to_vec().into(),
        )
        .await
        .unwrap();
    std::fs::create_dir_all(staging.join(&id).join(".100.partial")).unwrap();
    let removed = ork_server::workspaces::provision::recover(&state)
        .await
        .unwrap();
    assert_eq!(removed, 2);
    assert!(objects(&storage, &format!("{prefix}/99")).await.is_empty());
    assert!(!staging.join(&id).join(".100.partial").exists());
    assert_eq!(
        query(
            &mut bo,
            &id,
            json!({"sql": "SELECT count(*) FROM own_survey"})
        )
        .await
        .0,
        StatusCode::OK
    );

    // The end: archived from the objects, then every object removed.
    revoke(&app, &permit).await;
    let now = ork_store::now_unix();
    ork_server::workspaces::lifecycle::sweep(&state, now)
        .await
        .unwrap();
    ork_server::workspaces::lifecycle::sweep(&state, now + YEAR)
        .await
        .unwrap();
    let w = get(&mut bo, &format!("/api/v1/workspaces/{id}")).await.1;
    assert_eq!(w["state"], "archived", "{w}");
    let package = tmp
        .path()
        .join("archives")
        .join(w["lifecycle"]["archive"].as_str().unwrap());
    let file = std::fs::File::open(package.join("tables/own_survey.parquet")).unwrap();
    let rows: usize = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(rows, 2);
    assert!(objects(&storage, &format!("prod/{id}")).await.is_empty());
}

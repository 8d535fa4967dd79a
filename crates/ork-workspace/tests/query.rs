//! SQL in a workspace reads the snapshot's tables and nothing else: files, URLs, table
//! functions, other schemas and statements that are not queries are refused; long queries
//! are stopped; results are capped.

use arrow::array::{Float64Array, Int32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use ork_workspace::DataKey;
use ork_workspace::query::{Limits, QueryError, QueryTable, check, run};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn write(path: &Path, rows: i32) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("pnr", DataType::Utf8, false),
        Field::new("aar", DataType::Int32, false),
        Field::new("vaerdi", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(
                (0..rows).map(|i| format!("{i:032x}")),
            )),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|i| 2015 + i % 10),
            )),
            Arc::new(Float64Array::from_iter(
                (0..rows).map(|i| (i % 7 != 0).then_some(f64::from(i) / 2.0)),
            )),
        ],
    )
    .unwrap();
    // Sealed as a workspace's files are.
    let sealed = key().writer_properties().unwrap();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(sealed)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn tables(dir: &Path) -> Vec<QueryTable> {
    let file = dir.join("bef.parquet");
    write(&file, 3000);
    vec![QueryTable {
        name: "bef".into(),
        file: file.to_string_lossy().into_owned(),
        store: None,
        key: Some(Arc::new(key())),
    }]
}

fn key() -> DataKey {
    DataKey::from_bytes([3; 32])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_reads_the_workspace_tables_with_typed_columns_and_a_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tables(tmp.path());
    let r = run(
        &t,
        "SELECT aar, count(*) AS n, avg(vaerdi) AS mean FROM bef GROUP BY aar ORDER BY aar",
        100,
        &Limits::default(),
    )
    .await
    .unwrap();
    let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["aar", "n", "mean"]);
    assert_eq!(r.columns[0].kind, "Int32");
    assert_eq!(r.columns[1].kind, "Int64");
    assert_eq!(r.rows.len(), 10);
    assert_eq!(r.row_count, 10);
    assert!(!r.truncated);
    assert_eq!(r.rows[0][0], serde_json::json!(2015));
    assert_eq!(r.rows[0][1], serde_json::json!(300));
    assert!(r.rows[0][2].is_number());

    // More rows than asked for: the first `limit`, marked truncated; nulls stay null.
    let r = run(
        &t,
        "SELECT pnr, vaerdi FROM bef ORDER BY pnr",
        25,
        &Limits::default(),
    )
    .await
    .unwrap();
    assert_eq!((r.rows.len(), r.row_count, r.truncated), (25, 25, true));
    assert_eq!(r.rows[0][1], serde_json::Value::Null, "row 0 has no value");
    assert_eq!(r.rows[1][0], serde_json::json!(format!("{:032x}", 1)));
    // The platform's cap wins over a larger limit.
    let capped = Limits {
        max_rows: 7,
        ..Limits::default()
    };
    let r = run(&t, "SELECT * FROM bef", 1000, &capped).await.unwrap();
    assert_eq!((r.rows.len(), r.truncated), (7, true));
    // Exactly as many rows as the limit: not truncated.
    let r = run(&t, "SELECT * FROM bef LIMIT 5", 5, &Limits::default())
        .await
        .unwrap();
    assert_eq!((r.rows.len(), r.truncated), (5, false));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_reaching_outside_the_workspace_is_refused_before_it_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tables(tmp.path());
    let secret = tmp.path().join("other.parquet");
    write(&secret, 3);
    let s = secret.display();
    let not_queries = [
        format!("CREATE EXTERNAL TABLE x STORED AS PARQUET LOCATION '{s}'"),
        format!("COPY bef TO '{}/out.parquet'", tmp.path().display()),
        format!(
            "COPY (SELECT * FROM bef) TO '{}/out.csv'",
            tmp.path().display()
        ),
        "INSERT INTO bef VALUES ('a', 1, 2.0)".into(),
        "CREATE TABLE t AS SELECT * FROM bef".into(),
        "CREATE VIEW v AS SELECT * FROM bef".into(),
        "DROP TABLE bef".into(),
        "SET datafusion.execution.batch_size = 1".into(),
        "SELECT 1; SELECT 2".into(),
        "EXPLAIN SELECT * FROM bef".into(),
    ];
    for sql in &not_queries {
        let e = run(&t, sql, 10, &Limits::default()).await.unwrap_err();
        assert!(matches!(e, QueryError::NotAQuery), "{sql}: {e:?}");
        assert!(e.is_refusal());
    }
    let outside = [
        format!("SELECT * FROM '{s}'"),
        "SELECT * FROM 'https://example.org/data.parquet'".into(),
        "SELECT * FROM generate_series(1, 3)".into(),
        "SELECT * FROM range(10)".into(),
        "SELECT * FROM information_schema.tables".into(),
        "SELECT * FROM ws_other.bef".into(),
        "SELECT * FROM datafusion.public.lpr_adm".into(),
        "SELECT * FROM lpr_adm".into(),
        "SELECT pnr FROM bef WHERE pnr IN (SELECT pnr FROM other)".into(),
        "WITH x AS (SELECT * FROM cpr) SELECT * FROM x".into(),
    ];
    for sql in &outside {
        let e = run(&t, sql, 10, &Limits::default()).await.unwrap_err();
        assert!(matches!(e, QueryError::OutsideWorkspace(_)), "{sql}: {e:?}");
        assert!(check(&t, sql).await.is_err());
    }
    // The workspace's own tables may be named in full.
    let r = run(
        &t,
        "SELECT count(*) FROM datafusion.public.bef",
        10,
        &Limits::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.rows[0][0], serde_json::json!(3000));
    // A wrong query is an error, not a refusal.
    let e = run(&t, "SELECT nope FROM bef", 10, &Limits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, QueryError::Invalid(_)) && !e.is_refusal(),
        "{e:?}"
    );
    let e = run(&t, "SELEC 1", 10, &Limits::default())
        .await
        .unwrap_err();
    assert!(matches!(e, QueryError::Invalid(_)), "{e:?}");
    // Nothing was written anywhere.
    assert!(!tmp.path().join("out.parquet").exists());
    assert!(!tmp.path().join("out.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_running_past_the_limit_is_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tables(tmp.path());
    let limits = Limits {
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let started = std::time::Instant::now();
    // 3,000³ = 27 billion rows: hours, if nothing stopped it.
    let e = run(
        &t,
        "SELECT count(*) FROM bef a, bef b, bef c WHERE a.vaerdi + b.vaerdi > c.vaerdi",
        10,
        &limits,
    )
    .await
    .unwrap_err();
    assert!(matches!(e, QueryError::Timeout(_)), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

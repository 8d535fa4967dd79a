//! A project's own data: every CPR number checked by row (nothing kept when one is bad),
//! pseudonymised with the project's key so it links with the delivered tables, the
//! original's CPR numbers nowhere in what is written.

use arrow::array::{Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use ork_workspace::own::{Format, OwnError, check_cpr, ingest};
use ork_workspace::{DataKey, KeyProvider, LocalMasterKey, Pseudonymiser};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;
use std::sync::Arc;

fn project() -> Pseudonymiser {
    let m = LocalMasterKey::from_hex(&"4d".repeat(32)).unwrap();
    Pseudonymiser::new(&m.project_key("wsp-own").unwrap())
}

/// The key the tests' own data is sealed under.
fn key() -> DataKey {
    DataKey::from_bytes([5; 32])
}

fn column(file: &Path, name: &str) -> Vec<Option<String>> {
    let r = ParquetRecordBatchReaderBuilder::try_new_with_options(
        std::fs::File::open(file).unwrap(),
        key().reader_options().unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut out = Vec::new();
    for b in r {
        let b = b.unwrap();
        let c = b.column_by_name(name).unwrap();
        let s = c.as_any().downcast_ref::<StringArray>().unwrap();
        out.extend(s.iter().map(|v| v.map(str::to_owned)));
    }
    out
}

#[test]
fn cpr_numbers_are_checked_as_dates_in_their_century() {
    assert_eq!(check_cpr("0101801234"), Ok("0101801234".into()));
    assert_eq!(check_cpr(" 010180-1234 "), Ok("0101801234".into()));
    assert_eq!(
        check_cpr("2902004123"),
        Ok("2902004123".into()),
        "2000 was a leap year"
    );
    assert_eq!(check_cpr("2902014123"), Err("date"), "2001 was not");
    assert_eq!(check_cpr("3104801234"), Err("date"));
    assert_eq!(check_cpr("0113801234"), Err("date"));
    assert_eq!(check_cpr("12345"), Err("length"));
    assert_eq!(check_cpr("01018O1234"), Err("digits"));
}

#[test]
fn a_csv_is_taken_pseudonymised_and_links_by_the_projects_key() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("own_survey.parquet");
    // A Danish spreadsheet's export: semicolons, a BOM, a CPR column called "CPR", a dash.
    let csv = "\u{feff}CPR;Score;Besvaret\n010180-1234;7;ja\n0203904321;;nej\n";
    let p = project();
    let got = ingest(csv.as_bytes(), Format::Csv, &out, &p, &key()).unwrap();
    assert_eq!(got.rows, 2);
    assert_eq!(
        got.columns,
        [
            ("pnr".to_owned(), "pseudonym"),
            ("score".to_owned(), "string"),
            ("besvaret".to_owned(), "string")
        ]
    );
    let pnr = column(&out, "pnr");
    assert_eq!(
        pnr[0].as_deref(),
        Some(p.pseudonym(b"0101801234").to_string().as_str())
    );
    assert_eq!(
        pnr[1].as_deref(),
        Some(p.pseudonym(b"0203904321").to_string().as_str())
    );
    assert_eq!(column(&out, "score"), [Some("7".into()), None]);
    let bytes = std::fs::read(&out).unwrap();
    for cpr in ["0101801234", "010180-1234", "0203904321"] {
        assert!(!bytes.windows(cpr.len()).any(|w| w == cpr.as_bytes()));
    }
    assert!(!out.with_extension("parquet.partial").exists());
}

#[test]
fn bad_cpr_numbers_are_reported_by_row_and_nothing_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("own_x.parquet");
    let csv = "pnr,mor_pnr,x\n0101801234,0101601234,a\n12345,0101601234,b\n0101801234,3102601234,c\n0101801234,,d\n";
    match ingest(csv.as_bytes(), Format::Csv, &out, &project(), &key()) {
        Err(OwnError::BadCpr { rows, total }) => {
            assert_eq!(total, 2);
            let got: Vec<(u64, &str, &str)> = rows
                .iter()
                .map(|r| (r.row, r.column.as_str(), r.problem))
                .collect();
            assert_eq!(got, [(2, "pnr", "length"), (3, "mor_pnr", "date")]);
        }
        other => panic!("{other:?}"),
    }
    assert!(!out.exists());
    assert!(
        std::fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn files_that_cannot_be_read_as_meant_are_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("own_x.parquet");
    let p = project();
    // A pipe-delimited file: one column, no CPR column found, the columns named.
    match ingest(b"pnr|x\n0101801234|1\n", Format::Csv, &out, &p, &key()) {
        Err(OwnError::NoCprColumn { found, delimiter }) => {
            assert_eq!((found, delimiter), (vec!["pnr|x".to_owned()], Some('|')));
        }
        other => panic!("{other:?}"),
    }
    // A comma file read by its first line; a semicolon in the header is pointed out.
    match ingest(b"id,value\n1,2\n", Format::Csv, &out, &p, &key()) {
        Err(OwnError::NoCprColumn { found, .. }) => assert_eq!(found, ["id", "value"]),
        other => panic!("{other:?}"),
    }
    // Latin-1, not UTF-8.
    assert!(matches!(
        ingest(
            b"pnr,by\n0101801234,K\xf8ge\n",
            Format::Csv,
            &out,
            &p,
            &key()
        ),
        Err(OwnError::NotUtf8)
    ));
    assert!(matches!(
        ingest(b"", Format::Csv, &out, &p, &key()),
        Err(OwnError::Empty)
    ));
    assert!(matches!(
        ingest(b"pnr\n", Format::Csv, &out, &p, &key()),
        Err(OwnError::Empty)
    ));
    assert!(matches!(
        ingest(b"pnr,x\n0101801234\n", Format::Csv, &out, &p, &key()),
        Err(OwnError::Ragged {
            row: 1,
            found: 1,
            expected: 2
        })
    ));
    assert!(matches!(
        ingest(b"PAR1 not really", Format::Parquet, &out, &p, &key()),
        Err(OwnError::Parquet(_))
    ));
    assert!(!out.exists());
}

#[test]
fn a_parquet_file_keeps_its_types_and_its_cpr_column_is_pseudonymised() {
    let tmp = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("pnr", DataType::Utf8, false),
        Field::new("weight", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["0101801234", "0203904321"])),
            Arc::new(arrow::array::Float64Array::from(vec![Some(71.5), None])),
        ],
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut w = ArrowWriter::try_new(&mut bytes, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let out = tmp.path().join("own_weights.parquet");
    let p = project();
    let got = ingest(&bytes, Format::Parquet, &out, &p, &key()).unwrap();
    assert_eq!(got.rows, 2);
    assert_eq!(got.columns[1], ("weight".to_owned(), "number"));
    assert_eq!(
        column(&out, "pnr")[0].as_deref(),
        Some(p.pseudonym(b"0101801234").to_string().as_str())
    );
}

#[test]
fn every_column_that_looks_like_cpr_numbers_is_pseudonymised_and_none_is_echoed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("own_family.parquet");
    let p = project();
    let csv = "pnr,Mor CPR,personnummer_far,x\n0101801234,0101601234,0101551234,1\n";
    let got = ingest(csv.as_bytes(), Format::Csv, &out, &p, &key()).unwrap();
    let kinds: Vec<(&str, &str)> = got.columns.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    assert_eq!(
        kinds,
        [
            ("pnr", "pseudonym"),
            ("mor_cpr", "pseudonym"),
            ("personnummer_far", "pseudonym"),
            ("x", "string")
        ]
    );
    assert_eq!(
        column(&out, "mor_cpr")[0].as_deref(),
        Some(p.pseudonym(b"0101601234").to_string().as_str())
    );
    let bytes = std::fs::read(&out).unwrap();
    for cpr in ["0101801234", "0101601234", "0101551234"] {
        assert!(!bytes.windows(10).any(|w| w == cpr.as_bytes()), "{cpr}");
    }
    // A file without a header row: its first row is not repeated back.
    match ingest(
        b"0101801234,7\n0203904321,8\n",
        Format::Csv,
        &tmp.path().join("o.parquet"),
        &p,
        &key(),
    ) {
        Err(OwnError::NoCprColumn { found, .. }) => assert_eq!(found, ["…", "7"]),
        other => panic!("{other:?}"),
    }
    // Two columns that read as one name.
    assert!(matches!(
        ingest(b"pnr,A b,a_b\n0101801234,1,2\n", Format::Csv, &tmp.path().join("o.parquet"), &p, &key()),
        Err(OwnError::DuplicateColumn(n)) if n == "a_b"
    ));
}

#[test]
fn cpr_numbers_stored_as_integers_get_their_leading_zero_back() {
    let tmp = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new("cpr", DataType::Int64, false)]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(arrow::array::Int64Array::from(vec![
            101801234_i64,
        ]))],
    )
    .unwrap();
    let mut bytes = Vec::new();
    let mut w = ArrowWriter::try_new(&mut bytes, schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let out = tmp.path().join("own_ints.parquet");
    let p = project();
    ingest(&bytes, Format::Parquet, &out, &p, &key()).unwrap();
    assert_eq!(
        column(&out, "pnr")[0].as_deref(),
        Some(p.pseudonym(b"0101801234").to_string().as_str())
    );
}

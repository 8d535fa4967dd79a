//! An extract holds exactly its scope: the tables, variables, years and persons granted;
//! every CPR number replaced by the project's pseudonym (the same person the same pseudonym
//! across tables, another in another project); no CPR number in any file written.

use arrow::array::{Array, StringArray};
use ork_workspace::extract::{ExtractError, Scope, TableScope, extract};
use ork_workspace::{DataKey, KeyProvider, LocalMasterKey, Pseudonymiser};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeSet;
use std::path::Path;

fn registers(dir: &Path) {
    ork_registers::generate(&ork_registers::GenerateOptions {
        persons: 1500,
        seed: 11,
        from_year: 2018,
        to_year: 2022,
        out: dir.to_path_buf(),
        force: false,
    })
    .unwrap();
}

/// The key the tests' extracts are sealed under.
fn key() -> DataKey {
    DataKey::from_bytes([7; 32])
}

/// The values of a string column of a register's Parquet file, and its column names.
fn read(file: &Path, column: &str) -> (Vec<String>, Vec<Option<String>>) {
    read_with(file, column, None)
}

/// The same for an extract, opened with the test key.
fn read_sealed(file: &Path, column: &str) -> (Vec<String>, Vec<Option<String>>) {
    read_with(file, column, Some(&key()))
}

fn read_with(
    file: &Path,
    column: &str,
    key: Option<&DataKey>,
) -> (Vec<String>, Vec<Option<String>>) {
    let f = std::fs::File::open(file).unwrap();
    let b = match key {
        Some(k) => {
            ParquetRecordBatchReaderBuilder::try_new_with_options(f, k.reader_options().unwrap())
                .unwrap()
        }
        None => ParquetRecordBatchReaderBuilder::try_new(f).unwrap(),
    };
    let names = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut values = Vec::new();
    for batch in b.build().unwrap() {
        let batch = batch.unwrap();
        let c = arrow::compute::cast(
            batch.column_by_name(column).unwrap(),
            &arrow::datatypes::DataType::Utf8,
        )
        .unwrap();
        let s = c.as_any().downcast_ref::<StringArray>().unwrap();
        values.extend(s.iter().map(|v| v.map(str::to_owned)));
    }
    (names, values)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_extract_holds_exactly_its_scope_under_pseudonyms() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("registers");
    registers(&reg);
    // Ten persons of the population register as the permit's cohort.
    let (_, all) = read(&reg.join("bef").join("2020.parquet"), "pnr");
    let everyone: BTreeSet<String> = all.into_iter().flatten().collect();
    let cohort: Vec<String> = everyone.iter().take(10).cloned().collect();
    let master = LocalMasterKey::from_hex(&"2a".repeat(32)).unwrap();
    let p = Pseudonymiser::new(&master.project_key("prj-one").unwrap());
    let scope = Scope {
        tables: vec![
            TableScope {
                table: "bef".into(),
                columns: vec!["alder".into(), "kom".into()],
                years: Some((2020, 2021)),
                exclude_opted_out: false,
                region: None,
            },
            TableScope {
                table: "cpr".into(),
                columns: vec!["foed_dag".into()],
                years: None,
                exclude_opted_out: false,
                region: None,
            },
        ],
        persons: Some(cohort.clone()),
    };
    let out = tmp.path().join("ws-one");
    let written = extract(&reg, &out, &scope, &p, &key()).await.unwrap();
    assert_eq!(written.len(), 2);

    // Only the variables granted (and the pseudonymised pnr), only the cohort.
    let bef = &written[0];
    let (names, pnrs) = read_sealed(&bef.file, "pnr");
    // Sealed: without the key, or with another, the file does not open.
    let open = || std::fs::File::open(&bef.file).unwrap();
    assert!(ParquetRecordBatchReaderBuilder::try_new(open()).is_err());
    let other = DataKey::from_bytes([8; 32]).reader_options().unwrap();
    assert!(ParquetRecordBatchReaderBuilder::try_new_with_options(open(), other).is_err());
    assert_eq!(names, ["pnr", "alder", "kom"]);
    let expected: BTreeSet<String> = cohort
        .iter()
        .map(|c| p.pseudonym(c.as_bytes()).to_string())
        .collect();
    let got: BTreeSet<String> = pnrs.iter().flatten().cloned().collect();
    assert!(!got.is_empty() && got.is_subset(&expected), "{got:?}");
    // Two years of the population register: each cohort member at most twice.
    assert!(
        bef.rows as usize <= 2 * cohort.len() && bef.rows > 0,
        "{}",
        bef.rows
    );
    // The same person, the same pseudonym across the project's tables.
    let (_, cpr_pnrs) = read_sealed(&written[1].file, "pnr");
    let cpr_got: BTreeSet<String> = cpr_pnrs.into_iter().flatten().collect();
    assert_eq!(
        cpr_got, expected,
        "every cohort member in cpr, by the same pseudonym"
    );

    // No CPR number in any file of the workspace, in any form.
    for entry in std::fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for cpr in &everyone {
            assert!(
                !bytes.windows(cpr.len()).any(|w| w == cpr.as_bytes()),
                "{} holds a CPR number",
                path.display()
            );
        }
        assert!(
            !path.to_string_lossy().contains(".partial"),
            "no half file left"
        );
    }

    // Another project over the same persons: other pseudonyms.
    let other = Pseudonymiser::new(&master.project_key("prj-two").unwrap());
    let written2 = extract(&reg, &tmp.path().join("ws-two"), &scope, &other, &key())
        .await
        .unwrap();
    let (_, pnrs2) = read_sealed(&written2[1].file, "pnr");
    let got2: BTreeSet<String> = pnrs2.into_iter().flatten().collect();
    assert_eq!(got2.len(), cohort.len());
    assert!(got2.is_disjoint(&cpr_got), "unlinkable across projects");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_naming_what_is_not_there_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("registers");
    registers(&reg);
    let p = Pseudonymiser::new(
        &LocalMasterKey::from_hex(&"2a".repeat(32))
            .unwrap()
            .project_key("prj")
            .unwrap(),
    );
    let one = |table: &str, column: &str, years| Scope {
        tables: vec![TableScope {
            table: table.into(),
            columns: vec![column.into()],
            years,
            exclude_opted_out: false,
            region: None,
        }],
        persons: None,
    };
    let out = tmp.path().join("ws");
    assert!(matches!(
        extract(&reg, &out, &one("nope", "kom", None), &p, &key()).await,
        Err(ExtractError::UnknownTable(_))
    ));
    assert!(matches!(
        extract(&reg, &out, &one("bef", "salary", None), &p, &key()).await,
        Err(ExtractError::UnknownColumn { .. })
    ));
    assert!(matches!(
        extract(
            &reg,
            &out,
            &one("bef", "kom", Some((1990, 1991))),
            &p,
            &key()
        )
        .await,
        Err(ExtractError::NoFiles(_))
    ));
    assert!(matches!(
        extract(
            &reg,
            &out,
            &one("cpr", "foed_dag", Some((2020, 2020))),
            &p,
            &key()
        )
        .await,
        Err(ExtractError::NotYearly(_))
    ));
    // A good table before a bad one: still nothing written.
    let mixed = Scope {
        tables: vec![
            one("cpr", "foed_dag", None).tables.remove(0),
            one("bef", "salary", None).tables.remove(0),
        ],
        persons: None,
    };
    assert!(matches!(
        extract(&reg, &out, &mixed, &p, &key()).await,
        Err(ExtractError::UnknownColumn { .. })
    ));
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persons_in_the_tissue_use_register_are_left_out_where_the_rule_applies() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("registers");
    registers(&reg);
    let (_, opted) = read(&reg.join("var").join("var.parquet"), "pnr");
    let opted: BTreeSet<String> = opted.into_iter().flatten().collect();
    assert!(!opted.is_empty(), "the synthetic registers hold opt-outs");
    let (_, all) = read(&reg.join("cpr").join("cpr.parquet"), "pnr");
    let others: Vec<String> = all
        .into_iter()
        .flatten()
        .filter(|p| !opted.contains(p))
        .take(5)
        .collect();
    let cohort: Vec<String> = opted
        .iter()
        .take(5)
        .cloned()
        .chain(others.clone())
        .collect();
    let p = Pseudonymiser::new(
        &LocalMasterKey::from_hex(&"2a".repeat(32))
            .unwrap()
            .project_key("prj")
            .unwrap(),
    );
    let pseudonyms = |ids: &[String]| -> BTreeSet<String> {
        ids.iter()
            .map(|c| p.pseudonym(c.as_bytes()).to_string())
            .collect()
    };
    for (rule, dir) in [(true, "with-rule"), (false, "without-rule")] {
        let scope = Scope {
            tables: vec![TableScope {
                table: "cpr".into(),
                columns: vec!["foed_dag".into()],
                years: None,
                exclude_opted_out: rule,
                region: None,
            }],
            persons: Some(cohort.clone()),
        };
        let written = extract(&reg, &tmp.path().join(dir), &scope, &p, &key())
            .await
            .unwrap();
        let (_, got) = read_sealed(&written[0].file, "pnr");
        let got: BTreeSet<String> = got.into_iter().flatten().collect();
        if rule {
            assert_eq!(got, pseudonyms(&others), "the opted-out are absent");
        } else {
            assert_eq!(
                got,
                pseudonyms(&cohort),
                "without the rule, everyone in the cohort"
            );
        }
    }
}

/// Every row of a Parquet file as (key, pnr?) for two string columns.
fn pairs(file: &Path, a: &str) -> Vec<String> {
    read(file, a).1.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_without_persons_follow_their_parent_and_their_keys_are_pseudonymised() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("registers");
    registers(&reg);
    // The cohort: the persons of the first 40 admissions of 2018 (the last LPR2 year).
    let adm = reg.join("lpr_adm").join("2018.parquet");
    let cohort: Vec<String> = pairs(&adm, "pnr")
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .take(40)
        .collect();
    // Their admissions' keys in the registers, and the diagnoses of those admissions.
    let adm_pnr = pairs(&adm, "pnr");
    let adm_key = pairs(&adm, "recnum");
    let keys: BTreeSet<String> = adm_pnr
        .iter()
        .zip(&adm_key)
        .filter(|(p, _)| cohort.contains(p))
        .map(|(_, k)| k.clone())
        .collect();
    let diag = reg.join("lpr_diag").join("2018.parquet");
    let diag_keys = pairs(&diag, "recnum");
    let expected_diagnoses = diag_keys.iter().filter(|k| keys.contains(*k)).count();
    assert!(expected_diagnoses > 0);
    let master = LocalMasterKey::from_hex(&"3b".repeat(32)).unwrap();
    let p = Pseudonymiser::new(&master.project_key("prj-link").unwrap());
    let scope = Scope {
        tables: ["lpr_adm", "lpr_diag"]
            .iter()
            .map(|t| TableScope {
                table: (*t).into(),
                columns: if *t == "lpr_adm" {
                    vec!["d_inddto".into()]
                } else {
                    vec!["c_diag".into()]
                },
                years: Some((2018, 2018)),
                exclude_opted_out: false,
                region: None,
            })
            .collect(),
        persons: Some(cohort.clone()),
    };
    let out = tmp.path().join("ws");
    let written = extract(&reg, &out, &scope, &p, &key()).await.unwrap();
    // The key is kept in both tables (so they link), pseudonymised; the diagnoses are
    // exactly those of the population's admissions.
    let (names, ws_adm_keys) = read_sealed(&written[0].file, "recnum");
    assert_eq!(names, ["pnr", "recnum", "d_inddto"]);
    let (names, ws_diag_keys) = read_sealed(&written[1].file, "recnum");
    assert_eq!(names, ["recnum", "c_diag"]);
    assert_eq!(written[1].rows as usize, expected_diagnoses);
    let ws_adm: BTreeSet<String> = ws_adm_keys.into_iter().flatten().collect();
    let expected_keys: BTreeSet<String> = keys
        .iter()
        .map(|k| p.pseudonym(format!("recnum:{k}").as_bytes()).to_string())
        .collect();
    assert_eq!(ws_adm, expected_keys);
    assert!(
        ws_diag_keys.iter().flatten().all(|k| ws_adm.contains(k)),
        "every diagnosis links to an admission of the workspace"
    );
    for k in &keys {
        let bytes = std::fs::read(&written[1].file).unwrap();
        assert!(
            !bytes.windows(k.len()).any(|w| w == k.as_bytes()),
            "no register key in the workspace"
        );
    }
}

//! The generator's realism, integrity and determinism, checked on real output files.

use arrow::array::{Array, Date32Array, Int32Array, RecordBatch, StringArray};
use ork_registers::{GenerateError, GenerateOptions, cpr, dates, generate};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FROM: i32 = 2015;
const TO: i32 = 2024;

/// One 20,000-person run shared by the realism tests.
fn run20k() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("registers");
        generate(&GenerateOptions {
            persons: 20_000,
            seed: 42,
            from_year: FROM,
            to_year: TO,
            out: out.clone(),
            force: false,
        })
        .unwrap();
        (tmp, out)
    })
    .1
}

fn read(path: &Path) -> Vec<RecordBatch> {
    let f = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn strings(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_owned()))
        .collect()
}

fn ints(b: &RecordBatch, col: &str) -> Vec<Option<i32>> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<Int32Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

fn days(b: &RecordBatch, col: &str) -> Vec<Option<i32>> {
    let a = b
        .column_by_name(col)
        .unwrap()
        .as_any()
        .downcast_ref::<Date32Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

struct CprRow {
    pnr: String,
    born: i32,
    sex: i32,
    died: Option<i32>,
    emigrated: Option<i32>,
    immigrated: Option<i32>,
    mother: Option<String>,
    father: Option<String>,
}

fn cpr_rows(dir: &Path) -> Vec<CprRow> {
    let mut out = Vec::new();
    for b in read(&dir.join("cpr/cpr.parquet")) {
        let (p, f, k, d, e, i, m, fa) = (
            strings(&b, "pnr"),
            days(&b, "foed_dag"),
            ints(&b, "koen"),
            days(&b, "doed_dato"),
            days(&b, "udvandret_dato"),
            days(&b, "indvandret_dato"),
            strings(&b, "mor_pnr"),
            strings(&b, "far_pnr"),
        );
        for j in 0..b.num_rows() {
            out.push(CprRow {
                pnr: p[j].clone().unwrap(),
                born: f[j].unwrap(),
                sex: k[j].unwrap(),
                died: d[j],
                emigrated: e[j],
                immigrated: i[j],
                mother: m[j].clone(),
                father: fa[j].clone(),
            });
        }
    }
    out
}

/// (pnr, alder, kom) per BEF year.
fn bef_rows(dir: &Path, year: i32) -> Vec<(String, i32, Option<i32>)> {
    let mut out = Vec::new();
    for b in read(&dir.join(format!("bef/{year}.parquet"))) {
        let (p, a, k, y) = (
            strings(&b, "pnr"),
            ints(&b, "alder"),
            ints(&b, "kom"),
            ints(&b, "aar"),
        );
        for j in 0..b.num_rows() {
            assert_eq!(y[j], Some(year));
            out.push((p[j].clone().unwrap(), a[j].unwrap(), k[j]));
        }
    }
    out
}

#[test]
fn cpr_numbers_are_valid_unique_and_consistent() {
    let rows = cpr_rows(run20k());
    assert!(rows.len() > 20_000);
    let mut seen = HashSet::new();
    for r in &rows {
        assert!(
            cpr::is_valid(&r.pnr, r.born, r.sex as u8),
            "{} born {:?} sex {}",
            r.pnr,
            dates::ymd(r.born),
            r.sex
        );
        assert!(seen.insert(r.pnr.clone()), "duplicate {}", r.pnr);
    }
}

#[test]
fn every_reference_points_to_a_person_and_no_event_is_out_of_life() {
    let dir = run20k();
    let rows = cpr_rows(dir);
    let by_pnr: HashMap<&str, &CprRow> = rows.iter().map(|r| (r.pnr.as_str(), r)).collect();
    let mut with_mother = 0;
    for r in &rows {
        for parent in [&r.mother, &r.father].into_iter().flatten() {
            let p = by_pnr.get(parent.as_str()).expect("parent exists in cpr");
            assert!(p.born < r.born, "a parent is older than the child");
        }
        if let Some(m) = &r.mother {
            with_mother += 1;
            let m = by_pnr[m.as_str()];
            assert_eq!(m.sex, 2);
            assert!(
                m.died.is_none_or(|d| d >= r.born) && m.emigrated.is_none_or(|e| e >= r.born),
                "born while the mother was here"
            );
        }
        assert!(r.died.is_none_or(|d| d >= r.born));
        assert!(r.emigrated.is_none_or(|e| e >= r.born));
        assert!(r.immigrated.is_none_or(|i| i >= r.born));
    }
    assert!(
        with_mother > 1_000,
        "persons born in range have mothers: {with_mother}"
    );
    for year in FROM..=TO {
        let day0 = dates::jan1(year);
        for (pnr, alder, _) in bef_rows(dir, year) {
            let p = by_pnr.get(pnr.as_str()).expect("every bef pnr is in cpr");
            assert_eq!(alder, dates::age_on(p.born, day0));
            assert!(
                p.born <= day0
                    && p.died.is_none_or(|d| d > day0)
                    && p.emigrated.is_none_or(|e| e > day0)
                    && p.immigrated.is_none_or(|i| i <= day0),
                "resident on 1 January {year}: born {:?} died {:?} emigrated {:?} immigrated {:?}",
                p.born - day0,
                p.died.map(|d| d - day0),
                p.emigrated.map(|d| d - day0),
                p.immigrated.map(|d| d - day0)
            );
        }
    }
}

#[test]
fn population_behaves_like_denmark() {
    let dir = run20k();
    let rows = cpr_rows(dir);
    let first = bef_rows(dir, FROM);
    let n = first.len() as f64;
    let share = |f: &dyn Fn(i32) -> bool| first.iter().filter(|r| f(r.1)).count() as f64 / n;
    let children = share(&|a| a < 15);
    let old = share(&|a| a >= 65);
    assert!(
        (0.14..0.19).contains(&children),
        "0-14 year olds: {children:.3} (Denmark 0.164)"
    );
    assert!((0.17..0.23).contains(&old), "65+: {old:.3} (Denmark 0.199)");
    let cph = first.iter().filter(|r| r.2 == Some(101)).count() as f64 / n;
    assert!(
        (0.095..0.125).contains(&cph),
        "København's share {cph:.3} (0.109)"
    );
    let missing = first.iter().filter(|r| r.2.is_none()).count();
    assert!(
        missing > 0 && (missing as f64) < n * 0.01,
        "a few rows lack kom: {missing}"
    );

    for year in FROM..TO {
        let residents = bef_rows(dir, year).len() as f64;
        let (start, end) = (dates::jan1(year), dates::jan1(year + 1));
        let births = rows
            .iter()
            .filter(|r| r.born >= start && r.born < end && r.immigrated.is_none())
            .count() as f64;
        let deaths = rows
            .iter()
            .filter(|r| r.died.is_some_and(|d| d >= start && d < end))
            .count() as f64;
        let (b, d) = (births / residents, deaths / residents);
        assert!(
            (0.0075..0.0125).contains(&b),
            "{year}: births {b:.4} of the population (Denmark ≈ 0.010)"
        );
        assert!(
            (0.0075..0.0125).contains(&d),
            "{year}: deaths {d:.4} of the population (Denmark ≈ 0.010)"
        );
        let emig = rows
            .iter()
            .filter(|r| r.emigrated.is_some_and(|e| e >= start && e < end))
            .count() as f64
            / residents;
        let immig = rows
            .iter()
            .filter(|r| r.immigrated.is_some_and(|i| i >= start && i < end))
            .count() as f64
            / residents;
        assert!(
            (0.007..0.016).contains(&emig) && (0.012..0.021).contains(&immig),
            "{year}: emigration {emig:.4}, immigration {immig:.4}"
        );
    }
}

#[test]
fn manifest_documents_every_column() {
    let dir = run20k();
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["synthetic"], true);
    let tables = manifest["tables"].as_array().unwrap();
    for t in tables {
        let name = t["name"].as_str().unwrap();
        let files = t["files"].as_array().unwrap();
        assert!(
            !files.is_empty() && t["rows"].as_u64().unwrap() > 0,
            "{name}"
        );
        for c in t["columns"].as_array().unwrap() {
            for key in ["label_da", "label_en", "description", "type"] {
                assert!(
                    c[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{name}.{}: {key}",
                    c["name"]
                );
            }
        }
        let documented: HashSet<&str> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        for f in files {
            let batches = read(&dir.join(f.as_str().unwrap()));
            for field in batches[0].schema().fields() {
                assert!(
                    documented.contains(field.name().as_str()),
                    "{name}.{} is documented",
                    field.name()
                );
                assert_eq!(field.name(), &field.name().to_lowercase());
            }
        }
    }
    for expected in ["cpr", "bef"] {
        assert!(
            tables.iter().any(|t| t["name"] == expected),
            "{expected} in the manifest"
        );
    }
}

fn hashes(dir: &Path) -> Vec<(String, String)> {
    use sha2::{Digest, Sha256};
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    hex::encode(Sha256::digest(std::fs::read(&p).unwrap())),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn same_arguments_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = |name: &str, seed| GenerateOptions {
        persons: 3_000,
        seed,
        from_year: 2017,
        to_year: 2020,
        out: tmp.path().join(name),
        force: false,
    };
    generate(&opts("a", 7)).unwrap();
    // A different thread pool size must not change a byte.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| generate(&opts("b", 7)))
        .unwrap();
    generate(&opts("c", 8)).unwrap();
    let (a, b, c) = (
        hashes(&tmp.path().join("a")),
        hashes(&tmp.path().join("b")),
        hashes(&tmp.path().join("c")),
    );
    assert!(a.len() >= 6);
    assert_eq!(a, b);
    assert_ne!(a, c, "another seed, another Denmark");
}

#[test]
fn bad_input_is_refused_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let base = GenerateOptions {
        persons: 500,
        seed: 1,
        from_year: 2019,
        to_year: 2020,
        out: tmp.path().join("r"),
        force: false,
    };
    for (opts, needle) in [
        (
            GenerateOptions {
                persons: 0,
                ..base.clone()
            },
            "--persons",
        ),
        (
            GenerateOptions {
                from_year: 2021,
                ..base.clone()
            },
            "after --to-year",
        ),
        (
            GenerateOptions {
                from_year: 1970,
                ..base.clone()
            },
            "1977-2030",
        ),
        (
            GenerateOptions {
                to_year: 2031,
                ..base.clone()
            },
            "1977-2030",
        ),
    ] {
        let e = generate(&opts).unwrap_err();
        assert!(
            matches!(e, GenerateError::Invalid(_)) && e.to_string().contains(needle),
            "{e}"
        );
    }
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );

    generate(&base).unwrap();
    let e = generate(&base).unwrap_err();
    assert!(matches!(e, GenerateError::NotEmpty(_)), "{e}");
    generate(&GenerateOptions {
        seed: 2,
        force: true,
        ..base.clone()
    })
    .unwrap();
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        vec!["r".to_owned()],
        "no temporary folder left behind"
    );
}

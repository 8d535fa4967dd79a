//! The generator's realism, integrity and determinism, checked on real output files.

mod cpr_numbers;

use arrow::array::{Array, Date32Array, Int32Array, RecordBatch, StringArray};
use ork_registers::{GenerateError, GenerateOptions, cpr, dates, generate, refdata};
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
            for key in [
                "label_da",
                "label_en",
                "description",
                "description_en",
                "description_da",
                "type",
            ] {
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

/// All rows of a register's files as batches.
fn all(dir: &Path, table: &str) -> Vec<RecordBatch> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(table))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().flat_map(|f| read(f)).collect()
}

fn col_strings(bs: &[RecordBatch], col: &str) -> Vec<String> {
    bs.iter()
        .flat_map(|b| strings(b, col))
        .map(|v| v.unwrap())
        .collect()
}

fn col_days(bs: &[RecordBatch], col: &str) -> Vec<i32> {
    bs.iter()
        .flat_map(|b| days(b, col))
        .map(|v| v.unwrap())
        .collect()
}

fn timestamps_as_days(bs: &[RecordBatch], col: &str) -> Vec<i32> {
    use arrow::array::TimestampMicrosecondArray;
    bs.iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(col)
                .unwrap()
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap()
                .clone();
            (0..a.len())
                .map(move |i| (a.value(i) / 86_400_000_000) as i32)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// (pnr, day, action diagnosis without D, all diagnoses without D) of every contact, LPR2 and LPR3.
fn contacts(dir: &Path) -> Vec<(String, i32, String, Vec<String>)> {
    let mut diags: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (table, k, c, t) in [
        ("lpr_diag", "recnum", "c_diag", "c_diagtype"),
        (
            "lpr_a_diagnose",
            "dw_ek_kontakt",
            "diag_kode",
            "diag_kode_type",
        ),
    ] {
        let bs = all(dir, table);
        for ((key, code), ty) in col_strings(&bs, k)
            .into_iter()
            .zip(col_strings(&bs, c))
            .zip(col_strings(&bs, t))
        {
            assert!(
                code.starts_with('D'),
                "LPR codes carry the D prefix: {code}"
            );
            diags
                .entry(key)
                .or_default()
                .push((code[1..].to_owned(), ty));
        }
    }
    // Besides A and B, LPR2 (only) has underlying diseases, type G.
    let other_types: HashSet<String> = diags
        .values()
        .flatten()
        .filter(|d| d.1 != "A" && d.1 != "B")
        .map(|d| d.1.clone())
        .collect();
    let mut out = Vec::new();
    let adm = all(dir, "lpr_adm");
    for (((key, pnr), day), adiag) in col_strings(&adm, "recnum")
        .into_iter()
        .zip(col_strings(&adm, "pnr"))
        .zip(col_days(&adm, "d_inddto"))
        .zip(col_strings(&adm, "c_adiag"))
    {
        let ds = diags
            .remove(&key)
            .expect("every LPR2 contact has diagnoses");
        let actions: Vec<&(String, String)> = ds.iter().filter(|d| d.1 == "A").collect();
        assert_eq!(actions.len(), 1, "one action diagnosis per contact");
        assert_eq!(
            format!("D{}", actions[0].0),
            adiag,
            "c_adiag repeats the type A row"
        );
        assert!(dates::ymd(day).0 < 2019, "LPR2 ends with 2018");
        out.push((
            pnr,
            day,
            actions[0].0.clone(),
            ds.into_iter().map(|d| d.0).collect(),
        ));
    }
    let kon = all(dir, "lpr_a_kontakt");
    for ((key, pnr), day) in col_strings(&kon, "dw_ek_kontakt")
        .into_iter()
        .zip(col_strings(&kon, "pnr"))
        .zip(timestamps_as_days(&kon, "kont_starttidspunkt"))
    {
        let ds = diags
            .remove(&key)
            .expect("every LPR3 contact has diagnoses");
        assert!(
            ds.iter().all(|d| d.1 == "A" || d.1 == "B"),
            "LPR3 has no type G"
        );
        let action = ds
            .iter()
            .find(|d| d.1 == "A")
            .expect("an action diagnosis")
            .0
            .clone();
        assert!(dates::ymd(day).0 >= 2019, "LPR3 starts in 2019");
        out.push((pnr, day, action, ds.into_iter().map(|d| d.0).collect()));
    }
    assert!(diags.is_empty(), "no diagnosis without its contact");
    if out.iter().any(|c| dates::ymd(c.1).0 < 2019) {
        assert_eq!(
            other_types,
            HashSet::from(["G".to_owned()]),
            "LPR2 diagnosis types are A, B and G"
        );
    }
    out
}

#[test]
fn health_registers_are_consistent_and_in_volume() {
    let dir = run20k();
    let people = cpr_rows(dir);
    let by_pnr: HashMap<&str, &CprRow> = people.iter().map(|r| (r.pnr.as_str(), r)).collect();
    let person_years: usize = (FROM..=TO).map(|y| bef_rows(dir, y).len()).sum();
    let inside = |pnr: &str, day: i32| {
        let p = by_pnr.get(pnr).expect("every pnr is in cpr");
        day >= p.born
            && p.immigrated.is_none_or(|i| day >= i)
            && p.died.is_none_or(|d| day <= d)
            && p.emigrated.is_none_or(|e| day <= e)
    };

    let cs = contacts(dir);
    for (pnr, day, ..) in &cs {
        assert!(
            inside(pnr, *day),
            "contact inside the person's life in Denmark"
        );
    }
    let per_py = cs.len() as f64 / person_years as f64;
    assert!(
        (1.5..2.6).contains(&per_py),
        "hospital contacts per person-year: {per_py:.2} (Denmark ≈ 2)"
    );

    let lm = all(dir, "lmdb");
    let (lpnr, leksd, latc) = (
        col_strings(&lm, "pnr"),
        col_days(&lm, "eksd"),
        col_strings(&lm, "atc"),
    );
    for (pnr, day) in lpnr.iter().zip(&leksd) {
        assert!(
            inside(pnr, *day),
            "dispensing inside the person's life in Denmark"
        );
    }
    assert!(
        latc.iter().all(|a| a.len() == 7),
        "ATC codes have 7 characters"
    );
    let per_py = lpnr.len() as f64 / person_years as f64;
    assert!(
        (7.0..13.0).contains(&per_py),
        "dispensings per person-year: {per_py:.2} (Denmark ≈ 10)"
    );

    // Type 2 diabetes: 4-5 % of adults, and most diagnosed ones on A10 drugs.
    let last = bef_rows(dir, TO);
    let adults: HashSet<&str> = last
        .iter()
        .filter(|r| r.1 >= 18)
        .map(|r| r.0.as_str())
        .collect();
    let e11: HashSet<&str> = cs
        .iter()
        .filter(|c| c.3.iter().any(|d| d == "E11"))
        .map(|c| c.0.as_str())
        .collect();
    let a10: HashSet<&str> = lpnr
        .iter()
        .zip(&latc)
        .filter(|(_, a)| a.starts_with("A10"))
        .map(|(p, _)| p.as_str())
        .collect();
    let diabetic = adults
        .iter()
        .filter(|p| e11.contains(*p) || a10.contains(*p))
        .count() as f64
        / adults.len() as f64;
    assert!(
        (0.035..0.075).contains(&diabetic),
        "adults with type 2 diabetes: {diabetic:.3}"
    );
    let treated = e11.iter().filter(|p| a10.contains(*p)).count() as f64 / e11.len() as f64;
    assert!(treated > 0.6, "E11 patients on A10 drugs: {treated:.2}");

    // Cancers: ~0.8 % a year, plain ICD-10, each with its LPR contact that day.
    let ca = all(dir, "cancer");
    let (cpnr, cday, cicd) = (
        col_strings(&ca, "pnr"),
        col_days(&ca, "d_diagnosedato"),
        col_strings(&ca, "c_icd10"),
    );
    let yearly = cpnr.len() as f64 / person_years as f64;
    assert!(
        (0.005..0.011).contains(&yearly),
        "new cancers per person-year: {yearly:.4} (Denmark ≈ 0.008)"
    );
    let lpr_index: HashSet<(&str, i32, &str)> = cs
        .iter()
        .flat_map(|c| c.3.iter().map(move |d| (c.0.as_str(), c.1, d.as_str())))
        .collect();
    for ((pnr, day), icd) in cpnr.iter().zip(&cday).zip(&cicd) {
        assert!(
            icd.starts_with('C') && !icd.starts_with("DC"),
            "no D prefix in the Cancer Register: {icd}"
        );
        assert!(inside(pnr, *day));
        assert!(
            lpr_index.contains(&(pnr.as_str(), *day, icd.as_str())),
            "cancer {icd} of {pnr} has its LPR contact"
        );
    }

    // Every death has its cause, consistent with a known cancer.
    let dod = all(dir, "dodsaarsager");
    let (dpnr, dday, dcause) = (
        col_strings(&dod, "pnr"),
        col_days(&dod, "doedsdato"),
        col_strings(&dod, "doedsaarsag_tilgrundliggende"),
    );
    let deaths: Vec<&CprRow> = people.iter().filter(|r| r.died.is_some()).collect();
    assert_eq!(dpnr.len(), deaths.len(), "one cause-of-death row per death");
    let causes: HashMap<&str, (&i32, &String)> = dpnr
        .iter()
        .map(|p| p.as_str())
        .zip(dday.iter().zip(&dcause))
        .collect();
    for d in &deaths {
        let (day, _) = causes
            .get(d.pnr.as_str())
            .expect("every death in cpr has its cause");
        assert_eq!(Some(**day), d.died);
    }
    let with_cancer: HashSet<&str> = cpnr
        .iter()
        .zip(&cicd)
        .filter(|(_, i)| i.as_str() != "C44")
        .map(|(p, _)| p.as_str())
        .collect();
    let dead_with_cancer: Vec<&&str> = causes.keys().filter(|p| with_cancer.contains(*p)).collect();
    let by_cancer = dead_with_cancer
        .iter()
        .filter(|p| causes[**p].1.starts_with('C'))
        .count();
    assert!(
        !dead_with_cancer.is_empty() && by_cancer == dead_with_cancer.len(),
        "decedents with cancer die of it"
    );
    let cancer_deaths =
        dcause.iter().filter(|c| c.starts_with('C')).count() as f64 / dcause.len() as f64;
    assert!(
        (0.18..0.40).contains(&cancer_deaths),
        "share of deaths from cancer: {cancer_deaths:.2} (Denmark ≈ 0.27)"
    );
}

fn col_f64(bs: &[RecordBatch], col: &str) -> Vec<Option<f64>> {
    use arrow::array::Float64Array;
    bs.iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(col)
                .unwrap()
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .clone();
            (0..a.len())
                .map(move |i| a.is_valid(i).then(|| a.value(i)))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn social_and_other_registers_follow_the_people() {
    let dir = run20k();
    let people = cpr_rows(dir);
    let by_pnr: HashMap<&str, &CprRow> = people.iter().map(|r| (r.pnr.as_str(), r)).collect();
    let inside = |pnr: &str, day: i32| {
        let p = by_pnr.get(pnr).expect("every pnr is in cpr");
        day >= p.born
            && p.immigrated.is_none_or(|i| day >= i)
            && p.died.is_none_or(|d| day <= d)
            && p.emigrated.is_none_or(|e| day <= e)
    };

    // Income and education: one row per resident aged 15+, education pays.
    let year = 2020;
    let adults: Vec<String> = bef_rows(dir, year)
        .into_iter()
        .filter(|r| r.1 >= 15)
        .map(|r| r.0)
        .collect();
    let udda = read(&dir.join(format!("udda/{year}.parquet")));
    let ind = read(&dir.join(format!("ind/{year}.parquet")));
    assert_eq!(
        col_strings(&udda, "pnr"),
        adults,
        "udda has every resident aged 15+"
    );
    assert_eq!(
        col_strings(&ind, "pnr"),
        adults,
        "ind has every resident aged 15+"
    );
    let levels: Vec<u32> = col_strings(&udda, "hfaudd")
        .iter()
        .map(|c| c[..1].parse().unwrap())
        .collect();
    assert!(levels.iter().all(|l| (1..=7).contains(l)));
    let incomes: Vec<f64> = col_f64(&ind, "perindkialt_13")
        .into_iter()
        .map(|v| v.unwrap())
        .collect();
    let mean = |lvl: u32| {
        let v: Vec<f64> = levels
            .iter()
            .zip(&incomes)
            .filter(|(l, _)| **l == lvl)
            .map(|(_, i)| *i)
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean(6) > mean(3) && mean(3) > mean(1),
        "income rises with education: {:.0} {:.0} {:.0}",
        mean(1),
        mean(3),
        mean(6)
    );

    // Lung cancers are the DLCR cases.
    let ca = all(dir, "cancer");
    let mut lung: Vec<(String, i32)> = col_strings(&ca, "pnr")
        .into_iter()
        .zip(col_days(&ca, "d_diagnosedato"))
        .zip(col_strings(&ca, "c_icd10"))
        .filter(|(_, i)| i == "C34")
        .map(|(x, _)| x)
        .collect();
    let dl = all(dir, "dlcr");
    let mut cases: Vec<(String, i32)> = col_strings(&dl, "pnr")
        .into_iter()
        .zip(col_days(&dl, "diagnosedato"))
        .collect();
    lung.sort();
    cases.sort();
    assert!(!lung.is_empty());
    assert_eq!(
        lung, cases,
        "every lung cancer is in DLCR and nothing else is"
    );

    // Biobank: a dried blood spot for every child born here who lived three days.
    let bb = all(dir, "biobank");
    let (bpnr, bday, bkind) = (
        col_strings(&bb, "pnr"),
        col_days(&bb, "proevedato"),
        col_strings(&bb, "proevetype"),
    );
    for (p, d) in bpnr.iter().zip(&bday) {
        assert!(inside(p, *d), "sample inside the person's life");
    }
    let spots: HashSet<&str> = bpnr
        .iter()
        .zip(&bkind)
        .filter(|(_, k)| k.as_str() == "dried blood spot")
        .map(|(p, _)| p.as_str())
        .collect();
    let born_here = people.iter().filter(|r| {
        r.born >= dates::jan1(FROM)
            && r.born + 3 < dates::jan1(TO + 1)
            && r.immigrated.is_none()
            && r.died.is_none_or(|d| d > r.born + 3)
            && r.emigrated.is_none_or(|e| e > r.born + 3)
    });
    for r in born_here {
        assert!(spots.contains(r.pnr.as_str()), "PKU card for {}", r.pnr);
    }

    // Lab: diabetics' HbA1c is higher; every result inside life, from a real region.
    let cs = contacts(dir);
    let e11: HashSet<&str> = cs
        .iter()
        .filter(|c| c.3.iter().any(|d| d == "E11"))
        .map(|c| c.0.as_str())
        .collect();
    let lab = all(dir, "lab");
    let (lpnr, lday, lnpu, lval, lreg) = (
        col_strings(&lab, "pnr"),
        timestamps_as_days(&lab, "proevetid"),
        col_strings(&lab, "npu_kode"),
        col_f64(&lab, "vaerdi"),
        col_strings(&lab, "region"),
    );
    let (mut d, mut o) = (Vec::new(), Vec::new());
    for i in 0..lpnr.len() {
        assert!(
            inside(&lpnr[i], lday[i]),
            "lab result inside the person's life"
        );
        assert!(
            [
                "hovedstaden",
                "sjaelland",
                "syddanmark",
                "midtjylland",
                "nordjylland"
            ]
            .contains(&lreg[i].as_str())
        );
        if lnpu[i] == "NPU27300" {
            if e11.contains(lpnr[i].as_str()) {
                d.push(lval[i].unwrap())
            } else {
                o.push(lval[i].unwrap())
            }
        }
    }
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        !d.is_empty() && avg(&d) > 48.0 && avg(&o) < 45.0,
        "HbA1c: diabetics {:.1}, others {:.1}",
        avg(&d),
        avg(&o)
    );

    // Imaging, genomes and opt-outs belong to living residents; genomes from July 2019.
    for (table, date_col) in [
        ("pacs", "studiedato"),
        ("genom", "analysedato"),
        ("var", "registreret_dato"),
    ] {
        let bs = all(dir, table);
        let (ps, ds) = (col_strings(&bs, "pnr"), col_days(&bs, date_col));
        assert!(!ps.is_empty(), "{table} has rows");
        for (p, d) in ps.iter().zip(&ds) {
            assert!(inside(p, *d), "{table} row inside the person's life");
            if table == "genom" {
                assert!(*d >= dates::days(2019, 7, 1));
            }
        }
    }
}

#[test]
fn diseases_follow_age_drugs_comorbidity_and_death() {
    let dir = run20k();
    let people = cpr_rows(dir);
    let cs = contacts(dir);
    let lm = all(dir, "lmdb");
    let (lpnr, latc) = (col_strings(&lm, "pnr"), col_strings(&lm, "atc"));
    let with_dx = |icd: &str| -> HashSet<String> {
        cs.iter()
            .filter(|c| c.3.iter().any(|d| d == icd))
            .map(|c| c.0.clone())
            .collect()
    };
    let with_drug = |prefixes: &[&str]| -> HashSet<String> {
        lpnr.iter()
            .zip(&latc)
            .filter(|(_, a)| prefixes.iter().any(|p| a.starts_with(p)))
            .map(|(p, _)| p.clone())
            .collect()
    };
    let share = |of: &HashSet<String>, among: &HashSet<String>| {
        of.iter().filter(|p| among.contains(*p)).count() as f64 / of.len().max(1) as f64
    };

    // Diagnosed chronic diseases are treated with their drugs (with realistic adherence,
    // not everyone).
    for (icd, drugs, min) in [
        ("I10", &["C09", "C08", "C07", "C03"][..], 0.6),
        ("E11", &["A10"][..], 0.6),
        ("J44", &["R03"][..], 0.6),
        ("F32", &["N06A"][..], 0.5),
    ] {
        let patients = with_dx(icd);
        assert!(patients.len() > 30, "{icd} patients: {}", patients.len());
        let treated = share(&patients, &with_drug(drugs));
        assert!(
            treated > min && treated < 1.0,
            "{icd} patients on {drugs:?}: {treated:.2}"
        );
    }

    // Prevalence rises with age; hypertension is common in adults.
    let last = bef_rows(dir, TO);
    let band = |lo: i32, hi: i32| -> HashSet<String> {
        last.iter()
            .filter(|r| (lo..=hi).contains(&r.1))
            .map(|r| r.0.clone())
            .collect()
    };
    let (young, middle, old, oldest) = (band(18, 39), band(40, 59), band(60, 79), band(80, 120));
    let ht = &with_dx("I10")
        .union(&with_drug(&["C09", "C08"]))
        .cloned()
        .collect::<HashSet<_>>();
    let adults: HashSet<String> = band(18, 120);
    let ht_adults = share(&adults, ht);
    assert!(
        (0.12..0.32).contains(&ht_adults),
        "hypertension among adults: {ht_adults:.3} (Denmark 0.23)"
    );
    for (icd, a, b) in [
        ("I10", &middle, &old),
        ("J44", &middle, &old),
        ("I25", &middle, &old),
        ("F03", &old, &oldest),
    ] {
        let dx = with_dx(icd);
        assert!(
            share(b, &dx) > share(a, &dx),
            "{icd} more common with age: {:.3} vs {:.3}",
            share(a, &dx),
            share(b, &dx)
        );
    }
    let dep = with_dx("F32");
    assert!(share(&young, &dep) > 0.0);

    // Comorbidity: diabetes raises the risk of ischaemic heart disease.
    let older: HashSet<String> = band(50, 120);
    let (e11, ihd) = (
        with_dx("E11")
            .union(&with_drug(&["A10"]))
            .cloned()
            .collect::<HashSet<_>>(),
        with_dx("I25")
            .union(&with_dx("I21"))
            .cloned()
            .collect::<HashSet<_>>(),
    );
    let diabetic: HashSet<String> = older.intersection(&e11).cloned().collect();
    let other: HashSet<String> = older.difference(&e11).cloned().collect();
    assert!(
        share(&diabetic, &ihd) > 1.3 * share(&other, &ihd),
        "IHD with diabetes {:.3}, without {:.3}",
        share(&diabetic, &ihd),
        share(&other, &ihd)
    );

    // Mortality rises with age and with disease.
    let died_in = |ids: &HashSet<String>| {
        people
            .iter()
            .filter(|r| ids.contains(&r.pnr) && r.died.is_some())
            .count() as f64
            / ids.len().max(1) as f64
    };
    let first = bef_rows(dir, FROM);
    let at_start = |lo: i32, hi: i32| -> HashSet<String> {
        first
            .iter()
            .filter(|r| (lo..=hi).contains(&r.1))
            .map(|r| r.0.clone())
            .collect()
    };
    let (m40, m60, m80) = (
        died_in(&at_start(40, 59)),
        died_in(&at_start(60, 79)),
        died_in(&at_start(80, 120)),
    );
    assert!(
        m80 > m60 && m60 > m40,
        "deaths by age at start: {m40:.3} {m60:.3} {m80:.3}"
    );
    let ca = all(dir, "cancer");
    let cancer: HashSet<String> = col_strings(&ca, "pnr")
        .into_iter()
        .zip(col_strings(&ca, "c_icd10"))
        .filter(|(_, i)| i != "C44")
        .map(|(p, _)| p)
        .collect();
    let no_cancer: HashSet<String> = at_start(60, 79).difference(&cancer).cloned().collect();
    let cancer_60: HashSet<String> = at_start(60, 79).intersection(&cancer).cloned().collect();
    assert!(
        died_in(&cancer_60) > 2.0 * died_in(&no_cancer),
        "deaths with cancer {:.3}, without {:.3}",
        died_in(&cancer_60),
        died_in(&no_cancer)
    );
}

/// The first column of an embedded code list (`ork-schema`'s `data/codes/`).
fn code_list(text: &str) -> HashSet<String> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_code_comes_from_a_real_code_list() {
    let dir = run20k();
    let (icd, atc, sks, npu) = (
        code_list(refdata::ICD10_CSV),
        code_list(refdata::ATC_CSV),
        code_list(refdata::SKS_PROCEDURES_CSV),
        code_list(refdata::NPU_CSV),
    );
    for c in contacts(dir) {
        for d in c.3 {
            assert!(icd.contains(&d), "LPR diagnosis D{d} is a real ICD-10 code");
        }
    }
    for (table, col, list) in [
        ("cancer", "c_icd10", &icd),
        ("dodsaarsager", "doedsaarsag_tilgrundliggende", &icd),
        ("lmdb", "atc", &atc),
        ("lpr_sksopr", "c_opr", &sks),
        ("lpr_a_procedure", "proc_kode", &sks),
        ("lab", "npu_kode", &npu),
    ] {
        let values: HashSet<String> = col_strings(&all(dir, table), col).into_iter().collect();
        assert!(!values.is_empty(), "{table}.{col} has values");
        for v in values {
            assert!(
                list.contains(&v),
                "{table}.{col} = {v} is in the real code list"
            );
        }
    }
}

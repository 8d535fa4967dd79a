//! `orkestrator airlock check` against ACRO (PyPI `acro` 1.0.1, installed by
//! scripts/ensure-test-deps.sh): the same generated tables, the same parameters, and the
//! verdicts must agree cell by cell, except where docs/airlock.md explains a deliberate
//! difference (checked here too).

use arrow::array::{ArrayRef, Float64Array, StringArray};
use arrow::record_batch::RecordBatch;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const REGIONS: [&str; 5] = [
    "Hovedstaden",
    "Midtjylland",
    "Nordjylland",
    "Sjælland",
    "Syddanmark",
];
const GROUPS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

/// A small deterministic generator (no dependency on a crate's stream staying the same).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    /// An index drawn with weights.
    fn pick(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.next() * total;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// 3,000 persons: region, sex and a group, skewed so that small and empty cells occur;
/// an income with a few dominant values, a cost that is often zero, a score that is
/// sometimes missing, and a change that is negative in one cell only.
fn generate(path: &Path) {
    let mut g = Lcg(20261205);
    let n = 3000;
    let (mut region, mut sex, mut group) = (Vec::new(), Vec::new(), Vec::new());
    let (mut income, mut cost, mut score, mut change) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let r = g.pick(&[40.0, 25.0, 3.0, 15.0, 17.0]);
        let gr = g.pick(&[30.0, 25.0, 20.0, 15.0, 8.0, if r == 2 { 0.0 } else { 2.0 }]);
        region.push(REGIONS[r]);
        sex.push(if g.next() < 0.5 { "K" } else { "M" });
        group.push(GROUPS[gr]);
        let base = (100.0 + 400.0 * g.next()).round();
        income.push(if g.next() < 0.004 { 200_000.0 } else { base });
        cost.push(if gr == 3 || g.next() < 0.3 {
            0.0
        } else {
            (50.0 * g.next()).round()
        });
        score.push(if g.next() < 0.01 {
            None
        } else {
            Some((10.0 * g.next()).round())
        });
        change.push(if r == 1 && gr == 4 && g.next() < 0.3 {
            -5.0
        } else {
            (20.0 * g.next()).round()
        });
    }
    let s = |v: &Vec<&str>| Arc::new(StringArray::from_iter_values(v.iter())) as ArrayRef;
    let f = |v: Vec<f64>| Arc::new(Float64Array::from(v)) as ArrayRef;
    let batch = RecordBatch::try_from_iter([
        ("region", s(&region)),
        ("sex", s(&sex)),
        ("group", s(&group)),
        ("income", f(income)),
        ("cost", f(cost)),
        ("score", Arc::new(Float64Array::from(score)) as ArrayRef),
        ("change", f(change)),
    ])
    .unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

fn acro_python() -> PathBuf {
    let venv = std::env::var("ORK_ACRO_VENV").unwrap_or_else(|_| "/var/tmp/ork-acro-venv".into());
    PathBuf::from(venv).join("bin/python")
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec(v).unwrap()).unwrap();
    p
}

/// A cell by its row and column labels.
type CellKey = (Vec<String>, Vec<String>);
type Flags = BTreeMap<CellKey, BTreeMap<String, String>>;

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_owned())
        .collect()
}

/// The report a command printed (its standard output), or the test fails with its errors.
fn json_of(out: std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Ours, by the command line: each cell's checks that did not pass, among `keys`, and the
/// empty cells.
fn ours(
    data: &Path,
    spec: &Path,
    rules: Option<&Path>,
    keys: &[&str],
) -> (String, Flags, Vec<CellKey>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orkestrator"));
    cmd.args(["airlock", "check", "--data"])
        .arg(data)
        .arg("--spec")
        .arg(spec);
    if let Some(r) = rules {
        cmd.arg("--rules").arg(r);
    }
    let v = json_of(cmd.output().unwrap());
    let mut flags = Flags::new();
    let mut empty = Vec::new();
    for c in v["cells"].as_array().unwrap() {
        let labels = |k: &str| strings(&c[k]);
        if c["count"] == 0 {
            empty.push((labels("row"), labels("column")));
        }
        let f: BTreeMap<String, String> = c["checks"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && *v != "pass")
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        flags.insert((labels("row"), labels("column")), f);
    }
    (v["status"].as_str().unwrap().to_owned(), flags, empty)
}

/// ACRO's, by scripts/acro-verdicts.py: one report per (spec, rules) pair, in one process.
fn acros(data: &Path, pairs: &[(PathBuf, PathBuf)], keys: &[&str]) -> Vec<(String, Flags)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/acro-verdicts.py");
    let mut cmd = Command::new(acro_python());
    cmd.arg(script).arg(data);
    for (spec, rules) in pairs {
        cmd.arg(spec).arg(rules);
    }
    let v = json_of(
        cmd.output()
            .expect("ACRO's venv (scripts/ensure-test-deps.sh installs it)"),
    );
    let reports = v.as_array().unwrap();
    assert_eq!(reports.len(), pairs.len());
    reports
        .iter()
        .map(|v| {
            let mut flags = Flags::new();
            for c in v["cells"].as_array().unwrap() {
                let labels = |k: &str| strings(&c[k]);
                let f = c["flags"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(k, _)| keys.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                    .collect();
                flags.insert((labels("row"), labels("column")), f);
            }
            (v["status"].as_str().unwrap().to_owned(), flags)
        })
        .collect()
}

const COMPARED: [&str; 5] = ["threshold", "nk", "p_ratio", "zeros", "missing"];

#[test]
fn the_airlock_agrees_with_acro_cell_by_cell() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.parquet");
    generate(&data);
    let defaults = json!({"threshold": 10, "p": 0.1, "n": 2, "k": 0.9, "safe_dof": 10,
        "zeros_are_disclosive": true, "checks": ["threshold", "p_ratio", "nk", "zeros"]});
    let strict = json!({"threshold": 5, "p": 0.2, "n": 3, "k": 0.8, "safe_dof": 10,
        "zeros_are_disclosive": false, "checks": ["threshold", "p_ratio", "nk", "zeros", "missing"]});
    // ACRO cannot check missing values in a table without values (it raises), so those get
    // the strict rules without that check.
    let mut strict_freq = strict.clone();
    strict_freq["checks"] = json!(["threshold", "p_ratio", "nk", "zeros"]);
    let toml = |missing: &str| {
        format!(
            "threshold = 5\np = 0.2\nn = 3\nk = 0.8\nzeros_are_disclosive = false\nchecks = [\"threshold\", \"p_ratio\", \"nk\", \"zeros\", {missing}\"negative\", \"all_same\", \"dof\"]\n"
        )
    };
    let strict_toml = dir.path().join("strict.toml");
    std::fs::write(&strict_toml, toml("\"missing\", ")).unwrap();
    let strict_freq_toml = dir.path().join("strict-freq.toml");
    std::fs::write(&strict_freq_toml, toml("")).unwrap();
    let t =
        |rows: &[&str], cols: &[&str], values: Option<&str>, agg: Option<&str>, margins: bool| {
            let mut s = json!({"kind": "table", "rows": rows, "columns": cols, "margins": margins});
            if let (Some(v), Some(a)) = (values, agg) {
                s["values"] = json!(v);
                s["aggfunc"] = json!(a);
            }
            s
        };
    let cases = [
        t(&["region"], &["group"], None, None, false),
        t(&["region"], &["sex", "group"], None, None, true),
        t(&["region"], &["group"], Some("income"), Some("sum"), false),
        t(&["region"], &["group"], Some("income"), Some("sum"), true),
        t(
            &["region", "sex"],
            &["group"],
            Some("income"),
            Some("mean"),
            false,
        ),
        t(&["region"], &["sex"], Some("income"), Some("median"), false),
        t(&["region"], &["group"], Some("income"), Some("min"), false),
        t(&["region"], &["group"], Some("income"), Some("max"), false),
        t(&["region"], &["group"], Some("cost"), Some("sum"), false),
        t(&["region"], &["group"], Some("score"), Some("count"), false),
    ];
    // Ours first, case by case; then ACRO on every case in one process.
    let mut runs = Vec::new();
    let mut pairs = Vec::new();
    for (i, spec) in cases.iter().enumerate() {
        let strict = if spec.get("values").is_some() {
            (&strict, Some(strict_toml.as_path()))
        } else {
            (&strict_freq, Some(strict_freq_toml.as_path()))
        };
        for (j, (rules_json, rules_toml)) in [(&defaults, None), strict].into_iter().enumerate() {
            let spec_path = write(dir.path(), &format!("spec-{i}.json"), spec);
            let rules_path = write(dir.path(), &format!("rules-{i}-{j}.json"), rules_json);
            runs.push((
                spec,
                rules_json,
                ours(&data, &spec_path, rules_toml, &COMPARED),
            ));
            pairs.push((spec_path, rules_path));
        }
    }
    let mut compared = 0;
    for ((spec, rules_json, (our_status, our, empty)), (acro_status, mut acro)) in
        runs.into_iter().zip(acros(&data, &pairs, &COMPARED))
    {
        // Deliberate difference: ACRO calls an empty cell's values missing (its mask fills
        // the absent cells with true); ours finds no value missing where there are no rows
        // (the threshold and zeros rules speak for an empty cell).
        for cell in &empty {
            if let Some(f) = acro.get_mut(cell) {
                f.remove("missing");
            }
        }
        assert_eq!(our, acro, "{spec} under {rules_json}");
        assert_eq!(our_status, acro_status, "{spec} under {rules_json}");
        compared += our.len();
    }
    assert!(compared > 300, "{compared} cells compared");

    // Deliberate difference 1: a negative value. Both send its cell to review; ACRO then
    // checks no other cell for dominance, ours still does.
    let spec = write(
        dir.path(),
        "neg.json",
        &t(&["region"], &["group"], Some("change"), Some("sum"), false),
    );
    let rules = write(dir.path(), "rules.json", &defaults);
    let (_, our, _) = ours(&data, &spec, None, &COMPARED);
    let mode = write(
        dir.path(),
        "mode.json",
        &t(&["region"], &["group"], Some("score"), Some("mode"), false),
    );
    let mut acro = acros(
        &data,
        &[(spec, rules.clone()), (mode.clone(), rules)],
        &COMPARED,
    );
    let (_, acro_mode) = acro.pop().unwrap();
    let (_, acro) = acro.pop().unwrap();
    let negative = (vec!["Midtjylland".to_owned()], vec!["e".to_owned()]);
    assert_eq!(our[&negative].get("nk").map(String::as_str), Some("review"));
    assert_eq!(our[&negative], acro[&negative]);
    for (cell, a) in &acro {
        let o = &our[cell];
        for (k, v) in a {
            assert_eq!(o.get(k), Some(v), "{cell:?}: ours flags all ACRO flags");
        }
    }

    // Deliberate difference 2: a mode is also checked for its count and for everyone having
    // the same value; on empty cells (zeros) the two agree.
    let (_, our, _) = ours(&data, &mode, None, &["zeros"]);
    let acro_zeros: Flags = acro_mode
        .into_iter()
        .map(|(cell, f)| (cell, f.into_iter().filter(|(k, _)| k == "zeros").collect()))
        .collect();
    assert_eq!(our, acro_zeros);
}

#[test]
fn bad_input_to_the_command_is_named_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.parquet");
    generate(&data);
    let run = |spec: &str, rules: Option<&str>| {
        let spec_path = dir.path().join("spec.json");
        std::fs::write(&spec_path, spec).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_orkestrator"));
        cmd.args(["airlock", "check", "--data"])
            .arg(&data)
            .arg("--spec")
            .arg(&spec_path);
        if let Some(r) = rules {
            let p = dir.path().join("rules.toml");
            std::fs::write(&p, r).unwrap();
            cmd.arg("--rules").arg(p);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.stdout.is_empty(),
        )
    };
    let (code, err, quiet) = run(
        r#"{"kind": "table", "rows": ["region", "kommune"], "columns": ["køn"]}"#,
        None,
    );
    assert_eq!(code, Some(2));
    assert!(quiet);
    assert!(
        err.contains("the data has no column 'kommune', 'køn'"),
        "{err}"
    );
    let (code, err, _) = run(r#"{"kind": "table", "rows": ["region"]"#, None);
    assert_eq!(code, Some(2));
    assert!(err.contains("spec.json: the spec does not read"), "{err}");
    let (code, err, _) = run(r#"{"kind": "table", "rows": ["region"]}"#, Some("p = 2"));
    assert_eq!(code, Some(2));
    assert!(err.contains("'p' must be in the range 0–1"), "{err}");
    let (code, err, _) = run(
        r#"{"kind": "table", "rows": ["region"], "values": "sex", "aggfunc": "mean"}"#,
        None,
    );
    assert_eq!(code, Some(2));
    assert!(err.contains("column 'sex' is not numeric"), "{err}");
    // A good one prints the report.
    let (code, _, quiet) = run(
        r#"{"kind": "ols", "y": "income", "x": ["cost", "score"]}"#,
        None,
    );
    assert_eq!((code, quiet), (Some(0), false));
}

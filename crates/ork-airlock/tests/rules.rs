//! The rules on tables that should pass and fail each one, including every boundary case of
//! § 9 of the SDC research (`shared/research/anchors-sde-sdc.md`), with ACRO's defaults.

use arrow::array::{ArrayRef, Float64Array, StringArray};
use arrow::record_batch::RecordBatch;
use ork_airlock::{Check, Report, Rules, Spec, TableReport, Verdict, check};
use std::sync::Arc;

/// A batch of (row label, column label, value) rows.
fn data(rows: &[(&str, &str, Option<f64>)]) -> Vec<RecordBatch> {
    let r: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|x| x.0)));
    let c: ArrayRef = Arc::new(StringArray::from_iter_values(rows.iter().map(|x| x.1)));
    let v: ArrayRef = Arc::new(Float64Array::from_iter(rows.iter().map(|x| x.2)));
    vec![RecordBatch::try_from_iter([("r", r), ("c", c), ("v", v)]).unwrap()]
}

/// One cell "a"/"x" of the given values.
fn cell(values: &[f64]) -> Vec<RecordBatch> {
    data(
        &values
            .iter()
            .map(|v| ("a", "x", Some(*v)))
            .collect::<Vec<_>>(),
    )
}

fn table(batches: &[RecordBatch], spec: &str, rules: &Rules) -> TableReport {
    match check(batches, &Spec::from_json(spec).unwrap(), rules).unwrap() {
        Report::Table(t) => t,
        Report::Model(_) => panic!("a table"),
    }
}

const SUM: &str =
    r#"{"kind": "table", "rows": ["r"], "columns": ["c"], "values": "v", "aggfunc": "sum"}"#;
const FREQ: &str = r#"{"kind": "table", "rows": ["r"], "columns": ["c"]}"#;

/// The one cell's verdicts for (threshold, p_ratio, nk).
fn dominance(values: &[f64]) -> (Verdict, Verdict, Verdict) {
    let t = table(&cell(values), SUM, &Rules::default());
    let c = &t.cells[0].checks;
    (c["threshold"], c["p_ratio"], c["nk"])
}

/// Two contributions x1 and x2, then eight of `rest` (§ 9's cases 4 to 7: ten contributors).
fn two_and_eight(x1: f64, x2: f64, rest: f64) -> Vec<f64> {
    let mut v = vec![x1, x2];
    v.extend(repeat(rest, 8));
    v
}

fn repeat(v: f64, n: usize) -> Vec<f64> {
    vec![v; n]
}

fn counts(grid: &[(&str, &str, usize)]) -> Vec<RecordBatch> {
    let mut rows = Vec::new();
    for (r, c, n) in grid {
        for _ in 0..*n {
            rows.push((*r, *c, Some(1.0)));
        }
    }
    data(&rows)
}

use Verdict::{Fail, Pass, Review};

#[test]
fn case_1_a_frequency_table_flags_small_and_empty_cells() {
    // [[12, 9], [10, 0]]: (1,1) is empty, so it needs a row 1 and a column 1 elsewhere.
    let t = table(
        &counts(&[("r0", "c0", 12), ("r0", "c1", 9), ("r1", "c0", 10)]),
        FREQ,
        &Rules::default(),
    );
    let v: Vec<(String, String, Option<f64>, Verdict, Verdict)> = t
        .cells
        .iter()
        .map(|c| {
            (
                c.row[0].clone(),
                c.column[0].clone(),
                c.value,
                c.checks["threshold"],
                c.checks["zeros"],
            )
        })
        .collect();
    assert_eq!(
        v,
        [
            ("r0".into(), "c0".into(), Some(12.0), Pass, Pass),
            ("r0".into(), "c1".into(), Some(9.0), Fail, Pass),
            ("r1".into(), "c0".into(), Some(10.0), Pass, Pass),
            ("r1".into(), "c1".into(), None, Fail, Fail),
        ]
    );
    assert_eq!(t.status, Fail);
    let threshold = t
        .summary
        .findings
        .iter()
        .find(|f| f.check == "threshold")
        .unwrap();
    assert_eq!(threshold.cells, 2);
    assert!(threshold.en.contains("fewer than 10") && threshold.da.contains("færre end 10"));
    // Suppressed: both cells withheld, the table goes to review.
    let s = table(
        &counts(&[("r0", "c0", 12), ("r0", "c1", 9), ("r1", "c0", 10)]),
        r#"{"kind": "table", "rows": ["r"], "columns": ["c"], "suppress": true}"#,
        &Rules::default(),
    );
    assert_eq!(s.status, Review);
    assert_eq!(s.summary.suppressed, 2);
    assert!(s.cells[1].suppressed && s.cells[1].value.is_none() && s.cells[3].suppressed);
}

#[test]
fn case_2_the_count_boundary() {
    for (n, want) in [(10, Pass), (9, Fail), (11, Pass), (1, Fail)] {
        let t = table(&counts(&[("a", "x", n)]), FREQ, &Rules::default());
        assert_eq!(t.cells[0].checks["threshold"], want, "{n}");
        assert_eq!(t.status, want, "{n}");
    }
}

#[test]
fn cases_3_to_9_dominance() {
    // 3: twelve equal contributions pass everything.
    assert_eq!(dominance(&repeat(10.0, 12)), (Pass, Pass, Pass));
    // 4: nk = 0.90 exactly fails (>=, as ACRO 1.0); p = 0.222 passes.
    assert_eq!(
        dominance(&two_and_eight(45.0, 45.0, 1.25)),
        (Pass, Pass, Fail)
    );
    // 5: nk = 0.94 fails; p = 0.12 passes.
    assert_eq!(
        dominance(&two_and_eight(50.0, 44.0, 0.75)),
        (Pass, Pass, Fail)
    );
    // 6: p = 0.10 exactly passes (not < 0.10); nk = 0.9375 fails.
    assert_eq!(
        dominance(&two_and_eight(100.0, 50.0, 1.25)),
        (Pass, Pass, Fail)
    );
    // 7: p = 0.04 and nk = 0.963 both fail.
    assert_eq!(
        dominance(&two_and_eight(100.0, 5.0, 0.5)),
        (Pass, Fail, Fail)
    );
    // 8: one contributor, and two equal ones, fail all three.
    assert_eq!(dominance(&[1000.0]), (Fail, Fail, Fail));
    assert_eq!(dominance(&[500.0, 500.0]), (Fail, Fail, Fail));
    // 9: twelve zeros: the p-ratio fails (p = 0), the n-k rule passes (0/0 is not dominance).
    assert_eq!(dominance(&repeat(0.0, 12)), (Pass, Fail, Pass));
}

#[test]
fn case_10_a_negative_value_sends_the_cell_to_review() {
    let mut v = vec![-5.0];
    v.extend(repeat(20.0, 11));
    let t = table(&cell(&v), SUM, &Rules::default());
    let c = &t.cells[0].checks;
    assert_eq!(
        (c["negative"], c["nk"], c["p_ratio"], c["threshold"]),
        (Review, Review, Review, Pass)
    );
    assert_eq!(t.status, Review);
    // Another cell of the same table is still checked for dominance.
    let mut rows: Vec<_> = v.iter().map(|x| ("a", "x", Some(*x))).collect();
    rows.extend(
        [("b", "x", Some(1000.0))]
            .into_iter()
            .chain((0..11).map(|_| ("b", "x", Some(1.0)))),
    );
    let t = table(&data(&rows), SUM, &Rules::default());
    assert_eq!(t.cells[1].checks["nk"], Fail);
    assert_eq!(t.status, Fail);
}

#[test]
fn case_11_missing_values_are_reviewed_only_when_asked() {
    let mut rows: Vec<_> = (0..11).map(|_| ("a", "x", Some(20.0))).collect();
    rows.push(("a", "x", None));
    let asked = Rules {
        checks: Check::ALL.to_vec(),
        ..Rules::default()
    };
    let t = table(&data(&rows), SUM, &asked);
    assert_eq!(t.cells[0].checks["missing"], Review);
    assert_eq!(t.status, Review);
    let t = table(&data(&rows), SUM, &Rules::default());
    assert!(!t.cells[0].checks.contains_key("missing"));
    assert_eq!(t.status, Pass);
    assert_eq!(
        t.cells[0].count, 12,
        "a row without a value still counts for the threshold"
    );
    assert_eq!(t.cells[0].value, Some(220.0));
}

#[test]
fn case_12_a_mode_where_everyone_has_the_same_value_fails() {
    let spec =
        r#"{"kind": "table", "rows": ["r"], "columns": ["c"], "values": "v", "aggfunc": "mode"}"#;
    let t = table(&cell(&repeat(7.0, 12)), spec, &Rules::default());
    assert_eq!(t.cells[0].checks["all_same"], Fail);
    assert_eq!(t.cells[0].value, Some(7.0));
    let mut v = repeat(7.0, 11);
    v.push(8.0);
    let t = table(&cell(&v), spec, &Rules::default());
    assert_eq!(t.status, Pass);
}

#[test]
fn case_13_totals_leave_out_suppressed_cells() {
    let spec =
        r#"{"kind": "table", "rows": ["r"], "columns": ["c"], "margins": true, "suppress": true}"#;
    let t = table(
        &counts(&[
            ("r1", "c1", 12),
            ("r1", "c2", 9),
            ("r2", "c1", 10),
            ("r2", "c2", 15),
        ]),
        spec,
        &Rules::default(),
    );
    let at = |r: &str, c: &str| {
        t.cells
            .iter()
            .find(|x| x.row[0] == r && x.column[0] == c)
            .unwrap()
            .value
    };
    assert_eq!(at("r1", "c2"), None, "suppressed");
    assert_eq!(at("r1", "All"), Some(12.0));
    assert_eq!(at("All", "c2"), Some(15.0));
    assert_eq!(at("All", "All"), Some(37.0));
    assert_eq!(at("r2", "All"), Some(25.0));
    assert_eq!(t.cells.len(), 9);
    assert_eq!(t.status, Review);
}

#[test]
fn case_14_residual_degrees_of_freedom() {
    let model = |n: usize| {
        let x: ArrayRef = Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64)));
        let y: ArrayRef = Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| (i * i % 7) as f64),
        ));
        let b = vec![RecordBatch::try_from_iter([("x", x), ("y", y)]).unwrap()];
        match check(
            &b,
            &Spec::from_json(r#"{"kind": "ols", "y": "y", "x": ["x"]}"#).unwrap(),
            &Rules::default(),
        )
        .unwrap()
        {
            Report::Model(m) => m,
            Report::Table(_) => panic!("a model"),
        }
    };
    let m = model(12);
    assert_eq!((m.dof, m.status), (10, Pass));
    let m = model(11);
    assert_eq!((m.dof, m.status), (9, Fail));
    assert!(m.summary.en.contains("at least 10") && m.summary.en.contains("has 9"));
}

#[test]
fn a_collinear_predictor_adds_no_degree_of_freedom() {
    let n = 20;
    let x: ArrayRef = Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64)));
    let x2: ArrayRef = Arc::new(Float64Array::from_iter_values(
        (0..n).map(|i| 3.0 * i as f64 + 1.0),
    ));
    let y: ArrayRef = Arc::new(Float64Array::from_iter_values(
        (0..n).map(|i| (i % 2) as f64),
    ));
    let b = vec![RecordBatch::try_from_iter([("x", x), ("x2", x2), ("y", y)]).unwrap()];
    let spec = Spec::from_json(r#"{"kind": "logit", "y": "y", "x": ["x", "x2"]}"#).unwrap();
    let Report::Model(m) = check(&b, &spec, &Rules::default()).unwrap() else {
        panic!()
    };
    assert_eq!(
        m.dof, 18,
        "rank 2: the intercept and x; x2 is a line of them"
    );
    // Logit needs a 0/1 outcome.
    let spec = Spec::from_json(r#"{"kind": "logit", "y": "x", "x": ["x2"]}"#).unwrap();
    let e = check(&b, &spec, &Rules::default()).unwrap_err().to_string();
    assert!(e.contains("must be 0 or 1"), "{e}");
}

#[test]
fn a_spec_naming_absent_or_text_columns_is_refused_by_name() {
    let b = cell(&[1.0]);
    let spec = Spec::from_json(r#"{"kind": "table", "rows": ["region", "r"], "columns": ["sex"]}"#)
        .unwrap();
    let e = check(&b, &spec, &Rules::default()).unwrap_err().to_string();
    assert_eq!(e, "the data has no column 'region', 'sex'");
    let spec =
        Spec::from_json(r#"{"kind": "table", "rows": ["r"], "values": "c", "aggfunc": "sum"}"#)
            .unwrap();
    let e = check(&b, &spec, &Rules::default()).unwrap_err().to_string();
    assert_eq!(e, "column 'c' is not numeric");
}

#[test]
fn numeric_labels_are_ordered_by_value_and_empty_combinations_appear() {
    let r: ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![10, 9, 10, 100]));
    let c: ArrayRef = Arc::new(StringArray::from(vec![
        Some("b"),
        Some("a"),
        None,
        Some("a"),
    ]));
    let b = vec![RecordBatch::try_from_iter([("r", r), ("c", c)]).unwrap()];
    let t = table(&b, FREQ, &Rules::default());
    let labels: Vec<(String, String, u64)> = t
        .cells
        .iter()
        .map(|c| (c.row[0].clone(), c.column[0].clone(), c.count))
        .collect();
    assert_eq!(
        labels,
        [
            ("9".into(), "a".into(), 1),
            ("9".into(), "b".into(), 0),
            ("10".into(), "a".into(), 0),
            ("10".into(), "b".into(), 1),
            ("100".into(), "a".into(), 1),
            ("100".into(), "b".into(), 0),
        ],
        "a row without a label is in no cell"
    );
}

#[test]
fn a_table_without_column_variables_gets_one_grand_total() {
    let t = table(
        &counts(&[("r1", "x", 12), ("r2", "x", 15)]),
        r#"{"kind": "table", "rows": ["r"], "margins": true}"#,
        &Rules::default(),
    );
    let cells: Vec<(Vec<String>, Vec<String>, Option<f64>)> = t
        .cells
        .iter()
        .map(|c| (c.row.clone(), c.column.clone(), c.value))
        .collect();
    assert_eq!(
        cells,
        [
            (vec!["r1".to_owned()], vec![], Some(12.0)),
            (vec!["r2".to_owned()], vec![], Some(15.0)),
            (vec!["All".to_owned()], vec![], Some(27.0)),
        ]
    );
}

#[test]
fn suppression_withholds_failing_cells_and_leaves_cells_for_review() {
    // "a": a negative value (review); "b": one dominant contribution (fail).
    let mut rows: Vec<_> = std::iter::once(("a", "x", Some(-5.0)))
        .chain((0..11).map(|_| ("a", "x", Some(20.0))))
        .collect();
    rows.extend(
        std::iter::once(("b", "x", Some(1000.0))).chain((0..11).map(|_| ("b", "x", Some(1.0)))),
    );
    let spec = r#"{"kind": "table", "rows": ["r"], "columns": ["c"], "values": "v", "aggfunc": "sum", "suppress": true}"#;
    let t = table(&data(&rows), spec, &Rules::default());
    assert!(!t.cells[0].suppressed && t.cells[0].value == Some(215.0));
    assert!(t.cells[1].suppressed && t.cells[1].value.is_none());
    assert_eq!((t.status, t.summary.suppressed), (Review, 1));
}

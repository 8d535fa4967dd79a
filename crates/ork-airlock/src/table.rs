//! Safe tables: cells with their statistics, checked by every rule that applies.

use crate::rules::{Check, Rules};
use crate::spec::{AggFunc, MAX_DIMENSIONS, Spec, SpecError, TableSpec};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The most cells a table may have.
pub const MAX_CELLS: usize = 1_000_000;

/// The label of a total row or column.
pub const TOTAL: &str = "All";

/// A rule's verdict (ordered: the worst is the greatest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Review,
    Fail,
}

/// One cell of a safe table.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// The row's labels, one per row variable ("All" in a total).
    pub row: Vec<String>,
    /// The column's labels, one per column variable.
    pub column: Vec<String>,
    /// The statistic; null when the cell is empty, undefined or suppressed.
    pub value: Option<f64>,
    /// The number of contributing rows.
    pub count: u64,
    /// Each rule that applies to the table's statistic, with its verdict here.
    pub checks: BTreeMap<&'static str, Verdict>,
    /// Suppressed: the value is withheld and the totals leave its rows out.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

impl Cell {
    pub fn verdict(&self) -> Verdict {
        self.checks.values().copied().max().unwrap_or(Verdict::Pass)
    }
}

/// A rule that did not pass somewhere, with how many cells and why it matters.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub verdict: Verdict,
    pub cells: usize,
    /// The explanation, in Danish.
    pub da: String,
    /// The explanation, in English.
    pub en: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub statistic: AggFunc,
    pub cells: usize,
    pub suppressed: usize,
    /// The rules that apply to the statistic.
    pub checks: Vec<&'static str>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableReport {
    /// `fail` when a cell fails a rule, else `review` when a cell needs a person's eye (or
    /// cells were suppressed), else `pass`.
    pub status: Verdict,
    pub cells: Vec<Cell>,
    pub summary: Summary,
}

/// The contributions to one cell.
#[derive(Debug, Clone, Default)]
struct Acc {
    /// Rows (whatever their value).
    count: u64,
    /// Rows with a value.
    n: u64,
    sum: f64,
    min: f64,
    max: f64,
    /// The largest values, descending (as many as the dominance rules need).
    top: Vec<f64>,
    negatives: u64,
    missing: u64,
    /// Every value, when the statistic needs them.
    values: Vec<f64>,
}

impl Acc {
    /// A row of a frequency table (no values).
    fn add_row(&mut self) {
        self.count += 1;
    }

    fn add(&mut self, v: Option<f64>, keep: usize, all: bool) {
        self.count += 1;
        let Some(v) = v.filter(|v| !v.is_nan()) else {
            self.missing += 1;
            return;
        };
        if self.n == 0 {
            self.min = v;
            self.max = v;
        } else {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        }
        self.n += 1;
        self.sum += v;
        if v < 0.0 {
            self.negatives += 1;
        }
        if self.top.len() < keep {
            self.top.push(v);
            self.top.sort_by(|a, b| b.total_cmp(a));
        } else if keep > 0 && v > self.top[keep - 1] {
            self.top[keep - 1] = v;
            self.top.sort_by(|a, b| b.total_cmp(a));
        }
        if all {
            self.values.push(v);
        }
    }

    fn merge(&mut self, o: &Acc, keep: usize) {
        if o.n > 0 {
            if self.n == 0 {
                self.min = o.min;
                self.max = o.max;
            } else {
                self.min = self.min.min(o.min);
                self.max = self.max.max(o.max);
            }
        }
        self.count += o.count;
        self.n += o.n;
        self.sum += o.sum;
        self.negatives += o.negatives;
        self.missing += o.missing;
        self.top.extend_from_slice(&o.top);
        self.top.sort_by(|a, b| b.total_cmp(a));
        self.top.truncate(keep);
        self.values.extend_from_slice(&o.values);
    }

    fn top_sum(&self, k: usize) -> f64 {
        self.top.iter().take(k).sum()
    }

    fn value(&self, f: AggFunc, has_values: bool) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        if f == AggFunc::Count {
            // Rows, or the rows with a value when the table counts a variable (as pandas).
            return Some(if has_values { self.n } else { self.count } as f64);
        }
        if self.n == 0 {
            return (f == AggFunc::Sum).then_some(0.0);
        }
        let n = self.n as f64;
        Some(match f {
            AggFunc::Count => unreachable!("handled above"),
            AggFunc::Sum => self.sum,
            AggFunc::Mean => self.sum / n,
            AggFunc::Min => self.min,
            AggFunc::Max => self.max,
            AggFunc::Median => {
                let mut v = self.values.clone();
                v.sort_by(f64::total_cmp);
                let m = v.len() / 2;
                if v.len() % 2 == 1 {
                    v[m]
                } else {
                    (v[m - 1] + v[m]) / 2.0
                }
            }
            AggFunc::Std => {
                if self.n < 2 {
                    return None;
                }
                let mean = self.sum / n;
                let ss: f64 = self.values.iter().map(|x| (x - mean) * (x - mean)).sum();
                (ss / (n - 1.0)).sqrt()
            }
            AggFunc::Mode => {
                // The most frequent value; among equals the smallest (ACRO picks at random).
                let mut v = self.values.clone();
                v.sort_by(f64::total_cmp);
                let (mut best, mut best_n, mut i) = (v[0], 0, 0);
                while i < v.len() {
                    let j = v[i..].iter().take_while(|x| **x == v[i]).count();
                    if j > best_n {
                        (best, best_n) = (v[i], j);
                    }
                    i += j;
                }
                best
            }
        })
    }
}

/// The rules that apply to a statistic (ACRO 1.0's choice, with `docs/airlock.md`'s
/// deliberate differences: a mode is also checked for its count and for all values the same).
pub fn checks_for(f: AggFunc, rules: &Rules, has_values: bool) -> Vec<Check> {
    use Check::*;
    let base: &[Check] = match f {
        AggFunc::Count => &[Threshold, Zeros],
        AggFunc::Sum | AggFunc::Mean => &[Threshold, PRatio, Nk, Negative],
        AggFunc::Median | AggFunc::Min | AggFunc::Max => &[Threshold, Zeros],
        AggFunc::Std => &[Dof],
        AggFunc::Mode => &[Threshold, Zeros, AllSame],
    };
    let mut v: Vec<Check> = base.iter().copied().filter(|c| rules.applies(*c)).collect();
    if has_values && rules.applies(Missing) {
        v.push(Missing);
    }
    v
}

fn verdict(c: Check, a: &Acc, rules: &Rules) -> Verdict {
    use Verdict::*;
    let fail = |b: bool| if b { Fail } else { Pass };
    match c {
        Check::Threshold => fail(a.count < rules.threshold),
        Check::Zeros => fail(rules.zeros_are_disclosive && a.count == 0),
        Check::Negative => {
            if a.negatives > 0 {
                Review
            } else {
                Pass
            }
        }
        Check::Missing => {
            if a.missing > 0 {
                Review
            } else {
                Pass
            }
        }
        Check::Nk => {
            if a.negatives > 0 {
                Review
            } else if a.n == 0 || a.sum == 0.0 {
                Pass
            } else {
                fail(a.top_sum(rules.n) / a.sum >= rules.k)
            }
        }
        Check::PRatio => {
            if a.negatives > 0 {
                Review
            } else if a.n == 0 {
                Pass
            } else {
                // (total − x1 − x2) / x1; a cell of zeros has p = 0 (as ACRO: it fails).
                let rest = a.sum - a.top_sum(2);
                let p = if a.max == 0.0 { rest } else { rest / a.max };
                fail(p < rules.p)
            }
        }
        Check::AllSame => fail(a.n > 0 && a.min == a.max),
        Check::Dof => fail((a.count as i64) - 1 < rules.safe_dof as i64),
    }
}

/// One table variable's labels, in the order pandas gives them (numbers by value).
struct Dimension {
    index: HashMap<String, u32>,
    labels: Vec<String>,
}

impl Dimension {
    fn code(&mut self, label: &str) -> u32 {
        if let Some(c) = self.index.get(label) {
            return *c;
        }
        let c = self.labels.len() as u32;
        self.index.insert(label.to_owned(), c);
        self.labels.push(label.to_owned());
        c
    }

    /// The codes in display order.
    fn order(&self) -> Vec<u32> {
        let mut codes: Vec<u32> = (0..self.labels.len() as u32).collect();
        let nums: Option<Vec<f64>> = self.labels.iter().map(|l| l.parse().ok()).collect();
        match nums {
            Some(n) => codes.sort_by(|a, b| n[*a as usize].total_cmp(&n[*b as usize])),
            None => codes.sort_by(|a, b| self.labels[*a as usize].cmp(&self.labels[*b as usize])),
        }
        codes
    }
}

type Key = [u32; MAX_DIMENSIONS];

/// The cartesian product of the dimensions' display orders.
fn product(dims: &[&Dimension]) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = vec![Vec::new()];
    for d in dims {
        let order = d.order();
        out = out
            .into_iter()
            .flat_map(|p| {
                order.iter().map(move |c| {
                    let mut q = p.clone();
                    q.push(*c);
                    q
                })
            })
            .collect();
    }
    out
}

/// Computes and checks a safe table.
pub fn check_table(
    batches: &[RecordBatch],
    spec: &TableSpec,
    rules: &Rules,
) -> Result<TableReport, SpecError> {
    Spec::Table(spec.clone()).check_data(batches)?;
    let f = spec.aggfunc();
    let names: Vec<&String> = spec.rows.iter().chain(&spec.columns).collect();
    let nrows = spec.rows.len();
    let mut dims: Vec<Dimension> = names
        .iter()
        .map(|_| Dimension {
            index: HashMap::new(),
            labels: Vec::new(),
        })
        .collect();
    let keep = rules.n.max(2);
    let all_values = matches!(f, AggFunc::Median | AggFunc::Std | AggFunc::Mode);
    let mut cells: HashMap<Key, Acc> = HashMap::new();
    let err = |e: arrow::error::ArrowError| SpecError::Data(e.to_string());
    for b in batches {
        let keys = names
            .iter()
            .map(|n| {
                let col = b.column_by_name(n).expect("checked against the schema");
                arrow::compute::cast(col, &DataType::Utf8).map_err(err)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let keys: Vec<_> = keys.iter().map(|k| k.as_string::<i32>()).collect();
        let values = match &spec.values {
            Some(v) => {
                let col = b.column_by_name(v).expect("checked against the schema");
                Some(arrow::compute::cast(col, &DataType::Float64).map_err(err)?)
            }
            None => None,
        };
        let values = values.as_ref().map(|v| v.as_primitive::<Float64Type>());
        'row: for i in 0..b.num_rows() {
            let mut key: Key = [0; MAX_DIMENSIONS];
            for (d, k) in keys.iter().enumerate() {
                // A row without a label is in no cell (as pandas drops it).
                if k.is_null(i) {
                    continue 'row;
                }
                key[d] = dims[d].code(k.value(i));
            }
            let a = cells.entry(key).or_default();
            match values {
                Some(v) => a.add((!v.is_null(i)).then(|| v.value(i)), keep, all_values),
                None => a.add_row(),
            }
        }
    }
    let row_combos = product(&dims[..nrows].iter().collect::<Vec<_>>());
    let col_combos = product(&dims[nrows..].iter().collect::<Vec<_>>());
    let total = (row_combos.len() as u128 + u128::from(spec.margins))
        * (col_combos.len() as u128 + u128::from(spec.margins));
    if total > MAX_CELLS as u128 {
        return Err(SpecError::TooManyCells(total, MAX_CELLS));
    }
    let checks = checks_for(f, rules, spec.values.is_some());
    let label = |combo: &[u32], offset: usize| -> Vec<String> {
        combo
            .iter()
            .enumerate()
            .map(|(d, c)| dims[offset + d].labels[*c as usize].clone())
            .collect()
    };
    let empty = Acc::default();
    // A cell of what `a` holds; suppressed (value withheld) when it fails and the spec asks.
    let make = |row: Vec<String>, column: Vec<String>, a: &Acc| {
        let mut cell = Cell {
            row,
            column,
            value: a.value(f, spec.values.is_some()),
            count: a.count,
            checks: checks
                .iter()
                .map(|c| (c.name(), verdict(*c, a, rules)))
                .collect(),
            suppressed: false,
        };
        if spec.suppress && cell.verdict() == Verdict::Fail {
            cell.suppressed = true;
            cell.value = None;
        }
        cell
    };
    // Row by row, each row's total after it (with column variables: without, a row is its
    // own total), then the columns' totals and the grand total. Totals are over the cells
    // left in: a suppressed cell's rows are not in them.
    let all_rows = vec![TOTAL.to_owned(); nrows];
    let all_cols = vec![TOTAL.to_owned(); spec.columns.len()];
    let row_totals = spec.margins && !spec.columns.is_empty();
    let mut grand = Acc::default();
    let mut col_totals = vec![Acc::default(); col_combos.len()];
    let mut out = Vec::with_capacity(total as usize);
    for r in &row_combos {
        let mut row_total = Acc::default();
        for (ci, c) in col_combos.iter().enumerate() {
            let mut key: Key = [0; MAX_DIMENSIONS];
            key[..nrows].copy_from_slice(r);
            key[nrows..nrows + c.len()].copy_from_slice(c);
            let a = cells.get(&key).unwrap_or(&empty);
            let cell = make(label(r, 0), label(c, nrows), a);
            if spec.margins && !cell.suppressed {
                row_total.merge(a, keep);
                col_totals[ci].merge(a, keep);
                grand.merge(a, keep);
            }
            out.push(cell);
        }
        if row_totals {
            out.push(make(label(r, 0), all_cols.clone(), &row_total));
        }
    }
    if spec.margins {
        for (ci, c) in col_combos.iter().enumerate() {
            out.push(make(all_rows.clone(), label(c, nrows), &col_totals[ci]));
        }
        if row_totals {
            out.push(make(all_rows, all_cols, &grand));
        }
    }
    Ok(report(out, f, &checks, rules))
}

fn report(cells: Vec<Cell>, f: AggFunc, checks: &[Check], rules: &Rules) -> TableReport {
    let suppressed = cells.iter().filter(|c| c.suppressed).count();
    let mut findings = Vec::new();
    let mut status = if suppressed > 0 {
        Verdict::Review
    } else {
        Verdict::Pass
    };
    for c in checks {
        for v in [Verdict::Fail, Verdict::Review] {
            let n = cells
                .iter()
                .filter(|cell| !cell.suppressed && cell.checks.get(c.name()) == Some(&v))
                .count();
            if n > 0 {
                status = status.max(v);
                let (da, en) = explain(*c, rules);
                findings.push(Finding {
                    check: c.name(),
                    verdict: v,
                    cells: n,
                    da,
                    en,
                });
            }
        }
    }
    TableReport {
        status,
        summary: Summary {
            statistic: f,
            cells: cells.len(),
            suppressed,
            checks: checks.iter().map(|c| c.name()).collect(),
            findings,
        },
        cells,
    }
}

/// Why a rule matters, in Danish and English, with the rule's parameters.
pub fn explain(c: Check, r: &Rules) -> (String, String) {
    match c {
        Check::Threshold => (
            format!("Celler med færre end {} personer kan afsløre enkeltpersoner.", r.threshold),
            format!("Cells with fewer than {} persons can identify individuals.", r.threshold),
        ),
        Check::PRatio => (
            format!(
                "Den største bidragyder kan skønne den næststørstes værdi inden for {} %: resten af cellen er for lille (p-regel).",
                r.p * 100.0
            ),
            format!(
                "The second-largest contributor could estimate the largest within {} %: the rest of the cell is too small (p-ratio rule).",
                r.p * 100.0
            ),
        ),
        Check::Nk => (
            format!(
                "De {} største bidrag udgør mindst {} % af cellens total (n-k-regel): de dominerer den.",
                r.n,
                r.k * 100.0
            ),
            format!(
                "The {} largest contributions make up at least {} % of the cell's total (n-k rule): they dominate it.",
                r.n,
                r.k * 100.0
            ),
        ),
        Check::AllSame => (
            "Alle i cellen har samme værdi, så værdien gælder hver enkelt.".into(),
            "Everyone in the cell has the same value, so the value is each person's.".into(),
        ),
        Check::Zeros => (
            "En tom celle fortæller, at ingen har den kombination, hvilket kan afsløre andre.".into(),
            "An empty cell tells that nobody has the combination, which can disclose others.".into(),
        ),
        Check::Negative => (
            "Negative værdier: dominans kan ikke vurderes automatisk; en kontrollant ser på cellen.".into(),
            "Negative values: dominance cannot be judged automatically; a checker looks at the cell.".into(),
        ),
        Check::Missing => (
            "Manglende værdier er udeladt af statistikken; en kontrollant ser på cellen.".into(),
            "Missing values are left out of the statistic; a checker looks at the cell.".into(),
        ),
        Check::Dof => (
            format!("For få frihedsgrader: mindst {} kræves.", r.safe_dof),
            format!("Too few residual degrees of freedom: at least {} are needed.", r.safe_dof),
        ),
    }
}

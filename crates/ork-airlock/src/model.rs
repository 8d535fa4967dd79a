//! Models (OLS, logit, probit): the residual degrees of freedom, as ACRO checks them.

use crate::rules::{Check, Rules};
use crate::spec::{ModelKind, ModelSpec, Spec, SpecError};
use crate::table::{Verdict, explain};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use arrow::record_batch::RecordBatch;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ModelReport {
    pub status: Verdict,
    /// Residual degrees of freedom: observations less the rank of the design (intercept and x).
    pub dof: i64,
    /// Observations: rows where y and every x have a value.
    pub nobs: u64,
    /// Parameters estimated: the intercept and one per x.
    pub parameters: usize,
    pub checks: BTreeMap<&'static str, Verdict>,
    pub summary: ModelSummary,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModelSummary {
    pub kind: ModelKind,
    pub da: String,
    pub en: String,
}

/// The rank of a symmetric positive semi-definite matrix (a design's Gram matrix), by
/// Cholesky with diagonal pivoting on its correlation form.
fn rank(gram: &[Vec<f64>]) -> usize {
    let p = gram.len();
    let scale: Vec<f64> = (0..p).map(|i| gram[i][i].max(0.0).sqrt()).collect();
    let mut a: Vec<Vec<f64>> = (0..p)
        .map(|i| {
            (0..p)
                .map(|j| {
                    if scale[i] == 0.0 || scale[j] == 0.0 {
                        0.0
                    } else {
                        gram[i][j] / (scale[i] * scale[j])
                    }
                })
                .collect()
        })
        .collect();
    let mut free: Vec<usize> = (0..p).collect();
    let mut r = 0;
    while !free.is_empty() {
        let (pos, &k) = free
            .iter()
            .enumerate()
            .max_by(|x, y| a[*x.1][*x.1].total_cmp(&a[*y.1][*y.1]))
            .expect("not empty");
        let d = a[k][k];
        if d <= 1e-9 {
            break;
        }
        free.remove(pos);
        r += 1;
        for &i in &free {
            for &j in &free {
                a[i][j] -= a[i][k] * a[k][j] / d;
            }
        }
    }
    r
}

/// Checks a model's residual degrees of freedom.
pub fn check_model(
    batches: &[RecordBatch],
    spec: &ModelSpec,
    rules: &Rules,
) -> Result<ModelReport, SpecError> {
    Spec::Model(spec.clone()).check_data(batches)?;
    let p = spec.x.len() + 1;
    let mut gram = vec![vec![0.0; p]; p];
    let mut nobs = 0u64;
    let mut row = vec![0.0; p];
    let err = |e: arrow::error::ArrowError| SpecError::Data(e.to_string());
    let binary = spec.kind != ModelKind::Ols;
    for b in batches {
        let cols = std::iter::once(&spec.y)
            .chain(&spec.x)
            .map(|n| {
                let c = b.column_by_name(n).expect("checked against the schema");
                arrow::compute::cast(c, &DataType::Float64).map_err(err)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cols: Vec<_> = cols
            .iter()
            .map(|c| c.as_primitive::<Float64Type>())
            .collect();
        'row: for i in 0..b.num_rows() {
            // Listwise: a row missing y or any x is left out.
            for c in &cols {
                if c.is_null(i) || c.value(i).is_nan() {
                    continue 'row;
                }
            }
            let y = cols[0].value(i);
            if binary && y != 0.0 && y != 1.0 {
                return Err(SpecError::Invalid(format!(
                    "'{}' must be 0 or 1 for a {} model; a row has {y}",
                    spec.y,
                    if spec.kind == ModelKind::Logit {
                        "logit"
                    } else {
                        "probit"
                    }
                )));
            }
            row[0] = 1.0;
            for (j, c) in cols[1..].iter().enumerate() {
                row[j + 1] = c.value(i);
            }
            for (a, line) in gram.iter_mut().enumerate() {
                for b in a..p {
                    line[b] += row[a] * row[b];
                }
            }
            nobs += 1;
        }
    }
    // The lower triangle mirrors the upper.
    let gram: Vec<Vec<f64>> = (0..p)
        .map(|a| (0..p).map(|b| gram[a.min(b)][a.max(b)]).collect())
        .collect();
    let dof = nobs as i64 - rank(&gram) as i64;
    let status = if dof < rules.safe_dof as i64 && rules.applies(Check::Dof) {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    let mut checks = BTreeMap::new();
    if rules.applies(Check::Dof) {
        checks.insert(Check::Dof.name(), status);
    }
    let (da, en) = if status == Verdict::Fail {
        let (da, en) = explain(Check::Dof, rules);
        (
            format!("{da} Modellen har {dof}."),
            format!("{en} The model has {dof}."),
        )
    } else {
        (
            format!(
                "Modellen har {dof} frihedsgrader (mindst {} kræves).",
                rules.safe_dof
            ),
            format!(
                "The model has {dof} residual degrees of freedom (at least {} are needed).",
                rules.safe_dof
            ),
        )
    };
    Ok(ModelReport {
        status,
        dof,
        nobs,
        parameters: p,
        checks,
        summary: ModelSummary {
            kind: spec.kind,
            da,
            en,
        },
    })
}

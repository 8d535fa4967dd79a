//! The airlock's checking engine (issue 19).
//!
//! A *spec* names a safe table (rows, columns, a value and a statistic) or a model (OLS,
//! logit, probit). The engine computes it from Arrow record batches with per-cell statistics
//! (the number of contributing rows, the sum, the largest contributions, negative and missing
//! values) and checks every cell against the [`Rules`]: minimum count, p-ratio and n-k
//! dominance, empty cells, negative and missing values, all values the same; and a model's
//! residual degrees of freedom. The defaults equal ACRO's, so the two can be compared cell by
//! cell; `docs/airlock.md` explains where and why the engine deliberately differs.
//!
//! The engine knows nothing of workspaces: the server feeds it a query's result, the command
//! line a Parquet file.

mod model;
mod rules;
mod spec;
mod table;

pub use model::{ModelReport, check_model};
pub use rules::{Check, Rules, RulesError};
pub use spec::{AggFunc, ModelKind, ModelSpec, Spec, SpecError, TableSpec};
pub use table::{Cell, TOTAL, TableReport, Verdict, check_table};

use arrow::record_batch::RecordBatch;

/// A table's or a model's report: what `orkestrator airlock check` prints.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum Report {
    Table(TableReport),
    Model(ModelReport),
}

/// Checks `spec` over `batches` under `rules`.
pub fn check(batches: &[RecordBatch], spec: &Spec, rules: &Rules) -> Result<Report, SpecError> {
    match spec {
        Spec::Table(t) => check_table(batches, t, rules).map(Report::Table),
        Spec::Model(m) => check_model(batches, m, rules).map(Report::Model),
    }
}

/// Reads a whole Parquet file (for the command line and tests).
pub fn read_parquet(path: &std::path::Path) -> Result<Vec<RecordBatch>, SpecError> {
    let file = std::fs::File::open(path)
        .map_err(|e| SpecError::Data(format!("{}: {e}", path.display())))?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(65_536).build())
        .map_err(|e| SpecError::Data(format!("{}: {e}", path.display())))?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| SpecError::Data(format!("{}: {e}", path.display())))
}

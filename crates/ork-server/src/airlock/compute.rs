//! A safe table or model computed inside the workspace: the query's result, read column by
//! column the spec needs, checked by `ork-airlock` under the workspace's rules; what would
//! leave blocked when it holds identifiers or is row-level data; the table written as CSV.

use crate::ApiError;
use arrow::record_batch::RecordBatch;
use axum::http::StatusCode;
use futures_util::StreamExt;
use ork_airlock::{Report, Rules, Spec, SpecError, TableReport};
use ork_workspace::query::{self, Limits, QueryError, QueryTable};
use ork_workspace::regime::Regime;

/// The rules a workspace's outputs are checked by: the strictest regime of its controllers
/// (ACRO's defaults where a controller set none).
pub fn rules_of(regime: &Regime) -> Rules {
    Rules {
        threshold: u64::from(regime.min_cell_count).clamp(1, 1000),
        p: regime.p_ratio,
        n: usize::try_from(regime.nk_n).unwrap_or(10).clamp(1, 10),
        k: regime.nk_k,
        safe_dof: u64::from(regime.min_dof).min(10_000),
        ..Rules::default()
    }
}

/// The API's answer to a spec that does not fit the data.
pub fn spec_error(e: &SpecError) -> ApiError {
    match e {
        SpecError::UnknownColumns(names) => {
            ApiError::invalid("output_unknown_columns", &[("names", &names.join(", "))])
        }
        SpecError::NotNumeric(name) => ApiError::invalid("output_not_numeric", &[("name", name)]),
        SpecError::TooManyCells(cells, max) => {
            ApiError::invalid("output_too_many_cells", &[("cells", cells), ("max", max)])
        }
        SpecError::Syntax(m) | SpecError::Invalid(m) | SpecError::Data(m) => {
            ApiError::invalid("output_spec_invalid", &[("reason", m)])
        }
    }
}

/// A query's result, only the columns `spec` reads, with the rows seen.
pub struct Collected {
    pub batches: Vec<RecordBatch>,
    pub rows: u64,
}

/// Why a query gave no data to check.
pub enum Failed {
    Query(QueryError),
    Spec(SpecError),
    /// Its result held more than the memory a query may use.
    TooLarge(usize),
}

/// Runs `sql` over `tables` and keeps the columns `spec` reads, within `limits`' time and
/// memory. The spec is checked against the result's columns before a row is read.
pub async fn collect(
    tables: &[QueryTable],
    sql: &str,
    spec: &Spec,
    limits: &Limits,
) -> Result<Collected, Failed> {
    let prepared = query::prepare(tables, sql, limits)
        .await
        .map_err(Failed::Query)?;
    let schema = prepared.schema();
    spec.check_schema(&schema).map_err(Failed::Spec)?;
    let keep: Vec<usize> = spec
        .columns()
        .iter()
        .filter_map(|c| schema.index_of(c).ok())
        .collect();
    let work = async {
        let mut stream = prepared.stream().map_err(Failed::Query)?;
        let (mut batches, mut rows, mut bytes) = (Vec::new(), 0u64, 0usize);
        while let Some(batch) = stream.next().await {
            let batch = batch
                .map_err(|e| Failed::Query(QueryError::Failed(query::df_message(&e))))?
                .project(&keep)
                .map_err(|e| Failed::Query(QueryError::Failed(e.to_string())))?;
            rows += batch.num_rows() as u64;
            bytes += batch.get_array_memory_size();
            if bytes > limits.memory_bytes {
                return Err(Failed::TooLarge(limits.memory_bytes));
            }
            batches.push(batch);
        }
        Ok(Collected { batches, rows })
    };
    match tokio::time::timeout(limits.timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(Failed::Query(QueryError::Timeout(limits.timeout))),
    }
}

/// Why an output may not leave at all, whatever a checker says.
#[derive(Debug, PartialEq, Eq)]
pub enum Blocked {
    /// A row or column variable holds identifiers (pseudonyms or CPR numbers).
    Identifier(String),
    /// A line of a text holds an identifier.
    IdentifierLine(usize),
    /// Every non-empty cell holds a single row: the table is the rows themselves.
    RowLevel,
}

impl Blocked {
    pub fn error(&self) -> ApiError {
        match self {
            Self::Identifier(name) => {
                ApiError::invalid("output_blocked.identifier", &[("name", name)])
            }
            Self::IdentifierLine(line) => {
                ApiError::invalid("output_blocked.identifier_line", &[("line", line)])
            }
            Self::RowLevel => ApiError::invalid("output_blocked.row_level", &[]),
        }
    }

    pub fn reason(&self) -> String {
        match self {
            Self::Identifier(name) => format!("identifier:{name}"),
            Self::IdentifierLine(line) => format!("identifier_line:{line}"),
            Self::RowLevel => "row_level".into(),
        }
    }
}

/// Whether a label looks like an identifier: a pseudonym (32 lower-case hex digits) or a
/// CPR number (six digits, an optional hyphen, four digits).
pub fn is_identifier(s: &str) -> bool {
    let b = s.trim().as_bytes();
    let pseudonym = b.len() == 32 && b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let cpr = (b.len() == 11 && b[6] == b'-' && digits(&b[..6]) && digits(&b[7..]))
        || (b.len() == 10 && digits(b) && (1..=31).contains(&((b[0] - b'0') * 10 + b[1] - b'0')));
    pseudonym || cpr
}

/// Blocks a table laid out by identifiers (a variable the snapshot records as pseudonyms, or
/// whose labels look like identifiers) or made of single rows.
pub fn blocked(
    t: &TableReport,
    spec: &ork_airlock::TableSpec,
    pseudonyms: &[String],
) -> Option<Blocked> {
    let vars: Vec<&String> = spec.rows.iter().chain(&spec.columns).collect();
    if let Some(v) = vars.iter().find(|v| pseudonyms.contains(v)) {
        return Some(Blocked::Identifier((*v).clone()));
    }
    let total = ork_airlock::TOTAL;
    let inner = t
        .cells
        .iter()
        .filter(|c| !c.row.iter().chain(&c.column).any(|l| l == total));
    let mut nonempty = 0usize;
    let mut single = 0usize;
    for c in inner {
        for (i, label) in c.row.iter().chain(&c.column).enumerate() {
            if c.count > 0 && is_identifier(label) {
                return Some(Blocked::Identifier(vars[i].clone()));
            }
        }
        if c.count > 0 {
            nonempty += 1;
            single += usize::from(c.count == 1);
        }
    }
    (nonempty > 1 && single == nonempty).then_some(Blocked::RowLevel)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A safe table as it would leave: one line per row labels, one column per column labels
/// (joined by " / "; `value` when there are no column variables), suppressed and empty
/// cells left blank.
pub fn table_csv(t: &TableReport, spec: &ork_airlock::TableSpec) -> String {
    let mut rows: Vec<&Vec<String>> = Vec::new();
    let mut cols: Vec<&Vec<String>> = Vec::new();
    let mut at = std::collections::HashMap::new();
    for c in &t.cells {
        if !rows.contains(&&c.row) {
            rows.push(&c.row);
        }
        if !cols.contains(&&c.column) {
            cols.push(&c.column);
        }
        at.insert((&c.row, &c.column), c.value.filter(|_| !c.suppressed));
    }
    let mut out = String::new();
    let mut head: Vec<String> = spec.rows.iter().map(|r| csv_field(r)).collect();
    head.extend(cols.iter().map(|c| {
        if c.is_empty() {
            "value".to_owned()
        } else {
            csv_field(&c.join(" / "))
        }
    }));
    out.push_str(&head.join(","));
    out.push('\n');
    for r in &rows {
        let mut line: Vec<String> = r.iter().map(|l| csv_field(l)).collect();
        line.extend(cols.iter().map(|c| {
            at.get(&(*r, *c))
                .copied()
                .flatten()
                .map(number)
                .unwrap_or_default()
        }));
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// Checks `spec` over the collected data on a blocking thread (a large table takes a core
/// for a while).
pub async fn check(
    batches: Vec<RecordBatch>,
    spec: Spec,
    rules: Rules,
) -> Result<Report, ApiError> {
    tokio::task::spawn_blocking(move || ork_airlock::check(&batches, &spec, &rules))
        .await
        .map_err(|e| ApiError::from(anyhow::anyhow!("airlock check: {e}")))?
        .map_err(|e| spec_error(&e))
}

/// The API's answer to a query that gave nothing to check.
pub fn failed(f: &Failed, tables: &[QueryTable]) -> ApiError {
    match f {
        Failed::Query(e) => crate::workspaces::service::query_error(e, tables),
        Failed::Spec(e) => spec_error(e),
        Failed::TooLarge(bytes) => ApiError::of(
            StatusCode::BAD_REQUEST,
            "output_too_large",
            &[("mib", &(bytes >> 20))],
        ),
    }
}

//! SQL inside a workspace: DataFusion over the tables of one snapshot and nothing else.
//!
//! Each query gets a fresh `SessionContext` holding only the snapshot's tables (no
//! information schema, no URL tables, no catalog of the server), and the statement is checked
//! twice before it runs: it must be a single query (no `CREATE EXTERNAL TABLE`, `COPY`,
//! `INSERT`, `SET`…), and its plan — subqueries included — may scan only those tables (so no
//! table function and no file path reaches the planner's output). It runs under a memory
//! limit and a time limit, and at most `limit` rows come back.

use crate::seal::DataKey;
use crate::storage::ObjectStoreRef;
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, SchemaRef,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use datafusion::sql::parser::{DFParser, Statement};
use datafusion::sql::sqlparser::ast;
use futures_util::StreamExt;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How far a query may go, and where it runs.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The most rows shown (the console pages within them).
    pub max_rows: usize,
    pub timeout: Duration,
    /// Memory for sorts, joins and aggregates; a query that needs more fails.
    pub memory_bytes: usize,
    /// A Ballista scheduler (`df://HOST:PORT`) to run queries on; `None`: in this process.
    pub cluster: Option<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_rows: 1000,
            timeout: Duration::from_secs(60),
            memory_bytes: 1 << 30,
            cluster: None,
        }
    }
}

/// One table a query may read: its name in SQL, its Parquet file (a path, or a URL in the
/// object store `store`) and the key it is encrypted under (`None`: a plain file).
#[derive(Debug, Clone)]
pub struct QueryTable {
    pub name: String,
    pub file: String,
    pub store: Option<ObjectStoreRef>,
    pub key: Option<Arc<DataKey>>,
}

/// A column of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub kind: String,
}

/// What a query gave: the first rows, how many were shown, and whether there were more.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Value>>,
    pub row_count: u64,
    pub truncated: bool,
}

/// Why a query did not give a result.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Not a query: DDL, DML, `COPY`, `SET`, several statements.
    #[error("only a single SELECT query is allowed")]
    NotAQuery,
    /// It names a table (or a table function, a file, a URL) outside the workspace.
    #[error("the query reads {0:?}, which is not a table of this workspace")]
    OutsideWorkspace(String),
    /// It does not parse or plan (a wrong column, a type error).
    #[error("{0}")]
    Invalid(String),
    #[error("the query ran longer than {0:?} and was stopped")]
    Timeout(Duration),
    /// It failed while running (out of memory, a division by zero…).
    #[error("{0}")]
    Failed(String),
}

impl QueryError {
    /// Whether the query was refused for reaching outside the workspace or not being a
    /// query (as opposed to being wrong).
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::NotAQuery | Self::OutsideWorkspace(_))
    }
}

/// DataFusion's message for a user: its first line, at most 500 characters.
pub fn df_message(e: &datafusion::error::DataFusionError) -> String {
    // DataFusion's messages name the failing part; the first line is the useful one.
    let s = e.to_string();
    let s = s.strip_prefix("Error during planning: ").unwrap_or(&s);
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect()
}

/// The one statement of `sql`, if it is a query.
fn the_query(sql: &str) -> Result<Statement, QueryError> {
    let mut statements =
        DFParser::parse_sql(sql).map_err(|e| QueryError::Invalid(df_message(&e)))?;
    if statements.len() != 1 {
        return Err(QueryError::NotAQuery);
    }
    let statement = statements.pop_front().expect("one statement");
    match &statement {
        Statement::Statement(s) if matches!(s.as_ref(), ast::Statement::Query(_)) => Ok(statement),
        _ => Err(QueryError::NotAQuery),
    }
}

/// The first table the plan scans that is not one of `allowed`.
fn outside(plan: &LogicalPlan, allowed: &BTreeSet<String>) -> Option<String> {
    let mut found = None;
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let t = &scan.table_name;
            // The session's own default catalog and schema are where the tables are.
            let home = t.schema().is_none_or(|s| s == "public")
                && t.catalog().is_none_or(|c| c == "datafusion");
            if !home || !allowed.contains(t.table()) {
                found = Some(scan.table_name.to_string());
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    });
    found
}

/// The session a workspace query runs in: these tables, nothing else.
async fn session(tables: &[QueryTable], limits: &Limits) -> Result<SessionContext, QueryError> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(limits.memory_bytes, 1.0)
        .build_arc()
        .map_err(|e| QueryError::Failed(df_message(&e)))?;
    let mut config = SessionConfig::new()
        .with_information_schema(false)
        .with_target_partitions(2);
    // Text as plain Utf8, not Utf8View: what every Flight SQL client (ADBC, JDBC, R's arrow)
    // reads, and the console's types say `string`.
    config
        .options_mut()
        .execution
        .parquet
        .schema_force_view_types = false;
    let ctx = match &limits.cluster {
        None => SessionContext::new_with_config_rt(config, runtime),
        Some(url) => crate::cluster::remote(url, config, runtime)
            .await
            .map_err(|e| QueryError::Failed(df_message(&e)))?,
    };
    for t in tables {
        let options = t
            .key
            .as_ref()
            .map_or_else(ParquetReadOptions::default, |k| k.read_options());
        if let Some(s) = &t.store {
            ctx.register_object_store(&s.url, s.store.clone());
        }
        ctx.register_parquet(&t.name, &t.file, options)
            .await
            .map_err(|e| QueryError::Failed(df_message(&e)))?;
    }
    Ok(ctx)
}

/// A cell as JSON: numbers as numbers (NaN and infinities as null), the rest as text.
fn cell(a: &dyn Array, i: usize, f: &ArrayFormatter) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    let float = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    match a.data_type() {
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).into(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).into(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).into(),
        DataType::Float32 => float(f64::from(a.as_primitive::<Float32Type>().value(i))),
        DataType::Float64 => float(a.as_primitive::<Float64Type>().value(i)),
        _ => Value::String(f.value(i).to_string()),
    }
}

fn rows_of(batch: &RecordBatch, take: usize, out: &mut Vec<Vec<Value>>) -> Result<(), QueryError> {
    let options = FormatOptions::default();
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| QueryError::Failed(e.to_string()))?;
    for i in 0..take.min(batch.num_rows()) {
        out.push(
            batch
                .columns()
                .iter()
                .zip(&formatters)
                .map(|(c, f)| cell(c.as_ref(), i, f))
                .collect(),
        );
    }
    Ok(())
}

/// Checks `sql` against `tables` without running it: `Ok` when it would be run.
pub async fn check(tables: &[QueryTable], sql: &str) -> Result<(), QueryError> {
    let ctx = session(tables, &Limits::default()).await?;
    plan(&ctx, tables, sql).await.map(|_| ())
}

async fn plan(
    ctx: &SessionContext,
    tables: &[QueryTable],
    sql: &str,
) -> Result<LogicalPlan, QueryError> {
    let statement = the_query(sql)?;
    let plan = ctx
        .state()
        .statement_to_plan(statement)
        .await
        .map_err(|e| {
            // A table the session does not have is reaching outside the workspace.
            let m = e.to_string();
            match m
                .split_once("table '")
                .and_then(|(_, r)| r.split_once("' not found"))
            {
                Some((name, _)) => QueryError::OutsideWorkspace(
                    name.strip_prefix("datafusion.public.")
                        .unwrap_or(name)
                        .to_owned(),
                ),
                None => QueryError::Invalid(df_message(&e)),
            }
        })?;
    let allowed: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    if let Some(name) = outside(&plan, &allowed) {
        return Err(QueryError::OutsideWorkspace(name));
    }
    Ok(plan)
}

/// A query checked and planned, not yet running: its result's schema is known (Flight SQL
/// answers with it before any row is read).
pub struct Prepared {
    plan: Arc<dyn ExecutionPlan>,
    task: Arc<TaskContext>,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").finish_non_exhaustive()
    }
}

impl Prepared {
    /// The columns the query gives.
    pub fn schema(&self) -> SchemaRef {
        self.plan.schema()
    }

    /// Starts the query: its batches as they come, under the session's memory limit (the
    /// caller bounds the time). Dropping the stream cancels the query.
    pub fn stream(self) -> Result<SendableRecordBatchStream, QueryError> {
        execute_stream(self.plan, self.task).map_err(|e| QueryError::Failed(df_message(&e)))
    }
}

/// Checks and plans `sql` over `tables` (a single query reading only them), under `limits`'
/// memory limit.
pub async fn prepare(
    tables: &[QueryTable],
    sql: &str,
    limits: &Limits,
) -> Result<Prepared, QueryError> {
    let ctx = session(tables, limits).await?;
    let plan = plan(&ctx, tables, sql).await?;
    let plan = ctx
        .state()
        .create_physical_plan(&plan)
        .await
        .map_err(|e| QueryError::Invalid(df_message(&e)))?;
    Ok(Prepared {
        plan,
        task: ctx.task_ctx(),
    })
}

/// Runs `sql` over `tables`, giving at most `limit` rows (and at most `limits.max_rows`).
pub async fn run(
    tables: &[QueryTable],
    sql: &str,
    limit: usize,
    limits: &Limits,
) -> Result<QueryResult, QueryError> {
    let prepared = prepare(tables, sql, limits).await?;
    let limit = limit.min(limits.max_rows);
    let work = async {
        let columns = prepared
            .schema()
            .fields()
            .iter()
            .map(|f| ResultColumn {
                name: f.name().clone(),
                kind: f.data_type().to_string(),
            })
            .collect::<Vec<_>>();
        let mut stream = prepared.stream()?;
        let mut rows = Vec::new();
        let mut seen = 0u64;
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| QueryError::Failed(df_message(&e)))?;
            seen += batch.num_rows() as u64;
            if rows.len() < limit {
                let take = limit - rows.len();
                rows_of(&batch, take, &mut rows)?;
            }
            if seen > limit as u64 {
                // More than shown: stop reading (the stream is dropped, which cancels it).
                break;
            }
        }
        Ok(QueryResult {
            columns,
            row_count: rows.len() as u64,
            truncated: seen > rows.len() as u64,
            rows,
        })
    };
    match tokio::time::timeout(limits.timeout, work).await {
        Ok(r) => r,
        Err(_) => Err(QueryError::Timeout(limits.timeout)),
    }
}

/// The tables' columns as a query sees them, by name (Flight SQL's table listing).
pub async fn table_schemas(tables: &[QueryTable]) -> Result<Vec<(String, SchemaRef)>, QueryError> {
    let ctx = session(tables, &Limits::default()).await?;
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        let provider = ctx
            .table_provider(t.name.as_str())
            .await
            .map_err(|e| QueryError::Failed(df_message(&e)))?;
        out.push((t.name.clone(), provider.schema()));
    }
    Ok(out)
}

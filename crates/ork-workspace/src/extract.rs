//! A permit-scoped extract: from the registers' Parquet files, exactly the tables, variables,
//! years and persons of a scope, every CPR column turned into the project's pseudonyms,
//! written as Parquet by DataFusion's reader and Arrow's writer. Nothing outside the scope is
//! read into the output: the columns are chosen before any row is read, the years choose the
//! files, the persons are a semi-join on `pnr`, and persons in the Tissue Use Register are
//! left out (an anti-join) where the controller's rule requires it. A table's file is written under a
//! temporary name and renamed into place when complete, so a crash leaves no half file that
//! looks whole.

use crate::pseudo::Pseudonymiser;
use crate::seal::DataKey;
use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::JoinType;
use datafusion::datasource::MemTable;
use datafusion::prelude::{DataFrame, ParquetReadOptions, SessionContext, col, lit};
use futures_util::StreamExt;
use ork_schema::tables::{TABLES, Table};
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One table of a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableScope {
    /// The register table (its folder), e.g. `bef`, `lpr_adm`.
    pub table: String,
    /// The variables granted; `pnr` is always kept (pseudonymised) where the table has it,
    /// so the project's tables link.
    pub columns: Vec<String>,
    /// The years granted, both included (yearly tables only).
    pub years: Option<(i32, i32)>,
    /// Leave out everyone in the Tissue Use Register (`var`): the controller's rule for
    /// biological and genetic data.
    pub exclude_opted_out: bool,
    /// Only the rows of this region (its platform id in the table's `region` column): a
    /// region's own view of a regional table (`lab`, `pacs`), delivered by that region.
    pub region: Option<String>,
}

impl TableScope {
    /// The table's name in the workspace: the register table's, with the region for a
    /// region's view (`lab_sjaelland`), so two regions' deliveries do not collide.
    pub fn name(&self) -> String {
        match &self.region {
            Some(r) => format!("{}_{r}", self.table),
            None => self.table.clone(),
        }
    }
}

/// What an extract holds.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub tables: Vec<TableScope>,
    /// The permit's population (CPR numbers as the registers write them); `None`: everyone
    /// in the tables.
    pub persons: Option<Vec<String>>,
}

/// One table as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    pub table: String,
    pub file: PathBuf,
    pub columns: Vec<String>,
    pub rows: u64,
}

/// Why an extract could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no register table {0:?}")]
    UnknownTable(String),
    #[error("table {table}: no variable {column:?}")]
    UnknownColumn { table: String, column: String },
    #[error("table {0}: years apply to yearly tables only")]
    NotYearly(String),
    #[error("table {0}: it has no region column")]
    NotRegional(String),
    #[error("table {0}: no file for the years granted")]
    NoFiles(String),
    #[error("reading or writing the extract failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error("writing Parquet failed: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("Arrow failed: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
}

/// Whether a column holds CPR numbers (`pnr`, `mor_pnr`, `far_pnr`…).
pub fn is_cpr_column(name: &str) -> bool {
    name == "pnr" || name.ends_with("_pnr")
}

/// Tables without persons whose rows belong to a parent table's rows: (table, parent,
/// key). They reach the population through their parent: a diagnosis belongs to the
/// population when its contact does.
pub const LINKS: [(&str, &str, &str); 4] = [
    ("lpr_diag", "lpr_adm", "recnum"),
    ("lpr_sksopr", "lpr_adm", "recnum"),
    ("lpr_a_diagnose", "lpr_a_kontakt", "dw_ek_kontakt"),
    ("lpr_a_procedure", "lpr_a_kontakt", "dw_ek_kontakt"),
];

/// Whether a column is a record key that links tables (`recnum`, `dw_ek_kontakt`). It is
/// kept wherever its table is, so the project's tables link, and pseudonymised like a CPR
/// number, so two projects' rows cannot be matched through it.
pub fn is_key_column(name: &str) -> bool {
    LINKS.iter().any(|(_, _, k)| *k == name)
}

/// The key a table shares with its parent or children, if any.
fn link_key(table: &str) -> Option<&'static str> {
    LINKS
        .iter()
        .find(|(t, p, _)| *t == table || *p == table)
        .map(|(_, _, k)| *k)
}

fn table(name: &str) -> Result<&'static Table, ExtractError> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| ExtractError::UnknownTable(name.to_owned()))
}

/// The files a table scope reads.
fn files(registers: &Path, t: &Table, s: &TableScope) -> Result<Vec<String>, ExtractError> {
    let dir = registers.join(t.name);
    let mut out = Vec::new();
    if !t.yearly {
        if s.years.is_some() {
            return Err(ExtractError::NotYearly(t.name.to_owned()));
        }
        out.push(dir.join(format!("{}.parquet", t.name)));
    } else {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let year = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<i32>().ok());
            let wanted = match (year, s.years) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(y), Some((from, to))) => (from..=to).contains(&y),
            };
            if wanted && path.extension().is_some_and(|e| e == "parquet") {
                out.push(path);
            }
        }
    }
    out.retain(|p| p.is_file());
    out.sort();
    if out.is_empty() {
        return Err(ExtractError::NoFiles(t.name.to_owned()));
    }
    Ok(out
        .into_iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect())
}

/// Pseudonyms made once per person for an extract's population: a person has many rows
/// (ten years of the population register, hundreds of prescriptions), so the keyed hash
/// runs once per person and each row is a lookup.
type Memo = std::collections::HashMap<String, String>;

/// The batch with every CPR column replaced by pseudonyms.
fn pseudonymise(
    batch: &RecordBatch,
    p: &Pseudonymiser,
    memo: &Memo,
) -> Result<RecordBatch, ExtractError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        let key = is_key_column(f.name());
        if !is_cpr_column(f.name()) && !key {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
            continue;
        }
        let cast = arrow::compute::cast(c, &DataType::Utf8)?;
        let values = cast
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("cast to Utf8 gives a StringArray");
        let mut b = StringBuilder::with_capacity(values.len(), values.len() * 32);
        let mut buf = Vec::new();
        for v in values.iter() {
            match v {
                Some(key_value) if key => {
                    // The column's name first, so a key never shares a pseudonym with a
                    // CPR number of the same digits.
                    buf.clear();
                    buf.extend_from_slice(f.name().as_bytes());
                    buf.push(b':');
                    buf.extend_from_slice(key_value.as_bytes());
                    b.append_value(p.pseudonym(&buf).to_string());
                }
                Some(cpr) => match memo.get(cpr) {
                    Some(known) => b.append_value(known),
                    None => b.append_value(p.pseudonym(cpr.as_bytes()).to_string()),
                },
                None => b.append_null(),
            }
        }
        fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
        columns.push(Arc::new(b.finish()));
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns,
    )?)
}

/// `df` limited to the scope's population (a semi-join on `on`) and, where the table's rule
/// says so, without the persons in the Tissue Use Register (an anti-join).
async fn limit_persons(
    ctx: &SessionContext,
    registers: &Path,
    scope: &Scope,
    s: &TableScope,
    mut df: DataFrame,
    on: &str,
) -> Result<DataFrame, ExtractError> {
    if s.exclude_opted_out {
        let var = table("var")?;
        let opted = ctx
            .read_parquet(
                files(
                    registers,
                    var,
                    &TableScope {
                        table: "var".into(),
                        columns: Vec::new(),
                        years: None,
                        exclude_opted_out: false,
                        region: None,
                    },
                )?,
                ParquetReadOptions::default(),
            )
            .await?
            .select(vec![col("pnr").alias("opted_pnr")])?;
        df = df.join(opted, JoinType::LeftAnti, &[on], &["opted_pnr"], None)?;
    }
    if scope.persons.is_some() {
        let cohort = ctx.table("cohort").await?;
        df = df.join(cohort, JoinType::LeftSemi, &[on], &["cohort_pnr"], None)?;
    }
    Ok(df)
}

/// Writes the scope's tables into `out` (a folder, created), one `TABLE.parquet` each,
/// encrypted under `key`.
pub async fn extract(
    registers: &Path,
    out: &Path,
    scope: &Scope,
    p: &Pseudonymiser,
    key: &DataKey,
) -> Result<Vec<Extracted>, ExtractError> {
    let sealed = key.writer_properties()?;
    std::fs::create_dir_all(out)?;
    let memo: Memo = scope
        .persons
        .iter()
        .flatten()
        .map(|c| (c.clone(), p.pseudonym(c.as_bytes()).to_string()))
        .collect();
    let ctx = SessionContext::new();
    // The population, as a table to semi-join on.
    if let Some(persons) = &scope.persons {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "cohort_pnr",
            DataType::Utf8,
            false,
        )]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(StringArray::from_iter_values(persons.iter()))],
        )?;
        ctx.register_table(
            "cohort",
            Arc::new(MemTable::try_new(schema, vec![vec![batch]])?),
        )?;
    }
    // The whole scope is checked before anything is written: an unknown table, variable or
    // year leaves the folder as it was.
    let mut plan = Vec::with_capacity(scope.tables.len());
    for s in &scope.tables {
        let t = table(&s.table)?;
        // The columns first: nothing else is read.
        let mut columns: Vec<String> = Vec::new();
        if t.find("pnr").is_some() {
            columns.push("pnr".to_owned());
        }
        if let Some(k) = link_key(t.name) {
            columns.push(k.to_owned());
        }
        for c in &s.columns {
            if t.find(c).is_none() {
                return Err(ExtractError::UnknownColumn {
                    table: t.name.to_owned(),
                    column: c.clone(),
                });
            }
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
        if s.region.is_some() && t.find("region").is_none() {
            return Err(ExtractError::NotRegional(t.name.to_owned()));
        }
        let paths = files(registers, t, s)?;
        plan.push((s, t, columns, paths));
    }
    let mut written = Vec::new();
    for (s, t, columns, paths) in plan {
        let mut df = ctx
            .read_parquet(paths, ParquetReadOptions::default())
            .await?;
        if let Some(r) = &s.region {
            df = df.filter(col("region").eq(lit(r.as_str())))?;
        }
        let mut df = df.select_columns(&columns.iter().map(String::as_str).collect::<Vec<_>>())?;
        let has_persons = t.find("pnr").is_some();
        let parent = LINKS.iter().find(|(c, _, _)| *c == t.name);
        if s.exclude_opted_out || scope.persons.is_some() {
            if has_persons {
                df = limit_persons(&ctx, registers, scope, s, df, "pnr").await?;
            } else if let Some((_, parent, key)) = parent {
                // Through the parent: the keys of its rows whose persons are in scope.
                let parent_scope = TableScope {
                    table: (*parent).to_owned(),
                    columns: Vec::new(),
                    years: s.years,
                    exclude_opted_out: s.exclude_opted_out,
                    region: None,
                };
                let rows = ctx
                    .read_parquet(
                        files(registers, table(parent)?, &parent_scope)?,
                        ParquetReadOptions::default(),
                    )
                    .await?
                    .select(vec![col("pnr"), col(*key).alias("parent_key")])?;
                let rows = limit_persons(&ctx, registers, scope, &parent_scope, rows, "pnr")
                    .await?
                    .select(vec![col("parent_key")])?;
                df = df.join(rows, JoinType::LeftSemi, &[key], &["parent_key"], None)?;
            } else {
                // Without persons the population and the rule cannot be applied: nothing
                // of the table.
                df = df.filter(lit(false))?;
            }
        }
        let mut stream = df.execute_stream().await?;
        let name = s.name();
        let tmp = out.join(format!(".{name}.parquet.partial"));
        let file = out.join(format!("{name}.parquet"));
        let mut writer: Option<ArrowWriter<std::fs::File>> = None;
        let mut rows = 0u64;
        while let Some(batch) = stream.next().await {
            let batch = pseudonymise(&batch?, p, &memo)?;
            rows += batch.num_rows() as u64;
            let w = match &mut writer {
                Some(w) => w,
                None => writer.insert(ArrowWriter::try_new(
                    std::fs::File::create(&tmp)?,
                    batch.schema(),
                    Some(sealed.clone()),
                )?),
            };
            w.write(&batch)?;
        }
        match writer {
            Some(w) => {
                w.close()?;
            }
            None => {
                // No rows: an empty file with the columns' names and types.
                let schema = stream.schema();
                let empty = pseudonymise(&RecordBatch::new_empty(schema), p, &memo)?;
                let mut w = ArrowWriter::try_new(
                    std::fs::File::create(&tmp)?,
                    empty.schema(),
                    Some(sealed.clone()),
                )?;
                w.write(&empty)?;
                w.close()?;
            }
        }
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &file)?;
        written.push(Extracted {
            table: name,
            file,
            columns,
            rows,
        });
    }
    Ok(written)
}

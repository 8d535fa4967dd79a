//! A project's own data (issue 18, item 3): a CSV or Parquet file with a CPR column, checked
//! row by row (nothing is kept if any CPR number is bad), every CPR column replaced by the
//! project's pseudonyms, written as Parquet. The original bytes are never written anywhere;
//! the caller drops them. CSV columns are kept as text (cast in SQL as needed), Parquet
//! columns with their types.

use crate::pseudo::Pseudonymiser;
use crate::seal::DataKey;
use arrow::array::{Array, ArrayRef, RecordBatch, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;
use std::sync::Arc;

/// The most bad rows reported one by one (the total is always given).
pub const REPORTED_ROWS: usize = 100;

/// The file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Parquet,
}

/// A bad CPR number: its row (1 is the first data row) and column. The value itself is not
/// repeated back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub row: u64,
    pub column: String,
    /// `length`, `digits` or `date`.
    pub problem: &'static str,
}

/// Why a file was not taken.
#[derive(Debug, thiserror::Error)]
pub enum OwnError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text")]
    NotUtf8,
    /// No column named `pnr`, `cpr`, `cpr_nr`, `cprnr` or ending in `_pnr`.
    #[error("no CPR column among {found:?}")]
    NoCprColumn {
        found: Vec<String>,
        /// The delimiter the header seems to use when it is not a comma.
        delimiter: Option<char>,
    },
    #[error("two columns are both named {0:?}")]
    DuplicateColumn(String),
    #[error("{total} bad CPR numbers")]
    BadCpr { rows: Vec<BadRow>, total: u64 },
    #[error("row {row} has {found} fields, the header {expected}")]
    Ragged {
        row: u64,
        found: usize,
        expected: usize,
    },
    #[error("the CSV could not be read: {0}")]
    Csv(String),
    #[error("the Parquet file could not be read: {0}")]
    Parquet(String),
    #[error("writing failed: {0}")]
    Write(String),
}

/// What was kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub columns: Vec<(String, &'static str)>,
    pub rows: u64,
}

/// Whether a column name marks CPR numbers in a researcher's file: any name with `cpr`,
/// `pnr` or `personnummer` in it (`CPR`, `mor_cpr`, `Mother PNR`, `personnummer_far`…).
/// Erring towards treating a column as CPR numbers is the safe side: such a column is
/// checked and pseudonymised, never kept as it was.
fn cpr_name(name: &str) -> bool {
    let n = name.trim().to_ascii_lowercase();
    n.contains("cpr") || n.contains("pnr") || n.contains("personnummer") || n.contains("personnr")
}

/// A header value as it may be repeated in a message: one holding six or more digits in a
/// row (a CPR number, when the file has no header row) is withheld.
fn shown(name: &str) -> String {
    let mut run = 0;
    for c in name.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 6 {
            return "…".into();
        }
    }
    name.chars().take(60).collect()
}

/// The column's name in the workspace: `pnr` for the person's own CPR column (so it links
/// by name with the registers' tables), other names lower-cased with anything but letters,
/// digits and `_` made `_`.
fn column_name(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    if matches!(n.as_str(), "cpr" | "cpr_nr" | "cprnr" | "cpr-nr") {
        return "pnr".into();
    }
    let s: String = n
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() { "column".into() } else { s }
}

/// Checks one CPR number (`DDMMYYSSSS`, a dash after the date allowed): ten digits whose
/// first six are a date in the century the seventh digit gives. Modulus 11 is not required
/// (numbers issued since 2007 need not satisfy it).
pub fn check_cpr(raw: &str) -> Result<String, &'static str> {
    let s: String = raw.trim().chars().filter(|c| *c != '-').collect();
    if s.len() != 10 {
        return Err("length");
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("digits");
    }
    let n = |i: usize| u32::from(s.as_bytes()[i] - b'0');
    let (day, month, yy, c) = (n(0) * 10 + n(1), n(2) * 10 + n(3), n(4) * 10 + n(5), n(6));
    let year = match c {
        0..=3 => 1900 + yy,
        4 | 9 if yy <= 36 => 2000 + yy,
        4 | 9 => 1900 + yy,
        _ if yy <= 57 => 2000 + yy,
        _ => 1800 + yy,
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err("date"),
    };
    if day == 0 || day > days {
        return Err("date");
    }
    Ok(s)
}

/// The batch with every CPR column checked and normalised (`DDMMYYSSSS`); bad rows are
/// added to `bad` (rows counted from `first_row`).
fn checked(
    batch: &RecordBatch,
    first_row: u64,
    p: &Pseudonymiser,
    bad: &mut Vec<BadRow>,
    total_bad: &mut u64,
) -> Result<RecordBatch, OwnError> {
    let schema = batch.schema();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        let name = column_name(f.name());
        if !cpr_name(f.name()) {
            fields.push(Field::new(&name, f.data_type().clone(), true));
            columns.push(c.clone());
            continue;
        }
        // A CPR column stored as integers has lost its leading zero: put it back.
        let text = if f.data_type().is_integer() {
            let ints = arrow::compute::cast(c, &DataType::Int64)
                .map_err(|e| OwnError::Parquet(e.to_string()))?;
            let ints = ints
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .expect("cast to Int64 gives an Int64Array");
            Arc::new(StringArray::from_iter(
                ints.iter().map(|v| v.map(|n| format!("{n:010}"))),
            )) as ArrayRef
        } else {
            arrow::compute::cast(c, &DataType::Utf8)
                .map_err(|e| OwnError::Parquet(e.to_string()))?
        };
        let text = text
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("cast to Utf8 gives a StringArray");
        let mut b = StringBuilder::with_capacity(text.len(), text.len() * 32);
        for (i, v) in text.iter().enumerate() {
            match v.map(check_cpr) {
                Some(Ok(s)) => b.append_value(p.pseudonym(s.as_bytes()).to_string()),
                Some(Err(problem)) => {
                    *total_bad += 1;
                    if bad.len() < REPORTED_ROWS {
                        bad.push(BadRow {
                            row: first_row + i as u64,
                            column: f.name().clone(),
                            problem,
                        });
                    }
                    b.append_null();
                }
                None => b.append_null(),
            }
        }
        fields.push(Field::new(&name, DataType::Utf8, true));
        columns.push(Arc::new(b.finish()));
    }
    for (i, f) in fields.iter().enumerate() {
        if fields[..i].iter().any(|g| g.name() == f.name()) {
            return Err(OwnError::DuplicateColumn(f.name().clone()));
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| OwnError::Write(e.to_string()))
}

/// The file as record batches of text (CSV) or as typed (Parquet).
fn batches(bytes: &[u8], format: Format) -> Result<Vec<RecordBatch>, OwnError> {
    match format {
        Format::Parquet => {
            let reader =
                ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
                    .map_err(|e| OwnError::Parquet(e.to_string()))?
                    .build()
                    .map_err(|e| OwnError::Parquet(e.to_string()))?;
            reader
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| OwnError::Parquet(e.to_string()))
        }
        Format::Csv => csv_batches(bytes),
    }
}

fn csv_batches(bytes: &[u8]) -> Result<Vec<RecordBatch>, OwnError> {
    let text = std::str::from_utf8(bytes).map_err(|_| OwnError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or_default();
    // A semicolon (Danish spreadsheets) or a tab where the header has no comma.
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .filter(|d| first.as_bytes().contains(d))
        .unwrap_or(b',');
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| OwnError::Csv(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    if header.is_empty() || header.iter().all(|h| h.trim().is_empty()) {
        return Err(OwnError::Empty);
    }
    // One column holding a pipe: the file is delimited by pipes, which is not taken.
    if header.len() == 1 && header[0].contains('|') {
        return Err(OwnError::NoCprColumn {
            found: header.iter().map(|h| shown(h)).collect(),
            delimiter: Some('|'),
        });
    }
    if !header.iter().any(|h| cpr_name(h)) {
        let other = [b';', b'\t', b',']
            .into_iter()
            .find(|d| *d != delimiter && first.as_bytes().contains(d))
            .map(char::from);
        return Err(OwnError::NoCprColumn {
            found: header.iter().map(|h| shown(h)).collect(),
            delimiter: other,
        });
    }
    let mut builders: Vec<StringBuilder> = header.iter().map(|_| StringBuilder::new()).collect();
    let mut row = 0u64;
    for rec in r.records() {
        let rec = rec.map_err(|e| OwnError::Csv(e.to_string()))?;
        row += 1;
        if rec.len() != header.len() {
            return Err(OwnError::Ragged {
                row,
                found: rec.len(),
                expected: header.len(),
            });
        }
        for (b, v) in builders.iter_mut().zip(rec.iter()) {
            if v.is_empty() {
                b.append_null();
            } else {
                b.append_value(v);
            }
        }
    }
    if row == 0 {
        return Err(OwnError::Empty);
    }
    let fields: Vec<Field> = header
        .iter()
        .map(|h| Field::new(h.trim(), DataType::Utf8, true))
        .collect();
    let columns: Vec<ArrayRef> = builders
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    Ok(vec![
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| OwnError::Csv(e.to_string()))?,
    ])
}

/// Checks a researcher's file and writes it, pseudonymised and encrypted under `key`, to
/// `out` (under a temporary name, renamed when whole). Nothing is written when any CPR
/// number is bad.
pub fn ingest(
    bytes: &[u8],
    format: Format,
    out: &Path,
    p: &Pseudonymiser,
    key: &DataKey,
) -> Result<Ingested, OwnError> {
    if bytes.is_empty() {
        return Err(OwnError::Empty);
    }
    let input = batches(bytes, format)?;
    if format == Format::Parquet
        && !input
            .first()
            .is_some_and(|b| b.schema().fields().iter().any(|f| cpr_name(f.name())))
    {
        return Err(OwnError::NoCprColumn {
            found: input
                .first()
                .map(|b| {
                    b.schema()
                        .fields()
                        .iter()
                        .map(|f| shown(f.name()))
                        .collect()
                })
                .unwrap_or_default(),
            delimiter: None,
        });
    }
    let mut bad = Vec::new();
    let mut total_bad = 0;
    let mut rows = 0u64;
    let mut checked_batches = Vec::with_capacity(input.len());
    for b in &input {
        checked_batches.push(checked(b, rows + 1, p, &mut bad, &mut total_bad)?);
        rows += b.num_rows() as u64;
    }
    if total_bad > 0 {
        return Err(OwnError::BadCpr {
            rows: bad,
            total: total_bad,
        });
    }
    if rows == 0 {
        return Err(OwnError::Empty);
    }
    let tmp = out.with_extension("parquet.partial");
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    let mut columns = Vec::new();
    let cpr: Vec<bool> = input
        .first()
        .map(|b| {
            b.schema()
                .fields()
                .iter()
                .map(|f| cpr_name(f.name()))
                .collect()
        })
        .unwrap_or_default();
    for b in &checked_batches {
        if writer.is_none() {
            columns = b
                .schema()
                .fields()
                .iter()
                .zip(&cpr)
                .map(|(f, is_cpr)| {
                    let kind = if *is_cpr {
                        "pseudonym"
                    } else {
                        match f.data_type() {
                            DataType::Utf8 | DataType::LargeUtf8 => "string",
                            DataType::Float32 | DataType::Float64 => "number",
                            DataType::Date32 | DataType::Date64 => "date",
                            DataType::Timestamp(..) => "timestamp",
                            t if t.is_integer() => "integer",
                            _ => "string",
                        }
                    };
                    (f.name().clone(), kind)
                })
                .collect();
            let file = std::fs::File::create(&tmp).map_err(|e| OwnError::Write(e.to_string()))?;
            let sealed = key
                .writer_properties()
                .map_err(|e| OwnError::Write(e.to_string()))?;
            writer = Some(
                ArrowWriter::try_new(file, b.schema(), Some(sealed))
                    .map_err(|e| OwnError::Write(e.to_string()))?,
            );
        }
        if let Some(w) = writer.as_mut() {
            w.write(b).map_err(|e| OwnError::Write(e.to_string()))?;
        }
    }
    if let Some(w) = writer {
        w.close().map_err(|e| OwnError::Write(e.to_string()))?;
    }
    std::fs::rename(&tmp, out).map_err(|e| OwnError::Write(e.to_string()))?;
    Ok(Ingested { columns, rows })
}

/// A dummy twin of one of the project's own tables (issue 20): `rows` synthetic rows with the
/// same columns and types as recorded (`pseudonym`, `string`, `number`, `date`,
/// `timestamp`, `integer`), written as plain Parquet to `out`; the pseudonyms are drawn from
/// `persons`, so the table links with the other dummy tables. Gives the rows written.
pub fn dummy(
    out: &Path,
    columns: &[(String, String)],
    rows: usize,
    persons: &[String],
    seed: u64,
) -> Result<u64, OwnError> {
    use arrow::array::{Date32Array, Float64Array, Int64Array, TimestampSecondArray};
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut fields = Vec::with_capacity(columns.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
    // 2015-01-01 in days and seconds since 1970.
    const FROM_DAY: i32 = 16_436;
    for (name, kind) in columns {
        let (t, a): (DataType, ArrayRef) = match kind.as_str() {
            "pseudonym" => {
                let mut b = StringBuilder::new();
                for _ in 0..rows {
                    match persons.is_empty() {
                        true => b.append_value(format!("{:032x}", rng.r#gen::<u128>())),
                        false => b.append_value(&persons[rng.gen_range(0..persons.len())]),
                    }
                }
                (DataType::Utf8, Arc::new(b.finish()))
            }
            "number" => (
                DataType::Float64,
                Arc::new(Float64Array::from_iter_values((0..rows).map(|_| {
                    (rng.gen_range(0.0..100.0_f64) * 100.0).round() / 100.0
                }))),
            ),
            "integer" => (
                DataType::Int64,
                Arc::new(Int64Array::from_iter_values(
                    (0..rows).map(|_| rng.gen_range(0..100)),
                )),
            ),
            "date" => (
                DataType::Date32,
                Arc::new(Date32Array::from_iter_values(
                    (0..rows).map(|_| FROM_DAY + rng.gen_range(0..3650)),
                )),
            ),
            "timestamp" => (
                DataType::Timestamp(arrow::datatypes::TimeUnit::Second, None),
                Arc::new(TimestampSecondArray::from_iter_values((0..rows).map(
                    |_| i64::from(FROM_DAY) * 86_400 + rng.gen_range(0..3650 * 86_400),
                ))),
            ),
            _ => {
                let mut b = StringBuilder::new();
                for _ in 0..rows {
                    b.append_value(["A", "B", "C", "D", "E"][rng.gen_range(0..5)]);
                }
                (DataType::Utf8, Arc::new(b.finish()))
            }
        };
        fields.push(Field::new(name, t, false));
        arrays.push(a);
    }
    let schema = Arc::new(Schema::new(fields));
    let batch =
        RecordBatch::try_new(schema.clone(), arrays).map_err(|e| OwnError::Write(e.to_string()))?;
    let file = std::fs::File::create(out).map_err(|e| OwnError::Write(e.to_string()))?;
    let mut w =
        ArrowWriter::try_new(file, schema, None).map_err(|e| OwnError::Write(e.to_string()))?;
    w.write(&batch)
        .map_err(|e| OwnError::Write(e.to_string()))?;
    w.close().map_err(|e| OwnError::Write(e.to_string()))?;
    Ok(rows as u64)
}

//! Writing Parquet deterministically: fixed writer properties, no timestamps or version
//! strings in the metadata, so the same rows give the same bytes.
//!
//! Columns are built straight into Arrow buffers ([`Strs`], [`Prim`]): a string cell is
//! bytes appended to one buffer, not an allocation of its own, which keeps national-scale
//! runs within their time and memory budget.

use crate::GenerateError;
use crate::schema::{Table, arrow_schema};
use arrow::array::{ArrayRef, ArrowPrimitiveType, PrimitiveBuilder, RecordBatch, StringBuilder};
use arrow::datatypes::{Date32Type, Float64Type, Int32Type, TimestampMicrosecondType};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A string column being filled row by row.
#[derive(Default)]
pub struct Strs(StringBuilder);

impl Strs {
    pub fn push(&mut self, v: &str) {
        self.0.append_value(v);
    }

    pub fn push_opt(&mut self, v: Option<&str>) {
        self.0.append_option(v);
    }

    /// Appends a formatted value without an intermediate `String`.
    pub fn push_fmt(&mut self, args: std::fmt::Arguments<'_>) {
        use std::fmt::Write;
        self.0
            .write_fmt(args)
            .expect("writing to an in-memory buffer cannot fail");
        self.0.append_value("");
    }
}

/// A column of fixed-width values being filled row by row.
pub struct Prim<T: ArrowPrimitiveType>(PrimitiveBuilder<T>);

impl<T: ArrowPrimitiveType> Default for Prim<T> {
    fn default() -> Self {
        Self(PrimitiveBuilder::new())
    }
}

impl<T: ArrowPrimitiveType> Prim<T> {
    pub fn push(&mut self, v: T::Native) {
        self.0.append_value(v);
    }

    pub fn push_opt(&mut self, v: Option<T::Native>) {
        self.0.append_option(v);
    }
}

/// Integers (`aar`, `kom`, …).
pub type Ints = Prim<Int32Type>;
/// Days since 1970-01-01 (Parquet DATE).
pub type Days = Prim<Date32Type>;
/// Amounts and measurements.
pub type Floats = Prim<Float64Type>;
/// Microseconds since 1970-01-01 00:00 (Parquet TIMESTAMP).
pub type Micros = Prim<TimestampMicrosecondType>;

/// A finished column.
pub trait Column {
    fn array(self) -> ArrayRef;
}

impl Column for Strs {
    fn array(mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

impl<T: ArrowPrimitiveType> Column for Prim<T> {
    fn array(mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by("ork-registers".to_owned())
        .set_max_row_group_row_count(Some(1 << 18))
        .build()
}

/// One Parquet file being written batch by batch.
pub struct Writer {
    path: PathBuf,
    schema: Arc<arrow::datatypes::Schema>,
    inner: ArrowWriter<std::fs::File>,
    pub rows: u64,
}

impl Writer {
    pub fn create(path: &Path, table: &Table) -> Result<Self, GenerateError> {
        let schema = arrow_schema(table);
        let file = std::fs::File::create(path).map_err(|e| GenerateError::io(path, e))?;
        let inner = ArrowWriter::try_new(file, schema.clone(), Some(properties()))
            .map_err(|e| GenerateError::Internal(e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            schema,
            inner,
            rows: 0,
        })
    }

    pub fn append(&mut self, columns: Vec<ArrayRef>) -> Result<(), GenerateError> {
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| GenerateError::Internal(e.to_string()))?;
        self.rows += batch.num_rows() as u64;
        self.inner
            .write(&batch)
            .map_err(|e| GenerateError::write(&self.path, e))
    }

    /// Closes the file; returns its size in bytes.
    pub fn finish(self) -> Result<u64, GenerateError> {
        self.inner
            .close()
            .map_err(|e| GenerateError::write(&self.path, e))?;
        Ok(std::fs::metadata(&self.path)
            .map_err(|e| GenerateError::io(&self.path, e))?
            .len())
    }
}

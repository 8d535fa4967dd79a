//! Writing Parquet deterministically: fixed writer properties, no timestamps or version
//! strings in the metadata, so the same rows give the same bytes.

use crate::GenerateError;
use crate::schema::Table;
use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The values of one column for a batch.
pub enum Values {
    Utf8(Vec<Option<String>>),
    Int32(Vec<Option<i32>>),
    Float64(Vec<Option<f64>>),
    Date(Vec<Option<i32>>),
    /// Microseconds since 1970-01-01 00:00.
    Timestamp(Vec<Option<i64>>),
}

impl Values {
    fn into_array(self) -> ArrayRef {
        match self {
            Values::Utf8(v) => Arc::new(StringArray::from(v)),
            Values::Int32(v) => Arc::new(Int32Array::from(v)),
            Values::Float64(v) => Arc::new(Float64Array::from(v)),
            Values::Date(v) => Arc::new(Date32Array::from(v)),
            Values::Timestamp(v) => Arc::new(TimestampMicrosecondArray::from(v)),
        }
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
        let schema = table.arrow_schema();
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

    pub fn append(&mut self, columns: Vec<Values>) -> Result<(), GenerateError> {
        let arrays: Vec<ArrayRef> = columns.into_iter().map(Values::into_array).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)
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

//! Writing Parquet deterministically: fixed writer properties, no timestamps or version
//! strings in the metadata, so the same rows give the same bytes.

use crate::schema::Table;
use arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int32Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::path::Path;
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
        .set_max_row_group_row_count(Some(1 << 20))
        .build()
}

/// Writes one table file with the table's schema. Returns the number of bytes written.
pub fn write(
    path: &Path,
    table: &Table,
    columns: Vec<Values>,
) -> Result<u64, crate::GenerateError> {
    let schema = table.arrow_schema();
    let arrays: Vec<ArrayRef> = columns.into_iter().map(Values::into_array).collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| crate::GenerateError::Internal(e.to_string()))?;
    let file = std::fs::File::create(path).map_err(|e| crate::GenerateError::io(path, e))?;
    let mut writer = ArrowWriter::try_new(file, schema, Some(properties()))
        .map_err(|e| crate::GenerateError::Internal(e.to_string()))?;
    writer
        .write(&batch)
        .map_err(|e| crate::GenerateError::write(path, e))?;
    writer
        .close()
        .map_err(|e| crate::GenerateError::write(path, e))?;
    Ok(std::fs::metadata(path)
        .map_err(|e| crate::GenerateError::io(path, e))?
        .len())
}

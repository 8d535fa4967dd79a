//! The tables the generator writes, described once in `ork-schema` (re-exported here) and
//! turned into Arrow schemas here, so the files and `manifest.json` cannot disagree.

use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::sync::Arc;

pub use ork_schema::tables::*;

/// The Arrow type a column is written as.
pub fn arrow_type(kind: ColumnType) -> DataType {
    match kind {
        ColumnType::Utf8 => DataType::Utf8,
        ColumnType::Int32 => DataType::Int32,
        ColumnType::Float64 => DataType::Float64,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
    }
}

/// A table's Arrow schema: its columns in order, with their types and nullability.
pub fn arrow_schema(table: &Table) -> Arc<Schema> {
    Arc::new(Schema::new(
        table
            .columns
            .iter()
            .map(|c| Field::new(c.name, arrow_type(c.kind), c.nullable))
            .collect::<Vec<_>>(),
    ))
}

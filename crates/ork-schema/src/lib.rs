//! The synthetic registers as their readers know them, without the generator: every table
//! the generator writes with its columns, types and documentation in both languages
//! (`tables.rs`), and the facts and code lists the synthetic Denmark is built from and
//! cohort definitions are checked against (`refdata.rs`, embedded from `data/`, each folder
//! with a SOURCES.md).
//!
//! `ork-registers` (the generator) turns the tables into Arrow schemas and writes them;
//! `ork-catalog` and `ork-quicktest` read the description from here, so neither pulls in the
//! generator, Arrow or Parquet through it.

pub mod refdata;
pub mod tables;

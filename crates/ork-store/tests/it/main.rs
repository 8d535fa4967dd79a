//! The store against both backends: the same tests on SQLite and PostgreSQL.

mod accounts;
mod audit;
mod catalog;

//! Quick tests: feasibility counts across the registers before any application.
//!
//! `cohort.rs` is the cohort language (`docs/cohort-language.md`): a definition is parsed
//! and checked in full — codes against the real code lists (`codes.rs`), periods, counts,
//! nesting and size — before anything is counted, and every problem names the path of its
//! element. The person-level index, the engine, the reference implementation on DataFusion
//! and disclosure control build on it: `answer.rs` makes the protected answer (suppression,
//! the differencing check against a user's earlier answers, rounding) and `prices.rs` its
//! price from the price list.

pub mod answer;
pub mod cache;
pub mod codes;
pub mod cohort;
pub mod engine;
pub mod index;
pub mod messages;
pub mod prices;
pub mod reference;
pub mod sdc;
pub mod set;

pub use cohort::{Cohort, CohortError, Criterion, parse};

use std::sync::OnceLock;

/// The municipality codes of Denmark (from `ork-schema`'s embedded reference data).
pub fn municipality_codes() -> &'static [u16] {
    static CODES: OnceLock<Vec<u16>> = OnceLock::new();
    CODES.get_or_init(|| {
        ork_schema::refdata::RefData::load()
            .municipalities
            .iter()
            .filter_map(|m| u16::try_from(m.kom).ok())
            .collect()
    })
}

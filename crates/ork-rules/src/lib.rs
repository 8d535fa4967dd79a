//! The rulebook: which approvals a data need requires, from whom, in what order and on
//! what legal basis — as data in `rulebook/`, versioned, shared by every authority, and
//! checked when it loads (unknown authorities or datasets, cycles, steps that can never
//! apply and conflicting conditions are refused, naming the file and line).
//!
//! The planner (`planner.rs`) turns a data need into a dependency graph of steps with
//! expected durations, the critical path, blockers and, for amendments, what carries over.
//! `report.rs` gives the roadmap, precedents and rulebook as the API's typed bodies.
//! `versions.rs` snapshots a rulebook version and lists what changed between two.
//! `agreement.rs` decides which agreements a case's parties need and fills the rulebook's
//! templates (`rulebook/agreements/`) into the exact text a signature binds to.

pub mod agreement;
pub mod form;
pub mod messages;
pub mod planner;
pub mod report;
pub mod rulebook;
pub mod versions;

pub use planner::{Need, Roadmap, plan};
pub use rulebook::{LoadError, Rulebook, load};

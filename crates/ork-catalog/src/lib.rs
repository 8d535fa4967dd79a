//! The catalog ("datalandkort"): every Danish health-data source the platform knows of —
//! registers, hospitals' operational systems, biobanks, genome data — with its controller,
//! tables and variables, coverage and access route; full-text search over all of it in
//! Danish and English; and the HealthDCAT-AP export.
//!
//! The content is data in `catalog/` (one file per source, reviewed like code), checked
//! when it loads; the synthetic registers' tables and row counts come from the generator's
//! `manifest.json`. Stewards' later edits of the documentation live in the state
//! database; this crate knows nothing of it, nor of HTTP.

pub mod dcat;
pub mod load;
pub mod markdown;
pub mod model;
pub mod search;

pub use load::{Files, LoadError, Manifest, load};
pub use model::*;

/// The catalog as a running platform sees it: the shipped content, the operator's own
/// sources from `extra` if given, and the synthetic registers' manifest in
/// `registers_dir` if it is there.
pub fn open(
    registers_dir: &std::path::Path,
    extra: Option<&std::path::Path>,
) -> Result<Catalog, LoadError> {
    let mut files = Files::embedded();
    if let Some(d) = extra {
        files.add_dir(d)?;
    }
    let path = registers_dir.join("manifest.json");
    let manifest = if path.exists() {
        Some(Manifest::read(&path)?)
    } else {
        None
    };
    load(&files, manifest.as_ref())
}

//! The catalog on its real content and on a small synthetic Denmark: loading and checking,
//! row counts from the generator's manifest, search in Danish and English, facets, and
//! the HealthDCAT-AP export.

mod content;
mod dcat;
mod search;

use ork_catalog::{Catalog, Files, Manifest};
use std::path::PathBuf;
use std::sync::OnceLock;

/// A 3,000-person synthetic Denmark (2015–2024), generated once for all tests.
pub fn registers() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep().join("registers");
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 3000,
            out: dir.clone(),
            ..Default::default()
        })
        .expect("the registers generate");
        dir
    })
}

pub fn manifest() -> Manifest {
    Manifest::read(&registers().join("manifest.json")).expect("the manifest reads")
}

/// The shipped catalog with the synthetic registers' counts.
pub fn catalog() -> &'static Catalog {
    static CAT: OnceLock<Catalog> = OnceLock::new();
    CAT.get_or_init(|| {
        ork_catalog::load(&Files::embedded(), Some(&manifest())).expect("the catalog loads")
    })
}

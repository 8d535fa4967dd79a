//! The engine on one small generated Denmark, shared by every test here: the language's
//! laws (`engine.rs`) and equality with the reference SQL on DataFusion (`reference.rs`).

mod answer;
mod engine;
mod reference;

use ork_quicktest::index::Index;
use ork_quicktest::reference::Reference;
use std::sync::OnceLock;

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub index: Index,
    pub reference: Reference,
    pub runtime: tokio::runtime::Runtime,
}

/// Generated once per test run: 4,000 persons, 2015–2024.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("registers");
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 4000,
            seed: 7,
            from_year: 2015,
            to_year: 2024,
            out: out.clone(),
            force: false,
        })
        .unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let reference = runtime.block_on(Reference::open(&out)).unwrap();
        Fixture {
            index: Index::build(&out).unwrap(),
            reference,
            runtime,
            _dir: dir,
        }
    })
}

//! Provisioning at scale, for `bench/provision.sh`: a cohort of every fifth person of the
//! registers extracted from five registers (cpr, bef, lpr_adm, lmdb, ind: every column,
//! every year) — filter, semi-join, pseudonymise, write Parquet — timed. Generates the
//! registers first when the folder has none (1,000,000 persons, seed 1, 2015–2024, the
//! quick-test benchmark's). Prints one JSON line; writes the cohort as CSV for the peer.
//!
//!   provision_bench REGISTERS OUT

use arrow::array::{Array, StringArray};
use ork_workspace::extract::{Scope, TableScope, extract};
use ork_workspace::{KeyProvider, LocalMasterKey, Pseudonymiser};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::PathBuf;
use std::time::Instant;

const TABLES: [&str; 5] = ["cpr", "bef", "lpr_adm", "lmdb", "ind"];

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (registers, out) = match &args[..] {
        [_, r, o] => (PathBuf::from(r), PathBuf::from(o)),
        _ => {
            eprintln!("usage: provision_bench REGISTERS OUT");
            std::process::exit(2);
        }
    };
    if !registers.join("manifest.json").exists() {
        eprintln!("generating 1,000,000 persons into {}", registers.display());
        ork_registers::generate(&ork_registers::GenerateOptions {
            persons: 1_000_000,
            seed: 1,
            from_year: 2015,
            to_year: 2024,
            out: registers.clone(),
            force: true,
        })
        .expect("generate the registers");
    }
    // Every fifth person of the CPR register, the first 200,000 of them.
    let file = std::fs::File::open(registers.join("cpr").join("cpr.parquet")).unwrap();
    let mut persons = Vec::new();
    let mut i = 0usize;
    for batch in ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
    {
        let batch = batch.unwrap();
        let c = batch.column_by_name("pnr").unwrap();
        let s = c.as_any().downcast_ref::<StringArray>().unwrap();
        for v in s.iter().flatten() {
            if i.is_multiple_of(5) && persons.len() < 200_000 {
                persons.push(v.to_owned());
            }
            i += 1;
        }
    }
    std::fs::create_dir_all(&out).unwrap();
    let mut csv = String::from("pnr\n");
    for p in &persons {
        csv.push_str(p);
        csv.push('\n');
    }
    std::fs::write(out.join("cohort.csv"), csv).unwrap();
    let scope = Scope {
        tables: TABLES
            .iter()
            .map(|t| TableScope {
                table: (*t).to_owned(),
                columns: ork_schema::tables::TABLES
                    .iter()
                    .find(|x| x.name == *t)
                    .unwrap()
                    .columns
                    .iter()
                    .map(|c| c.name.to_owned())
                    .collect(),
                years: None,
                exclude_opted_out: false,
                region: None,
            })
            .collect(),
        persons: Some(persons.clone()),
    };
    let master = LocalMasterKey::from_hex(&"7c".repeat(32)).unwrap();
    let p = Pseudonymiser::new(&master.project_key("bench").unwrap());
    let dir = out.join("ours");
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    // Sealed as the platform's are: AES-256-GCM under the workspace's data key.
    let sealing = master.data_key("bench", true).expect("a data key");
    let written = extract(&registers, &dir, &scope, &p, &sealing)
        .await
        .expect("extract");
    let seconds = started.elapsed().as_secs_f64();
    let rows: u64 = written.iter().map(|w| w.rows).sum();
    let bytes: u64 = written
        .iter()
        .map(|w| std::fs::metadata(&w.file).unwrap().len())
        .sum();
    println!(
        "{{\"persons\": {}, \"tables\": {}, \"rows\": {rows}, \"bytes\": {bytes}, \"seconds\": {seconds:.3}}}",
        persons.len(),
        written.len()
    );
}

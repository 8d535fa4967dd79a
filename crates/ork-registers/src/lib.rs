//! The synthetic Danish registers: the same tables, variable names and codes researchers
//! know from DST and SDS, generated deterministically from a seed and written as Parquet,
//! one folder per register, with a `manifest.json` that documents every column.
//!
//! Real register data can never be here; every later part (catalog, quick tests,
//! workspaces, benchmarks) runs on this synthetic Denmark. The facts it is built from and
//! the tables' description live in `ork-schema` (its `data/` with their sources, and
//! `tables.rs`), which readers of the files use without this generator; `schema` re-exports
//! the tables and adds their Arrow schemas.
//!
//! Every register of the issue is generated: `cpr`, `bef`, `ind`, `udda`, LPR2 (until 2018)
//! and LPR3 (from 2019), `lmdb`, `dodsaarsager`, `cancer`, `dlcr`, `biobank`, `lab`,
//! `pacs`, `genom` and `var`.

pub mod cpr;
pub mod dates;
pub mod health;
pub mod more;
pub mod population;
mod registers;
pub mod schema;
pub mod stats;
mod write;

/// The facts the synthetic Denmark is built from, kept with the schema in `ork-schema`.
pub use ork_schema::refdata;

use rand::SeedableRng;
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Residents on 1 January of `from_year`.
    pub persons: u64,
    pub seed: u64,
    pub from_year: i32,
    pub to_year: i32,
    pub out: PathBuf,
    /// Replace a non-empty output folder.
    pub force: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            persons: 100_000,
            seed: 1,
            from_year: 2015,
            to_year: 2024,
            out: PathBuf::from("var/registers"),
            force: false,
        }
    }
}

/// Why generation did not happen or did not finish. Nothing half-written is left looking
/// complete: files are written to a temporary folder renamed into place at the end.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("{0}")]
    Invalid(String),
    #[error("the output folder {0} is not empty; choose another or pass --force to replace it")]
    NotEmpty(PathBuf),
    #[error("cannot write {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<String> for GenerateError {
    fn from(message: String) -> Self {
        Self::Internal(message)
    }
}

/// What to tell a person about a failed write: a full disk said plainly.
fn io_message(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::StorageFull {
        "the disk is full (no space left on device); free space or choose another --out".into()
    } else {
        e.to_string()
    }
}

impl GenerateError {
    fn io(path: &Path, e: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            message: io_message(&e),
        }
    }

    fn write(path: &Path, e: parquet::errors::ParquetError) -> Self {
        let message = match &e {
            parquet::errors::ParquetError::External(inner) => inner
                .downcast_ref::<std::io::Error>()
                .map_or_else(|| e.to_string(), io_message),
            _ => e.to_string(),
        };
        Self::Io {
            path: path.to_path_buf(),
            message,
        }
    }
}

/// The earliest and latest years the generator covers (LPR from 1977; a horizon of 2030).
pub const YEARS: std::ops::RangeInclusive<i32> = 1977..=2030;

impl GenerateOptions {
    pub fn validate(&self) -> Result<(), GenerateError> {
        if self.persons == 0 {
            return Err(GenerateError::Invalid(
                "--persons must be at least 1".into(),
            ));
        }
        if self.persons > 20_000_000 {
            return Err(GenerateError::Invalid(
                "--persons must be at most 20000000".into(),
            ));
        }
        for (flag, y) in [("--from-year", self.from_year), ("--to-year", self.to_year)] {
            if !YEARS.contains(&y) {
                return Err(GenerateError::Invalid(format!(
                    "{flag} {y} is outside 1977-2030"
                )));
            }
        }
        if self.from_year > self.to_year {
            return Err(GenerateError::Invalid(format!(
                "--from-year {} is after --to-year {}",
                self.from_year, self.to_year
            )));
        }
        Ok(())
    }
}

/// What a finished run wrote, per table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TableSummary {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
    pub files: Vec<String>,
    /// Rows per year and unique persons, for the manifest.
    #[serde(skip)]
    pub stats: stats::TableStats,
}

fn is_empty_dir(p: &Path) -> bool {
    std::fs::read_dir(p)
        .map(|mut d| d.next().is_none())
        .unwrap_or(true)
}

/// What a long run reports as it goes, for a progress display.
#[derive(Debug, Clone)]
pub enum Progress {
    /// The population simulation took its 1 January snapshot of this year.
    Year {
        year: i32,
        from_year: i32,
        to_year: i32,
    },
    /// Histories written for `done` of `total` persons.
    Persons { done: u64, total: u64 },
    /// Rows written so far to a register.
    Rows { table: &'static str, rows: u64 },
}

/// Generates the registers into `opts.out`. Same options, same bytes.
pub fn generate(opts: &GenerateOptions) -> Result<Vec<TableSummary>, GenerateError> {
    generate_with_progress(opts, &|_| {})
}

/// [`generate`], reporting progress to `report` (called from the generating thread).
pub fn generate_with_progress(
    opts: &GenerateOptions,
    report: &dyn Fn(Progress),
) -> Result<Vec<TableSummary>, GenerateError> {
    opts.validate()?;
    if opts.out.exists() && !is_empty_dir(&opts.out) && !opts.force {
        return Err(GenerateError::NotEmpty(opts.out.clone()));
    }
    let parent = opts
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| GenerateError::io(parent, e))?;
    let name = opts
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "registers".into());
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| GenerateError::io(&tmp, e))?;
    }
    // Removes the temporary folder however generation ends, a panic included.
    struct Cleanup<'a>(&'a Path);
    impl Drop for Cleanup<'_> {
        fn drop(&mut self) {
            if self.0.exists() {
                let _ = std::fs::remove_dir_all(self.0);
            }
        }
    }
    let _cleanup = Cleanup(&tmp);
    let result = generate_into(opts, &tmp, report);
    match result {
        Ok(summary) => {
            if opts.out.exists() {
                std::fs::remove_dir_all(&opts.out).map_err(|e| GenerateError::io(&opts.out, e))?;
            }
            std::fs::rename(&tmp, &opts.out).map_err(|e| GenerateError::io(&opts.out, e))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// How many persons' histories are held in memory at once.
const CHUNK: usize = 50_000;

fn generate_into(
    opts: &GenerateOptions,
    dir: &Path,
    report: &dyn Fn(Progress),
) -> Result<Vec<TableSummary>, GenerateError> {
    use rayon::prelude::*;
    let refdata = refdata::RefData::load();
    let rng = rand_chacha::ChaCha8Rng::seed_from_u64(opts.seed);
    let mut out = registers::Outputs::new(dir, opts.seed, opts.from_year, opts.to_year);
    let persons = population::Simulation::new(&refdata, rng).run(
        opts.persons,
        opts.from_year,
        opts.to_year,
        |year, rows, ps| {
            out.population_year(year, rows, ps);
            out.flush()?;
            report(Progress::Year {
                year,
                from_year: opts.from_year,
                to_year: opts.to_year,
            });
            out.report_rows(report);
            Ok::<(), GenerateError>(())
        },
    )?;
    out.persons(&persons);
    let (from, to) = (dates::jan1(opts.from_year), dates::jan1(opts.to_year + 1));
    let mut done = 0u64;
    for chunk in persons.chunks(CHUNK) {
        // Histories in parallel, collected in person order: the same on any thread count.
        let computed: Vec<(health::History, more::Extras)> = chunk
            .par_iter()
            .map(|p| {
                // Region index 0..5 (by code) of where the person lives.
                let reg = u16::try_from(refdata.municipalities[p.kom].reg).unwrap_or(0);
                let region = ork_domain::Region::ordinal(reg).expect("a region code");
                let h = health::history(p, opts.seed, from, to, region);
                let x = more::extras(opts.seed, p, &h, from, to, region);
                (h, x)
            })
            .collect();
        let (hs, xs): (Vec<_>, Vec<_>) = computed.into_iter().unzip();
        out.chunk(chunk, &hs, &xs);
        out.flush()?;
        done += chunk.len() as u64;
        report(Progress::Persons {
            done,
            total: persons.len() as u64,
        });
        out.report_rows(report);
    }
    let summaries = out.finish()?;
    manifest(dir, opts, &summaries)?;
    Ok(summaries)
}

fn manifest(
    dir: &Path,
    opts: &GenerateOptions,
    summaries: &[TableSummary],
) -> Result<(), GenerateError> {
    let tables: Vec<serde_json::Value> = schema::TABLES
        .iter()
        .map(|t| {
            let s = summaries.iter().find(|s| s.name == t.name);
            serde_json::json!({
                "name": t.name,
                "label_da": t.label_da,
                "label_en": t.label_en,
                "controller": t.controller,
                "yearly": t.yearly,
                "coverage": {"from_year": opts.from_year, "to_year": opts.to_year},
                "rows": s.map_or(0, |s| s.rows),
                "bytes": s.map_or(0, |s| s.bytes),
                "files": s.map(|s| s.files.clone()).unwrap_or_default(),
                "unique_persons": s.map_or(0, |s| s.stats.all.persons.len()),
                "rows_by_year": s.map(|s| by_year(&s.stats.all.rows_by_year)).unwrap_or_default(),
                "regions": s.map(|s| regions(&s.stats)).unwrap_or_default(),
                "columns": t.columns.iter().map(|c| serde_json::json!({
                    "name": c.name,
                    "type": c.kind.name(),
                    "nullable": c.nullable,
                    "label_da": c.label_da,
                    "label_en": c.label_en,
                    "description": c.description,
                    "description_en": c.description,
                    "description_da": c.description_da,
                    "code_list": c.code_list,
                    "unit": c.unit,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Registers made of several tables (LPR2 and LPR3 are one register, `lpr`): the persons
    // in any of their tables.
    let mut registers: std::collections::BTreeMap<&str, stats::PersonSet> = Default::default();
    for s in summaries {
        registers
            .entry(stats::register_of(&s.name))
            .or_default()
            .union_with(&s.stats.all.persons);
    }
    let registers: Vec<serde_json::Value> = registers
        .iter()
        .map(|(id, set)| {
            let tables: Vec<&str> = summaries
                .iter()
                .map(|s| s.name.as_str())
                .filter(|n| stats::register_of(n) == *id)
                .collect();
            serde_json::json!({"id": id, "tables": tables, "unique_persons": set.len()})
        })
        .collect();
    let manifest = serde_json::json!({
        "generator": "orkestrator registers generate",
        "synthetic": true,
        "parameters": {"persons": opts.persons, "seed": opts.seed, "from_year": opts.from_year, "to_year": opts.to_year},
        "known_quality_issues": [
            {"table": "bef", "column": "kom", "share": population::MISSING_KOM_SHARE, "description": "Municipality (and region) missing on a small share of rows, as in real extracts."},
            {"table": "cpr", "column": "far_pnr", "description": "Father unknown for about 3 % of persons born in the period."},
            {"table": "lpr_diag", "column": "c_diagtype", "description": "Many contacts carry only their action diagnosis, no secondary diagnoses."},
            {"table": "lmdb", "column": "indo", "description": "Indication is empty, as it often is in the real register."},
            {"table": "lpr_adm", "column": "c_sgh", "description": "Hospital, department and SOR codes are synthetic (by region), not real SHAK/SOR codes."}
        ],
        "tables": tables,
        "registers": registers,
    });
    let path = dir.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| GenerateError::Internal(e.to_string()))?;
    std::fs::write(&path, text + "\n").map_err(|e| GenerateError::io(&path, e))
}

fn by_year(m: &std::collections::BTreeMap<i32, u64>) -> serde_json::Map<String, serde_json::Value> {
    m.iter()
        .map(|(y, n)| (y.to_string(), serde_json::json!(n)))
        .collect()
}

/// Per region (by id) for the regional tables: rows, unique persons, rows per year.
fn regions(s: &stats::TableStats) -> serde_json::Map<String, serde_json::Value> {
    s.regions
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                more::region_id(i).to_owned(),
                serde_json::json!({
                    "rows": c.rows_by_year.values().sum::<u64>(),
                    "unique_persons": c.persons.len(),
                    "rows_by_year": by_year(&c.rows_by_year),
                }),
            )
        })
        .collect()
}

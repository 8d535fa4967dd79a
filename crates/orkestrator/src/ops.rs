//! The operator's commands: organisations, users, tokens, the audit trail, and serving.

use crate::config::Config;
use anyhow::{Context, bail};
use clap::Subcommand;
use ork_domain::{Email, Lang, OrgId, OrgKind, PersonName, Role};
use ork_server::auth::{hash_password, secrets, validate_new_password};
use ork_store::{AuditSource, NewApiToken, NewOrganisation, NewUser, Store, now_unix};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Add an organisation.
    Add {
        /// Stable short id, e.g. sds, vek-hovedstaden, ku.
        #[arg(long)]
        id: String,
        /// authority, university_hospital, company, foreign_organisation or platform_operator.
        #[arg(long)]
        kind: String,
        /// For authorities: data_controller, approving_authority or both.
        #[arg(long)]
        authority_role: Option<String>,
        #[arg(long)]
        name_da: String,
        #[arg(long)]
        name_en: String,
    },
    /// List organisations.
    List,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user, optionally with roles for one organisation.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Organisation the roles are for.
        #[arg(long, requires = "role")]
        org: Option<String>,
        /// Role id (repeatable): applicant, advisor, case_handler, data_steward, output_checker, auditor, citizen, operator.
        #[arg(long, requires = "org")]
        role: Vec<String>,
        /// Read the password from standard input (first line). Without it the user can sign in only through another provider.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant an existing user a role for an organisation.
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
    },
    /// Take a role back from a user.
    Revoke {
        #[arg(long)]
        email: String,
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
    },
    /// Disable an account: its sessions end and its API tokens stop working.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Record a user's data-security certification, valid to the given day inclusive: without
    /// a valid one, no workspace lets them in.
    Certify {
        #[arg(long)]
        email: String,
        /// The last day the certification is valid, YYYY-MM-DD.
        #[arg(long)]
        until: String,
    },
    /// Withdraw a user's data-security certification.
    Uncertify {
        #[arg(long)]
        email: String,
    },
    /// Set a user's password, read from standard input.
    SetPassword {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it once.
    Create {
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Days until it expires (1-365).
        #[arg(long, default_value_t = 90)]
        expires_in: i64,
    },
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain: in the database, or in an export with --file (no database needed).
    Verify {
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Export the chain as JSON lines (one event a line, then a trailer line).
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Load and check the catalog (shipped content, catalog_dir, the registers' manifest)
    /// and build its search index.
    Check,
    /// Time searches in-process: each line of FILE is one query, run ROUNDS times; prints
    /// JSON with the index build time and latency percentiles (for bench/).
    BenchSearch {
        #[arg(long, value_name = "FILE")]
        queries: PathBuf,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
    /// Write the whole catalog as DCAT-AP 3 with the HealthDCAT-AP health properties.
    Export {
        /// turtle or jsonld.
        #[arg(long, default_value = "turtle")]
        format: String,
        /// Output file; - for standard output.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The platform's public address, used in the IRIs. Default: public_url, else the
        /// listen address (http://localhost:8080).
        #[arg(long)]
        base: Option<String>,
    },
}

/// Files only, like `registers`: the catalog needs no database.
pub fn catalog(cmd: CatalogCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let catalog = match ork_catalog::open(
        &config.data_dir.join("registers"),
        config.catalog_dir.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("orkestrator: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    match cmd {
        CatalogCommand::Check => {
            let variables: usize = catalog.sources.iter().map(|s| s.variable_count()).sum();
            let started = std::time::Instant::now();
            let index = ork_catalog::search::SearchIndex::build(&catalog, &Default::default())?;
            println!(
                "The catalog is sound: {} sources from {} controllers, {variables} variables{}. Search index: {} documents in {} ms.",
                catalog.sources.len(),
                catalog.controllers.len(),
                if catalog.manifest_loaded {
                    ", with the synthetic registers' row counts"
                } else {
                    "; no registers manifest found, so no row counts for the synthetic registers"
                },
                index.documents(),
                started.elapsed().as_millis()
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::BenchSearch { queries, rounds } => {
            let text = std::fs::read_to_string(&queries)
                .with_context(|| format!("cannot read {}", queries.display()))?;
            let qs: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let started = std::time::Instant::now();
            let index = ork_catalog::search::SearchIndex::build(&catalog, &Default::default())?;
            let build_ms = started.elapsed().as_secs_f64() * 1e3;
            let mut times = Vec::with_capacity(qs.len() * rounds);
            let mut hits = 0usize;
            for _ in 0..rounds.max(1) {
                for q in &qs {
                    let query = ork_catalog::search::Query {
                        q: (*q).to_owned(),
                        limit: 20,
                        ..Default::default()
                    };
                    let t = std::time::Instant::now();
                    let r = index.search(&catalog, &query, Lang::Da)?;
                    times.push(t.elapsed().as_secs_f64() * 1e6);
                    hits += r.sources.len();
                }
            }
            times.sort_by(f64::total_cmp);
            let pct = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "{}",
                serde_json::json!({
                    "documents": index.documents(),
                    "build_ms": build_ms,
                    "searches": times.len(),
                    "p50_us": pct(0.5),
                    "p99_us": pct(0.99),
                    "max_us": pct(1.0),
                    "matched_sources": hits,
                })
            );
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Export { format, out, base } => {
            let Some(fmt) = ork_catalog::dcat::Format::parse(&format) else {
                eprintln!("orkestrator: --format {format:?} is not known; use turtle or jsonld");
                return Ok(ExitCode::from(2));
            };
            let base = base.unwrap_or_else(|| config.server().public_base());
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                eprintln!("orkestrator: --base {base:?} is not an http:// or https:// address");
                return Ok(ExitCode::from(2));
            }
            let bytes = ork_catalog::dcat::export(&catalog, &base, &Default::default(), fmt)?;
            if out.as_os_str() == "-" {
                use std::io::Write;
                std::io::stdout().write_all(&bytes)?;
            } else {
                // Written beside the target and renamed, so a failed export leaves no half file.
                let tmp = out.with_extension("partial");
                std::fs::write(&tmp, &bytes)
                    .and_then(|()| std::fs::rename(&tmp, &out))
                    .map_err(|e| {
                        let _ = std::fs::remove_file(&tmp);
                        anyhow::anyhow!("cannot write {}: {e}", out.display())
                    })?;
                eprintln!(
                    "Wrote {} sources as {format} to {} ({} bytes).",
                    catalog.sources.len(),
                    out.display(),
                    bytes.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The roadmap for a need, as `POST /api/v1/roadmap` gives it. Estimates rest on the
/// decided cases in the configured database when it exists (it is never created here),
/// otherwise on the rulebook's documented priors alone.
pub async fn roadmap(
    need: &Path,
    format: &str,
    lang: &str,
    repeat: Option<usize>,
    config: &Config,
) -> anyhow::Result<ExitCode> {
    let Some(lang) = Lang::parse(lang).filter(|_| ["json", "text"].contains(&format)) else {
        eprintln!("orkestrator: --format is json or text, --lang da or en");
        return Ok(ExitCode::from(2));
    };
    let text = match std::fs::read_to_string(need) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("orkestrator: cannot read {}: {e}", need.display());
            return Ok(ExitCode::from(2));
        }
    };
    let need: ork_rules::Need = match serde_json::from_str(&text) {
        Ok(n) => n,
        Err(e) => {
            eprintln!(
                "orkestrator: {} is not a valid data need: {e}",
                need.display()
            );
            return Ok(ExitCode::from(2));
        }
    };
    let catalog = match ork_catalog::open(
        &config.data_dir.join("registers"),
        config.catalog_dir.as_deref(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("orkestrator: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let book = match rulebook(config, &catalog) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("orkestrator: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let history = match decided_cases(config).await {
        Ok(h) => h.unwrap_or_default(),
        Err(e) => {
            eprintln!("orkestrator: cannot read the decided cases: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    if let Some(n) = repeat {
        // The plan alone, and the whole answer of the API (plan, precedents, what-if).
        let mut plans = Vec::with_capacity(n);
        let mut answers = Vec::with_capacity(n);
        for _ in 0..n.max(1) {
            let t = std::time::Instant::now();
            std::hint::black_box(ork_rules::plan(&catalog, &book, &need, &history).ok());
            plans.push(t.elapsed().as_secs_f64() * 1e6);
            let t = std::time::Instant::now();
            std::hint::black_box(
                ork_rules::report::roadmap(&catalog, &book, &need, &history)
                    .map(|(_, r)| serde_json::to_string(&r))
                    .ok(),
            );
            answers.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let stats = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let pct = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
            serde_json::json!({"p50_us": pct(0.5), "p99_us": pct(0.99), "max_us": pct(1.0)})
        };
        println!(
            "{}",
            serde_json::json!({
                "repeats": plans.len(), "datasets": need.datasets.len(),
                "decided_cases": history.total(),
                "plan": stats(plans), "full_answer": stats(answers),
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    let out = if format == "json" {
        ork_rules::report::roadmap(&catalog, &book, &need, &history)
            .map(|(_, r)| serde_json::to_string_pretty(&r).unwrap_or_default() + "\n")
    } else {
        ork_rules::plan(&catalog, &book, &need, &history)
            .map(|r| ork_rules::planner::to_text(&r, lang))
    };
    match out {
        Ok(text) => {
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("orkestrator: {}", e.message(lang));
            Ok(ExitCode::from(2))
        }
    }
}

/// The rulebook in force: the `rulebook_dir` folder when configured, else the shipped one;
/// checked against the catalog (a problem names its file and line).
fn rulebook(
    config: &Config,
    catalog: &ork_catalog::Catalog,
) -> anyhow::Result<ork_rules::Rulebook> {
    let files = match &config.rulebook_dir {
        Some(d) => ork_rules::rulebook::Files::from_dir(d).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => ork_rules::rulebook::Files::embedded(),
    };
    ork_rules::load(&files, catalog).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The decided cases in the configured database, or `None` when it is an SQLite file that
/// does not exist yet (nothing has been decided; the file is not created for a read).
async fn decided_cases(config: &Config) -> anyhow::Result<Option<ork_rules::planner::History>> {
    if let Some(rest) = config.database_url.strip_prefix("sqlite:") {
        let path = rest.trim_start_matches("//");
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path == ":memory:" || !Path::new(path).exists() {
            return Ok(None);
        }
    }
    let store = Store::connect(&config.database_url).await?;
    Ok(Some(ork_server::roadmap::read_history(&store).await?))
}

/// The quick tests' disclosure policy and price list: the operator's files when
/// configured (checked, naming the file), else the shipped ones.
pub fn quicktest_rules(
    config: &Config,
) -> anyhow::Result<(ork_quicktest::sdc::Policy, ork_quicktest::prices::PriceList)> {
    let read = |p: &Path| {
        std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
    };
    let policy = match &config.disclosure_file {
        Some(p) => ork_quicktest::sdc::Policy::from_toml(&read(p)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => ork_quicktest::sdc::Policy::default(),
    };
    let prices = match &config.price_list_file {
        Some(p) => ork_quicktest::prices::PriceList::from_toml(&read(p)?)
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        None => ork_quicktest::prices::PriceList::default(),
    };
    Ok((policy, prices))
}

/// How `orkestrator quicktest` answers.
pub struct QuicktestOptions<'a> {
    pub data: Option<&'a Path>,
    pub exact: bool,
    pub timings: bool,
    pub tariff: &'a str,
    pub lang: &'a str,
    /// Print each definition's reference SQL instead of counting (for `bench/quicktest.sh`).
    pub sql: bool,
    pub cohorts: &'a [PathBuf],
}

/// Files only: counts cohorts on a registers folder. Definitions are all checked before
/// the index is built, so a bad one costs nothing. Without `--exact` the answers are the
/// API's: protected, with the definitions of one run checked against each other as one
/// user's answers are.
pub fn quicktest(o: &QuicktestOptions, config: &Config) -> anyhow::Result<ExitCode> {
    let (policy, prices) = match quicktest_rules(config) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("orkestrator: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    if !prices.tariffs.contains_key(o.tariff) {
        eprintln!(
            "orkestrator: --tariff {:?} is not in the price list; the tariffs are: {}",
            o.tariff,
            prices
                .tariffs
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(ExitCode::from(2));
    }
    let lang = Lang::parse(o.lang).unwrap_or(Lang::En);
    let mut parsed = Vec::new();
    for path in o.cohorts {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("orkestrator: cannot read {}: {e}", path.display());
                return Ok(ExitCode::from(2));
            }
        };
        match ork_quicktest::parse(&text) {
            Ok(c) => parsed.push(c),
            Err(e) => {
                eprintln!("orkestrator: {}: {}", path.display(), e.message(lang));
                return Ok(ExitCode::from(2));
            }
        }
    }
    if o.sql {
        for c in &parsed {
            println!(
                "{}",
                serde_json::json!({"sql": ork_quicktest::reference::sql(c), "breakdown": c.breakdown.iter().map(|b| b.key()).collect::<Vec<_>>()})
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let dir = o
        .data
        .map(Path::to_owned)
        .unwrap_or_else(|| config.data_dir.join("registers"));
    let t = std::time::Instant::now();
    let index = match ork_quicktest::index::Index::build(&dir) {
        Ok(ix) => ix,
        Err(e) => {
            eprintln!("orkestrator: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let build_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut earlier = Vec::new();
    for c in &parsed {
        let t = std::time::Instant::now();
        let mut out = if o.exact {
            ork_quicktest::engine::count(&index, c).exact_json()
        } else {
            let a = ork_quicktest::answer::answer(&index, &policy, c, &earlier);
            let mut out =
                serde_json::to_value(ork_quicktest::answer::report(&policy, c, &a, lang))?;
            out["price"] = serde_json::to_value(prices.charge(&prices.price(c, o.tariff)))?;
            earlier.push(ork_quicktest::answer::Earlier {
                cohort: Some(c.clone()),
                shown: a.shown,
            });
            out
        };
        let millis = t.elapsed().as_secs_f64() * 1e3;
        if o.timings {
            out["millis"] = serde_json::json!((millis * 1000.0).round() / 1000.0);
        }
        println!("{out}");
    }
    println!(
        "{}",
        serde_json::json!({
            "index_build_millis": build_ms.round(),
            "persons": index.persons.len(),
            "index_bytes": index.heap_bytes(),
        })
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum RegistersCommand {
    /// Write the synthetic registers as Parquet, one folder per register, with manifest.json.
    Generate {
        /// Residents on 1 January of the first year.
        #[arg(long, default_value_t = 100_000)]
        persons: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 2015)]
        from_year: i32,
        #[arg(long, default_value_t = 2024)]
        to_year: i32,
        /// Output folder. Default: DATA_DIR/registers.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace a non-empty output folder.
        #[arg(long)]
        force: bool,
    },
}

pub fn registers(cmd: RegistersCommand, config: &Config) -> anyhow::Result<ExitCode> {
    let RegistersCommand::Generate {
        persons,
        seed,
        from_year,
        to_year,
        out,
        force,
    } = cmd;
    let out = out.unwrap_or_else(|| config.data_dir.join("registers"));
    let opts = ork_registers::GenerateOptions {
        persons,
        seed,
        from_year,
        to_year,
        out: out.clone(),
        force,
    };
    let started = std::time::Instant::now();
    let bars = RegisterBars::new();
    let result = ork_registers::generate_with_progress(&opts, &|p| bars.update(p));
    bars.finish();
    match result {
        Ok(tables) => {
            let secs = started.elapsed().as_secs_f64();
            let rows: u64 = tables.iter().map(|t| t.rows).sum();
            let bytes: u64 = tables.iter().map(|t| t.bytes).sum();
            for t in &tables {
                println!(
                    "  {:<16} {:>12} rows {:>10.1} MB",
                    t.name,
                    t.rows,
                    t.bytes as f64 / 1e6
                );
            }
            println!(
                "Wrote {rows} rows ({:.1} MB) to {} in {secs:.1} s ({:.0} rows/s).",
                bytes as f64 / 1e6,
                out.display(),
                rows as f64 / secs.max(1e-9)
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("orkestrator: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Progress bars on a terminal (one for the population years, one for the persons'
/// histories, one per register with its rows); nothing when standard error is not a
/// terminal, so logs and CI output stay quiet.
struct RegisterBars {
    multi: Option<indicatif::MultiProgress>,
    bars: std::sync::Mutex<std::collections::HashMap<String, indicatif::ProgressBar>>,
}

impl RegisterBars {
    fn new() -> Self {
        use std::io::IsTerminal;
        let multi = std::io::stderr()
            .is_terminal()
            .then(indicatif::MultiProgress::new);
        Self {
            multi,
            bars: Default::default(),
        }
    }

    fn bar(
        &self,
        key: &str,
        make: impl FnOnce() -> indicatif::ProgressBar,
    ) -> Option<indicatif::ProgressBar> {
        let multi = self.multi.as_ref()?;
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        Some(
            bars.entry(key.to_owned())
                .or_insert_with(|| multi.add(make()))
                .clone(),
        )
    }

    fn update(&self, p: ork_registers::Progress) {
        use indicatif::{ProgressBar, ProgressStyle};
        use ork_registers::Progress::*;
        let style = |t: &str| {
            ProgressStyle::with_template(t).unwrap_or_else(|_| ProgressStyle::default_bar())
        };
        match p {
            Year {
                year,
                from_year,
                to_year,
            } => {
                if let Some(b) = self.bar("population", || {
                    ProgressBar::new((to_year - from_year + 1) as u64)
                        .with_style(style("{prefix:>16} [{bar:30}] {pos}/{len} years"))
                        .with_prefix("population")
                }) {
                    b.set_position((year - from_year + 1) as u64);
                }
            }
            Persons { done, total } => {
                if let Some(b) = self.bar("histories", || {
                    ProgressBar::new(total)
                        .with_style(style("{prefix:>16} [{bar:30}] {pos}/{len} persons"))
                        .with_prefix("histories")
                }) {
                    b.set_position(done);
                }
            }
            Rows { table, rows } => {
                if let Some(b) = self.bar(table, || {
                    ProgressBar::no_length()
                        .with_style(style("{prefix:>16} {pos} rows"))
                        .with_prefix(table.to_owned())
                }) {
                    b.set_position(rows);
                }
            }
        }
    }

    fn finish(&self) {
        for b in self.bars.lock().unwrap_or_else(|p| p.into_inner()).values() {
            b.finish();
        }
    }
}

pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.data_dir.display()
            )
        })?;
    }
    Store::connect(&config.database_url)
        .await
        .context("cannot open the database")
}

pub async fn serve(store: Store, config: &Config) -> anyhow::Result<()> {
    if !config.assets_dir.join("dkfds").exists() {
        tracing::warn!(dir = %config.assets_dir.display(), "front-end assets are missing: run `make assets` (npm) so the portal is styled");
    }
    let purged = store.purge_expired_sessions().await?;
    tracing::debug!(purged, "expired sessions removed");
    let catalog = ork_catalog::open(
        &config.data_dir.join("registers"),
        config.catalog_dir.as_deref(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !catalog.manifest_loaded {
        tracing::warn!(dir = %config.data_dir.join("registers").display(), "no synthetic registers found: the catalog shows no row counts for them (run `orkestrator registers generate`)");
    }
    // A broken rulebook stops start-up, naming the file and line.
    let book = rulebook(config, &catalog)?;
    // So does a knowledge-base article or a route naming what the rulebook or the catalog
    // does not hold.
    let advice = ork_server::advice::AdviceState::load(&catalog, &book)?;
    let catalog = ork_server::catalog::CatalogState::new(catalog)?;
    let (policy, prices) = quicktest_rules(config)?;
    let quicktests = std::sync::Arc::new(ork_server::quicktests::QuickTestState::new(
        Some(config.data_dir.join("registers")),
        policy,
        prices,
    ));
    let state = ork_server::AppState::with_parts(
        store.clone(),
        config.server(),
        catalog,
        ork_server::roadmap::RulesState::new(book),
        advice,
    )
    .with_quicktests(quicktests.clone())
    .with_workspaces(workspace_state(config)?)
    .with_jobs(std::sync::Arc::new(
        ork_server::jobs::JobsState::new(ork_server::jobs::JobsConfig {
            dir: config.jobs_dir.clone(),
            analysis_env: config.analysis_env.clone(),
            concurrent: config.jobs_concurrent,
        })
        .await,
    ));
    // The index is built in the background; quick tests answer 503 until it is ready.
    quicktests.start(std::time::Duration::from_secs(30));
    state.catalog.load_docs(&store).await?;
    if state.rules.record_version(&store).await? {
        tracing::info!(version = %state.rules.book.version, "rulebook version recorded");
    }
    let articles = state.advice.reload(&store).await?;
    tracing::info!(articles, "knowledge base loaded");
    let cases = state.rules.load_history(&store).await?;
    let precedents = state.rules.load_precedents(&store).await?;
    tracing::info!(
        cases,
        precedents,
        "decided cases behind the roadmap estimates and the precedent register"
    );
    ork_server::serve(state, |addr| {
        println!("Dataorkestrator is serving at http://{addr}/  (Ctrl-C stops it)");
    })
    .await
}

/// The workspaces' master key: `ORK_WORKSPACE_MASTER_KEY` or the key file, with the data
/// keys wrapped under it in the keys folder; `None` without either. A malformed key is an
/// error. The key itself is never printed.
pub(crate) fn master_key(config: &Config) -> anyhow::Result<Option<ork_workspace::LocalMasterKey>> {
    use ork_workspace::LocalMasterKey;
    let key = if std::env::var_os("ORK_WORKSPACE_MASTER_KEY").is_some() {
        Some(LocalMasterKey::from_env("ORK_WORKSPACE_MASTER_KEY")?)
    } else if config.workspace_key_file.exists() {
        Some(LocalMasterKey::from_file(&config.workspace_key_file)?)
    } else {
        None
    };
    Ok(key.map(|k| k.with_key_dir(&config.workspace_keys_dir)))
}

/// Where the workspaces' files are (`workspace_store`).
pub(crate) fn workspace_storage(config: &Config) -> anyhow::Result<ork_workspace::Storage> {
    Ok(ork_workspace::Storage::from_config(
        &config.workspace_store,
        &[],
        config.data_dir.join("workspace-staging"),
    )?)
}

/// Workspaces in the configured store (by default `DATA_DIR/workspaces`), project keys from
/// the master key; without a key, workspaces wait (a warning says so). Queries run on the
/// Ballista cluster when one is configured.
fn workspace_state(
    config: &Config,
) -> anyhow::Result<std::sync::Arc<ork_server::workspaces::WorkspaceState>> {
    Ok(std::sync::Arc::new(match master_key(config)? {
        Some(k) => ork_server::workspaces::WorkspaceState::new(
            workspace_storage(config)?,
            std::sync::Arc::new(k),
            ork_workspace::query::Limits {
                cluster: config.ballista_scheduler.clone(),
                ..Default::default()
            },
        ),
        None => {
            tracing::warn!(file = %config.workspace_key_file.display(), "no workspace master key: permits' workspaces are not provisioned (set ORK_WORKSPACE_MASTER_KEY or write the key file)");
            ork_server::workspaces::WorkspaceState::disabled()
        }
    }))
}

fn parse<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{what}: {e}"))
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let pw = line.trim_end_matches(['\r', '\n']).to_owned();
    if let Err(key) = validate_new_password(&pw) {
        bail!("{}", ork_server::i18n::message(key, &[]).1);
    }
    Ok(pw)
}

fn hash(pw: &str) -> anyhow::Result<String> {
    hash_password(pw).map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

pub async fn org(store: &Store, cmd: OrgCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OrgCommand::Add {
            id,
            kind,
            authority_role,
            name_da,
            name_en,
        } => {
            let id = parse(OrgId::parse(&id), "--id")?;
            let kind = parse(
                OrgKind::parse(&kind, authority_role.as_deref()),
                "--kind/--authority-role",
            )?;
            let mut tx = store.write().await?;
            tx.create_org(
                &AuditSource::cli(),
                &NewOrganisation {
                    id: id.clone(),
                    kind,
                    name_da,
                    name_en,
                },
            )
            .await?;
            tx.commit().await?;
            println!("Added organisation {id}.");
        }
        OrgCommand::List => {
            for o in store.list_orgs().await? {
                let role = o
                    .kind
                    .authority_role()
                    .map(|r| format!(" ({})", r.code()))
                    .unwrap_or_default();
                println!(
                    "{:<24} {:<22}{:<24} {}",
                    o.id,
                    o.kind.code(),
                    role,
                    o.name_en
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn user(store: &Store, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let src = AuditSource::cli();
    match cmd {
        UserCommand::Add {
            email,
            name,
            org,
            role,
            password_stdin,
        } => {
            let email = parse(Email::parse(&email), "--email")?;
            let name = parse(PersonName::parse(&name), "--name")?;
            let org = org.map(|o| parse(OrgId::parse(&o), "--org")).transpose()?;
            let roles = role.iter().map(|r| Role::parse(r).ok_or_else(|| anyhow::anyhow!("--role: unknown role {r:?}; expected one of applicant, advisor, case_handler, data_steward, output_checker, auditor, citizen, operator"))).collect::<anyhow::Result<Vec<_>>>()?;
            let password_hash = if password_stdin {
                Some(hash(&read_password()?)?)
            } else {
                None
            };
            let mut tx = store.write().await?;
            let new = NewUser {
                email: email.clone(),
                name,
                password_hash,
                lang: Lang::Da,
            };
            let grants: Vec<(OrgId, Role)> = org
                .iter()
                .flat_map(|o| roles.iter().map(|r| (o.clone(), *r)))
                .collect();
            tx.create_user_with_roles(&src, &new, &grants).await?;
            tx.commit().await?;
            println!("Added user {email}.");
        }
        UserCommand::Grant { email, org, role } => {
            change_role(store, &src, &email, &org, &role, true).await?
        }
        UserCommand::Revoke { email, org, role } => {
            change_role(store, &src, &email, &org, &role, false).await?
        }
        UserCommand::Certify { email, until } => {
            if ork_server::dates::parse_date(&until).is_none() {
                bail!("--until: {until:?} is not a day written YYYY-MM-DD");
            }
            certify(store, &src, &email, Some(&until)).await?
        }
        UserCommand::Uncertify { email } => certify(store, &src, &email, None).await?,
        UserCommand::Disable { email } => set_disabled(store, &src, &email, true).await?,
        UserCommand::Enable { email } => set_disabled(store, &src, &email, false).await?,
        UserCommand::SetPassword {
            email,
            password_stdin,
        } => {
            if !password_stdin {
                bail!(
                    "give the password on standard input with --password-stdin (never on the command line)"
                );
            }
            let email = parse(Email::parse(&email), "--email")?;
            let h = hash(&read_password()?)?;
            let mut tx = store.write().await?;
            let user = tx
                .user_by_email_tx(&email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user with e-mail {email}"))?;
            tx.set_password_hash(&src, &user, &h).await?;
            tx.commit().await?;
            println!("Password set for {email}.");
        }
        UserCommand::List => {
            let certified: std::collections::HashMap<i64, String> =
                store.certifications().await?.into_iter().collect();
            for u in store.list_users().await? {
                let mut state = if u.disabled { " (disabled)" } else { "" }.to_owned();
                if let Some(until) = certified.get(&u.id) {
                    state.push_str(&format!(" (certified until {until})"));
                }
                let roles: Vec<String> = store
                    .memberships(u.id)
                    .await?
                    .iter()
                    .map(|m| format!("{}:{}", m.org_id, m.role.code()))
                    .collect();
                println!("{:<40} {:<30} {}{state}", u.email, u.name, roles.join(" "));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn change_role(
    store: &Store,
    src: &AuditSource,
    email: &str,
    org: &str,
    role: &str,
    grant: bool,
) -> anyhow::Result<()> {
    let email = parse(Email::parse(email), "--email")?;
    let org = parse(OrgId::parse(org), "--org")?;
    let role = Role::parse(role).ok_or_else(|| anyhow::anyhow!("--role: unknown role {role:?}"))?;
    let mut tx = store.write().await?;
    let user = tx
        .user_by_email_tx(&email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with e-mail {email}"))?;
    let changed = if grant {
        tx.add_membership(src, &user, &org, role).await?
    } else {
        tx.remove_membership(src, &user, &org, role).await?
    };
    tx.commit().await?;
    println!(
        "{}",
        match (grant, changed) {
            (true, true) => "Granted.",
            (true, false) => "The user already has that role.",
            (false, true) => "Revoked.",
            (false, false) => "The user did not have that role.",
        }
    );
    Ok(())
}

async fn certify(
    store: &Store,
    src: &AuditSource,
    email: &str,
    until: Option<&str>,
) -> anyhow::Result<()> {
    let email = parse(Email::parse(email), "--email")?;
    let mut tx = store.write().await?;
    let user = tx
        .user_by_email_tx(&email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with e-mail {email}"))?;
    let changed = tx.set_certification(src, &user, until).await?;
    tx.commit().await?;
    let what = match until {
        Some(u) => format!("{email} is certified until {u} inclusive"),
        None => format!("{email} has no certification"),
    };
    println!("{what}{}.", if changed { "" } else { " (unchanged)" });
    Ok(())
}

async fn set_disabled(
    store: &Store,
    src: &AuditSource,
    email: &str,
    disable: bool,
) -> anyhow::Result<()> {
    let email = parse(Email::parse(email), "--email")?;
    let mut tx = store.write().await?;
    let user = tx
        .user_by_email_tx(&email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with e-mail {email}"))?;
    let changed = tx.set_disabled(src, &user, disable).await?;
    tx.commit().await?;
    println!(
        "{email} is {}{}.",
        if disable { "disabled" } else { "enabled" },
        if changed { "" } else { " (unchanged)" }
    );
    Ok(())
}

pub async fn token(store: &Store, cmd: TokenCommand) -> anyhow::Result<ExitCode> {
    let TokenCommand::Create {
        email,
        name,
        expires_in,
    } = cmd;
    if !(1..=365).contains(&expires_in) {
        bail!("--expires-in must be between 1 and 365 days");
    }
    let email = parse(Email::parse(&email), "--email")?;
    let user = store
        .user_by_email(&email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with e-mail {email}"))?;
    let secret = secrets::new_api_token();
    let mut tx = store.write().await?;
    tx.create_token(
        &AuditSource::cli(),
        &NewApiToken {
            user_id: user.id,
            user_email: email.to_string(),
            name,
            token_hash: secrets::sha256_hex(&secret),
            expires_at: now_unix() + expires_in * 86_400,
        },
    )
    .await?;
    tx.commit().await?;
    // The only place the secret is ever shown.
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(store: &Store, cmd: AuditCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { file: Some(file) } => verify_file(&file),
        AuditCommand::Verify { file: None } => match store.audit_verify().await? {
            Ok(r) => {
                println!(
                    "The audit trail is intact: {} events, head {}.",
                    r.events, r.head_hash
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => {
                eprintln!(
                    "The audit trail is NOT intact. First bad event: {}. {e}",
                    e.seq()
                );
                Ok(ExitCode::FAILURE)
            }
        },
        AuditCommand::Export { out } => {
            let tmp = out.with_extension("partial");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            let mut w = BufWriter::new(file);
            let n = store.audit_export(&mut w).await?;
            w.flush()?;
            drop(w);
            // Renamed only when complete, so a half-written export never looks finished.
            std::fs::rename(&tmp, &out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("Exported {n} events to {}.", out.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn verify_file(file: &Path) -> anyhow::Result<ExitCode> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    match ork_audit::verify_export(std::io::BufReader::new(f)) {
        Ok(r) => {
            println!(
                "The export is intact: {} events, head {}.",
                r.events, r.head_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            match e.seq() {
                Some(seq) => eprintln!("The export is NOT intact. First bad event: {seq}. {e}"),
                None => eprintln!("The export is NOT intact. {e}"),
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

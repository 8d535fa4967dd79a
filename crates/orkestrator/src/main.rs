//! `orkestrator`: the one binary of Dataorkestrator. It serves the portal and the API, and
//! carries the operator's commands. Thin by design: parsing arguments, loading
//! configuration and wiring the library crates; the rules live in those crates.

/// The register generator allocates many small strings on every core; mimalloc's
/// per-thread heaps make that markedly cheaper than glibc's allocator (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod airlock;
mod cluster;
mod config;
mod demo;
mod demo_cases;
mod jobs;
mod ops;
mod permits;
mod workspaces;

use clap::{Parser, Subcommand};
use config::{Config, Flags};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "orkestrator",
    version,
    about = "Dataorkestrator: the national one-stop platform for access to Danish health data."
)]
struct Cli {
    /// Config file (TOML). Default: ./orkestrator.toml when it exists. Env: ORK_CONFIG.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data directory (SQLite database, files). Default ./var. Env: ORK_DATA_DIR.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://… or postgres://…. Default: SQLite in the data directory. Env: DATABASE_URL.
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal and the API.
    Serve {
        /// Address to listen on. Default 127.0.0.1:8080. Env: ORK_LISTEN.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Address Arrow Flight SQL listens on, or off. Default 127.0.0.1:8815. Env: ORK_FLIGHT_SQL_LISTEN.
        #[arg(long, value_name = "ADDR")]
        flight_sql_listen: Option<String>,
    },
    /// Prepare a ready-to-try platform (demo organisations and users of every role) and serve it.
    Demo {
        /// Address to listen on. Default 127.0.0.1:8080. Env: ORK_LISTEN.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Address Arrow Flight SQL listens on, or off. Default 127.0.0.1:8815. Env: ORK_FLIGHT_SQL_LISTEN.
        #[arg(long, value_name = "ADDR")]
        flight_sql_listen: Option<String>,
        /// Prepare only; do not serve.
        #[arg(long)]
        no_serve: bool,
        /// Size of the synthetic Denmark generated into DATA_DIR/registers when it is not there yet.
        #[arg(long, default_value_t = 100_000)]
        registers_persons: u64,
    },
    /// Run the database migrations and exit.
    Migrate,
    /// Manage organisations.
    #[command(subcommand)]
    Org(ops::OrgCommand),
    /// Manage users and their roles.
    #[command(subcommand)]
    User(ops::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(ops::TokenCommand),
    /// Verify or export the audit trail.
    #[command(subcommand)]
    Audit(ops::AuditCommand),
    /// Verify permits offline; rotate the key that signs them.
    #[command(subcommand)]
    Permit(permits::PermitCommand),
    /// Workspaces: their state, provisioning progress, snapshots and data orders.
    #[command(subcommand)]
    Workspace(workspaces::WorkspaceCommand),
    /// The Apache DataFusion Ballista cluster that workspace queries can run on.
    #[command(subcommand)]
    Cluster(cluster::ClusterCommand),
    /// The airlock's checking engine: check a safe table or a model in a Parquet file.
    #[command(subcommand)]
    Airlock(airlock::AirlockCommand),
    /// Jobs: run one on a workspace's dummy data in the sandbox, as the platform runs it.
    #[command(subcommand)]
    Job(jobs::JobCommand),
    /// Generate the synthetic Danish registers.
    #[command(subcommand)]
    Registers(ops::RegistersCommand),
    /// Check or export the catalog of data sources.
    #[command(subcommand)]
    Catalog(ops::CatalogCommand),
    /// The approvals a data need requires: steps, order, expected time and why.
    Roadmap {
        /// The data need as JSON (docs/roadmap.md describes it).
        #[arg(long, value_name = "FILE")]
        need: PathBuf,
        /// json or text.
        #[arg(long, default_value = "json")]
        format: String,
        /// Language of the text format: da or en.
        #[arg(long, default_value = "da")]
        lang: String,
        /// Plan the need this many times and print timing JSON instead (for bench/).
        #[arg(long, hide = true)]
        repeat: Option<usize>,
    },
    /// Count cohorts on the synthetic registers (docs/cohort-language.md): one JSON result
    /// per definition, then the index build time.
    Quicktest {
        /// The registers folder (default: DATA_DIR/registers).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Unprotected counts, for the operator's verification (the API never gives them).
        #[arg(long)]
        exact: bool,
        /// Add "millis" to each result.
        #[arg(long)]
        timings: bool,
        /// The price list's tariff to price the answers by (public, private, internal).
        #[arg(long, default_value = "public")]
        tariff: String,
        /// Language of the rules and messages: da or en.
        #[arg(long, default_value = "en")]
        lang: String,
        /// Print each definition's reference SQL (DataFusion and DuckDB) instead of counting.
        #[arg(long, hide = true)]
        sql: bool,
        /// Cohort definitions (JSON files).
        #[arg(required = true, value_name = "COHORT.json")]
        cohorts: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (listen, flight_sql_listen) = match &cli.command {
        Command::Serve {
            listen,
            flight_sql_listen,
        }
        | Command::Demo {
            listen,
            flight_sql_listen,
            ..
        } => (listen.clone(), flight_sql_listen.clone()),
        _ => (None, None),
    };
    let flags = Flags {
        config: cli.config.clone(),
        data_dir: cli.data_dir.clone(),
        database_url: cli.database_url.clone(),
        listen,
        flight_sql_listen,
    };
    let config = match Config::load(&flags) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("orkestrator: {e}");
            return ExitCode::from(2);
        }
    };
    let serving = matches!(
        cli.command,
        Command::Serve { .. }
            | Command::Cluster(_)
            | Command::Demo {
                no_serve: false,
                ..
            }
    );
    // Operator commands print their results; their logs stay quiet unless asked for.
    let filter = if serving || std::env::var_os("ORK_LOG").is_some() {
        config.log.clone()
    } else {
        "warn".to_owned()
    };
    let format = if config.log_json {
        ork_server::telemetry::LogFormat::Json
    } else {
        ork_server::telemetry::LogFormat::Pretty
    };
    // Logging to stderr cannot fail to open; a subscriber installed already is kept.
    if let Err(e) = ork_server::telemetry::init(&filter, format, None) {
        eprintln!("orkestrator: cannot set up logging: {e}");
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("orkestrator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("orkestrator: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    // Only the commands that need the database open (or create) it.
    let store = || ops::open_store(&config);
    match command {
        Command::Registers(c) => ops::registers(c, &config),
        Command::Cluster(c) => cluster::run(c, &config).await,
        Command::Permit(permits::PermitCommand::Verify { file, jwks }) => {
            permits::verify_file(&file, jwks.as_ref(), store).await
        }
        Command::Permit(permits::PermitCommand::RotateKey) => {
            permits::rotate(&store().await?).await
        }
        Command::Catalog(c) => ops::catalog(c, &config),
        Command::Airlock(c) => airlock::run(c),
        Command::Job(c) => jobs::run(c, &config).await,
        Command::Roadmap {
            need,
            format,
            lang,
            repeat,
        } => ops::roadmap(&need, &format, &lang, repeat, &config).await,
        Command::Quicktest {
            data,
            exact,
            timings,
            tariff,
            lang,
            sql,
            cohorts,
        } => ops::quicktest(
            &ops::QuicktestOptions {
                data: data.as_deref(),
                exact,
                timings,
                tariff: &tariff,
                lang: &lang,
                sql,
                cohorts: &cohorts,
            },
            &config,
        ),
        Command::Audit(ops::AuditCommand::Verify { file: Some(file) }) => ops::verify_file(&file),
        Command::Audit(c) => ops::audit(&store().await?, c).await,
        Command::Serve { .. } => {
            ops::serve(store().await?, &config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            no_serve,
            registers_persons,
            ..
        } => {
            let store = store().await?;
            demo::prepare(&store).await?;
            let seeded = demo_cases::seed(&store).await?;
            if seeded > 0 {
                println!("Demo applications: {seeded}, in every state a page can show.");
            }
            demo::registers(&config.data_dir, registers_persons)?;
            demo::workspace_key(&config.workspace_key_file)?;
            if !no_serve {
                ops::serve(store, &config).await?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = store().await?;
            println!("Migrations are up to date ({}).", store.backend().name());
            Ok(ExitCode::SUCCESS)
        }
        Command::Org(c) => ops::org(&store().await?, c).await,
        Command::User(c) => ops::user(&store().await?, c).await,
        Command::Token(c) => ops::token(&store().await?, c).await,
        Command::Workspace(c) => workspaces::run(&store().await?, c).await,
    }
}

//! Configuration: command-line flags over environment variables over the config file over
//! defaults that just work. Every value remembers where it came from, so a bad one stops
//! start-up with a message naming the key, its source and what was expected.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where Arrow Flight SQL listens unless told otherwise: loopback only.
pub const DEFAULT_FLIGHT_SQL_LISTEN: &str = "127.0.0.1:8815";

/// The config file's keys. Unknown keys are refused (a typo should not be silently ignored).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub assets_dir: Option<PathBuf>,
    pub cookie_secure: Option<bool>,
    pub session_hours: Option<u64>,
    pub log: Option<String>,
    pub log_format: Option<String>,
    pub trust_forwarded_for: Option<bool>,
    pub token_max_days: Option<i64>,
    pub login_attempts_per_address: Option<usize>,
    pub login_failures_per_account: Option<usize>,
    pub catalog_dir: Option<PathBuf>,
    pub rulebook_dir: Option<PathBuf>,
    pub disclosure_file: Option<PathBuf>,
    pub price_list_file: Option<PathBuf>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub webhooks_to_loopback: Option<bool>,
    pub workspace_key_file: Option<PathBuf>,
    pub workspace_keys_dir: Option<PathBuf>,
    pub workspace_store: Option<String>,
    pub ballista_scheduler: Option<String>,
    pub flight_sql_listen: Option<String>,
    pub jobs_dir: Option<PathBuf>,
    pub analysis_env: Option<PathBuf>,
    pub jobs_concurrent: Option<usize>,
}

/// What the command line gave (already parsed by clap, `None` when absent).
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub flight_sql_listen: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    /// Where Arrow Flight SQL listens; `None` (`off`): nowhere.
    pub flight_sql_listen: Option<SocketAddr>,
    /// Whether `flight_sql_listen` was chosen (not the default).
    pub flight_sql_required: bool,
    pub public_url: Option<String>,
    pub assets_dir: PathBuf,
    pub cookie_secure: bool,
    pub session_ttl: Duration,
    pub log: String,
    pub log_json: bool,
    pub trust_forwarded_for: bool,
    /// The longest an API token may live, in days.
    pub token_max_days: i64,
    pub login_attempts_per_address: usize,
    pub login_failures_per_account: usize,
    /// A folder of the operator's own catalog sources, laid out like the shipped catalog.
    pub catalog_dir: Option<PathBuf>,
    /// A whole rulebook folder used instead of the one shipped in the binary.
    pub rulebook_dir: Option<PathBuf>,
    /// Quick tests' disclosure regimes instead of the shipped `disclosure.toml`.
    pub disclosure_file: Option<PathBuf>,
    /// Quick tests' price list instead of the shipped `prices.toml`.
    pub price_list_file: Option<PathBuf>,
    /// The file holding the workspaces' master key (64 hex digits); default
    /// `DATA_DIR/workspace-master.key`. `ORK_WORKSPACE_MASTER_KEY` may hold the key itself.
    /// Without either, workspaces are not provisioned.
    pub workspace_key_file: PathBuf,
    /// Where the workspaces' data keys are kept, wrapped under the master key; default
    /// `DATA_DIR/workspace-keys`. Destroying one deletes its workspace (crypto-shredding), so
    /// this folder belongs on storage whose deletions are final (not in the workspaces'
    /// backups).
    pub workspace_keys_dir: PathBuf,
    /// Where the workspaces' files live: a folder (default `DATA_DIR/workspaces`) or
    /// S3-compatible object storage, `s3://bucket/prefix`, reached with the standard `AWS_*`
    /// environment variables (endpoint, region, credentials). Snapshots are staged in
    /// `DATA_DIR/workspace-staging` before they are uploaded.
    pub workspace_store: String,
    /// A Ballista scheduler (`df://HOST:PORT`) that workspace queries run on; `None`: in the
    /// server's process.
    pub ballista_scheduler: Option<String>,
    /// Where notification e-mails go; `None`: only in the portal. Withheld from debug
    /// output (it may hold a password).
    pub smtp_url: Option<ork_server::SmtpUrl>,
    pub mail_from: String,
    /// Webhook messages may go to this machine (development and tests only).
    pub webhooks_to_loopback: bool,
    /// Where jobs' folders are made while they run; default `DATA_DIR/jobs`. Every folder
    /// above it must let others pass (`o+x`), as a job's unprivileged user reaches its own
    /// folder there.
    pub jobs_dir: PathBuf,
    /// The analysis environment jobs and notebooks run with (a Python virtual environment made
    /// from the system's Python by `scripts/ensure-analysis-env.sh`); default
    /// `/var/tmp/ork-analysis-venv` where it exists.
    pub analysis_env: Option<PathBuf>,
    /// Jobs running at once; more wait in the queue. Default 2.
    pub jobs_concurrent: usize,
}

/// Where `scripts/ensure-analysis-env.sh` makes the analysis environment by default.
pub const DEFAULT_ANALYSIS_ENV: &str = "/var/tmp/ork-analysis-venv";

/// A folder path, or `s3://` with a bucket name (and perhaps a prefix).
fn valid_store(s: &str) -> bool {
    match s.strip_prefix("s3://") {
        Some(rest) => {
            let bucket = rest.split('/').next().unwrap_or_default();
            !bucket.is_empty()
                && !rest.contains(['?', '#', ' '])
                && bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        }
        None => !s.trim().is_empty() && !s.contains("://"),
    }
}

/// `df://HOST:PORT`: a Ballista scheduler.
fn valid_scheduler(s: &str) -> bool {
    s.strip_prefix("df://")
        .and_then(|rest| rest.rsplit_once(':'))
        .is_some_and(|(host, port)| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
                && port.parse::<u16>().is_ok_and(|p| p > 0)
        })
}

/// A configuration mistake: the key, where it was set, and what was expected.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One key's value and its source, e.g. `ORK_LISTEN` or `listen in orkestrator.toml`.
struct Setting<T> {
    value: T,
    source: String,
}

/// Where settings can come from besides the command line.
struct Sources<'a> {
    env: Env<'a>,
    file_name: &'a str,
}

impl Sources<'_> {
    fn pick<T>(
        &self,
        flag: Option<(T, &str)>,
        env_key: &str,
        parse_env: impl Fn(String) -> T,
        file: Option<T>,
        file_key: &str,
        default: T,
    ) -> Setting<T> {
        if let Some((v, name)) = flag {
            return Setting {
                value: v,
                source: format!("the {name} flag"),
            };
        }
        if let Some(v) = (self.env)(env_key) {
            return Setting {
                value: parse_env(v),
                source: format!("the environment variable {env_key}"),
            };
        }
        if let Some(v) = file {
            return Setting {
                value: v,
                source: format!("key `{file_key}` in {}", self.file_name),
            };
        }
        Setting {
            value: default,
            source: "the default".into(),
        }
    }
}

fn parse_bool(key: &str, source: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError(format!(
            "invalid configuration: {key} from {source} is {v:?}; expected true or false"
        ))),
    }
}

impl Config {
    /// Loads from the real environment.
    pub fn load(flags: &Flags) -> Result<Self, ConfigError> {
        Self::load_with(flags, &|k| std::env::var(k).ok())
    }

    pub fn load_with(flags: &Flags, env: Env) -> Result<Self, ConfigError> {
        let explicit = flags
            .config
            .clone()
            .or_else(|| env("ORK_CONFIG").map(PathBuf::from));
        let (file, file_name) = match &explicit {
            Some(path) => (read_file(path)?, path.display().to_string()),
            None if Path::new("orkestrator.toml").exists() => (
                read_file(Path::new("orkestrator.toml"))?,
                "orkestrator.toml".to_owned(),
            ),
            None => (FileConfig::default(), "orkestrator.toml".to_owned()),
        };

        let src = Sources {
            env,
            file_name: &file_name,
        };
        let data_dir = src.pick(
            flags.data_dir.clone().map(|d| (d, "--data-dir")),
            "ORK_DATA_DIR",
            PathBuf::from,
            file.data_dir,
            "data_dir",
            PathBuf::from("./var"),
        );
        if data_dir.value.as_os_str().is_empty() {
            return Err(ConfigError(format!(
                "invalid configuration: data_dir from {} is empty; expected a directory path",
                data_dir.source
            )));
        }
        let default_db = format!(
            "sqlite://{}?mode=rwc",
            data_dir.value.join("orkestrator.db").display()
        );
        let database_url = src.pick(
            flags.database_url.clone().map(|d| (d, "--database-url")),
            "DATABASE_URL",
            |s| s,
            file.database_url,
            "database_url",
            default_db,
        );
        if ork_store::Backend::from_url(&database_url.value).is_none() {
            return Err(ConfigError(format!(
                "invalid configuration: database_url from {} does not start with sqlite: or postgres://; expected e.g. postgres://user@host:5432/orkestrator",
                database_url.source
            )));
        }
        let listen = src.pick(
            flags.listen.clone().map(|l| (l, "--listen")),
            "ORK_LISTEN",
            |s| s,
            file.listen,
            "listen",
            "127.0.0.1:8080".to_owned(),
        );
        let listen_addr: SocketAddr = listen.value.trim().parse().map_err(|_| {
            ConfigError(format!("invalid configuration: listen from {} is {:?}; expected an address and port like 127.0.0.1:8080", listen.source, listen.value))
        })?;
        let flight = src.pick(
            flags
                .flight_sql_listen
                .clone()
                .map(|l| (l, "--flight-sql-listen")),
            "ORK_FLIGHT_SQL_LISTEN",
            |s| s,
            file.flight_sql_listen,
            "flight_sql_listen",
            DEFAULT_FLIGHT_SQL_LISTEN.to_owned(),
        );
        let flight_sql_listen = match flight.value.trim() {
            "off" => None,
            v => Some(v.parse::<SocketAddr>().map_err(|_| {
                ConfigError(format!("invalid configuration: flight_sql_listen from {} is {:?}; expected an address and port like {DEFAULT_FLIGHT_SQL_LISTEN}, or off", flight.source, flight.value))
            })?),
        };
        let flight_sql_required = flight.source != "the default";
        let public_url = src.pick(
            None,
            "ORK_PUBLIC_URL",
            Some,
            file.public_url.map(Some),
            "public_url",
            None,
        );
        if let Some(u) = &public_url.value
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(ConfigError(format!(
                "invalid configuration: public_url from {} is {u:?}; expected an http:// or https:// address",
                public_url.source
            )));
        }
        let assets_dir = src.pick(
            None,
            "ORK_ASSETS_DIR",
            PathBuf::from,
            file.assets_dir,
            "assets_dir",
            PathBuf::from("web/dist"),
        );
        let cookie_secure = match env("ORK_COOKIE_SECURE") {
            Some(v) => parse_bool(
                "cookie_secure",
                "the environment variable ORK_COOKIE_SECURE",
                &v,
            )?,
            None => file.cookie_secure.unwrap_or(true),
        };
        let trust_forwarded_for = match env("ORK_TRUST_FORWARDED_FOR") {
            Some(v) => parse_bool(
                "trust_forwarded_for",
                "the environment variable ORK_TRUST_FORWARDED_FOR",
                &v,
            )?,
            None => file.trust_forwarded_for.unwrap_or(false),
        };
        let smtp_url = src.pick(
            None,
            "ORK_SMTP_URL",
            Some,
            file.smtp_url.map(Some),
            "smtp_url",
            None,
        );
        if let Some(u) = &smtp_url.value
            && !(u.starts_with("smtp://") || u.starts_with("smtps://"))
        {
            // The address may hold a password: the message names its source, not its value.
            return Err(ConfigError(format!(
                "invalid configuration: smtp_url from {} must start with smtp:// or smtps://, e.g. smtp://mail.example.dk:587?tls=required",
                smtp_url.source
            )));
        }
        let mail_from = src.pick(
            None,
            "ORK_MAIL_FROM",
            |s| s,
            file.mail_from,
            "mail_from",
            ork_server::ServerConfig::default().mail_from,
        );
        if mail_from.value.trim().is_empty() || !mail_from.value.contains('@') {
            return Err(ConfigError(format!(
                "invalid configuration: mail_from from {} is {:?}; expected an address like Dataorkestrator <noreply@example.dk>",
                mail_from.source, mail_from.value
            )));
        }
        let webhooks_to_loopback = match env("ORK_WEBHOOKS_TO_LOOPBACK") {
            Some(v) => parse_bool(
                "webhooks_to_loopback",
                "the environment variable ORK_WEBHOOKS_TO_LOOPBACK",
                &v,
            )?,
            None => file.webhooks_to_loopback.unwrap_or(false),
        };
        let hours = src.pick(
            None,
            "ORK_SESSION_HOURS",
            |s| s.trim().parse::<u64>().unwrap_or(0),
            file.session_hours,
            "session_hours",
            8,
        );
        if !(1..=24 * 30).contains(&hours.value) {
            return Err(ConfigError(format!(
                "invalid configuration: session_hours from {} must be a whole number of hours from 1 to 720",
                hours.source
            )));
        }
        let token_days = src.pick(
            None,
            "ORK_TOKEN_MAX_DAYS",
            |s| s.trim().parse::<i64>().unwrap_or(0),
            file.token_max_days,
            "token_max_days",
            365,
        );
        if !(1..=365).contains(&token_days.value) {
            return Err(ConfigError(format!(
                "invalid configuration: token_max_days from {} must be a whole number of days from 1 to 365",
                token_days.source
            )));
        }
        // Sign-in limits per 15 minutes. The defaults suit a national service; a test
        // environment that signs in many users from one address raises the first.
        let mut limits = [0usize; 2];
        for (i, (key, env_key, default)) in [
            (
                "login_attempts_per_address",
                "ORK_LOGIN_ATTEMPTS_PER_ADDRESS",
                30,
            ),
            (
                "login_failures_per_account",
                "ORK_LOGIN_FAILURES_PER_ACCOUNT",
                5,
            ),
        ]
        .into_iter()
        .enumerate()
        {
            let from_file = if i == 0 {
                file.login_attempts_per_address
            } else {
                file.login_failures_per_account
            };
            let v = src.pick(
                None,
                env_key,
                |s| s.trim().parse::<usize>().unwrap_or(0),
                from_file,
                key,
                default,
            );
            if !(1..=1_000_000).contains(&v.value) {
                return Err(ConfigError(format!(
                    "invalid configuration: {key} from {} must be a whole number from 1 to 1000000",
                    v.source
                )));
            }
            limits[i] = v.value;
        }
        let log = src.pick(None, "ORK_LOG", |s| s, file.log, "log", "info".to_owned());
        if tracing_subscriber_filter_is_invalid(&log.value) {
            return Err(ConfigError(format!(
                "invalid configuration: log from {} is {:?}; expected a level like info or debug",
                log.source, log.value
            )));
        }
        let log_format = src.pick(
            None,
            "ORK_LOG_FORMAT",
            |s| s,
            file.log_format,
            "log_format",
            "pretty".to_owned(),
        );
        let log_json = match log_format.value.as_str() {
            "json" => true,
            "pretty" => false,
            other => {
                return Err(ConfigError(format!(
                    "invalid configuration: log_format from {} is {other:?}; expected pretty or json",
                    log_format.source
                )));
            }
        };
        let catalog_dir = src.pick(
            None,
            "ORK_CATALOG_DIR",
            |s| Some(PathBuf::from(s)),
            file.catalog_dir.map(Some),
            "catalog_dir",
            None,
        );
        if let Some(d) = &catalog_dir.value
            && !d.is_dir()
        {
            return Err(ConfigError(format!(
                "invalid configuration: catalog_dir from {} is {}, which is not a folder",
                catalog_dir.source,
                d.display()
            )));
        }
        let workspace_key_file = src.pick(
            None,
            "ORK_WORKSPACE_KEY_FILE",
            |s| Some(PathBuf::from(s)),
            file.workspace_key_file.map(Some),
            "workspace_key_file",
            None,
        );
        let workspace_keys_dir = src.pick(
            None,
            "ORK_WORKSPACE_KEYS_DIR",
            |s| Some(PathBuf::from(s)),
            file.workspace_keys_dir.map(Some),
            "workspace_keys_dir",
            None,
        );
        let workspace_store = src.pick(
            None,
            "ORK_WORKSPACE_STORE",
            |s| Some(s.to_owned()),
            file.workspace_store.map(Some),
            "workspace_store",
            None,
        );
        if let Some(store) = &workspace_store.value
            && !valid_store(store)
        {
            return Err(ConfigError(format!(
                "invalid configuration: workspace_store from {} is {store:?}; expected a folder or s3://bucket/prefix",
                workspace_store.source
            )));
        }
        let ballista = src.pick(
            None,
            "ORK_BALLISTA_SCHEDULER",
            |s| Some(s.to_owned()),
            file.ballista_scheduler.map(Some),
            "ballista_scheduler",
            None,
        );
        if let Some(url) = &ballista.value
            && !valid_scheduler(url)
        {
            return Err(ConfigError(format!(
                "invalid configuration: ballista_scheduler from {} is {url:?}; expected df://HOST:PORT",
                ballista.source
            )));
        }
        let jobs_dir = src.pick(
            None,
            "ORK_JOBS_DIR",
            |s| Some(PathBuf::from(s)),
            file.jobs_dir.map(Some),
            "jobs_dir",
            None,
        );
        let analysis_env = src.pick(
            None,
            "ORK_ANALYSIS_ENV",
            |s| Some(PathBuf::from(s)),
            file.analysis_env.map(Some),
            "analysis_env",
            None,
        );
        if let Some(env) = &analysis_env.value
            && !env.join("bin/python3").exists()
        {
            return Err(ConfigError(format!(
                "invalid configuration: analysis_env from {} is {}, which has no bin/python3 (make it with scripts/ensure-analysis-env.sh)",
                analysis_env.source,
                env.display()
            )));
        }
        let jobs_concurrent = src.pick(
            None,
            "ORK_JOBS_CONCURRENT",
            |s| s.parse().ok(),
            file.jobs_concurrent.map(Some),
            "jobs_concurrent",
            Some(2),
        );
        let Some(jobs_concurrent_value) = jobs_concurrent.value.filter(|n| (1..=64).contains(n))
        else {
            return Err(ConfigError(format!(
                "invalid configuration: jobs_concurrent from {} is not a number from 1 to 64",
                jobs_concurrent.source
            )));
        };
        let rulebook_dir = src.pick(
            None,
            "ORK_RULEBOOK_DIR",
            |s| Some(PathBuf::from(s)),
            file.rulebook_dir.map(Some),
            "rulebook_dir",
            None,
        );
        if let Some(d) = &rulebook_dir.value
            && !d.is_dir()
        {
            return Err(ConfigError(format!(
                "invalid configuration: rulebook_dir from {} is {}, which is not a folder",
                rulebook_dir.source,
                d.display()
            )));
        }
        let mut files = Vec::new();
        for (env, key, value) in [
            (
                "ORK_DISCLOSURE_FILE",
                "disclosure_file",
                file.disclosure_file,
            ),
            (
                "ORK_PRICE_LIST_FILE",
                "price_list_file",
                file.price_list_file,
            ),
        ] {
            let f = src.pick(
                None,
                env,
                |s| Some(PathBuf::from(s)),
                value.map(Some),
                key,
                None,
            );
            if let Some(path) = &f.value
                && !path.is_file()
            {
                return Err(ConfigError(format!(
                    "invalid configuration: {key} from {} is {}, which is not a file",
                    f.source,
                    path.display()
                )));
            }
            files.push(f.value);
        }
        let price_list_file = files.pop().flatten();
        let disclosure_file = files.pop().flatten();
        let workspace_key_file = workspace_key_file
            .value
            .unwrap_or_else(|| data_dir.value.join("workspace-master.key"));
        let workspace_keys_dir = workspace_keys_dir
            .value
            .unwrap_or_else(|| data_dir.value.join("workspace-keys"));
        let workspace_store = workspace_store.value.unwrap_or_else(|| {
            data_dir
                .value
                .join("workspaces")
                .to_string_lossy()
                .into_owned()
        });
        let jobs_dir = jobs_dir
            .value
            .unwrap_or_else(|| data_dir.value.join("jobs"));
        let analysis_env = analysis_env.value.or_else(|| {
            let d = PathBuf::from(DEFAULT_ANALYSIS_ENV);
            d.join("bin/python3").exists().then_some(d)
        });
        Ok(Self {
            jobs_dir,
            analysis_env,
            jobs_concurrent: jobs_concurrent_value,
            workspace_keys_dir,
            workspace_store,
            ballista_scheduler: ballista.value,
            disclosure_file,
            price_list_file,
            rulebook_dir: rulebook_dir.value,
            data_dir: data_dir.value,
            database_url: database_url.value,
            listen: listen_addr,
            flight_sql_listen,
            flight_sql_required,
            public_url: public_url.value,
            assets_dir: assets_dir.value,
            cookie_secure,
            session_ttl: Duration::from_secs(hours.value * 3600),
            log: log.value,
            log_json,
            trust_forwarded_for,
            token_max_days: token_days.value,
            login_attempts_per_address: limits[0],
            login_failures_per_account: limits[1],
            catalog_dir: catalog_dir.value,
            workspace_key_file,
            smtp_url: smtp_url.value.map(ork_server::SmtpUrl),
            mail_from: mail_from.value,
            webhooks_to_loopback,
        })
    }

    pub fn server(&self) -> ork_server::ServerConfig {
        ork_server::ServerConfig {
            listen: self.listen,
            public_url: self.public_url.clone(),
            assets_dir: self.assets_dir.clone(),
            session_ttl: self.session_ttl,
            cookie_secure: self.cookie_secure,
            trust_forwarded_for: self.trust_forwarded_for,
            token_max_days: self.token_max_days,
            login_attempts_per_address: self.login_attempts_per_address,
            login_failures_per_account: self.login_failures_per_account,
            smtp_url: self.smtp_url.clone(),
            mail_from: self.mail_from.clone(),
            webhooks_to_loopback: self.webhooks_to_loopback,
            flight_sql_listen: self.flight_sql_listen,
            flight_sql_required: self.flight_sql_required,
            ..Default::default()
        }
    }
}

fn tracing_subscriber_filter_is_invalid(s: &str) -> bool {
    s.trim().is_empty()
        || s.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "_=,:-".contains(c)))
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError(format!(
            "cannot read the config file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text)
        .map_err(|e| ConfigError(format!("invalid configuration in {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(flags: Flags, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::load_with(&flags, &move |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_just_work() {
        let c = load(Flags::default(), &[]).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("./var"));
        assert_eq!(c.database_url, "sqlite://./var/orkestrator.db?mode=rwc");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.cookie_secure);
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("o.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:7000\"\ndata_dir = \"/srv/ork\"\n",
        )
        .unwrap();
        let flags = Flags {
            config: Some(file.clone()),
            ..Default::default()
        };
        let c = load(flags.clone(), &[]).unwrap();
        assert_eq!(
            (c.listen.port(), c.data_dir.clone()),
            (7000, PathBuf::from("/srv/ork"))
        );
        let c = load(flags.clone(), &[("ORK_LISTEN", "127.0.0.1:7001")]).unwrap();
        assert_eq!(c.listen.port(), 7001);
        let c = load(
            Flags {
                listen: Some("127.0.0.1:7002".into()),
                ..flags
            },
            &[("ORK_LISTEN", "127.0.0.1:7001")],
        )
        .unwrap();
        assert_eq!(c.listen.port(), 7002);
        let c = load(Flags::default(), &[("DATABASE_URL", "postgres://u@h/db")]).unwrap();
        assert_eq!(c.database_url, "postgres://u@h/db");
    }

    #[test]
    fn the_workspace_store_is_a_folder_or_s3() {
        let c = load(Flags::default(), &[]).unwrap();
        assert_eq!(c.workspace_store, "./var/workspaces");
        let c = load(
            Flags::default(),
            &[("ORK_WORKSPACE_STORE", "s3://ork-workspaces/prod")],
        )
        .unwrap();
        assert_eq!(c.workspace_store, "s3://ork-workspaces/prod");
        for bad in [
            "gs://b/x",
            "s3://",
            "s3:///x",
            "s3://Bucket/x",
            "s3://b/x?y",
        ] {
            let e = load(Flags::default(), &[("ORK_WORKSPACE_STORE", bad)])
                .unwrap_err()
                .0;
            assert!(
                e.contains("workspace_store") && e.contains("ORK_WORKSPACE_STORE"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn the_ballista_scheduler_is_a_df_url() {
        assert_eq!(
            load(Flags::default(), &[]).unwrap().ballista_scheduler,
            None
        );
        let c = load(
            Flags::default(),
            &[("ORK_BALLISTA_SCHEDULER", "df://10.0.0.5:50050")],
        )
        .unwrap();
        assert_eq!(c.ballista_scheduler.as_deref(), Some("df://10.0.0.5:50050"));
        for bad in [
            "http://h:1",
            "df://h",
            "df://:50050",
            "df://h:0",
            "df://h:x",
        ] {
            let e = load(Flags::default(), &[("ORK_BALLISTA_SCHEDULER", bad)])
                .unwrap_err()
                .0;
            assert!(e.contains("ballista_scheduler"), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_values_name_the_key_and_source() {
        let e = load(Flags::default(), &[("ORK_LISTEN", "nowhere")])
            .unwrap_err()
            .0;
        assert!(
            e.contains("listen") && e.contains("ORK_LISTEN") && e.contains("127.0.0.1:8080"),
            "{e}"
        );
        let e = load(Flags::default(), &[("DATABASE_URL", "mysql://x")])
            .unwrap_err()
            .0;
        assert!(
            e.contains("database_url") && e.contains("DATABASE_URL"),
            "{e}"
        );
        let e = load(Flags::default(), &[("ORK_COOKIE_SECURE", "maybe")])
            .unwrap_err()
            .0;
        assert!(e.contains("cookie_secure"), "{e}");
        let e = load(Flags::default(), &[("ORK_SESSION_HOURS", "lots")])
            .unwrap_err()
            .0;
        assert!(e.contains("session_hours"), "{e}");
        let e = load(Flags::default(), &[("ORK_LOG_FORMAT", "xml")])
            .unwrap_err()
            .0;
        assert!(e.contains("log_format"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("o.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:7000\"\n").unwrap();
        let e = load(
            Flags {
                config: Some(file),
                ..Default::default()
            },
            &[],
        )
        .unwrap_err()
        .0;
        assert!(
            e.contains("lisen") && e.contains("listen"),
            "names the unknown key and the expected ones: {e}"
        );
    }
}

//! Structured logs. What reaches a log line is chosen, not dumped: request method, the
//! redacted path, status, latency and request id; never headers, query strings or bodies.
//! [`redact`] masks anything shaped like a CPR number or an API token that might still be
//! in a path.

use regex::Regex;
use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;
use tracing_subscriber::EnvFilter;

static CPR_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{6}-?\d{4}").expect("valid regex"));
static TOKEN_LIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"ork_[A-Za-z0-9_-]{8,}").expect("valid regex"));

/// Masks CPR-like digit runs and API tokens.
pub fn redact(s: &str) -> Cow<'_, str> {
    let s = CPR_LIKE.replace_all(s, "[redacted-cpr]");
    if TOKEN_LIKE.is_match(&s) {
        Cow::Owned(TOKEN_LIKE.replace_all(&s, "[redacted-token]").into_owned())
    } else {
        s
    }
}

/// Where and how to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Whether [`init`] installed the subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    Now,
    /// Another subscriber was installed first (a test harness, or a second call): it stays,
    /// and this call's settings are not used.
    Already,
}

/// Installs the global subscriber: `filter` like `info` or `ork_server=debug`, to stderr
/// or, when `file` is given, appended to that file. Installing twice keeps the first.
pub fn init(filter: &str, format: LogFormat, file: Option<&Path>) -> std::io::Result<Installed> {
    let filter = EnvFilter::try_new(filter)
        .unwrap_or_else(|_| EnvFilter::new("info"))
        // DataFusion's debug output prints query plans with their literals, which in a
        // workspace's extract are CPR numbers (the population's bounds pushed into the
        // scan): it never goes below warnings, whatever the filter asks.
        .add_directive("datafusion=warn".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match (format, file) {
        (LogFormat::Json, Some(path)) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            builder
                .json()
                .with_writer(std::sync::Mutex::new(f))
                .try_init()
        }
        (LogFormat::Pretty, Some(path)) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?;
            builder
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(f))
                .try_init()
        }
        (LogFormat::Json, None) => builder.json().with_writer(std::io::stderr).try_init(),
        (LogFormat::Pretty, None) => {
            use std::io::IsTerminal;
            // Colours only on a terminal; redirected logs stay plain text.
            builder
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .try_init()
        }
    };
    Ok(match result {
        Ok(()) => Installed::Now,
        Err(_) => Installed::Already,
    })
}

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the HTTP server needs to know, already validated by whoever built it (the
/// binary's configuration loader, or a test).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// The address users reach the platform at. When it is `https://…`, responses carry
    /// HSTS.
    pub public_url: Option<String>,
    /// Where the front-end assets are (`web/dist` after the build step).
    pub assets_dir: PathBuf,
    pub session_ttl: Duration,
    /// Mark cookies `Secure`. On by default; browsers accept secure cookies from
    /// `http://localhost` and `http://127.0.0.1`, so development works too.
    pub cookie_secure: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub request_timeout: Duration,
    pub max_body_bytes: usize,
    /// Failed sign-ins allowed per account within `login_window` before 429.
    pub login_failures_per_account: usize,
    /// Sign-in attempts allowed per client address within `login_window` before 429.
    pub login_attempts_per_address: usize,
    pub login_window: Duration,
    /// The longest an API token may live, in days (at most 365).
    pub token_max_days: i64,
    /// Where e-mail goes (`smtp://host:port`, `smtps://…`, `smtp://…?tls=required`, with
    /// credentials in the address); `None`: notifications stay in the portal.
    pub smtp_url: Option<SmtpUrl>,
    /// The sender of e-mails.
    pub mail_from: String,
    /// How often the outbox worker looks for what is due.
    pub outbox_poll: Duration,
    /// Webhook messages may go to this machine (`localhost`, loopback), also over plain
    /// http: for development and tests only, never in production (a subscriber could
    /// otherwise reach the platform's own services).
    pub webhooks_to_loopback: bool,
    /// Where Arrow Flight SQL listens (`None`: nowhere). Loopback by default: an operator
    /// exposes it only to the platform's analysis servers, never to the internet.
    pub flight_sql_listen: Option<SocketAddr>,
    /// Whether the operator chose `flight_sql_listen`: then an address that cannot be bound
    /// stops start-up; the default's only warns (another server on this machine has it).
    pub flight_sql_required: bool,
}

/// An SMTP address, which may hold a password: never shown in logs or debug output.
#[derive(Clone)]
pub struct SmtpUrl(pub String);

impl std::fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpUrl(withheld)")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            assets_dir: PathBuf::from("web/dist"),
            session_ttl: Duration::from_secs(8 * 3600),
            cookie_secure: true,
            trust_forwarded_for: false,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1024 * 1024,
            login_failures_per_account: 5,
            login_attempts_per_address: 30,
            login_window: Duration::from_secs(15 * 60),
            token_max_days: 365,
            smtp_url: None,
            mail_from: "Dataorkestrator <noreply@dataorkestrator.localhost>".into(),
            outbox_poll: Duration::from_secs(2),
            webhooks_to_loopback: false,
            flight_sql_listen: None,
            flight_sql_required: false,
        }
    }
}

impl ServerConfig {
    pub fn serves_tls(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The address the platform is reached at, for links that leave the page (the DCAT
    /// export's IRIs): `public_url`, else the listen address (`localhost` for a loopback or
    /// unspecified one). Never the request's `Host` header, which the client chooses.
    pub fn public_base(&self) -> String {
        if let Some(u) = &self.public_url {
            return u.trim_end_matches('/').to_owned();
        }
        let ip = self.listen.ip();
        let host = if ip.is_loopback() || ip.is_unspecified() {
            "localhost".to_owned()
        } else if ip.is_ipv6() {
            format!("[{ip}]")
        } else {
            ip.to_string()
        };
        format!("http://{host}:{}", self.listen.port())
    }
}

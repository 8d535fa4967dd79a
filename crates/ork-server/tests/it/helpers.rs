use ork_domain::{Email, Lang, OrgId, OrgKind, PersonName, Role};
use ork_server::auth::hash_password;
use ork_server::{AppState, ServerConfig};
use ork_store::{AuditSource, NewOrganisation, NewUser, Store};
use ork_testkit::TestDb;
use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::{Method, Response, StatusCode};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Once;

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub client: reqwest::Client,
    _db: TestDb,
}

/// This test process's log file: every test's server logs there, as JSON lines.
pub fn log_file() -> std::path::PathBuf {
    ork_testkit::log_dir().join(format!("ork-server-it-{}.log", std::process::id()))
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let file = log_file();
        ork_server::telemetry::init(
            "debug,sqlx=warn,hyper=info,h2=info",
            ork_server::telemetry::LogFormat::Json,
            Some(&file),
        )
        .unwrap();
    });
}

pub fn src() -> AuditSource {
    AuditSource {
        actor: Some("test-setup".into()),
        org: None,
        source: "test".into(),
    }
}

impl TestApp {
    pub async fn spawn(db: TestDb) -> Self {
        Self::spawn_with(db, ServerConfig::default()).await
    }

    pub async fn spawn_with(db: TestDb, config: ServerConfig) -> Self {
        Self::spawn_state(db, |store| AppState::new(store, config)).await
    }

    /// Serves `config`, and returns the state it serves too (for calling its services
    /// directly, e.g. the outbox's delivery round at a chosen time).
    pub async fn spawn_keeping(db: TestDb, config: ServerConfig) -> (Self, AppState) {
        let mut keep = None;
        let app = Self::spawn_state(db, |store| {
            let s = AppState::new(store, config);
            keep = Some(s.clone());
            s
        })
        .await;
        (app, keep.expect("the state was made"))
    }

    /// Serves the state `make` builds over the test's store (e.g. another rulebook).
    pub async fn spawn_state(db: TestDb, make: impl FnOnce(Store) -> AppState) -> Self {
        init_logs();
        let store = Store::connect(&db.url).await.unwrap();
        let mut tx = store.write().await.unwrap();
        for (id, kind) in [
            ("sds", OrgKind::Authority(ork_domain::AuthorityRole::Both)),
            ("ku", OrgKind::UniversityHospital),
            ("platform", OrgKind::PlatformOperator),
            (
                "datatilsynet",
                OrgKind::Authority(ork_domain::AuthorityRole::ApprovingAuthority),
            ),
        ] {
            tx.create_org(
                &src(),
                &NewOrganisation {
                    id: OrgId::parse(id).unwrap(),
                    kind,
                    name_da: format!("{id} da"),
                    name_en: format!("{id} en"),
                },
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let addr = ork_server::spawn(make(store.clone())).await.unwrap();
        // No connection reuse: each request stands alone, as each test step should.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        Self {
            addr,
            store,
            client,
            _db: db,
        }
    }

    /// A pool of the test's own on the app's database, for tampering with rows on purpose.
    pub async fn raw_pool(&self) -> sqlx::AnyPool {
        self._db.raw_pool().await
    }

    /// A restart: a new server with a new state on the same database.
    pub async fn spawn_state_on(old: TestApp, make: impl FnOnce(Store) -> AppState) -> Self {
        let addr = ork_server::spawn(make(old.store.clone())).await.unwrap();
        Self { addr, ..old }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Creates a user with a password and the given roles; records the password as a secret
    /// for the log scan.
    pub async fn user(&self, email: &str, password: &str, roles: &[(&str, Role)]) {
        ork_testkit::record_secret(password);
        let hash = hash_password(password).unwrap();
        let mut tx = self.store.write().await.unwrap();
        let email = Email::parse(email).unwrap();
        tx.create_user(
            &src(),
            &NewUser {
                email: email.clone(),
                name: PersonName::parse("Test Person").unwrap(),
                password_hash: Some(hash),
                lang: Lang::Da,
            },
        )
        .await
        .unwrap();
        let u = tx.user_by_email_tx(&email).await.unwrap().unwrap();
        for (org, role) in roles {
            tx.add_membership(&src(), &u, &OrgId::parse(org).unwrap(), *role)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }

    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookies: HashMap::new(),
            headers: HeaderMap::new(),
        }
    }

    pub async fn audit_head(&self) -> i64 {
        self.store.audit_head().await.unwrap().seq
    }
}

/// A client with a cookie jar of its own (cookies are `Secure`, which reqwest's jar would
/// not send over plain HTTP, so they are kept here by hand) and extra headers.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub cookies: HashMap<String, String>,
    pub headers: HeaderMap,
}

impl Browser<'_> {
    fn absorb(&mut self, res: &Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let s = v.to_str().unwrap();
            let pair = s.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            // Jupyter's `_xsrf` behind the notebooks' proxy is read by JupyterLab's script.
            assert!(
                s.contains("HttpOnly") || k == "_xsrf",
                "cookie {k} is HttpOnly"
            );
            assert!(s.contains("Secure"), "cookie {k} is Secure");
            assert!(s.contains("SameSite"), "cookie {k} has SameSite");
            if s.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn csrf(&self) -> String {
        self.cookies.get("ork_csrf").cloned().unwrap_or_default()
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        build: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Response {
        let mut rb = self
            .app
            .client
            .request(method, self.app.url(path))
            .headers(self.headers.clone());
        if !self.cookies.is_empty() {
            rb = rb.header("cookie", self.cookie_header());
        }
        let res = build(rb).send().await.unwrap();
        self.absorb(&res);
        res
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.request(Method::GET, path, |r| r).await
    }

    /// Posts a form with the CSRF token the page would carry.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let csrf = self.csrf();
        let mut all: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.request(Method::POST, path, |r| {
            r.header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        })
        .await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Response {
        self.get("/login").await;
        self.post_form(
            "/login",
            &[
                ("email", email),
                ("password", password),
                ("next", "/account"),
            ],
        )
        .await
    }

    pub async fn signed_in<'a>(app: &'a TestApp, email: &str, password: &str) -> Browser<'a> {
        let mut b = app.browser();
        let res = b.sign_in(email, password).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in of {email}");
        b
    }

    pub async fn json(&mut self, method: Method, path: &str, body: &serde_json::Value) -> Response {
        let csrf = self.csrf();
        let body = body.to_string();
        self.request(method, path, |r| {
            r.header("content-type", "application/json")
                .header("x-csrf-token", csrf)
                .body(body)
        })
        .await
    }
}

pub async fn error_code(res: Response) -> String {
    let v: serde_json::Value = res.json().await.unwrap();
    v["error"]["code"].as_str().unwrap_or_default().to_owned()
}

//! The state database: organisations, users and roles, sessions, API tokens, the audit
//! trail, the catalog's documentation versions and baskets, the roadmap's decided cases,
//! the quick-test log and saved cohorts, applications and their parts, the outbox of
//! notifications and webhook messages, agreements and their signatures, clients' authorisations of consultancies, on SQLite (embedded, the
//! default) or PostgreSQL (production), through one repository layer.
//!
//! Both backends go through sqlx's `Any` driver with the same query text, so every query
//! is written once; that is why columns keep to 64-bit integers and text (the `Any` driver
//! decodes only plain types). Each backend has its own migrations, embedded in the binary
//! and run at connect.
//!
//! Every state change happens in a [`WriteTx`] and appends its audit event inside the same
//! transaction (see [`WriteTx::audit`]): if the append fails, the change is rolled back.

mod advice;
mod agreements;
mod applications;
mod audit;
mod cases;
mod catalog;
mod certifications;
mod clients;
mod error;
mod jobs;
mod orgs;
mod outbox;
mod outputs;
mod permits;
mod quicktests;
mod rulebook;
mod sessions;
mod tokens;
mod uploads;
mod users;
mod workspaces;

pub use advice::{
    GuestMail, NewQuestion, NewQuestionMessage, Question, QuestionMessage, QuestionScope,
    StoredArticle,
};
pub use agreements::{Agreement, NewAgreement, Signature};
pub use applications::{
    Access, Application, Decision, NewApplication, NewDecision, NewPart, Part, PartChange,
    PartMessage, Submission,
};
pub use audit::{AuditFilter, AuditSource};
pub use cases::{DecidedCase, DecidedPrecedent};
pub use catalog::{DocEdit, DocSave, DocVersion};
pub use clients::ClientAuthorisation;
pub use error::StoreError;
pub use jobs::{FinishedJob, Job, JobFile, JobUsage, NewJob, NewJobFile};
pub use orgs::{NewOrganisation, Organisation};
pub use outbox::{
    AfterAttempt, CLAIM_SECS, NewNotification, NewWebhook, Notification, Webhook, WebhookAttempt,
    WebhookMessage,
};
pub use outputs::{NewOutput, Output, OutputEvent};
pub use permits::{NewPermit, Permit, StoredKey};
pub use quicktests::{NewCohort, NewQuickTest, QuickTest, SavedCohort, month_of};
pub use rulebook::{RulebookRecord, RulebookVersion};
pub use sessions::{NewSession, Session};
pub use tokens::{ApiToken, NewApiToken};
pub use uploads::{NewUpload, Upload};
pub use users::{Membership, NewUser, User};
pub use workspaces::{
    DataOrder, LoggedQuery, NewDataOrder, NewQuery, NewWorkspace, Snapshot, Workspace,
};

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine holds the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// Tells the backend from a database URL, or `None` for an unsupported scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// The handle on the state database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; taking this lock before `BEGIN` serialises
    /// writers in the process instead of failing them with `SQLITE_BUSY` mid-transaction.
    /// PostgreSQL needs no such lock: the audit head row is locked `FOR UPDATE`.
    write_lock: Option<Arc<Mutex<()>>>,
}

impl Store {
    /// Connects, configures the connection (SQLite: WAL, foreign keys, busy timeout) and
    /// runs the embedded migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| {
            StoreError::Invalid("database URL must start with sqlite: or postgres://".into())
        })?;
        let options = AnyConnectOptions::from_str(url).map_err(StoreError::Db)?;
        let mut pool_options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        if backend == Backend::Sqlite {
            pool_options = pool_options
                .max_connections(8)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                        Ok(())
                    })
                });
        } else {
            pool_options = pool_options.max_connections(16);
        }
        let pool = pool_options.connect_with(options).await?;
        let store = Self {
            pool,
            backend,
            write_lock: (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(()))),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The raw pool, for read queries inside this crate. Not public: every write goes
    /// through [`Store::write`] with its audit event.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a write transaction. Commit it with [`WriteTx::commit`]; dropping it rolls back.
    pub async fn write(&self) -> Result<WriteTx> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = self.pool.begin().await?;
        Ok(WriteTx {
            tx,
            backend: self.backend,
            _guard: guard,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A write transaction. Every method that changes state takes one, and each change appends
/// its audit event through [`WriteTx::audit`] before [`WriteTx::commit`].
pub struct WriteTx {
    tx: Transaction<'static, sqlx::Any>,
    backend: Backend,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// The current time in Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

//! Test support shared by the crates' integration tests: a fresh, empty database per test
//! on SQLite (a temporary file) or PostgreSQL (a new database on the server named by
//! `ORK_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432/test`), and the
//! [`both_backends!`] macro that runs one test body against each.
//!
//! PostgreSQL tests never skip: when the server is not reachable they fail and say how to
//! start it, so a green run always means both backends were exercised.

use sqlx::Connection;
use std::path::PathBuf;

/// A fresh database for one test. Dropping it removes the database.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

fn postgres_admin_url() -> String {
    std::env::var("ORK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("orkestrator.db").display()
        );
        Self {
            url,
            backend: "sqlite",
            dir,
            pg: None,
        }
    }

    pub async fn postgres() -> Self {
        let admin = postgres_admin_url();
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL tests need a server at {admin} ({e}). Start it with \
                 `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` \
                 or point ORK_TEST_POSTGRES_URL at one."
                )
            });
        // Not `ork_…`: that is the API tokens' prefix, which the log scan looks for.
        let name = format!("orktest{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let (base, _) = admin
            .rsplit_once('/')
            .expect("ORK_TEST_POSTGRES_URL has a database name");
        let url = format!("{base}/{name}");
        let dir = tempfile::tempdir().expect("temporary directory");
        Self {
            url,
            backend: "postgres",
            dir,
            pg: Some((admin, name)),
        }
    }

    /// A scratch directory that lives as long as the database (data dir, exports).
    /// A connection pool of the test's own, beside the store's, for tests that tamper with
    /// rows on purpose (the store does not hand out its pool).
    pub async fn raw_pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.url)
            .await
            .expect("a raw pool on the test database")
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs inside the test's runtime; a separate thread with its own runtime
            // can block on the clean-up.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// Where test logs go, to be scanned for secrets at the end of the test run.
pub fn log_dir() -> PathBuf {
    let dir = std::env::var_os("ORK_TEST_LOG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("orkestrator-test-logs"));
    std::fs::create_dir_all(&dir).expect("create test log directory");
    dir
}

/// Records a secret a test used (password, token), so that the log scan can check that it
/// never appears in any log.
pub fn record_secret(secret: &str) {
    use std::io::Write;
    let path = log_dir().join("secrets.txt");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open secrets list");
    writeln!(f, "{secret}").expect("record secret");
}

/// Runs `body(TestDb)` once on SQLite and once on PostgreSQL, as two tests named
/// `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$body($crate::TestDb::sqlite().await).await
            }
            #[::tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$body($crate::TestDb::postgres().await).await
            }
        }
    };
}

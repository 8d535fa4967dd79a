/// What went wrong in the store. `NotFound`, `Conflict` and `Invalid` are the caller's
/// fault and carry a message fit to show; `Db` and `Migrate` are ours and are logged, never
/// shown.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("could not write: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Turns a unique-constraint violation into `Conflict(what)`, leaving other errors as they are.
    pub(crate) fn conflict_on_unique(e: sqlx::Error, what: impl Into<String>) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict(what.into()),
            _ => Self::Db(e),
        }
    }
}

use crate::ServerConfig;
use crate::auth::{LocalPassword, RateLimiter, SignInProvider};
use crate::catalog::CatalogState;
use ork_store::Store;
use std::sync::Arc;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ServerConfig>,
    pub limiter: Arc<RateLimiter>,
    /// The password provider; OpenID Connect providers (MitID broker, eIDAS) are added
    /// beside it through the same trait.
    pub password: Arc<dyn SignInProvider>,
    /// The catalog of data sources, its stewards' documentation and the search index.
    pub catalog: Arc<CatalogState>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self {
            store,
            limiter: Arc::new(RateLimiter::default()),
            password: Arc::new(LocalPassword),
            config: Arc::new(config),
            catalog: Arc::new(CatalogState::embedded()),
        }
    }

    /// Serves this catalog (with the registers' counts, the operator's own sources).
    pub fn with_catalog(mut self, catalog: CatalogState) -> Self {
        self.catalog = Arc::new(catalog);
        self
    }
}

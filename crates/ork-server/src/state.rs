use crate::ServerConfig;
use crate::auth::{LocalPassword, RateLimiter, SignInProvider};
use crate::catalog::CatalogState;
use crate::rules::RulesState;
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
    /// The rulebook and the decided cases behind the roadmap's estimates.
    pub rules: Arc<RulesState>,
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let catalog = Arc::new(CatalogState::embedded());
        Self {
            store,
            limiter: Arc::new(RateLimiter::default()),
            password: Arc::new(LocalPassword),
            config: Arc::new(config),
            rules: Arc::new(RulesState::new(embedded_rulebook(&catalog.catalog))),
            catalog,
        }
    }

    /// Serves this rulebook (checked by the caller, which refuses to start on a broken one).
    pub fn with_rules(mut self, rules: RulesState) -> Self {
        self.rules = Arc::new(rules);
        self
    }

    /// Serves this catalog (with the registers' counts, the operator's own sources).
    pub fn with_catalog(mut self, catalog: CatalogState) -> Self {
        self.catalog = Arc::new(catalog);
        self
    }
}

fn embedded_rulebook(catalog: &ork_catalog::Catalog) -> ork_rules::Rulebook {
    ork_rules::load(&ork_rules::rulebook::Files::embedded(), catalog)
        .expect("the shipped rulebook is checked by its tests")
}

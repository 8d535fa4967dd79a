use crate::ServerConfig;
use crate::auth::{LocalPassword, RateLimiter, SignInProvider};
use crate::catalog::CatalogState;
use crate::quicktests::QuickTestState;
use crate::roadmap::RulesState;
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
    /// The quick-test index, disclosure policy, price list and users' earlier answers.
    pub quicktests: Arc<QuickTestState>,
}

impl AppState {
    /// The shipped catalog (no registers' counts) and rulebook: what tests and a bare
    /// server start from.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let catalog = CatalogState::embedded();
        let rules = RulesState::new(embedded_rulebook(&catalog.catalog));
        Self::with_parts(store, config, catalog, rules)
    }

    /// Serves this catalog (with the registers' counts, the operator's own sources) and
    /// this rulebook (checked by the caller, which refuses to start on a broken one), so
    /// start-up builds each once.
    pub fn with_parts(
        store: Store,
        config: ServerConfig,
        catalog: CatalogState,
        rules: RulesState,
    ) -> Self {
        Self {
            store,
            limiter: Arc::new(RateLimiter::default()),
            password: Arc::new(LocalPassword),
            config: Arc::new(config),
            catalog: Arc::new(catalog),
            rules: Arc::new(rules),
            quicktests: Arc::new(QuickTestState::disabled()),
        }
    }

    /// Serves quick tests from this state (its registers folder, policy and price list).
    pub fn with_quicktests(mut self, q: Arc<QuickTestState>) -> Self {
        self.quicktests = q;
        self
    }
}

fn embedded_rulebook(catalog: &ork_catalog::Catalog) -> ork_rules::Rulebook {
    ork_rules::load(&ork_rules::rulebook::Files::embedded(), catalog)
        .expect("the shipped rulebook is checked by its tests")
}

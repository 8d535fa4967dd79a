use crate::ServerConfig;
use crate::advice::AdviceState;
use crate::auth::{LocalPassword, RateLimiter, SignInProvider};
use crate::catalog::CatalogState;
use crate::quicktests::QuickTestState;
use crate::roadmap::RulesState;
use crate::workspaces::WorkspaceState;
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
    /// The knowledge base, its search index and the advice desk's routing.
    pub advice: Arc<AdviceState>,
    /// Where workspaces live, the master key behind project keys, query limits and the
    /// running provisioning jobs.
    pub workspaces: Arc<WorkspaceState>,
    /// The sandbox jobs and notebooks run in (or why there is none), the queue's running
    /// jobs, the software inside.
    pub jobs: Arc<crate::jobs::JobsState>,
}

impl AppState {
    /// The shipped catalog (no registers' counts) and rulebook: what tests and a bare
    /// server start from.
    pub fn new(store: Store, config: ServerConfig) -> Self {
        let catalog = CatalogState::embedded();
        let rules = RulesState::new(embedded_rulebook(&catalog.catalog));
        let advice = AdviceState::load(&catalog.catalog, &rules.book)
            .expect("the shipped knowledge base is checked by its tests");
        Self::with_parts(store, config, catalog, rules, advice)
    }

    /// Serves this catalog (with the registers' counts, the operator's own sources) and
    /// this rulebook and this knowledge base (each checked by the caller, which refuses to
    /// start on a broken one), so start-up builds each once.
    pub fn with_parts(
        store: Store,
        config: ServerConfig,
        catalog: CatalogState,
        rules: RulesState,
        advice: AdviceState,
    ) -> Self {
        Self {
            store,
            limiter: Arc::new(RateLimiter::default()),
            password: Arc::new(LocalPassword),
            config: Arc::new(config),
            catalog: Arc::new(catalog),
            rules: Arc::new(rules),
            quicktests: Arc::new(QuickTestState::disabled()),
            advice: Arc::new(advice),
            workspaces: Arc::new(WorkspaceState::disabled()),
            jobs: Arc::new(crate::jobs::JobsState::disabled()),
        }
    }

    /// Runs jobs as this state says (the sandbox, its folder, how many at once).
    pub fn with_jobs(mut self, j: Arc<crate::jobs::JobsState>) -> Self {
        self.jobs = j;
        self
    }

    /// Keeps workspaces as this state says (folder, master key, limits).
    pub fn with_workspaces(mut self, w: Arc<WorkspaceState>) -> Self {
        self.workspaces = w;
        self
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

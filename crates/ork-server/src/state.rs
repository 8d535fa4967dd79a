use crate::ServerConfig;
use crate::auth::{LocalPassword, RateLimiter, SignInProvider};
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
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self {
            store,
            limiter: Arc::new(RateLimiter::default()),
            password: Arc::new(LocalPassword),
            config: Arc::new(config),
        }
    }
}

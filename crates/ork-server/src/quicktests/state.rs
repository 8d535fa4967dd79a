//! Quick tests as the server holds them: the person-level index over the registers folder
//! (built in the background at start and rebuilt when the registers change), the
//! disclosure policy and the price list, and each user's earlier answers for the
//! differencing check — kept in memory, filled from the query log the first time a user
//! asks after a start, and taken under a per-user lock so that two questions of one user
//! are checked one after the other.

use crate::ApiError;
use axum::http::StatusCode;
use ork_quicktest::answer::{Earlier, HISTORY, Shown};
use ork_quicktest::index::Index;
use ork_quicktest::prices::PriceList;
use ork_quicktest::sdc::Policy;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// An index with the identity of the registers it was built from.
pub struct LoadedIndex {
    pub index: Index,
    /// SHA-256 of the registers' manifest: answers are compared only within one build.
    pub id: String,
    pub build_millis: u64,
}

/// Where the index stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexStatus {
    /// No registers folder was configured (a bare server, most tests).
    NotConfigured,
    Building,
    Ready,
    Failed(String),
}

/// One user's earlier answers on one index, newest last.
#[derive(Default)]
pub struct UserHistory {
    pub index_id: String,
    pub loaded: bool,
    pub earlier: Vec<Earlier>,
}

pub struct QuickTestState {
    pub policy: Policy,
    pub prices: PriceList,
    dir: Option<PathBuf>,
    index: RwLock<Option<Arc<LoadedIndex>>>,
    status: RwLock<IndexStatus>,
    /// The registers build that last failed to index: not tried again until it changes.
    failed: Mutex<Option<String>>,
    users: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<UserHistory>>>>,
}

/// The identity of a registers folder: the SHA-256 of its manifest.
pub fn registers_id(dir: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(dir.join("manifest.json")).ok()?;
    Some(hex::encode(Sha256::digest(&bytes)))
}

impl QuickTestState {
    /// No registers: quick tests answer 503 until an operator configures them.
    pub fn disabled() -> Self {
        Self::new(None, Policy::default(), PriceList::default())
    }

    pub fn new(dir: Option<PathBuf>, policy: Policy, prices: PriceList) -> Self {
        Self {
            status: RwLock::new(if dir.is_some() {
                IndexStatus::Building
            } else {
                IndexStatus::NotConfigured
            }),
            policy,
            prices,
            dir,
            index: RwLock::new(None),
            failed: Mutex::new(None),
            users: Mutex::new(HashMap::new()),
        }
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    pub fn status(&self) -> IndexStatus {
        self.status
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn index(&self) -> Option<Arc<LoadedIndex>> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn set_status(&self, s: IndexStatus) {
        *self.status.write().unwrap_or_else(|e| e.into_inner()) = s;
    }

    /// Builds the index from the registers folder now (blocking), replacing the one served.
    pub fn build_now(&self) -> Result<(), String> {
        let Some(dir) = &self.dir else {
            return Err("no registers folder is configured".into());
        };
        let id = registers_id(dir)
            .ok_or_else(|| format!("no registers manifest in {}", dir.display()))?;
        let t = std::time::Instant::now();
        let built = Index::build(dir).map_err(|e| e.to_string()).and_then(|ix| {
            // Registers replaced while they were read give a mixed index: build again.
            if registers_id(dir).as_ref() == Some(&id) {
                Ok(ix)
            } else {
                Err("the registers changed while the index was built; building again".into())
            }
        });
        match built {
            Ok(index) => {
                let loaded = LoadedIndex {
                    index,
                    id,
                    build_millis: t.elapsed().as_millis() as u64,
                };
                tracing::info!(
                    persons = loaded.index.persons.len(),
                    millis = loaded.build_millis,
                    bytes = loaded.index.heap_bytes(),
                    "quick-test index built"
                );
                *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(loaded));
                self.set_status(IndexStatus::Ready);
                Ok(())
            }
            Err(msg) => {
                tracing::warn!(error = %msg, "the quick-test index could not be built");
                *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
                // A failed rebuild keeps serving the index it had.
                if self.index().is_none() {
                    self.set_status(IndexStatus::Failed(msg.clone()));
                }
                Err(msg)
            }
        }
    }

    /// Builds the index in the background, then checks the registers every `every` and
    /// rebuilds when their manifest changed (a new generation or delivery).
    pub fn start(self: &Arc<Self>, every: std::time::Duration) {
        if self.dir.is_none() {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                let current = me.index().map(|i| i.id.clone());
                let on_disk = me.dir.as_deref().and_then(registers_id);
                let failed = me.failed.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if on_disk.is_some() && on_disk != current && on_disk != failed {
                    let m = me.clone();
                    let _ = tokio::task::spawn_blocking(move || m.build_now()).await;
                } else if on_disk.is_none() && current.is_none() {
                    me.set_status(IndexStatus::Failed(format!(
                        "no synthetic registers in {} (run `orkestrator registers generate`)",
                        me.dir.as_deref().unwrap_or(Path::new("")).display()
                    )));
                }
                tokio::time::sleep(every).await;
            }
        });
    }

    /// The lock on one user's earlier answers.
    pub fn user(&self, user_id: i64) -> Arc<tokio::sync::Mutex<UserHistory>> {
        self.users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(user_id)
            .or_default()
            .clone()
    }
}

impl UserHistory {
    /// Makes sure the history holds the user's logged answers on index `index_id` (after a
    /// start, or when the registers changed). A logged definition that no longer parses is
    /// kept as unknown persons (stricter, see [`Earlier::cohort`]); logged shown numbers that
    /// cannot be read leave nothing to check against, so the user's quick tests are refused
    /// until an operator looks (503 `history_unreadable`).
    pub async fn load(
        &mut self,
        store: &ork_store::Store,
        user_id: i64,
        index_id: &str,
    ) -> Result<(), ApiError> {
        if self.loaded && self.index_id == index_id {
            return Ok(());
        }
        let logged = store.user_quicktests(user_id, HISTORY as i64).await?;
        let mut earlier = Vec::with_capacity(logged.len());
        let (mut unparsed, mut unreadable) = (0usize, 0usize);
        for q in logged.into_iter().filter(|q| q.index_id == index_id) {
            let cohort = ork_quicktest::parse(&q.definition).ok();
            unparsed += usize::from(cohort.is_none());
            match serde_json::from_str::<Vec<Shown>>(&q.shown) {
                Ok(shown) => earlier.push(Earlier { cohort, shown }),
                Err(_) => unreadable += 1,
            }
        }
        if unparsed > 0 {
            tracing::warn!(
                user_id,
                unparsed,
                "earlier quick tests no longer parse; the differencing check treats them as overlapping"
            );
        }
        if unreadable > 0 {
            tracing::error!(
                user_id,
                unreadable,
                "earlier quick tests have unreadable shown numbers; refusing the user's quick tests"
            );
            return Err(ApiError::of(
                StatusCode::SERVICE_UNAVAILABLE,
                "history_unreadable",
                &[],
            ));
        }
        self.earlier = earlier;
        self.index_id = index_id.to_owned();
        self.loaded = true;
        Ok(())
    }

    pub fn push(&mut self, e: Earlier) {
        self.earlier.push(e);
        if self.earlier.len() > HISTORY {
            let extra = self.earlier.len() - HISTORY;
            self.earlier.drain(..extra);
        }
    }
}

//! The rulebook as the server holds it, with the decided cases that refine its estimates.

use ork_rules::Rulebook;
use ork_rules::planner::History;
use std::sync::RwLock;

pub struct RulesState {
    pub book: Rulebook,
    history: RwLock<History>,
}

impl RulesState {
    pub fn new(book: Rulebook) -> Self {
        Self {
            book,
            history: RwLock::new(History::default()),
        }
    }

    /// A copy of the decided cases so far (application handling will record them).
    pub fn history(&self) -> History {
        self.history
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reads every decided case from the store.
    pub async fn load_history(&self, store: &ork_store::Store) -> anyhow::Result<usize> {
        let h = read_history(store).await?;
        let n = h.total();
        *self.history.write().unwrap_or_else(|e| e.into_inner()) = h;
        Ok(n)
    }

    /// Records the rulebook version in force (its snapshot, for "what changed") the first
    /// time the platform runs with it. A version recorded earlier with other content is
    /// refused: a published version never changes, a changed rulebook needs a new version.
    pub async fn record_version(&self, store: &ork_store::Store) -> anyhow::Result<bool> {
        let snapshot = ork_rules::versions::snapshot(&self.book).to_string();
        let src = ork_store::AuditSource {
            actor: Some("system:server".into()),
            org: None,
            source: "server".into(),
        };
        let mut tx = store.write().await?;
        match tx
            .record_rulebook_version(&src, &self.book.version, &self.book.published, &snapshot)
            .await?
        {
            ork_store::RulebookRecord::New => {
                tx.commit().await?;
                Ok(true)
            }
            ork_store::RulebookRecord::Known => Ok(false),
            ork_store::RulebookRecord::Changed { recorded } => anyhow::bail!(
                "rulebook version {} differs from the version {} this platform recorded (published {}, SHA-256 {}): a published version never changes, so give the changed rulebook a new version in rulebook.toml",
                self.book.version,
                recorded.version,
                recorded.published,
                recorded.sha256
            ),
        }
    }

    pub fn record(&self, rule: &str, days: u32) {
        self.history
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .record(rule, days);
    }
}

/// Every decided case in the store, as the planner's history.
pub async fn read_history(store: &ork_store::Store) -> anyhow::Result<History> {
    let mut h = History::default();
    for (rule, days, synthetic) in store.decided_case_days().await? {
        let days = u32::try_from(days).unwrap_or(0);
        if synthetic {
            h.record_synthetic(&rule, days);
        } else {
            h.record(&rule, days);
        }
    }
    Ok(h)
}

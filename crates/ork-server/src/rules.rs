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
        let cases = store.decided_case_days().await?;
        let mut h = History::default();
        for (rule, days) in &cases {
            h.record(rule, u32::try_from(*days).unwrap_or(0));
        }
        *self.history.write().unwrap_or_else(|e| e.into_inner()) = h;
        Ok(cases.len())
    }

    pub fn record(&self, rule: &str, days: u32) {
        self.history
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .record(rule, days);
    }
}

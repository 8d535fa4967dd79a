//! The rulebook as the server holds it, with the decided cases that refine its estimates.

use ork_rules::Rulebook;
use ork_rules::planner::History;
use ork_rules::report::RoadmapReport;
use ork_rules::rulebook::{Precedent, rank_precedents, search_precedents};
use std::sync::RwLock;

pub struct RulesState {
    pub book: Rulebook,
    history: RwLock<History>,
    /// The precedents the platform's own decisions added, newest first.
    decided: RwLock<Vec<Precedent>>,
}

/// A stored decision's precedent as the register shows it.
pub fn precedent_of(d: &ork_store::DecidedPrecedent) -> Precedent {
    Precedent {
        id: d.id.clone(),
        rule: d.rule.clone(),
        authority: d.authority.clone(),
        decided: d.decided.clone(),
        outcome: d.outcome.clone(),
        example: false,
        applicant_kind: d.applicant_kind.clone(),
        datasets: d.datasets.clone(),
        summary: ork_catalog::Text::new(d.summary.0.clone(), d.summary.1.clone()),
        reasons: ork_catalog::Text::new(d.reasons.0.clone(), d.reasons.1.clone()),
    }
}

impl RulesState {
    pub fn new(book: Rulebook) -> Self {
        Self {
            book,
            history: RwLock::new(History::default()),
            decided: RwLock::new(Vec::new()),
        }
    }

    /// Reads the precedents the platform's decisions added.
    pub async fn load_precedents(&self, store: &ork_store::Store) -> anyhow::Result<usize> {
        let list: Vec<Precedent> = store
            .decided_precedents()
            .await?
            .iter()
            .map(precedent_of)
            .collect();
        let n = list.len();
        *self.decided.write().unwrap_or_else(|e| e.into_inner()) = list;
        Ok(n)
    }

    /// Adds a decision's precedent (after its transaction committed).
    pub fn add_precedent(&self, p: Precedent) {
        let mut v = self.decided.write().unwrap_or_else(|e| e.into_inner());
        if !v.iter().any(|x| x.id == p.id) {
            v.insert(0, p);
        }
    }

    /// The rulebook's and the decided precedents under `rule`, most alike first.
    pub fn precedents_for(&self, rule: &str, datasets: &[String]) -> Vec<Precedent> {
        let decided = self.decided.read().unwrap_or_else(|e| e.into_inner());
        rank_precedents(
            self.book.precedents.iter().chain(decided.iter()),
            rule,
            datasets,
        )
        .into_iter()
        .cloned()
        .collect()
    }

    /// The rulebook's and the decided precedents whose texts hold every word of `query`.
    pub fn search_precedents(&self, query: &str) -> Vec<Precedent> {
        let decided = self.decided.read().unwrap_or_else(|e| e.into_inner());
        search_precedents(self.book.precedents.iter().chain(decided.iter()), query)
            .into_iter()
            .cloned()
            .collect()
    }

    /// How many precedents the register holds.
    pub fn precedent_count(&self) -> usize {
        self.book.precedents.len() + self.decided.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Each step's three most alike precedents, the decided ones included.
    pub fn fill_precedents(&self, report: &mut RoadmapReport) {
        for s in &mut report.steps {
            s.precedents = self
                .precedents_for(&s.why.rule, &s.datasets)
                .iter()
                .take(3)
                .map(ork_rules::report::link)
                .collect();
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

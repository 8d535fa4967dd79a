//! The advice desk as the server holds it: the knowledge base (the shipped articles and
//! those published on the platform) with its search index, the second-level routing, and a
//! change counter the conversations' live streams wait on.

use ork_advice::{Article, KnowledgeBase, Routing};
use ork_catalog::search::TextIndex;
use ork_catalog::{Catalog, Text};
use ork_rules::Rulebook;
use ork_store::{Store, StoredArticle};
use std::sync::{Arc, RwLock};

/// The knowledge base as searched now.
pub struct Live {
    pub kb: KnowledgeBase,
    pub index: TextIndex,
}

pub struct AdviceState {
    shipped: KnowledgeBase,
    pub routing: Routing,
    live: RwLock<Arc<Live>>,
    /// Bumped on every change to a conversation; live streams wake on it (and poll the
    /// store besides, for changes made by another server process).
    pub changes: tokio::sync::watch::Sender<u64>,
    /// The published platform articles the live knowledge base was built from.
    loaded: std::sync::Mutex<Vec<(String, i64)>>,
}

fn fingerprint(published: &[StoredArticle]) -> Vec<(String, i64)> {
    published
        .iter()
        .map(|a| (a.id.clone(), a.reviewed_at.unwrap_or(0)))
        .collect()
}

/// How often a server checks for articles another process published.
pub const REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// Keeps the knowledge base in step with articles published by other server processes.
pub fn spawn_refresher(state: crate::AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REFRESH);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = state.advice.refresh(&state.store).await {
                tracing::warn!(error = %e, "the knowledge base could not be refreshed");
            }
        }
    });
}

/// Why the advice desk's data did not load.
#[derive(Debug, thiserror::Error)]
pub enum AdviceLoadError {
    #[error(transparent)]
    Kb(#[from] ork_advice::LoadError),
    #[error("the knowledge base could not be indexed: {0}")]
    Index(#[from] ork_catalog::search::SearchError),
}

/// A published platform article as the knowledge base holds it.
pub fn article_of(a: &StoredArticle) -> Article {
    Article {
        id: a.id.clone(),
        owner: a.owner.clone(),
        topic: a.topic.clone(),
        title: Text::new(a.title_da.clone(), a.title_en.clone()),
        summary: Text::new(a.summary_da.clone(), a.summary_en.clone()),
        body: Text::new(a.body_da.clone(), a.body_en.clone()),
        steps: Vec::new(),
        datasets: Vec::new(),
        fields: Vec::new(),
        sources: vec![format!(
            "The advice desk's answer to question {}, reviewed before it was published",
            a.from_question.as_deref().unwrap_or("-")
        )],
        version: u32::try_from(a.version).unwrap_or(1),
        updated: crate::dates::date(a.reviewed_at.unwrap_or(a.created_at)),
    }
}

impl AdviceState {
    /// Loads and checks the shipped knowledge base and routing against the rulebook and the
    /// catalog; a broken one stops start-up, naming the file and line.
    pub fn load(catalog: &Catalog, book: &Rulebook) -> Result<Self, AdviceLoadError> {
        let kb = ork_advice::load(&ork_advice::kb::embedded(), book, catalog)?;
        let routing = ork_advice::routing::load(ork_advice::routing::embedded(), book, catalog)?;
        let index = kb.index()?;
        Ok(Self {
            shipped: kb.clone(),
            routing,
            live: RwLock::new(Arc::new(Live { kb, index })),
            changes: tokio::sync::watch::channel(0).0,
            loaded: std::sync::Mutex::new(Vec::new()),
        })
    }

    pub fn live(&self) -> Arc<Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rebuilds the live knowledge base from the shipped articles and those published on
    /// the platform (a platform article never replaces a shipped one).
    pub async fn reload(&self, store: &Store) -> anyhow::Result<usize> {
        let published = store.stored_articles(Some("published")).await?;
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = fingerprint(&published);
        let mut kb = self.shipped.clone();
        for a in &published {
            if kb.article(&a.id).is_none() {
                kb.articles.push(article_of(a));
            }
        }
        kb.articles.sort_by(|a, b| a.id.cmp(&b.id));
        let index = kb.index()?;
        let n = kb.articles.len();
        *self.live.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Live { kb, index });
        Ok(n)
    }

    /// Rebuilds the knowledge base when articles were published since it was built (by this
    /// or another server process); whether it did.
    pub async fn refresh(&self, store: &Store) -> anyhow::Result<bool> {
        let published = store.stored_articles(Some("published")).await?;
        let now = fingerprint(&published);
        if *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) == now {
            return Ok(false);
        }
        self.reload(store).await?;
        Ok(true)
    }

    /// Tells live streams that a conversation changed.
    pub fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }
}

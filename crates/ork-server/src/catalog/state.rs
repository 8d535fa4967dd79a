//! The catalog as the server holds it: the loaded content, stewards' current documentation
//! (from the store) and the search index built over both. A steward's save replaces the
//! page and rebuilds the index, so search finds the new text at once.

use ork_catalog::search::SearchIndex;
use ork_catalog::{Catalog, Text};
use ork_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A source's documentation as shown now.
#[derive(Debug, Clone, Default)]
pub struct CurrentDoc {
    pub text: Text,
    /// 0 for the page shipped with the catalog.
    pub version: i64,
    pub author: Option<String>,
    pub saved_at: Option<i64>,
}

struct Live {
    docs: HashMap<String, CurrentDoc>,
    index: Arc<SearchIndex>,
}

pub struct CatalogState {
    pub catalog: Catalog,
    live: RwLock<Live>,
}

impl CatalogState {
    pub fn new(catalog: Catalog) -> Result<Self, ork_catalog::search::SearchError> {
        let index = SearchIndex::build(&catalog, &HashMap::new())?;
        Ok(Self {
            catalog,
            live: RwLock::new(Live {
                docs: HashMap::new(),
                index: Arc::new(index),
            }),
        })
    }

    /// The shipped catalog without the registers' manifest: what tests and a bare
    /// server start from.
    pub fn embedded() -> Self {
        let catalog = ork_catalog::load(&ork_catalog::Files::embedded(), None)
            .expect("the shipped catalog is checked by its tests");
        Self::new(catalog).expect("the shipped catalog indexes")
    }

    fn live(&self) -> std::sync::RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn index(&self) -> Arc<SearchIndex> {
        self.live().index.clone()
    }

    /// The documentation shown for a source now.
    pub fn doc(&self, id: &str) -> CurrentDoc {
        if let Some(d) = self.live().docs.get(id) {
            return d.clone();
        }
        CurrentDoc {
            text: self
                .catalog
                .source(id)
                .map(|s| s.docs.clone())
                .unwrap_or_default(),
            ..Default::default()
        }
    }

    /// Every source's current documentation text where a steward has saved one.
    pub fn saved_docs(&self) -> HashMap<String, Text> {
        self.live()
            .docs
            .iter()
            .map(|(k, v)| (k.clone(), v.text.clone()))
            .collect()
    }

    /// Reads stewards' current versions from the store and reindexes.
    pub async fn load_docs(self: &Arc<Self>, store: &Store) -> anyhow::Result<()> {
        let docs: HashMap<String, CurrentDoc> = store
            .current_docs()
            .await?
            .into_iter()
            .filter(|d| self.catalog.source(&d.source_id).is_some())
            .map(|d| {
                (
                    d.source_id.clone(),
                    CurrentDoc {
                        text: Text::new(d.body_da, d.body_en),
                        version: d.version,
                        author: Some(d.author),
                        saved_at: Some(d.created_at),
                    },
                )
            })
            .collect();
        self.replace_docs(docs).await
    }

    /// Records a saved version and reindexes.
    pub async fn set_doc(self: &Arc<Self>, id: &str, doc: CurrentDoc) -> anyhow::Result<()> {
        let mut docs = self.live().docs.clone();
        docs.insert(id.to_owned(), doc);
        self.replace_docs(docs).await
    }

    async fn replace_docs(
        self: &Arc<Self>,
        docs: HashMap<String, CurrentDoc>,
    ) -> anyhow::Result<()> {
        let texts: HashMap<String, Text> = docs
            .iter()
            .map(|(k, v)| (k.clone(), v.text.clone()))
            .collect();
        let me = self.clone();
        let index =
            tokio::task::spawn_blocking(move || SearchIndex::build(&me.catalog, &texts)).await??;
        let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
        live.docs = docs;
        live.index = Arc::new(index);
        Ok(())
    }
}

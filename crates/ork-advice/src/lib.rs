//! The advice desk (issue 17) as data: its knowledge base and its second-level routing
//! (`routing.toml`: which authority's experts answer which topics, steps and datasets).
//!
//! The knowledge base: articles in Danish and English
//! (`kb/articles/*.md`, format in `kb/README.md`), embedded in the binary and checked when
//! they load — every step, dataset and form field an article names must exist in the
//! rulebook and the catalog, its owner must be the platform or a catalog organisation, both
//! languages must be written, without HTML, and its sources named — each problem named with
//! its file and line.

pub mod kb;
pub mod routing;

pub use kb::{About, Article, KnowledgeBase, LoadError, TOPICS, load};
pub use routing::{Route, Routing, Subject};

//! Knowledge-base articles: loaded from their files, checked, and kept in id order.

use include_dir::{Dir, include_dir};
use ork_catalog::search::{SearchError, TextDoc, TextIndex};
use ork_catalog::{Catalog, Text};
use ork_rules::Rulebook;
use serde::Deserialize;
use std::collections::BTreeMap;

static ARTICLES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/kb/articles");

/// What an article is about.
pub const TOPICS: [&str; 8] = [
    "approvals",
    "data",
    "applying",
    "agreements",
    "analysis",
    "costs",
    "time",
    "companies",
];

/// An article as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: String,
    /// `platform` or the organisation (catalog id) that owns it.
    pub owner: String,
    pub topic: String,
    pub title: Text,
    pub summary: Text,
    /// The text, Markdown.
    pub body: Text,
    pub steps: Vec<String>,
    pub datasets: Vec<String>,
    pub fields: Vec<String>,
    pub sources: Vec<String>,
    pub version: u32,
    /// YYYY-MM-DD.
    pub updated: String,
}

/// The loaded knowledge base.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    /// By id.
    pub articles: Vec<Article>,
}

impl KnowledgeBase {
    pub fn article(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }

    /// The full-text index over the articles, built with the catalog's search engine.
    pub fn index(&self) -> Result<TextIndex, SearchError> {
        TextIndex::build(self.articles.iter().map(|a| {
            TextDoc {
                key: &a.id,
                title: &a.title,
                body: vec![&a.summary, &a.body],
                idents: a
                    .steps
                    .iter()
                    .chain(&a.datasets)
                    .chain(&a.fields)
                    .map(String::as_str)
                    .collect(),
            }
        }))
    }

    /// The articles that explain a rulebook step, a dataset or a form field.
    pub fn about<'a>(&'a self, kind: About, id: &'a str) -> impl Iterator<Item = &'a Article> {
        self.articles.iter().filter(move |a| match kind {
            About::Step => a.steps.iter().any(|s| s == id),
            About::Dataset => a.datasets.iter().any(|s| s == id),
            About::Field => a.fields.iter().any(|s| s == id),
        })
    }
}

/// What an article can explain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Step,
    Dataset,
    Field,
}

/// Why the articles did not load: each problem with its file and line.
#[derive(Debug, thiserror::Error)]
#[error("the knowledge base has problems:\n{}", .0.join("\n"))]
pub struct LoadError(pub Vec<String>);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Front {
    id: String,
    owner: String,
    topic: String,
    title_da: String,
    title_en: String,
    summary_da: String,
    summary_en: String,
    steps: Vec<String>,
    datasets: Vec<String>,
    fields: Vec<String>,
    sources: Vec<String>,
    version: u32,
    updated: String,
}

/// The articles shipped in the binary: file name → text.
pub fn embedded() -> BTreeMap<String, String> {
    ARTICLES
        .files()
        .filter_map(|f| {
            let name = f.path().file_name()?.to_str()?.to_owned();
            Some((name, f.contents_utf8()?.to_owned()))
        })
        .collect()
}

fn words(s: &str) -> usize {
    s.split_whitespace().count()
}

fn has_html(s: &str) -> bool {
    s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/' || w[1] == b'!'))
}

/// Loads and checks `files` (file name → text) against the rulebook and the catalog.
pub fn load(
    files: &BTreeMap<String, String>,
    book: &Rulebook,
    catalog: &Catalog,
) -> Result<KnowledgeBase, LoadError> {
    let mut problems = Vec::new();
    let mut articles = Vec::new();
    for (name, text) in files.iter().filter(|(n, _)| n.ends_with(".md")) {
        let mut p = |line: usize, msg: String| problems.push(format!("{name}:{line}: {msg}"));
        let Some(rest) = text.strip_prefix("+++\n") else {
            p(1, "no front matter (a first line +++)".into());
            continue;
        };
        let Some(end) = rest.find("\n+++\n") else {
            p(1, "the front matter does not end with a line +++".into());
            continue;
        };
        let (front, body) = (&rest[..end], &rest[end + 5..]);
        let body_line = front.lines().count() + 3;
        let f: Front = match toml::from_str(front) {
            Ok(f) => f,
            Err(e) => {
                let line = e
                    .span()
                    .map_or(1, |s| front[..s.start].matches('\n').count() + 2);
                p(line, e.message().to_owned());
                continue;
            }
        };
        let stem = name.trim_end_matches(".md");
        let slug = !stem.is_empty()
            && stem.split('-').all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            });
        if f.id != stem || !slug {
            p(
                2,
                format!(
                    "id {:?} must be the file's name, in a-z, 0-9 and hyphens",
                    f.id
                ),
            );
        }
        if f.owner != "platform" && catalog.organisation(&f.owner).is_none() {
            p(
                3,
                format!(
                    "owner {:?} is not the platform or a catalog organisation",
                    f.owner
                ),
            );
        }
        if !TOPICS.contains(&f.topic.as_str()) {
            p(
                4,
                format!("topic {:?} is not one of {}", f.topic, TOPICS.join(", ")),
            );
        }
        for s in &f.steps {
            if book.step(s).is_none() {
                p(2, format!("step {s:?} is not in the rulebook"));
            }
        }
        for d in &f.datasets {
            if catalog.source(d).is_none() {
                p(2, format!("dataset {d:?} is not in the catalog"));
            }
        }
        for x in &f.fields {
            if book.form.field(x).is_none() {
                p(2, format!("field {x:?} is not in the form"));
            }
        }
        if f.sources.is_empty() {
            p(2, "no sources".into());
        }
        for (k, v) in [
            ("title_da", &f.title_da),
            ("title_en", &f.title_en),
            ("summary_da", &f.summary_da),
            ("summary_en", &f.summary_en),
        ] {
            if v.trim().is_empty() {
                p(2, format!("{k} is empty"));
            }
        }
        let parts: Vec<&str> = body.split("\n---\n").collect();
        let [da, en] = parts.as_slice() else {
            p(
                body_line,
                "expected a Danish and an English text separated by a line ---".into(),
            );
            continue;
        };
        for (lang, t) in [("Danish", da), ("English", en)] {
            let n = words(t);
            if !(80..=450).contains(&n) {
                p(body_line, format!("the {lang} text has {n} words (80-450)"));
            }
            if has_html(t) {
                p(
                    body_line,
                    format!("the {lang} text holds HTML; write Markdown"),
                );
            }
        }
        articles.push(Article {
            id: f.id,
            owner: f.owner,
            topic: f.topic,
            title: Text::new(f.title_da, f.title_en),
            summary: Text::new(f.summary_da, f.summary_en),
            body: Text::new(da.trim().to_owned(), en.trim().to_owned()),
            steps: f.steps,
            datasets: f.datasets,
            fields: f.fields,
            sources: f.sources,
            version: f.version,
            updated: f.updated,
        });
    }
    if problems.is_empty() {
        articles.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(KnowledgeBase { articles })
    } else {
        Err(LoadError(problems))
    }
}

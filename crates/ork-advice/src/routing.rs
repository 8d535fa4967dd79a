//! Second-level routing as data (`routing.toml`): which authority's experts a question is
//! referred to, proposed from its topic, its application's steps and its datasets.

use ork_catalog::Catalog;
use ork_rules::Rulebook;
use serde::Deserialize;

static ROUTING: &str = include_str!("../routing.toml");

/// One route: an authority and what its experts answer.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub authority: String,
    #[serde(default)]
    pub topics: Vec<String>,
    #[serde(default)]
    pub steps: Vec<String>,
    #[serde(default)]
    pub datasets: Vec<String>,
    /// Every dataset these controllers hold.
    #[serde(default)]
    pub controllers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    route: Vec<Route>,
}

/// The loaded routes.
#[derive(Debug, Clone, Default)]
pub struct Routing {
    pub routes: Vec<Route>,
}

/// What a question is about, for routing.
#[derive(Debug, Clone, Default)]
pub struct Subject<'a> {
    pub topic: &'a str,
    pub steps: Vec<&'a str>,
    pub datasets: Vec<&'a str>,
}

/// The shipped routes' text.
pub fn embedded() -> &'static str {
    ROUTING
}

/// Loads and checks routes: every authority a catalog organisation, every topic, step,
/// dataset and controller known; each problem named with its route.
pub fn load(text: &str, book: &Rulebook, catalog: &Catalog) -> Result<Routing, crate::LoadError> {
    let f: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map_or(1, |s| text[..s.start].matches('\n').count() + 1);
        crate::LoadError(vec![format!("routing.toml:{line}: {}", e.message())])
    })?;
    let mut problems = Vec::new();
    for (i, r) in f.route.iter().enumerate() {
        let mut p = |m: String| {
            problems.push(format!(
                "routing.toml: route {} ({}): {m}",
                i + 1,
                r.authority
            ))
        };
        if catalog.organisation(&r.authority).is_none() {
            p("the authority is not a catalog organisation".into());
        }
        for t in &r.topics {
            if !crate::TOPICS.contains(&t.as_str()) {
                p(format!("topic {t:?} is not a knowledge-base topic"));
            }
        }
        for s in &r.steps {
            if book.step(s).is_none() {
                p(format!("step {s:?} is not in the rulebook"));
            }
        }
        for d in &r.datasets {
            if catalog.source(d).is_none() {
                p(format!("dataset {d:?} is not in the catalog"));
            }
        }
        for c in &r.controllers {
            if catalog.controller(c).is_none() {
                p(format!("controller {c:?} is not in the catalog"));
            }
        }
        if r.topics.is_empty()
            && r.steps.is_empty()
            && r.datasets.is_empty()
            && r.controllers.is_empty()
        {
            p("matches nothing".into());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &f.route {
        if !seen.insert(&r.authority) {
            problems.push(format!(
                "routing.toml: {} has more than one route",
                r.authority
            ));
        }
    }
    if problems.is_empty() {
        Ok(Routing { routes: f.route })
    } else {
        Err(crate::LoadError(problems))
    }
}

impl Routing {
    /// The authorities proposed for a question, best match first (a step counts 3, a
    /// dataset 2, the topic 1), with their scores; routes that match nothing are left out.
    pub fn propose(&self, catalog: &Catalog, s: &Subject<'_>) -> Vec<(String, u32)> {
        let mut out: Vec<(String, u32)> = self
            .routes
            .iter()
            .map(|r| {
                let steps = s
                    .steps
                    .iter()
                    .filter(|x| r.steps.iter().any(|y| y == *x))
                    .count() as u32;
                let datasets = s
                    .datasets
                    .iter()
                    .filter(|d| {
                        r.datasets.iter().any(|y| y == *d)
                            || catalog
                                .source(d)
                                .is_some_and(|src| r.controllers.contains(&src.controller))
                    })
                    .count() as u32;
                let topic = u32::from(r.topics.iter().any(|t| t == s.topic));
                (r.authority.clone(), 3 * steps + 2 * datasets + topic)
            })
            .filter(|(_, score)| *score > 0)
            .collect();
        out.sort_by_key(|b| std::cmp::Reverse(b.1));
        out
    }
}

//! The roadmap form: the project's answers as the address carries them (applicant kind,
//! region, datasets from the basket or typed, traits), read strictly, and the form page.

use crate::auth::Auth;
use crate::web::Chrome;
use crate::{ApiError, AppState};
use askama::Template;
use ork_catalog::Catalog;
use ork_rules::rulebook::{APPLICANT_KINDS, TRAITS};
use std::collections::BTreeMap;

/// The most text the "other data sources" field takes.
pub(super) const MORE_MAX: usize = 2000;

/// The form's answers, as the address carries them.
#[derive(Debug, Clone, Default)]
pub(super) struct Answers {
    pub(super) kind: Option<String>,
    pub(super) region: Option<String>,
    /// Ticked sources.
    pub(super) datasets: Vec<String>,
    /// Typed source ids.
    pub(super) more: String,
    pub(super) traits: BTreeMap<String, bool>,
}

pub(super) fn unknown_parameter(name: &str) -> ApiError {
    let name: String = name.chars().take(40).collect();
    ApiError::invalid("unknown_parameter.form", &[("name", &name)])
}

impl Answers {
    pub(super) fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        let pairs = crate::api::query_pairs(raw)?;
        let mut a = Self::default();
        for (k, v) in pairs {
            let v = v.trim().to_owned();
            match k.as_str() {
                "kind" => a.kind = Some(v).filter(|v| !v.is_empty()),
                "region" => a.region = Some(v).filter(|v| !v.is_empty()),
                "datasets" if !v.is_empty() && !a.datasets.contains(&v) => a.datasets.push(v),
                "datasets" => {}
                "more" if v.chars().count() > MORE_MAX => {
                    return Err(ApiError::invalid("too_long", &[("max", &MORE_MAX)]));
                }
                "more" => a.more = v,
                t if TRAITS.contains(&t) => match v.as_str() {
                    "yes" | "true" => {
                        a.traits.insert(t.to_owned(), true);
                    }
                    "no" | "false" => {
                        a.traits.insert(t.to_owned(), false);
                    }
                    "" => {}
                    _ => {
                        return Err(ApiError::invalid("invalid_trait", &[("trait", &t)]));
                    }
                },
                other => return Err(unknown_parameter(other)),
            }
        }
        Ok(a)
    }

    /// Ticked and typed sources, in order, once each.
    pub(super) fn all_datasets(&self) -> Vec<String> {
        let mut out = self.datasets.clone();
        for id in self
            .more
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
        {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    /// The answers as a query string (typed sources folded into the ticked ones).
    pub(super) fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(k) = &self.kind {
            pairs.push(("kind", k.clone()));
        }
        if let Some(r) = &self.region {
            pairs.push(("region", r.clone()));
        }
        for d in self.all_datasets() {
            pairs.push(("datasets", d));
        }
        for (t, v) in &self.traits {
            pairs.push((t, if *v { "yes" } else { "no" }.to_owned()));
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub help: String,
    pub checked: bool,
}

pub struct TraitQ {
    pub name: &'static str,
    pub label: String,
    pub help: String,
    pub yes: bool,
    pub no: bool,
    pub missing: bool,
}

pub struct FormError {
    pub anchor: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "roadmap_form.html")]
pub(super) struct FormPage {
    c: Chrome,
    kinds: Vec<Choice>,
    regions: Vec<Choice>,
    datasets: Vec<Choice>,
    more: String,
    traits: Vec<TraitQ>,
    errors: Vec<FormError>,
}

pub(super) fn form_page(
    c: Chrome,
    cat: &Catalog,
    a: &Answers,
    basket: &[String],
    errors: Vec<FormError>,
) -> FormPage {
    let l = c.t.lang;
    let t = &c.t;
    // The basket's sources, ticked unless the address says which are ticked.
    let mut datasets: Vec<Choice> = Vec::new();
    let ticked_from_address = !a.datasets.is_empty() || !a.more.is_empty();
    for id in basket.iter().chain(&a.datasets) {
        if datasets.iter().any(|d| &d.value == id) {
            continue;
        }
        let Some(s) = cat.source(id) else { continue };
        datasets.push(Choice {
            value: s.id.clone(),
            label: s.name.get(l).to_owned(),
            help: cat
                .controller(&s.controller)
                .map(|o| o.name.get(l).to_owned())
                .unwrap_or_default(),
            checked: if ticked_from_address {
                a.datasets.contains(&s.id)
            } else {
                true
            },
        });
    }
    // Typed ids that are not catalog sources stay in the text field, so nothing is lost.
    let mut more: Vec<String> = a
        .all_datasets()
        .into_iter()
        .filter(|d| !datasets.iter().any(|c| &c.value == d))
        .collect();
    more.dedup();
    let missing_traits = !errors.is_empty();
    FormPage {
        kinds: APPLICANT_KINDS
            .iter()
            .map(|k| Choice {
                value: (*k).to_owned(),
                label: t.t(&format!("applicant.{k}")).to_owned(),
                help: String::new(),
                checked: a.kind.as_deref() == Some(k),
            })
            .collect(),
        regions: ork_catalog::load::REGIONS
            .iter()
            .map(|r| Choice {
                value: (*r).to_owned(),
                label: cat
                    .organisation(r)
                    .map(|o| o.name.get(l).to_owned())
                    .unwrap_or_else(|| (*r).to_owned()),
                help: String::new(),
                checked: a.region.as_deref() == Some(r),
            })
            .collect(),
        datasets,
        more: more.join(", "),
        traits: TRAITS
            .iter()
            .map(|name| TraitQ {
                name,
                label: t.t(&format!("trait.{name}")).to_owned(),
                help: t.t(&format!("trait.{name}.help")).to_owned(),
                yes: a.traits.get(*name) == Some(&true),
                no: a.traits.get(*name) == Some(&false),
                missing: missing_traits && !a.traits.contains_key(*name),
            })
            .collect(),
        errors,
        c,
    }
}

pub(super) async fn basket_of(state: &AppState, auth: &Auth) -> Result<Vec<String>, ApiError> {
    Ok(match auth.principal() {
        Some(p) => state.store.basket(p.user.id).await?,
        None => Vec::new(),
    })
}

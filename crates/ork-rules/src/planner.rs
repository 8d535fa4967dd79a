//! The roadmap planner: from a data need (datasets + applicant + project traits) to the
//! approval steps it requires as a dependency graph, each with its authority, the rule that
//! fired, expected duration (median and 90th percentile) and earliest start and finish; the
//! critical path and the total; blockers; and, for an amendment, what carries over.

use crate::rulebook::{APPLICANT_KINDS, Rulebook, Step, TRAITS};
use ork_catalog::{Catalog, DataType, Text};
use ork_domain::Lang;
use std::collections::{BTreeMap, BTreeSet};

/// Who applies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub kind: String,
    /// The applicant's region (or its Danish partner's), by catalog slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A data need: the basket plus the project's traits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Need {
    pub applicant: Applicant,
    pub datasets: Vec<String>,
    pub traits: BTreeMap<String, bool>,
    /// An earlier need whose approvals exist (an amendment re-runs only what changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub previous: Option<Box<Need>>,
}

/// Why a need cannot be planned, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{en}")]
pub struct NeedError {
    pub code: &'static str,
    pub da: String,
    pub en: String,
}

impl NeedError {
    /// The reason in a language.
    #[must_use]
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.da, &self.en)
    }
}

/// The need error whose texts are the message `key` (`messages.rs`); its code is the key up
/// to a dot.
fn need_error(key: &'static str, args: &[(&str, &dyn std::fmt::Display)]) -> NeedError {
    let (da, en) = crate::messages::message(key, args);
    NeedError {
        code: key.split('.').next().unwrap_or(key),
        da,
        en,
    }
}

/// Expected days for a step: median and 90th percentile, and how many decided cases they
/// rest on (0: the documented prior alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub median: u32,
    pub p90: u32,
    pub cases: u32,
    /// How many of those cases are a generated seed history, not real decisions.
    pub synthetic: u32,
}

/// Where durations come from: the prior, updated by decided cases where there are any.
pub trait Durations {
    fn expected(&self, step: &Step) -> Expected;
}

/// The rulebook's priors alone.
pub struct Priors;

impl Durations for Priors {
    fn expected(&self, step: &Step) -> Expected {
        Expected {
            median: step.prior.median_days,
            p90: step.prior.p90_days,
            cases: 0,
            synthetic: 0,
        }
    }
}

/// One step of a roadmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStep {
    /// The rule id, with `:REGION` or `:CONTROLLER` for steps taken once per region or
    /// controller.
    pub id: String,
    pub rule: String,
    pub kind: String,
    pub authority: String,
    pub datasets: Vec<String>,
    pub depends_on: Vec<String>,
    pub why: Text,
    pub name: Text,
    pub legal_basis: Text,
    pub expected: Expected,
    pub earliest_start_day: u32,
    pub earliest_finish_day: u32,
    pub start_p90: u32,
    pub finish_p90: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub step: String,
    pub text: Text,
    pub unblock: Text,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replaced {
    pub step: String,
    pub by: String,
}

/// The roadmap for a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roadmap {
    pub rulebook_version: String,
    /// In an order that respects the dependencies.
    pub steps: Vec<PlannedStep>,
    pub critical_path: Vec<String>,
    pub total_median: u32,
    pub total_p90: u32,
    pub blockers: Vec<Blocker>,
    pub replaced: Vec<Replaced>,
    /// Approvals of the previous need that still hold.
    pub carried_over: Vec<String>,
}

impl Roadmap {
    /// Whether `s` runs (at its earliest) alongside another step.
    pub fn parallel(&self, s: &PlannedStep) -> bool {
        self.steps.iter().any(|o| {
            o.id != s.id
                && o.earliest_start_day < s.earliest_finish_day
                && s.earliest_start_day < o.earliest_finish_day
        })
    }
}

fn region_of<'a>(catalog: &'a Catalog, id: &str) -> Option<&'a str> {
    let s = catalog.source(id)?;
    ork_catalog::load::REGIONS
        .iter()
        .find(|r| **r == s.controller)
        .copied()
}

/// Checks a need: known datasets and applicant, every trait given, no contradiction.
pub fn check_need(catalog: &Catalog, need: &Need) -> Result<(), NeedError> {
    if !APPLICANT_KINDS.contains(&need.applicant.kind.as_str()) {
        return Err(need_error(
            "unknown_applicant_kind",
            &[
                ("kind", &need.applicant.kind),
                ("known", &APPLICANT_KINDS.join(", ")),
            ],
        ));
    }
    if let Some(r) = &need.applicant.region
        && !ork_catalog::load::REGIONS.contains(&r.as_str())
    {
        return Err(need_error(
            "unknown_region",
            &[
                ("region", r),
                ("known", &ork_catalog::load::REGIONS.join(", ")),
            ],
        ));
    }
    let unknown: Vec<&str> = need
        .datasets
        .iter()
        .filter(|d| catalog.source(d).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(need_error("unknown_datasets", &[("list", &list)]));
    }
    if need.datasets.is_empty() {
        return Err(need_error("no_datasets", &[]));
    }
    let missing: Vec<&str> = TRAITS
        .iter()
        .filter(|t| !need.traits.contains_key(**t))
        .copied()
        .collect();
    if !missing.is_empty() {
        let list = missing.join(", ");
        return Err(need_error("missing_traits", &[("list", &list)]));
    }
    let unknown: Vec<&str> = need
        .traits
        .keys()
        .filter(|t| !TRAITS.contains(&t.as_str()))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(need_error("unknown_traits", &[("list", &list)]));
    }
    for (data_type, flag, key) in [
        (
            DataType::Wet,
            "biological_material",
            "contradictory_traits.biological_material",
        ),
        (
            DataType::Genomic,
            "genome_data_reuse",
            "contradictory_traits.genome_data_reuse",
        ),
    ] {
        let with: Vec<&str> = need
            .datasets
            .iter()
            .filter(|d| catalog.source(d).is_some_and(|s| s.data_type == data_type))
            .map(String::as_str)
            .collect();
        if !with.is_empty() && need.traits.get(flag) == Some(&false) {
            let list = with.join(", ");
            return Err(need_error(key, &[("list", &list)]));
        }
    }
    if let Some(p) = &need.previous {
        check_need(catalog, p)?;
    }
    Ok(())
}

/// The requested datasets a step concerns (all of them for steps without a filter), and
/// whether its other conditions hold.
fn applies<'a>(catalog: &Catalog, step: &Step, need: &'a Need) -> Option<Vec<&'a str>> {
    let a = &step.applies;
    let t = |name: &str| need.traits.get(name).copied().unwrap_or(false);
    if let Some(kinds) = &a.applicant_kinds
        && !kinds.contains(&need.applicant.kind)
    {
        return None;
    }
    if !a.traits_true.is_empty() && !a.traits_true.iter().any(|x| t(x)) {
        return None;
    }
    if a.traits_false.iter().any(|x| t(x)) {
        return None;
    }
    let datasets: Vec<&str> = match &a.datasets {
        None => need.datasets.iter().map(String::as_str).collect(),
        Some(f) => need
            .datasets
            .iter()
            .filter(|d| {
                catalog.source(d).is_some_and(|s| {
                    (f.data_types.is_empty() || f.data_types.contains(&s.data_type))
                        && (f.ids.is_empty() || f.ids.contains(&s.id))
                        && (f.controllers.is_empty() || f.controllers.contains(&s.controller))
                })
            })
            .map(String::as_str)
            .collect(),
    };
    if a.datasets.is_some() && datasets.is_empty() {
        return None;
    }
    Some(datasets)
}

/// The steps a need requires, before dependencies and timing.
fn instances(
    catalog: &Catalog,
    book: &Rulebook,
    need: &Need,
) -> (Vec<PlannedStep>, Vec<Blocker>, Vec<Replaced>) {
    let mut out: Vec<PlannedStep> = Vec::new();
    let mut blockers = Vec::new();
    for step in &book.steps {
        let Some(datasets) = applies(catalog, step, need) else {
            continue;
        };
        let groups: Vec<(Option<String>, Vec<&str>)> = match step.per.as_deref() {
            Some("region") => {
                let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
                for d in &datasets {
                    if let Some(r) = region_of(catalog, d) {
                        by.entry(r).or_default().push(d);
                    }
                }
                by.into_iter()
                    .map(|(k, v)| (Some(k.to_owned()), v))
                    .collect()
            }
            Some(_) => {
                let mut by: BTreeMap<String, Vec<&str>> = BTreeMap::new();
                for d in &datasets {
                    if let Some(s) = catalog.source(d) {
                        by.entry(s.controller.clone()).or_default().push(d);
                    }
                }
                by.into_iter().map(|(k, v)| (Some(k), v)).collect()
            }
            None => vec![(None, datasets.clone())],
        };
        for (key, ds) in groups {
            let authority = match step.authority.as_str() {
                "{region}" | "{controller}" => key.clone().unwrap_or_default(),
                "{applicant_vek}" => match &need.applicant.region {
                    Some(r) => format!("vek-{r}"),
                    None => {
                        blockers.push(Blocker {
                            step: step.id.clone(),
                            text: Text::new(
                                "Den videnskabsetiske komité findes ud fra projektlederens region, og databehovet angiver ingen region.",
                                "The research ethics committee follows the project lead's region, and the data need gives no region.",
                            ),
                            unblock: Text::new(
                                "Angiv regionen for projektlederen eller den danske samarbejdspartner (applicant.region).",
                                "Give the region of the project lead or the Danish partner (applicant.region).",
                            ),
                        });
                        "nvk".into()
                    }
                },
                a => a.to_owned(),
            };
            let list = ds.join(", ");
            out.push(PlannedStep {
                id: match &key {
                    Some(k) => format!("{}:{k}", step.id),
                    None => step.id.clone(),
                },
                rule: step.id.clone(),
                kind: step.kind.clone(),
                authority,
                datasets: ds.iter().map(|d| (*d).to_owned()).collect(),
                depends_on: Vec::new(),
                why: Text::new(
                    format!(
                        "Regel {}: {}",
                        step.id,
                        step.why.da.replace("{datasets}", &list)
                    ),
                    format!(
                        "Rule {}: {}",
                        step.id,
                        step.why.en.replace("{datasets}", &list)
                    ),
                ),
                name: step.name.clone(),
                legal_basis: step.legal_basis.text.clone(),
                expected: Expected {
                    median: 0,
                    p90: 0,
                    cases: 0,
                    synthetic: 0,
                },
                earliest_start_day: 0,
                earliest_finish_day: 0,
                start_p90: 0,
                finish_p90: 0,
            });
            for b in &step.blocked {
                if b.applicant_kinds.contains(&need.applicant.kind) {
                    blockers.push(Blocker {
                        step: out.last().expect("just pushed").id.clone(),
                        text: b.text.clone(),
                        unblock: b.unblock.clone(),
                    });
                }
            }
        }
    }
    // Replacements: a step that applies removes the steps it replaces.
    let present: BTreeSet<String> = out.iter().map(|s| s.rule.clone()).collect();
    let mut replaced = Vec::new();
    for step in &book.steps {
        if present.contains(&step.id) {
            for r in &step.replaces {
                for inst in out.iter().filter(|s| &s.rule == r) {
                    replaced.push(Replaced {
                        step: inst.id.clone(),
                        by: step.id.clone(),
                    });
                }
            }
        }
    }
    out.retain(|s| !replaced.iter().any(|r| r.step == s.id));
    blockers.retain(|b| out.iter().any(|s| s.id == b.step));
    (out, blockers, replaced)
}

/// Plans a need: checks it, then computes the roadmap.
pub fn plan(
    catalog: &Catalog,
    book: &Rulebook,
    need: &Need,
    durations: &dyn Durations,
) -> Result<Roadmap, NeedError> {
    check_need(catalog, need)?;
    let (mut steps, blockers, replaced) = instances(catalog, book, need);
    // What an earlier approved need already covers: the same project-level step (one
    // without a dataset filter: the record of processing, the ethics approval…), or the
    // same dataset-level step for the same datasets.
    let mut carried_over = Vec::new();
    if let Some(prev) = &need.previous {
        let (before, _, _) = instances(catalog, book, prev);
        let keep: Vec<(String, Vec<String>)> =
            before.into_iter().map(|s| (s.id, s.datasets)).collect();
        steps.retain(|s| {
            let project_level = book
                .step(&s.rule)
                .is_some_and(|r| r.applies.datasets.is_none());
            let same = keep
                .iter()
                .any(|(id, ds)| id == &s.id && (project_level || ds == &s.datasets));
            if same {
                carried_over.push(s.id.clone());
            }
            !same
        });
    }
    // Dependencies between the steps present: by rule; a step taken per region or
    // controller depends on the same region's or controller's instance where there is one.
    let ids: Vec<(String, String, Option<String>)> = steps
        .iter()
        .map(|s| {
            (
                s.id.clone(),
                s.rule.clone(),
                s.id.split_once(':').map(|x| x.1.to_owned()),
            )
        })
        .collect();
    for s in &mut steps {
        let rule = book
            .step(&s.rule)
            .expect("instances come from the rulebook");
        let key = s.id.split_once(':').map(|x| x.1.to_owned());
        for dep in &rule.depends_on {
            let matching: Vec<&(String, String, Option<String>)> =
                ids.iter().filter(|(_, r, _)| r == dep).collect();
            let same_key: Vec<&&(String, String, Option<String>)> = matching
                .iter()
                .filter(|(_, _, k)| k.is_some() && *k == key)
                .collect();
            if !same_key.is_empty() {
                s.depends_on.extend(same_key.iter().map(|x| x.0.clone()));
            } else {
                s.depends_on.extend(matching.iter().map(|x| x.0.clone()));
            }
        }
        s.expected = durations.expected(rule);
    }
    // Earliest start and finish (the rulebook's order is a topological order).
    let mut finish: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for s in &mut steps {
        let (start, start90) = s
            .depends_on
            .iter()
            .filter_map(|d| finish.get(d))
            .fold((0, 0), |(a, b), (x, y)| (a.max(*x), b.max(*y)));
        s.earliest_start_day = start;
        s.earliest_finish_day = start + s.expected.median;
        s.start_p90 = start90;
        s.finish_p90 = start90 + s.expected.p90;
        finish.insert(s.id.clone(), (s.earliest_finish_day, s.finish_p90));
    }
    let total_median = steps
        .iter()
        .map(|s| s.earliest_finish_day)
        .max()
        .unwrap_or(0);
    let total_p90 = steps.iter().map(|s| s.finish_p90).max().unwrap_or(0);
    // The critical path: back from the last step to finish, through the dependency that
    // decided each start.
    let mut critical_path = Vec::new();
    let mut cur = steps
        .iter()
        .filter(|s| s.earliest_finish_day == total_median)
        .max_by_key(|s| s.finish_p90);
    while let Some(s) = cur {
        critical_path.push(s.id.clone());
        cur = s
            .depends_on
            .iter()
            .filter_map(|d| steps.iter().find(|x| &x.id == d))
            .find(|x| x.earliest_finish_day == s.earliest_start_day && s.earliest_start_day > 0);
    }
    critical_path.reverse();
    Ok(Roadmap {
        rulebook_version: book.version.clone(),
        steps,
        critical_path,
        total_median,
        total_p90,
        blockers,
        replaced,
        carried_over,
    })
}

/// Decided cases per rule: how many days each took, from complete application to decision
/// (kept sorted).
/// Estimates start from the rulebook's documented prior, counted as [`PRIOR_WEIGHT`]
/// cases, and move towards what the cases show as they accumulate.
#[derive(Debug, Clone, Default)]
pub struct History {
    days: BTreeMap<String, Vec<u32>>,
    synthetic: BTreeMap<String, u32>,
}

/// How many decided cases the prior is worth.
pub const PRIOR_WEIGHT: u32 = 20;

impl History {
    pub fn record(&mut self, rule: &str, days: u32) {
        // Kept sorted, so estimates read quantiles without sorting on every plan.
        let v = self.days.entry(rule.to_owned()).or_default();
        let at = v.partition_point(|&d| d <= days);
        v.insert(at, days);
    }

    /// A case of the generated seed history: counted like a real one, and shown as seed.
    pub fn record_synthetic(&mut self, rule: &str, days: u32) {
        self.record(rule, days);
        *self.synthetic.entry(rule.to_owned()).or_default() += 1;
    }

    pub fn cases(&self, rule: &str) -> u32 {
        self.days.get(rule).map_or(0, |d| d.len() as u32)
    }

    /// Decided cases over all rules.
    pub fn total(&self) -> usize {
        self.days.values().map(Vec::len).sum()
    }
}

fn quantile(sorted: &[u32], q: f64) -> f64 {
    let pos = (sorted.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] as f64 + (sorted[hi] as f64 - sorted[lo] as f64) * (pos - lo as f64)
}

impl Durations for History {
    fn expected(&self, step: &Step) -> Expected {
        let Some(sorted) = self.days.get(&step.id).filter(|d| !d.is_empty()) else {
            return Priors.expected(step);
        };
        let n = sorted.len() as f64;
        let w = n / (n + PRIOR_WEIGHT as f64);
        let blend = |prior: u32, seen: f64| ((1.0 - w) * prior as f64 + w * seen).round() as u32;
        let median = blend(step.prior.median_days, quantile(sorted, 0.5));
        let p90 = blend(step.prior.p90_days, quantile(sorted, 0.9)).max(median);
        Expected {
            median,
            p90,
            cases: sorted.len() as u32,
            synthetic: self.synthetic.get(&step.id).copied().unwrap_or(0),
        }
    }
}

/// The roadmap as plain text, for a terminal.
pub fn to_text(r: &Roadmap, lang: Lang) -> String {
    use std::fmt::Write;
    let da = lang == Lang::Da;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {} {} ({} p90)",
        if da { "Regelbog" } else { "Rulebook" },
        r.rulebook_version,
        if da {
            "forventet samlet tid"
        } else {
            "expected total time"
        },
        if da {
            format!("{} dage", r.total_median)
        } else {
            format!("{} days", r.total_median)
        },
        r.total_p90
    );
    for s in &r.steps {
        let crit = if r.critical_path.contains(&s.id) {
            "*"
        } else {
            " "
        };
        let _ = writeln!(
            out,
            "{crit} day {:>4}-{:<4} {:<32} {:<18} {} ({} p90, {} {}) {}",
            s.earliest_start_day,
            s.earliest_finish_day,
            s.id,
            s.authority,
            s.expected.median,
            s.expected.p90,
            s.expected.cases,
            if da {
                "afgjorte sager"
            } else {
                "decided cases"
            },
            s.why.get(lang)
        );
    }
    for b in &r.blockers {
        let _ = writeln!(
            out,
            "! {}: {} → {}",
            b.step,
            b.text.get(lang),
            b.unblock.get(lang)
        );
    }
    if !r.carried_over.is_empty() {
        let _ = writeln!(
            out,
            "{}: {}",
            if da {
                "Gælder fortsat"
            } else {
                "Carried over"
            },
            r.carried_over.join(", ")
        );
    }
    out
}

/// What changes if one trait is flipped: steps added and removed and the change in the
/// expected total ("with written consent: the § 46 step disappears, −35 days").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhatIf {
    pub trait_name: String,
    /// The value the trait would take.
    pub value: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Change in the expected total, in days (negative: shorter).
    pub delta_days: i64,
}

/// Every single-trait change that would change the roadmap (changes that would make the
/// need contradictory are skipped).
pub fn what_if(
    catalog: &Catalog,
    book: &Rulebook,
    need: &Need,
    durations: &dyn Durations,
) -> Result<Vec<WhatIf>, NeedError> {
    let base = plan(catalog, book, need, durations)?;
    Ok(what_if_from(catalog, book, need, durations, &base))
}

/// [`what_if`] for a need whose roadmap `base` is already planned.
pub fn what_if_from(
    catalog: &Catalog,
    book: &Rulebook,
    need: &Need,
    durations: &dyn Durations,
    base: &Roadmap,
) -> Vec<WhatIf> {
    let ids = |r: &Roadmap| {
        r.steps
            .iter()
            .map(|s| s.id.clone())
            .collect::<BTreeSet<_>>()
    };
    let before = ids(base);
    let mut out = Vec::new();
    for t in TRAITS {
        let mut other = need.clone();
        let value = !need.traits.get(t).copied().unwrap_or(false);
        other.traits.insert(t.to_owned(), value);
        let Ok(r) = plan(catalog, book, &other, durations) else {
            continue;
        };
        let after = ids(&r);
        if after == before && r.total_median == base.total_median {
            continue;
        }
        out.push(WhatIf {
            trait_name: t.to_owned(),
            value,
            added: after.difference(&before).cloned().collect(),
            removed: before.difference(&after).cloned().collect(),
            delta_days: r.total_median as i64 - base.total_median as i64,
        });
    }
    out
}

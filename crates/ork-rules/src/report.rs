//! The roadmap, the precedents and the rulebook as the API and `orkestrator roadmap` give
//! them (the documented contract, `docs/roadmap.md`): typed, so the server's OpenAPI
//! document states their shape.

use crate::planner::{Durations, Need, NeedError, Roadmap, WhatIf, plan, what_if_from};
use crate::rulebook::{Precedent, Rulebook};
use ork_catalog::{Catalog, Text};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Expected days: median and 90th percentile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Days {
    pub median: u32,
    pub p90: u32,
}

/// Expected days of a step and the decided cases they rest on (0: the documented prior).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExpectedDays {
    pub median: u32,
    pub p90: u32,
    pub cases: u32,
    /// How many of those cases are a generated seed history, not real decisions.
    pub synthetic_cases: u32,
}

/// Why a step is needed: the rule that fired and its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Why {
    /// The rulebook step id.
    pub rule: String,
    pub da: String,
    pub en: String,
}

/// An earlier decision under the same rule, for a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrecedentLink {
    pub id: String,
    /// One of `approved`, `approved_with_conditions`, `rejected`, `not_required`.
    pub outcome: String,
    /// ISO date.
    pub decided: String,
    /// An illustrative example shipped with the platform, not a real decision.
    pub example: bool,
}

/// One step of a roadmap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StepReport {
    /// The rule id, with `:REGION` or `:CONTROLLER` for steps taken once per region or
    /// controller.
    pub id: String,
    pub kind: String,
    /// The authority's organisation id.
    pub authority: String,
    pub datasets: Vec<String>,
    pub depends_on: Vec<String>,
    pub name: Text,
    pub why: Why,
    pub legal_basis: Text,
    pub expected_days: ExpectedDays,
    pub earliest_start_day: u32,
    pub earliest_finish_day: u32,
    /// Whether it runs (at its earliest) alongside another step.
    pub parallel: bool,
    /// Up to three similar earlier decisions.
    pub precedents: Vec<PrecedentLink>,
}

/// What stops a need from being approved, and what would unblock it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BlockerReport {
    pub step: String,
    pub da: String,
    pub en: String,
    pub unblock: Text,
}

/// A step of the previous need replaced by another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReplacedReport {
    pub step: String,
    pub by: String,
}

/// What changes if one trait is flipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WhatIfReport {
    /// The trait.
    #[serde(rename = "trait")]
    pub trait_name: String,
    /// The value it would take.
    pub value: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Change in the expected total, in days (negative: shorter).
    pub delta_days: i64,
}

/// The roadmap for a data need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RoadmapReport {
    pub rulebook_version: String,
    /// In an order that respects the dependencies.
    pub steps: Vec<StepReport>,
    /// The step ids on the longest path.
    pub critical_path: Vec<String>,
    pub total_days: Days,
    pub blockers: Vec<BlockerReport>,
    pub replaced: Vec<ReplacedReport>,
    /// Approvals of the previous need that still hold.
    pub carried_over: Vec<String>,
    /// Every single-trait change that would alter the roadmap.
    pub what_if: Vec<WhatIfReport>,
}

/// A precedent as a roadmap step links it.
pub fn link(p: &Precedent) -> PrecedentLink {
    PrecedentLink {
        id: p.id.clone(),
        outcome: p.outcome.clone(),
        decided: p.decided.clone(),
        example: p.example,
    }
}

impl RoadmapReport {
    /// A planned roadmap with up to three precedents per step and its what-ifs.
    #[must_use]
    pub fn new(r: &Roadmap, book: &Rulebook, what_if: &[WhatIf]) -> Self {
        Self {
            rulebook_version: r.rulebook_version.clone(),
            steps: r
                .steps
                .iter()
                .map(|s| StepReport {
                    id: s.id.clone(),
                    kind: s.kind.clone(),
                    authority: s.authority.clone(),
                    datasets: s.datasets.clone(),
                    depends_on: s.depends_on.clone(),
                    name: s.name.clone(),
                    why: Why {
                        rule: s.rule.clone(),
                        da: s.why.da.clone(),
                        en: s.why.en.clone(),
                    },
                    legal_basis: s.legal_basis.clone(),
                    expected_days: ExpectedDays {
                        median: s.expected.median,
                        p90: s.expected.p90,
                        cases: s.expected.cases,
                        synthetic_cases: s.expected.synthetic,
                    },
                    earliest_start_day: s.earliest_start_day,
                    earliest_finish_day: s.earliest_finish_day,
                    parallel: r.parallel(s),
                    precedents: book
                        .precedents_for(&s.rule, &s.datasets)
                        .into_iter()
                        .take(3)
                        .map(link)
                        .collect(),
                })
                .collect(),
            critical_path: r.critical_path.clone(),
            total_days: Days {
                median: r.total_median,
                p90: r.total_p90,
            },
            blockers: r
                .blockers
                .iter()
                .map(|b| BlockerReport {
                    step: b.step.clone(),
                    da: b.text.da.clone(),
                    en: b.text.en.clone(),
                    unblock: b.unblock.clone(),
                })
                .collect(),
            replaced: r
                .replaced
                .iter()
                .map(|x| ReplacedReport {
                    step: x.step.clone(),
                    by: x.by.clone(),
                })
                .collect(),
            carried_over: r.carried_over.clone(),
            what_if: what_if
                .iter()
                .map(|w| WhatIfReport {
                    trait_name: w.trait_name.clone(),
                    value: w.value,
                    added: w.added.clone(),
                    removed: w.removed.clone(),
                    delta_days: w.delta_days,
                })
                .collect(),
        }
    }
}

/// The full answer of `POST /api/v1/roadmap` and `orkestrator roadmap`: the roadmap with
/// precedents per step and every single-trait change that would alter it.
pub fn roadmap(
    catalog: &Catalog,
    book: &Rulebook,
    need: &Need,
    durations: &dyn Durations,
) -> Result<(Roadmap, RoadmapReport), NeedError> {
    let r = plan(catalog, book, need, durations)?;
    let w = what_if_from(catalog, book, need, durations, &r);
    let report = RoadmapReport::new(&r, book, &w);
    Ok((r, report))
}

/// Matching decisions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PrecedentList {
    pub rulebook_version: String,
    pub precedents: Vec<Precedent>,
}

/// A shared assessment of the rulebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AssessmentReport {
    pub id: String,
    /// The organisation that decided it.
    pub decided_by: String,
    pub da: String,
    pub en: String,
}

/// A step's legal basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LegalBasisReport {
    pub da: String,
    pub en: String,
    /// The law's reference, when there is one.
    pub law: Option<String>,
}

/// A step's documented prior duration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriorReport {
    pub median_days: u32,
    pub p90_days: u32,
    pub source: Text,
}

/// One step of the rulebook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RuleReport {
    pub id: String,
    pub kind: String,
    /// An organisation id, `own_institution`, or `{region}`, `{applicant_vek}`,
    /// `{controller}`.
    pub authority: String,
    /// `region` or `controller`: one step per region or controller of the datasets.
    pub per: Option<String>,
    pub name: Text,
    pub why: Text,
    pub legal_basis: LegalBasisReport,
    pub deadline_days: Option<u32>,
    pub prior: PriorReport,
    pub expected_days: ExpectedDays,
    pub depends_on: Vec<String>,
    pub replaces: Vec<String>,
    pub form_fields: Vec<String>,
    pub assessments: Vec<String>,
}

/// The rulebook in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RulebookReport {
    pub version: String,
    /// ISO date.
    pub published: String,
    pub assessments: Vec<AssessmentReport>,
    pub steps: Vec<RuleReport>,
    /// How many precedents the register holds.
    pub precedents: usize,
}

impl RulebookReport {
    /// The rulebook with each step's expected days from `durations`.
    #[must_use]
    pub fn new(book: &Rulebook, durations: &dyn Durations) -> Self {
        Self {
            version: book.version.clone(),
            published: book.published.clone(),
            assessments: book
                .assessments
                .iter()
                .map(|a| AssessmentReport {
                    id: a.id.clone(),
                    decided_by: a.decided_by.clone(),
                    da: a.text.da.clone(),
                    en: a.text.en.clone(),
                })
                .collect(),
            steps: book
                .steps
                .iter()
                .map(|s| {
                    let e = durations.expected(s);
                    RuleReport {
                        id: s.id.clone(),
                        kind: s.kind.clone(),
                        authority: s.authority.clone(),
                        per: s.per.clone(),
                        name: s.name.clone(),
                        why: s.why.clone(),
                        legal_basis: LegalBasisReport {
                            da: s.legal_basis.text.da.clone(),
                            en: s.legal_basis.text.en.clone(),
                            law: s.legal_basis.law.clone(),
                        },
                        deadline_days: s.deadline_days,
                        prior: PriorReport {
                            median_days: s.prior.median_days,
                            p90_days: s.prior.p90_days,
                            source: s.prior.source.clone(),
                        },
                        expected_days: ExpectedDays {
                            median: e.median,
                            p90: e.p90,
                            cases: e.cases,
                            synthetic_cases: e.synthetic,
                        },
                        depends_on: s.depends_on.clone(),
                        replaces: s.replaces.clone(),
                        form_fields: s.form_fields.clone(),
                        assessments: s.assessments.clone(),
                    }
                })
                .collect(),
            precedents: book.precedents.len(),
        }
    }
}

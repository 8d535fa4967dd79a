//! Loading and checking the rulebook.

use crate::form::Form;
use include_dir::{Dir, include_dir};
use ork_catalog::{Catalog, DataType, Text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

static CONTENT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/rulebook");

/// The kinds of step a roadmap can hold.
pub const STEP_KINDS: [&str; 10] = [
    "record_of_processing",
    "ethics_approval",
    "patient_record_approval",
    "dpa_permission",
    "environment_authorisation",
    "data_access",
    "biobank_approval",
    "genome_access",
    "tissue_register_check",
    "user_certification",
];

/// The applicant kinds a need may name.
pub const APPLICANT_KINDS: [&str; 6] = [
    "danish_university",
    "danish_hospital",
    "danish_public_authority",
    "danish_company",
    "foreign_university",
    "foreign_company",
];

/// The project traits a need states (all required, true or false).
pub const TRAITS: [&str; 9] = [
    "biological_material",
    "genome_data_reuse",
    "image_data_reuse",
    "consent",
    "contact_with_participants",
    "intervention",
    "disclosure_outside_eu",
    "identifiable_publication",
    "commercial_purpose",
];

/// The outcomes a precedent can have (`not_required`: the authority found the approval
/// unnecessary, which is not a refusal of the project).
pub const OUTCOMES: [&str; 4] = [
    "approved",
    "approved_with_conditions",
    "rejected",
    "not_required",
];

/// Why the rulebook could not be loaded: every problem, each with file and line.
#[derive(Debug, thiserror::Error)]
#[error("the rulebook has {} problem(s):\n{}", .0.len(), .0.join("\n"))]
pub struct LoadError(pub Vec<String>);

/// The rulebook files: path relative to `rulebook/` → text.
#[derive(Debug, Clone, Default)]
pub struct Files(pub BTreeMap<String, String>);

impl Files {
    pub fn embedded() -> Self {
        Self(ork_catalog::load::embedded_texts(&CONTENT))
    }

    /// A whole rulebook from a folder laid out like `rulebook/` (`rulebook.toml`, `steps/`,
    /// `precedents/`): how an operator runs a newer published version without a rebuild.
    pub fn from_dir(dir: &std::path::Path) -> Result<Self, LoadError> {
        fn walk(
            root: &std::path::Path,
            d: &std::path::Path,
            out: &mut BTreeMap<String, String>,
            problems: &mut Vec<String>,
        ) {
            let entries = match std::fs::read_dir(d) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("{}: {e}", d.display()));
                    return;
                }
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(root, &path, out, problems);
                } else if path.extension().is_some_and(|x| x == "toml" || x == "md") {
                    let key = path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .to_string_lossy()
                        .replace('\\', "/");
                    match std::fs::read_to_string(&path) {
                        Ok(text) => {
                            out.insert(key, text);
                        }
                        Err(e) => problems.push(format!("{}: {e}", path.display())),
                    }
                }
            }
        }
        let (mut out, mut problems) = (BTreeMap::new(), Vec::new());
        walk(dir, dir, &mut out, &mut problems);
        if !out.contains_key("rulebook.toml") && problems.is_empty() {
            problems.push(format!(
                "{}: no rulebook.toml in this folder",
                dir.display()
            ));
        }
        if problems.is_empty() {
            Ok(Self(out))
        } else {
            Err(LoadError(problems))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    version: String,
    published: String,
    #[serde(default)]
    assessment: Vec<RawAssessment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssessment {
    id: Spanned<String>,
    decided_by: Spanned<String>,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegal {
    da: String,
    en: String,
    law: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrior {
    median_days: u32,
    p90_days: u32,
    source: Text,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDatasets {
    #[serde(default)]
    data_types: Vec<Spanned<String>>,
    #[serde(default)]
    ids: Vec<Spanned<String>>,
    #[serde(default)]
    controllers: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApplies {
    datasets: Option<Spanned<RawDatasets>>,
    applicant_kinds: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    traits_true: Vec<Spanned<String>>,
    #[serde(default)]
    traits_false: Vec<Spanned<String>>,
    always: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    kind: Spanned<String>,
    authority: Spanned<String>,
    per: Option<Spanned<String>>,
    name: Text,
    legal_basis: RawLegal,
    deadline_days: Option<u32>,
    prior: RawPrior,
    fee: Option<Text>,
    #[serde(default)]
    documents: Vec<Text>,
    #[serde(default)]
    form_fields: Vec<Spanned<String>>,
    #[serde(default)]
    assessments: Vec<Spanned<String>>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
    #[serde(default)]
    replaces: Vec<Spanned<String>>,
    applies: Spanned<RawApplies>,
    why: Text,
    #[serde(default)]
    blocked: Vec<RawBlocked>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlocked {
    applicant_kinds: Vec<Spanned<String>>,
    text: Text,
    unblock: Text,
}

/// A step some applicants cannot take themselves, and what would unblock it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub applicant_kinds: Vec<String>,
    pub text: Text,
    pub unblock: Text,
}

/// Which datasets a step concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetFilter {
    pub data_types: Vec<DataType>,
    pub ids: Vec<String>,
    pub controllers: Vec<String>,
}

/// When a step applies: every present test must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applies {
    pub datasets: Option<DatasetFilter>,
    pub applicant_kinds: Option<Vec<String>>,
    /// Any of these is true.
    pub traits_true: Vec<String>,
    /// All of these are false.
    pub traits_false: Vec<String>,
    pub always: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasis {
    pub text: Text,
    pub law: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prior {
    pub median_days: u32,
    pub p90_days: u32,
    pub source: Text,
}

/// One approval step of the rulebook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    pub kind: String,
    /// An organisation id, `own_institution`, or `{region}`, `{applicant_vek}`, `{controller}`.
    pub authority: String,
    /// `region` or `controller`: one step per region/controller of the matching datasets.
    pub per: Option<String>,
    pub name: Text,
    pub legal_basis: LegalBasis,
    pub deadline_days: Option<u32>,
    pub prior: Prior,
    pub fee: Text,
    pub documents: Vec<Text>,
    pub form_fields: Vec<String>,
    pub assessments: Vec<String>,
    pub depends_on: Vec<String>,
    pub replaces: Vec<String>,
    pub applies: Applies,
    pub why: Text,
    pub blocked: Vec<Blocked>,
    /// The file it came from, for messages.
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub id: String,
    pub decided_by: String,
    pub text: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrecedent {
    id: Spanned<String>,
    rule: Spanned<String>,
    authority: Spanned<String>,
    decided: Spanned<String>,
    outcome: Spanned<String>,
    example: bool,
    applicant_kind: Spanned<String>,
    datasets: Vec<Spanned<String>>,
    summary: Text,
    reasons: Text,
}

/// An earlier decision, anonymised, with its reasons and the rule it applied (also the
/// API's body for it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Precedent {
    pub id: String,
    pub rule: String,
    pub authority: String,
    /// ISO date.
    pub decided: String,
    /// One of [`OUTCOMES`].
    pub outcome: String,
    /// An illustrative example shipped with the platform, not a real decision.
    pub example: bool,
    pub applicant_kind: String,
    pub datasets: Vec<String>,
    pub summary: Text,
    pub reasons: Text,
}

/// The loaded, checked rulebook.
#[derive(Debug, Clone)]
pub struct Rulebook {
    pub version: String,
    pub published: String,
    pub assessments: Vec<Assessment>,
    /// Newest first.
    pub precedents: Vec<Precedent>,
    /// In dependency order (every step after the steps it depends on), then by id.
    pub steps: Vec<Step>,
    /// The application form (`form.toml`; empty when the folder has none).
    pub form: Form,
    /// The agreements' templates (`agreements/<kind>.md`), by kind code.
    pub agreements: BTreeMap<String, String>,
}

impl Rulebook {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Earlier decisions under `rule`, those sharing most of `datasets` first, then newest.
    pub fn precedents_for(&self, rule: &str, datasets: &[String]) -> Vec<&Precedent> {
        rank_precedents(self.precedents.iter(), rule, datasets)
    }

    /// Precedents whose texts contain every word of `query` (either language, any case).
    pub fn search_precedents(&self, query: &str) -> Vec<&Precedent> {
        search_precedents(self.precedents.iter(), query)
    }
}

/// Of `all`, the decisions under `rule`, those sharing most of `datasets` first, then
/// newest (the rulebook's and those the platform's own decisions add, ranked together).
pub fn rank_precedents<'a>(
    all: impl Iterator<Item = &'a Precedent>,
    rule: &str,
    datasets: &[String],
) -> Vec<&'a Precedent> {
    let mut v: Vec<&Precedent> = all.filter(|p| p.rule == rule).collect();
    v.sort_by_key(|p| {
        let shared = p.datasets.iter().filter(|d| datasets.contains(d)).count();
        (
            std::cmp::Reverse(shared),
            std::cmp::Reverse(p.decided.clone()),
        )
    });
    v
}

/// Of `all`, those whose texts contain every word of `query` (either language, any case),
/// newest first.
pub fn search_precedents<'a>(
    all: impl Iterator<Item = &'a Precedent>,
    query: &str,
) -> Vec<&'a Precedent> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric() && c != '§')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut v: Vec<&Precedent> = all
        .filter(|p| {
            let hay = format!(
                "{} {} {} {} {} {} {}",
                p.rule,
                p.authority,
                p.datasets.join(" "),
                p.summary.da,
                p.summary.en,
                p.reasons.da,
                p.reasons.en
            )
            .to_lowercase();
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect();
    v.sort_by(|a, b| b.decided.cmp(&a.decided).then(a.id.cmp(&b.id)));
    v
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Loads and checks the rulebook against the catalog (datasets, organisations, laws).
pub fn load(files: &Files, catalog: &Catalog) -> Result<Rulebook, LoadError> {
    let mut problems: Vec<String> = Vec::new();
    let book: Option<RawBook> = match files.0.get("rulebook.toml") {
        None => {
            problems.push("rulebook.toml: missing".into());
            None
        }
        Some(text) => toml::from_str(text)
            .map_err(|e| problems.push(format!("rulebook.toml: {}", e.to_string().trim_end())))
            .ok(),
    };
    let mut raw_steps: Vec<(String, RawStep)> = Vec::new();
    for (path, text) in files.0.iter().filter(|(p, _)| p.starts_with("steps/")) {
        if !path.ends_with(".toml") {
            problems.push(format!("{path}: steps are .toml files"));
            continue;
        }
        match toml::from_str::<RawStep>(text) {
            Ok(s) => raw_steps.push((path.clone(), s)),
            Err(e) => problems.push(format!("{path}: {}", e.to_string().trim_end())),
        }
    }
    let step_ids: BTreeSet<String> = raw_steps
        .iter()
        .map(|(_, s)| s.id.get_ref().clone())
        .collect();
    let assessment_ids: BTreeSet<String> = book
        .as_ref()
        .map(|b| {
            b.assessment
                .iter()
                .map(|a| a.id.get_ref().clone())
                .collect()
        })
        .unwrap_or_default();
    if let Some(b) = &book {
        let text = &files.0["rulebook.toml"];
        for a in &b.assessment {
            if !STEP_KINDS.contains(&a.decided_by.get_ref().as_str()) {
                problems.push(format!(
                    "rulebook.toml:{}: assessment {:?} is decided by {:?}, which is not a step kind",
                    line_of(text, a.decided_by.span().start),
                    a.id.get_ref(),
                    a.decided_by.get_ref()
                ));
            }
        }
    }
    // The form: conditions may name steps, and every step's form_fields must be its fields.
    let form = match files.0.get("form.toml") {
        None => Some(Form::default()),
        Some(text) => crate::form::load(text, &step_ids)
            .map_err(|mut p| problems.append(&mut p))
            .ok(),
    };
    let organisation = |id: &str| id == "own_institution" || catalog.organisation(id).is_some();
    let mut steps = Vec::new();
    for (path, raw) in &raw_steps {
        let text = &files.0[path];
        let before = problems.len();
        let mut p = |at: std::ops::Range<usize>, msg: String| {
            problems.push(format!("{path}:{}: {msg}", line_of(text, at.start)));
        };
        let id = raw.id.get_ref();
        let file_id = &path["steps/".len()..path.len() - ".toml".len()];
        if id != file_id {
            p(
                raw.id.span(),
                format!("id {id:?} differs from the file name"),
            );
        }
        if !STEP_KINDS.contains(&raw.kind.get_ref().as_str()) {
            p(
                raw.kind.span(),
                format!(
                    "kind {:?} is not one of {}",
                    raw.kind.get_ref(),
                    STEP_KINDS.join(", ")
                ),
            );
        }
        let authority = raw.authority.get_ref();
        let per = raw.per.as_ref().map(|x| x.get_ref().as_str());
        match (authority.as_str(), per) {
            ("{region}", Some("region"))
            | ("{controller}", Some("controller"))
            | ("{applicant_vek}", None) => {}
            ("{region}", _) => p(
                raw.authority.span(),
                "authority \"{region}\" needs per = \"region\"".into(),
            ),
            ("{controller}", _) => p(
                raw.authority.span(),
                "authority \"{controller}\" needs per = \"controller\"".into(),
            ),
            (a, _) if a.starts_with('{') => p(
                raw.authority.span(),
                format!("authority placeholder {a:?} is not known"),
            ),
            (a, _) if !organisation(a) => p(
                raw.authority.span(),
                format!("authority {a:?} is neither a catalog organisation nor own_institution"),
            ),
            _ => {}
        }
        if let Some(x) = &raw.per
            && !["region", "controller"].contains(&x.get_ref().as_str())
        {
            p(
                x.span(),
                format!("per {:?} is not region or controller", x.get_ref()),
            );
        }
        for (what, list) in [("depends_on", &raw.depends_on), ("replaces", &raw.replaces)] {
            for d in list {
                if !step_ids.contains(d.get_ref()) {
                    p(
                        d.span(),
                        format!("{what} {:?} is not a step of the rulebook", d.get_ref()),
                    );
                }
                if d.get_ref() == id {
                    p(d.span(), format!("{what} names the step itself"));
                }
            }
        }
        for f in &raw.form_fields {
            if form
                .as_ref()
                .is_some_and(|x| x.field(f.get_ref()).is_none())
            {
                p(
                    f.span(),
                    format!("form field {:?} is not in form.toml", f.get_ref()),
                );
            }
        }
        for a in &raw.assessments {
            if !assessment_ids.contains(a.get_ref()) {
                p(
                    a.span(),
                    format!("assessment {:?} is not in rulebook.toml", a.get_ref()),
                );
            }
        }
        if let Some(l) = &raw.legal_basis.law
            && catalog.law(l.get_ref()).is_none()
        {
            p(
                l.span(),
                format!("law {:?} is not in the catalog's legislation", l.get_ref()),
            );
        }
        if raw.prior.p90_days < raw.prior.median_days {
            p(
                raw.applies.span(),
                "prior.p90_days is below prior.median_days".into(),
            );
        }
        let a = raw.applies.get_ref();
        let mut filter = None;
        if let Some(ds) = &a.datasets {
            let d = ds.get_ref();
            let mut f = DatasetFilter::default();
            for t in &d.data_types {
                match DataType::parse(t.get_ref()) {
                    Some(x) => f.data_types.push(x),
                    None => p(
                        t.span(),
                        format!(
                            "data type {:?} is not register, operational, wet or genomic",
                            t.get_ref()
                        ),
                    ),
                }
            }
            for i in &d.ids {
                if catalog.source(i.get_ref()).is_none() {
                    p(
                        i.span(),
                        format!("dataset {:?} is not in the catalog", i.get_ref()),
                    );
                }
                f.ids.push(i.get_ref().clone());
            }
            for c in &d.controllers {
                if catalog.controller(c.get_ref()).is_none() {
                    p(
                        c.span(),
                        format!("controller {:?} is not in the catalog", c.get_ref()),
                    );
                }
                f.controllers.push(c.get_ref().clone());
            }
            let matches = catalog.sources.iter().any(|s| {
                (f.data_types.is_empty() || f.data_types.contains(&s.data_type))
                    && (f.ids.is_empty() || f.ids.contains(&s.id))
                    && (f.controllers.is_empty() || f.controllers.contains(&s.controller))
            });
            if !matches {
                p(ds.span(), "no dataset in the catalog matches `applies.datasets`: the step can never apply".into());
            }
            filter = Some(f);
        }
        if per.is_some() && filter.is_none() {
            p(
                raw.applies.span(),
                "a step with `per` needs `applies.datasets` to say which datasets".into(),
            );
        }
        if let Some(kinds) = &a.applicant_kinds {
            for k in kinds {
                if !APPLICANT_KINDS.contains(&k.get_ref().as_str()) {
                    p(
                        k.span(),
                        format!(
                            "applicant kind {:?} is not one of {}",
                            k.get_ref(),
                            APPLICANT_KINDS.join(", ")
                        ),
                    );
                }
            }
            if kinds.is_empty() {
                p(
                    raw.applies.span(),
                    "applicant_kinds is empty: the step can never apply".into(),
                );
            }
        }
        for b in &raw.blocked {
            for k in &b.applicant_kinds {
                if !APPLICANT_KINDS.contains(&k.get_ref().as_str()) {
                    p(
                        k.span(),
                        format!(
                            "applicant kind {:?} is not one of {}",
                            k.get_ref(),
                            APPLICANT_KINDS.join(", ")
                        ),
                    );
                }
            }
        }
        for t in a.traits_true.iter().chain(&a.traits_false) {
            if !TRAITS.contains(&t.get_ref().as_str()) {
                p(
                    t.span(),
                    format!(
                        "trait {:?} is not one of {}",
                        t.get_ref(),
                        TRAITS.join(", ")
                    ),
                );
            }
        }
        for t in &a.traits_false {
            if a.traits_true.iter().any(|x| x.get_ref() == t.get_ref()) {
                p(
                    t.span(),
                    format!(
                        "conflicting conditions: trait {:?} must be both true and false",
                        t.get_ref()
                    ),
                );
            }
        }
        let has_test = a.datasets.is_some()
            || a.applicant_kinds.is_some()
            || !a.traits_true.is_empty()
            || !a.traits_false.is_empty();
        match (a.always.unwrap_or(false), has_test) {
            (true, true) => p(
                raw.applies.span(),
                "`always = true` with other conditions: which is it?".into(),
            ),
            (false, false) => p(
                raw.applies.span(),
                "no condition: the step can never apply (use `always = true`)".into(),
            ),
            _ => {}
        }
        if problems.len() > before {
            continue;
        }
        steps.push(Step {
            id: id.clone(),
            kind: raw.kind.get_ref().clone(),
            authority: authority.clone(),
            per: per.map(str::to_owned),
            name: raw.name.clone(),
            legal_basis: LegalBasis {
                text: Text::new(&raw.legal_basis.da, &raw.legal_basis.en),
                law: raw.legal_basis.law.as_ref().map(|l| l.get_ref().clone()),
            },
            deadline_days: raw.deadline_days,
            prior: Prior {
                median_days: raw.prior.median_days,
                p90_days: raw.prior.p90_days,
                source: raw.prior.source.clone(),
            },
            fee: raw.fee.clone().unwrap_or_default(),
            documents: raw.documents.clone(),
            form_fields: raw
                .form_fields
                .iter()
                .map(|x| x.get_ref().clone())
                .collect(),
            assessments: raw
                .assessments
                .iter()
                .map(|x| x.get_ref().clone())
                .collect(),
            depends_on: raw.depends_on.iter().map(|x| x.get_ref().clone()).collect(),
            replaces: raw.replaces.iter().map(|x| x.get_ref().clone()).collect(),
            applies: Applies {
                datasets: filter,
                applicant_kinds: a
                    .applicant_kinds
                    .as_ref()
                    .map(|k| k.iter().map(|x| x.get_ref().clone()).collect()),
                traits_true: a.traits_true.iter().map(|x| x.get_ref().clone()).collect(),
                traits_false: a.traits_false.iter().map(|x| x.get_ref().clone()).collect(),
                always: a.always.unwrap_or(false),
            },
            why: raw.why.clone(),
            blocked: raw
                .blocked
                .iter()
                .map(|b| Blocked {
                    applicant_kinds: b
                        .applicant_kinds
                        .iter()
                        .map(|x| x.get_ref().clone())
                        .collect(),
                    text: b.text.clone(),
                    unblock: b.unblock.clone(),
                })
                .collect(),
            file: path.clone(),
        });
    }
    let mut precedents = Vec::new();
    for (path, text) in files.0.iter().filter(|(p, _)| p.starts_with("precedents/")) {
        if !path.ends_with(".toml") {
            continue;
        }
        let raw: RawPrecedent = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{path}: {}", e.to_string().trim_end()));
                continue;
            }
        };
        let before = problems.len();
        let mut p = |at: std::ops::Range<usize>, msg: String| {
            problems.push(format!("{path}:{}: {msg}", line_of(text, at.start)));
        };
        let file_id = &path["precedents/".len()..path.len() - ".toml".len()];
        if raw.id.get_ref() != file_id {
            p(
                raw.id.span(),
                format!("id {:?} differs from the file name", raw.id.get_ref()),
            );
        }
        if !step_ids.contains(raw.rule.get_ref()) {
            p(
                raw.rule.span(),
                format!(
                    "rule {:?} is not a step of the rulebook",
                    raw.rule.get_ref()
                ),
            );
        }
        if !organisation(raw.authority.get_ref()) {
            p(
                raw.authority.span(),
                format!(
                    "authority {:?} is not a catalog organisation",
                    raw.authority.get_ref()
                ),
            );
        }
        if !OUTCOMES.contains(&raw.outcome.get_ref().as_str()) {
            p(
                raw.outcome.span(),
                format!(
                    "outcome {:?} is not one of {}",
                    raw.outcome.get_ref(),
                    OUTCOMES.join(", ")
                ),
            );
        }
        let d = raw.decided.get_ref();
        if d.len() != 10 || d.as_bytes()[4] != b'-' || d.as_bytes()[7] != b'-' {
            p(
                raw.decided.span(),
                format!("decided {d:?} is not a date like 2025-03-14"),
            );
        }
        if !APPLICANT_KINDS.contains(&raw.applicant_kind.get_ref().as_str()) {
            p(
                raw.applicant_kind.span(),
                format!(
                    "applicant kind {:?} is not known",
                    raw.applicant_kind.get_ref()
                ),
            );
        }
        for ds in &raw.datasets {
            if catalog.source(ds.get_ref()).is_none() {
                p(
                    ds.span(),
                    format!("dataset {:?} is not in the catalog", ds.get_ref()),
                );
            }
        }
        if problems.len() == before {
            precedents.push(Precedent {
                id: raw.id.into_inner(),
                rule: raw.rule.into_inner(),
                authority: raw.authority.into_inner(),
                decided: raw.decided.into_inner(),
                outcome: raw.outcome.into_inner(),
                example: raw.example,
                applicant_kind: raw.applicant_kind.into_inner(),
                datasets: raw.datasets.into_iter().map(Spanned::into_inner).collect(),
                summary: raw.summary,
                reasons: raw.reasons,
            });
        }
    }
    precedents.sort_by(|a, b| b.decided.cmp(&a.decided).then(a.id.cmp(&b.id)));
    // Cycles in depends_on: a depth-first search names one cycle.
    let order = match topological(&steps) {
        Ok(o) => o,
        Err(cycle) => {
            let files: Vec<String> = cycle
                .iter()
                .filter_map(|id| steps.iter().find(|s| &s.id == id))
                .map(|s| s.file.clone())
                .collect();
            problems.push(format!(
                "{}: depends_on forms a cycle: {}",
                files.first().cloned().unwrap_or_default(),
                cycle.join(" → ")
            ));
            Vec::new()
        }
    };
    let agreements = agreement_templates(files, &mut problems);
    if !problems.is_empty() {
        return Err(LoadError(problems));
    }
    let book = book.expect("no problems means rulebook.toml loaded");
    let mut by_id: BTreeMap<String, Step> = steps.into_iter().map(|s| (s.id.clone(), s)).collect();
    Ok(Rulebook {
        version: book.version,
        published: book.published,
        assessments: book
            .assessment
            .into_iter()
            .map(|a| Assessment {
                id: a.id.into_inner(),
                decided_by: a.decided_by.into_inner(),
                text: Text::new(a.da, a.en),
            })
            .collect(),
        form: form.unwrap_or_default(),
        steps: order
            .into_iter()
            .filter_map(|id| by_id.remove(&id))
            .collect(),
        precedents,
        agreements,
    })
}

/// The agreements' templates: one for each kind, each using only the known placeholders.
fn agreement_templates(files: &Files, problems: &mut Vec<String>) -> BTreeMap<String, String> {
    use crate::agreement::{Kind, unknown_placeholders};
    let mut out = BTreeMap::new();
    for kind in Kind::ALL {
        let path = format!("agreements/{}.md", kind.code());
        match files.0.get(&path) {
            None => problems.push(format!(
                "{path}: missing (every kind of agreement needs its template)"
            )),
            Some(text) => {
                for (i, line) in text.lines().enumerate() {
                    let unknown = unknown_placeholders(line);
                    if !unknown.is_empty() {
                        problems.push(format!(
                            "{path}:{}: unknown placeholder {}; known: {}",
                            i + 1,
                            unknown.join(", "),
                            crate::agreement::PLACEHOLDERS.join(", ")
                        ));
                    }
                }
                out.insert(kind.code().to_owned(), text.clone());
            }
        }
    }
    out
}

/// Steps in dependency order (ties by id), or one cycle.
fn topological(steps: &[Step]) -> Result<Vec<String>, Vec<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = steps
        .iter()
        .map(|s| {
            (
                s.id.as_str(),
                s.depends_on.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = deps.keys().map(|k| (*k, Mark::New)).collect();
    let mut out = Vec::new();
    fn visit<'a>(
        id: &'a str,
        deps: &BTreeMap<&'a str, Vec<&'a str>>,
        mark: &mut BTreeMap<&'a str, Mark>,
        stack: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) -> Result<(), Vec<String>> {
        match mark.get(id).copied() {
            Some(Mark::Done) | None => return Ok(()),
            Some(Mark::Active) => {
                let start = stack.iter().position(|x| *x == id).unwrap_or(0);
                let mut cycle: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(id.to_owned());
                return Err(cycle);
            }
            Some(Mark::New) => {}
        }
        mark.insert(id, Mark::Active);
        stack.push(id);
        for d in deps.get(id).into_iter().flatten() {
            visit(d, deps, mark, stack, out)?;
        }
        stack.pop();
        mark.insert(id, Mark::Done);
        out.push(id.to_owned());
        Ok(())
    }
    let ids: Vec<&str> = deps.keys().copied().collect();
    for id in ids {
        visit(id, &deps, &mut mark, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

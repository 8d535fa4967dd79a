//! The roadmap in the portal: a form for the project's traits (the datasets come from the
//! basket), the roadmap as a server-made SVG timeline and a step-by-step list (printable),
//! what would change if one answer changed; the precedent register; the rulebook in force
//! and what changed between its versions. Everything here is a GET: nothing is saved, the
//! answers live in the address, so a roadmap can be bookmarked, shared and printed.

use super::form::*;
use super::view::*;
use crate::auth::Auth;
use crate::dates::date;
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use ork_catalog::Catalog;
use ork_domain::Lang;
use ork_rules::Rulebook;
use ork_rules::planner::{Applicant, Durations, Need, Roadmap};
use ork_rules::rulebook::{APPLICANT_KINDS, TRAITS};

/// GET /roadmap: the questions, with the basket's sources ticked.
pub async fn form(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let a = Answers::parse(raw.as_deref())?;
    let basket = basket_of(&state, &auth).await?;
    let lang = c.t.lang;
    Ok(render(
        lang,
        &form_page(c, &state.catalog.catalog, &a, &basket, Vec::new()),
    ))
}

#[derive(Template)]
#[template(path = "roadmap.html")]
struct RoadmapPage {
    c: Chrome,
    applicant: String,
    region: Option<String>,
    datasets: Vec<(String, String)>,
    steps: Vec<StepView>,
    timeline: Timeline,
    total_median: u32,
    total_p90: u32,
    version: String,
    blockers: Vec<BlockerView>,
    replaced: Vec<(String, String)>,
    what_if: Vec<WhatIfView>,
    edit_href: String,
    /// The need as JSON, for an applicant to start an application from this plan.
    apply_need: Option<String>,
    /// Clients that have authorised the user's organisation to apply for them: (id, name).
    clients: Vec<(String, String)>,
}

/// GET /roadmap/plan: the roadmap for the answers, or the form again with what is missing.
pub async fn plan(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let cat = &state.catalog.catalog;
    let book = &state.rules.book;
    let a = Answers::parse(raw.as_deref())?;
    let datasets = a.all_datasets();
    let mut errors = form_errors(cat, lang, &a, &datasets);
    let history = state.rules.history();
    let need = Need {
        applicant: Applicant {
            kind: a.kind.clone().unwrap_or_default(),
            region: a.region.clone(),
        },
        datasets: datasets.clone(),
        traits: a.traits.clone(),
        previous: None,
    };
    let planned = if errors.is_empty() {
        match ork_rules::plan(cat, book, &need, &history) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.push(FormError {
                    anchor: "more".into(),
                    text: e.message(lang).to_owned(),
                });
                None
            }
        }
    } else {
        None
    };
    let Some(r) = planned else {
        let basket = basket_of(&state, &auth).await?;
        let mut res = render(lang, &form_page(c, cat, &a, &basket, errors));
        *res.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(res);
    };
    let what_if = ork_rules::planner::what_if_from(cat, book, &need, &history, &r);
    let what_if = what_if_views(cat, book, lang, &a, &datasets, &what_if);
    let mut page = roadmap_page(c, cat, &state.rules, &a, &need, &r, what_if);
    for s in &mut page.steps {
        s.articles = crate::advice::links(&state, ork_advice::About::Step, &s.rule, page.c.t.lang);
    }
    if let Some(p) = auth
        .principal()
        .filter(|p| p.has_role(ork_domain::Role::Applicant))
    {
        page.apply_need = serde_json::to_string(&need).ok();
        let orgs = state.store.list_orgs().await?;
        let mine: Vec<String> = p.memberships.iter().map(|m| m.org_id.to_string()).collect();
        page.clients = crate::clients::service::visible(&state, p)
            .await?
            .into_iter()
            .filter(|a| a.revoked_at.is_none() && mine.contains(&a.agent_org))
            .map(|a| {
                let name = crate::web::org_name(&orgs, &a.client_org, lang);
                (a.client_org, name)
            })
            .collect();
    }
    Ok(render(lang, &page))
}

/// What the answers lack: the applicant kind, a dataset, an answer to every trait, and
/// known datasets (an unknown id is named with the closest catalog ids).
fn form_errors(cat: &Catalog, lang: Lang, a: &Answers, datasets: &[String]) -> Vec<FormError> {
    let mut errors = Vec::new();
    if a.kind.is_none() {
        errors.push(FormError {
            anchor: format!("kind-{}", APPLICANT_KINDS[0]),
            text: crate::i18n::text(lang, "roadmap.err_kind").to_owned(),
        });
    }
    if datasets.is_empty() {
        errors.push(FormError {
            anchor: "more".into(),
            text: crate::i18n::text(lang, "roadmap.err_datasets").to_owned(),
        });
    }
    for t in TRAITS.iter().filter(|t| !a.traits.contains_key(**t)) {
        errors.push(FormError {
            anchor: format!("trait-{t}-yes"),
            text: format!(
                "{} {}",
                crate::i18n::text(lang, "roadmap.err_answer"),
                crate::i18n::text(lang, &format!("trait.{t}"))
            ),
        });
    }
    let unknown: Vec<&String> = datasets
        .iter()
        .filter(|d| cat.source(d).is_none())
        .collect();
    if !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = crate::i18n::say(lang, "unknown_datasets", &[("list", &list)]);
        for d in &unknown {
            let s = cat.suggest(d);
            if !s.is_empty() {
                text.push(' ');
                text.push_str(&crate::i18n::say(
                    lang,
                    "unknown_datasets.suggest",
                    &[("near", &s.join(", ")), ("id", d)],
                ));
            }
        }
        errors.push(FormError {
            anchor: "more".into(),
            text,
        });
    }
    errors
}

/// Each single changed answer, with the steps it adds and removes and a link to its roadmap.
fn what_if_views(
    cat: &Catalog,
    book: &Rulebook,
    lang: Lang,
    a: &Answers,
    datasets: &[String],
    what_if: &[ork_rules::planner::WhatIf],
) -> Vec<WhatIfView> {
    let l = lang;
    let labels = |ids: &[String]| ids.iter().map(|x| step_label(cat, book, x, l)).collect();
    what_if
        .iter()
        .map(|w| {
            let mut other = a.clone();
            other.more.clear();
            other.datasets = datasets.to_vec();
            other.traits.insert(w.trait_name.clone(), w.value);
            WhatIfView {
                question: crate::i18n::text(lang, &format!("trait.{}", w.trait_name)).to_owned(),
                answer: crate::i18n::text(lang, if w.value { "roadmap.yes" } else { "roadmap.no" })
                    .to_owned(),
                added: labels(&w.added),
                removed: labels(&w.removed),
                delta: signed(w.delta_days),
                href: format!("/roadmap/plan?{}", other.query()),
            }
        })
        .collect()
}

/// The roadmap page for a planned need.
fn roadmap_page(
    c: Chrome,
    cat: &Catalog,
    rules: &super::RulesState,
    a: &Answers,
    need: &Need,
    r: &Roadmap,
    what_if: Vec<WhatIfView>,
) -> RoadmapPage {
    let lang = c.t.lang;
    let l = lang;
    let book = &rules.book;
    let steps = steps_view(cat, rules, r, lang);
    RoadmapPage {
        applicant: crate::i18n::text(lang, &format!("applicant.{}", need.applicant.kind))
            .to_owned(),
        region: need
            .applicant
            .region
            .as_deref()
            .map(|x| authority_name(cat, x, lang)),
        datasets: need
            .datasets
            .iter()
            .map(|d| {
                let name = cat
                    .source(d)
                    .map_or(d.clone(), |s| s.name.get(l).to_owned());
                (d.clone(), name)
            })
            .collect(),
        timeline: timeline(r, &steps),
        total_median: r.total_median,
        total_p90: r.total_p90,
        version: r.rulebook_version.clone(),
        blockers: r
            .blockers
            .iter()
            .map(|b| BlockerView {
                step: step_label(cat, book, &b.step, l),
                text: b.text.get(l).to_owned(),
                unblock: b.unblock.get(l).to_owned(),
            })
            .collect(),
        replaced: r
            .replaced
            .iter()
            .map(|x| {
                (
                    step_label(cat, book, &x.step, l),
                    step_label(cat, book, &x.by, l),
                )
            })
            .collect(),
        what_if,
        edit_href: format!("/roadmap?{}", a.query()),
        apply_need: None,
        clients: Vec::new(),
        steps,
        c,
    }
}

// ---------------------------------------------------------------- the precedent register

pub struct PrecedentView {
    pub id: String,
    pub rule_name: String,
    pub authority: String,
    pub decided: String,
    pub outcome: String,
    pub outcome_id: String,
    pub example: bool,
    pub applicant: String,
    pub datasets: Vec<String>,
    pub summary: String,
    pub reasons: String,
}

#[derive(Template)]
#[template(path = "precedents.html")]
struct PrecedentsPage {
    c: Chrome,
    q: String,
    rules: Vec<Choice>,
    found: Vec<PrecedentView>,
}

/// GET /precedents?q=&rule=: the precedent register, searchable in both languages.
pub async fn precedents(
    State(state): State<AppState>,
    c: Chrome,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let l = lang;
    let cat = &state.catalog.catalog;
    let book = &state.rules.book;
    let f = super::service::parse_precedent_query(raw.as_deref(), book)?;
    let found = state
        .rules
        .search_precedents(&f.q)
        .into_iter()
        .filter(|p| f.rule.as_ref().is_none_or(|r| &p.rule == r))
        .map(|p| PrecedentView {
            id: p.id.clone(),
            rule_name: step_label(cat, book, &p.rule, l),
            authority: authority_name(cat, &p.authority, lang),
            decided: p.decided.clone(),
            outcome: crate::i18n::text(lang, &format!("outcome.{}", p.outcome)).to_owned(),
            outcome_id: p.outcome.clone(),
            example: p.example,
            applicant: crate::i18n::text(lang, &format!("applicant.{}", p.applicant_kind))
                .to_owned(),
            datasets: p
                .datasets
                .iter()
                .map(|d| {
                    cat.source(d)
                        .map_or(d.clone(), |s| s.name.get(l).to_owned())
                })
                .collect(),
            summary: p.summary.get(l).to_owned(),
            reasons: p.reasons.get(l).to_owned(),
        })
        .collect();
    let rule = f.rule.unwrap_or_default();
    let page = PrecedentsPage {
        rules: book
            .steps
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: s.name.get(l).to_owned(),
                help: String::new(),
                checked: s.id == rule,
            })
            .collect(),
        q: f.q,
        found,
        c,
    };
    Ok(render(lang, &page))
}

// ---------------------------------------------------------------- the rulebook and versions

pub struct RuleView {
    pub id: String,
    pub name: String,
    pub authority: String,
    pub legal_basis: String,
    pub deadline: Option<u32>,
    pub median: u32,
    pub p90: u32,
    pub cases: u32,
    pub synthetic: u32,
}

pub struct VersionView {
    pub version: String,
    pub published: String,
    pub first_seen: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "rulebook.html")]
struct RulebookPage {
    c: Chrome,
    version: String,
    published: String,
    assessments: Vec<(String, String)>,
    rules: Vec<RuleView>,
    versions: Vec<VersionView>,
}

/// The recorded versions, oldest first, with the one in force added if the store has not
/// recorded it (a server started without `serve`, as in tests).
async fn versions(state: &AppState) -> Result<Vec<ork_store::RulebookVersion>, ApiError> {
    let mut v = state.store.rulebook_versions().await?;
    let book = &state.rules.book;
    if !v.iter().any(|x| x.version == book.version) {
        v.push(ork_store::RulebookVersion {
            version: book.version.clone(),
            published: book.published.clone(),
            sha256: String::new(),
            first_seen: time::OffsetDateTime::now_utc().unix_timestamp(),
        });
    }
    Ok(v)
}

/// GET /rulebook: the rulebook in force, its shared assessments and every approval with its
/// authority, legal basis, deadline and current estimate; the versions the platform has run.
pub async fn rulebook(State(state): State<AppState>, c: Chrome) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let l = lang;
    let cat = &state.catalog.catalog;
    let book = &state.rules.book;
    let history = state.rules.history();
    let page = RulebookPage {
        version: book.version.clone(),
        published: book.published.clone(),
        assessments: book
            .assessments
            .iter()
            .map(|a| {
                (
                    a.text.get(l).to_owned(),
                    step_label(cat, book, &a.decided_by, l),
                )
            })
            .collect(),
        rules: book
            .steps
            .iter()
            .map(|s| {
                let e = history.expected(s);
                RuleView {
                    id: s.id.clone(),
                    name: s.name.get(l).to_owned(),
                    authority: if s.authority.starts_with('{') {
                        crate::i18n::text(lang, "rulebook.per_case").to_owned()
                    } else {
                        authority_name(cat, &s.authority, lang)
                    },
                    legal_basis: s.legal_basis.text.get(l).to_owned(),
                    deadline: s.deadline_days,
                    median: e.median,
                    p90: e.p90,
                    cases: e.cases,
                    synthetic: e.synthetic,
                }
            })
            .collect(),
        versions: versions(&state)
            .await?
            .into_iter()
            .rev()
            .map(|v| VersionView {
                current: v.version == book.version,
                first_seen: date(v.first_seen),
                version: v.version,
                published: v.published,
            })
            .collect(),
        c,
    };
    Ok(render(lang, &page))
}

pub struct ChangeView {
    pub item: String,
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub fields: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "rulebook_changes.html")]
struct ChangesPage {
    c: Chrome,
    versions: Vec<String>,
    from: String,
    to: String,
    changes: Vec<ChangeView>,
}

/// GET /rulebook/changes?from=&to=: what changed between two versions, field by field
/// (default: the previous version the platform ran with to the one in force).
pub async fn changes(
    State(state): State<AppState>,
    c: Chrome,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let book = &state.rules.book;
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let known: Vec<String> = versions(&state)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let current = book.version.clone();
    let mut to = current.clone();
    let mut from = known
        .iter()
        .rev()
        .find(|v| **v != current)
        .cloned()
        .unwrap_or_else(|| current.clone());
    for (k, v) in pairs {
        match k.as_str() {
            "from" | "to" if !known.contains(&v) => {
                let v: String = v.chars().take(40).collect();
                return Err(ApiError::of(
                    StatusCode::NOT_FOUND,
                    "unknown_version",
                    &[("version", &v), ("known", &known.join(", "))],
                ));
            }
            "from" => from = v,
            "to" => to = v,
            other => return Err(unknown_parameter(other)),
        }
    }
    let snapshot = |v: &str| {
        let state = state.clone();
        let v = v.to_owned();
        async move {
            if v == state.rules.book.version {
                return Ok::<_, ApiError>(ork_rules::versions::snapshot(&state.rules.book));
            }
            let text = state.store.rulebook_snapshot(&v).await?.unwrap_or_default();
            Ok(serde_json::from_str(&text).unwrap_or_default())
        }
    };
    let (old, new) = (snapshot(&from).await?, snapshot(&to).await?);
    let changes = ork_rules::versions::changes(&old, &new)
        .into_iter()
        .map(|ch| {
            use ork_rules::versions::ChangeKind;
            let key = format!("{}s", ch.item);
            let named = |s: &serde_json::Value| {
                let n = &s[&key][&ch.id]["name"][lang.code()];
                n.as_str().map(str::to_owned)
            };
            let name = named(&new).or_else(|| named(&old)).unwrap_or_default();
            let (kind, fields) = match ch.kind {
                ChangeKind::Added => ("added", Vec::new()),
                ChangeKind::Removed => ("removed", Vec::new()),
                ChangeKind::Changed(f) => ("changed", f),
            };
            ChangeView {
                item: crate::i18n::text(lang, &format!("rulebook.item_{}", ch.item)).to_owned(),
                id: ch.id,
                name,
                kind,
                fields,
            }
        })
        .collect();
    let page = ChangesPage {
        versions: known,
        from,
        to,
        changes,
        c,
    };
    Ok(render(lang, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(key: &str) -> bool {
        crate::i18n::texts().any(|(k, _, _)| *k == key)
    }

    #[test]
    fn every_trait_kind_and_outcome_has_texts() {
        for t in TRAITS {
            assert!(has(&format!("trait.{t}")), "{t}");
            assert!(has(&format!("trait.{t}.help")), "{t}");
        }
        for k in APPLICANT_KINDS {
            assert!(has(&format!("applicant.{k}")), "{k}");
        }
        for o in ork_rules::rulebook::OUTCOMES {
            assert!(has(&format!("outcome.{o}")), "{o}");
        }
        for k in ["rulebook.item_step", "rulebook.item_assessment"] {
            assert!(has(k), "{k}");
        }
    }

    #[test]
    fn answers_round_trip_through_the_address() {
        let a = Answers::parse(Some(
            "kind=danish_company&datasets=lpr&more=lmdb%2C+ind+lpr&consent=yes&intervention=no",
        ))
        .unwrap();
        assert_eq!(a.all_datasets(), ["lpr", "lmdb", "ind"]);
        let b = Answers::parse(Some(&a.query())).unwrap();
        assert_eq!(b.all_datasets(), ["lpr", "lmdb", "ind"]);
        assert_eq!(b.traits, a.traits);
        assert_eq!(b.kind.as_deref(), Some("danish_company"));
        assert!(Answers::parse(Some("consent=maybe")).is_err());
        assert!(Answers::parse(Some("colour=blue")).is_err());
        assert_eq!(signed(-35), "\u{2212}35");
        assert_eq!(signed(12), "+12");
    }
}

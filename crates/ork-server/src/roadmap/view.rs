//! A roadmap on the page: the steps as a list with their legal basis, precedents and
//! durations, and a server-made SVG timeline.

use ork_catalog::Catalog;
use ork_domain::Lang;
use ork_rules::Rulebook;
use ork_rules::planner::Roadmap;

/// The name of a roadmap step id (`rule` or `rule:region`), with the region or controller.
pub(crate) fn step_label(cat: &Catalog, book: &Rulebook, id: &str, l: Lang) -> String {
    let (rule, per) = id.split_once(':').unwrap_or((id, ""));
    let name = book
        .step(rule)
        .map(|s| s.name.get(l).to_owned())
        .unwrap_or_else(|| rule.to_owned());
    match cat.organisation(per) {
        Some(o) if !per.is_empty() => format!("{name} – {}", o.name.get(l)),
        _ if !per.is_empty() => format!("{name} – {per}"),
        _ => name,
    }
}

pub(super) fn authority_name(cat: &Catalog, id: &str, lang: Lang) -> String {
    match cat.organisation(id) {
        Some(o) => o.name.get(lang).to_owned(),
        None if id == "own_institution" => {
            crate::i18n::text(lang, "roadmap.own_institution").to_owned()
        }
        None => id.to_owned(),
    }
}

pub(super) fn anchor(id: &str) -> String {
    format!("step-{}", id.replace(':', "-"))
}

pub struct PrecView {
    pub id: String,
    pub outcome: String,
    pub decided: String,
    pub summary: String,
    pub example: bool,
}

pub struct StepView {
    pub n: usize,
    pub anchor: String,
    pub id: String,
    pub rule: String,
    pub name: String,
    pub authority: String,
    pub why: String,
    pub legal_basis: String,
    pub law_href: Option<String>,
    pub documents: Vec<String>,
    pub fee: String,
    pub median: u32,
    pub p90: u32,
    pub cases: u32,
    pub synthetic: u32,
    pub start: u32,
    pub finish: u32,
    pub after: Vec<(String, String)>,
    pub critical: bool,
    pub parallel: bool,
    pub datasets: Vec<String>,
    pub precedents: Vec<PrecView>,
    /// Knowledge-base articles about the step: (id, title); filled by the page.
    pub articles: Vec<(String, String)>,
}

pub struct TimeRow {
    pub label: String,
    pub label_x: u32,
    pub label_end: bool,
    pub y_text: u32,
    pub y_bar: u32,
    pub x: u32,
    pub w: u32,
    pub x_p90: u32,
    pub critical: bool,
    pub title: String,
}

pub struct Tick {
    pub x: u32,
    pub day: u32,
}

pub struct Timeline {
    pub width: u32,
    pub height: u32,
    pub axis_y: u32,
    pub rows: Vec<TimeRow>,
    pub ticks: Vec<Tick>,
}

pub(super) const ROW_H: u32 = 44;

pub(super) const WIDTH: u32 = 960;

pub(super) const PAD: u32 = 8;

/// The roadmap as a Gantt chart: one row a step, bar from earliest start to expected
/// decision, a line on to the slow case (p90), filled when on the critical path.
pub(super) fn timeline(r: &Roadmap, views: &[StepView]) -> Timeline {
    let max_day = r
        .steps
        .iter()
        .map(|s| s.finish_p90.max(s.earliest_start_day + s.expected.p90))
        .max()
        .unwrap_or(0)
        .max(r.total_p90)
        .max(1);
    let span = f64::from(WIDTH - 2 * PAD);
    let x_of = |d: u32| PAD + ((f64::from(d) / f64::from(max_day)) * span).round() as u32;
    let rows = r
        .steps
        .iter()
        .zip(views)
        .enumerate()
        .map(|(i, (s, v))| {
            let top = i as u32 * ROW_H;
            let x = x_of(s.earliest_start_day);
            let end = x_of(s.earliest_finish_day).max(x + 2);
            let x_p90 = x_of(s.earliest_start_day + s.expected.p90).max(end);
            let label_end = x > WIDTH * 11 / 20;
            TimeRow {
                title: format!(
                    "{}. {}: {}–{}",
                    v.n, v.name, s.earliest_start_day, s.earliest_finish_day
                ),
                label: format!("{}. {}", v.n, v.name),
                label_x: if label_end { x_p90 } else { x },
                label_end,
                y_text: top + 14,
                y_bar: top + 20,
                x,
                w: end - x,
                x_p90,
                critical: v.critical,
            }
        })
        .collect::<Vec<_>>();
    let axis_y = rows.len() as u32 * ROW_H + 4;
    let ticks = ticks(max_day, x_of);
    Timeline {
        width: WIDTH,
        height: axis_y + 28,
        axis_y,
        rows,
        ticks,
    }
}

/// Day ticks for an axis of `max_day` days: at most about ten, a week, a fortnight, a month…
/// apart, each at `x_of(day)`.
pub(crate) fn ticks(max_day: u32, x_of: impl Fn(u32) -> u32) -> Vec<Tick> {
    let every = [7u32, 14, 30, 60, 90, 120, 180, 365, 730]
        .into_iter()
        .find(|e| max_day / e <= 10)
        .unwrap_or(730);
    (0..=max_day / every)
        .map(|k| Tick {
            x: x_of(k * every),
            day: k * every,
        })
        .collect()
}

pub struct BlockerView {
    pub step: String,
    pub text: String,
    pub unblock: String,
}

pub struct WhatIfView {
    pub question: String,
    pub answer: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub delta: String,
    pub href: String,
}

/// Days as a signed change with a real minus sign: "−35", "+12".
pub(super) fn signed(d: i64) -> String {
    if d < 0 {
        format!("\u{2212}{}", -d)
    } else {
        format!("+{d}")
    }
}

pub(super) fn steps_view(
    cat: &Catalog,
    rules: &super::RulesState,
    r: &Roadmap,
    lang: Lang,
) -> Vec<StepView> {
    let book = &rules.book;
    let l = lang;
    r.steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let rule = book.step(&s.rule);
            StepView {
                n: i + 1,
                anchor: anchor(&s.id),
                id: s.id.clone(),
                rule: s.rule.clone(),
                name: step_label(cat, book, &s.id, l),
                authority: authority_name(cat, &s.authority, lang),
                why: s.why.get(l).to_owned(),
                legal_basis: s.legal_basis.get(l).to_owned(),
                law_href: rule
                    .and_then(|x| x.legal_basis.law.as_deref())
                    .and_then(|id| cat.law(id))
                    .map(|law| law.iri.clone()),
                documents: rule
                    .map(|x| x.documents.iter().map(|d| d.get(l).to_owned()).collect())
                    .unwrap_or_default(),
                fee: rule.map(|x| x.fee.get(l).to_owned()).unwrap_or_default(),
                median: s.expected.median,
                p90: s.expected.p90,
                cases: s.expected.cases,
                synthetic: s.expected.synthetic,
                start: s.earliest_start_day,
                finish: s.earliest_finish_day,
                after: s
                    .depends_on
                    .iter()
                    .map(|d| (anchor(d), step_label(cat, book, d, l)))
                    .collect(),
                critical: r.critical_path.contains(&s.id),
                parallel: r.parallel(s),
                datasets: s
                    .datasets
                    .iter()
                    .map(|d| {
                        cat.source(d)
                            .map_or(d.clone(), |x| x.name.get(l).to_owned())
                    })
                    .collect(),
                articles: Vec::new(),
                precedents: rules
                    .precedents_for(&s.rule, &s.datasets)
                    .into_iter()
                    .take(3)
                    .map(|p| PrecView {
                        id: p.id.clone(),
                        outcome: crate::i18n::text(lang, &format!("outcome.{}", p.outcome))
                            .to_owned(),
                        decided: p.decided.clone(),
                        summary: p.summary.get(l).to_owned(),
                        example: p.example,
                    })
                    .collect(),
            }
        })
        .collect()
}

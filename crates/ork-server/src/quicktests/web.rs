//! The cohort builder: a population, criteria picked from the real code lists (searchable
//! in Danish and English), combined with all/any, negated, grouped ("one of") or in
//! sequence, and a breakdown; counted as a quick test (protected, priced, logged — the
//! API's own code), shown as a table and server-made SVG charts (age/sex pyramid, region,
//! year); saved, named and shared as a cohort. The form is the state: every button posts
//! it whole and the page comes back with every answer kept, so it works without
//! JavaScript; htmx swaps only the builder when it is there.

use super::builder::{Builder, EVENT_KINDS, KINDS, Row, list_id};
use super::service::{self as qapi, Ask};
use super::view::{ResultView, region_codes, region_name, result_view};
use crate::auth::{ClientAddr, WebUser};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use ork_quicktest::codes::{CodeList, System};
use serde_json::Value;

/// An option of a select or a checkbox.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn kind_options(t: &crate::i18n::Tr, kinds: &[&str], current: &str) -> Vec<Opt> {
    kinds
        .iter()
        .map(|k| Opt {
            value: (*k).to_owned(),
            label: t.t(&format!("qt.kind.{k}")).to_owned(),
            selected: *k == current,
        })
        .collect()
}

pub struct SubView {
    pub j: usize,
    pub kinds: Vec<Opt>,
    pub codes: String,
    pub list: &'static str,
}

/// A row as the template shows it: which fields its kind has.
pub struct RowView {
    pub i: usize,
    pub number: usize,
    pub kind: String,
    pub kinds: Vec<Opt>,
    pub not: bool,
    pub codes: String,
    pub list: &'static str,
    pub has_codes: bool,
    pub types: Vec<Opt>,
    pub has_period: bool,
    pub from: String,
    pub to: String,
    pub has_min_count: bool,
    pub min_count: String,
    pub has_value: bool,
    pub min: String,
    pub max: String,
    pub levels: String,
    pub year: String,
    pub first_kinds: Vec<Opt>,
    pub then_kinds: Vec<Opt>,
    pub then_codes: String,
    pub then_list: &'static str,
    pub min_days: String,
    pub max_days: String,
    pub subs: Vec<SubView>,
    pub error: Option<String>,
}

fn row_view(t: &crate::i18n::Tr, i: usize, r: &Row, error: Option<String>) -> RowView {
    let k = r.kind.as_str();
    let event = EVENT_KINDS.contains(&k);
    let types: Vec<Opt> = match k {
        "diagnosis" => ork_quicktest::cohort::DIAGNOSIS_TYPES
            .iter()
            .map(|x| Opt {
                value: (*x).into(),
                label: t.t(&format!("qt.dxtype.{x}")).to_owned(),
                selected: r.types.iter().any(|y| y == x),
            })
            .collect(),
        "biobank" => ork_quicktest::cohort::SAMPLE_TYPES
            .iter()
            .map(|x| Opt {
                value: (*x).into(),
                label: t
                    .t(&format!("qt.sample.{}", x.replace(' ', "_")))
                    .to_owned(),
                selected: r.types.iter().any(|y| y == x),
            })
            .collect(),
        _ => Vec::new(),
    };
    RowView {
        i,
        number: i + 1,
        kind: r.kind.clone(),
        kinds: kind_options(t, &KINDS, k),
        not: r.not,
        codes: r.codes.clone(),
        list: if k == "sequence" {
            list_id(&r.first_kind)
        } else {
            list_id(k)
        },
        has_codes: event && k != "biobank",
        types,
        has_period: event,
        from: r.from.clone(),
        to: r.to.clone(),
        has_min_count: event && k != "death",
        min_count: r.min_count.clone(),
        has_value: k == "lab" || k == "income",
        min: r.min.clone(),
        max: r.max.clone(),
        levels: r.levels.clone(),
        year: r.year.clone(),
        first_kinds: kind_options(t, &EVENT_KINDS, &r.first_kind),
        then_kinds: kind_options(t, &EVENT_KINDS, &r.then_kind),
        then_codes: r.then_codes.clone(),
        then_list: list_id(&r.then_kind),
        min_days: r.min_days.clone(),
        max_days: r.max_days.clone(),
        subs: r
            .subs
            .iter()
            .enumerate()
            .map(|(j, s)| SubView {
                j,
                kinds: kind_options(t, &EVENT_KINDS, &s.kind),
                codes: s.codes.clone(),
                list: list_id(&s.kind),
            })
            .collect(),
        error,
    }
}

/// A code list for a datalist: each code with its label in the page's language.
pub struct CodeOptions {
    pub id: &'static str,
    pub codes: Vec<(String, String)>,
}

fn code_lists(lang: ork_domain::Lang) -> Vec<CodeOptions> {
    [
        ("codes-icd10", System::Icd10),
        ("codes-sks", System::Sks),
        ("codes-atc", System::Atc),
        ("codes-npu", System::Npu),
    ]
    .into_iter()
    .map(|(id, sys)| CodeOptions {
        id,
        codes: CodeList::common(sys)
            .into_iter()
            .map(|c| {
                let (first, other) = match lang {
                    ork_domain::Lang::Da => (&c.label_da, &c.label_en),
                    ork_domain::Lang::En => (&c.label_en, &c.label_da),
                };
                let label = if other.is_empty() || other == first {
                    format!("{} – {first}", c.code)
                } else {
                    format!("{} – {first} ({other})", c.code)
                };
                (c.code.clone(), label)
            })
            .collect(),
    })
    .collect()
}

/// A saved cohort as the page lists it.
pub struct CohortLine {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub shared: bool,
}

#[derive(Template)]
#[template(path = "quicktests.html")]
pub struct Page {
    pub c: Chrome,
    pub alive_on: String,
    pub age_from: String,
    pub age_to: String,
    pub sexes: Vec<Opt>,
    pub regions: Vec<Opt>,
    pub combine_any: bool,
    pub rows: Vec<RowView>,
    pub breakdowns: Vec<Opt>,
    pub name: String,
    pub shared: bool,
    pub errors: Vec<(String, String)>,
    pub result: Option<ResultView>,
    pub saved: Option<(String, String)>,
    pub cohorts: Vec<CohortLine>,
    pub lists: Vec<CodeOptions>,
    pub definition: String,
    pub notice: Option<String>,
}

fn page(c: Chrome, b: &Builder, errors: Vec<(String, String)>) -> Page {
    let t = c.t;
    let lang = t.lang;
    let row_error = |i: usize| {
        errors
            .iter()
            .find(|(a, _)| *a == format!("c{i}"))
            .map(|e| e.1.clone())
    };
    Page {
        alive_on: b.alive_on.clone(),
        age_from: b.age_from.clone(),
        age_to: b.age_to.clone(),
        sexes: ["", "F", "M"]
            .iter()
            .map(|s| Opt {
                value: (*s).into(),
                label: t
                    .t(match *s {
                        "F" => "qt.women",
                        "M" => "qt.men",
                        _ => "qt.both_sexes",
                    })
                    .to_owned(),
                selected: b.sex == *s,
            })
            .collect(),
        regions: region_codes()
            .into_iter()
            .map(|code| Opt {
                label: region_name(&code, lang),
                selected: b.regions.contains(&code),
                value: code,
            })
            .collect(),
        combine_any: b.combine == "any",
        rows: b
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| row_view(&t, i, r, row_error(i)))
            .collect(),
        breakdowns: ork_quicktest::cohort::Breakdown::ALL
            .iter()
            .map(|(key, _)| Opt {
                value: (*key).into(),
                label: t.t(&format!("qt.bd.{key}")).to_owned(),
                selected: b.breakdown.iter().any(|x| x == key),
            })
            .collect(),
        name: b.name.clone(),
        shared: b.shared,
        errors,
        result: None,
        saved: None,
        cohorts: Vec::new(),
        lists: code_lists(lang),
        definition: serde_json::to_string_pretty(&b.definition()).unwrap_or_default(),
        notice: None,
        c,
    }
}

/// Where a problem's path points in the form: the row (`criteria.all[2]…` → `c2`), or a
/// population field.
fn anchor_of(path: &str) -> String {
    for op in ["criteria.all[", "criteria.any["] {
        if let Some(rest) = path.strip_prefix(op)
            && let Some((i, _)) = rest.split_once(']')
        {
            return format!("c{i}");
        }
    }
    match path {
        p if p.starts_with("population.age") => "age_from".into(),
        p if p.starts_with("population.sex") => "sex".into(),
        p if p.starts_with("population.regions") => "regions".into(),
        p if p.starts_with("population") => "alive_on".into(),
        p if p.starts_with("breakdown") => "breakdown".into(),
        _ => "criteria".into(),
    }
}

async fn cohorts_of(
    state: &AppState,
    p: &crate::auth::Principal,
) -> Result<Vec<CohortLine>, ApiError> {
    let orgs = qapi::org_ids(p);
    Ok(state
        .store
        .cohorts_for(p.user.id, &orgs)
        .await?
        .into_iter()
        .map(|c| CohortLine {
            id: c.id,
            name: c.name,
            owner: c.owner_email,
            shared: c.shared,
        })
        .collect())
}

/// The builder: empty, or a saved cohort (`?cohort=ID`).
pub async fn form(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let mut b = Builder::default();
    let mut notice = None;
    for (k, v) in pairs {
        match k.as_str() {
            "cohort" => {
                let saved = qapi::find_cohort(&state, &p, &v).await?;
                let def: Value = serde_json::from_str(&saved.definition).unwrap_or(Value::Null);
                match Builder::from_definition(&def) {
                    Some(mut x) => {
                        x.name = saved.name.clone();
                        x.shared = saved.shared;
                        b = x;
                    }
                    None => notice = Some(c.t.t("qt.cannot_show").to_owned()),
                }
            }
            other => {
                return Err(ApiError::invalid(
                    "unknown_parameter.builder",
                    &[("name", &other)],
                ));
            }
        }
    }
    let lang = c.t.lang;
    let mut pg = page(c, &b, Vec::new());
    pg.cohorts = cohorts_of(&state, &p).await?;
    pg.notice = notice;
    Ok(render(lang, &pg))
}

/// Every button of the builder: count, save, add or remove a criterion or a group's event,
/// or just show the fields of a changed kind. Every answer is kept.
pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    headers: axum::http::HeaderMap,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    // htmx swaps only successful answers: the form with its problems listed is sent as a
    // 200 to htmx, and as the 400 it is to everyone else.
    let htmx = headers.contains_key("hx-request");
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "count".into());
    let mut b = Builder::from_form(&pairs);
    let mut errors = Vec::new();
    let mut result = None;
    let mut saved = None;
    let mut status = axum::http::StatusCode::OK;
    match action.as_str() {
        "count" | "save" => {
            let definition = b.definition();
            let text = definition.to_string();
            match ork_quicktest::cohort::from_value(&definition) {
                Err(e) => {
                    let row = anchor_of(&e.path);
                    let prefix = row
                        .strip_prefix('c')
                        .and_then(|i| i.parse::<usize>().ok())
                        .map(|i| format!("{} {}: ", c.t.t("qt.criterion"), i + 1))
                        .unwrap_or_default();
                    errors.push((row, format!("{prefix}{}", e.message(lang))));
                    status = axum::http::StatusCode::BAD_REQUEST;
                }
                Ok(cohort) if action == "count" => {
                    let org = qapi::acting_org(&p, None)?;
                    let breakdown = cohort.breakdown.clone();
                    let answer = qapi::run(
                        &state,
                        &p,
                        &client,
                        Ask {
                            org: &org,
                            definition: &text,
                            cohort,
                            cohort_id: None,
                        },
                        lang,
                    )
                    .await?;
                    result = Some(result_view(&c.t, &breakdown, &answer));
                }
                Ok(_) => {
                    match qapi::save(&state, &p, &client, &b.name, &definition, b.shared, None)
                        .await
                    {
                        Ok(s) => saved = Some((s.id, s.name)),
                        Err(e) => {
                            errors.push(("name".into(), e.message(lang).to_owned()));
                            status = axum::http::StatusCode::BAD_REQUEST;
                        }
                    }
                }
            }
        }
        edit => b.apply(edit),
    }
    let mut pg = page(c, &b, errors);
    pg.result = result;
    pg.saved = saved;
    pg.cohorts = cohorts_of(&state, &p).await?;
    let mut res = render(lang, &pg);
    if !htmx {
        *res.status_mut() = status;
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "quicktests_statement.html")]
pub struct StatementPage {
    pub c: Chrome,
    pub org: String,
    pub month: String,
    pub months: Vec<String>,
    pub lines: Vec<(String, String, String, String, String)>,
    /// Each project's compute: project, jobs, CPU-hours, GiB-hours, amount.
    pub compute: Vec<(String, String, String, String, String)>,
    pub total: String,
    pub vat: String,
    pub total_with_vat: String,
    pub csv: String,
}

/// An organisation's monthly statement of quick tests, with its CSV.
pub async fn statement(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let s = qapi::statement(
        &state,
        &p,
        get("org"),
        get("month").filter(|m| !m.is_empty()),
    )
    .await?;
    let kr = |o: ork_domain::Ore| format!("{} {}", s.currency, o.kroner());
    let mut months = state.store.org_quicktest_months(&s.org).await?;
    if !months.contains(&s.month) {
        months.insert(0, s.month.clone());
    }
    let lang = c.t.lang;
    let page = StatementPage {
        org: s.org.to_string(),
        month: s.month.clone(),
        months,
        lines: s
            .lines
            .iter()
            .map(|l| {
                (
                    qapi::iso(l.asked_at),
                    l.user_email.clone(),
                    l.cohort_id.clone().unwrap_or_default(),
                    l.tariff.clone(),
                    kr(ork_domain::Ore(l.price_ore)),
                )
            })
            .collect(),
        compute: s
            .compute
            .iter()
            .map(|u| {
                (
                    u.project.clone(),
                    u.usage.jobs.to_string(),
                    format!("{:.3}", u.usage.cpu_ms as f64 / 3_600_000.0),
                    format!("{:.3}", qapi::gib_hours(u.usage.memory_kib_ms)),
                    kr(ork_domain::Ore(u.ore)),
                )
            })
            .collect(),
        total: kr(s.total_ore()),
        vat: kr(s.vat_ore()),
        total_with_vat: kr(s.total_ore() + s.vat_ore()),
        csv: format!(
            "/api/v1/quicktests/statement?org={}&month={}&format=csv",
            s.org, s.month
        ),
        c,
    };
    Ok(render(lang, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_round_trips_through_the_form() {
        let doc = include_str!("../../../../docs/cohort-language.md");
        let json = doc
            .split("```json")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let v: Value = serde_json::from_str(json).unwrap();
        let b = Builder::from_definition(&v).expect("the builder shows the example");
        assert_eq!(b.rows.len(), 6);
        let back = b.definition();
        assert_eq!(
            ork_quicktest::parse(&back.to_string()).unwrap(),
            ork_quicktest::parse(json).unwrap(),
            "{back}"
        );
    }

    #[test]
    fn problems_point_at_their_row() {
        assert_eq!(anchor_of("criteria.all[3].prescription.atc[0]"), "c3");
        assert_eq!(anchor_of("population.age"), "age_from");
        assert_eq!(anchor_of("breakdown[1]"), "breakdown");
    }
}

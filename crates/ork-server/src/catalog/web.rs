//! The catalog in the portal: search with facets (htmx refreshes the results as filters
//! change; plain GET forms work without script), source pages with a coverage chart made
//! on the server as SVG, side-by-side comparison, the basket, and stewards' editing of
//! their own sources' documentation with every version kept.

use super::service::{Strict, find, parse_search, run_search};
use super::state::CurrentDoc;
use crate::auth::{Auth, ClientAddr, WebUser};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use ork_catalog::search::MAX_QUERY_CHARS as QUERY_MAX;
use ork_catalog::{Catalog, Source};
use ork_domain::Lang;

/// Whole numbers the way each language writes them: 1.234.567 / 1,234,567.
pub fn int(n: u64, lang: Lang) -> String {
    let sep = if lang == Lang::Da { '.' } else { ',' };
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    out
}

fn years(s: &Source) -> String {
    match s.coverage.to_year {
        Some(to) => format!("{}–{to}", s.coverage.from_year),
        None => format!("{}–", s.coverage.from_year),
    }
}

/// A source as a row of results or a column of a comparison.
pub struct SourceRow {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub controller: String,
    pub data_type: String,
    pub years: String,
    pub records: Option<String>,
    pub persons: Option<String>,
    pub synthetic: bool,
}

fn row(c: &Catalog, s: &Source, lang: Lang) -> SourceRow {
    let l = lang;
    SourceRow {
        id: s.id.clone(),
        name: s.name.get(l).to_owned(),
        summary: s.summary.get(l).to_owned(),
        controller: c
            .controller(&s.controller)
            .map(|x| x.name.get(l).to_owned())
            .unwrap_or_default(),
        data_type: s.data_type.label().get(l).to_owned(),
        years: years(s),
        records: s.coverage.records.map(|n| int(n, lang)),
        persons: s.coverage.unique_persons.map(|n| int(n, lang)),
        synthetic: s.is_synthetic(),
    }
}

pub struct FacetOption {
    pub name: &'static str,
    pub id: String,
    pub label: String,
    pub count: u64,
    pub checked: bool,
}

pub struct FacetGroup {
    pub key: &'static str,
    pub options: Vec<FacetOption>,
}

pub struct VariableHit {
    pub source_id: String,
    pub source: String,
    pub table: String,
    pub variable: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    from_year: String,
    to_year: String,
    max: usize,
    groups: Vec<FacetGroup>,
    rows: Vec<SourceRow>,
    variables: Vec<VariableHit>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "catalog_results.html")]
struct ResultsPartial {
    c: Chrome,
    q: String,
    rows: Vec<SourceRow>,
    variables: Vec<VariableHit>,
    error: Option<String>,
}

/// The search page; with `HX-Request`, only the results.
pub async fn search(
    State(state): State<AppState>,
    c: Chrome,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let l = lang;
    let cs = &state.catalog;
    let cat = &cs.catalog;
    let parsed = parse_search(raw.as_deref(), Strict::Form);
    let (query, outcome) = match parsed {
        Ok(p) => {
            let r = run_search(cs, &p.query, l);
            (p.query, r)
        }
        Err(e) => (Default::default(), Err(e)),
    };
    let (status, error, rows, variables, facets) = match outcome {
        Ok(r) => {
            let rows = r
                .sources
                .iter()
                .map(|&i| row(cat, &cat.sources[i], lang))
                .collect();
            let variables = variable_hits(cat, &r, l);
            (StatusCode::OK, None, rows, variables, Some(r.facets))
        }
        Err(e) => (
            e.status,
            Some(e.message(lang).to_owned()),
            Vec::new(),
            Vec::new(),
            None,
        ),
    };
    let groups = facet_groups(cat, &query, &facets.unwrap_or_default(), l);
    let mut res = if headers.contains_key("hx-request") {
        let mut res = render(
            lang,
            &ResultsPartial {
                c,
                q: query.q.clone(),
                rows,
                variables,
                error,
            },
        );
        // The address bar follows the filters, so a search can be bookmarked and shared.
        let url = match raw.as_deref().filter(|r| !r.is_empty()) {
            Some(r) => format!("/catalog?{r}"),
            None => "/catalog".to_owned(),
        };
        if let Ok(v) = axum::http::HeaderValue::from_str(&url) {
            res.headers_mut().insert("hx-push-url", v);
        }
        res
    } else {
        render(
            lang,
            &SearchPage {
                c,
                q: query.q.chars().take(QUERY_MAX).collect(),
                from_year: query.from_year.map(|y| y.to_string()).unwrap_or_default(),
                to_year: query.to_year.map(|y| y.to_string()).unwrap_or_default(),
                max: QUERY_MAX,
                groups,
                rows,
                variables,
                error,
            },
        )
    };
    *res.status_mut() = status;
    Ok(res)
}

/// The variables among the hits, at most 12.
fn variable_hits(cat: &Catalog, r: &ork_catalog::search::Results, l: Lang) -> Vec<VariableHit> {
    r.hits
        .iter()
        .filter_map(|h| {
            let s = &cat.sources[h.source];
            let t = &s.tables[h.table?];
            let v = &t.variables[h.variable?];
            Some(VariableHit {
                source_id: s.id.clone(),
                source: s.name.get(l).to_owned(),
                table: t.name.clone(),
                variable: v.name.clone(),
                label: v.label.get(l).to_owned(),
            })
        })
        .take(12)
        .collect()
}

/// The facet checkboxes with their counts, ticked as the query asks.
fn facet_groups(
    cat: &Catalog,
    query: &ork_catalog::search::Query,
    f: &ork_catalog::search::Facets,
    l: Lang,
) -> Vec<FacetGroup> {
    let count =
        |list: &[(String, u64)], id: &str| list.iter().find(|(k, _)| k == id).map_or(0, |x| x.1);
    vec![
        FacetGroup {
            key: "catalog.facet.data_type",
            options: ork_catalog::DataType::ALL
                .iter()
                .map(|t| FacetOption {
                    name: "data_type",
                    id: t.id().into(),
                    label: t.label().get(l).to_owned(),
                    count: f.data_types.iter().find(|x| x.0 == *t).map_or(0, |x| x.1),
                    checked: query.data_types.contains(t),
                })
                .collect(),
        },
        FacetGroup {
            key: "catalog.facet.controller",
            options: cat
                .controllers
                .iter()
                .map(|x| FacetOption {
                    name: "controller",
                    id: x.id.clone(),
                    label: x.name.get(l).to_owned(),
                    count: count(&f.controllers, &x.id),
                    checked: query.controllers.contains(&x.id),
                })
                .collect(),
        },
        FacetGroup {
            key: "catalog.facet.topic",
            options: cat
                .topics
                .iter()
                .map(|x| FacetOption {
                    name: "topic",
                    id: x.id.clone(),
                    label: x.label.get(l).to_owned(),
                    count: count(&f.topics, &x.id),
                    checked: query.topics.contains(&x.id),
                })
                .collect(),
        },
    ]
}

/// One bar of the coverage chart.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub year: i32,
    pub records: String,
}

pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub base: u32,
    pub bars: Vec<Bar>,
    pub max: String,
}

/// Records per year as bars, scaled to the largest year.
pub fn chart(s: &Source, lang: Lang) -> Option<Chart> {
    let by_year = &s.coverage.records_by_year;
    let max = *by_year.values().max()?;
    if max == 0 {
        return None;
    }
    let (width, height, top, base) = (640u32, 240u32, 16u32, 200u32);
    let slot = width / by_year.len().max(1) as u32;
    let w = (slot * 7 / 10).max(2);
    let bars = by_year
        .iter()
        .enumerate()
        .map(|(i, (&year, &n))| {
            let h = ((n as f64 / max as f64) * (base - top) as f64).round() as u32;
            Bar {
                x: i as u32 * slot + (slot - w) / 2,
                y: base - h,
                w,
                h,
                year,
                records: int(n, lang),
            }
        })
        .collect();
    Some(Chart {
        width,
        height,
        base,
        bars,
        max: int(max, lang),
    })
}

pub struct Approver {
    pub name: String,
}

#[derive(Template)]
#[template(path = "catalog_source.html")]
struct SourcePage<'a> {
    c: Chrome,
    s: &'a Source,
    r: SourceRow,
    l: Lang,
    chart: Option<Chart>,
    approvers: Vec<Approver>,
    laws: Vec<(String, String)>,
    cadence: String,
    docs_html: String,
    doc: CurrentDoc,
    can_edit: bool,
    signed_in: bool,
    in_basket: bool,
    topics: Vec<String>,
    /// Knowledge-base articles about the source: (id, title).
    articles: Vec<(String, String)>,
}

pub(super) fn steward_of(auth: &Auth, s: &Source) -> bool {
    auth.principal()
        .is_some_and(|p| p.steward_of(&s.controller))
}

pub async fn source(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let l = lang;
    let cat = &state.catalog.catalog;
    let s = find(cat, &id)?;
    let doc = state.catalog.doc(&s.id);
    let in_basket = match auth.principal() {
        Some(p) => state.store.basket(p.user.id).await?.contains(&s.id),
        None => false,
    };
    let page = SourcePage {
        r: row(cat, s, lang),
        l,
        chart: chart(s, lang),
        approvers: s
            .access
            .approvers
            .iter()
            .map(|a| Approver {
                name: cat
                    .organisation(a)
                    .map(|o| o.name.get(l).to_owned())
                    .unwrap_or_else(|| a.clone()),
            })
            .collect(),
        laws: s
            .access
            .legislation
            .iter()
            .filter_map(|x| cat.law(x))
            .map(|x| (x.label.get(l).to_owned(), x.iri.clone()))
            .collect(),
        cadence: s.cadence.label().get(l).to_owned(),
        docs_html: ork_catalog::markdown::render(doc.text.get(l)),
        can_edit: steward_of(&auth, s),
        signed_in: auth.principal().is_some(),
        in_basket,
        articles: crate::advice::links(&state, ork_advice::About::Dataset, &s.id, lang),
        topics: s
            .topics
            .iter()
            .filter_map(|t| cat.topic(t))
            .map(|t| t.label.get(l).to_owned())
            .collect(),
        doc,
        s,
        c,
    };
    Ok(render(lang, &page))
}

#[derive(Template)]
#[template(path = "catalog_compare.html")]
struct ComparePage {
    c: Chrome,
    rows: Vec<CompareRow>,
    cols: Vec<SourceRow>,
}

pub struct CompareRow {
    pub key: &'static str,
    pub values: Vec<String>,
}

/// Up to four sources side by side: `?ids=lpr&ids=lmdb` or `?ids=lpr,lmdb`.
pub async fn compare(
    State(state): State<AppState>,
    c: Chrome,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let l = lang;
    let cat = &state.catalog.catalog;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let mut ids: Vec<String> = Vec::new();
    for (k, v) in pairs {
        if k == "ids" {
            for id in v.split(',').map(str::trim).filter(|x| !x.is_empty()) {
                if !ids.iter().any(|x| x == id) {
                    ids.push(id.to_owned());
                }
            }
        }
    }
    if ids.is_empty() || ids.len() > 4 {
        return Err(ApiError::invalid("compare_count", &[]));
    }
    let sources: Vec<&Source> = ids
        .iter()
        .map(|id| find(cat, id))
        .collect::<Result<_, _>>()?;
    let org = |id: &str| {
        cat.organisation(id)
            .map(|o| o.name.get(l).to_owned())
            .unwrap_or_else(|| id.to_owned())
    };
    let none = || "–".to_owned();
    let line = |key: &'static str, f: &dyn Fn(&Source) -> String| CompareRow {
        key,
        values: sources.iter().map(|s| f(s)).collect(),
    };
    let rows = vec![
        line("catalog.controller", &|s| org(&s.controller)),
        line("catalog.data_type", &|s| {
            s.data_type.label().get(l).to_owned()
        }),
        line("catalog.coverage", &years),
        line("catalog.records", &|s| {
            s.coverage
                .records
                .map(|n| int(n, lang))
                .unwrap_or_else(none)
        }),
        line("catalog.persons", &|s| {
            s.coverage
                .unique_persons
                .map(|n| int(n, lang))
                .unwrap_or_else(none)
        }),
        line("catalog.cadence", &|s| s.cadence.label().get(l).to_owned()),
        line("catalog.variables", &|s| s.variable_count().to_string()),
        line("catalog.approvers", &|s| {
            s.access
                .approvers
                .iter()
                .map(|a| org(a))
                .collect::<Vec<_>>()
                .join(", ")
        }),
        line("catalog.lead_time", &|s| {
            s.access
                .lead_time_days
                .map(|d| format!("{d} {}", crate::i18n::text(lang, "catalog.working_days")))
                .unwrap_or_else(none)
        }),
        line("catalog.delivery", &|s| s.access.delivery.get(l).to_owned()),
        line("catalog.population", &|s| {
            s.coverage.population.get(l).to_owned()
        }),
    ];
    let cols = sources.iter().map(|s| row(cat, s, lang)).collect();
    Ok(render(lang, &ComparePage { c, rows, cols }))
}

#[derive(Template)]
#[template(path = "catalog_basket.html")]
struct BasketPage {
    c: Chrome,
    rows: Vec<SourceRow>,
    compare: String,
}

pub async fn basket(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let cat = &state.catalog.catalog;
    let ids = state.store.basket(p.user.id).await?;
    let rows: Vec<SourceRow> = ids
        .iter()
        .filter_map(|id| cat.source(id))
        .map(|s| row(cat, s, lang))
        .collect();
    let compare = rows
        .iter()
        .take(4)
        .map(|r| r.id.as_str())
        .collect::<Vec<_>>()
        .join(",");
    Ok(render(lang, &BasketPage { c, rows, compare }))
}

#[derive(serde::Deserialize)]
pub struct BasketForm {
    source: String,
    action: String,
    next: Option<String>,
}

pub async fn basket_change(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Form(f): Form<BasketForm>,
) -> Result<Response, ApiError> {
    let s = find(&state.catalog.catalog, &f.source)?;
    let src = p.audit_source(&client, None);
    let mut tx = state.store.write().await?;
    match f.action.as_str() {
        "add" => {
            tx.basket_add(&src, p.user.id, &s.id).await?;
        }
        "remove" => {
            tx.basket_remove(&src, p.user.id, &s.id).await?;
        }
        _ => {
            return Err(ApiError::invalid("invalid_action.basket", &[]));
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&crate::web::safe_next(f.next.as_deref())).into_response())
}

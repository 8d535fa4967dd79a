//! The advice desk's own pages for advisors: the report and the contact persons.

use super::web::{pairs, with_status};
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "advice_report.html")]
struct ReportPage {
    c: Chrome,
    r: Option<super::report::AdviceReport>,
    from: String,
    to: String,
    /// (name, count).
    topics: Vec<(String, u64)>,
    authorities: Vec<(String, u64)>,
    deflections: Vec<(String, String, u64)>,
    error: Option<String>,
}

fn hours(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |h| format!("{h:.1}"))
}

impl ReportPage {
    fn hours(&self, x: &Option<f64>) -> String {
        hours(*x)
    }

    fn share(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "–".to_owned(), |s| format!("{:.0} %", s * 100.0))
    }
}

/// GET /advice/report?from=&to= (advisors and operators)
pub async fn report_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let form = pairs(raw.as_deref());
    let (r, error) = match super::report_of(&state, &p, raw.as_deref()).await {
        Ok(r) => (Some(r), None),
        Err(e) if e.status == StatusCode::BAD_REQUEST => (None, Some(e.message(lang).to_owned())),
        Err(e) => return Err(e),
    };
    let orgs = state.store.list_orgs().await?;
    let live = state.advice.live();
    let (topics, authorities, deflections) = match &r {
        Some(r) => (
            r.per_topic
                .iter()
                .map(|(t, n)| (c.t.label("advice.topic", t), *n))
                .collect(),
            r.per_authority
                .iter()
                .map(|(a, n)| (org_name(&orgs, a, lang), *n))
                .collect(),
            r.deflections
                .iter()
                .map(|d| {
                    (
                        d.article.clone(),
                        live.kb
                            .article(&d.article)
                            .map_or_else(|| d.article.clone(), |a| a.title.get(lang).to_owned()),
                        d.count,
                    )
                })
                .collect(),
        ),
        None => Default::default(),
    };
    let get = |k: &str| form_value(&form, k).to_owned();
    Ok(render(
        lang,
        &ReportPage {
            from: r.as_ref().map_or_else(|| get("from"), |r| r.from.clone()),
            to: r.as_ref().map_or_else(|| get("to"), |r| r.to.clone()),
            r,
            topics,
            authorities,
            deflections,
            error,
            c,
        },
    ))
}

#[derive(Template)]
#[template(path = "advice_contacts.html")]
struct ContactsPage {
    c: Chrome,
    /// (organisation name, advisor e-mail).
    rows: Vec<(String, String)>,
    /// Applicant organisations: (id, name).
    orgs: Vec<(String, String)>,
    /// First-level advisors: (e-mail, name).
    advisors: Vec<(String, String)>,
    error: Option<String>,
}

async fn contacts_page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    error: Option<String>,
) -> Result<ContactsPage, ApiError> {
    let lang = c.t.lang;
    let contacts = super::contacts(state, p).await?;
    let all = state.store.list_orgs().await?;
    let rows = contacts
        .into_iter()
        .map(|x| (org_name(&all, &x.organisation, lang), x.advisor))
        .collect();
    let mut orgs: Vec<(String, String)> = all
        .iter()
        .filter(|o| {
            !matches!(
                o.kind,
                ork_domain::OrgKind::Authority(_) | ork_domain::OrgKind::PlatformOperator
            )
        })
        .map(|o| {
            (
                o.id.to_string(),
                lang.pick(&o.name_da, &o.name_en).to_owned(),
            )
        })
        .collect();
    orgs.sort_by(|a, b| a.1.cmp(&b.1));
    let mut advisors = Vec::new();
    for o in all
        .iter()
        .filter(|o| o.kind == ork_domain::OrgKind::PlatformOperator)
    {
        for id in state
            .store
            .users_with_role(o.id.as_str(), "advisor")
            .await?
        {
            if let Some(u) = state.store.user_by_id(id).await? {
                advisors.push((u.email.to_string(), u.name));
            }
        }
    }
    Ok(ContactsPage {
        c,
        rows,
        orgs,
        advisors,
        error,
    })
}

/// GET /advice/contacts (first-level advisors): each organisation's contact person.
pub async fn contacts_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    Ok(render(lang, &contacts_page_of(&state, c, &p, None).await?))
}

/// POST /advice/contacts (`org`, `advisor`; an empty advisor removes the contact person).
pub async fn contacts_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let advisor = form_value(&form, "advisor");
    let advisor = (!advisor.is_empty()).then_some(advisor);
    match super::set_contact(&state, &p, &client, form_value(&form, "org"), advisor).await {
        Ok(()) => Ok(Redirect::to("/advice/contacts").into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let status = e.status;
            let page = contacts_page_of(&state, c, &p, Some(e.message(lang).to_owned())).await?;
            Ok(with_status(lang, &page, status))
        }
        Err(e) => Err(e),
    }
}

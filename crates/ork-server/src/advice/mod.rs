//! The advice desk (seeds 002, solution model 1: one first-level entrance with referral to
//! the right authority's experts; case 5: one contact person who knows the applicant): a
//! knowledge base searched before asking, questions as live conversations, a first-level
//! queue, referral to an authority's experts by routing rules, contact persons, drafts of
//! articles from answers, and a report.
//!
//! `service.rs` holds who may do what with a question and `listing.rs` the lists around it,
//! `kb.rs` the knowledge base and its drafts, `events.rs` the live streams, `report.rs` the
//! report's arithmetic; `api.rs`/`api_kb.rs` and `web.rs`/`web_kb.rs`/`web_desk.rs` show
//! them; `mail.rs` e-mails guests.

#[allow(unused_qualifications)]
pub mod api;
#[allow(unused_qualifications)]
pub mod api_kb;
pub mod events;
pub mod kb;
mod listing;
pub mod mail;
pub mod report;
pub mod service;
mod state;
mod web;
mod web_desk;
mod web_kb;

pub use state::{AdviceLoadError, AdviceState, spawn_refresher};

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use ork_domain::Role;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api_kb::kb_search))
        .routes(routes!(api_kb::kb_article))
        .routes(routes!(api_kb::kb_helpful))
        .routes(routes!(api_kb::draft, api_kb::drafts))
        .routes(routes!(api_kb::edit_draft))
        .routes(routes!(api_kb::publish))
        .routes(routes!(api_kb::reject))
        .routes(routes!(api::ask, api::list))
        .routes(routes!(api::get))
        .routes(routes!(api::write))
        .routes(routes!(api::refer))
        .routes(routes!(api::close))
        .routes(routes!(api::assign))
        .routes(routes!(api::stream))
        .routes(routes!(api::attachment))
        .routes(routes!(api::report))
        .routes(routes!(api::contacts))
        .routes(routes!(api::set_contact))
}

pub(crate) fn web_routes() -> Router<AppState> {
    Router::new()
        .route("/kb", get(web_kb::kb_page))
        .route("/kb/drafts", get(web_kb::drafts_page))
        .route(
            "/kb/drafts/{id}",
            get(web_kb::draft_page).post(web_kb::draft_save),
        )
        .route("/kb/{id}", get(web_kb::article_page))
        .route("/kb/{id}/helpful", post(web_kb::helpful))
        .route("/ask", get(web::ask_page).post(web::ask_post))
        .route("/questions", get(web::questions_page))
        .route(
            "/questions/{id}",
            get(web::question_page).post(web::question_post),
        )
        .route("/questions/{id}/stream", get(web::question_stream))
        .route("/questions/{id}/attachments/{upload}", get(web::attachment))
        .route("/advice/report", get(web_desk::report_page))
        .route(
            "/advice/contacts",
            get(web_desk::contacts_page).post(web_desk::contacts_post),
        )
}

/// A query parameter's value; an empty one counts as absent.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The published articles that explain a rulebook step, a dataset or a form field:
/// (id, title), for the links on those pages.
pub fn links(
    state: &AppState,
    about: ork_advice::About,
    id: &str,
    lang: ork_domain::Lang,
) -> Vec<(String, String)> {
    state
        .advice
        .live()
        .kb
        .about(about, id)
        .map(|a| (a.id.clone(), a.title.get(lang).to_owned()))
        .collect()
}

/// The report over the period the query names (advisors and operators).
pub async fn report_of(
    state: &AppState,
    p: &Principal,
    raw: Option<&str>,
) -> Result<report::AdviceReport, ApiError> {
    let l = service::levels(state, p).await?;
    if !(l.first || !l.authorities.is_empty() || p.has_role(Role::Operator)) {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "advisor_required", &[]));
    }
    let (from, to, a, b) = period(&crate::api::query_pairs(raw)?)?;
    let qs = state
        .store
        .questions(&ork_store::QuestionScope::Created { from: a, to: b })
        .await?;
    let ms = state.store.question_messages_created(a, b).await?;
    let ds = state.store.deflections(a, b).await?;
    Ok(report::compute(&from, &to, &qs, &ms, &ds))
}

/// The period of a report: `from` and `to` as `YYYY-MM-DD`, both included (default: the
/// last 30 days). Returns the unix bounds `[from, to + 1 day)`.
pub fn period(pairs: &[(String, String)]) -> Result<(String, String, i64, i64), ApiError> {
    let day = |s: &str| -> Result<i64, ApiError> {
        crate::dates::parse_date(s).ok_or_else(|| ApiError::invalid("invalid_period", &[]))
    };
    let now = ork_store::now_unix();
    let to = match param(pairs, "to") {
        Some(s) => day(s)?,
        None => now - now.rem_euclid(86_400),
    };
    let from = match param(pairs, "from") {
        Some(s) => day(s)?,
        None => to - 29 * 86_400,
    };
    if from > to || to - from > 3_660 * 86_400 {
        return Err(ApiError::invalid("invalid_period", &[]));
    }
    Ok((
        crate::dates::date(from),
        crate::dates::date(to),
        from,
        to + 86_400,
    ))
}

/// Every contact person (first-level advisors).
pub async fn contacts(state: &AppState, p: &Principal) -> Result<Vec<api::ContactView>, ApiError> {
    require_first_level(state, p).await?;
    let mut out = Vec::new();
    for (org, advisor) in state.store.advice_contacts().await? {
        if let Some(u) = state.store.user_by_id(advisor).await? {
            out.push(api::ContactView {
                organisation: org,
                advisor: u.email.to_string(),
            });
        }
    }
    Ok(out)
}

async fn require_first_level(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    if service::levels(state, p).await?.first {
        Ok(())
    } else {
        Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "first_level_required",
            &[],
        ))
    }
}

/// Names (or, with `None`, removes) an organisation's contact person: a first-level
/// advisor, set by a first-level advisor.
pub async fn set_contact(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    org: &str,
    advisor: Option<&str>,
) -> Result<(), ApiError> {
    require_first_level(state, p).await?;
    let unknown_org = || ApiError::of(StatusCode::NOT_FOUND, "unknown_organisation.advice", &[]);
    let org_id = ork_domain::OrgId::parse(org).map_err(|_| unknown_org())?;
    state
        .store
        .get_org(&org_id)
        .await?
        .ok_or_else(unknown_org)?;
    let advisor = match advisor {
        None => None,
        Some(e) => {
            let unknown = || ApiError::of(StatusCode::NOT_FOUND, "unknown_advisor", &[]);
            let email = ork_domain::Email::parse(e).map_err(|_| unknown())?;
            let u = state
                .store
                .user_by_email(&email)
                .await?
                .ok_or_else(unknown)?;
            let roles = state.store.memberships(u.id).await?;
            if !service::levels_of(state, &roles).await?.first {
                return Err(unknown());
            }
            Some(u.id)
        }
    };
    let mut tx = state.store.write().await?;
    tx.set_advice_contact(
        &p.audit_source(client, Some("platform".into())),
        org_id.as_str(),
        advisor,
        p.user.id,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

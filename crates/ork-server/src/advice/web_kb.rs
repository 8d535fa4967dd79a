//! The knowledge base's pages: search, an article, "this answered my question", and the
//! advisors' drafts and their review.

use super::kb as kbs;
use super::web::{ArticleRow, pairs, row, with_status};
use crate::auth::{Auth, ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_advice::Article;
use ork_domain::Lang;

#[derive(Template)]
#[template(path = "kb.html")]
struct KbPage {
    c: Chrome,
    q: String,
    topic: String,
    topics: Vec<&'static str>,
    rows: Vec<ArticleRow>,
    error: Option<String>,
}

/// GET /kb?q=&topic=
pub async fn kb_page(
    State(state): State<AppState>,
    c: Chrome,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let p = pairs(raw.as_deref());
    let q = form_value(&p, "q").to_owned();
    let topic = form_value(&p, "topic").to_owned();
    let (rows, error) = match kbs::search(&state, &q, (!topic.is_empty()).then_some(&topic), lang) {
        Ok(found) => (found.iter().map(|a| row(a, lang)).collect(), None),
        Err(e) if e.status.is_client_error() => (Vec::new(), Some(e.message(lang).to_owned())),
        Err(e) => return Err(e),
    };
    Ok(render(
        lang,
        &KbPage {
            c,
            q,
            topic,
            topics: ork_advice::TOPICS.to_vec(),
            rows,
            error,
        },
    ))
}

#[derive(Template)]
#[template(path = "kb_article.html")]
struct ArticlePage {
    c: Chrome,
    a: Article,
    title: String,
    summary: String,
    body_html: String,
    owner: String,
    thanked: bool,
    /// (id, name) of the datasets and steps it explains.
    datasets: Vec<(String, String)>,
    steps: Vec<(String, String)>,
}

/// GET /kb/{id}
pub async fn article_page(
    State(state): State<AppState>,
    c: Chrome,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let a = kbs::article(&state, &id)?;
    let orgs = state.store.list_orgs().await?;
    let cat = &state.catalog.catalog;
    let owner = if a.owner == "platform" {
        c.t.t("advice.owner_platform").to_owned()
    } else {
        org_name(&orgs, &a.owner, lang)
    };
    let datasets = a
        .datasets
        .iter()
        .map(|d| {
            (
                d.clone(),
                cat.source(d)
                    .map_or_else(|| d.clone(), |s| s.name.get(lang).to_owned()),
            )
        })
        .collect();
    let steps = a
        .steps
        .iter()
        .map(|s| {
            (
                s.clone(),
                state
                    .rules
                    .book
                    .step(s)
                    .map_or_else(|| s.clone(), |x| x.name.get(lang).to_owned()),
            )
        })
        .collect();
    Ok(render(
        lang,
        &ArticlePage {
            title: a.title.get(lang).to_owned(),
            summary: a.summary.get(lang).to_owned(),
            body_html: ork_catalog::markdown::render(a.body.get(lang)),
            owner,
            thanked: form_value(&pairs(raw.as_deref()), "thanks") == "1",
            datasets,
            steps,
            a,
            c,
        },
    ))
}

/// POST /kb/{id}/helpful: "this answered my question".
pub async fn helpful(
    State(state): State<AppState>,
    client: ClientAddr,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    kbs::helpful(&state, auth.principal(), &client, &id).await?;
    Ok(Redirect::to(&format!("/kb/{id}?thanks=1")).into_response())
}

/// A draft in the list.
pub struct DraftRow {
    pub id: String,
    pub title: String,
    pub state: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "kb_drafts.html")]
struct DraftsPage {
    c: Chrome,
    rows: Vec<DraftRow>,
}

/// GET /kb/drafts (advisors)
pub async fn drafts_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let rows = kbs::visible_drafts(&state, &p)
        .await?
        .into_iter()
        .map(|a| DraftRow {
            title: match lang {
                Lang::Da if !a.title_da.is_empty() => a.title_da,
                Lang::En if !a.title_en.is_empty() => a.title_en,
                _ => format!("{}{}", a.title_da, a.title_en),
            },
            state: a.state,
            created: crate::dates::date(a.created_at),
            id: a.id,
        })
        .collect();
    Ok(render(lang, &DraftsPage { c, rows }))
}

#[derive(Template)]
#[template(path = "kb_draft.html")]
struct DraftPage {
    c: Chrome,
    a: ork_store::StoredArticle,
    topics: Vec<&'static str>,
    own: bool,
    error: Option<String>,
    notice: Option<String>,
}

async fn draft_page_of(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    id: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Result<DraftPage, ApiError> {
    let a = kbs::draft_for(state, p, id).await?;
    Ok(DraftPage {
        own: a.created_by == p.user.id,
        a,
        topics: ork_advice::TOPICS.to_vec(),
        error,
        notice,
        c,
    })
}

/// GET /kb/drafts/{id}
pub async fn draft_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    Ok(render(
        lang,
        &draft_page_of(&state, c, &p, &id, None, None).await?,
    ))
}

/// POST /kb/drafts/{id}: `action` = save | publish | reject.
pub async fn draft_save(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let get = |k: &str| form_value(&form, k).to_owned();
    let result = match get("action").as_str() {
        "save" => kbs::edit(
            &state,
            &p,
            &client,
            &id,
            kbs::DraftText {
                topic: get("topic"),
                title_da: get("title_da"),
                title_en: get("title_en"),
                summary_da: get("summary_da"),
                summary_en: get("summary_en"),
                body_da: get("body_da"),
                body_en: get("body_en"),
            },
        )
        .await
        .map(|_| "saved"),
        "publish" => kbs::review(&state, &p, &client, &id, true)
            .await
            .map(|_| "published"),
        "reject" => kbs::review(&state, &p, &client, &id, false)
            .await
            .map(|_| "rejected"),
        _ => Err(ApiError::invalid("bad_request", &[])),
    };
    match result {
        Ok("published") => Ok(Redirect::to(&format!("/kb/{id}")).into_response()),
        Ok(done) => {
            let notice = Some(crate::i18n::text(lang, &format!("advice.draft.{done}")).to_owned());
            Ok(render(
                lang,
                &draft_page_of(&state, c, &p, &id, None, notice).await?,
            ))
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let mut page =
                draft_page_of(&state, c, &p, &id, Some(e.message(lang).to_owned()), None).await?;
            // Keep what was written.
            if get("action") == "save" {
                page.a.title_da = get("title_da");
                page.a.title_en = get("title_en");
                page.a.summary_da = get("summary_da");
                page.a.summary_en = get("summary_en");
                page.a.body_da = get("body_da");
                page.a.body_en = get("body_en");
            }
            Ok(with_status(lang, &page, status))
        }
        Err(e) => Err(e),
    }
}

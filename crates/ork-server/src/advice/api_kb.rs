//! The knowledge base in the API: search and read (anyone), "this answered my question",
//! and the advisors' drafts and their review.

use super::kb as kbs;
use super::param;
use crate::api::{ApiJson, UserLang, query_pairs};
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use ork_advice::Article;
use ork_domain::Lang;
use ork_store::StoredArticle;

fn lang_param(pairs: &[(String, String)], default: Lang) -> Result<Lang, ApiError> {
    match pairs.iter().find(|(k, _)| k == "lang") {
        None => Ok(default),
        Some((_, v)) => Lang::parse(v).ok_or_else(|| ApiError::invalid("invalid_lang", &[])),
    }
}

/// An article in a list.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ArticleSummary {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// One of the knowledge base's topics.
    pub topic: String,
    /// `platform` or the authority that owns it.
    pub owner: String,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ArticleList {
    pub articles: Vec<ArticleSummary>,
}

/// A published article in one language.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ArticleBody {
    pub id: String,
    /// `da` or `en`.
    pub lang: String,
    pub title: String,
    pub summary: String,
    /// The text, Markdown.
    pub body: String,
    /// The text as safe HTML (no markup of the author's own).
    pub body_html: String,
    pub topic: String,
    pub owner: String,
    pub version: u32,
    /// `YYYY-MM-DD`.
    pub updated: String,
    /// Where the answer comes from: seeds, research facts, the rulebook, the law.
    pub sources: Vec<String>,
    /// The rulebook steps, catalog datasets and form fields it explains.
    pub steps: Vec<String>,
    pub datasets: Vec<String>,
    pub fields: Vec<String>,
}

fn summary(a: &Article, lang: Lang) -> ArticleSummary {
    ArticleSummary {
        id: a.id.clone(),
        title: a.title.get(lang).to_owned(),
        summary: a.summary.get(lang).to_owned(),
        topic: a.topic.clone(),
        owner: a.owner.clone(),
    }
}

/// Searches the published knowledge-base articles (Danish and English, stemmed, one typo
/// tolerated); without `q`, every article by title. Anyone may read.
#[utoipa::path(get, path = "/api/v1/kb", tag = "advice",
    params(
        ("q" = Option<String>, Query, description = "Words to find (every word must match; empty: every article), at most 500 characters", max_length = 500),
        ("lang" = Option<String>, Query, description = "da or en (default: the user's)", pattern = "^(da|en)$"),
        ("topic" = Option<String>, Query, description = "Only this topic (empty: all)", pattern = "^(approvals|data|applying|agreements|analysis|costs|time|companies)?$"),
    ),
    responses((status = 200, body = ArticleList), (status = 400, description = "A bad language or topic, or a query over 500 characters", body = crate::api::ErrorBody)))]
pub async fn kb_search(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    RawQuery(raw): RawQuery,
) -> Result<Json<ArticleList>, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let lang = lang_param(&pairs, lang)?;
    let found = kbs::search(
        &state,
        param(&pairs, "q").unwrap_or(""),
        param(&pairs, "topic"),
        lang,
    )?;
    Ok(Json(ArticleList {
        articles: found.iter().map(|a| summary(a, lang)).collect(),
    }))
}

/// One published article. Anyone may read.
#[utoipa::path(get, path = "/api/v1/kb/{id}", tag = "advice",
    params(("id" = String, Path, description = "Article id", pattern = "^[a-z0-9](-?[a-z0-9])*$", max_length = 80),
        ("lang" = Option<String>, Query, description = "da or en (default: the user's)", pattern = "^(da|en)$")),
    responses((status = 200, body = ArticleBody), (status = 400, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn kb_article(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ArticleBody>, ApiError> {
    let pairs = query_pairs(raw.as_deref())?;
    let lang = lang_param(&pairs, lang)?;
    let a = kbs::article(&state, &id)?;
    Ok(Json(ArticleBody {
        id: a.id.clone(),
        lang: lang.code().to_owned(),
        title: a.title.get(lang).to_owned(),
        summary: a.summary.get(lang).to_owned(),
        body: a.body.get(lang).to_owned(),
        body_html: ork_catalog::markdown::render(a.body.get(lang)),
        topic: a.topic,
        owner: a.owner,
        version: a.version,
        updated: a.updated,
        sources: a.sources,
        steps: a.steps,
        datasets: a.datasets,
        fields: a.fields,
    }))
}

/// "This answered my question": counts the article in the report's deflections. Anyone
/// may; at most 30 an hour from one address.
#[utoipa::path(post, path = "/api/v1/kb/{id}/helpful", tag = "advice",
    params(("id" = String, Path, description = "Article id", pattern = "^[a-z0-9](-?[a-z0-9])*$", max_length = 80)),
    responses((status = 204, description = "Counted"), (status = 404, body = crate::api::ErrorBody),
        (status = 429, description = "Too many from this address", body = crate::api::ErrorBody)))]
pub async fn kb_helpful(
    State(state): State<AppState>,
    client: ClientAddr,
    user: Option<ApiUser>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    kbs::helpful(&state, user.as_ref().map(|u| &u.0), &client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A draft article.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DraftBody {
    pub id: String,
    #[schema(pattern = "^(draft|published|rejected)$")]
    pub state: String,
    pub owner: String,
    pub topic: String,
    pub title_da: String,
    pub title_en: String,
    pub summary_da: String,
    pub summary_en: String,
    pub body_da: String,
    pub body_en: String,
    pub from_question: Option<String>,
    pub created_at: String,
    pub reviewed_at: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct DraftList {
    pub drafts: Vec<DraftBody>,
}

pub(crate) fn draft_body(a: &StoredArticle) -> DraftBody {
    DraftBody {
        id: a.id.clone(),
        state: a.state.clone(),
        owner: a.owner.clone(),
        topic: a.topic.clone(),
        title_da: a.title_da.clone(),
        title_en: a.title_en.clone(),
        summary_da: a.summary_da.clone(),
        summary_en: a.summary_en.clone(),
        body_da: a.body_da.clone(),
        body_en: a.body_en.clone(),
        from_question: a.from_question.clone(),
        created_at: iso(a.created_at),
        reviewed_at: a.reviewed_at.map(iso),
    }
}

/// A question to turn into an article.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDraftBody {
    #[schema(pattern = "^q-[a-z0-9]{12}$")]
    pub question: String,
}

/// Turns a question's answer into a knowledge-base article draft (an advisor who sees the
/// question, once it is answered). Another advisor reviews it before it is published.
#[utoipa::path(post, path = "/api/v1/kb/drafts", tag = "advice", security(("bearer" = []), ("session" = [])),
    request_body = NewDraftBody,
    responses((status = 201, body = DraftBody), (status = 400, description = "Not the JSON body described", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an advisor", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "No advisor has answered yet", body = crate::api::ErrorBody)))]
pub async fn draft(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(b): ApiJson<NewDraftBody>,
) -> Result<(StatusCode, Json<DraftBody>), ApiError> {
    let a = kbs::draft(&state, &p, &client, &b.question).await?;
    Ok((StatusCode::CREATED, Json(draft_body(&a))))
}

/// The articles written on the platform: drafts to review, published and rejected ones
/// (advisors).
#[utoipa::path(get, path = "/api/v1/kb/drafts", tag = "advice", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = DraftList), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn drafts(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<DraftList>, ApiError> {
    Ok(Json(DraftList {
        drafts: kbs::visible_drafts(&state, &p)
            .await?
            .iter()
            .map(draft_body)
            .collect(),
    }))
}

/// A draft's text.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftEdit {
    #[schema(pattern = "^(approvals|data|applying|agreements|analysis|costs|time|companies)$")]
    pub topic: String,
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f]*$")]
    pub title_da: String,
    #[schema(max_length = 200, pattern = "^[^\\x00-\\x1f]*$")]
    pub title_en: String,
    #[schema(max_length = 500, pattern = "^[^\\x00-\\x1f]*$")]
    pub summary_da: String,
    #[schema(max_length = 500, pattern = "^[^\\x00-\\x1f]*$")]
    pub summary_en: String,
    /// Markdown; HTML is refused (400).
    #[schema(max_length = 20000)]
    pub body_da: String,
    /// Markdown; HTML is refused (400).
    #[schema(max_length = 20000)]
    pub body_en: String,
}

/// Edits a draft (advisors).
#[utoipa::path(put, path = "/api/v1/kb/drafts/{id}", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Article id", pattern = "^[a-z0-9](-?[a-z0-9])*$", max_length = 80)),
    request_body = DraftEdit,
    responses((status = 200, body = DraftBody), (status = 400, description = "A bad topic, an over-long field, HTML in a body", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, description = "Not a draft any more", body = crate::api::ErrorBody)))]
pub async fn edit_draft(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DraftEdit>,
) -> Result<Json<DraftBody>, ApiError> {
    let a = kbs::edit(
        &state,
        &p,
        &client,
        &id,
        kbs::DraftText {
            topic: b.topic,
            title_da: b.title_da,
            title_en: b.title_en,
            summary_da: b.summary_da,
            summary_en: b.summary_en,
            body_da: b.body_da,
            body_en: b.body_en,
        },
    )
    .await?;
    Ok(Json(draft_body(&a)))
}

/// Publishes a draft: another advisor than its author, with every text written in both
/// languages. It is searchable at once.
#[utoipa::path(post, path = "/api/v1/kb/drafts/{id}/publish", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Article id", pattern = "^[a-z0-9](-?[a-z0-9])*$", max_length = 80)),
    responses((status = 200, body = DraftBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an advisor, or your own draft", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not a draft, or a text missing in a language", body = crate::api::ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DraftBody>, ApiError> {
    Ok(Json(draft_body(
        &kbs::review(&state, &p, &client, &id, true).await?,
    )))
}

/// Rejects a draft (another advisor than its author).
#[utoipa::path(post, path = "/api/v1/kb/drafts/{id}/reject", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Article id", pattern = "^[a-z0-9](-?[a-z0-9])*$", max_length = 80)),
    responses((status = 200, body = DraftBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Not a draft", body = crate::api::ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<DraftBody>, ApiError> {
    Ok(Json(draft_body(
        &kbs::review(&state, &p, &client, &id, false).await?,
    )))
}

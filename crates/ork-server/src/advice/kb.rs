//! The knowledge base: searching and reading published articles (anyone), turning an answer
//! into a draft, editing it, and publishing it after another advisor's review.

use super::service::{self, Standing, Viewer};
use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_advice::Article;
use ork_catalog::search::Match;
use ork_domain::Lang;
use ork_store::StoredArticle;

/// The longest article text per language, in characters.
pub const MAX_BODY: usize = 20_000;

/// Most articles a search returns.
pub const MAX_RESULTS: usize = 50;

/// Published articles matching `q` (all, by title, when it is empty), optionally of a topic.
pub fn search(
    state: &AppState,
    q: &str,
    topic: Option<&str>,
    lang: Lang,
) -> Result<Vec<Article>, ApiError> {
    if let Some(t) = topic
        && !ork_advice::TOPICS.contains(&t)
    {
        return Err(ApiError::invalid(
            "invalid_topic",
            &[("list", &ork_advice::TOPICS.join(", "))],
        ));
    }
    let live = state.advice.live();
    let of_topic = |a: &&Article| topic.is_none_or(|t| a.topic == t);
    if q.trim().is_empty() {
        let mut all: Vec<Article> = live.kb.articles.iter().filter(of_topic).cloned().collect();
        all.sort_by_key(|a| a.title.get(lang).to_lowercase());
        return Ok(all);
    }
    let ids = live
        .index
        .search(q, Match::All, MAX_RESULTS)
        .map_err(|e| match e {
            ork_catalog::search::SearchError::TooLong { max, .. } => {
                ApiError::invalid("query_too_long.kb", &[("max", &max)])
            }
            e => ApiError::from(anyhow::anyhow!("{e}")),
        })?;
    Ok(ids
        .iter()
        .filter_map(|id| live.kb.article(id))
        .filter(of_topic)
        .cloned()
        .collect())
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "article_not_found", &[])
}

pub fn article(state: &AppState, id: &str) -> Result<Article, ApiError> {
    state
        .advice
        .live()
        .kb
        .article(id)
        .cloned()
        .ok_or_else(not_found)
}

/// A readable id for a draft: the subject's words in a-z and 0-9, unique among the shipped
/// and the platform's articles.
async fn new_article_id(state: &AppState, subject: &str) -> Result<String, ApiError> {
    let mut slug = String::new();
    for c in subject.to_lowercase().chars() {
        let piece = match c {
            'æ' => "ae".to_owned(),
            'ø' => "oe".to_owned(),
            'å' => "aa".to_owned(),
            'é' | 'è' | 'ê' => "e".to_owned(),
            'ü' => "u".to_owned(),
            'ö' => "o".to_owned(),
            'ä' => "a".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            _ => "-".to_owned(),
        };
        slug.push_str(&piece);
    }
    let mut slug: String = slug
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.len() > 60 {
        slug.truncate(60);
        slug = slug.trim_end_matches('-').to_owned();
    }
    if slug.is_empty() {
        slug = "answer".into();
    }
    if !taken(state, &slug).await? {
        return Ok(slug);
    }
    for n in 2..1000 {
        let id = format!("{slug}-{n}");
        if !taken(state, &id).await? {
            return Ok(id);
        }
    }
    Ok(crate::ids::new_id(&slug))
}

async fn taken(state: &AppState, id: &str) -> Result<bool, ApiError> {
    Ok(state.advice.live().kb.article(id).is_some()
        || state.store.stored_article(id).await?.is_some())
}

/// Turns a question's answers into a draft article, in the question's language (the other
/// language is left for the reviewer to write). Only an advisor who sees the question may,
/// and only once an advisor has answered.
pub async fn draft(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    question: &str,
) -> Result<StoredArticle, ApiError> {
    let (q, standing) = service::find(state, &Viewer::User(Box::new(p.clone())), question).await?;
    if !standing.is_advisor() {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "advisor_required", &[]));
    }
    let messages = state.store.question_messages(&q.id, 0, false).await?;
    let answers: Vec<&str> = messages
        .iter()
        .filter(|m| m.role == "first_level" || m.role == "second_level")
        .map(|m| m.body.as_str())
        .collect();
    if answers.is_empty() {
        return Err(ApiError::of(StatusCode::CONFLICT, "no_answer_yet", &[]));
    }
    let asked = messages
        .iter()
        .find(|m| m.role == "asker")
        .map_or("", |m| m.body.as_str());
    let lang = Lang::parse(&q.lang).unwrap_or_default();
    let (hq, ha) = match lang {
        Lang::Da => ("Spørgsmålet", "Svaret"),
        Lang::En => ("The question", "The answer"),
    };
    let body = format!("**{hq}.** {asked}\n\n**{ha}.** {}", answers.join("\n\n"));
    let summary: String = answers[0].chars().take(240).collect();
    let (da, en) = match lang {
        Lang::Da => ((q.subject.clone(), summary, body), Default::default()),
        Lang::En => (Default::default(), (q.subject.clone(), summary, body)),
    };
    let owner = match &standing {
        Standing::Expert(o) => o.clone(),
        _ => "platform".to_owned(),
    };
    let mut a = StoredArticle {
        id: new_article_id(state, &q.subject).await?,
        state: "draft".into(),
        owner,
        topic: q.topic.clone(),
        title_da: da.0,
        title_en: en.0,
        summary_da: da.1,
        summary_en: en.1,
        body_da: da.2,
        body_en: en.2,
        from_question: Some(q.id.clone()),
        version: 1,
        created_by: p.user.id,
        created_at: ork_store::now_unix(),
        reviewed_by: None,
        reviewed_at: None,
    };
    // Two drafts from one subject at once: the second takes the next free id.
    let src = p.audit_source(client, Some(a.owner.clone()));
    loop {
        let mut tx = state.store.write().await?;
        if tx.create_article_draft(&src, &a).await? {
            tx.commit().await?;
            break;
        }
        drop(tx);
        a.id = new_article_id(state, &q.subject).await?;
    }
    state
        .store
        .stored_article(&a.id)
        .await?
        .ok_or_else(not_found)
}

/// Whether the user advises anywhere (drafts are theirs to see and review).
pub async fn require_advisor(state: &AppState, p: &Principal) -> Result<(), ApiError> {
    let l = service::levels(state, p).await?;
    if l.first || !l.authorities.is_empty() {
        Ok(())
    } else {
        Err(ApiError::of(StatusCode::FORBIDDEN, "advisor_required", &[]))
    }
}

/// Whether an advisor may see and review an article written on the platform: the first
/// level every one; an authority's experts those their authority owns.
fn may_handle(l: &service::Levels, owner: &str) -> bool {
    l.first || l.authorities.iter().any(|a| a == owner)
}

/// The articles written on the platform that the advisor may see, newest first.
pub async fn visible_drafts(
    state: &AppState,
    p: &Principal,
) -> Result<Vec<StoredArticle>, ApiError> {
    require_advisor(state, p).await?;
    let l = service::levels(state, p).await?;
    Ok(state
        .store
        .stored_articles(None)
        .await?
        .into_iter()
        .filter(|a| may_handle(&l, &a.owner))
        .collect())
}

/// One article written on the platform, for an advisor who may handle it (404 otherwise).
pub async fn draft_for(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<StoredArticle, ApiError> {
    require_advisor(state, p).await?;
    let l = service::levels(state, p).await?;
    state
        .store
        .stored_article(id)
        .await?
        .filter(|a| may_handle(&l, &a.owner))
        .ok_or_else(not_found)
}

/// A draft's text as edited.
pub struct DraftText {
    pub topic: String,
    pub title_da: String,
    pub title_en: String,
    pub summary_da: String,
    pub summary_en: String,
    pub body_da: String,
    pub body_en: String,
}

fn check_draft(t: &DraftText) -> Result<(), ApiError> {
    if !ork_advice::TOPICS.contains(&t.topic.as_str()) {
        return Err(ApiError::invalid(
            "invalid_topic",
            &[("list", &ork_advice::TOPICS.join(", "))],
        ));
    }
    for (name, v, max) in [
        ("title_da", &t.title_da, 200),
        ("title_en", &t.title_en, 200),
        ("summary_da", &t.summary_da, 500),
        ("summary_en", &t.summary_en, 500),
    ] {
        if v.chars().count() > max || v.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                "invalid_draft_field",
                &[("field", &name), ("max", &max)],
            ));
        }
    }
    for (name, v) in [("body_da", &t.body_da), ("body_en", &t.body_en)] {
        if v.chars().count() > MAX_BODY || ork_catalog::markdown::check(v).is_err() {
            return Err(ApiError::invalid("invalid_draft_body", &[("field", &name)]));
        }
    }
    Ok(())
}

async fn find_draft(state: &AppState, id: &str) -> Result<StoredArticle, ApiError> {
    state.store.stored_article(id).await?.ok_or_else(not_found)
}

fn not_a_draft() -> ApiError {
    ApiError::of(StatusCode::CONFLICT, "not_a_draft.article", &[])
}

pub async fn edit(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    t: DraftText,
) -> Result<StoredArticle, ApiError> {
    check_draft(&t)?;
    let mut a = draft_for(state, p, id).await?;
    if a.state != "draft" {
        return Err(not_a_draft());
    }
    a.topic = t.topic;
    a.title_da = t.title_da.trim().to_owned();
    a.title_en = t.title_en.trim().to_owned();
    a.summary_da = t.summary_da.trim().to_owned();
    a.summary_en = t.summary_en.trim().to_owned();
    a.body_da = t.body_da.trim().to_owned();
    a.body_en = t.body_en.trim().to_owned();
    let mut tx = state.store.write().await?;
    if !tx
        .edit_article_draft(&p.audit_source(client, Some(a.owner.clone())), &a)
        .await?
    {
        return Err(not_a_draft());
    }
    tx.commit().await?;
    find_draft(state, id).await
}

/// Publishes (or rejects) a draft: another advisor than its author reviews it; a published
/// article is written in both languages. The knowledge base is rebuilt at once.
pub async fn review(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    publish: bool,
) -> Result<StoredArticle, ApiError> {
    let a = draft_for(state, p, id).await?;
    if a.state != "draft" {
        return Err(not_a_draft());
    }
    if a.created_by == p.user.id {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "own_draft", &[]));
    }
    if publish {
        let missing: Vec<&str> = [
            ("title_da", &a.title_da),
            ("title_en", &a.title_en),
            ("summary_da", &a.summary_da),
            ("summary_en", &a.summary_en),
            ("body_da", &a.body_da),
            ("body_en", &a.body_en),
        ]
        .iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            return Err(ApiError::of(
                StatusCode::CONFLICT,
                "draft_incomplete",
                &[("list", &missing.join(", "))],
            ));
        }
        // A draft made from a conversation holds what people wrote: no HTML goes out.
        for (name, v) in [("body_da", &a.body_da), ("body_en", &a.body_en)] {
            if ork_catalog::markdown::check(v).is_err() {
                return Err(ApiError::of(
                    StatusCode::CONFLICT,
                    "invalid_draft_body",
                    &[("field", &name)],
                ));
            }
        }
    }
    let mut tx = state.store.write().await?;
    if !tx
        .review_article(
            &p.audit_source(client, Some(a.owner.clone())),
            id,
            publish,
            p.user.id,
        )
        .await?
    {
        return Err(not_a_draft());
    }
    tx.commit().await?;
    if publish {
        state.advice.reload(&state.store).await?;
    }
    find_draft(state, id).await
}

/// "This answered my question": counted for the reports.
pub async fn helpful(
    state: &AppState,
    p: Option<&Principal>,
    client: &ClientAddr,
    id: &str,
) -> Result<(), ApiError> {
    article(state, id)?;
    let key = format!("kb-helpful:{}", client.0);
    if state
        .limiter
        .check(&key, 30, std::time::Duration::from_secs(3600))
        .is_err()
    {
        return Err(ApiError::of(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &[],
        ));
    }
    state.limiter.record(&key);
    let src = match p {
        Some(p) => p.audit_source(client, None),
        None => ork_store::AuditSource {
            actor: None,
            org: None,
            source: client.0.clone(),
        },
    };
    let mut tx = state.store.write().await?;
    tx.record_deflection(&src, id, p.map(|p| p.user.id)).await?;
    tx.commit().await?;
    Ok(())
}

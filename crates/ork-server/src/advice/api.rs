//! The advice desk in the API: the knowledge base (anonymous read), questions and their
//! conversations, referral, live events, drafts and the report.

use super::events::{self, Item};
use super::service::{self, Ask, Asker, Context, Standing, Viewer};
use crate::api::{ApiJson, UserLang, query_pairs};
use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::dates::iso;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Response};
use ork_domain::Lang;
use ork_store::{Question, QuestionMessage};
use std::collections::HashMap;

/// Context attached to a question with the asker's consent.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ContextBody {
    /// The portal page the question was asked from (a path on this site).
    #[serde(default)]
    #[schema(pattern = "^/[^/]", max_length = 500)]
    pub page: Option<String>,
    /// Dataset ids from the catalog (the basket), at most 50; unknown ones are refused (404).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub basket: Option<Vec<String>>,
    /// An application of yours (404 when you cannot see it).
    #[serde(default)]
    #[schema(pattern = "^app-[a-z0-9]{12}$")]
    pub application: Option<String>,
}

/// A JSON object read as `T` (serde would also take an array for a struct), or null.
fn object_or_null<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        v @ serde_json::Value::Object(_) => serde_json::from_value(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("context must be an object")),
    }
}

/// A question to ask.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestionBody {
    /// One line, at most 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub subject: String,
    /// The question, at most 10,000 characters.
    #[schema(min_length = 1, max_length = 10000, pattern = "\\S")]
    pub text: String,
    #[serde(default, deserialize_with = "object_or_null")]
    pub context: Option<ContextBody>,
    /// What it is about (default: the topic of the best-matching article).
    #[serde(default)]
    #[schema(pattern = "^(approvals|data|applying|agreements|analysis|costs|time|companies)$")]
    pub topic: Option<String>,
    /// Upload ids (`POST /api/v1/uploads`), at most 5; signed-in askers only.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub attachments: Option<Vec<String>>,
    /// A guest's e-mail address (without signing in): the question is routed once the link
    /// sent to it is followed. Ignored when signed in.
    #[serde(default)]
    #[schema(max_length = 254)]
    pub email: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub id: String,
    pub title: String,
}

/// The question as asked.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Asked {
    pub id: String,
    /// `open` (with the first level), or `unconfirmed` for a guest until the link is followed.
    pub state: String,
    /// `first_level` or the authority's organisation id.
    pub holder: String,
    /// Matching knowledge-base articles.
    pub suggestions: Vec<Suggestion>,
}

fn suggestions_of(state: &AppState, ids: &[String], lang: Lang) -> Vec<Suggestion> {
    let live = state.advice.live();
    ids.iter()
        .filter_map(|id| live.kb.article(id))
        .map(|a| Suggestion {
            id: a.id.clone(),
            title: a.title.get(lang).to_owned(),
        })
        .collect()
}

/// Asks the advice desk. Signed in: the question goes to the first level at once (to your
/// organisation's contact person, if it has one). A guest gives `email` and follows the
/// link sent there before the question is routed (at most 3 a day per address).
#[utoipa::path(post, path = "/api/v1/questions", tag = "advice", security((), ("bearer" = []), ("session" = [])),
    request_body = NewQuestionBody,
    responses((status = 201, body = Asked),
        (status = 400, description = "Empty or over-long subject or text, a bad page, topic, e-mail or attachment list", body = crate::api::ErrorBody),
        (status = 401, description = "Neither signed in nor a guest's e-mail", body = crate::api::ErrorBody),
        (status = 403, description = "A guest cannot attach files or applications", body = crate::api::ErrorBody),
        (status = 404, description = "An unknown dataset, application or upload in the context", body = crate::api::ErrorBody),
        (status = 409, description = "Guests' questions need e-mail, which this platform has not configured", body = crate::api::ErrorBody),
        (status = 429, description = "Too many questions from this guest", body = crate::api::ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    client: ClientAddr,
    user: Option<ApiUser>,
    ApiJson(b): ApiJson<NewQuestionBody>,
) -> Result<(StatusCode, Json<Asked>), ApiError> {
    if b.email.as_ref().is_some_and(|e| e.chars().count() > 254) {
        return Err(ApiError::invalid("invalid_email", &[]));
    }
    let ctx = b.context.unwrap_or_default();
    let ask = Ask {
        subject: b.subject,
        text: b.text,
        topic: b.topic,
        context: Context {
            page: ctx.page,
            basket: ctx.basket.unwrap_or_default(),
            application: ctx.application,
        },
        attachments: b.attachments.unwrap_or_default(),
    };
    let (q, suggested) = match (&user, b.email) {
        (Some(u), _) => service::ask(&state, Asker::User(&u.0), &client, ask).await?,
        (None, Some(e)) => {
            let email = ork_domain::Email::parse(&e)
                .map_err(|_| ApiError::invalid("invalid_email", &[]))?;
            service::guest_limit(&state, &client)?;
            service::ask(&state, Asker::Guest { email, lang }, &client, ask).await?
        }
        (None, None) => return Err(ApiError::for_status(StatusCode::UNAUTHORIZED)),
    };
    let lang = user.as_ref().map_or(lang, |u| u.0.user.lang);
    Ok((
        StatusCode::CREATED,
        Json(Asked {
            suggestions: suggestions_of(&state, &suggested, lang),
            id: q.id,
            state: q.state,
            holder: q.holder,
        }),
    ))
}

/// A question in a list.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuestionSummary {
    pub id: String,
    pub subject: String,
    pub topic: String,
    #[schema(pattern = "^(unconfirmed|open|referred|answered|closed)$")]
    pub state: String,
    pub holder: String,
    /// The advisor who has it (advisors see this).
    pub assignee: Option<String>,
    pub created_at: String,
    pub last_at: String,
    /// Hours waiting for a first answer, and whether that passes the service level (48 h).
    pub waiting_hours: Option<i64>,
    pub overdue: bool,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuestionList {
    pub questions: Vec<QuestionSummary>,
}

fn summary_of(
    q: &Question,
    names: &HashMap<i64, String>,
    advisor: bool,
    now: i64,
) -> QuestionSummary {
    let clock = service::clock(q, now);
    QuestionSummary {
        id: q.id.clone(),
        subject: q.subject.clone(),
        topic: q.topic.clone(),
        state: q.state.clone(),
        holder: q.holder.clone(),
        assignee: if advisor {
            q.assignee.and_then(|a| names.get(&a).cloned())
        } else {
            None
        },
        created_at: iso(q.created_at),
        last_at: iso(q.last_at),
        waiting_hours: clock.map(|c| c.0),
        overdue: clock.is_some_and(|c| c.1),
    }
}

/// Your questions; for an advisor at the platform also the first-level queue, and for an
/// authority's expert the questions referred to that authority. Latest activity first.
#[utoipa::path(get, path = "/api/v1/questions", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(
        ("state" = Option<String>, Query, description = "Only this state (empty: all)", pattern = "^(unconfirmed|open|referred|answered|closed)?$"),
        ("topic" = Option<String>, Query, description = "Only this topic (empty: all)", pattern = "^(approvals|data|applying|agreements|analysis|costs|time|companies)?$"),
        ("assigned" = Option<String>, Query, description = "me, none or any (default, also when empty)", pattern = "^(me|none|any)?$"),
    ),
    responses((status = 200, body = QuestionList), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<QuestionList>, ApiError> {
    let f = service::filter_of(&query_pairs(raw.as_deref())?)?;
    let qs = service::listed(&state, &p, &f).await?;
    let names = service::names(&state, qs.iter().filter_map(|q| q.assignee).collect()).await?;
    let l = service::levels(&state, &p).await?;
    let advisor = l.first || !l.authorities.is_empty();
    let now = ork_store::now_unix();
    Ok(Json(QuestionList {
        questions: qs
            .iter()
            .map(|q| summary_of(q, &names, advisor && q.asker_user != Some(p.user.id), now))
            .collect(),
    }))
}

/// One line of a conversation.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuestionLine {
    pub id: i64,
    /// Who wrote it: a name, "guest", or the platform for its own lines.
    pub author: String,
    /// `asker`, `first_level`, `second_level` or `system`.
    #[schema(pattern = "^(asker|first_level|second_level|system)$")]
    pub role: String,
    /// For `system` lines: `referred` or `closed`; otherwise what was written.
    pub text: String,
    pub at: String,
    /// For a referral: the authority it went to; for an advisor's line: their organisation.
    pub organisation: Option<String>,
    /// Advisors' notes to each other (a referral's note); never shown to the asker.
    pub internal: bool,
    pub attachments: Vec<AttachmentBody>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AttachmentBody {
    pub id: String,
    /// Where to download it.
    pub href: String,
}

/// The context an asker attached.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContextView {
    pub page: Option<String>,
    pub basket: Vec<String>,
    pub application: Option<String>,
}

/// A question with its conversation.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct QuestionBody {
    pub id: String,
    pub subject: String,
    pub topic: String,
    #[schema(pattern = "^(unconfirmed|open|referred|answered|closed)$")]
    pub state: String,
    /// `first_level` or the authority's organisation id.
    pub holder: String,
    /// Your standing: `asker`, `first_level` or `second_level`.
    pub you: String,
    pub assignee: Option<String>,
    /// The asker's organisation (advisors see it).
    pub asker_organisation: Option<String>,
    pub context: ContextView,
    /// The articles suggested before it was sent.
    pub suggestions: Vec<Suggestion>,
    /// For the first level: the authorities the routing rules propose, best first.
    pub proposed_authorities: Vec<String>,
    pub messages: Vec<QuestionLine>,
}

/// A line as the API shows it; `name` is its author's.
pub(crate) fn message_body(
    question: &str,
    m: &QuestionMessage,
    name: Option<&str>,
) -> QuestionLine {
    let author = match (m.role.as_str(), m.author_user, name) {
        ("system", _, _) => "Dataorkestrator".to_owned(),
        (_, Some(_), Some(n)) => n.to_owned(),
        (_, Some(_), None) => String::new(),
        (_, None, _) => "guest".to_owned(),
    };
    QuestionLine {
        id: m.id,
        author,
        role: m.role.clone(),
        text: m.body.clone(),
        at: iso(m.at),
        organisation: if m.role == "asker" {
            None
        } else {
            m.author_org.clone()
        },
        internal: m.internal,
        attachments: m
            .attachments
            .iter()
            .map(|a| AttachmentBody {
                id: a.clone(),
                href: format!("/api/v1/questions/{question}/attachments/{a}"),
            })
            .collect(),
    }
}

pub(crate) async fn question_body(
    state: &AppState,
    q: &Question,
    standing: &Standing,
    lang: Lang,
) -> Result<QuestionBody, ApiError> {
    let messages = state
        .store
        .question_messages(&q.id, 0, standing.is_advisor())
        .await?;
    let ids: Vec<i64> = messages
        .iter()
        .filter_map(|m| m.author_user)
        .chain(q.assignee)
        .collect();
    let names = service::names(state, ids).await?;
    let out = messages
        .iter()
        .map(|m| {
            message_body(
                &q.id,
                m,
                m.author_user
                    .and_then(|u| names.get(&u))
                    .map(String::as_str),
            )
        })
        .collect();
    let advisor = standing.is_advisor();
    Ok(QuestionBody {
        id: q.id.clone(),
        subject: q.subject.clone(),
        topic: q.topic.clone(),
        state: q.state.clone(),
        holder: q.holder.clone(),
        you: standing.role().to_owned(),
        assignee: q.assignee.and_then(|a| names.get(&a).cloned()),
        asker_organisation: if advisor { q.asker_org.clone() } else { None },
        context: ContextView {
            page: q.context_page.clone(),
            basket: q.context_basket.clone(),
            application: q.context_application.clone(),
        },
        suggestions: suggestions_of(state, &q.suggested, lang),
        proposed_authorities: if *standing == Standing::FirstLevel {
            service::proposals(state, q).await?
        } else {
            Vec::new()
        },
        messages: out,
    })
}

fn viewer(p: Principal) -> Viewer {
    Viewer::User(Box::new(p))
}

/// A question with its conversation: the asker's, an advisor's at the platform, or an
/// expert's of an authority it was referred to (404 for anyone else).
#[utoipa::path(get, path = "/api/v1/questions/{id}", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    responses((status = 200, body = QuestionBody), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<QuestionBody>, ApiError> {
    let lang = p.user.lang;
    let (q, standing) = service::find(&state, &viewer(p), &id).await?;
    Ok(Json(question_body(&state, &q, &standing, lang).await?))
}

/// A line to write.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageBody {
    #[schema(min_length = 1, max_length = 10000, pattern = "\\S")]
    pub text: String,
    /// Upload ids of yours, at most 5.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub attachments: Option<Vec<String>>,
}

/// Writes in the conversation: the asker; an advisor at the platform; an authority's
/// expert while the authority holds it. An advisor's line answers it (the asker is told);
/// the asker's reopens it with whoever holds it.
#[utoipa::path(post, path = "/api/v1/questions/{id}/messages", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    request_body = NewMessageBody,
    responses((status = 201, body = QuestionLine),
        (status = 400, description = "Empty or over 10,000 characters, or over 5 attachments", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Referred elsewhere: not your authority's to answer now", body = crate::api::ErrorBody),
        (status = 404, description = "No such question (for you), or an attachment not yours", body = crate::api::ErrorBody),
        (status = 409, description = "Closed, not yet confirmed, or changed meanwhile", body = crate::api::ErrorBody)))]
pub async fn write(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewMessageBody>,
) -> Result<(StatusCode, Json<QuestionLine>), ApiError> {
    let v = viewer(p);
    let (q, msg) = service::write(
        &state,
        &v,
        &client,
        &id,
        &b.text,
        &b.attachments.unwrap_or_default(),
    )
    .await?;
    let m = state
        .store
        .question_messages(&q.id, msg - 1, true)
        .await?
        .into_iter()
        .find(|m| m.id == msg)
        .ok_or_else(service::not_found)?;
    let names = service::names(&state, m.author_user.into_iter().collect()).await?;
    let name = m
        .author_user
        .and_then(|u| names.get(&u))
        .map(String::as_str);
    Ok((StatusCode::CREATED, Json(message_body(&q.id, &m, name))))
}

/// A referral.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferBody {
    /// The authority's organisation id.
    #[schema(pattern = "^[a-z](-?[a-z0-9])+$", max_length = 40)]
    pub authority: String,
    /// To the experts only, at most 2,000 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub note: Option<String>,
}

/// Refers the question to an authority's experts (first-level advisors only). The asker
/// sees where it went and keeps the same conversation.
#[utoipa::path(post, path = "/api/v1/questions/{id}/refer", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    request_body = ReferBody,
    responses((status = 200, body = QuestionBody),
        (status = 400, description = "A bad note", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a first-level advisor", body = crate::api::ErrorBody),
        (status = 404, description = "No such question, or no such authority", body = crate::api::ErrorBody),
        (status = 409, description = "Closed, referred already, or the authority has no experts", body = crate::api::ErrorBody)))]
pub async fn refer(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReferBody>,
) -> Result<Json<QuestionBody>, ApiError> {
    let lang = p.user.lang;
    let q = service::refer(&state, &p, &client, &id, &b.authority, b.note.as_deref()).await?;
    Ok(Json(
        question_body(&state, &q, &Standing::FirstLevel, lang).await?,
    ))
}

/// Closes the question (the asker, or an advisor of the level that holds it).
#[utoipa::path(post, path = "/api/v1/questions/{id}/close", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    responses((status = 200, body = QuestionBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Referred elsewhere", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody),
        (status = 409, description = "Closed already", body = crate::api::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<QuestionBody>, ApiError> {
    let lang = p.user.lang;
    let v = viewer(p);
    service::close(&state, &v, &client, &id).await?;
    let (q, standing) = service::find(&state, &v, &id).await?;
    Ok(Json(question_body(&state, &q, &standing, lang).await?))
}

/// An assignment.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionAssign {
    /// The advisor's e-mail (an advisor of the level that holds it), or null for no one.
    #[schema(max_length = 254)]
    pub advisor: Option<String>,
}

/// Gives the question to an advisor of the level that holds it, or to no one.
#[utoipa::path(post, path = "/api/v1/questions/{id}/assign", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    request_body = QuestionAssign,
    responses((status = 200, body = QuestionBody), (status = 400, description = "Not the JSON body described", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not an advisor of the level that holds it", body = crate::api::ErrorBody),
        (status = 404, description = "No such question, or no such advisor there", body = crate::api::ErrorBody),
        (status = 409, description = "Closed", body = crate::api::ErrorBody)))]
pub async fn assign(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<QuestionAssign>,
) -> Result<Json<QuestionBody>, ApiError> {
    let lang = p.user.lang;
    let q = service::assign(&state, &p, &client, &id, b.advisor.as_deref()).await?;
    let (_, standing) = service::find(&state, &viewer(p), &q.id).await?;
    Ok(Json(question_body(&state, &q, &standing, lang).await?))
}

/// The conversation live, as server-sent events: `message` events (a message as JSON, its
/// id the event's id, so `Last-Event-ID` resumes) and `state` events (`{"state",
/// "holder"}`). The stream ends when the question is closed, or after ten minutes (clients
/// reconnect).
#[utoipa::path(get, path = "/api/v1/questions/{id}/events", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$")),
    responses((status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
        (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn stream(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (q, standing) = service::find(&state, &viewer(p), &id).await?;
    let after = events::last_event_id(&headers);
    let qid = q.id.clone();
    let render = move |item: &Item| match item {
        Item::Message(m, name) => Event::default()
            .event("message")
            .id(m.id.to_string())
            .json_data(message_body(&qid, m, name.as_deref()))
            .unwrap_or_default(),
        Item::State(q) => Event::default()
            .event("state")
            .json_data(serde_json::json!({"state": q.state, "holder": q.holder}))
            .unwrap_or_default(),
    };
    Ok(events::stream(state, &q, &standing, after, render).into_response())
}

/// An attachment of a line in the conversation, for whoever may see the question.
#[utoipa::path(get, path = "/api/v1/questions/{id}/attachments/{upload}", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Question id", pattern = "^q-[a-z0-9]{12}$"),
        ("upload" = String, Path, description = "Upload id", pattern = "^upl-[a-z0-9]{12}$")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, upload)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(download(
        service::attachment(&state, &viewer(p), &id, &upload).await?,
    ))
}

/// A file as a download.
pub(crate) fn download((name, media, bytes): (String, String, Vec<u8>)) -> Response {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The advice desk's report over a period: questions per topic and per authority, hours to
/// first answer and to resolution, the share resolved at the first level, and the articles
/// that deflected questions (advisors and operators).
#[utoipa::path(get, path = "/api/v1/advice/report", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (default, also when empty: 29 days before `to`)", pattern = "^(\\d{4}-\\d{2}-\\d{2})?$"),
        ("to" = Option<String>, Query, description = "Last day, YYYY-MM-DD (default, also when empty: today)", pattern = "^(\\d{4}-\\d{2}-\\d{2})?$")),
    responses((status = 200, body = super::report::AdviceReport),
        (status = 400, description = "A bad date, or `from` after `to`, or over ten years", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn report(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    RawQuery(raw): RawQuery,
) -> Result<Json<super::report::AdviceReport>, ApiError> {
    Ok(Json(super::report_of(&state, &p, raw.as_deref()).await?))
}

/// A contact person to set.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    /// A first-level advisor's e-mail, or null to remove the contact person.
    #[schema(max_length = 254)]
    pub advisor: Option<String>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactView {
    pub organisation: String,
    pub advisor: String,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ContactList {
    pub contacts: Vec<ContactView>,
}

/// Every organisation's named contact person (first-level advisors).
#[utoipa::path(get, path = "/api/v1/advice/contacts", tag = "advice", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = ContactList), (status = 401, body = crate::api::ErrorBody), (status = 403, body = crate::api::ErrorBody)))]
pub async fn contacts(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<ContactList>, ApiError> {
    Ok(Json(ContactList {
        contacts: super::contacts(&state, &p).await?,
    }))
}

/// Sets an applicant organisation's contact person: its people's new questions go to them
/// (first-level advisors).
#[utoipa::path(put, path = "/api/v1/advice/contacts/{org}", tag = "advice", security(("bearer" = []), ("session" = [])),
    params(("org" = String, Path, description = "Organisation id", pattern = "^[a-z](-?[a-z0-9])+$", max_length = 40)),
    request_body = ContactBody,
    responses((status = 200, body = ContactList), (status = 400, description = "Not the JSON body described", body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not a first-level advisor", body = crate::api::ErrorBody),
        (status = 404, description = "No such organisation or advisor", body = crate::api::ErrorBody)))]
pub async fn set_contact(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(org): Path<String>,
    ApiJson(b): ApiJson<ContactBody>,
) -> Result<Json<ContactList>, ApiError> {
    super::set_contact(&state, &p, &client, &org, b.advisor.as_deref()).await?;
    Ok(Json(ContactList {
        contacts: super::contacts(&state, &p).await?,
    }))
}

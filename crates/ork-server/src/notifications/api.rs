//! Notifications and webhooks in the API: your notifications and marking them read; an
//! organisation's webhook subscriptions (created with a secret shown once), turning one
//! off, and each message with every delivery attempt.

use super::service::{self, WebhookView};
use crate::api::{ApiJson, UserLang};
use crate::auth::{ApiUser, ClientAddr};
use crate::dates::iso;
use crate::i18n::text;
use crate::{ApiError, AppState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ork_store::{Notification, WebhookMessage};

/// A notification.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct NotificationBody {
    pub id: i64,
    /// What happened: one of the webhook events (`part.decided`, `permit.issued`…),
    /// `agreement.to_sign` (an agreement waits for your signature for a party), or the
    /// advice desk's `question.answered`, `question.message`, `question.referred`,
    /// `question.referred_asker`, `question.assigned`.
    pub kind: String,
    /// The same in words, in your language.
    pub text: String,
    pub application: Option<String>,
    pub part: Option<String>,
    /// The advice desk's question it tells of (`question.*` kinds).
    pub question: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub read: bool,
    /// The e-mail copy: `none` (not sent by e-mail), `pending`, `sent` or `failed`.
    #[schema(pattern = "^(none|pending|sent|failed)$")]
    pub email: String,
}

/// Your notifications, newest first (at most 200).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    pub notifications: Vec<NotificationBody>,
}

/// Marks your notifications up to and including this id read.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    #[schema(minimum = 1)]
    #[serde(deserialize_with = "crate::api::whole_number")]
    pub up_to: i64,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

pub(crate) fn notification_body(n: &Notification, lang: ork_domain::Lang) -> NotificationBody {
    NotificationBody {
        id: n.id,
        kind: n.kind.clone(),
        text: text(lang, &format!("notifications.kind.{}", n.kind)).to_owned(),
        application: n.application_id.clone(),
        part: n.part_id.clone(),
        question: n.question_id.clone(),
        created_at: iso(n.created_at),
        read: n.read_at.is_some(),
        email: n.email_state.clone(),
    }
}

/// Your notifications: decisions, messages and permits on your applications; for a case
/// handler, messages and answers on the parts you have taken.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = NotificationList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    UserLang(lang): UserLang,
    ApiUser(p): ApiUser,
) -> Result<Json<NotificationList>, ApiError> {
    let notes = state.store.notifications_of(p.user.id, 200).await?;
    Ok(Json(NotificationList {
        unread: state.store.unread_notifications(p.user.id).await?,
        notifications: notes.iter().map(|n| notification_body(n, lang)).collect(),
    }))
}

/// Marks your notifications up to `up_to` read.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = []), ("session" = [])),
    request_body = MarkRead,
    responses((status = 200, body = Marked), (status = 400, body = crate::api::ErrorBody), (status = 401, body = crate::api::ErrorBody)))]
pub async fn mark_read(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(b): ApiJson<MarkRead>,
) -> Result<Json<Marked>, ApiError> {
    if b.up_to < 1 {
        return Err(ApiError::invalid("invalid_up_to", &[]));
    }
    let marked = service::mark_read(&state, &p, &client, b.up_to).await?;
    Ok(Json(Marked { marked }))
}

/// A webhook subscription to create.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// The organisation whose events to receive: an authority (you are its case handler)
    /// for part events, an applicant organisation (you are its applicant) for decisions
    /// and permits; an operator may subscribe for any (403 otherwise).
    #[schema(pattern = "^[a-z](-?[a-z0-9])+$", max_length = 40)]
    pub organisation: String,
    /// Where to POST: an absolute `https://` address without user name, password or `#`
    /// (plain `http://` and this machine only where the operator allows it); an address the
    /// platform may not send to is refused with 403. At most 2,000 characters.
    #[schema(max_length = 2000, pattern = "^https?://[^\\s]+$")]
    pub url: String,
    /// One or more events (`part.opened`, `part.answered`, `part.withdrawn`,
    /// `part.message_from_applicant` for an authority; `part.decided`,
    /// `part.message_from_authority`, `permit.issued`, `permit.revoked` for an applicant).
    #[schema(min_items = 1, max_items = 8, value_type = Vec<EventName>)]
    pub events: Vec<String>,
}

/// An event a webhook can subscribe to.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum EventName {
    #[serde(rename = "part.opened")]
    PartOpened,
    #[serde(rename = "part.answered")]
    PartAnswered,
    #[serde(rename = "part.withdrawn")]
    PartWithdrawn,
    #[serde(rename = "part.message_from_applicant")]
    PartMessageFromApplicant,
    #[serde(rename = "part.decided")]
    PartDecided,
    #[serde(rename = "part.message_from_authority")]
    PartMessageFromAuthority,
    #[serde(rename = "permit.issued")]
    PermitIssued,
    #[serde(rename = "permit.revoked")]
    PermitRevoked,
}

/// A webhook subscription.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookBody {
    /// `whk-` and 12 letters and digits.
    pub id: String,
    pub organisation: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// A new webhook subscription with its signing secret, shown only now: keep it to verify
/// each message's `webhook-signature` (Standard Webhooks, HMAC-SHA256).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreatedWebhook {
    pub id: String,
    pub organisation: String,
    pub url: String,
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: String,
    /// `whsec_` and the base64 key.
    pub secret: String,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookBody>,
}

/// One delivery attempt.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct AttemptBody {
    pub at: String,
    /// The receiver's HTTP status; absent when there was no response.
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// One message: the event, the exact JSON sent, where it stands, every attempt.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MessageBody {
    /// The `webhook-id` header, the same on every retry.
    pub id: String,
    pub event: String,
    /// The body as sent (the signature covers these exact bytes).
    pub payload: String,
    #[schema(pattern = "^(pending|delivered|failed)$")]
    pub state: String,
    pub created_at: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    pub attempts: Vec<AttemptBody>,
}

#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct MessageList {
    pub messages: Vec<MessageBody>,
}

pub(crate) fn webhook_body(w: &WebhookView) -> WebhookBody {
    WebhookBody {
        id: w.id.clone(),
        organisation: w.org_id.clone(),
        url: w.url.clone(),
        events: w.events.clone(),
        active: w.active,
        created_at: iso(w.created_at),
    }
}

pub(crate) async fn message_body(
    state: &AppState,
    m: &WebhookMessage,
) -> Result<MessageBody, ApiError> {
    let attempts = state
        .store
        .webhook_attempts(&m.id)
        .await?
        .into_iter()
        .map(|a| AttemptBody {
            at: iso(a.at),
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
        })
        .collect();
    Ok(MessageBody {
        id: m.id.clone(),
        event: m.event.clone(),
        payload: m.payload.clone(),
        state: m.state.clone(),
        created_at: iso(m.created_at),
        next_attempt_at: m.next_at.filter(|_| m.state == "pending").map(iso),
        delivered_at: m.delivered_at.map(iso),
        attempts,
    })
}

/// Subscribes an organisation's system to events. The answer holds the signing secret,
/// shown only this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "notifications", security(("bearer" = []), ("session" = [])),
    request_body = NewWebhookBody,
    responses((status = 201, body = CreatedWebhook),
        (status = 400, description = "An unknown event, or no events", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "Not the organisation's case handler (its parts' events) or applicant (its applications' events), nor an operator; or an address the platform may not send to", body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    ApiJson(b): ApiJson<NewWebhookBody>,
) -> Result<(StatusCode, Json<CreatedWebhook>), ApiError> {
    let (w, secret) =
        service::create_webhook(&state, &p, &client, &b.organisation, &b.url, &b.events).await?;
    let body = webhook_body(&w);
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            id: body.id,
            organisation: body.organisation,
            url: body.url,
            events: body.events,
            active: body.active,
            created_at: body.created_at,
            secret,
        }),
    ))
}

/// The webhooks of your organisations (an operator: every organisation's).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "notifications", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = WebhookList), (status = 401, body = crate::api::ErrorBody)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
) -> Result<Json<WebhookList>, ApiError> {
    Ok(Json(WebhookList {
        webhooks: service::visible_webhooks(&state, &p)
            .await?
            .iter()
            .map(webhook_body)
            .collect(),
    }))
}

/// Turns a webhook off: nothing more is sent to it, and what waits is given up.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "notifications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = WebhookBody), (status = 401, body = crate::api::ErrorBody),
        (status = 403, description = "May see the webhook but not change it", body = crate::api::ErrorBody),
        (status = 404, body = crate::api::ErrorBody), (status = 409, description = "Off already", body = crate::api::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<WebhookBody>, ApiError> {
    let w = service::deactivate(&state, &p, &client, &id).await?;
    Ok(Json(webhook_body(&w)))
}

/// A webhook's messages, newest first (at most 100), each with every delivery attempt.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/messages", tag = "notifications", security(("bearer" = []), ("session" = [])),
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 200, body = MessageList), (status = 401, body = crate::api::ErrorBody), (status = 404, body = crate::api::ErrorBody)))]
pub async fn messages(
    State(state): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MessageList>, ApiError> {
    let w = service::find_webhook(&state, &p, &id).await?;
    let mut out = Vec::new();
    for m in state.store.webhook_messages(Some(&w.id), 100).await? {
        out.push(message_body(&state, &m).await?);
    }
    Ok(Json(MessageList { messages: out }))
}

//! The portal's notifications page (what happened on your applications and cases, newest
//! first, with "mark all read") and the operator's view of webhook deliveries: every
//! subscription, its recent messages and each attempt.

use super::service;
use crate::auth::{ClientAddr, WebUser};
use crate::dates::iso;
use crate::i18n::text;
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use ork_domain::Role;
use std::collections::BTreeMap;

/// One notification as the page shows it.
pub struct NoteRow {
    pub text: String,
    /// The approval it is about (a part's notice), in words.
    pub step: String,
    pub href: String,
    pub title: String,
    pub at: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotesPage {
    c: Chrome,
    rows: Vec<NoteRow>,
    unread: i64,
    /// The newest notification's id (what "mark all read" marks up to).
    newest: i64,
}

/// GET /notifications
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let notes = state.store.notifications_of(p.user.id, 200).await?;
    // Many notices are about the same application and part: each is read once.
    let mut titles: BTreeMap<String, String> = BTreeMap::new();
    let mut steps: BTreeMap<String, String> = BTreeMap::new();
    let mut rows = Vec::new();
    for n in &notes {
        let (href, title) = match &n.application_id {
            Some(a) => {
                if !titles.contains_key(a) {
                    let t = state.store.application(a).await?.map(|a| a.title);
                    titles.insert(a.clone(), t.unwrap_or_default());
                }
                let title = titles[a].clone();
                // A handler's notice leads to the part; the applicant's to the application.
                let href = match (&n.part_id, n.kind.as_str()) {
                    (_, "agreement.to_sign") => String::from("/agreements"),
                    (Some(part), "part.message_from_applicant" | "part.answered") => {
                        format!("/cases/{part}")
                    }
                    (Some(part), _) => format!("/applications/{a}#thread-{part}"),
                    (None, _) => format!("/applications/{a}"),
                };
                (href, title)
            }
            None => match &n.question_id {
                Some(q) => {
                    if !titles.contains_key(q) {
                        let t = state.store.question(q).await?.map(|q| q.subject);
                        titles.insert(q.clone(), t.unwrap_or_default());
                    }
                    (format!("/questions/{q}"), titles[q].clone())
                }
                None => (String::from("/applications"), String::new()),
            },
        };
        let step = match &n.part_id {
            Some(id) => {
                if !steps.contains_key(id) {
                    let label = state.store.part(id).await?.map(|part| {
                        crate::roadmap::view::step_label(
                            &state.catalog.catalog,
                            &state.rules.book,
                            &part.step,
                            lang,
                        )
                    });
                    steps.insert(id.clone(), label.unwrap_or_default());
                }
                steps[id].clone()
            }
            None => String::new(),
        };
        rows.push(NoteRow {
            step,
            text: text(lang, &format!("notifications.kind.{}", n.kind)).to_owned(),
            href,
            title,
            at: iso(n.created_at).replace('T', " ").replace('Z', " UTC"),
            unread: n.read_at.is_none(),
        });
    }
    let page = NotesPage {
        unread: state.store.unread_notifications(p.user.id).await?,
        newest: notes.first().map_or(0, |n| n.id),
        rows,
        c,
    };
    Ok(render(lang, &page))
}

/// POST /notifications/read (`up_to`): marks them read, then shows the page again.
pub async fn mark_read(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let up_to = crate::web::form_value(&pairs, "up_to")
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| ApiError::invalid("invalid_up_to", &[]))?;
    service::mark_read(&state, &p, &client, up_to).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// A webhook with its recent messages, for the operator.
pub struct HookRow {
    pub hook: service::WebhookView,
    pub messages: Vec<super::api::MessageBody>,
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct HooksPage {
    c: Chrome,
    hooks: Vec<HookRow>,
}

/// GET /operator/webhooks: every subscription and its latest 20 messages with attempts.
pub async fn operator_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    p.require_role(Role::Operator)?;
    let mut hooks = Vec::new();
    for hook in service::visible_webhooks(&state, &p).await? {
        let mut messages = Vec::new();
        for m in state.store.webhook_messages(Some(&hook.id), 20).await? {
            messages.push(super::api::message_body(&state, &m).await?);
        }
        hooks.push(HookRow { hook, messages });
    }
    let lang = c.t.lang;
    Ok(render(lang, &HooksPage { c, hooks }))
}

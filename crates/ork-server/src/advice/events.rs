//! Live conversations: server-sent events. A stream sends every line after the one the
//! client has (`Last-Event-ID`, or the start), then waits — woken at once by a change in
//! this process, and checking the store every few seconds for changes made by another —
//! and sends a `state` event when the question's state or holder changes. It ends after
//! [`MAX_STREAM`] (the browser reconnects where it was) or when the question is closed.

use super::service::Standing;
use crate::AppState;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use ork_store::{Question, QuestionMessage};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use tokio::time::Instant;

/// How long one stream lasts before the client reconnects.
pub const MAX_STREAM: Duration = Duration::from_secs(600);
/// How often the store is checked when nothing in this process woke the stream.
const POLL: Duration = Duration::from_secs(3);

/// What a stream sends, rendered by the caller (JSON for the API, HTML for the portal).
pub enum Item {
    /// A line with its author's name (users' names are looked up once per stream).
    Message(QuestionMessage, Option<String>),
    State(Box<Question>),
}

struct Cursor<F> {
    state: AppState,
    id: String,
    internal: bool,
    after: i64,
    seen: (String, String),
    queue: VecDeque<Item>,
    rx: tokio::sync::watch::Receiver<u64>,
    until: Instant,
    done: bool,
    names: std::collections::HashMap<i64, String>,
    /// Nothing fetched yet: the backlog goes out without waiting.
    fresh: bool,
    render: F,
}

/// The stream of a question the viewer may see (checked by the caller), from after message
/// `after`.
pub fn stream<F>(
    state: AppState,
    q: &Question,
    standing: &Standing,
    after: i64,
    render: F,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<F>>
where
    F: Fn(&Item) -> Event + Send + 'static,
{
    let rx = state.advice.changes.subscribe();
    let cursor = Cursor {
        internal: standing.is_advisor(),
        id: q.id.clone(),
        after,
        seen: (q.state.clone(), q.holder.clone()),
        queue: VecDeque::new(),
        rx,
        until: Instant::now() + MAX_STREAM,
        done: false,
        names: Default::default(),
        fresh: true,
        render,
        state,
    };
    let s = futures_util::stream::unfold(cursor, |mut c| async move {
        loop {
            if let Some(item) = c.queue.pop_front() {
                let ev = (c.render)(&item);
                return Some((Ok(ev), c));
            }
            if c.done || Instant::now() >= c.until {
                return None;
            }
            if !std::mem::take(&mut c.fresh) {
                let wait = POLL.min(c.until.saturating_duration_since(Instant::now()));
                let _ = tokio::time::timeout(wait, c.rx.changed()).await;
            }
            let Ok(messages) = c
                .state
                .store
                .question_messages(&c.id, c.after, c.internal)
                .await
            else {
                return None;
            };
            for m in messages {
                c.after = m.id;
                let name = match m.author_user {
                    Some(u) => {
                        if !c.names.contains_key(&u)
                            && let Ok(Some(user)) = c.state.store.user_by_id(u).await
                        {
                            c.names.insert(u, user.name);
                        }
                        c.names.get(&u).cloned()
                    }
                    None => None,
                };
                c.queue.push_back(Item::Message(m, name));
            }
            match c.state.store.question(&c.id).await {
                Ok(Some(q)) => {
                    if (q.state.clone(), q.holder.clone()) != c.seen {
                        c.seen = (q.state.clone(), q.holder.clone());
                        c.done = q.state == "closed";
                        c.queue.push_back(Item::State(Box::new(q)));
                    }
                }
                _ => return None,
            }
        }
    });
    Sse::new(s).keep_alive(KeepAlive::default())
}

/// The message id a reconnecting client last had.
pub fn last_event_id(headers: &axum::http::HeaderMap) -> i64 {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .unwrap_or(0)
}

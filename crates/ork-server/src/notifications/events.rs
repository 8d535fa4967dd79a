//! What happened, told to whom: each event is written in the transaction of the change it
//! tells of — a notification to each person it concerns (portal, and e-mail when SMTP is
//! configured) and a webhook message to each subscribed system of the organisation it
//! concerns. A webhook payload names the objects only (ids, step, state): the receiver
//! reads the rest through the API, with its own rights, so nothing leaves that its rights
//! would not show it.

use crate::{ApiError, AppState};
use ork_store::{Application, NewNotification, Part, WriteTx};
use serde_json::json;

/// The events a webhook can subscribe to, with whose they are: the authority deciding a
/// part, or the applicant organisation.
pub const EVENTS: [(&str, Party); 8] = [
    ("part.opened", Party::Authority),
    ("part.answered", Party::Authority),
    ("part.withdrawn", Party::Authority),
    ("part.message_from_applicant", Party::Authority),
    ("part.decided", Party::Applicant),
    ("part.message_from_authority", Party::Applicant),
    ("permit.issued", Party::Applicant),
    ("permit.revoked", Party::Applicant),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Authority,
    Applicant,
}

pub fn is_event(e: &str) -> bool {
    EVENTS.iter().any(|(x, _)| *x == e)
}

/// The part moved (`action` as in the audit trail: `part.open`, `part.decide`…): tells
/// whom it concerns.
pub async fn part_moved(
    state: &AppState,
    tx: &mut WriteTx,
    app: &Application,
    part: &Part,
    action: &str,
) -> Result<(), ApiError> {
    let event = match action {
        "part.open" | "part.resubmit" | "part.submit" => "part.opened",
        "part.answer" => "part.answered",
        "part.withdraw" => "part.withdrawn",
        "part.decide" => "part.decided",
        _ => return Ok(()),
    };
    // A part withdrawn before it went to its authority is nothing the authority knew of.
    if event == "part.withdrawn" && part.clock.opened_at.is_none() {
        return Ok(());
    }
    emit(state, tx, app, Some(part), event).await
}

/// A message on a part: to the other side.
pub async fn part_message(
    state: &AppState,
    tx: &mut WriteTx,
    app: &Application,
    part: &Part,
    from_authority: bool,
) -> Result<(), ApiError> {
    let event = if from_authority {
        "part.message_from_authority"
    } else {
        "part.message_from_applicant"
    };
    emit(state, tx, app, Some(part), event).await
}

/// Writes `event`'s notifications and webhook messages.
pub async fn emit(
    state: &AppState,
    tx: &mut WriteTx,
    app: &Application,
    part: Option<&Part>,
    event: &str,
) -> Result<(), ApiError> {
    let party = EVENTS
        .iter()
        .find(|(e, _)| *e == event)
        .map(|(_, p)| *p)
        .ok_or_else(|| ApiError::from(anyhow::anyhow!("unknown event {event}")))?;
    let email = state.config.smtp_url.is_some();
    // People: the applicant's side (the creator and every member) for their events; for the
    // authority's, the handler who has the part, if anyone has taken it.
    let mut people: Vec<i64> = Vec::new();
    match party {
        Party::Applicant => {
            people.push(app.created_by);
            people.extend(tx.member_ids(&app.id).await?);
        }
        Party::Authority => people.extend(part.and_then(|p| p.assigned_to)),
    }
    people.sort_unstable();
    people.dedup();
    for user_id in people {
        tx.notify(&NewNotification {
            user_id,
            kind: event,
            application_id: Some(&app.id),
            part_id: part.map(|p| p.id.as_str()),
            question_id: None,
            email,
        })
        .await?;
    }
    // Systems: the organisation whose event it is.
    let org = match (party, part) {
        (Party::Authority, Some(p)) => p.authority.to_string(),
        _ => app.org_id.to_string(),
    };
    let payload = json!({
        "type": event,
        "timestamp": crate::dates::iso(ork_store::now_unix()),
        "data": {
            "application": app.id,
            "part": part.map(|p| p.id.as_str()),
            "step": part.map(|p| p.step.as_str()),
            "state": part.map(|p| p.state.code()),
        },
    })
    .to_string();
    tx.queue_webhooks(&org, event, &payload, || crate::ids::new_id("msg"))
        .await?;
    Ok(())
}

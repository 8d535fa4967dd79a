//! The advice desk's rules: who asks, who answers, who sees what.
//!
//! - An asker (signed in, or a guest whose address is confirmed) sees their own questions.
//! - First-level advisors (the `advisor` role at the platform organisation) see every
//!   question, answer, assign, refer to an authority and close.
//! - An authority's experts (the `advisor` role at the authority) see the questions referred
//!   to it, answer them in the same conversation while it holds them, and close them.
//!
//! Everyone else is told the question does not exist.

use crate::auth::{ClientAddr, Principal};
use crate::{ApiError, AppState};
use axum::http::StatusCode;
use ork_catalog::search::Match;
use ork_domain::{OrgKind, Role};
use ork_store::{AuditSource, NewNotification, NewQuestion, NewQuestionMessage, Question, WriteTx};

/// The longest subject, in characters.
pub const MAX_SUBJECT: usize = 200;
/// The longest message (the question's text, an answer), in characters.
pub const MAX_TEXT: usize = 10_000;
/// The longest referral note.
pub const MAX_NOTE: usize = 2_000;
/// The most attachments a message carries (each an upload of at most 10 MiB).
pub const MAX_ATTACHMENTS: usize = 5;
/// The most datasets of a basket kept as context.
pub const MAX_BASKET: usize = 50;
/// The articles suggested for a question.
pub const SUGGESTIONS: usize = 3;
/// The platform's own service level: a first answer within this many hours of a question
/// reaching the first level (no source states one; the queue shows the clock against it).
pub const SERVICE_LEVEL_HOURS: i64 = 48;
/// Guests: questions per address per day, and per network address per hour.
pub const GUEST_PER_EMAIL_PER_DAY: i64 = 3;
pub const GUEST_PER_ADDRESS_PER_HOUR: usize = 5;

/// Who is asking to see or change a question.
#[derive(Clone)]
pub enum Viewer {
    User(Box<Principal>),
    /// A guest holding a key to this question.
    Guest {
        question: String,
    },
}

/// How a viewer stands to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Asker,
    FirstLevel,
    /// An expert of this authority, to which the question is or was referred.
    Expert(String),
}

impl Standing {
    pub fn is_advisor(&self) -> bool {
        !matches!(self, Self::Asker)
    }

    /// The role a line written in this standing carries.
    pub fn role(&self) -> &'static str {
        match self {
            Self::Asker => "asker",
            Self::FirstLevel => "first_level",
            Self::Expert(_) => "second_level",
        }
    }
}

/// Where a user advises: at the first level (the platform's advisors), and the authorities
/// whose experts they are.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    pub first: bool,
    pub authorities: Vec<String>,
}

pub async fn levels(state: &AppState, p: &Principal) -> Result<Levels, ApiError> {
    levels_of(state, &p.memberships).await
}

/// [`levels`] from a user's roles (for a user other than the caller).
pub async fn levels_of(
    state: &AppState,
    memberships: &[ork_store::Membership],
) -> Result<Levels, ApiError> {
    let mut l = Levels::default();
    for m in memberships.iter().filter(|m| m.role == Role::Advisor) {
        match state.store.get_org(&m.org_id).await?.map(|o| o.kind) {
            Some(OrgKind::PlatformOperator) => l.first = true,
            Some(OrgKind::Authority(_)) => l.authorities.push(m.org_id.to_string()),
            _ => {}
        }
    }
    Ok(l)
}

pub fn not_found() -> ApiError {
    ApiError::of(StatusCode::NOT_FOUND, "question_not_found", &[])
}

/// Whether `id` has a question id's shape (`q-` and 12 letters and digits).
pub fn is_question_id(id: &str) -> bool {
    id.strip_prefix("q-").is_some_and(|r| {
        r.len() == 12
            && r.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// The question and how the viewer stands to it; 404 when they may not see it.
pub async fn find(
    state: &AppState,
    v: &Viewer,
    id: &str,
) -> Result<(Question, Standing), ApiError> {
    let q = state.store.question(id).await?.ok_or_else(not_found)?;
    let standing = standing_of(state, v, &q).await?.ok_or_else(not_found)?;
    Ok((q, standing))
}

pub async fn standing_of(
    state: &AppState,
    v: &Viewer,
    q: &Question,
) -> Result<Option<Standing>, ApiError> {
    let p = match v {
        Viewer::Guest { question } => {
            return Ok((question == &q.id && q.guest_email.is_some()).then_some(Standing::Asker));
        }
        Viewer::User(p) => p,
    };
    if q.asker_user == Some(p.user.id) {
        return Ok(Some(Standing::Asker));
    }
    if q.state == "unconfirmed" {
        return Ok(None);
    }
    let l = levels(state, p).await?;
    if l.first {
        return Ok(Some(Standing::FirstLevel));
    }
    if l.authorities.is_empty() {
        return Ok(None);
    }
    let referred = state
        .store
        .question_messages(&q.id, 0, false)
        .await?
        .into_iter()
        .filter(|m| m.role == "system" && m.body == "referred")
        .filter_map(|m| m.author_org)
        .chain(std::iter::once(q.holder.clone()));
    for org in referred {
        if l.authorities.contains(&org) {
            return Ok(Some(Standing::Expert(org)));
        }
    }
    Ok(None)
}

fn clean_text(s: &str, max: usize, key: &'static str) -> Result<String, ApiError> {
    let t = s.trim();
    if t.is_empty() || s.chars().count() > max {
        return Err(ApiError::invalid(key, &[("max", &max)]));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(ApiError::invalid(key, &[("max", &max)]));
    }
    Ok(t.to_owned())
}

pub fn check_subject(s: &str) -> Result<String, ApiError> {
    let t = clean_text(s, MAX_SUBJECT, "invalid_subject")?;
    if t.contains('\n') {
        return Err(ApiError::invalid(
            "invalid_subject",
            &[("max", &MAX_SUBJECT)],
        ));
    }
    Ok(t)
}

pub fn check_text(s: &str) -> Result<String, ApiError> {
    clean_text(s, MAX_TEXT, "invalid_question_text")
}

/// The asker's context, each part only as given (the portal asks for consent first).
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub page: Option<String>,
    pub basket: Vec<String>,
    pub application: Option<String>,
}

/// A question as asked.
pub struct Ask {
    pub subject: String,
    pub text: String,
    pub topic: Option<String>,
    pub context: Context,
    pub attachments: Vec<String>,
}

/// Who asks.
pub enum Asker<'a> {
    User(&'a Principal),
    Guest {
        email: ork_domain::Email,
        lang: ork_domain::Lang,
    },
}

/// The articles matching a question, best first (published ones only).
pub fn suggestions(state: &AppState, subject: &str, text: &str) -> Vec<String> {
    let live = state.advice.live();
    let mut out = live
        .index
        .search(subject, Match::Any, SUGGESTIONS)
        .unwrap_or_default();
    for id in live
        .index
        .suggest(&format!("{subject} {text}"), SUGGESTIONS)
        .unwrap_or_default()
    {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out.truncate(SUGGESTIONS);
    out
}

fn check_page(p: &str) -> Result<String, ApiError> {
    // A path on this site, as the portal's return addresses are (no `//`, `\`, scheme or
    // control character: nothing a browser would take to another site).
    if p.chars().count() < 2 || p.chars().count() > 500 || crate::web::safe_next(Some(p)) != p {
        return Err(ApiError::invalid("invalid_context_page", &[]));
    }
    Ok(p.to_owned())
}

/// Uploads the user may attach: their own.
async fn check_attachments(
    state: &AppState,
    p: &Principal,
    ids: &[String],
) -> Result<(), ApiError> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            "too_many_attachments",
            &[("max", &MAX_ATTACHMENTS)],
        ));
    }
    if ids.is_empty() {
        return Ok(());
    }
    let orgs: Vec<ork_domain::OrgId> = Vec::new();
    let mine = state.store.uploads_for(p.user.id, &orgs).await?;
    for id in ids {
        if !mine.iter().any(|u| &u.id == id) {
            return Err(ApiError::of(
                StatusCode::NOT_FOUND,
                "attachment_not_found",
                &[("id", id)],
            ));
        }
    }
    Ok(())
}

/// Asks a question: checked, its context kept as given, routed to the first level (to the
/// organisation's contact person, when it has one) — or, for a guest, kept until the link
/// e-mailed to them is followed.
pub async fn ask(
    state: &AppState,
    who: Asker<'_>,
    client: &ClientAddr,
    a: Ask,
) -> Result<(Question, Vec<String>), ApiError> {
    let subject = check_subject(&a.subject)?;
    let text = check_text(&a.text)?;
    if let Some(t) = &a.topic
        && !ork_advice::TOPICS.contains(&t.as_str())
    {
        return Err(ApiError::invalid(
            "invalid_topic",
            &[("list", &ork_advice::TOPICS.join(", "))],
        ));
    }
    let page = a.context.page.as_deref().map(check_page).transpose()?;
    if a.context.basket.len() > MAX_BASKET {
        return Err(ApiError::invalid(
            "invalid_context_basket",
            &[("max", &MAX_BASKET)],
        ));
    }
    let mut basket = a.context.basket.clone();
    basket.sort();
    basket.dedup();
    for d in &basket {
        if state.catalog.catalog.source(d).is_none() {
            return Err(ApiError::of(
                StatusCode::NOT_FOUND,
                "unknown_dataset.context",
                &[("id", d)],
            ));
        }
    }
    let suggested = suggestions(state, &subject, &text);
    let topic = a
        .topic
        .clone()
        .or_else(|| {
            let live = state.advice.live();
            suggested
                .first()
                .and_then(|id| live.kb.article(id))
                .map(|x| x.topic.clone())
        })
        .unwrap_or_else(|| "approvals".to_owned());
    let id = crate::ids::new_id("q");
    let (src, user, org, guest, lang, assignee) = match &who {
        Asker::User(p) => {
            if let Some(app) = &a.context.application {
                crate::applications::service::find(state, p, app).await?;
            }
            check_attachments(state, p, &a.attachments).await?;
            let org = p
                .memberships
                .iter()
                .find(|m| m.role == Role::Applicant)
                .or(p.memberships.first())
                .map(|m| m.org_id.to_string());
            let contact = match &org {
                Some(o) => state.store.advice_contact(o).await?,
                None => None,
            };
            (
                p.audit_source(client, org.clone()),
                Some(p.user.id),
                org,
                None,
                p.user.lang,
                contact,
            )
        }
        Asker::Guest { email, lang } => {
            if a.context.application.is_some() || !a.attachments.is_empty() {
                return Err(ApiError::of(
                    StatusCode::FORBIDDEN,
                    "guest_no_application",
                    &[],
                ));
            }
            if state.config.smtp_url.is_none() {
                return Err(ApiError::of(
                    StatusCode::CONFLICT,
                    "guest_email_unavailable",
                    &[],
                ));
            }
            let since = ork_store::now_unix() - 86_400;
            if state
                .store
                .guest_questions_since(email.as_str(), since)
                .await?
                >= GUEST_PER_EMAIL_PER_DAY
            {
                return Err(ApiError::of(
                    StatusCode::TOO_MANY_REQUESTS,
                    "guest_rate_limited",
                    &[],
                ));
            }
            (
                AuditSource {
                    actor: Some("guest".into()),
                    org: None,
                    source: client.0.clone(),
                },
                None,
                None,
                Some(email.to_string()),
                *lang,
                None,
            )
        }
    };
    let mut tx = state.store.write().await?;
    tx.create_question(
        &src,
        &NewQuestion {
            id: &id,
            subject: &subject,
            topic: &topic,
            state: if guest.is_some() {
                "unconfirmed"
            } else {
                "open"
            },
            assignee,
            asker_user: user,
            asker_org: org.as_deref(),
            guest_email: guest.as_deref(),
            lang: lang.code(),
            context_page: page.as_deref(),
            context_basket: &basket,
            context_application: a.context.application.as_deref(),
            suggested: &suggested,
        },
        &text,
        &a.attachments,
    )
    .await?;
    if let Some(email) = &guest {
        queue_guest_key(&mut tx, &id, email, "confirm", lang.code()).await?;
    }
    if let Some(a) = assignee {
        notify(state, &mut tx, a, "question.assigned", &id).await?;
    }
    tx.commit().await?;
    state.advice.changed();
    let q = state.store.question(&id).await?.ok_or_else(not_found)?;
    Ok((q, suggested))
}

/// A new key to a guest's question, sent to them by e-mail with a link.
async fn queue_guest_key(
    tx: &mut WriteTx,
    question: &str,
    email: &str,
    kind: &str,
    lang: &str,
) -> Result<(), ApiError> {
    let key = crate::auth::secrets::random_secret();
    tx.queue_guest_mail(
        question,
        email,
        kind,
        lang,
        &key,
        &crate::auth::secrets::sha256_hex(&key),
    )
    .await?;
    Ok(())
}

async fn notify(
    state: &AppState,
    tx: &mut WriteTx,
    user_id: i64,
    kind: &str,
    question: &str,
) -> Result<(), ApiError> {
    tx.notify(&NewNotification {
        user_id,
        kind,
        application_id: None,
        part_id: None,
        question_id: Some(question),
        email: state.config.smtp_url.is_some(),
    })
    .await?;
    Ok(())
}

/// The guest's key opens their question: the first time, the question goes to the first
/// level. `None` when the key opens nothing.
pub async fn open_with_key(
    state: &AppState,
    client: &ClientAddr,
    id: &str,
    key: &str,
) -> Result<Option<Question>, ApiError> {
    if key.is_empty() || key.len() > 100 {
        return Ok(None);
    }
    let Some(qid) = state
        .store
        .question_of_guest_key(&crate::auth::secrets::sha256_hex(key))
        .await?
    else {
        return Ok(None);
    };
    if qid != id {
        return Ok(None);
    }
    let Some(q) = state.store.question(id).await? else {
        return Ok(None);
    };
    if q.state == "unconfirmed" {
        let mut tx = state.store.write().await?;
        tx.confirm_question(
            &AuditSource {
                actor: Some("guest".into()),
                org: None,
                source: client.0.clone(),
            },
            id,
        )
        .await?;
        tx.commit().await?;
        state.advice.changed();
        return Ok(state.store.question(id).await?);
    }
    Ok(Some(q))
}

fn src_of(v: &Viewer, client: &ClientAddr, org: Option<String>) -> AuditSource {
    match v {
        Viewer::User(p) => p.audit_source(client, org),
        Viewer::Guest { .. } => AuditSource {
            actor: Some("guest".into()),
            org: None,
            source: client.0.clone(),
        },
    }
}

fn org_of(s: &Standing, q: &Question) -> Option<String> {
    match s {
        Standing::Asker => q.asker_org.clone(),
        Standing::FirstLevel => Some("platform".into()),
        Standing::Expert(o) => Some(o.clone()),
    }
}

fn closed() -> ApiError {
    ApiError::of(StatusCode::CONFLICT, "question_closed", &[])
}

fn moved() -> ApiError {
    ApiError::of(StatusCode::CONFLICT, "question_moved", &[])
}

/// Whether the viewer may write this text in the conversation now: the question, their
/// standing and the text as kept. The portal asks before it keeps chosen files.
pub async fn may_write(
    state: &AppState,
    v: &Viewer,
    id: &str,
    text: &str,
) -> Result<(Question, Standing, String), ApiError> {
    let text = check_text(text)?;
    let (q, standing) = find(state, v, id).await?;
    if q.state == "closed" {
        return Err(closed());
    }
    if q.state == "unconfirmed" {
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "question_unconfirmed",
            &[],
        ));
    }
    if let Standing::Expert(org) = &standing
        && &q.holder != org
    {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "not_holding", &[]));
    }
    Ok((q, standing, text))
}

/// Writes a line in the conversation. The asker and the first level always may (until it
/// is closed); an authority's experts while their authority holds it.
pub async fn write(
    state: &AppState,
    v: &Viewer,
    client: &ClientAddr,
    id: &str,
    text: &str,
    attachments: &[String],
) -> Result<(Question, i64), ApiError> {
    let (q, standing, text) = may_write(state, v, id, text).await?;
    match v {
        Viewer::User(p) => check_attachments(state, p, attachments).await?,
        Viewer::Guest { .. } if !attachments.is_empty() => {
            return Err(ApiError::of(
                StatusCode::FORBIDDEN,
                "guest_no_application",
                &[],
            ));
        }
        Viewer::Guest { .. } => {}
    }
    let user = match v {
        Viewer::User(p) => Some(p.user.id),
        Viewer::Guest { .. } => None,
    };
    let org = org_of(&standing, &q);
    let mut tx = state.store.write().await?;
    let msg = tx
        .add_question_message(
            &src_of(v, client, org.clone()),
            &q,
            &NewQuestionMessage {
                author_user: user,
                author_org: org.as_deref(),
                role: standing.role(),
                internal: false,
                body: &text,
                attachments,
            },
        )
        .await?
        .ok_or_else(moved)?;
    // Who is told: the asker of an advisor's answer; the advisor who has it (or, referred,
    // the authority's experts) of the asker's line.
    if standing.is_advisor() {
        if let Some(u) = q.asker_user {
            notify(state, &mut tx, u, "question.answered", &q.id).await?;
        } else if let Some(email) = &q.guest_email {
            queue_guest_key(&mut tx, &q.id, email, "answer", &q.lang).await?;
        }
    } else if let Some(a) = q.assignee {
        notify(state, &mut tx, a, "question.message", &q.id).await?;
    } else if q.holder != "first_level" {
        for u in state.store.users_with_role(&q.holder, "advisor").await? {
            notify(state, &mut tx, u, "question.message", &q.id).await?;
        }
    }
    tx.commit().await?;
    state.advice.changed();
    let q = state.store.question(id).await?.ok_or_else(not_found)?;
    Ok((q, msg))
}

/// The authorities proposed for a question (routing rules), best first.
pub async fn proposals(state: &AppState, q: &Question) -> Result<Vec<String>, ApiError> {
    let mut steps: Vec<String> = Vec::new();
    let mut datasets: Vec<String> = q.context_basket.clone();
    // Asked from a source's catalog page: that source.
    if let Some(id) = q
        .context_page
        .as_deref()
        .and_then(|p| p.strip_prefix("/catalog/sources/"))
        .map(|p| p.split(['/', '?', '#']).next().unwrap_or(p))
        && state.catalog.catalog.source(id).is_some()
    {
        datasets.push(id.to_owned());
    }
    if let Some(app) = &q.context_application
        && let Some(app) = state.store.application(app).await?
    {
        if let Ok(need) = crate::applications::service::need(&app) {
            datasets.extend(need.datasets);
        }
        if let Ok(r) = crate::applications::service::roadmap(state, &app) {
            steps.extend(
                r.steps
                    .iter()
                    .map(|s| crate::applications::service::rule_of(&s.id).to_owned()),
            );
        }
    }
    let subject = ork_advice::Subject {
        topic: &q.topic,
        steps: steps.iter().map(String::as_str).collect(),
        datasets: datasets.iter().map(String::as_str).collect(),
    };
    Ok(state
        .advice
        .routing
        .propose(&state.catalog.catalog, &subject)
        .into_iter()
        .map(|(a, _)| a)
        .collect())
}

/// Refers a question to an authority's experts (first level only): the asker sees where it
/// went, the experts are told, the note goes to them only.
pub async fn refer(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    authority: &str,
    note: Option<&str>,
) -> Result<Question, ApiError> {
    let (q, standing) = find(state, &Viewer::User(Box::new(p.clone())), id).await?;
    if standing != Standing::FirstLevel {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "first_level_required",
            &[],
        ));
    }
    let note = note
        .map(|n| clean_text(n, MAX_NOTE, "invalid_note"))
        .transpose()?;
    let unknown = || ApiError::of(StatusCode::NOT_FOUND, "unknown_authority", &[]);
    let org_id = ork_domain::OrgId::parse(authority).map_err(|_| unknown())?;
    let org = state.store.get_org(&org_id).await?.ok_or_else(unknown)?;
    if !matches!(org.kind, OrgKind::Authority(_)) {
        return Err(unknown());
    }
    match q.state.as_str() {
        "closed" => return Err(closed()),
        "referred" => {
            return Err(ApiError::of(StatusCode::CONFLICT, "question_referred", &[]));
        }
        _ if q.holder != "first_level" => return Err(moved()),
        _ => {}
    }
    let experts = state.store.users_with_role(authority, "advisor").await?;
    if experts.is_empty() {
        let name = p.user.lang.pick(&org.name_da, &org.name_en).to_owned();
        return Err(ApiError::of(
            StatusCode::CONFLICT,
            "no_experts",
            &[("authority", &name)],
        ));
    }
    let mut tx = state.store.write().await?;
    if !tx
        .refer_question(
            &p.audit_source(client, Some("platform".into())),
            &q,
            authority,
            p.user.id,
            note.as_deref(),
        )
        .await?
    {
        return Err(moved());
    }
    for u in experts {
        notify(state, &mut tx, u, "question.referred", &q.id).await?;
    }
    if let Some(u) = q.asker_user {
        notify(state, &mut tx, u, "question.referred_asker", &q.id).await?;
    } else if let Some(email) = &q.guest_email {
        queue_guest_key(&mut tx, &q.id, email, "referred", &q.lang).await?;
    }
    tx.commit().await?;
    state.advice.changed();
    state.store.question(id).await?.ok_or_else(not_found)
}

/// Closes a question: the asker, or an advisor of the level that holds it.
pub async fn close(
    state: &AppState,
    v: &Viewer,
    client: &ClientAddr,
    id: &str,
) -> Result<Question, ApiError> {
    let (q, standing) = find(state, v, id).await?;
    if q.state == "closed" {
        return Err(closed());
    }
    if let Standing::Expert(org) = &standing
        && &q.holder != org
    {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "not_holding", &[]));
    }
    let by = match v {
        Viewer::User(p) => p.user.id,
        Viewer::Guest { .. } => 0,
    };
    let mut tx = state.store.write().await?;
    let by = (by != 0).then_some(by);
    if !tx
        .close_question(&src_of(v, client, org_of(&standing, &q)), &q, by)
        .await?
    {
        return Err(moved());
    }
    tx.commit().await?;
    state.advice.changed();
    state.store.question(id).await?.ok_or_else(not_found)
}

/// Gives a question to an advisor of the level that holds it (`None`: to no one).
pub async fn assign(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    id: &str,
    to: Option<&str>,
) -> Result<Question, ApiError> {
    let (q, standing) = find(state, &Viewer::User(Box::new(p.clone())), id).await?;
    let holder_org = match &standing {
        Standing::Asker => return Err(ApiError::forbidden()),
        Standing::FirstLevel if q.holder == "first_level" => "platform".to_owned(),
        Standing::Expert(o) if &q.holder == o => o.clone(),
        _ => return Err(ApiError::of(StatusCode::FORBIDDEN, "not_holding", &[])),
    };
    if q.state == "closed" {
        return Err(closed());
    }
    let assignee = match to {
        None => None,
        Some(e) => {
            let unknown = || ApiError::of(StatusCode::NOT_FOUND, "unknown_advisor", &[]);
            let email = ork_domain::Email::parse(e).map_err(|_| unknown())?;
            let u = state
                .store
                .user_by_email(&email)
                .await?
                .ok_or_else(unknown)?;
            if !state
                .store
                .users_with_role(&holder_org, "advisor")
                .await?
                .contains(&u.id)
            {
                return Err(unknown());
            }
            Some(u.id)
        }
    };
    let mut tx = state.store.write().await?;
    if !tx
        .assign_question(
            &p.audit_source(client, Some(holder_org)),
            id,
            &q.holder,
            assignee,
        )
        .await?
    {
        return Err(moved());
    }
    if let Some(a) = assignee.filter(|a| *a != p.user.id) {
        notify(state, &mut tx, a, "question.assigned", id).await?;
    }
    tx.commit().await?;
    state.advice.changed();
    state.store.question(id).await?.ok_or_else(not_found)
}

pub use super::listing::*;

//! The advice desk's pages: the knowledge base, asking (with matching articles shown before
//! sending), the conversations (live through server-sent events and htmx), the advisors'
//! queue, drafts and the report.

use super::events::{self, Item};
use super::kb as kbs;
use super::service::{self, Ask, Asker, Context, Standing, Viewer};
use crate::auth::{Auth, ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::Event;
use axum::response::{IntoResponse, Redirect, Response};
use ork_advice::Article;
use ork_domain::Lang;
use ork_store::{Question, QuestionMessage};

/// A page shown again with what went wrong, under the error's status.
pub(super) fn with_status(lang: Lang, page: &impl Template, status: StatusCode) -> Response {
    let mut res = render(lang, page);
    *res.status_mut() = status;
    res
}

pub(super) fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    crate::api::query_pairs(raw).unwrap_or_default()
}

/// An article in a list.
pub struct ArticleRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub topic: String,
}

pub(super) fn row(a: &Article, lang: Lang) -> ArticleRow {
    ArticleRow {
        id: a.id.clone(),
        title: a.title.get(lang).to_owned(),
        summary: a.summary.get(lang).to_owned(),
        topic: a.topic.clone(),
    }
}

#[derive(Template)]
#[template(path = "ask.html")]
struct AskPage {
    c: Chrome,
    signed_in: bool,
    subject: String,
    text: String,
    topic: String,
    topics: Vec<&'static str>,
    email: String,
    page: String,
    /// The asker's applications: (id, title).
    applications: Vec<(String, String)>,
    application: String,
    basket: Vec<String>,
    consent: bool,
    /// Matching articles, once checked.
    suggestions: Option<Vec<ArticleRow>>,
    error: Option<String>,
    /// A guest's question waits for the e-mailed link.
    sent_to: Option<String>,
}

async fn ask_page_of(
    state: &AppState,
    c: Chrome,
    p: Option<&Principal>,
    form: &[(String, String)],
) -> Result<AskPage, ApiError> {
    let get = |k: &str| form_value(form, k).to_owned();
    let (applications, basket) = match p {
        Some(p) => (
            crate::applications::service::visible(state, p)
                .await?
                .into_iter()
                .map(|(a, _)| (a.id, a.title))
                .collect(),
            state.store.basket(p.user.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok(AskPage {
        signed_in: p.is_some(),
        subject: get("subject"),
        text: get("text"),
        topic: get("topic"),
        topics: ork_advice::TOPICS.to_vec(),
        email: get("email"),
        page: crate::web::safe_next(Some(&get("page"))),
        applications,
        application: get("application"),
        basket,
        consent: get("consent") == "1",
        suggestions: None,
        error: None,
        sent_to: None,
        c,
    })
}

/// GET /ask?page=: the question form, from any page.
pub async fn ask_page(
    State(state): State<AppState>,
    c: Chrome,
    auth: Auth,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let form = pairs(raw.as_deref());
    let page = ask_page_of(&state, c, auth.principal(), &form).await?;
    Ok(render(lang, &page))
}

/// POST /ask: `action=check` shows the matching articles; `action=send` asks.
pub async fn ask_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    auth: Auth,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let p = auth.principal();
    let get = |k: &str| form_value(&form, k).to_owned();
    let mut page = ask_page_of(&state, c, p, &form).await?;
    let fail = |mut page: AskPage, e: ApiError| -> Result<Response, ApiError> {
        if !e.status.is_client_error() {
            return Err(e);
        }
        page.error = Some(e.message(lang).to_owned());
        Ok(with_status(lang, &page, e.status))
    };
    if get("action") != "send" {
        let checked = service::check_subject(&get("subject"))
            .and_then(|s| service::check_text(&get("text")).map(|t| (s, t)));
        match checked {
            Ok((s, t)) => {
                let live = state.advice.live();
                page.suggestions = Some(
                    service::suggestions(&state, &s, &t)
                        .iter()
                        .filter_map(|id| live.kb.article(id))
                        .map(|a| row(a, lang))
                        .collect(),
                );
                return Ok(render(lang, &page));
            }
            Err(e) => return fail(page, e),
        }
    }
    let consent = get("consent") == "1";
    let context = if consent {
        Context {
            page: Some(page.page.clone()).filter(|x| x != "/"),
            basket: page.basket.clone(),
            application: Some(get("application")).filter(|x| !x.is_empty()),
        }
    } else {
        Context::default()
    };
    let ask = Ask {
        subject: get("subject"),
        text: get("text"),
        topic: Some(get("topic")).filter(|x| !x.is_empty()),
        context,
        attachments: Vec::new(),
    };
    let asked = match p {
        Some(p) => service::ask(&state, Asker::User(p), &client, ask).await,
        None => match ork_domain::Email::parse(&get("email")) {
            Err(_) => Err(ApiError::invalid("invalid_email", &[])),
            Ok(email) => match service::guest_limit(&state, &client) {
                Err(e) => Err(e),
                Ok(()) => service::ask(&state, Asker::Guest { email, lang }, &client, ask).await,
            },
        },
    };
    match asked {
        Ok((q, _)) if q.guest_email.is_some() => {
            page.sent_to = q.guest_email;
            page.subject.clear();
            page.text.clear();
            Ok(render(lang, &page))
        }
        Ok((q, _)) => Ok(Redirect::to(&format!("/questions/{}", q.id)).into_response()),
        Err(e) => fail(page, e),
    }
}

/// A question in the list.
pub struct QuestionRow {
    pub id: String,
    pub subject: String,
    pub topic: String,
    pub state: String,
    pub holder: String,
    pub assignee: String,
    pub last: String,
    pub waiting: Option<i64>,
    pub overdue: bool,
    pub mine: bool,
}

#[derive(Template)]
#[template(path = "questions.html")]
struct QuestionsPage {
    c: Chrome,
    rows: Vec<QuestionRow>,
    advisor: bool,
    first_level: bool,
    state: String,
    topic: String,
    assigned: String,
    topics: Vec<&'static str>,
    service_hours: i64,
    error: Option<String>,
}

fn holder_name(orgs: &[ork_store::Organisation], holder: &str, c: &Chrome) -> String {
    if holder == "first_level" {
        c.t.t("advice.first_level").to_owned()
    } else {
        org_name(orgs, holder, c.t.lang)
    }
}

/// GET /questions: yours, and the queue where you advise.
pub async fn questions_page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let form = pairs(raw.as_deref());
    let l = service::levels(&state, &p).await?;
    let advisor = l.first || !l.authorities.is_empty();
    let (qs, error) = match service::filter_of(&form) {
        Ok(f) => (service::listed(&state, &p, &f).await?, None),
        Err(e) => (Vec::new(), Some(e.message(lang).to_owned())),
    };
    let ids: Vec<i64> = qs.iter().filter_map(|q| q.assignee).collect();
    let names = service::names(&state, ids).await?;
    let orgs = state.store.list_orgs().await?;
    let now = ork_store::now_unix();
    let rows = qs
        .iter()
        .map(|q| {
            let clock = service::clock(q, now);
            QuestionRow {
                id: q.id.clone(),
                subject: q.subject.clone(),
                topic: q.topic.clone(),
                state: q.state.clone(),
                holder: holder_name(&orgs, &q.holder, &c),
                assignee: q
                    .assignee
                    .and_then(|a| names.get(&a).cloned())
                    .unwrap_or_default(),
                last: crate::dates::date(q.last_at),
                waiting: clock.map(|x| x.0),
                overdue: clock.is_some_and(|x| x.1),
                mine: q.asker_user == Some(p.user.id),
            }
        })
        .collect();
    let get = |k: &str| form_value(&form, k).to_owned();
    Ok(render(
        lang,
        &QuestionsPage {
            rows,
            advisor,
            first_level: l.first,
            state: get("state"),
            topic: get("topic"),
            assigned: get("assigned"),
            topics: ork_advice::TOPICS.to_vec(),
            service_hours: service::SERVICE_LEVEL_HOURS,
            error,
            c,
        },
    ))
}

/// A line as the page shows it.
pub struct Line {
    pub id: i64,
    pub role: String,
    pub author: String,
    pub organisation: String,
    pub at: String,
    pub text: String,
    pub internal: bool,
    pub system: String,
    pub attachments: Vec<String>,
}

fn line(
    m: &QuestionMessage,
    name: Option<&str>,
    orgs: &[ork_store::Organisation],
    lang: Lang,
) -> Line {
    let org = m
        .author_org
        .as_deref()
        .map(|o| {
            if o == "platform" {
                crate::i18n::text(lang, "advice.first_level").to_owned()
            } else {
                org_name(orgs, o, lang)
            }
        })
        .unwrap_or_default();
    Line {
        id: m.id,
        role: m.role.clone(),
        author: match (m.role.as_str(), name) {
            ("asker", None) => crate::i18n::text(lang, "advice.guest").to_owned(),
            (_, n) => n.unwrap_or_default().to_owned(),
        },
        organisation: if m.role == "asker" {
            String::new()
        } else {
            org
        },
        at: crate::dates::iso(m.at)
            .replace('T', " ")
            .replace('Z', " UTC"),
        text: m.body.clone(),
        internal: m.internal,
        system: if m.role == "system" {
            m.body.clone()
        } else {
            String::new()
        },
        attachments: m.attachments.clone(),
    }
}

#[derive(Template)]
#[template(path = "question_line.html")]
struct LineFragment {
    c: Chrome,
    l: Line,
    qid: String,
    key: String,
}

#[derive(Template)]
#[template(path = "question_status.html")]
struct StatusFragment {
    c: Chrome,
    state: String,
    holder: String,
}

#[derive(Template)]
#[template(path = "question.html")]
struct QuestionPage {
    c: Chrome,
    q: Question,
    you: String,
    lines: Vec<Line>,
    holder: String,
    assignee: String,
    /// A guest's key (kept in the forms and the stream's address).
    key: String,
    may_write: bool,
    may_close: bool,
    /// Authorities to refer to: (id, name, proposed).
    authorities: Vec<(String, String, bool)>,
    suggestions: Vec<ArticleRow>,
    asker_org: String,
    /// The attached application: (id, title).
    application: Option<(String, String)>,
    basket: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<String>,
}

/// The viewer of a question page: the signed-in user, or a guest with a key that opens it.
async fn viewer_of(
    state: &AppState,
    auth: &Auth,
    client: &ClientAddr,
    id: &str,
    key: &str,
) -> Result<Viewer, ApiError> {
    if let Some(p) = auth.principal() {
        return Ok(Viewer::User(Box::new(p.clone())));
    }
    match service::open_with_key(state, client, id, key).await? {
        Some(q) => Ok(Viewer::Guest { question: q.id }),
        None => Err(ApiError::for_status(StatusCode::UNAUTHORIZED)),
    }
}

async fn question_page_of(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    key: &str,
    error: Option<String>,
    notice: Option<String>,
) -> Result<QuestionPage, ApiError> {
    let lang = c.t.lang;
    let (q, standing) = service::find(state, v, id).await?;
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
    let orgs = state.store.list_orgs().await?;
    let lines = messages
        .iter()
        .map(|m| {
            line(
                m,
                m.author_user
                    .and_then(|u| names.get(&u))
                    .map(String::as_str),
                &orgs,
                lang,
            )
        })
        .collect();
    let first_level = standing == Standing::FirstLevel;
    let open = q.state != "closed" && q.state != "unconfirmed";
    let holds = match &standing {
        Standing::Expert(o) => &q.holder == o,
        _ => true,
    };
    let authorities = if first_level && q.holder == "first_level" && open {
        let proposed = service::proposals(state, &q).await?;
        let mut list: Vec<(String, String, bool)> = orgs
            .iter()
            .filter(|o| matches!(o.kind, ork_domain::OrgKind::Authority(_)))
            .map(|o| {
                (
                    o.id.to_string(),
                    lang.pick(&o.name_da, &o.name_en).to_owned(),
                    proposed.contains(&o.id.to_string()),
                )
            })
            .collect();
        list.sort_by_key(|(id, name, _)| {
            (
                proposed.iter().position(|p| p == id).unwrap_or(usize::MAX),
                name.clone(),
            )
        });
        list
    } else {
        Vec::new()
    };
    let live = state.advice.live();
    let application = match (
        &q.context_application,
        standing.is_advisor() || standing == Standing::Asker,
    ) {
        (Some(a), true) => Some((
            a.clone(),
            state
                .store
                .application(a)
                .await?
                .map(|x| x.title)
                .unwrap_or_default(),
        )),
        _ => None,
    };
    let cat = &state.catalog.catalog;
    Ok(QuestionPage {
        you: standing.role().to_owned(),
        holder: holder_name(&orgs, &q.holder, &c),
        assignee: q
            .assignee
            .and_then(|a| names.get(&a).cloned())
            .unwrap_or_default(),
        key: key.to_owned(),
        may_write: open && holds,
        may_close: q.state != "closed" && holds,
        authorities,
        suggestions: q
            .suggested
            .iter()
            .filter_map(|id| live.kb.article(id))
            .map(|a| row(a, lang))
            .collect(),
        asker_org: if standing.is_advisor() {
            q.asker_org
                .as_deref()
                .map(|o| org_name(&orgs, o, lang))
                .unwrap_or_else(|| crate::i18n::text(lang, "advice.guest").to_owned())
        } else {
            String::new()
        },
        application,
        basket: q
            .context_basket
            .iter()
            .map(|d| {
                (
                    d.clone(),
                    cat.source(d)
                        .map_or_else(|| d.clone(), |s| s.name.get(lang).to_owned()),
                )
            })
            .collect(),
        lines,
        q,
        error,
        notice,
        c,
    })
}

/// GET /questions/{id}[?key=]: the conversation.
pub async fn question_page(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let form = pairs(raw.as_deref());
    let key = form_value(&form, "key").to_owned();
    if !service::is_question_id(&id) {
        return Err(service::not_found());
    }
    if auth.principal().is_none() && key.is_empty() {
        return Ok(Redirect::to(&format!("/login?next=/questions/{id}")).into_response());
    }
    let v = viewer_of(&state, &auth, &client, &id, &key).await?;
    let key = if auth.principal().is_some() {
        String::new()
    } else {
        key
    };
    let notice = match form_value(&form, "done") {
        "" => None,
        d => Some(crate::i18n::text(lang, &format!("advice.done.{d}")).to_owned()),
    };
    let page = question_page_of(&state, c, &v, &id, &key, None, notice).await?;
    Ok(render(lang, &page))
}

/// POST /questions/{id}: `action` = write (with files chosen, for a signed-in asker) |
/// refer | close | take | release | draft.
pub async fn question_post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    auth: Auth,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let (form, files) = crate::applications::form_page::read_body(&headers, body).await?;
    let get = |k: &str| form_value(&form, k).to_owned();
    if !service::is_question_id(&id) {
        return Err(service::not_found());
    }
    let key = get("key");
    let v = viewer_of(&state, &auth, &client, &id, &key).await?;
    // Only a guest's key (one that opened the question, so URL-safe) goes back in the address.
    let guest = matches!(v, Viewer::Guest { .. });
    let back = |done: &str| {
        let k = if guest {
            format!("key={key}&")
        } else {
            String::new()
        };
        Redirect::to(&format!("/questions/{id}?{k}done={done}")).into_response()
    };
    let action = get("action");
    let result: Result<Response, ApiError> = match (action.as_str(), &v) {
        // Files are kept only once the line may be written.
        ("write", _) => match service::may_write(&state, &v, &id, &get("text")).await {
            Err(e) => Err(e),
            Ok(_) => match keep_files(&state, &v, &client, files).await {
                Ok(ids) => service::write(&state, &v, &client, &id, &get("text"), &ids)
                    .await
                    .map(|_| back("write")),
                Err(e) => Err(e),
            },
        },
        ("close", _) => service::close(&state, &v, &client, &id)
            .await
            .map(|_| back("close")),
        ("refer", Viewer::User(p)) => {
            let note = get("note");
            let note = (!note.trim().is_empty()).then_some(note.as_str());
            service::refer(&state, p, &client, &id, &get("authority"), note)
                .await
                .map(|_| back("refer"))
        }
        ("take", Viewer::User(p)) => {
            service::assign(&state, p, &client, &id, Some(p.user.email.as_str()))
                .await
                .map(|_| back("take"))
        }
        ("release", Viewer::User(p)) => service::assign(&state, p, &client, &id, None)
            .await
            .map(|_| back("release")),
        ("draft", Viewer::User(p)) => kbs::draft(&state, p, &client, &id)
            .await
            .map(|a| Redirect::to(&format!("/kb/drafts/{}", a.id)).into_response()),
        _ => Err(ApiError::invalid("bad_request", &[])),
    };
    match result {
        Ok(r) => Ok(r),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let key = if guest { key.as_str() } else { "" };
            let page = question_page_of(
                &state,
                c,
                &v,
                &id,
                key,
                Some(e.message(lang).to_owned()),
                None,
            )
            .await?;
            Ok(with_status(lang, &page, status))
        }
        Err(e) => Err(e),
    }
}

/// Keeps the files chosen with a line (a signed-in user's uploads, checked as every upload
/// is); their ids.
async fn keep_files(
    state: &AppState,
    v: &Viewer,
    client: &ClientAddr,
    files: Vec<(String, String, Option<String>, axum::body::Bytes)>,
) -> Result<Vec<String>, ApiError> {
    let files: Vec<_> = files.into_iter().filter(|f| f.0 == "attachment").collect();
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let Viewer::User(p) = v else {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "guest_no_application",
            &[],
        ));
    };
    if files.len() > service::MAX_ATTACHMENTS {
        return Err(ApiError::invalid(
            "too_many_attachments",
            &[("max", &service::MAX_ATTACHMENTS)],
        ));
    }
    let mut ids = Vec::new();
    for (_, name, declared, content) in files {
        let kept =
            crate::applications::uploads::keep(state, p, client, &name, declared, &content).await?;
        ids.push(kept.id);
    }
    Ok(ids)
}

/// GET /questions/{id}/stream[?key=]: the conversation's new lines as HTML for htmx.
pub async fn question_stream(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    auth: Auth,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let form = pairs(raw.as_deref());
    let key = form_value(&form, "key").to_owned();
    if !service::is_question_id(&id) {
        return Err(service::not_found());
    }
    let v = viewer_of(&state, &auth, &client, &id, &key).await?;
    let (q, standing) = service::find(&state, &v, &id).await?;
    // The page shows the lines up to `after`; the stream sends what follows.
    let after = match events::last_event_id(&headers) {
        0 => form_value(&form, "after")
            .parse::<i64>()
            .unwrap_or(0)
            .max(0),
        n => n,
    };
    let orgs = state.store.list_orgs().await?;
    let lang = c.t.lang;
    let qid = q.id.clone();
    let render = move |item: &Item| match item {
        Item::Message(m, name) => {
            let html = LineFragment {
                c: c.clone(),
                l: line(m, name.as_deref(), &orgs, lang),
                qid: qid.clone(),
                key: key.clone(),
            }
            .render()
            .unwrap_or_default();
            Event::default()
                .event("message")
                .id(m.id.to_string())
                .data(html.replace('\n', " "))
        }
        Item::State(q) => {
            let html = StatusFragment {
                c: c.clone(),
                state: q.state.clone(),
                holder: holder_name(&orgs, &q.holder, &c),
            }
            .render()
            .unwrap_or_default();
            Event::default()
                .event("state")
                .data(html.replace('\n', " "))
        }
    };
    Ok(events::stream(state, &q, &standing, after, render).into_response())
}

/// GET /questions/{id}/attachments/{upload}[?key=]
pub async fn attachment(
    State(state): State<AppState>,
    client: ClientAddr,
    auth: Auth,
    Path((id, upload)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let form = pairs(raw.as_deref());
    let v = viewer_of(&state, &auth, &client, &id, form_value(&form, "key")).await?;
    Ok(super::api::download(
        service::attachment(&state, &v, &id, &upload).await?,
    ))
}

//! The application form in the portal: rendered from the form as evaluated for the answers
//! so far, the need's traits and the roadmap (`ork_rules::form` — the same rules the API
//! checks with), saved as the user goes and on "Save", submitted on "Submit". A field that
//! other fields' conditions look at re-renders the form when it changes, so fields appear
//! and disappear as the answers do; without script, "Save" does the same. Errors are listed
//! at the top and at each field, with every answer kept as typed. Files chosen for an
//! attachment are kept when the form is saved (the form is `multipart/form-data`).

use super::form_read::{self, MAX_ROWS, columns_of};
use super::service::{self, Standing, UserRefs};
use super::submit::{self, SubmitError};
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::roadmap::view::step_label;
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ork_domain::Lang;
use ork_rules::form::{Condition, Field, FieldType, FormError};
use ork_store::Application;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// One option of a choice, a yes/no, a cohort or a table cell's select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// One input of a field made of parts (a period's ends, an organisation's name, CVR and
/// country).
pub struct PartInput {
    pub key: &'static str,
    pub label: String,
    pub value: String,
    /// The HTML input type.
    pub input: &'static str,
}

/// One cell of a list field's row.
pub struct Cell {
    pub name: String,
    pub label: String,
    pub value: String,
    /// The column's field type code.
    pub kind: &'static str,
    pub options: Vec<Opt>,
}

/// A field as the page shows it.
pub struct FieldView {
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub help: String,
    /// Knowledge-base articles about the field: (id, title).
    pub articles: Vec<(String, String)>,
    pub required: bool,
    pub errors: Vec<String>,
    /// A single input's text (and a cohort's choice).
    pub value: String,
    pub parts: Vec<PartInput>,
    pub options: Vec<Opt>,
    /// A list field's column headings and rows (the last ones empty, to add to).
    pub headings: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Attached files: (upload id, file name).
    pub files: Vec<(String, String)>,
    /// A cohort written as a definition.
    pub definition: String,
    /// Other fields' conditions look at this one: the form is redrawn when it changes.
    pub live: bool,
    /// A text's longest length, when bounded.
    pub maxlength: String,
}

pub struct SectionView {
    pub id: String,
    pub title: String,
    pub fields: Vec<FieldView>,
}

/// A step of the roadmap beside the form: (name, authority, fee).
type StepLine = (String, String, String);

#[derive(Template)]
#[template(path = "application_form.html")]
struct FormPage {
    c: Chrome,
    id: String,
    title: String,
    /// A submitted application whose parts wait on the applicant (answered by submitting
    /// again).
    resubmit: bool,
    sections: Vec<SectionView>,
    /// (input id, field label, message), in the form's order.
    summary: Vec<(String, String, String)>,
    steps: Vec<StepLine>,
    /// "Saved" with the time, after a save.
    saved: String,
    /// The attributes that make an input redraw the form when it changes (its answer may
    /// show or hide other fields; a file chosen is listed).
    redraw: String,
    /// The attributes that send "Save" and "Submit" in the same queue as the saving while
    /// writing, so the two never race (with script; without, there is no such saving).
    send: String,
}

/// The fields other fields' conditions look at.
fn looked_at(form: &ork_rules::form::Form) -> BTreeSet<String> {
    fn walk(c: &Condition, out: &mut BTreeSet<String>) {
        match c {
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| walk(c, out)),
            Condition::Not(c) => walk(c, out),
            Condition::Equals(f, _) | Condition::Includes(f, _) | Condition::Answered(f) => {
                out.insert(f.clone());
            }
            Condition::Step(_) | Condition::Trait(_) => {}
        }
    }
    let mut out = BTreeSet::new();
    for c in form.fields().filter_map(|f| f.visible.as_ref()) {
        walk(c, &mut out);
    }
    out
}

/// An answer's text in an input.
fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{x:.0}"),
            _ => n.to_string(),
        },
        Value::Array(a) => a.iter().map(text_of).collect::<Vec<_>>().join(", "),
        _ => String::new(),
    }
}

fn yes_no(lang: Lang, value: &str) -> Vec<Opt> {
    [("true", "roadmap.yes"), ("false", "roadmap.no")]
        .iter()
        .map(|(v, key)| Opt {
            value: (*v).into(),
            label: crate::i18n::text(lang, key).to_owned(),
            checked: value == *v,
        })
        .collect()
}

fn options(f: &[ork_rules::form::Choice], lang: Lang, checked: &[String]) -> Vec<Opt> {
    f.iter()
        .map(|o| Opt {
            value: o.value.clone(),
            label: o.label.get(lang).to_owned(),
            checked: checked.contains(&o.value),
        })
        .collect()
}

/// What the view of one field is built from.
struct Ctx<'a> {
    lang: Lang,
    answers: &'a Map<String, Value>,
    raw: &'a BTreeMap<String, String>,
    refs: &'a UserRefs,
    live: &'a BTreeSet<String>,
}

impl Ctx<'_> {
    /// The text of an input: as typed when it could not be saved, else from the answer.
    fn typed(&self, name: &str, from: Option<&Value>) -> String {
        self.raw
            .get(name)
            .cloned()
            .unwrap_or_else(|| from.map(text_of).unwrap_or_default())
    }

    fn rows(&self, f: &Field, answer: Option<&Value>) -> (Vec<String>, Vec<Vec<Cell>>) {
        let lang = self.lang;
        let cols = columns_of(f);
        let label = |id: &str| -> String {
            match f.kind {
                FieldType::Table => f
                    .columns
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.label.get(lang).to_owned())
                    .unwrap_or_default(),
                _ => crate::i18n::text(lang, &format!("form_page.col.{id}")).to_owned(),
            }
        };
        let given: Vec<&Value> = answer
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        let count = (given.len() + 2).min(MAX_ROWS);
        let rows = (0..count)
            .map(|n| {
                cols.iter()
                    .map(|(c, kind)| {
                        let name = format!("f.{}.{n}.{c}", f.id);
                        let value = self.typed(&name, given.get(n).and_then(|r| r.get(c)));
                        let options = match kind {
                            FieldType::YesNo => yes_no(lang, &value),
                            FieldType::Choice => f
                                .columns
                                .iter()
                                .find(|x| &x.id == c)
                                .map(|x| options(&x.options, lang, std::slice::from_ref(&value)))
                                .unwrap_or_default(),
                            _ => Vec::new(),
                        };
                        Cell {
                            name,
                            label: format!("{} {}", label(c), n + 1),
                            value,
                            kind: kind.code(),
                            options,
                        }
                    })
                    .collect()
            })
            .collect();
        (cols.iter().map(|(c, _)| label(c)).collect(), rows)
    }

    fn parts(&self, f: &Field, answer: Option<&Value>) -> Vec<PartInput> {
        let keys: &[(&'static str, &'static str)] = match f.kind {
            FieldType::Period => &[("from", "date"), ("to", "date")],
            FieldType::Organisation => &[("name", "text"), ("cvr", "text"), ("country", "text")],
            _ => &[],
        };
        keys.iter()
            .map(|(k, input)| PartInput {
                key: k,
                label: crate::i18n::text(self.lang, &format!("form_page.part.{k}")).to_owned(),
                value: self.typed(&format!("f.{}.{k}", f.id), answer.and_then(|a| a.get(k))),
                input,
            })
            .collect()
    }

    fn field(&self, f: &Field, errors: Vec<String>) -> FieldView {
        let lang = self.lang;
        let answer = self.answers.get(&f.id);
        let value = self.typed(&format!("f.{}", f.id), answer);
        let mut view = FieldView {
            id: f.id.clone(),
            kind: f.kind.code(),
            label: f.label.get(lang).to_owned(),
            help: f.help.get(lang).to_owned(),
            articles: Vec::new(),
            required: f.required,
            errors,
            value: value.clone(),
            parts: self.parts(f, answer),
            options: Vec::new(),
            headings: Vec::new(),
            rows: Vec::new(),
            files: Vec::new(),
            definition: String::new(),
            live: self.live.contains(&f.id),
            maxlength: match f.kind.bounds() {
                Some(ork_rules::form::Bound::Length) => {
                    f.max.map(|m| format!("{m:.0}")).unwrap_or_default()
                }
                _ => String::new(),
            },
        };
        let listed: Vec<String> = answer
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        match f.kind {
            FieldType::Choice => view.options = options(&f.options, lang, &[value]),
            FieldType::MultiChoice => view.options = options(&f.options, lang, &listed),
            FieldType::YesNo => view.options = yes_no(lang, &value),
            FieldType::Persons | FieldType::Datasets | FieldType::Table => {
                (view.headings, view.rows) = self.rows(f, answer);
            }
            FieldType::Attachment => {
                view.files = listed
                    .iter()
                    .map(|id| {
                        let name = self.refs.uploads.iter().find(|(u, _)| u == id);
                        (id.clone(), name.map_or(id.clone(), |(_, n)| n.clone()))
                    })
                    .collect();
            }
            FieldType::Cohort => self.cohort(&mut view, answer),
            _ => {}
        }
        view
    }

    fn cohort(&self, view: &mut FieldView, answer: Option<&Value>) {
        let name = format!("f.{}.definition", view.id);
        let written = self.raw.get(&name).cloned().or_else(|| {
            answer
                .filter(|a| a.is_object())
                .and_then(|a| serde_json::to_string_pretty(a).ok())
        });
        let chosen = if written.is_some() {
            "definition".to_owned()
        } else {
            view.value.clone()
        };
        view.definition = written.unwrap_or_default();
        view.options = self
            .refs
            .cohorts
            .iter()
            .map(|(id, name)| Opt {
                value: id.clone(),
                label: name.clone(),
                checked: *id == chosen,
            })
            .collect();
        view.options.push(Opt {
            value: "definition".into(),
            label: crate::i18n::text(self.lang, "form_page.cohort_definition").into(),
            checked: chosen == "definition",
        });
    }
}

/// How much of the form's errors the page shows: after "Save" or "Submit" every one; while
/// writing only those about what was written (not yet "required").
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    Written,
    All,
}

/// The page's view of every field and the error list, from the answers as saved, the
/// inputs that could not be saved and the problems with both.
struct Inputs<'a> {
    answers: &'a Map<String, Value>,
    raw: &'a BTreeMap<String, String>,
    /// (field, message) of inputs the form could not take, in the user's language.
    local: &'a [(String, String)],
    errors: &'a [FormError],
}

fn views(
    state: &AppState,
    lang: Lang,
    visible: &BTreeSet<String>,
    refs: &UserRefs,
    input: &Inputs,
    shown: Shown,
) -> (Vec<SectionView>, Vec<(String, String, String)>) {
    let form = &state.rules.book.form;
    let live = looked_at(form);
    let ctx = Ctx {
        lang,
        answers: input.answers,
        raw: input.raw,
        refs,
        live: &live,
    };
    let mut summary = Vec::new();
    let sections = form
        .sections
        .iter()
        .map(|s| SectionView {
            id: s.id.clone(),
            title: s.title.get(lang).to_owned(),
            fields: s
                .fields
                .iter()
                .filter(|f| visible.contains(&f.id))
                .map(|f| {
                    let errors = field_errors(f, lang, input, shown);
                    for e in &errors {
                        summary.push((
                            format!("in-{}", f.id),
                            f.label.get(lang).to_owned(),
                            e.clone(),
                        ));
                    }
                    let mut view = ctx.field(f, errors);
                    view.articles =
                        crate::advice::links(state, ork_advice::About::Field, &f.id, lang);
                    view
                })
                .collect(),
        })
        .filter(|s| !s.fields.is_empty())
        .collect();
    (sections, summary)
}

/// One field's messages: what could not be taken, then the form's errors.
fn field_errors(f: &Field, lang: Lang, input: &Inputs, shown: Shown) -> Vec<String> {
    let local: Vec<String> = input
        .local
        .iter()
        .filter(|(x, _)| *x == f.id)
        .map(|(_, m)| m.clone())
        .collect();
    let form = input
        .errors
        .iter()
        .filter(|e| e.field == f.id && (shown == Shown::All || e.code != "required"))
        // An input the form could not take is shown as typed; the saved answer's own
        // errors would be about something the user no longer sees.
        .filter(|_| local.is_empty())
        .map(
            |e| match e.at.as_deref().and_then(|a| a.split('.').next()) {
                Some(row) => format!(
                    "{} {row}: {}",
                    crate::i18n::text(lang, "form_page.row"),
                    e.message(lang)
                ),
                None => e.message(lang).to_owned(),
            },
        );
    local.iter().cloned().chain(form).collect()
}

/// The steps of the application's roadmap with their authorities and fees.
fn steps(
    state: &AppState,
    lang: Lang,
    roadmap: &ork_rules::report::RoadmapReport,
    orgs: &[ork_store::Organisation],
    applicant: &str,
) -> Vec<StepLine> {
    roadmap
        .steps
        .iter()
        .map(|s| {
            let rule = state.rules.book.step(service::rule_of(&s.id));
            // The record of processing is decided in the applicant's own organisation.
            let id = if s.authority == "own_institution" {
                applicant
            } else {
                s.authority.as_str()
            };
            (
                step_label(&state.catalog.catalog, &state.rules.book, &s.id, lang),
                org_name(orgs, id, lang),
                rule.map(|r| r.fee.get(lang).to_owned()).unwrap_or_default(),
            )
        })
        .collect()
}

/// What one rendering of the page needs beyond the application.
struct Render<'a> {
    raw: &'a BTreeMap<String, String>,
    local: &'a [(String, String)],
    /// Errors of a refused submission (else the form's own check).
    refused: Option<Vec<FormError>>,
    shown: Shown,
    saved: bool,
}

async fn page(
    state: &AppState,
    c: Chrome,
    p: &Principal,
    app: &Application,
    r: Render<'_>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let need = service::need(app)?;
    let roadmap = service::roadmap(state, app)?;
    let answers = service::answers(app);
    let refs = UserRefs::load(state, p).await?;
    let checked = service::check(state, &need, &roadmap, &answers, &refs);
    let errors = r.refused.unwrap_or(checked.errors);
    let inputs = Inputs {
        answers: &answers,
        raw: r.raw,
        local: r.local,
        errors: &errors,
    };
    let (sections, summary) = views(state, lang, &checked.visible, &refs, &inputs, r.shown);
    let orgs = state.store.list_orgs().await?;
    let saved = if r.saved {
        let now = time::OffsetDateTime::from_unix_timestamp(ork_store::now_unix())
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        format!(
            "{} {:02}:{:02} UTC",
            crate::i18n::text(lang, "form_page.saved"),
            now.hour(),
            now.minute()
        )
    } else {
        String::new()
    };
    let mut c = c;
    c.here = format!("/applications/{}/edit", app.id);
    let page = FormPage {
        c,
        id: app.id.clone(),
        title: app.title.clone(),
        resubmit: app.state == ork_cases::AppState::Submitted,
        sections,
        summary,
        steps: steps(state, lang, &roadmap, &orgs, app.org_id.as_str()),
        saved,
        redraw: format!(
            " hx-post=\"/applications/{}/edit\" hx-trigger=\"change consume\" hx-target=\"#app-form\" hx-select=\"#app-form\" hx-swap=\"outerHTML\" hx-include=\"closest form\" hx-sync=\"closest form:queue last\"",
            app.id
        ),
        send: format!(
            " hx-post=\"/applications/{}/edit\" hx-target=\"#app-form\" hx-select=\"#app-form\" hx-swap=\"outerHTML show:top\" hx-sync=\"closest form:queue all\"",
            app.id
        ),
    };
    Ok(render(lang, &page))
}

/// An application the user may edit now, or where to go instead (its page).
async fn editable(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Result<(Application, Standing), Response>, ApiError> {
    let (app, standing) = service::find(state, p, id).await?;
    let parts = state.store.parts_of(id).await?;
    if !standing.may_edit() || !service::editable(&app, &parts) {
        return Ok(Err(
            Redirect::to(&format!("/applications/{id}")).into_response()
        ));
    }
    Ok(Ok((app, standing)))
}

/// GET /applications/{id}/edit: the form with the answers so far.
pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (app, _) = match editable(&state, &p, &id).await? {
        Ok(a) => a,
        Err(go) => return Ok(go),
    };
    let r = Render {
        raw: &BTreeMap::new(),
        local: &[],
        refused: None,
        shown: Shown::Written,
        saved: false,
    };
    page(&state, c, &p, &app, r).await
}

/// A file chosen for an attachment field: (field id, file name, declared type, bytes).
type Chosen = (String, String, Option<String>, axum::body::Bytes);

/// The page's inputs and its chosen files, from a urlencoded or multipart body.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
) -> Result<(Vec<(String, String)>, Vec<Chosen>), ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = crate::body::read_limited(body, super::uploads::MAX_REQUEST).await?;
    if !ct.starts_with("multipart/form-data") {
        let pairs = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| ApiError::invalid("invalid_form", &[]))?;
        return Ok((pairs, Vec::new()));
    }
    let bad = |_| ApiError::invalid("invalid_form", &[]);
    let boundary = multer::parse_boundary(&ct).map_err(bad)?;
    let stream =
        futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(bytes) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let (mut pairs, mut files) = (Vec::new(), Vec::new());
    while let Some(part) = mp.next_field().await.map_err(bad)? {
        let name = part.name().unwrap_or("").to_owned();
        match (
            part.file_name().map(str::to_owned),
            name.strip_prefix("file."),
        ) {
            (Some(file), Some(field)) => {
                let field = field.to_owned();
                let declared = part.content_type().map(|m| m.essence_str().to_owned());
                let content = part.bytes().await.map_err(bad)?;
                if !file.is_empty() && !content.is_empty() {
                    files.push((field, file, declared, content));
                }
            }
            (Some(_), None) => {}
            (None, _) => pairs.push((name, part.text().await.map_err(bad)?)),
        }
    }
    Ok((pairs, files))
}

/// Keeps the chosen files and names them among their fields' inputs; a file refused (too
/// large, a type not taken) is a message at its field.
async fn keep_files(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    lang: Lang,
    files: Vec<Chosen>,
    pairs: &mut Vec<(String, String)>,
) -> Result<Vec<(String, String)>, ApiError> {
    let form = &state.rules.book.form;
    let mut problems = Vec::new();
    for (field, name, declared, content) in files {
        let shown = pairs.iter().any(|(k, v)| k == "shown" && *v == field);
        if !shown
            || form
                .field(&field)
                .is_none_or(|f| f.kind != FieldType::Attachment)
        {
            continue;
        }
        match super::uploads::keep(state, p, client, &name, declared, &content).await {
            Ok(u) => pairs.push((format!("f.{field}"), u.id)),
            Err(e) if e.status.is_client_error() => {
                let name: String = name.chars().take(80).collect();
                problems.push((field, format!("{name}: {}", e.message(lang))));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(problems)
}

/// POST /applications/{id}/edit: saves what the page sent (`_action` `save`, `submit`, or
/// none for the page's own saving as the user writes) and shows the form again — or, when
/// submitted, the application.
pub async fn save(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let (app, _) = match editable(&state, &p, &id).await? {
        Ok(a) => a,
        Err(go) => return Ok(go),
    };
    let (mut pairs, files) = read_body(&headers, body).await?;
    let action = pairs
        .iter()
        .find(|(k, _)| k == "_action")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut local = keep_files(&state, &p, &client, lang, files, &mut pairs).await?;
    let read = form_read::read(&state.rules.book.form, &pairs);
    for (field, key) in &read.problems {
        let msg = crate::i18n::text(lang, &format!("form_page.{key}")).to_owned();
        local.push((field.clone(), msg));
    }
    let app = if read.patch.is_empty() {
        app
    } else {
        // Read and found editable above: saved at that revision, without reading it again.
        service::save_read(&state, &p, &client, &app, &read.patch).await?
    };
    let htmx = headers.contains_key("hx-request");
    let mut refused = None;
    if action == "submit" && local.is_empty() {
        match submit::submit(&state, &p, &client, &id).await {
            // htmx follows a redirect inside the page; it is told to go there instead.
            Ok(_) if htmx => {
                let to = format!("/applications/{id}");
                return Ok(([("hx-redirect", to)], StatusCode::OK).into_response());
            }
            Ok(_) => return Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
            Err(SubmitError::Invalid(errors)) => refused = Some(errors),
            Err(SubmitError::Api(e)) => return Err(e),
        }
    }
    let r = Render {
        raw: &read.raw,
        local: &local,
        refused,
        shown: if action.is_empty() {
            Shown::Written
        } else {
            Shown::All
        },
        saved: true,
    };
    let mut res = page(&state, c, &p, &app, r).await?;
    // A refused submission is a 422 to a browser without script; htmx swaps only a 200.
    if action == "submit" && !htmx {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// POST /applications/new (`title`, `need` as JSON — the roadmap's plan sends both): a
/// draft from the need, then its form.
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let get = |k: &str| form_value(&pairs, k);
    let need: ork_rules::Need =
        serde_json::from_str(get("need")).map_err(|_| ApiError::invalid("invalid_need", &[]))?;
    let on_behalf = Some(get("on_behalf_of")).filter(|c| !c.is_empty());
    let app = service::create(&state, &p, &client, get("title"), &need, None, on_behalf).await?;
    Ok(Redirect::to(&format!("/applications/{}/edit", app.id)).into_response())
}

//! Changing a permit in the portal (`/permits/{id}/amend`): the purpose, the end of the
//! project period, the end of the data period (the yearly data update), the datasets (keep,
//! remove, add one), the named users (remove, add one).
//! Sent, it is an amendment like the API's: only the approvals the change touches are
//! decided again; the page of the new application shows which carried over. A refused
//! change is shown again with every answer kept and the reasons.

use super::amend;
use super::service::{self, Standing};
use super::submit::SubmitError;
use crate::auth::{ClientAddr, Principal, WebUser};
use crate::web::{Chrome, form_value, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ork_cases::AppState as AppStateCode;
use serde_json::{Map, Value, json};

/// A person named in the permit (the form's `users`): name, e-mail, role, and whether the
/// change removes them.
pub struct UserRow {
    pub name: String,
    pub email: String,
    pub role: String,
    pub remove: bool,
}

#[derive(Template)]
#[template(path = "amend.html")]
struct AmendPage {
    c: Chrome,
    permit: String,
    title: String,
    purpose: String,
    period_from: String,
    period_to: String,
    /// The data's period: its end moves with the yearly data update.
    data_from: String,
    data_to: String,
    /// (id, name, kept)
    datasets: Vec<(String, String, bool)>,
    /// Sources that could be added: (id, name).
    others: Vec<(String, String)>,
    add: String,
    users: Vec<UserRow>,
    new_user: (String, String, String),
    /// (what, message) for a refused change.
    errors: Vec<(String, String)>,
    /// An amendment already under way (its application id).
    under_way: Option<String>,
}

/// What the form holds: read from the permit's application, or from what was sent.
struct Draft {
    purpose: String,
    period: (String, String),
    data_period: (String, String),
    kept: Vec<String>,
    add: String,
    users: Vec<UserRow>,
    new_user: (String, String, String),
}

fn text_of(v: Option<&Value>, key: &str) -> String {
    v.and_then(|v| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The permit's application as the form starts from it.
fn draft_of(app: &ork_store::Application) -> Result<Draft, ApiError> {
    let answers = service::answers(app);
    let need = service::need(app)?;
    let users = answers
        .get("users")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|u| UserRow {
                    name: text_of(Some(u), "name"),
                    email: text_of(Some(u), "email"),
                    role: text_of(Some(u), "role"),
                    remove: false,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Draft {
        purpose: answers
            .get("purpose")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        period: (
            text_of(answers.get("project_period"), "from"),
            text_of(answers.get("project_period"), "to"),
        ),
        data_period: (
            text_of(answers.get("data_period"), "from"),
            text_of(answers.get("data_period"), "to"),
        ),
        kept: need.datasets,
        add: String::new(),
        users,
        new_user: Default::default(),
    })
}

/// The permit, its application (the user may change it), and an amendment under way.
async fn load(
    state: &AppState,
    p: &Principal,
    permit_id: &str,
) -> Result<(ork_store::Permit, ork_store::Application, Option<String>), ApiError> {
    let permit = crate::permits::service::find(state, p, permit_id).await?;
    let (app, standing): (_, Standing) = service::find(state, p, &permit.application_id).await?;
    if !standing.may_edit() {
        return Err(ApiError::of(StatusCode::FORBIDDEN, "reader_only", &[]));
    }
    if crate::permits::service::status(&permit, ork_store::now_unix()) != "active" {
        return Err(ApiError::of(StatusCode::CONFLICT, "permit_not_active", &[]));
    }
    let under_way = state
        .store
        .amendments_of(&permit.id)
        .await?
        .into_iter()
        .find(|a| matches!(a.state, AppStateCode::Draft | AppStateCode::Submitted))
        .map(|a| a.id);
    Ok((permit, app, under_way))
}

fn page(
    state: &AppState,
    c: Chrome,
    permit: &ork_store::Permit,
    app: &ork_store::Application,
    under_way: Option<String>,
    d: Draft,
    errors: Vec<(String, String)>,
) -> AmendPage {
    let lang = c.t.lang;
    let cat = &state.catalog.catalog;
    let name = |id: &str| {
        cat.source(id)
            .map_or(id.to_owned(), |s| s.name.get(lang).to_owned())
    };
    let old = service::need(app).map(|n| n.datasets).unwrap_or_default();
    // Every dataset the permit holds, ticked when kept; a dataset added and kept is one of
    // the permit's after the change, so it is listed too.
    let mut listed = old.clone();
    for k in &d.kept {
        if !listed.contains(k) {
            listed.push(k.clone());
        }
    }
    let datasets = listed
        .iter()
        .map(|id| (id.clone(), name(id), d.kept.contains(id)))
        .collect();
    let mut others: Vec<(String, String)> = cat
        .sources
        .iter()
        .filter(|s| !listed.contains(&s.id))
        .map(|s| (s.id.clone(), s.name.get(lang).to_owned()))
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1));
    AmendPage {
        permit: permit.id.clone(),
        title: app.title.clone(),
        purpose: d.purpose,
        period_from: d.period.0,
        period_to: d.period.1,
        data_from: d.data_period.0,
        data_to: d.data_period.1,
        datasets,
        others,
        add: d.add,
        users: d.users,
        new_user: d.new_user,
        errors,
        under_way,
        c,
    }
}

/// GET /permits/{id}/amend: the change form, filled from the permit's application.
pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let (permit, app, under_way) = load(&state, &p, &id).await?;
    let d = draft_of(&app)?;
    Ok(render(
        lang,
        &page(&state, c, &permit, &app, under_way, d, Vec::new()),
    ))
}

/// The sent form as a draft: the purpose, the period's end, the datasets kept and the one
/// added, the users kept and the one added.
fn read(pairs: &[(String, String)], start: &Draft) -> Draft {
    let get = |k: &str| form_value(pairs, k).trim().to_owned();
    let all = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let removed = all("remove_user");
    let mut kept = all("keep");
    kept.retain(|k| !k.is_empty());
    let add = get("add");
    Draft {
        purpose: get("purpose"),
        period: (start.period.0.clone(), get("period_to")),
        data_period: (start.data_period.0.clone(), get("data_to")),
        kept,
        add,
        users: start
            .users
            .iter()
            .map(|u| UserRow {
                name: u.name.clone(),
                email: u.email.clone(),
                role: u.role.clone(),
                remove: removed.contains(&u.email),
            })
            .collect(),
        new_user: (get("new_name"), get("new_email"), get("new_role")),
    }
}

/// A change: the need and the answers to merge into the permit's.
type Change = (ork_rules::Need, Map<String, Value>);

/// The need and the answers the change makes, or `None` when it changes nothing.
fn change(
    app: &ork_store::Application,
    start: &Draft,
    d: &Draft,
) -> Result<Option<Change>, ApiError> {
    let mut need = service::need(app)?;
    let answers = service::answers(app);
    let mut patch = Map::new();
    if d.purpose != start.purpose {
        patch.insert("purpose".into(), Value::String(d.purpose.clone()));
    }
    if d.period.1 != start.period.1 {
        patch.insert(
            "project_period".into(),
            json!({"from": d.period.0, "to": d.period.1}),
        );
    }
    if d.data_period.1 != start.data_period.1 {
        patch.insert(
            "data_period".into(),
            json!({"from": d.data_period.0, "to": d.data_period.1}),
        );
    }
    let mut datasets: Vec<String> = need
        .datasets
        .iter()
        .filter(|x| d.kept.contains(x))
        .cloned()
        .collect();
    if !d.add.is_empty() && !datasets.contains(&d.add) {
        datasets.push(d.add.clone());
    }
    if datasets != need.datasets {
        // What the form says about each dataset follows it: kept for those kept, a new entry
        // (all variables until the applicant narrows it) for the one added.
        let mut described: Vec<Value> = answers
            .get("data_description")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter(|e| {
                        e["id"]
                            .as_str()
                            .is_some_and(|i| datasets.iter().any(|x| x == i))
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for id in &datasets {
            if !described.iter().any(|e| e["id"] == id.as_str()) {
                described.push(json!({"id": id, "variables": []}));
            }
        }
        patch.insert("data_description".into(), Value::Array(described));
        need.datasets = datasets;
    }
    let (n, e, r) = &d.new_user;
    let adds = !(n.is_empty() && e.is_empty() && r.is_empty());
    if adds || d.users.iter().any(|u| u.remove) {
        let mut users: Vec<Value> = d
            .users
            .iter()
            .filter(|u| !u.remove)
            .map(|u| json!({"name": u.name, "email": u.email, "role": u.role}))
            .collect();
        if adds {
            users.push(json!({"name": n, "email": e, "role": r}));
        }
        patch.insert("users".into(), Value::Array(users));
    }
    Ok((!patch.is_empty()).then_some((need, patch)))
}

/// POST /permits/{id}/amend: makes the amendment and shows the new application; a refused
/// change is shown again with what was written and why.
pub async fn post(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let (permit, app, under_way) = load(&state, &p, &id).await?;
    let start = draft_of(&app)?;
    let d = read(&pairs, &start);
    let form = &state.rules.book.form;
    let label = |f: &str| {
        form.field(f)
            .map_or(f.to_owned(), |x| x.label.get(lang).to_owned())
    };
    let outcome = match change(&app, &start, &d)? {
        None => Err((
            StatusCode::BAD_REQUEST,
            vec![(
                String::new(),
                crate::i18n::text(lang, "amend.nothing").to_owned(),
            )],
        )),
        Some((need, patch)) => {
            match amend::amend(&state, &p, &client, &permit.id, need, &patch).await {
                Ok(a) => Ok(a),
                Err(SubmitError::Invalid(errors)) => Err((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    errors
                        .iter()
                        .map(|e| (label(&e.field), e.message(lang).to_owned()))
                        .collect(),
                )),
                Err(SubmitError::Api(e)) if e.status.is_client_error() => {
                    Err((e.status, vec![(String::new(), e.message(lang).to_owned())]))
                }
                Err(SubmitError::Api(e)) => return Err(e),
            }
        }
    };
    match outcome {
        Ok(a) => Ok(Redirect::to(&format!("/applications/{}", a.id)).into_response()),
        Err((status, errors)) => {
            let mut c = c;
            c.here = format!("/permits/{id}/amend");
            let mut res = render(lang, &page(&state, c, &permit, &app, under_way, d, errors));
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

//! The clients page: the consultancies your organisation has authorised (give, revoke) and
//! the clients that have authorised yours.

use super::service;
use crate::auth::{ClientAddr, WebUser};
use crate::web::{Chrome, form_value, org_name, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// One authorisation as the page shows it.
pub struct Row {
    pub id: String,
    pub client: String,
    pub agent: String,
    pub sees: String,
    pub granted: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "clients.html")]
struct ClientsPage {
    c: Chrome,
    rows: Vec<Row>,
    /// Organisations that could be authorised: (id, name).
    agents: Vec<(String, String)>,
    error: Option<String>,
}

async fn page_of(
    state: &AppState,
    c: Chrome,
    p: &crate::auth::Principal,
    error: Option<String>,
) -> Result<ClientsPage, ApiError> {
    let lang = c.t.lang;
    let orgs = state.store.list_orgs().await?;
    let mine: Vec<String> = p.memberships.iter().map(|m| m.org_id.to_string()).collect();
    let rows = service::visible(state, p)
        .await?
        .into_iter()
        .map(|a| Row {
            client: org_name(&orgs, &a.client_org, lang),
            agent: org_name(&orgs, &a.agent_org, lang),
            sees: a.sees,
            granted: crate::dates::date(a.granted_at),
            active: a.revoked_at.is_none(),
            id: a.id,
        })
        .collect();
    let mut agents: Vec<(String, String)> = orgs
        .iter()
        .filter(|o| !mine.contains(&o.id.to_string()))
        .filter(|o| {
            matches!(
                o.kind,
                ork_domain::OrgKind::Company
                    | ork_domain::OrgKind::UniversityHospital
                    | ork_domain::OrgKind::ForeignOrganisation
            )
        })
        .map(|o| {
            (
                o.id.to_string(),
                lang.pick(&o.name_da, &o.name_en).to_owned(),
            )
        })
        .collect();
    agents.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(ClientsPage {
        c,
        rows,
        agents,
        error,
    })
}

/// GET /clients
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    Ok(render(lang, &page_of(&state, c, &p, None).await?))
}

/// POST /clients (`agent`, `sees`): authorises a consultancy, then shows the page.
pub async fn authorise(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let get = |k: &str| form_value(&pairs, k).to_owned();
    match service::authorise(&state, &p, &client, None, &get("agent"), &get("sees")).await {
        Ok(_) => Ok(Redirect::to("/clients").into_response()),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let mut res = render(
                lang,
                &page_of(&state, c, &p, Some(e.message(lang).to_owned())).await?,
            );
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

/// POST /clients/{id}/revoke
pub async fn revoke(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    match service::revoke(&state, &p, &client, &id).await {
        Ok(_) => Ok(Redirect::to("/clients").into_response()),
        Err(e) if e.status == StatusCode::CONFLICT => Ok(Redirect::to("/clients").into_response()),
        Err(e) => Err(e),
    }
}

//! Agreements in the portal: the ones waiting for your signature as a party, and one
//! agreement with its exact text, its hash, who has signed, and the signature form.

use super::api::{AgreementBody, body};
use super::service;
use crate::auth::{ClientAddr, WebUser};
use crate::web::{Chrome, form_value, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Template)]
#[template(path = "agreements.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<AgreementBody>,
}

/// GET /agreements: the agreements you sign for a party.
pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    let mut rows = Vec::new();
    for a in state
        .store
        .agreements_for_signatory(p.user.email.as_str())
        .await?
    {
        rows.push(body(&state, &p, &a).await?);
    }
    let lang = c.t.lang;
    Ok(render(lang, &ListPage { c, rows }))
}

#[derive(Template)]
#[template(path = "agreement.html")]
struct AgreementPage {
    c: Chrome,
    a: AgreementBody,
    title: String,
    error: Option<String>,
}

async fn page_of(
    state: &AppState,
    c: Chrome,
    p: &crate::auth::Principal,
    id: &str,
    error: Option<String>,
) -> Result<AgreementPage, ApiError> {
    let a = service::find(state, p, id).await?;
    let title = state
        .store
        .application(&a.application_id)
        .await?
        .map(|x| x.title)
        .unwrap_or_default();
    Ok(AgreementPage {
        a: body(state, p, &a).await?,
        title,
        error,
        c,
    })
}

/// GET /agreements/{id}
pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    Ok(render(lang, &page_of(&state, c, &p, &id, None).await?))
}

/// POST /agreements/{id}/sign (`sha256`, `side`, `read`): signs, then shows the agreement;
/// a refused signature shows it again with the reason.
pub async fn sign(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    let get = |k: &str| form_value(&pairs, k).trim().to_owned();
    let done = if get("read") == "yes" {
        let side = get("side");
        let side = (!side.is_empty()).then_some(side);
        service::sign(&state, &p, &client, &id, &get("sha256"), side.as_deref())
            .await
            .map(drop)
    } else {
        Err(ApiError::invalid("confirm_read", &[]))
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/agreements/{id}")).into_response()),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let status = e.status;
            let mut c = c;
            c.here = format!("/agreements/{id}");
            let page = page_of(&state, c, &p, &id, Some(e.message(lang).to_owned())).await?;
            let mut res = render(lang, &page);
            *res.status_mut() = status;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}

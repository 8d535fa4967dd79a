use super::service::{self as tokens, token_status};
use crate::auth::{ClientAddr, WebUser};
use crate::dates::date;
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ork_store::{ApiToken, Membership};

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub expires: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    email: String,
    memberships: Vec<Membership>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
    error: Option<String>,
    /// The token lifetimes the platform allows, for the form: (default, maximum) in days.
    days: (i64, i64),
    /// The data-security certification's last valid day, and whether it holds today.
    certified: Option<(String, bool)>,
}

fn rows(tokens: &[ApiToken]) -> Vec<TokenRow> {
    tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name.clone(),
            expires: date(t.expires_at),
            status: token_status(t),
        })
        .collect()
}

async fn page_with(
    state: &AppState,
    c: Chrome,
    p: &crate::auth::Principal,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<Response, ApiError> {
    let tokens = rows(&state.store.tokens_of(p.user.id).await?);
    let lang = c.t.lang;
    let page = AccountPage {
        c,
        email: p.user.email.to_string(),
        memberships: p.memberships.clone(),
        tokens,
        new_token,
        error,
        days: tokens::lifetimes(state),
        certified: state.store.certification(p.user.id).await?.map(|d| {
            let today = date(ork_store::now_unix());
            let valid = d >= today;
            (d, valid)
        }),
    };
    Ok(render(lang, &page))
}

pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
) -> Result<Response, ApiError> {
    page_with(&state, c, &p, None, None).await
}

#[derive(serde::Deserialize)]
pub struct TokenForm {
    name: String,
    expires_in_days: Option<String>,
}

pub async fn create_token(
    State(state): State<AppState>,
    client: ClientAddr,
    c: Chrome,
    WebUser(p): WebUser,
    Form(f): Form<TokenForm>,
) -> Result<Response, ApiError> {
    let days = match f
        .expires_in_days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => Ok(None),
        Some(d) => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid("invalid_expiry.days", &[])),
    };
    let lang = c.t.lang;
    let validated = days.and_then(|d| tokens::validate(&state, &f.name, d));
    match validated {
        Ok((name, days)) => {
            let (_, secret) = tokens::issue(&state, &p, &client, name, days).await?;
            page_with(&state, c, &p, Some(secret), None).await
        }
        Err(e) => {
            let mut res = page_with(&state, c, &p, None, Some(e.message(lang).to_owned())).await?;
            *res.status_mut() = e.status;
            Ok(res)
        }
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
    tokens::revoke(&state, &p, &client, id).await?;
    Ok(Redirect::to("/account").into_response())
}

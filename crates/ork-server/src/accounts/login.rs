use crate::auth::cookies::{lang_cookie, set_cookie};
use crate::auth::session;
use crate::auth::{self, Auth, ClientAddr, Credentials, SignInError, secrets};
use crate::web::{Chrome, render, safe_next};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use ork_domain::{Email, Lang};
use ork_store::AuditSource;
use serde_json::json;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    email: String,
    error: Option<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
}

pub async fn form(c: Chrome, Query(q): Query<LoginQuery>) -> Response {
    let error = q.expired.is_some().then_some("login.expired");
    render(
        c.t.lang,
        &LoginPage {
            next: safe_next(q.next.as_deref()),
            email: String::new(),
            error,
            c,
        },
    )
}

#[derive(serde::Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    client: ClientAddr,
    jar: CookieJar,
    c: Chrome,
    Form(f): Form<LoginForm>,
) -> Result<Response, ApiError> {
    let next = safe_next(f.next.as_deref());
    let email_key = format!("account:{}", f.email.trim().to_lowercase());
    let addr_key = format!("address:{}", client.0);
    let cfg = &state.config;
    let limited = state
        .limiter
        .check(&addr_key, cfg.login_attempts_per_address, cfg.login_window)
        .err()
        .or_else(|| {
            state
                .limiter
                .check(&email_key, cfg.login_failures_per_account, cfg.login_window)
                .err()
        });
    if let Some(retry) = limited {
        tracing::warn!("sign-in rate limited");
        let mut res = again(c, next, &f.email, "login.rate_limited");
        *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry.as_secs()));
        return Ok(res);
    }
    state.limiter.record(&addr_key);

    let creds = Credentials::Password {
        email: f.email.clone(),
        password: f.password,
    };
    match state.password.authenticate(&state.store, &creds).await {
        Ok(user) => {
            state.limiter.clear(&email_key);
            let chosen = jar
                .get(auth::LANG_COOKIE)
                .and_then(|c| Lang::parse(c.value()));
            let mut res = Redirect::to(&next).into_response();
            session::start(&state, &user, &client, chosen, &mut res).await?;
            Ok(res)
        }
        Err(SignInError::WrongCredentials | SignInError::Disabled | SignInError::NotMine) => {
            state.limiter.record(&email_key);
            audit_failure(&state, &client, &f.email).await?;
            tracing::info!("sign-in failed");
            let mut res = again(c, next, &f.email, "login.failed");
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
}

/// The sign-in page again with the address typed and a problem (a text key).
fn again(c: Chrome, next: String, email: &str, error: &'static str) -> Response {
    let lang = c.t.lang;
    render(
        lang,
        &LoginPage {
            next,
            email: email.trim().to_owned(),
            error: Some(error),
            c,
        },
    )
}

/// A failed sign-in in the audit trail (never the text typed, see
/// [`failed_sign_in_subject`]).
async fn audit_failure(state: &AppState, client: &ClientAddr, email: &str) -> Result<(), ApiError> {
    let object_id = failed_sign_in_subject(state, email).await?;
    let mut tx = state.store.write().await?;
    tx.audit(
        &AuditSource {
            actor: None,
            org: None,
            source: client.0.clone(),
        },
        "session.sign_in_failed",
        "user",
        &object_id,
        json!({"method": state.password.method()}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a failed sign-in names in the audit trail: the account, when the text typed is a
/// well-formed address of an existing account; else only a hash of it, since the text may be
/// a password typed into the wrong field.
async fn failed_sign_in_subject(state: &AppState, typed: &str) -> Result<String, ApiError> {
    let typed = typed.trim().to_lowercase();
    if let Ok(email) = Email::parse(&typed)
        && state.store.user_by_email(&email).await?.is_some()
    {
        return Ok(email.to_string());
    }
    Ok(format!("sha256:{}", secrets::sha256_hex(&typed)))
}

pub async fn logout(
    State(state): State<AppState>,
    client: ClientAddr,
    Extension(a): Extension<Auth>,
) -> Result<Response, ApiError> {
    let mut res = Redirect::to("/").into_response();
    session::end(&state, &a, &client, &mut res).await?;
    Ok(res)
}

#[derive(serde::Deserialize)]
pub struct LangForm {
    lang: String,
    next: Option<String>,
}

/// Switches the language: remembered in a cookie, and for a signed-in user in the account.
pub async fn set_language(
    State(state): State<AppState>,
    client: ClientAddr,
    Extension(a): Extension<Auth>,
    Form(f): Form<LangForm>,
) -> Result<Response, ApiError> {
    let lang = Lang::parse(&f.lang).ok_or_else(|| ApiError::invalid("invalid_language", &[]))?;
    if let Auth::User(p) = &a
        && p.user.lang != lang
    {
        let mut tx = state.store.write().await?;
        tx.set_lang(&p.audit_source(&client, None), &p.user, lang)
            .await?;
        tx.commit().await?;
    }
    let mut res = Redirect::to(&safe_next(f.next.as_deref())).into_response();
    set_cookie(&mut res, lang_cookie(&state, lang));
    Ok(res)
}

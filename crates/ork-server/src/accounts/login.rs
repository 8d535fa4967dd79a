use crate::auth::{self, Auth, ClientAddr, Credentials, SignInError, Via, secrets};
use crate::middleware::{cookie, csrf_cookie, lang_cookie};
use crate::web::{Chrome, render, safe_next};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use axum_extra::extract::CookieJar;
use ork_domain::{Email, Lang};
use ork_store::{AuditSource, NewSession};
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

fn set_cookie(res: &mut Response, c: axum_extra::extract::cookie::Cookie<'static>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
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
        let lang = c.t.lang;
        let mut res = render(
            lang,
            &LoginPage {
                next,
                email: f.email.trim().to_owned(),
                error: Some("login.rate_limited"),
                c,
            },
        );
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
            let session_secret = secrets::random_secret();
            let csrf = secrets::random_secret();
            let src = AuditSource {
                actor: Some(user.email.to_string()),
                org: None,
                source: client.0.clone(),
            };
            let mut tx = state.store.write().await?;
            // A language chosen just before signing in is the user's latest choice: it
            // becomes their stored preference.
            let mut lang = user.lang;
            if let Some(chosen) = jar
                .get(auth::LANG_COOKIE)
                .and_then(|c| Lang::parse(c.value()))
                && chosen != user.lang
            {
                tx.set_lang(&src, &user, chosen).await?;
                lang = chosen;
            }
            let ttl = cfg.session_ttl.as_secs() as i64;
            let id_hash = secrets::sha256_hex(&session_secret);
            let new = NewSession {
                user_id: user.id,
                user_email: user.email.as_str(),
                id_hash: &id_hash,
                csrf_token: &csrf,
                ttl_secs: ttl,
                method: state.password.method(),
            };
            tx.create_session(&src, &new).await?;
            tx.commit().await?;
            tracing::info!(user_id = user.id, "signed in");
            let mut res = Redirect::to(&next).into_response();
            set_cookie(
                &mut res,
                cookie(&state, auth::SESSION_COOKIE, session_secret, Some(ttl)),
            );
            set_cookie(&mut res, csrf_cookie(&state, csrf));
            set_cookie(&mut res, lang_cookie(&state, lang));
            Ok(res)
        }
        Err(SignInError::WrongCredentials | SignInError::Disabled | SignInError::NotMine) => {
            state.limiter.record(&email_key);
            let object_id = failed_sign_in_subject(&state, &f.email).await?;
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
            tracing::info!("sign-in failed");
            let lang = c.t.lang;
            let mut res = render(
                lang,
                &LoginPage {
                    next,
                    email: f.email.trim().to_owned(),
                    error: Some("login.failed"),
                    c,
                },
            );
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
        Err(SignInError::Store(e)) => Err(e.into()),
    }
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
    if let Auth::User(p) = &a
        && let Via::Session { id_hash, .. } = &p.via
    {
        let mut tx = state.store.write().await?;
        tx.delete_session(&p.audit_source(&client, None), id_hash)
            .await?;
        tx.commit().await?;
        tracing::info!(user_id = p.user.id, "signed out");
    }
    let mut res = Redirect::to("/").into_response();
    set_cookie(
        &mut res,
        cookie(&state, auth::SESSION_COOKIE, String::new(), Some(0)),
    );
    // A fresh CSRF token for the anonymous visitor.
    set_cookie(&mut res, csrf_cookie(&state, secrets::random_secret()));
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
    let lang = Lang::parse(&f.lang).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_language",
            "Sproget skal være da eller en.",
            "The language must be da or en.",
        )
    })?;
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

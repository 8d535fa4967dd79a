//! Browser sessions: starting one when a user has proved who they are (the session and its
//! audit event in one transaction, the cookies on the response) and ending one.

use super::cookies::{cookie, csrf_cookie, lang_cookie, set_cookie};
use super::{Auth, ClientAddr, SESSION_COOKIE, Via, secrets};
use crate::{ApiError, AppState};
use axum::response::Response;
use ork_domain::Lang;
use ork_store::{AuditSource, NewSession, User};

/// Starts a session for `user`, who just signed in, and sets its cookies on `res`. A
/// language chosen just before signing in (`chosen`) is the user's latest choice: it
/// becomes their stored preference.
pub async fn start(
    state: &AppState,
    user: &User,
    client: &ClientAddr,
    chosen: Option<Lang>,
    res: &mut Response,
) -> Result<(), ApiError> {
    let session_secret = secrets::random_secret();
    let csrf = secrets::random_secret();
    let src = AuditSource {
        actor: Some(user.email.to_string()),
        org: None,
        source: client.0.clone(),
    };
    let mut tx = state.store.write().await?;
    let mut lang = user.lang;
    if let Some(chosen) = chosen
        && chosen != user.lang
    {
        tx.set_lang(&src, user, chosen).await?;
        lang = chosen;
    }
    let ttl = i64::try_from(state.config.session_ttl.as_secs()).unwrap_or(i64::MAX);
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
    set_cookie(
        res,
        cookie(state, SESSION_COOKIE, session_secret, Some(ttl)),
    );
    set_cookie(res, csrf_cookie(state, csrf));
    set_cookie(res, lang_cookie(state, lang));
    Ok(())
}

/// Ends the request's session, if it has one (with its audit event), and clears the
/// session cookie on `res`; the anonymous visitor gets a fresh CSRF token.
pub async fn end(
    state: &AppState,
    auth: &Auth,
    client: &ClientAddr,
    res: &mut Response,
) -> Result<(), ApiError> {
    if let Auth::User(p) = auth
        && let Via::Session { id_hash, .. } = &p.via
    {
        let mut tx = state.store.write().await?;
        tx.delete_session(&p.audit_source(client, None), id_hash)
            .await?;
        tx.commit().await?;
        tracing::info!(user_id = p.user.id, "signed out");
    }
    set_cookie(res, cookie(state, SESSION_COOKIE, String::new(), Some(0)));
    set_cookie(res, csrf_cookie(state, secrets::random_secret()));
    Ok(())
}

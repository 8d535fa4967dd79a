//! The platform's cookies: the session, the CSRF token and the language choice, all
//! HttpOnly, Path=/, Secure unless configured off.

use crate::AppState;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use ork_domain::Lang;

use super::{CSRF_COOKIE, LANG_COOKIE};

/// Builds a cookie with the platform's defaults: HttpOnly, Path=/, SameSite=Lax, Secure
/// unless configured off.
pub fn cookie(
    state: &AppState,
    name: &'static str,
    value: String,
    max_age_secs: Option<i64>,
) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_path("/");
    c.set_same_site(SameSite::Lax);
    c.set_secure(state.config.cookie_secure);
    if let Some(s) = max_age_secs {
        c.set_max_age(time::Duration::seconds(s));
    }
    c
}

/// The CSRF cookie: like [`cookie`] but `SameSite=Strict`, so no other site's request
/// ever carries it.
pub fn csrf_cookie(state: &AppState, value: String) -> Cookie<'static> {
    let mut c = cookie(state, CSRF_COOKIE, value, None);
    c.set_same_site(SameSite::Strict);
    c
}

/// The language cookie: remembers a visitor's choice for a year.
pub fn lang_cookie(state: &AppState, lang: Lang) -> Cookie<'static> {
    cookie(
        state,
        LANG_COOKIE,
        lang.code().to_owned(),
        Some(365 * 86_400),
    )
}

/// Adds a `Set-Cookie` header for `c` to a response.
pub fn set_cookie(res: &mut Response, c: Cookie<'static>) {
    if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

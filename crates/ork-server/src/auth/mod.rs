//! Who is asking: sign-in providers, sessions, API tokens, CSRF, rate limits, and the
//! extractors handlers use to require a signed-in user or a role.

pub mod cookies;
mod principal;
mod provider;
mod ratelimit;
pub mod secrets;
pub mod session;

pub use principal::{ApiUser, Auth, ClientAddr, Principal, TokenRejection, Via, WebUser, resolve};
pub use provider::{
    Credentials, LocalPassword, SignInError, SignInProvider, hash_password, validate_new_password,
};
pub use ratelimit::RateLimiter;

/// Cookie names. The session and CSRF cookies are HttpOnly; `ork_lang` remembers the
/// language of visitors who are not signed in (signed-in users' choice is stored with them).
pub const SESSION_COOKIE: &str = "ork_session";
pub const CSRF_COOKIE: &str = "ork_csrf";
pub const LANG_COOKIE: &str = "ork_lang";

/// The CSRF token to put in this response's forms, set by the context middleware.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

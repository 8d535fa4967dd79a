use super::SESSION_COOKIE;
use super::secrets::{TOKEN_PREFIX, sha256_hex};
use crate::{ApiError, AppState};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use ork_domain::Role;
use ork_store::{AuditSource, Membership, User, now_unix};

/// How the request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    Session { id_hash: String, csrf_token: String },
    Token { id: i64 },
}

/// A signed-in user with their roles.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub memberships: Vec<Membership>,
    pub via: Via,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.memberships.iter().any(|m| m.role == role)
    }

    pub fn require_role(&self, role: Role) -> Result<(), ApiError> {
        if self.has_role(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// Whether the user is a data steward of `controller` (the organisation that controls a
    /// dataset): who may edit its catalog entry and set its security regime.
    pub fn steward_of(&self, controller: &str) -> bool {
        self.memberships
            .iter()
            .any(|m| m.role == Role::DataSteward && m.org_id.as_str() == controller)
    }

    /// The organisation on whose behalf a role is exercised (the first that grants it).
    pub fn org_for(&self, role: Role) -> Option<String> {
        self.memberships
            .iter()
            .find(|m| m.role == role)
            .map(|m| m.org_id.to_string())
    }

    pub fn audit_source(&self, client: &ClientAddr, acting_for: Option<String>) -> AuditSource {
        AuditSource {
            actor: Some(self.user.email.to_string()),
            org: acting_for,
            source: client.0.clone(),
        }
    }
}

/// The outcome of looking at a request's credentials, stored in its extensions by the
/// context middleware.
#[derive(Debug, Clone)]
pub enum Auth {
    Anonymous,
    User(Box<Principal>),
    SessionExpired,
    /// A bearer token was given but cannot be used; the reason says why.
    TokenRejected(TokenRejection),
}

/// Why a bearer token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not `Bearer ork_…`.
    Malformed,
    Unknown,
    Revoked,
    Expired,
    /// The token's account is disabled.
    AccountDisabled,
}

impl TokenRejection {
    /// The stable error code the API answers with.
    pub fn code(self) -> &'static str {
        match self {
            Self::Malformed => "token_malformed",
            Self::Unknown => "token_unknown",
            Self::Revoked => "token_revoked",
            Self::Expired => "token_expired",
            Self::AccountDisabled => "account_disabled",
        }
    }

    /// The 401 the API answers with (its message is the code's, `i18n/messages.rs`).
    pub fn error(self) -> ApiError {
        ApiError::of(StatusCode::UNAUTHORIZED, self.code(), &[])
    }
}

/// The request's credentials as resolved, signed in or not (pages that show more to
/// signed-in users).
impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(auth_of(parts))
    }
}

impl Auth {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Auth::User(p) => Some(p),
            _ => None,
        }
    }
}

/// The client's address as the audit trail records it; set by the context middleware.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientAddr>()
            .cloned()
            .unwrap_or_else(|| ClientAddr("unknown".into())))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Looks at the bearer token, else the session cookie, and resolves the user.
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Auth, ApiError> {
    let now = now_unix();
    if headers.contains_key(header::AUTHORIZATION) {
        let Some(token) = bearer(headers).filter(|t| t.starts_with(TOKEN_PREFIX)) else {
            return Ok(Auth::TokenRejected(TokenRejection::Malformed));
        };
        let Some(record) = state.store.token_by_hash(&sha256_hex(token)).await? else {
            return Ok(Auth::TokenRejected(TokenRejection::Unknown));
        };
        if record.revoked_at.is_some() {
            return Ok(Auth::TokenRejected(TokenRejection::Revoked));
        }
        if record.expires_at <= now {
            return Ok(Auth::TokenRejected(TokenRejection::Expired));
        }
        return principal(state, record.user_id, Via::Token { id: record.id }).await;
    }
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(Auth::Anonymous);
    };
    let id_hash = sha256_hex(cookie.value());
    let Some(session) = state.store.session(&id_hash).await? else {
        return Ok(Auth::SessionExpired);
    };
    if session.expires_at <= now {
        return Ok(Auth::SessionExpired);
    }
    principal(
        state,
        session.user_id,
        Via::Session {
            id_hash,
            csrf_token: session.csrf_token,
        },
    )
    .await
}

async fn principal(state: &AppState, user_id: i64, via: Via) -> Result<Auth, ApiError> {
    let Some(user) = state.store.user_by_id(user_id).await? else {
        return Ok(Auth::SessionExpired);
    };
    if user.disabled {
        return Ok(match via {
            Via::Token { .. } => Auth::TokenRejected(TokenRejection::AccountDisabled),
            Via::Session { .. } => Auth::SessionExpired,
        });
    }
    let memberships = state.store.memberships(user.id).await?;
    Ok(Auth::User(Box::new(Principal {
        user,
        memberships,
        via,
    })))
}

fn auth_of(parts: &Parts) -> Auth {
    parts
        .extensions
        .get::<Auth>()
        .cloned()
        .unwrap_or(Auth::Anonymous)
}

/// A signed-in user, for the JSON API: 401 with a precise code otherwise.
pub struct ApiUser(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match auth_of(parts) {
            Auth::User(p) => Ok(Self(*p)),
            Auth::Anonymous => Err(ApiError::unauthenticated()),
            Auth::SessionExpired => Err(ApiError::of(
                StatusCode::UNAUTHORIZED,
                "session_expired",
                &[],
            )),
            Auth::TokenRejected(why) => Err(why.error()),
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(auth_of(parts).principal().cloned().map(Self))
    }
}

/// A signed-in user, for portal pages: a redirect to the sign-in page otherwise.
pub struct WebUser(pub Principal);

pub struct SignInRedirect(String);

impl IntoResponse for SignInRedirect {
    fn into_response(self) -> Response {
        Redirect::to(&self.0).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebUser {
    type Rejection = SignInRedirect;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let auth = auth_of(parts);
        if let Auth::User(p) = auth {
            return Ok(Self(*p));
        }
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        let next: String = url_encode(next);
        let expired = if matches!(auth, Auth::SessionExpired) {
            "&expired=1"
        } else {
            ""
        };
        Err(SignInRedirect(format!("/login?next={next}{expired}")))
    }
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ork_domain::Lang;
use std::fmt::Display;

/// One error type for the API and the portal. It carries a stable machine code and the
/// message in both languages; the response is rendered by the context middleware, which
/// knows the user's language and whether the client wants JSON or a page.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub da: String,
    pub en: String,
}

/// Attached to error responses so that the context middleware can render them.
#[derive(Debug, Clone)]
pub(crate) struct ErrorTexts(pub ApiError);

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        da: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            da: da.into(),
            en: en.into(),
        }
    }

    /// An error whose texts are the message `key` (`i18n/messages.rs`) with its placeholders
    /// filled from `args`; its code is the key up to a dot.
    pub fn of(status: StatusCode, key: &'static str, args: &[(&str, &dyn Display)]) -> Self {
        let code = key.split('.').next().unwrap_or(key);
        let (da, en) = crate::i18n::message(key, args);
        Self::new(status, code, da, en)
    }

    /// [`ApiError::of`] with 400 Bad Request.
    pub fn invalid(key: &'static str, args: &[(&str, &dyn Display)]) -> Self {
        Self::of(StatusCode::BAD_REQUEST, key, args)
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.da, &self.en)
    }

    pub fn bad_request(code: &'static str, da: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, da, en)
    }

    pub fn unauthenticated() -> Self {
        Self::of(StatusCode::UNAUTHORIZED, "unauthenticated", &[])
    }

    pub fn forbidden() -> Self {
        Self::of(StatusCode::FORBIDDEN, "forbidden", &[])
    }

    pub fn not_found() -> Self {
        Self::of(StatusCode::NOT_FOUND, "not_found", &[])
    }

    pub fn csrf() -> Self {
        Self::of(StatusCode::FORBIDDEN, "csrf_failed", &[])
    }

    pub fn internal() -> Self {
        Self::of(StatusCode::INTERNAL_SERVER_ERROR, "internal", &[])
    }

    /// The generic error for a bare status produced outside our handlers (router 404/405,
    /// timeouts, body limits).
    pub fn for_status(status: StatusCode) -> Self {
        let key = match status.as_u16() {
            400 => "bad_request",
            401 => "unauthenticated",
            403 => "forbidden.status",
            404 => "not_found.status",
            405 => "method_not_allowed",
            408 => "timeout",
            413 => "body_too_large",
            415 => "unsupported_media_type.status",
            422 => "unprocessable",
            429 => "rate_limited",
            s if s >= 500 => return Self::internal(),
            _ => "error",
        };
        Self::of(status, key, &[])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.status.into_response();
        res.extensions_mut().insert(ErrorTexts(self));
        res
    }
}

impl From<ork_store::StoreError> for ApiError {
    fn from(e: ork_store::StoreError) -> Self {
        use ork_store::StoreError::*;
        match e {
            NotFound(what) => Self::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("Findes ikke: {what}"),
                format!("Not found: {what}"),
            ),
            Conflict(what) => Self::new(
                StatusCode::CONFLICT,
                "conflict",
                format!("Findes allerede: {what}"),
                format!("Already exists: {what}"),
            ),
            Invalid(msg) => Self::new(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("Ugyldigt: {msg}"),
                format!("Invalid: {msg}"),
            ),
            other => {
                // Logged for us, never shown to the client.
                tracing::error!(error = %other, "store error");
                Self::internal()
            }
        }
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::internal()
    }
}

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ork_domain::Lang;

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

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Da => &self.da,
            Lang::En => &self.en,
        }
    }

    pub fn bad_request(code: &'static str, da: impl Into<String>, en: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, da, en)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Du er ikke logget ind.",
            "You are not signed in.",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Du har ikke en rolle, der giver adgang til dette.",
            "You do not have a role that gives access to this.",
        )
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Findes ikke.",
            "Not found.",
        )
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "Formularen er udløbet eller kom ikke fra denne side (CSRF-kontrol). Genindlæs siden, og prøv igen.",
            "The form has expired or did not come from this site (CSRF check). Reload the page and try again.",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Der opstod en fejl hos os. Prøv igen om lidt.",
            "An error occurred on our side. Please try again shortly.",
        )
    }

    /// The generic error for a bare status produced outside our handlers (router 404/405,
    /// timeouts, body limits).
    pub fn for_status(status: StatusCode) -> Self {
        let (code, da, en) = match status.as_u16() {
            400 => (
                "bad_request",
                "Forespørgslen kunne ikke forstås.",
                "The request could not be understood.",
            ),
            401 => (
                "unauthenticated",
                "Du er ikke logget ind.",
                "You are not signed in.",
            ),
            403 => (
                "forbidden",
                "Du har ikke adgang til dette.",
                "You do not have access to this.",
            ),
            404 => (
                "not_found",
                "Siden eller ressourcen findes ikke.",
                "The page or resource does not exist.",
            ),
            405 => (
                "method_not_allowed",
                "Metoden er ikke tilladt her.",
                "This method is not allowed here.",
            ),
            408 => (
                "timeout",
                "Forespørgslen tog for lang tid.",
                "The request took too long.",
            ),
            413 => (
                "body_too_large",
                "Forespørgslens indhold er for stort.",
                "The request body is too large.",
            ),
            415 => (
                "unsupported_media_type",
                "Forkert indholdstype.",
                "Wrong content type.",
            ),
            422 => (
                "unprocessable",
                "Indholdet kunne ikke behandles.",
                "The content could not be processed.",
            ),
            429 => (
                "rate_limited",
                "For mange forespørgsler. Vent lidt, og prøv igen.",
                "Too many requests. Wait a little and try again.",
            ),
            s if s >= 500 => return Self::internal(),
            _ => ("error", "Forespørgslen mislykkedes.", "The request failed."),
        };
        Self::new(status, code, da, en)
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

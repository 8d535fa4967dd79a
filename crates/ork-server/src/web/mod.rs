//! The portal's shared plumbing: the page frame ([`Chrome`]: language, user, CSRF token,
//! menu), rendering, error pages, safe return paths, the home page, and the assembly of
//! every feature's pages. Pages are server-rendered (askama templates in `templates/`) in
//! Danish and English, styled with Det Fælles Designsystem, htmx for partial updates. Every
//! form carries the CSRF token; the context middleware checks it.

mod home;

use crate::auth::{Auth, CsrfToken};
use crate::i18n::Tr;
use crate::{ApiError, AppState};
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use ork_domain::{Lang, Role};
use tower_http::services::ServeDir;

/// Every page: the home page, each feature's pages, the static assets, and a 404 page.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::index))
        .merge(crate::accounts::web_routes())
        .merge(crate::catalog::web_routes())
        .merge(crate::roadmap::web_routes())
        .merge(crate::quicktests::web_routes())
        .merge(crate::applications::web_routes())
        .merge(crate::cases::web_routes())
        .merge(crate::permits::web_routes())
        .merge(crate::notifications::web_routes())
        .merge(crate::agreements::web_routes())
        .merge(crate::clients::web_routes())
        .merge(crate::advice::web_routes())
        .merge(crate::audit::web_routes())
        .merge(crate::workspaces::web_routes())
        .merge(crate::airlock::web_routes())
        .merge(crate::jobs::web_routes())
        .nest_service("/static", ServeDir::new(&state.config.assets_dir))
        .fallback(|| async { ApiError::for_status(axum::http::StatusCode::NOT_FOUND) })
}

/// A main-menu entry.
#[derive(Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub current: bool,
}

/// What the page frame needs: language, the signed-in user, the CSRF token, the menu.
#[derive(Clone)]
pub struct Chrome {
    pub t: Tr,
    pub user_name: Option<String>,
    pub csrf: String,
    pub path: String,
    /// The path with its query: where a language switch returns to.
    pub here: String,
    pub nav: Vec<NavItem>,
}

impl Chrome {
    pub fn build(lang: Lang, auth: &Auth, csrf: &str, path: &str) -> Self {
        let p = auth.principal();
        let mut nav = vec![
            ("/", "nav.home"),
            ("/catalog", "nav.catalog"),
            ("/roadmap", "nav.roadmap"),
            ("/rulebook", "nav.rulebook"),
            ("/kb", "nav.kb"),
        ];
        if p.is_some_and(|p| p.has_role(Role::Applicant)) {
            nav.push(("/applications", "nav.applications"));
        }
        if p.is_some_and(|p| p.has_role(Role::CaseHandler)) {
            nav.push(("/cases", "nav.cases"));
        }
        if p.is_some_and(|p| p.has_role(Role::Applicant)) {
            nav.push(("/workspaces", "nav.workspaces"));
        }
        if p.is_some_and(|p| p.has_role(Role::DataSteward)) {
            nav.push(("/data-orders", "nav.data_orders"));
        }
        if p.is_some_and(|p| p.has_role(Role::OutputChecker) || p.has_role(Role::Applicant)) {
            nav.push(("/outputs", "nav.outputs"));
        }
        if p.is_some() {
            nav.push(("/questions", "nav.questions"));
            nav.push(("/quicktests", "nav.quicktests"));
            nav.push(("/catalog/basket", "nav.basket"));
            nav.push(("/account", "nav.account"));
        }
        if p.is_some_and(|p| p.has_role(Role::Operator)) {
            nav.push(("/operator", "nav.operator"));
        }
        if p.is_some_and(|p| p.has_role(Role::Auditor) || p.has_role(Role::Operator)) {
            nav.push(("/audit", "nav.audit"));
        }
        Self {
            t: Tr { lang },
            user_name: p.map(|p| p.user.name.clone()),
            csrf: csrf.to_owned(),
            path: path.to_owned(),
            here: path.to_owned(),
            nav: nav
                .into_iter()
                .map(|(href, key)| NavItem {
                    href,
                    key,
                    current: href == path
                        || (href == "/catalog" && path.starts_with("/catalog/sources"))
                        || (href == "/roadmap" && path.starts_with("/roadmap/"))
                        || (href == "/quicktests" && path.starts_with("/quicktests/"))
                        || (href == "/applications" && path.starts_with("/applications/"))
                        || (href == "/kb" && path.starts_with("/kb/"))
                        || (href == "/questions" && path.starts_with("/questions/"))
                        || (href == "/workspaces" && path.starts_with("/workspaces/"))
                        || (href == "/rulebook"
                            && (path.starts_with("/rulebook/") || path == "/precedents")),
                })
                .collect(),
        }
    }

    /// The other language, for the switcher.
    pub fn other_lang(&self) -> &'static str {
        match self.t.lang {
            Lang::Da => "en",
            Lang::En => "da",
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = parts.extensions.get::<Lang>().copied().unwrap_or_default();
        let auth = parts
            .extensions
            .get::<Auth>()
            .cloned()
            .unwrap_or(Auth::Anonymous);
        let csrf = parts
            .extensions
            .get::<CsrfToken>()
            .map(|c| c.0.clone())
            .unwrap_or_default();
        let mut c = Self::build(lang, &auth, &csrf, parts.uri.path());
        if let Some(pq) = parts.uri.path_and_query() {
            c.here = pq.as_str().to_owned();
        }
        Ok(c)
    }
}

/// Renders a template as an HTML response in the page's language.
pub fn render<T: Template>(lang: Lang, t: &T) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = Html(html).into_response();
            res.headers_mut().insert(
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(lang.code()),
            );
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "template error",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Chrome,
    code: &'a str,
    message: &'a str,
    status: u16,
}

/// The error page for portal requests.
pub(crate) fn error_page(
    _state: &AppState,
    lang: Lang,
    auth: &Auth,
    csrf: &str,
    path: &str,
    e: &ApiError,
) -> Response {
    let page = ErrorPage {
        c: Chrome::build(lang, auth, csrf, path),
        code: e.code,
        message: e.message(lang),
        status: e.status.as_u16(),
    };
    let mut res = render(lang, &page);
    *res.status_mut() = e.status;
    res
}

/// A local path to return to after a form, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains("://")
                && !n.chars().any(|c| c < ' ' || c == '\u{7f}') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// One field of a posted form (`""` when absent).
pub fn form_value<'a>(pairs: &'a [(String, String)], k: &str) -> &'a str {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map_or("", |(_, v)| v.as_str())
}

/// An organisation's name in the page's language, from the platform's organisations (its
/// id when it is not one of them).
pub fn org_name(orgs: &[ork_store::Organisation], id: &str, lang: Lang) -> String {
    orgs.iter()
        .find(|o| o.id.as_str() == id)
        .map_or(id.to_owned(), |o| {
            lang.pick(&o.name_da, &o.name_en).to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/account")), "/account");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil")), "/");
        assert_eq!(safe_next(None), "/");
        for bad in [
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\r/x",
            "/\u{7f}/evil.example",
            "/a\u{1}b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some("/catalog?q=ø&x=1")), "/catalog?q=ø&x=1");
    }
}

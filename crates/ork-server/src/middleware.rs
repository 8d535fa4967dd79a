//! The middleware stack, outermost first: request id → trace log → metrics → security
//! headers → context (client address, who is asking, language, CSRF check, error
//! rendering) → timeout → body limit → routes.

use crate::auth::{self, ApiUser, Auth, ClientAddr, CsrfToken, Via, secrets};
use crate::body::{BodyLimit, read_limited};
use crate::error::ErrorTexts;
use crate::{ApiError, AppState, telemetry, web};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use ork_domain::{Lang, Role};
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const CSRF_HEADER: &str = "x-csrf-token";
pub(crate) const CSRF_FIELD: &str = "_csrf";

pub(crate) fn stack(routes: Router<AppState>, state: AppState) -> Router {
    let config = state.config.clone();
    let csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
               connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    let mut router = routes
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(from_fn_with_state(state.clone(), context))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ));
    if config.serves_tls() {
        router = router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        ));
    }
    router
        .layer(from_fn(track_metrics))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
                    let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    // Only the path, redacted: never the query string, headers or body.
                    tracing::info_span!("request", method = %req.method(), path = %telemetry::redact(req.uri().path()), request_id = %id)
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(from_fn(drop_foreign_request_id))
        .with_state(state)
}

/// A client's `X-Request-Id` is kept only if it is a UUID (it goes into every log line of
/// the request); anything else is replaced by a fresh one.
async fn drop_foreign_request_id(mut req: Request, next: Next) -> Response {
    let is_uuid = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| uuid::Uuid::try_parse(v).is_ok());
    if !is_uuid {
        req.headers_mut().remove(&REQUEST_ID);
    }
    next.run(req).await
}

fn wants_json(path: &str, headers: &HeaderMap) -> bool {
    if path.starts_with("/api/") || path == "/metrics" {
        return true;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("application/json") && !accept.contains("text/html")
}

fn pick_lang(auth: &Auth, jar: &CookieJar, headers: &HeaderMap) -> Lang {
    if let Some(p) = auth.principal() {
        return p.user.lang;
    }
    jar.get(auth::LANG_COOKIE)
        .and_then(|c| Lang::parse(c.value()))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

fn client_addr(state: &AppState, req: &Request) -> ClientAddr {
    if state.config.trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|ip| !ip.is_empty())
    {
        // The rightmost entry is the one our trusted proxy added; anything left of it
        // came from the client and may be forged.
        return ClientAddr(ip.to_owned());
    }
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    ClientAddr(ip.unwrap_or_else(|| "unknown".into()))
}

/// What the context middleware settled about a request, for rendering its errors.
struct Ctx {
    path: String,
    json: bool,
    lang: Lang,
    auth: Auth,
    csrf: String,
}

impl Ctx {
    fn error(&self, state: &AppState, e: ApiError) -> Response {
        render_error(
            state,
            &self.path,
            self.json,
            self.lang,
            &self.auth,
            Some(&self.csrf),
            e,
        )
    }
}

async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let json = wants_json(&path, req.headers());
    let jar = CookieJar::from_headers(req.headers());
    // JupyterLab behind the notebooks' proxy sends Jupyter's own `Authorization: token …`;
    // the portal knows the user by the session, and the proxy gives Jupyter its token.
    if crate::jobs::proxy::is_notebook_path(&path) {
        req.headers_mut().remove(header::AUTHORIZATION);
    }
    // Static assets need no user: skip the three look-ups a signed-in request costs.
    let resolved = if path.starts_with("/static/") {
        Ok(Auth::Anonymous)
    } else {
        auth::resolve(&state, req.headers()).await
    };
    let auth = match resolved {
        Ok(a) => a,
        Err(e) => {
            let anonymous = Auth::Anonymous;
            return render_error(&state, &path, json, Lang::default(), &anonymous, None, e);
        }
    };
    let lang = pick_lang(&auth, &jar, req.headers());
    let client = client_addr(&state, &req);

    // The CSRF token of this browser: the session's once signed in, else the cookie's.
    let cookie_csrf = jar.get(auth::CSRF_COOKIE).map(|c| c.value().to_owned());
    let session_csrf = match &auth {
        Auth::User(p) => match &p.via {
            Via::Session { csrf_token, .. } => Some(csrf_token.clone()),
            Via::Token { .. } => None,
        },
        _ => None,
    };
    let csrf = session_csrf
        .clone()
        .or(cookie_csrf.clone())
        .unwrap_or_else(secrets::random_secret);
    let set_csrf_cookie = cookie_csrf.as_deref() != Some(csrf.as_str());
    let ctx = Ctx {
        path,
        json,
        lang,
        auth,
        csrf,
    };
    req = match guard_csrf(req, &state, &ctx, cookie_csrf, session_csrf).await {
        Ok(r) => r,
        Err(res) => return res,
    };

    req.extensions_mut().insert(ctx.auth.clone());
    req.extensions_mut().insert(lang);
    req.extensions_mut().insert(client);
    req.extensions_mut().insert(CsrfToken(ctx.csrf.clone()));
    req.extensions_mut()
        .insert(BodyLimit(state.config.max_body_bytes));
    let res = next.run(req).await;
    finish(res, &state, ctx, set_csrf_cookie)
}

/// Lets a request through the CSRF check, or answers it with the refusal.
async fn guard_csrf(
    req: Request,
    state: &AppState,
    ctx: &Ctx,
    cookie_csrf: Option<String>,
    session_csrf: Option<String>,
) -> Result<Request, Response> {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A valid bearer token is not ambient (a browser never adds it on its own): nothing to
    // forge. Any other Authorization header does not switch the check off.
    let valid_bearer = matches!(&ctx.auth, Auth::User(p) if matches!(p.via, Via::Token { .. }));
    // CSRF protects ambient credentials (the session cookie) and the sign-in form. An API
    // call that carries no session has nothing to forge; it gets its 401 from the handler.
    let api_without_session = ctx.path.starts_with("/api/") && session_csrf.is_none();
    if !unsafe_method || valid_bearer || api_without_session {
        return Ok(req);
    }
    // JupyterLab, behind the notebooks' proxy, proves its requests its own as Jupyter does:
    // the `X-XSRFToken` header repeats the `_xsrf` cookie, which another site cannot read
    // (and the session cookie is SameSite=Lax besides).
    if crate::jobs::proxy::is_notebook_path(&ctx.path) {
        if crate::jobs::proxy::xsrf_matches(req.headers()) {
            return Ok(req);
        }
        tracing::warn!("notebook XSRF check failed");
        return Err(ctx.error(state, ApiError::csrf()));
    }
    // A workspace's own-data form carries a file as large as the upload API takes.
    let own_data = ctx.path.starts_with("/workspaces/") && ctx.path.ends_with("/uploads");
    let (r, ok) = check_csrf(
        req,
        state,
        (cookie_csrf.as_deref(), session_csrf.as_deref()),
        own_data,
    )
    .await;
    let req = r.map_err(|e| ctx.error(state, e))?;
    if !ok {
        tracing::warn!("CSRF check failed");
        return Err(ctx.error(state, ApiError::csrf()));
    }
    Ok(req)
}

/// Renders errors made outside our handlers like ours, keeps API answers out of caches, and
/// gives a browser without one its CSRF cookie.
fn finish(mut res: Response, state: &AppState, ctx: Ctx, set_csrf_cookie: bool) -> Response {
    let texts = res.extensions_mut().remove::<ErrorTexts>();
    // Errors produced outside our handlers (router 404/405, timeouts, axum's own extractor
    // rejections, which are plain text) are rendered like ours.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    let bare_error = res.status().as_u16() >= 400 && plain;
    if texts.is_some() || bare_error {
        let e = texts
            .map(|t| t.0)
            .unwrap_or_else(|| ApiError::for_status(res.status()));
        let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
        let mut rendered = ctx.error(state, e);
        if let Some(v) = retry_after {
            rendered.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res = rendered;
    }
    if ctx.path.starts_with("/api/") || ctx.path == "/metrics" {
        // API answers carry secrets and personal data (a new token, /me, the audit trail,
        // statements): no cache keeps them.
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if set_csrf_cookie
        && !res
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.as_bytes().starts_with(auth::CSRF_COOKIE.as_bytes()))
    {
        let c = auth::cookies::csrf_cookie(state, ctx.csrf);
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// Checks the CSRF token of a state-changing request: the `X-CSRF-Token` header, or the
/// `_csrf` field of a urlencoded form (the body is read and put back). Returns the request
/// and whether the token matched.
async fn check_csrf(
    req: Request,
    state: &AppState,
    (cookie, session): (Option<&str>, Option<&str>),
    own_data: bool,
) -> (Result<Request, ApiError>, bool) {
    let expected = match session.or(cookie) {
        Some(e) => e.to_owned(),
        None => return (Ok(req), false),
    };
    if let Some(given) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let ok = secrets::constant_time_eq(given, &expected);
        return (Ok(req), ok);
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let multipart = ct.starts_with("multipart/form-data");
    if !ct.starts_with("application/x-www-form-urlencoded") && !multipart {
        return (Ok(req), false);
    }
    // A page's form with a file (the application's attachments) may be as large as an
    // upload; any other form as large as a body may be.
    let limit = if multipart && own_data {
        crate::workspaces::own::MAX_OWN_BYTES + 64 * 1024
    } else if multipart {
        crate::applications::uploads::MAX_REQUEST
    } else {
        state.config.max_body_bytes
    };
    let (parts, body) = req.into_parts();
    let bytes = match read_limited(body, limit).await {
        Ok(b) => b,
        Err(e) => return (Err(e), false),
    };
    let given = if multipart {
        multipart_csrf(&ct, bytes.clone()).await
    } else {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
            })
    };
    let ok = given.is_some_and(|g| secrets::constant_time_eq(&g, &expected));
    (Ok(Request::from_parts(parts, Body::from(bytes))), ok)
}

/// The `_csrf` field of a `multipart/form-data` body (a page's form that carries a file).
async fn multipart_csrf(content_type: &str, body: axum::body::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(CSRF_FIELD) && field.file_name().is_none() {
            return field.text().await.ok();
        }
    }
    None
}

fn render_error(
    state: &AppState,
    path: &str,
    json: bool,
    lang: Lang,
    auth: &Auth,
    csrf: Option<&str>,
    e: ApiError,
) -> Response {
    if e.status.is_server_error() {
        tracing::error!(code = e.code, status = e.status.as_u16(), "request failed");
    } else {
        tracing::info!(code = e.code, status = e.status.as_u16(), "request refused");
    }
    if json {
        let body = serde_json::json!({"error": {"code": e.code, "message": e.message(lang)}});
        return (
            e.status,
            [(header::CONTENT_LANGUAGE, lang.code())],
            axum::Json(body),
        )
            .into_response();
    }
    web::error_page(state, lang, auth, csrf.unwrap_or(""), path, &e)
}

fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .expect("valid buckets")
            .build_recorder();
        let handle = recorder.handle();
        // Several servers in one process share this recorder (it is installed once). If
        // another one was installed first, ours renders nothing: say so.
        if let Err(e) = metrics::set_global_recorder(recorder) {
            tracing::warn!(error = %e, "another metrics recorder is installed; /metrics stays empty");
        }
        handle
    })
}

async fn track_metrics(req: Request, next: Next) -> Response {
    // Installs the recorder before the first request is counted.
    prometheus();
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let res = next.run(req).await;
    let status = res.status().as_u16().to_string();
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.clone()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels[..2])
        .record(start.elapsed().as_secs_f64());
    if res.status().is_server_error() {
        metrics::counter!("http_errors_total", &labels).increment(1);
    }
    res
}

/// The Prometheus metrics, for operators only: an operator's API token (or session).
pub(crate) async fn metrics_endpoint(ApiUser(p): ApiUser) -> Result<impl IntoResponse, ApiError> {
    p.require_role(Role::Operator)?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        prometheus().render(),
    ))
}

//! The notebooks' proxy: `/workspaces/{id}/notebook/…` in the portal, to the user's own
//! JupyterLab over its Unix socket, HTTP and WebSocket alike. Every request is the portal's
//! first: the user's session and the workspace's access rules (a user the permit does not
//! name gets 403, the WebSocket too); the portal's cookies are not passed on; Jupyter gets
//! the session's token instead.

use super::notebooks::{self, Session};
use crate::auth::{ClientAddr, WebUser};
use crate::{ApiError, AppState};
use axum::body::Body;
use axum::extract::ws::{Message as AxMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use tokio_tungstenite::tungstenite::Message as TgMessage;

/// Whether a path is a notebook's (behind the proxy).
pub fn is_notebook_path(path: &str) -> bool {
    path.strip_prefix("/workspaces/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, rest)| rest == "notebook" || rest.starts_with("notebook/"))
}

/// Whether a request repeats Jupyter's `_xsrf` cookie in its `X-XSRFToken` header.
pub fn xsrf_matches(headers: &HeaderMap) -> bool {
    let given = headers
        .get("x-xsrftoken")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !given.is_empty()
        && headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .any(|(k, v)| k == "_xsrf" && v == given)
}

/// GET /workspaces/{id}/notebook: to the notebook's own address.
pub async fn root(Path(id): Path<String>) -> Response {
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return StatusCode::NOT_FOUND.into_response();
    }
    Redirect::to(&notebooks::base_url(&id)).into_response()
}

/// /workspaces/{id}/notebook/ itself.
pub async fn proxy_root(
    state: State<AppState>,
    client: ClientAddr,
    user: WebUser,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    proxy(state, client, user, Path((id, String::new())), req).await
}

/// Any request under /workspaces/{id}/notebook/.
pub async fn proxy(
    State(state): State<AppState>,
    client: ClientAddr,
    WebUser(p): WebUser,
    Path((id, _rest)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    let e = notebooks::admit(&state, &p, &client, &id).await?;
    let websocket = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    if websocket && !same_origin(req.headers()) {
        return Err(ApiError::of(
            StatusCode::FORBIDDEN,
            "notebook_members_only",
            &[],
        ));
    }
    let session = notebooks::open(&state, &p, &client, &e).await?;
    if websocket {
        return websocket_to(session, req).await;
    }
    http_to(&session, req).await
}

/// A WebSocket's `Origin` is this site (a page of another site may not open one with the
/// user's session).
fn same_origin(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (host, origin) {
        (Some(host), Some(origin)) => origin
            .split_once("://")
            .is_some_and(|(_, o)| o.eq_ignore_ascii_case(host)),
        // Not a browser's page (a browser always sends Origin with a WebSocket).
        (_, None) => true,
        _ => false,
    }
}

/// The request's headers as Jupyter gets them: without the portal's cookies (Jupyter's own
/// `_xsrf` and `username-…` stay), without hop-by-hop headers, with the session's token.
fn forwarded(h: &HeaderMap, session: &Session) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (k, v) in h {
        let name = k.as_str();
        if matches!(
            name,
            "connection"
                | "keep-alive"
                | "proxy-authorization"
                | "te"
                | "trailer"
                | "transfer-encoding"
                | "upgrade"
                | "authorization"
                | "cookie"
                | "origin"
        ) || name.starts_with("sec-websocket")
        {
            continue;
        }
        out.append(k.clone(), v.clone());
    }
    let jupyter_cookies: Vec<&str> = h
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|c| c.starts_with("_xsrf=") || c.starts_with("username-"))
        .collect();
    if !jupyter_cookies.is_empty()
        && let Ok(v) = HeaderValue::from_str(&jupyter_cookies.join("; "))
    {
        out.insert(header::COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&session.authorization()) {
        out.insert(header::AUTHORIZATION, v);
    }
    out
}

fn bad_gateway(e: impl std::fmt::Display) -> ApiError {
    tracing::warn!(error = %e, "the notebook did not answer");
    ApiError::of(StatusCode::BAD_GATEWAY, "notebook_failed", &[])
}

async fn http_to(session: &Session, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let stream = tokio::net::UnixStream::connect(&session.socket)
        .await
        .map_err(bad_gateway)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(bad_gateway)?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let uri = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let mut out = hyper::Request::builder()
        .method(parts.method.clone())
        .uri(uri)
        .body(body)
        .map_err(bad_gateway)?;
    *out.headers_mut() = forwarded(&parts.headers, session);
    out.headers_mut()
        .insert(header::HOST, HeaderValue::from_static("localhost"));
    let res = sender.send_request(out).await.map_err(bad_gateway)?;
    let (mut rp, body) = res.into_parts();
    for h in ["connection", "keep-alive", "transfer-encoding"] {
        rp.headers.remove(h);
    }
    let cookies: Vec<HeaderValue> = rp
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| HeaderValue::from_str(&portal_cookie(v)).ok())
        .collect();
    rp.headers.remove(header::SET_COOKIE);
    for c in cookies {
        rp.headers.append(header::SET_COOKIE, c);
    }
    Ok(Response::from_parts(rp, Body::new(body)))
}

/// A cookie Jupyter sets, held to the portal's rules: `Secure` and `SameSite=Strict`, and
/// `HttpOnly` but for `_xsrf`, which JupyterLab's script must read to repeat it.
fn portal_cookie(v: &str) -> String {
    let lower = v.to_ascii_lowercase();
    let mut out = v.to_owned();
    if !lower.contains("; secure") {
        out.push_str("; Secure");
    }
    if !lower.contains("samesite") {
        out.push_str("; SameSite=Strict");
    }
    if !v.starts_with("_xsrf=") && !lower.contains("httponly") {
        out.push_str("; HttpOnly");
    }
    out
}

async fn websocket_to(session: Arc<Session>, req: Request) -> Result<Response, ApiError> {
    let (mut parts, _) = req.into_parts();
    let protocols: Vec<String> = parts
        .headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(',').map(|p| p.trim().to_owned()).collect())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    // Jupyter first: the browser is answered with the subprotocol Jupyter chose.
    let stream = tokio::net::UnixStream::connect(&session.socket)
        .await
        .map_err(bad_gateway)?;
    let mut up = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        format!("ws://localhost{path}"),
    )
    .map_err(bad_gateway)?;
    for (k, v) in forwarded(&parts.headers, &session) {
        if let Some(k) = k
            && k != header::HOST
        {
            up.headers_mut().insert(k, v);
        }
    }
    if !protocols.is_empty()
        && let Ok(v) = HeaderValue::from_str(&protocols.join(", "))
    {
        up.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    let (jupyter, answer) = tokio_tungstenite::client_async(up, stream)
        .await
        .map_err(bad_gateway)?;
    let chosen = answer
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let upgrade = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|_| ApiError::of(StatusCode::BAD_REQUEST, "notebook_websocket", &[]))?;
    let upgrade = match chosen {
        Some(p) => upgrade.protocols([p]),
        None => upgrade,
    };
    Ok(upgrade.on_upgrade(move |browser| pump(browser, jupyter)))
}

/// Carries messages both ways until either side closes.
async fn pump(
    browser: WebSocket,
    jupyter: tokio_tungstenite::WebSocketStream<tokio::net::UnixStream>,
) {
    let (mut b_tx, mut b_rx) = browser.split();
    let (mut j_tx, mut j_rx) = jupyter.split();
    let up = async {
        while let Some(Ok(m)) = b_rx.next().await {
            let m = match m {
                AxMessage::Text(t) => TgMessage::text(t.as_str()),
                AxMessage::Binary(b) => TgMessage::binary(b),
                AxMessage::Ping(b) => TgMessage::Ping(b),
                AxMessage::Pong(b) => TgMessage::Pong(b),
                AxMessage::Close(_) => break,
            };
            if j_tx.send(m).await.is_err() {
                break;
            }
        }
        let _ = j_tx.close().await;
    };
    let down = async {
        while let Some(Ok(m)) = j_rx.next().await {
            let m = match m {
                TgMessage::Text(t) => AxMessage::Text(t.as_str().into()),
                TgMessage::Binary(b) => AxMessage::Binary(b),
                TgMessage::Ping(b) => AxMessage::Ping(b),
                TgMessage::Pong(b) => AxMessage::Pong(b),
                TgMessage::Close(_) => break,
                TgMessage::Frame(_) => continue,
            };
            if b_tx.send(m).await.is_err() {
                break;
            }
        }
        let _ = b_tx.close().await;
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notebook_paths_and_the_xsrf_double_submit() {
        assert!(is_notebook_path("/workspaces/wsp-1/notebook/"));
        assert!(is_notebook_path("/workspaces/wsp-1/notebook/api/kernels"));
        assert!(is_notebook_path("/workspaces/wsp-1/notebook"));
        assert!(!is_notebook_path("/workspaces/wsp-1/notebooks"));
        assert!(!is_notebook_path("/workspaces/wsp-1/jobs"));
        let mut h = HeaderMap::new();
        h.insert("x-xsrftoken", HeaderValue::from_static("abc"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("ork_session=s; _xsrf=abc"),
        );
        assert!(xsrf_matches(&h));
        h.insert(header::COOKIE, HeaderValue::from_static("_xsrf=other"));
        assert!(!xsrf_matches(&h));
        h.remove("x-xsrftoken");
        h.insert("x-xsrftoken", HeaderValue::from_static(""));
        h.insert(header::COOKIE, HeaderValue::from_static("_xsrf="));
        assert!(!xsrf_matches(&h));
    }

    #[test]
    fn jupyters_cookies_keep_the_portals_rules() {
        assert_eq!(
            portal_cookie("username-localhost=abc; Path=/"),
            "username-localhost=abc; Path=/; Secure; SameSite=Strict; HttpOnly"
        );
        assert_eq!(
            portal_cookie("_xsrf=2|x; Path=/workspaces/w/notebook/"),
            "_xsrf=2|x; Path=/workspaces/w/notebook/; Secure; SameSite=Strict"
        );
    }

    #[test]
    fn a_websocket_from_another_site_is_not_the_portals() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("portal.example:8080"),
        );
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://portal.example:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
    }
}

//! Reading request bodies with a size limit, politely.

use crate::ApiError;
use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use futures_util::StreamExt;

/// The body size limit in force, put in each request's extensions by the context middleware.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How much of an oversize body is read and thrown away, as a multiple of the limit.
const DRAIN_FACTOR: usize = 8;

/// Reads a body of at most `limit` bytes. A larger body is read on and discarded up to
/// eight times the limit before the 413 is returned: a server that answers while the
/// client is still sending, and then closes, makes the client's kernel see a reset and
/// lose the answer. Beyond that the connection is dropped, which is fair to abuse.
pub async fn read_limited(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| ApiError::invalid("body_unreadable", &[]))?;
        seen = seen.saturating_add(chunk.len());
        if seen <= limit {
            buf.extend_from_slice(&chunk);
        } else if seen > limit.saturating_mul(DRAIN_FACTOR) {
            break;
        }
    }
    if seen > limit {
        return Err(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    Ok(buf.freeze())
}

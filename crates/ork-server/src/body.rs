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

/// A page's or an API client's form with text fields and one file (`multipart/form-data`):
/// each of `texts` at most once, `file` (its name and bytes) at most once, and a page's
/// `_csrf`, which the middleware checked. Anything else, or a body that does not read, is
/// `bad`.
pub struct FileForm {
    pub texts: std::collections::HashMap<&'static str, String>,
    pub file: Option<(String, Bytes)>,
}

pub async fn file_form(
    content_type: &str,
    body: Bytes,
    texts: &[&'static str],
    bad: fn() -> ApiError,
) -> Result<FileForm, ApiError> {
    let mut form = files_form(content_type, body, texts, "file", 1, bad).await?;
    Ok(FileForm {
        texts: form.texts,
        file: form.files.pop(),
    })
}

/// A form with text fields and up to `max` files in the field `field`, read as
/// [`file_form`] reads one.
pub struct FilesForm {
    pub texts: std::collections::HashMap<&'static str, String>,
    pub files: Vec<(String, Bytes)>,
}

pub async fn files_form(
    content_type: &str,
    body: Bytes,
    texts: &[&'static str],
    field: &str,
    max: usize,
    bad: fn() -> ApiError,
) -> Result<FilesForm, ApiError> {
    let boundary = multer::parse_boundary(content_type).map_err(|_| bad())?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut form = FilesForm {
        texts: std::collections::HashMap::new(),
        files: Vec::new(),
    };
    while let Some(f) = mp.next_field().await.map_err(|_| bad())? {
        let name = f.name().unwrap_or("");
        if let Some(k) = texts.iter().find(|k| **k == name) {
            if form.texts.contains_key(k) {
                return Err(bad());
            }
            form.texts.insert(k, f.text().await.map_err(|_| bad())?);
        } else if name == field && form.files.len() < max {
            let filename = f.file_name().unwrap_or("").to_owned();
            form.files
                .push((filename, f.bytes().await.map_err(|_| bad())?));
        } else if !(name == crate::middleware::CSRF_FIELD && f.file_name().is_none()) {
            return Err(bad());
        }
    }
    Ok(form)
}

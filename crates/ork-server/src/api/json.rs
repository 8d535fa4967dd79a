use crate::ApiError;
use crate::body::{BodyLimit, read_limited};
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A JSON object as the body. Unlike `axum::Json`, its rejections are our errors: 415 for a
/// wrong content type, 413 for a body over the limit, 400 for anything but an object, and
/// 400 with serde's precise message for malformed JSON, unknown fields (DTOs deny them),
/// wrong types or invalid UTF-8.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::of(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                &[],
            ));
        }
        let limit = req
            .extensions()
            .get::<BodyLimit>()
            .map_or(1024 * 1024, |l| l.0);
        let bytes = read_limited(req.into_body(), limit).await?;
        parse(&bytes).map(Self)
    }
}

/// A JSON object from a body's bytes, refused as [`ApiJson`] refuses it (for a handler that
/// takes JSON or a form on one path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Every body of the API is a JSON object; serde would also read a struct from an
    // array (`[null, null]`), which the OpenAPI document does not allow.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid("invalid_json.not_object", &[]));
    }
    serde_json::from_slice::<T>(bytes).map_err(|e| {
        // serde's message names the field and position but never echoes the input.
        let msg = e.to_string();
        ApiError::invalid("invalid_json", &[("problem", &msg)])
    })
}

//! Uploads: a file for an attachment field, its type checked from its bytes (not from
//! what the client says), size-limited, kept with its SHA-256.

use crate::auth::{ApiUser, ClientAddr, Principal};
use crate::body::read_limited;
use crate::ids::new_id;
use crate::{ApiError, AppState};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use ork_domain::{OrgId, Role};
use sha2::Digest;

/// The largest file taken (10 MiB), and the request around it.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
pub const MAX_REQUEST: usize = MAX_FILE + 64 * 1024;

/// The types taken: (media type, name for people).
const TYPES: [(&str, &str); 7] = [
    ("application/pdf", "PDF"),
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (DOCX)",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel (XLSX)",
    ),
    (
        "application/vnd.oasis.opendocument.text",
        "OpenDocument (ODT)",
    ),
    ("text/plain", "text"),
];

/// The type of a file by its content, or `None` when it is none of [`TYPES`].
pub fn sniff(b: &[u8]) -> Option<&'static str> {
    let zip_has = |needle: &[u8]| b.windows(needle.len()).any(|w| w == needle);
    if b.starts_with(b"%PDF-") {
        Some(TYPES[0].0)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(TYPES[1].0)
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(TYPES[2].0)
    } else if b.starts_with(b"PK\x03\x04") {
        if b.get(30..)
            .is_some_and(|r| r.starts_with(b"mimetypeapplication/vnd.oasis.opendocument.text"))
        {
            Some(TYPES[5].0)
        } else if zip_has(b"[Content_Types].xml") && zip_has(b"word/") {
            Some(TYPES[3].0)
        } else if zip_has(b"[Content_Types].xml") && zip_has(b"xl/") {
            Some(TYPES[4].0)
        } else {
            None
        }
    } else {
        let text = std::str::from_utf8(b).ok()?;
        let plain = !text.is_empty()
            && text
                .chars()
                .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'));
        plain.then_some(TYPES[6].0)
    }
}

fn name_of(media: &str) -> &str {
    TYPES
        .iter()
        .find(|(m, _)| *m == media)
        .map_or(media, |(_, n)| n)
}

/// A file name as kept: its last path part, without control characters, at most 200
/// characters.
fn clean_name(raw: &str) -> Result<String, ApiError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base.chars().any(char::is_control) {
        return Err(ApiError::invalid("invalid_filename", &[]));
    }
    Ok(base.chars().take(200).collect())
}

/// The one file of a `multipart/form-data` body: (file name, declared type, bytes).
async fn the_file(
    content_type: &str,
    body: Bytes,
) -> Result<(String, Option<String>, Bytes), ApiError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| ApiError::invalid("invalid_multipart", &[]))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut found = None;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| ApiError::invalid("invalid_multipart", &[]))?
    {
        if field.name() != Some("file") || found.is_some() {
            return Err(ApiError::invalid("invalid_multipart", &[]));
        }
        let name = field.file_name().unwrap_or("").to_owned();
        let declared = field.content_type().map(|m| m.essence_str().to_owned());
        let bytes = field
            .bytes()
            .await
            .map_err(|_| ApiError::invalid("invalid_multipart", &[]))?;
        found = Some((name, declared, bytes));
    }
    found.ok_or_else(|| ApiError::invalid("invalid_multipart", &[]))
}

/// A kept upload.
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct UploadBody {
    /// `upl-` and 12 letters and digits: what an attachment answer names.
    pub id: String,
    pub filename: String,
    /// As found from the content.
    pub media_type: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
}

/// The form of an upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file: PDF, PNG, JPEG, Word (DOCX), Excel (XLSX), OpenDocument text (ODT) or plain
    /// text, at most 10 MiB. Its type is found from its bytes; a declared type that differs
    /// is refused.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a file for an attachment answer (`multipart/form-data`, one part named `file`).
/// The type is found from the content; a file whose declared type is not what its bytes
/// say, or of a type not taken, is refused with the reason.
#[utoipa::path(post, path = "/api/v1/uploads", tag = "applications", security(("bearer" = []), ("session" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadBody),
        (status = 400, description = "Not one part named file, or a bad file name", body = crate::api::ErrorBody),
        (status = 401, body = crate::api::ErrorBody), (status = 403, description = "Not an applicant anywhere", body = crate::api::ErrorBody),
        (status = 413, description = "Over 10 MiB", body = crate::api::ErrorBody),
        (status = 415, description = "Not multipart/form-data, a type not taken, or a declared type the content contradicts", body = crate::api::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiUser(p): ApiUser,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<UploadBody>), ApiError> {
    applying_org(&p)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected_multipart",
            &[],
        ));
    }
    let bytes = read_limited(body, MAX_REQUEST).await?;
    let (filename, declared, content) = the_file(&ct, bytes).await?;
    let kept = keep(&state, &p, &client, &filename, declared, &content).await?;
    Ok((StatusCode::CREATED, Json(kept)))
}

/// The organisation a user uploads for: their first where they are an applicant.
fn applying_org(p: &Principal) -> Result<OrgId, ApiError> {
    p.memberships
        .iter()
        .find(|m| m.role == Role::Applicant)
        .map(|m| m.org_id.clone())
        .ok_or_else(|| ApiError::of(StatusCode::FORBIDDEN, "applicant_role_required", &[]))
}

/// Keeps one uploaded file for an attachment answer — from the API or the portal's form:
/// a name cleaned to its last path part, at most [`MAX_FILE`] bytes, a type found from the
/// content and taken, a declared type the content does not contradict. The audit event
/// names the file, its type, size and hash.
pub async fn keep(
    state: &AppState,
    p: &Principal,
    client: &ClientAddr,
    raw_name: &str,
    declared: Option<String>,
    content: &[u8],
) -> Result<UploadBody, ApiError> {
    let org = applying_org(p)?;
    let filename = clean_name(raw_name)?;
    if content.len() > MAX_FILE {
        return Err(ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE));
    }
    let accepted: Vec<&str> = TYPES.iter().map(|(_, n)| *n).collect();
    let Some(found) = sniff(content) else {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_type_not_taken",
            &[("accepted", &accepted.join(", "))],
        ));
    };
    if let Some(d) = declared.filter(|d| d != "application/octet-stream")
        && d != found
    {
        let d: String = d.chars().take(80).collect();
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "file_type_mismatch",
            &[("declared", &d), ("found", &name_of(found))],
        ));
    }
    let sha = hex::encode(sha2::Sha256::digest(content));
    let id = new_id("upl");
    let mut tx = state.store.write().await?;
    tx.create_upload(
        &p.audit_source(client, Some(org.to_string())),
        &ork_store::NewUpload {
            id: &id,
            user_id: p.user.id,
            org_id: Some(&org),
            filename: &filename,
            media_type: found,
            sha256: &sha,
            content,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(UploadBody {
        id,
        filename,
        media_type: found.to_owned(),
        size: content.len() as u64,
        sha256: sha,
    })
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn types_are_found_from_the_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"Protocol v2\nLine two\n"), Some("text/plain"));
        assert_eq!(sniff(b"MZ\x90\0\x03"), None, "an executable is not taken");
        assert_eq!(
            sniff(b"PK\x03\x04random zip"),
            None,
            "a zip that is no document"
        );
        assert_eq!(sniff(b""), None);
        let mut odt = b"PK\x03\x04".to_vec();
        odt.resize(30, 0);
        odt.extend_from_slice(b"mimetypeapplication/vnd.oasis.opendocument.text");
        assert_eq!(sniff(&odt), Some("application/vnd.oasis.opendocument.text"));
    }
}

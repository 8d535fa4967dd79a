//! Files for manual review (a figure, a text): the type found from the bytes must be what
//! the name says, and a text holding identifiers is blocked before anyone sees it.

use super::compute::{Blocked, is_identifier};
use crate::ApiError;
use axum::http::StatusCode;

/// The most bytes a file for manual review may have.
pub const MAX_FILE_BYTES: usize = crate::applications::uploads::MAX_FILE;

/// The types a file for review may have: media type, the name endings that say it, and
/// whether it is text.
const TYPES: &[(&str, &[&str])] = &[
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("application/pdf", &["pdf"]),
    ("text/csv", &["csv", "tsv"]),
    ("text/plain", &["txt", "md", "log"]),
];

/// Names of columns that hold identifiers.
const IDENTIFIER_COLUMNS: &[&str] = &[
    "pnr",
    "cpr",
    "cprnr",
    "personnummer",
    "pseudonym",
    "person_id",
];

/// The media type of a file for review, from its name and its bytes: refused when the bytes
/// are not what the name says, or neither is a type the airlock takes.
pub fn media_type(filename: &str, bytes: &[u8]) -> Result<&'static str, ApiError> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let named = TYPES.iter().find(|(_, exts)| exts.contains(&ext.as_str()));
    let Some((named, _)) = named else {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "output_file_type",
            &[("allowed", &"PNG, JPEG, PDF, CSV, TXT, MD")],
        ));
    };
    let found = crate::applications::uploads::sniff(bytes);
    let agrees = match (*named, found) {
        ("text/csv" | "text/plain", Some("text/plain")) => true,
        (n, Some(f)) => n == f,
        (_, None) => false,
    };
    if !agrees {
        return Err(ApiError::of(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "output_file_mismatch",
            &[("name", &filename)],
        ));
    }
    Ok(named)
}

/// Blocks a text that holds identifiers: a column named like one (`pnr`, `cpr`,
/// `pseudonym`…) in its first line, or a pseudonym or CPR number anywhere.
pub fn blocked_text(text: &str) -> Option<Blocked> {
    let split = |line: &str| -> Vec<String> {
        line.split([',', ';', '\t', '|'])
            .map(|f| f.trim().trim_matches('"').to_owned())
            .collect()
    };
    if let Some(head) = text.lines().next()
        && let Some(name) = split(head)
            .into_iter()
            .find(|f| IDENTIFIER_COLUMNS.contains(&f.to_ascii_lowercase().as_str()))
    {
        return Some(Blocked::Identifier(name));
    }
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
        if words.any(is_identifier) {
            return Some(Blocked::IdentifierLine(n + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_what_its_bytes_say() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert_eq!(media_type("figure.PNG", png).unwrap(), "image/png");
        assert_eq!(media_type("t.csv", b"a,b\n1,2\n").unwrap(), "text/csv");
        for (name, bytes) in [
            ("figure.png", &b"%PDF-1.7"[..]),
            ("table.csv", png),
            ("notes.txt", b"\0\x01binary"),
        ] {
            let e = media_type(name, bytes).unwrap_err();
            assert_eq!(
                (e.status, e.code),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "output_file_mismatch"),
                "{name}"
            );
        }
        assert_eq!(
            media_type("model.pkl", b"x").unwrap_err().code,
            "output_file_type"
        );
    }

    #[test]
    fn a_text_with_identifiers_is_blocked() {
        assert_eq!(
            blocked_text("PNR,age\n1,2\n"),
            Some(Blocked::Identifier("PNR".into()))
        );
        assert!(blocked_text("id,age\n0123456789abcdef0123456789abcdef,40\n").is_some());
        assert_eq!(
            blocked_text("region,count\nHovedstaden,120\n2019,DC50\n"),
            None
        );
    }
}

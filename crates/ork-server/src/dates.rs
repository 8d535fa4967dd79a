//! Unix seconds (as the store keeps times) written for people and for the API, in one place.

/// The day of a moment, `YYYY-MM-DD` (UTC); empty for a time out of range.
pub fn date(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// A moment as RFC 3339 (UTC), as the API writes times; empty for a time out of range.
pub fn iso(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_and_moments() {
        assert_eq!(super::date(1_764_806_400), "2025-12-04");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::date(i64::MAX), "");
    }
}

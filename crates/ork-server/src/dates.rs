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

/// The start (00:00 UTC) of a day written `YYYY-MM-DD`; `None` for anything else.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?)
        .ok()?;
    Some(date.midnight().assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates_and_moments() {
        assert_eq!(super::date(1_764_806_400), "2025-12-04");
        assert_eq!(super::iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::date(i64::MAX), "");
        assert_eq!(super::parse_date("2025-12-04"), Some(1_764_806_400));
        for bad in [
            "2025-13-01",
            "2025-02-30",
            "25-12-04",
            "2025-1-04",
            "+025-12-04",
            "",
        ] {
            assert_eq!(super::parse_date(bad), None, "{bad}");
        }
    }
}

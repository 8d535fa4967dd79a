//! Message catalogues: a crate's texts for people as one table of (key, Danish, English)
//! with `{name}` placeholders, filled from the arguments a call gives. The server keeps
//! its messages in `i18n/messages.rs`; domain crates that have messages keep a table each.

use std::fmt::Display;

/// (key, Danish, English), one row a message.
pub type Catalogue = [(&'static str, &'static str, &'static str)];

/// The template with each `{name}` replaced by its argument, in one pass (an argument's
/// own text is never read as a placeholder).
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            args.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v.to_string(), close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(&v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                out.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// The message `key` of `table` in both languages with its placeholders filled. An unknown
/// key gives the key itself (each catalogue's tests check that every key used exists).
pub fn message(table: &Catalogue, key: &str, args: &[(&str, &dyn Display)]) -> (String, String) {
    match table.iter().find(|(k, _, _)| *k == key) {
        Some((_, da, en)) => (fill(da, args), fill(en, args)),
        None => (key.to_owned(), key.to_owned()),
    }
}

/// Checks a catalogue: unique keys, both languages written, the same placeholders in both.
pub fn check(table: &Catalogue) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for (k, da, en) in table {
        if !seen.insert(*k) {
            return Err(format!("duplicate message {k}"));
        }
        if da.trim().is_empty() || en.trim().is_empty() {
            return Err(format!("{k}: a language is missing"));
        }
        let (mut a, mut b) = (placeholders(da), placeholders(en));
        a.sort_unstable();
        b.sort_unstable();
        if a != b {
            return Err(format!("{k}: the languages name different placeholders"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: &Catalogue = &[("a", "{x} og {y}", "{y} and {x}"), ("b", "{x}", "none")];

    #[test]
    fn placeholders_are_filled_once_and_checked() {
        assert_eq!(
            message(T, "a", &[("x", &"{y}"), ("y", &2)]).0,
            "{y} og 2",
            "an argument's text is never read as a placeholder"
        );
        assert_eq!(message(T, "nope", &[]).1, "nope");
        assert_eq!(placeholders("{a} {b}"), ["a", "b"]);
        assert!(check(&T[..1]).is_ok());
        assert!(check(T).unwrap_err().contains("b:"));
    }
}

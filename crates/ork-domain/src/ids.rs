use std::fmt;

/// Why a piece of input could not be parsed into a domain value. The message is English
/// and names what was expected; user interfaces translate by [`ParseError::kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {expected}")]
pub struct ParseError {
    pub what: &'static str,
    pub expected: &'static str,
}

impl ParseError {
    fn new(what: &'static str, expected: &'static str) -> Self {
        Self { what, expected }
    }

    /// A stable machine code for the kind of value that failed, e.g. `org_id`.
    pub fn kind(&self) -> &'static str {
        self.what
    }
}

/// The stable short id of an organisation (`sds`, `vek-hovedstaden`, `ku`): lower-case
/// ASCII letters, digits and single hyphens, 2–40 characters, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const EXPECTED: &str =
            "2-40 lower-case letters a-z, digits and single hyphens, starting with a letter";
        let ok = (2..=40).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && !s.ends_with('-')
            && !s.contains("--")
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new("org_id", EXPECTED))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address used as a sign-in name, stored lower-cased so that look-ups are exact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        const EXPECTED: &str = "an e-mail address like name@example.dk";
        let s = s.trim().to_lowercase();
        let Some((local, domain)) = s.split_once('@') else {
            return Err(ParseError::new("email", EXPECTED));
        };
        let ok = !local.is_empty()
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
            && !domain.contains('@');
        if ok {
            Ok(Self(s))
        } else {
            Err(ParseError::new("email", EXPECTED))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's display name: trimmed, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let s = s.trim();
        let n = s.chars().count();
        if (1..=200).contains(&n) && !s.chars().any(char::is_control) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                "name",
                "a name of 1-200 characters without control characters",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn org_ids() {
        for ok in ["sds", "vek-hovedstaden", "ku", "a1"] {
            assert!(OrgId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "s", "SDS", "-sds", "sds-", "s--d", "1abc", "æbler", "a b",
        ] {
            assert!(OrgId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_lower_cased() {
        assert_eq!(Email::parse(" Anna@KU.dk ").unwrap().as_str(), "anna@ku.dk");
        for bad in [
            "",
            "anna",
            "anna@",
            "@ku.dk",
            "anna@ku",
            "a b@ku.dk",
            "a@b@c.dk",
            "a@.dk",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn org_id_parse_never_panics_and_roundtrips(s in "\\PC{0,50}") {
            if let Ok(id) = OrgId::parse(&s) {
                prop_assert_eq!(id.as_str(), s.as_str());
            }
        }

        #[test]
        fn email_parse_is_idempotent(s in "\\PC{0,60}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e);
            }
        }
    }
}

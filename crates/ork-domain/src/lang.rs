/// The two languages every page and message exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "da" | "da-dk" => Some(Self::Da),
            "en" | "en-gb" | "en-us" => Some(Self::En),
            _ => None,
        }
    }

    /// The one of two values that is in this language.
    #[must_use]
    pub fn pick<T>(self, da: T, en: T) -> T {
        match self {
            Self::Da => da,
            Self::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Da => "da",
            Self::En => "en",
        }
    }

    /// Picks the first supported language of an `Accept-Language` header, in the order the
    /// client gave (quality values are rarely used by browsers for ordering differently).
    pub fn from_accept_language(header: &str) -> Option<Self> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| Self::parse(tag.split('-').next().unwrap_or("")))
            .next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,da;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("da,en"), Some(Lang::Da));
        assert_eq!(Lang::from_accept_language("fr-FR"), None);
    }
}

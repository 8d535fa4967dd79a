//! Every text a person reads, in Danish and English: the pages' texts (`pages.rs`, and
//! `pages_quicktests.rs`, `pages_advice.rs`, `pages_workspaces.rs`, `pages_airlock.rs`, `pages_jobs.rs` for those features) and the
//! error messages (`messages.rs`). Keys are stable ids; the tests check that every key used
//! in a template or in the Rust code exists, that no text is missing in either language,
//! and that no handler writes a message of its own.

use ork_domain::Lang;

mod messages;
mod pages;
mod pages_advice;
mod pages_airlock;
mod pages_jobs;
mod pages_quicktests;
mod pages_workspaces;

pub use messages::{MESSAGES, message, say};
/// Every page text: the shared ones and each feature's table.
pub fn texts() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    pages::TEXTS
        .iter()
        .chain(pages_quicktests::TEXTS)
        .chain(pages_advice::TEXTS)
        .chain(pages_workspaces::TEXTS)
        .chain(pages_airlock::TEXTS)
        .chain(pages_jobs::TEXTS)
}

/// Looks up a text. An unknown key returns the key itself, so a missing text is visible
/// on the page (and caught by the template test) rather than an empty space.
pub fn text(lang: Lang, key: &str) -> &str {
    match texts().find(|(k, _, _)| *k == key) {
        Some((_, da, en)) => match lang {
            Lang::Da => da,
            Lang::En => en,
        },
        None => key,
    }
}

/// Handed to templates as `t`: `{{ t.t("nav.home") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match texts().find(|(k, _, _)| *k == key) {
            Some((_, da, en)) => match self.lang {
                Lang::Da => da,
                Lang::En => en,
            },
            None => key,
        }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The label of a coded value, e.g. `label("kind", "company")` → "Virksomhed".
    pub fn label(&self, group: &str, code: &str) -> String {
        text(self.lang, &format!("{group}.{code}")).to_owned()
    }

    /// The role's name in the current language.
    pub fn role(&self, role: &ork_domain::Role) -> &'static str {
        use ork_domain::Role::*;
        match (self.lang, role) {
            (Lang::Da, Applicant) => "Ansøger",
            (Lang::Da, Advisor) => "Rådgiver",
            (Lang::Da, CaseHandler) => "Sagsbehandler",
            (Lang::Da, DataSteward) => "Dataforvalter",
            (Lang::Da, OutputChecker) => "Output-kontrollant",
            (Lang::Da, Auditor) => "Revisor",
            (Lang::Da, Citizen) => "Borger",
            (Lang::Da, Operator) => "Driftsansvarlig",
            (Lang::En, Applicant) => "Applicant",
            (Lang::En, Advisor) => "Advisor",
            (Lang::En, CaseHandler) => "Case handler",
            (Lang::En, DataSteward) => "Data steward",
            (Lang::En, OutputChecker) => "Output checker",
            (Lang::En, Auditor) => "Auditor",
            (Lang::En, Citizen) => "Citizen",
            (Lang::En, Operator) => "Operator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique_and_texts_present() {
        let mut seen = HashSet::new();
        for (k, da, en) in texts() {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(
                !da.trim().is_empty() && !en.trim().is_empty(),
                "missing text for {k}"
            );
        }
    }

    #[test]
    fn every_key_used_in_a_template_exists() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let re = regex::Regex::new(r#"t\.t\("([^"]+)"\)"#).unwrap();
        let mut checked = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            for cap in re.captures_iter(&src) {
                assert!(
                    texts().any(|(k, _, _)| *k == &cap[1]),
                    "{}: unknown text key {}",
                    path.display(),
                    &cap[1]
                );
                checked += 1;
            }
        }
        assert!(checked > 20, "templates use the translation table");
    }

    /// Every Rust source file of the server, with its path relative to `src/`.
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let rel = path
                        .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
                        .unwrap()
                        .display()
                        .to_string();
                    out.push((rel, std::fs::read_to_string(&path).unwrap()));
                }
            }
        }
        let mut out = Vec::new();
        walk(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
            &mut out,
        );
        out
    }

    #[test]
    fn messages_are_unique_complete_and_agree_on_placeholders() {
        ork_domain::messages::check(MESSAGES).unwrap();
    }

    #[test]
    fn every_key_used_in_the_rust_code_exists() {
        let page = regex::Regex::new(r#"(?:\bt\.t|\btext\(\s*\w+,)\(?\s*"([a-z_.0-9]+)""#).unwrap();
        let msg = regex::Regex::new(
            r#"(?:ApiError::invalid\(|ApiError::of\(\s*StatusCode::\w+,\s*|\bmessage\(|\bsay\(\s*\w+,\s*)\s*"([a-z_.0-9]+)""#,
        )
        .unwrap();
        let side = regex::Regex::new(r#"\bside\(\s*"([a-z_.0-9]+)",\s*"([a-z_.0-9]+)"\)"#).unwrap();
        let (mut pages, mut messages) = (0, 0);
        for (path, src) in sources() {
            let src = src.split("#[cfg(test)]").next().unwrap_or("");
            for cap in page.captures_iter(src) {
                assert!(
                    texts().any(|(k, _, _)| *k == &cap[1]),
                    "{path}: unknown text key {}",
                    &cap[1]
                );
                pages += 1;
            }
            let keys = msg.captures_iter(src).map(|c| c[1].to_owned()).chain(
                side.captures_iter(src)
                    .flat_map(|c| [c[1].to_owned(), c[2].to_owned()]),
            );
            for key in keys {
                assert!(
                    MESSAGES.iter().any(|(k, _, _)| *k == key),
                    "{path}: unknown message {key}"
                );
                messages += 1;
            }
        }
        assert!(pages > 10 && messages > 60, "{pages} {messages}");
    }

    /// The argument text of each call of `name(` in `src` (up to its closing parenthesis).
    fn calls<'a>(src: &'a str, name: &str) -> Vec<&'a str> {
        let mut out = Vec::new();
        for (at, _) in src.match_indices(name) {
            let args = &src[at + name.len()..];
            let mut depth = 1;
            let mut in_str = false;
            let mut prev = ' ';
            for (i, ch) in args.char_indices() {
                match ch {
                    '"' if prev != '\\' => in_str = !in_str,
                    '(' if !in_str => depth += 1,
                    ')' if !in_str => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    out.push(&args[..i]);
                    break;
                }
                prev = ch;
            }
        }
        out
    }

    #[test]
    fn no_handler_writes_a_message_of_its_own() {
        // A sentence written in the code as an error's text, or as one language's text.
        let sentence = regex::Regex::new(r#"format!\(|"[^"]* [^"]*""#).unwrap();
        let one_language =
            regex::Regex::new(r#"Lang::(?:Da|En)\s*=>\s*(?:format!\()?"[^"]* [^"]*""#).unwrap();
        let mut checked = 0;
        for (path, src) in sources() {
            if path.starts_with("i18n") {
                continue;
            }
            let code = src.split("#[cfg(test)]").next().unwrap_or("");
            for name in ["ApiError::new(", "ApiError::bad_request("] {
                for args in calls(code, name) {
                    assert!(
                        !sentence.is_match(args),
                        "{path}: a text belongs in i18n: {name}{args})"
                    );
                    checked += 1;
                }
            }
            if let Some(m) = one_language.find(code) {
                panic!("{path}: a text belongs in i18n: {}", m.as_str());
            }
        }
        assert!(checked > 0, "the check sees the calls");
    }

    #[test]
    fn every_kind_and_authority_role_has_a_label() {
        for code in ork_domain::OrgKind::CODES {
            assert_ne!(
                text(Lang::Da, &format!("kind.{code}")),
                format!("kind.{code}")
            );
        }
        for r in ork_domain::AuthorityRole::ALL {
            assert_ne!(
                text(Lang::En, &format!("authority_role.{}", r.code())),
                format!("authority_role.{}", r.code())
            );
        }
    }

    #[test]
    fn unknown_key_shows_itself() {
        assert_eq!(text(Lang::En, "no.such.key"), "no.such.key");
        assert_eq!(text(Lang::En, "nav.home"), "Home");
        assert_eq!(text(Lang::Da, "nav.home"), "Forside");
    }
}

//! `ork-rules`' texts for people: why a data need cannot be planned, in Danish and English
//! (the server shows the user's language). Keys are the error's code, or the code and a
//! variant after a dot.

use ork_domain::messages::Catalogue;
use std::fmt::Display;

/// (key, Danish, English), one row a message.
#[rustfmt::skip]
pub static MESSAGES: &Catalogue = &[
    ("contradictory_traits.biological_material", "Projektet siger nej til biologisk materiale (biological_material = false), men kurven har {list}.", "The project says no biological material (biological_material = false), but the basket has {list}."),
    ("contradictory_traits.genome_data_reuse", "Projektet siger nej til genomdata (genome_data_reuse = false), men kurven har {list}.", "The project says no genome data (genome_data_reuse = false), but the basket has {list}."),
    ("missing_traits", "Disse projektforhold mangler (sand eller falsk): {list}.", "These project traits are missing (true or false): {list}."),
    ("no_datasets", "Databehovet nævner ingen datakilder.", "The data need names no data sources."),
    ("unknown_applicant_kind", "Ukendt ansøgertype '{kind}'. Mulige: {known}.", "Unknown applicant kind '{kind}'. Possible: {known}."),
    ("unknown_datasets", "Disse datakilder findes ikke i kataloget: {list}.", "These data sources are not in the catalogue: {list}."),
    ("unknown_region", "Ukendt region '{region}'. Mulige: {known}.", "Unknown region '{region}'. Possible: {known}."),
    ("unknown_traits", "Ukendte projektforhold: {list}.", "Unknown project traits: {list}."),
];

/// A message in both languages with its placeholders filled.
pub fn message(key: &str, args: &[(&str, &dyn Display)]) -> (String, String) {
    ork_domain::messages::message(MESSAGES, key, args)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalogue_is_complete_and_every_key_used_exists() {
        ork_domain::messages::check(super::MESSAGES).unwrap();
        let src = include_str!("planner.rs");
        let used = regex_lite_keys(src);
        assert!(used.len() >= 8, "{used:?}");
        for k in used {
            assert!(
                super::MESSAGES.iter().any(|(m, _, _)| *m == k),
                "planner.rs uses an unknown message {k}"
            );
        }
    }

    /// The keys named in `need_error("key", …)` calls and in the contradictions table.
    fn regex_lite_keys(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (at, _) in src.match_indices("need_error(") {
            let rest = src[at + "need_error(".len()..].trim_start();
            if let Some(lit) = rest.strip_prefix('"') {
                out.push(lit[..lit.find('"').unwrap_or(0)].to_owned());
            }
        }
        for (at, _) in src.match_indices("\"contradictory_traits.") {
            let lit = &src[at + 1..];
            out.push(lit[..lit.find('"').unwrap_or(0)].to_owned());
        }
        out
    }
}

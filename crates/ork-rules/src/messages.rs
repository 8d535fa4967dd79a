//! `ork-rules`' texts for people: why a data need cannot be planned, in Danish and English
//! (the server shows the user's language). Keys are the error's code, or the code and a
//! variant after a dot.

use ork_domain::messages::Catalogue;
use std::fmt::Display;

/// (key, Danish, English), one row a message.
#[rustfmt::skip]
pub static MESSAGES: &Catalogue = &[
    ("form.above_max", "Højst {max}.", "At most {max}."),
    ("form.below_min", "Mindst {min}.", "At least {min}."),
    ("form.in_row", "Række {row}, {column}: {problem}", "Row {row}, {column}: {problem}"),
    ("form.invalid_cohort", "Kohortedefinitionen er ikke gyldig: {detail}", "The cohort definition is not valid: {detail}"),
    ("form.invalid_country", "'{value}' er ikke en landekode med to store bogstaver (ISO 3166, fx DK).", "'{value}' is not a two-letter country code (ISO 3166, e.g. DK)."),
    ("form.invalid_cvr", "'{value}' er ikke et gyldigt CVR-nummer (otte cifre med gyldigt kontrolciffer).", "'{value}' is not a valid CVR number (eight digits with a valid check digit)."),
    ("form.invalid_date", "'{value}' er ikke en dato på formen ÅÅÅÅ-MM-DD.", "'{value}' is not a date of the form YYYY-MM-DD."),
    ("form.invalid_email", "'{value}' er ikke en gyldig e-mailadresse.", "'{value}' is not a valid e-mail address."),
    ("form.invalid_name", "Navnet er ikke gyldigt.", "The name is not valid."),
    ("form.not_an_option", "'{value}' er ikke en af mulighederne: {options}.", "'{value}' is not one of the options: {options}."),
    ("form.part_length", "Feltet '{part}' skal udfyldes med højst {max} tegn.", "The part '{part}' must be filled in with at most {max} characters."),
    ("form.pattern", "Kun {hint}.", "Only {hint}."),
    ("form.period_order", "Perioden slutter, før den begynder.", "The period ends before it starts."),
    ("form.period_too_long", "Perioden må højst vare {max} dage.", "The period may last at most {max} days."),
    ("form.period_too_short", "Perioden skal vare mindst {min} dage.", "The period must last at least {min} days."),
    ("form.repeated", "'{value}' står der mere end én gang.", "'{value}' is there more than once."),
    ("form.required", "Skal udfyldes.", "Required."),
    ("form.too_few", "Mindst {min}.", "At least {min}."),
    ("form.too_long", "Højst {max} tegn.", "At most {max} characters."),
    ("form.too_many", "Højst {max}.", "At most {max}."),
    ("form.too_short", "Mindst {min} tegn.", "At least {min} characters."),
    ("form.unknown_cohort", "Der er ingen gemt kohorte med dette id, som du kan bruge.", "There is no saved cohort with this id that you can use."),
    ("form.unknown_column", "Tabellen har ingen kolonne '{column}'.", "The table has no column '{column}'."),
    ("form.unknown_dataset", "Datakilden '{id}' findes ikke i kataloget.", "The data source '{id}' is not in the catalogue."),
    ("form.unknown_fields", "Formularen har ikke disse felter: {list}.", "The form has no such fields: {list}."),
    ("form.unknown_upload", "Der er ingen upload med id '{id}', som du kan bruge.", "There is no upload with id '{id}' that you can use."),
    ("form.unknown_variable", "Variablen '{variable}' findes ikke i '{dataset}' (skriv TABEL.VARIABEL).", "The variable '{variable}' is not in '{dataset}' (write TABLE.VARIABLE)."),
    ("form.wrong_type", "Svaret har ikke den form, et felt af typen {type} tager.", "The answer does not have the shape a field of type {type} takes."),
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

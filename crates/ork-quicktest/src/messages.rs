//! `ork-quicktest`'s texts for people, in Danish and English with `{name}` placeholders:
//! what is wrong with a cohort definition (`cohort.rs`; the element's path is added by the
//! caller) and the rules an answer was given under (`answer.rs`).

use ork_domain::messages::Catalogue;

/// (key, Danish, English), one row a message.
#[rustfmt::skip]
pub static MESSAGES: &Catalogue = &[
    ("age_pair", "skal være [fra, til], fx [40, 60]", "must be [from, to], e.g. [40, 60]"),
    ("controller.dst", "Danmarks Statistik", "Statistics Denmark"),
    ("controller.regions", "regionerne", "the regions"),
    ("controller.sds", "Sundhedsdatastyrelsen", "the Danish Health Data Authority"),
    ("controller.ssi", "Statens Serum Institut", "Statens Serum Institut"),
    ("empty_group", "skal være en ikke-tom liste af kriterier", "must be a non-empty list of criteria"),
    ("empty_list", "må ikke være tom", "must not be empty"),
    ("income_bounds", "kræver min eller max", "needs min or max"),
    ("invalid_json", "ikke gyldig JSON (linje {line}, kolonne {column})", "not valid JSON (line {line}, column {column})"),
    ("inverted_age", "alderen er omvendt: {from} er større end {to}", "the age range is inverted: {from} is greater than {to}"),
    ("inverted_days", "min_days {min} er større end max_days {max}", "min_days {min} is greater than max_days {max}"),
    ("inverted_period", "perioden er omvendt: from {from} ligger efter to {to}", "the period is inverted: from {from} is after to {to}"),
    ("inverted_range", "min {min} er større end max {max}", "min {min} is greater than max {max}"),
    ("levels", "skal være en ikke-tom liste af niveauer 1-7", "must be a non-empty list of levels 1-7"),
    ("min_count_in_sequence", "bruges ikke i en sekvens", "is not used inside a sequence"),
    ("missing", "mangler", "is missing"),
    ("missing_codes", "mangler (en liste af koder)", "is missing (a list of codes)"),
    ("not_date", "skal være en dato som \"2020-01-01\"", "must be a date like \"2020-01-01\""),
    ("not_list", "skal være en liste", "must be a list"),
    ("not_number", "skal være et tal", "must be a number"),
    ("not_object", "skal være et JSON-objekt", "must be a JSON object"),
    ("not_string", "skal være en tekst", "must be a string"),
    ("not_whole", "skal være et helt tal fra {min} til {max}", "must be a whole number from {min} to {max}"),
    ("one_criterion", "skal have præcis én af: {known}", "must have exactly one of: {known}"),
    ("one_event", "skal have præcis én af: {known}", "must have exactly one of: {known}"),
    ("rule.differencing", "Differensangreb: et tal, hvis personer afviger fra et af dine seneste {history} svar med færre end {t} personer, vises ikke{hidden}.", "Differencing: a number whose persons differ from one of your last {history} answers by fewer than {t} persons is not shown{hidden}."),
    ("rule.differencing.hidden_many", " ({n} tal i dette svar er skjult af den grund)", " ({n} numbers in this answer are hidden for that reason)"),
    ("rule.differencing.hidden_one", " (1 tal i dette svar er skjult af den grund)", " (1 number in this answer is hidden for that reason)"),
    ("rule.limits", "Grænser: kombinationer af tre eller flere svar og svar, som flere brugere deler, fanges ikke; hver hurtig test logges pr. bruger og organisation (docs/disclosure-control.md).", "Limits: combinations of three or more answers, and answers pooled by several users, are not caught; every quick test is logged per user and organisation (docs/disclosure-control.md)."),
    ("rule.rounding", "Viste antal er afrundet til nærmeste multiplum af {base}.", "Shown counts are rounded to the nearest multiple of {base}."),
    ("rule.secondary", "Sekundær undertrykkelse: flere celler skjules, så ingen skjult celle kan regnes ud fra totalen og de andre celler.", "Secondary suppression: further cells are hidden so that no hidden cell can be worked out from the total and the other cells."),
    ("rule.threshold", "Tærskel {t}: antal fra 1 til {below} vises ikke (den strengeste blandt de dataansvarlige, hvis data indgår: {regimes}). Nul vises.", "Threshold {t}: counts from 1 to {below} are not shown (the strictest of the data controllers whose data are read: {regimes}). Zero is shown."),
    ("sex", "skal være \"M\" eller \"F\"", "must be \"M\" or \"F\""),
    ("too_deep", "kriterierne er indlejret dybere end {max} niveauer", "criteria are nested deeper than {max} levels"),
    ("too_large", "definitionen er større end {kb} kB", "the definition is larger than {kb} kB"),
    ("too_many_criteria", "definitionen har mere end {max} kriterier", "the definition has more than {max} criteria"),
    ("twice", "står der to gange", "appears twice"),
    ("unknown_breakdown", "ukendt opdeling; mulige: {known}", "unknown breakdown; possible: {known}"),
    ("unknown_code", "ukendt {system}-kode \"{code}\"", "unknown {system} code \"{code}\""),
    ("unknown_code.sks_d", "ukendt {system}-kode \"{code}\" (skriv ICD-10-koder uden SKS-\"D\": \"{without}\")", "unknown {system} code \"{code}\" (write ICD-10 codes without the SKS \"D\": \"{without}\")"),
    ("unknown_criterion", "ukendt kriterium; mulige: {known}", "unknown criterion; possible: {known}"),
    ("unknown_event", "ukendt hændelse; mulige: {known}", "unknown event; possible: {known}"),
    ("unknown_key", "ukendt nøgle; mulige: {known}", "unknown key; possible: {known}"),
    ("unknown_municipality_code", "ukendt kommunekode \"{code}\"", "unknown municipality code \"{code}\""),
    ("unknown_region_code", "ukendt regionskode \"{code}\"", "unknown region code \"{code}\""),
    ("unknown_type", "ukendt type \"{type}\"; mulige: {known}", "unknown type \"{type}\"; possible: {known}"),
    ("year_needs_event", "year kræver, at det første kriterium er en hændelse eller en sekvens", "year needs the first criterion to be an event or a sequence"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalogue_is_complete_and_every_key_used_exists() {
        ork_domain::messages::check(super::MESSAGES).unwrap();
        let src = include_str!("cohort.rs");
        let mut used = 0;
        // Every `err(path, "key", …)` names a message of the catalogue.
        for (at, _) in src.match_indices("err(") {
            let args = &src[at + 4..];
            // The first comma outside the path's own parentheses, before the call closes.
            let mut depth = 0i32;
            let comma = args.char_indices().find_map(|(i, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    ',' if depth == 0 => return Some(Some(i)),
                    _ => {}
                }
                (depth < 0).then_some(None)
            });
            let Some(Some(comma)) = comma else {
                continue;
            };
            if let Some(lit) = args[comma + 1..].trim_start().strip_prefix('"') {
                let key = &lit[..lit.find('"').unwrap()];
                assert!(
                    super::MESSAGES.iter().any(|(k, _, _)| *k == key),
                    "cohort.rs raises an unknown message {key}"
                );
                used += 1;
            }
        }
        assert!(used >= 30, "{used}");
        let answer = include_str!("answer.rs");
        for key in [
            "rule.threshold",
            "rule.secondary",
            "rule.differencing",
            "rule.rounding",
            "rule.limits",
        ] {
            assert!(
                answer.contains(&format!("\"{key}\"")),
                "answer.rs no longer uses {key}"
            );
            assert!(super::MESSAGES.iter().any(|(k, _, _)| *k == key), "{key}");
        }
    }
}

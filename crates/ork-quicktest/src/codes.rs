//! The code lists a cohort definition's codes are checked against, embedded in
//! `ork-schema` with their sources (`data/codes/SOURCES.md`): the full ICD-10 (WHO 2019
//! and the SKS `D` codes with their Danish sub-codes), ATC (the SKS `M` codes) and SKS
//! procedures (`B`, `K`, `U`), with the labels of the lists in common use laid over them; the
//! NPU laboratory codes in common use. A code in a definition is a *prefix*: it is accepted
//! when it has the system's form and either leads to a listed code (`E1` → `E11`) or refines
//! one (`A10BA02` refines `A10BA`), so finer codes than the list holds still work. A code that
//! exists but never occurs in the registers counts 0.

use ork_schema::refdata::{
    ATC_CSV, ICD10_CSV, ICD10_WHO_TSV, NPU_CSV, SKS_FULL_TSV, SKS_PROCEDURES_CSV,
};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Which classification a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Icd10,
    Atc,
    Sks,
    Npu,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            Self::Icd10 => "ICD-10",
            Self::Atc => "ATC",
            Self::Sks => "SKS",
            Self::Npu => "NPU",
        }
    }

    /// Whether `code` has this system's form (upper case).
    fn well_formed(self, code: &str) -> bool {
        let b = code.as_bytes();
        let upper = |c: &u8| c.is_ascii_uppercase();
        let digit = |c: &u8| c.is_ascii_digit();
        match self {
            // A letter, then up to two digits, then up to four digits or letters.
            Self::Icd10 => {
                !b.is_empty()
                    && b.len() <= 7
                    && upper(&b[0])
                    && b[1..].iter().take(2).all(digit)
                    && b[1..]
                        .iter()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                    && (b.len() < 3 || b[1..3].iter().all(digit))
            }
            // A, A10, A10B, A10BA, A10BA02.
            Self::Atc => {
                let shape: [fn(&u8) -> bool; 7] = [
                    |c| c.is_ascii_uppercase(),
                    |c| c.is_ascii_digit(),
                    |c| c.is_ascii_digit(),
                    |c| c.is_ascii_uppercase(),
                    |c| c.is_ascii_uppercase(),
                    |c| c.is_ascii_digit(),
                    |c| c.is_ascii_digit(),
                ];
                !b.is_empty() && b.len() <= 7 && b.iter().zip(shape).all(|(c, f)| f(c))
            }
            Self::Sks => {
                !b.is_empty()
                    && b.len() <= 10
                    && upper(&b[0])
                    && b.iter()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            }
            Self::Npu => {
                b.len() == 8
                    && (code.starts_with("NPU") || code.starts_with("DNK"))
                    && b[3..].iter().all(digit)
            }
        }
    }
}

/// One listed code with its labels (either may be empty when no source gave it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub code: String,
    pub label_da: String,
    pub label_en: String,
}

/// A code list, sorted by code.
#[derive(Debug, Clone)]
pub struct CodeList {
    pub system: System,
    pub codes: Vec<Code>,
    /// Each code's code and labels in lower case, for [`CodeList::search`].
    haystack: Vec<String>,
    /// Whether each code is in the list of codes in common use (found first).
    common: Vec<bool>,
}

/// Reads a common list (CSV with a header) into code → labels.
fn read_common(csv_text: &str, da: usize, en: usize) -> BTreeMap<String, Code> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .map(|rec| Code {
            code: rec.get(0).unwrap_or_default().trim().to_owned(),
            label_da: rec.get(da).unwrap_or_default().trim().to_owned(),
            label_en: rec.get(en).unwrap_or_default().trim().to_owned(),
        })
        .filter(|c| !c.code.is_empty())
        .map(|c| (c.code.clone(), c))
        .collect()
}

/// The rows of a full list (tab-separated, header first): (code, text).
fn tsv_rows(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .map(|(c, t)| (c.trim(), t.trim()))
        .filter(|(c, _)| !c.is_empty())
}

/// Adds full-list codes that the common list does not already label in that language.
fn fill(
    into: &mut BTreeMap<String, Code>,
    rows: impl Iterator<Item = (String, String)>,
    danish: bool,
) {
    for (code, text) in rows {
        let e = into.entry(code.clone()).or_insert_with(|| Code {
            code,
            label_da: String::new(),
            label_en: String::new(),
        });
        let label = if danish {
            &mut e.label_da
        } else {
            &mut e.label_en
        };
        if label.is_empty() {
            *label = text;
        }
    }
}

/// SKS codes of the main groups `groups`, with the prefix `strip` taken off (the `D` of
/// diagnoses, the `M` of ATC codes) when given.
fn sks(groups: &'static str, strip: bool) -> impl Iterator<Item = (String, String)> {
    tsv_rows(SKS_FULL_TSV)
        .filter(move |(c, _)| c.len() > 1 && groups.contains(&c[..1]))
        .map(move |(c, t)| {
            let code = if strip { &c[1..] } else { c };
            (code.to_owned(), t.to_owned())
        })
}

fn build(system: System) -> CodeList {
    let common_codes = common_list(system);
    let mut codes = match system {
        System::Icd10 => {
            let mut m = common_codes.clone();
            fill(&mut m, sks("D", true), true);
            fill(
                &mut m,
                tsv_rows(ICD10_WHO_TSV).map(|(c, t)| (c.to_owned(), t.to_owned())),
                false,
            );
            m
        }
        System::Atc => {
            let mut m = common_codes.clone();
            fill(&mut m, sks("M", true), true);
            m
        }
        System::Sks => {
            let mut m = common_codes.clone();
            fill(&mut m, sks("BKU", false), true);
            m
        }
        // The NPU list has one label (the NPU text); it serves both languages.
        System::Npu => common_codes.clone(),
    };
    // Only codes of the system's form: SKS also files non-ICD items under D (e.g. `DVRA01`
    // body weight), which a diagnosis criterion cannot use.
    codes.retain(|c, _| system.well_formed(c));
    let codes: Vec<Code> = codes.into_values().collect();
    let haystack = codes
        .iter()
        .map(|c| format!("{} {} {}", c.code, c.label_da, c.label_en).to_lowercase())
        .collect();
    let common = codes
        .iter()
        .map(|c| common_codes.contains_key(&c.code))
        .collect();
    CodeList {
        system,
        codes,
        haystack,
        common,
    }
}

/// The list of codes in common use of a system, with its labels.
fn common_list(system: System) -> BTreeMap<String, Code> {
    match system {
        System::Icd10 => read_common(ICD10_CSV, 1, 2),
        System::Atc => read_common(ATC_CSV, 3, 2),
        System::Sks => read_common(SKS_PROCEDURES_CSV, 1, 2),
        System::Npu => read_common(NPU_CSV, 1, 1),
    }
}

impl CodeList {
    /// The shipped list of a system.
    pub fn of(system: System) -> &'static CodeList {
        static LISTS: OnceLock<[CodeList; 4]> = OnceLock::new();
        let lists = LISTS.get_or_init(|| {
            [
                build(System::Icd10),
                build(System::Atc),
                build(System::Sks),
                build(System::Npu),
            ]
        });
        match system {
            System::Icd10 => &lists[0],
            System::Atc => &lists[1],
            System::Sks => &lists[2],
            System::Npu => &lists[3],
        }
    }

    /// The codes in common use of a system (the cohort builder's first suggestions), in
    /// code order.
    pub fn common(system: System) -> Vec<&'static Code> {
        let all = Self::of(system);
        all.codes
            .iter()
            .zip(&all.common)
            .filter(|(_, common)| **common)
            .map(|(c, _)| c)
            .collect()
    }

    /// The listed code, exactly.
    pub fn get(&self, code: &str) -> Option<&Code> {
        self.codes
            .binary_search_by(|c| c.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.codes[i])
    }

    /// Whether a definition may use `code` (see the module documentation); NPU codes are
    /// exact, not prefixes.
    pub fn accepts(&self, code: &str) -> bool {
        if !self.system.well_formed(code) {
            return false;
        }
        if self.system == System::Npu {
            return self.codes.iter().any(|c| c.code == code);
        }
        // Leads to a listed code: the first listed code not below `code` starts with it.
        let at = self.codes.partition_point(|c| c.code.as_str() < code);
        let leads = self.codes.get(at).is_some_and(|c| c.code.starts_with(code));
        leads
            || self
                .codes
                .iter()
                .any(|c| c.code.len() >= 3 && code.starts_with(c.code.as_str()))
    }

    /// Listed codes whose code or label (either language) contains every word of `query`,
    /// case-insensitively, for the cohort builder's code search. Codes that start with the
    /// query come first, then codes in common use, then broader (shorter) codes, each in
    /// code order.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Code> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        let upper = query.trim().to_uppercase();
        let mut found: Vec<(bool, bool, usize, &Code)> = self
            .codes
            .iter()
            .zip(&self.haystack)
            .zip(&self.common)
            .filter(|((_, hay), _)| words.iter().all(|w| hay.contains(w.as_str())))
            .map(|((c, _), common)| {
                let by_code = !upper.is_empty() && c.code.starts_with(&upper);
                (!by_code, !common, c.code.len(), c)
            })
            .collect();
        found.sort_by(|a, b| (a.0, a.1, a.2, &a.3.code).cmp(&(b.0, b.1, b.2, &b.3.code)));
        found.into_iter().take(limit).map(|f| f.3).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_load_and_accept_prefixes_and_refinements() {
        let icd = CodeList::of(System::Icd10);
        assert!(icd.codes.len() > 100);
        for ok in [
            "E11", "E1", "E", "C43", "E119", "I21", "G35", "G359A", "Q99",
        ] {
            assert!(icd.accepts(ok), "{ok}");
        }
        for bad in ["DE11", "e11", "U98999", "11", "", "E1X", "D90", "VRA01"] {
            assert!(!icd.accepts(bad), "{bad}");
        }
        let atc = CodeList::of(System::Atc);
        for ok in ["A10BA", "A10BA02", "C09", "C", "A10", "L04AA31"] {
            assert!(atc.accepts(ok), "{ok}");
        }
        for bad in ["Z99", "A1B", "A10B1", "a10"] {
            assert!(!atc.accepts(bad), "{bad}");
        }
        let sks = CodeList::of(System::Sks);
        assert!(sks.accepts("KNG") && sks.accepts("KNGB20") && sks.accepts("KAAD00"));
        assert!(!sks.accepts("KYYY") && !sks.accepts("kng"));
        let npu = CodeList::of(System::Npu);
        assert!(npu.accepts("NPU27300"));
        assert!(!npu.accepts("NPU2730") && !npu.accepts("NPU99999"));
    }

    #[test]
    fn search_finds_codes_by_label_in_either_language() {
        let icd = CodeList::of(System::Icd10);
        let hits: Vec<&str> = icd
            .search("type 2", 10)
            .into_iter()
            .map(|c| c.code.as_str())
            .collect();
        assert!(hits.contains(&"E11"), "{hits:?}");
        let hits = icd.search("hudkraeft", 10);
        assert!(hits.iter().any(|c| c.code == "C44"));
        // The full lists: multiple sclerosis in English (WHO) and Danish (SKS).
        for q in ["multiple sclerosis", "dissemineret sklerose", "G35"] {
            let hits = icd.search(q, 5);
            assert_eq!(hits.first().map(|c| c.code.as_str()), Some("G35"), "{q}");
        }
        let g35 = icd.get("G35").unwrap();
        assert_eq!(
            (g35.label_da.as_str(), g35.label_en.as_str()),
            ("Dissemineret sklerose", "Multiple sclerosis")
        );
        assert!(icd.codes.len() > 20_000, "{}", icd.codes.len());
        assert!(CodeList::common(System::Icd10).len() > 100);
    }
}

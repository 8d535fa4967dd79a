//! The code lists a cohort definition's codes are checked against: the real ICD-10, ATC,
//! SKS procedure and NPU laboratory lists embedded in `ork-registers` (subsets in common
//! use, with their sources). A code in a definition is a *prefix*: it is accepted when it
//! has the system's form and either leads to a listed code (`E1` → `E11`) or refines one
//! (`A10BA02` refines `A10BA`), so finer codes than the list holds still work.

use ork_registers::refdata::{ATC_CSV, ICD10_CSV, NPU_CSV, SKS_PROCEDURES_CSV};
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

/// One listed code with its labels.
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
}

fn read(system: System, csv_text: &str, da: usize, en: usize) -> CodeList {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let mut codes: Vec<Code> = r
        .records()
        .filter_map(Result::ok)
        .map(|rec| Code {
            code: rec.get(0).unwrap_or_default().trim().to_owned(),
            label_da: rec.get(da).unwrap_or_default().trim().to_owned(),
            label_en: rec.get(en).unwrap_or_default().trim().to_owned(),
        })
        .filter(|c| !c.code.is_empty())
        .collect();
    codes.sort_by(|a, b| a.code.cmp(&b.code));
    codes.dedup_by(|a, b| a.code == b.code);
    CodeList { system, codes }
}

impl CodeList {
    /// The shipped list of a system.
    pub fn of(system: System) -> &'static CodeList {
        static LISTS: OnceLock<[CodeList; 4]> = OnceLock::new();
        let lists = LISTS.get_or_init(|| {
            [
                read(System::Icd10, ICD10_CSV, 1, 2),
                read(System::Atc, ATC_CSV, 3, 2),
                read(System::Sks, SKS_PROCEDURES_CSV, 1, 2),
                // The NPU list has one label (the NPU text); it serves both languages.
                read(System::Npu, NPU_CSV, 1, 1),
            ]
        });
        match system {
            System::Icd10 => &lists[0],
            System::Atc => &lists[1],
            System::Sks => &lists[2],
            System::Npu => &lists[3],
        }
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
    /// case-insensitively; for the cohort builder's pickers.
    pub fn search(&self, query: &str, limit: usize) -> Vec<&Code> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.codes
            .iter()
            .filter(|c| {
                let hay = format!("{} {} {}", c.code, c.label_da, c.label_en).to_lowercase();
                words.iter().all(|w| hay.contains(w.as_str()))
            })
            .take(limit)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_load_and_accept_prefixes_and_refinements() {
        let icd = CodeList::of(System::Icd10);
        assert!(icd.codes.len() > 100);
        for ok in ["E11", "E1", "E", "C43", "E119", "I21"] {
            assert!(icd.accepts(ok), "{ok}");
        }
        for bad in ["DE11", "e11", "Z999999", "11", "", "E1X", "Q99"] {
            assert!(!icd.accepts(bad), "{bad}");
        }
        let atc = CodeList::of(System::Atc);
        for ok in ["A10BA", "A10BA02", "C09", "C", "A10"] {
            assert!(atc.accepts(ok), "{ok}");
        }
        for bad in ["Z99", "A1B", "A10B1", "a10"] {
            assert!(!atc.accepts(bad), "{bad}");
        }
        let sks = CodeList::of(System::Sks);
        assert!(sks.accepts("KNG") && sks.accepts("KNGB20"));
        assert!(!sks.accepts("KZZZ") && !sks.accepts("kng"));
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
    }
}

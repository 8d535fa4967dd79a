//! The facts the synthetic Denmark is built from, embedded from `data/` (each folder has a
//! SOURCES.md saying where every number comes from).

use std::collections::HashMap;

pub const MUNICIPALITIES_CSV: &str = include_str!("../data/denmark/municipalities.csv");
pub const POPULATION_CSV: &str = include_str!("../data/denmark/population_age_sex.csv");
pub const VITAL_RATES_CSV: &str = include_str!("../data/denmark/vital_rates.csv");
/// The real code lists (subsets in common use; `data/codes/SOURCES.md`): ICD-10, ATC, SKS
/// procedures and NPU laboratory codes, each with Danish and English labels where known.
pub const ICD10_CSV: &str = include_str!("../data/codes/icd10_common.csv");
pub const ATC_CSV: &str = include_str!("../data/codes/atc_common.csv");
pub const SKS_PROCEDURES_CSV: &str = include_str!("../data/codes/sks_procedures_common.csv");
pub const NPU_CSV: &str = include_str!("../data/codes/npu_lab_common.csv");
/// The full lists (`data/codes/SOURCES.md` §5), tab-separated with a header: all of SKS as of
/// 2018 (`code`, `text_da`: B, D = ICD-10 with a `D` prefix, K, M = ATC with an `M` prefix,
/// U) and WHO ICD-10 2019 (`code`, `title_en`).
pub const SKS_FULL_TSV: &str = include_str!("../data/codes/sks_2018.tsv");
pub const ICD10_WHO_TSV: &str = include_str!("../data/codes/icd10_who2019.tsv");

#[derive(Debug, Clone)]
pub struct Municipality {
    pub kom: i32,
    pub name: String,
    pub reg: i32,
    pub population: u64,
}

/// One five-year age band of the population pyramid.
#[derive(Debug, Clone, Copy)]
pub struct AgeBand {
    pub from: i32,
    /// Inclusive; the open band 100+ ends at 104 here.
    pub to: i32,
    pub men: u64,
    pub women: u64,
}

/// Yearly rates per person, from DST's counts for 2023 over the population of 1 Jan 2023.
#[derive(Debug, Clone, Copy)]
pub struct VitalRates {
    pub births: f64,
    pub deaths: f64,
    pub immigration: f64,
    pub emigration: f64,
    pub total_fertility: f64,
}

pub struct RefData {
    pub municipalities: Vec<Municipality>,
    pub pyramid: Vec<AgeBand>,
    pub rates: VitalRates,
}

fn rows(text: &str) -> Vec<csv::StringRecord> {
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body.as_bytes());
    r.records()
        .map(|rec| rec.expect("embedded CSV is well-formed"))
        .collect()
}

impl RefData {
    /// Parses the embedded files. They are part of the build, so a failure is a bug.
    pub fn load() -> Self {
        let municipalities = rows(MUNICIPALITIES_CSV)
            .iter()
            .map(|r| Municipality {
                kom: r[0].parse().expect("kom"),
                name: r[1].to_owned(),
                reg: r[2].parse().expect("reg"),
                population: r[4].parse().expect("population"),
            })
            .collect();
        let pyramid = rows(POPULATION_CSV)
            .iter()
            .map(|r| {
                let from: i32 = r[0].parse().expect("age_from");
                AgeBand {
                    from,
                    to: r[1].parse().unwrap_or(from + 4),
                    men: r[2].parse().expect("men"),
                    women: r[3].parse().expect("women"),
                }
            })
            .collect();
        let mut v: HashMap<(String, String), f64> = HashMap::new();
        for r in rows(VITAL_RATES_CSV) {
            if let Ok(x) = r[1].parse::<f64>() {
                v.insert((r[0].to_owned(), r[2].to_owned()), x);
            }
        }
        let get = |m: &str, y: &str| {
            *v.get(&(m.to_owned(), y.to_owned()))
                .unwrap_or_else(|| panic!("vital rate {m} {y}"))
        };
        let pop = get("population_1jan", "2023");
        let rates = VitalRates {
            births: get("births", "2023") / pop,
            deaths: get("deaths", "2023") / pop,
            immigration: get("immigration", "2023") / pop,
            emigration: get("emigration", "2023") / pop,
            total_fertility: get("total_fertility_rate", "2023"),
        };
        Self {
            municipalities,
            pyramid,
            rates,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_facts_load() {
        let r = RefData::load();
        assert_eq!(r.municipalities.len(), 98);
        assert_eq!(
            r.municipalities.iter().map(|m| m.population).sum::<u64>(),
            5_822_679
        );
        let mut regions: Vec<i32> = r.municipalities.iter().map(|m| m.reg).collect();
        regions.sort();
        regions.dedup();
        assert_eq!(regions, vec![1081, 1082, 1083, 1084, 1085]);
        assert_eq!(r.pyramid.len(), 21);
        assert!((r.rates.births - 0.0097).abs() < 0.001 && (r.rates.deaths - 0.0098).abs() < 0.001);
    }
}

//! The cohort language (`docs/cohort-language.md`): a JSON definition of a population on a
//! date, criteria combined with `all`, `any` and `not`, and a breakdown. Parsing checks
//! everything before anything is counted, and a problem names the path of the element
//! (`criteria.all[2].prescription.atc[0]: unknown ATC code "Z99"`) in Danish and English.

use crate::codes::{CodeList, System};
use serde_json::{Map, Value};
use time::Date;

/// The largest definition accepted, in bytes.
pub const MAX_BYTES: usize = 1 << 20;
/// How deep `all`/`any`/`not` may nest.
pub const MAX_DEPTH: usize = 16;
/// How many leaf criteria a definition may hold (a sequence counts its two events).
pub const MAX_LEAVES: usize = 200;
/// Region codes.
pub const REGIONS: [u16; 5] = [
    ork_domain::REGIONS[0].code,
    ork_domain::REGIONS[1].code,
    ork_domain::REGIONS[2].code,
    ork_domain::REGIONS[3].code,
    ork_domain::REGIONS[4].code,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    M,
    F,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    pub alive_on: Date,
    /// Inclusive age range at `alive_on`, in whole years.
    pub age: Option<(u32, u32)>,
    pub sex: Option<Sex>,
    pub regions: Vec<u16>,
    pub municipalities: Vec<u16>,
}

/// The registers an event criterion reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// LPR2 and LPR3 diagnoses, dated by the contact's start.
    Diagnosis,
    /// LPR2 and LPR3 procedures, dated by the procedure.
    Procedure,
    /// LMDB dispensings, dated by `eksd`.
    Prescription,
    /// The Cancer Register, dated by `d_diagnosedato`.
    Cancer,
    /// The Register of Causes of Death (underlying cause), dated by `doedsdato`.
    Death,
    /// Biobank samples, dated by `proevedato`.
    Biobank,
    /// Laboratory results, dated by `proevetid`.
    Lab,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        Self::Diagnosis,
        Self::Procedure,
        Self::Prescription,
        Self::Cancer,
        Self::Death,
        Self::Biobank,
        Self::Lab,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Self::Diagnosis => "diagnosis",
            Self::Procedure => "procedure",
            Self::Prescription => "prescription",
            Self::Cancer => "cancer",
            Self::Death => "death",
            Self::Biobank => "biobank",
            Self::Lab => "lab",
        }
    }

    /// The key holding the codes, whether it is required, and their system.
    fn codes_key(self) -> Option<(&'static str, bool, System)> {
        match self {
            Self::Diagnosis => Some(("codes", true, System::Icd10)),
            Self::Procedure => Some(("codes", true, System::Sks)),
            Self::Prescription => Some(("atc", true, System::Atc)),
            Self::Cancer => Some(("icd10", true, System::Icd10)),
            Self::Death => Some(("codes", false, System::Icd10)),
            Self::Lab => Some(("npu", true, System::Npu)),
            Self::Biobank => None,
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Self::Diagnosis => &["codes", "types", "from", "to", "min_count"],
            Self::Procedure => &["codes", "from", "to", "min_count"],
            Self::Prescription => &["atc", "from", "to", "min_count"],
            Self::Cancer => &["icd10", "from", "to", "min_count"],
            Self::Death => &["codes", "from", "to"],
            Self::Biobank => &["types", "from", "to", "min_count"],
            Self::Lab => &["npu", "min", "max", "from", "to", "min_count"],
        }
    }
}

/// Diagnosis types: A (main), B (secondary), G (underlying, LPR2 only).
pub const DIAGNOSIS_TYPES: [&str; 3] = ["A", "B", "G"];
/// Biobank sample types as the Biobank register holds them.
pub const SAMPLE_TYPES: [&str; 3] = ["blood", "tissue", "dried blood spot"];

/// An event criterion: the person has at least `min_count` matching events in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: EventKind,
    /// Code prefixes (any matches); empty for "any code" (death, biobank).
    pub codes: Vec<String>,
    /// Diagnosis types or biobank sample types; empty for all.
    pub types: Vec<String>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    pub min_count: u32,
    /// Lab value bounds, inclusive.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    All(Vec<Criterion>),
    Any(Vec<Criterion>),
    Not(Box<Criterion>),
    Event(Event),
    /// An event matching `first`, then one matching `then` `min_days..=max_days` after it.
    Sequence {
        first: Event,
        then: Event,
        min_days: i32,
        max_days: i32,
    },
    /// Highest completed education (HFAUDD level 1–7) in `year` (default: `alive_on`'s).
    Education {
        levels: Vec<u8>,
        year: Option<i32>,
    },
    /// Total personal income in DKK in `year` (default: `alive_on`'s), inclusive bounds.
    Income {
        min: Option<f64>,
        max: Option<f64>,
        year: Option<i32>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Sex,
    AgeBand,
    Region,
    Year,
}

impl Breakdown {
    pub const ALL: [(&'static str, Breakdown); 4] = [
        ("sex", Self::Sex),
        ("age_band", Self::AgeBand),
        ("region", Self::Region),
        ("year", Self::Year),
    ];

    pub fn key(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map_or("", |x| x.0)
    }
}

/// A checked cohort definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub population: Population,
    pub criteria: Option<Criterion>,
    pub breakdown: Vec<Breakdown>,
}

/// What is wrong with a definition: the element's path and the problem in both languages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {en}")]
pub struct CohortError {
    pub path: String,
    pub da: String,
    pub en: String,
}

impl CohortError {
    /// The problem with its path, in a language.
    pub fn message(&self, lang: ork_domain::Lang) -> String {
        let text = lang.pick(&self.da, &self.en);
        if self.path.is_empty() {
            text.clone()
        } else {
            format!("{}: {text}", self.path)
        }
    }
}

type R<T> = Result<T, CohortError>;

/// The problem `key` of the catalogue (`messages.rs`) at an element's path.
fn err<T>(path: &str, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> R<T> {
    let (da, en) = ork_domain::messages::message(crate::messages::MESSAGES, key, args);
    Err(CohortError {
        path: path.to_owned(),
        da,
        en,
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn object<'a>(v: &'a Value, path: &str) -> R<&'a Map<String, Value>> {
    v.as_object()
        .map_or_else(|| err(path, "not_object", &[]), Ok)
}

fn only_keys(m: &Map<String, Value>, path: &str, allowed: &[&str]) -> R<()> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => {
            let k: String = k.chars().take(40).collect();
            err(
                &join(path, &k),
                "unknown_key",
                &[("known", &allowed.join(", "))],
            )
        }
        None => Ok(()),
    }
}

fn date(v: &Value, path: &str) -> R<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    v.as_str()
        .and_then(|s| Date::parse(s, &format).ok())
        .map_or_else(|| err(path, "not_date", &[]), Ok)
}

fn whole(v: &Value, path: &str, min: i64, max: i64) -> R<i64> {
    match v.as_i64() {
        Some(n) if (min..=max).contains(&n) => Ok(n),
        _ => err(path, "not_whole", &[("min", &min), ("max", &max)]),
    }
}

fn number(v: &Value, path: &str) -> R<f64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .map_or_else(|| err(path, "not_number", &[]), Ok)
}

fn strings<'a>(v: &'a Value, path: &str) -> R<Vec<(String, &'a str)>> {
    let Some(a) = v.as_array() else {
        return err(path, "not_list", &[]);
    };
    if a.is_empty() {
        return err(path, "empty_list", &[]);
    }
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            let p = format!("{path}[{i}]");
            match x.as_str() {
                Some(s) => Ok((p, s)),
                None => err(&p, "not_string", &[]),
            }
        })
        .collect()
}

fn period(m: &Map<String, Value>, path: &str) -> R<(Option<Date>, Option<Date>)> {
    let from = m
        .get("from")
        .map(|v| date(v, &join(path, "from")))
        .transpose()?;
    let to = m
        .get("to")
        .map(|v| date(v, &join(path, "to")))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return err(path, "inverted_period", &[("from", &f), ("to", &t)]);
    }
    Ok((from, to))
}

fn event(kind: EventKind, v: &Value, path: &str) -> R<Event> {
    let m = object(v, path)?;
    only_keys(m, path, kind.keys())?;
    let mut codes = Vec::new();
    if let Some((key, required, system)) = kind.codes_key() {
        match m.get(key) {
            None if required => {
                return err(&join(path, key), "missing_codes", &[]);
            }
            None => {}
            Some(list) => {
                let list_path = join(path, key);
                let known = CodeList::of(system);
                for (p, code) in strings(list, &list_path)? {
                    let code = code.trim();
                    if !known.accepts(code) {
                        let shown: String = code.chars().take(20).collect();
                        let args: [(&str, &dyn std::fmt::Display); 3] = [
                            ("system", &system.name()),
                            ("code", &shown),
                            ("without", &code.get(1..).unwrap_or("")),
                        ];
                        let sks_d = system == System::Icd10
                            && code.starts_with('D')
                            && known.accepts(&code[1..]);
                        return if sks_d {
                            err(&p, "unknown_code.sks_d", &args)
                        } else {
                            err(&p, "unknown_code", &args[..2])
                        };
                    }
                    codes.push(code.to_owned());
                }
            }
        }
    }
    let mut types = Vec::new();
    if let Some(list) = m.get("types") {
        let allowed: &[&str] = if kind == EventKind::Diagnosis {
            &DIAGNOSIS_TYPES
        } else {
            &SAMPLE_TYPES
        };
        for (p, t) in strings(list, &join(path, "types"))? {
            if !allowed.contains(&t) {
                let t: String = t.chars().take(20).collect();
                return err(
                    &p,
                    "unknown_type",
                    &[("type", &t), ("known", &allowed.join(", "))],
                );
            }
            types.push(t.to_owned());
        }
    }
    let (from, to) = period(m, path)?;
    let min_count = match m.get("min_count") {
        Some(v) => whole(v, &join(path, "min_count"), 1, 100_000)? as u32,
        None => 1,
    };
    let min = m
        .get("min")
        .map(|v| number(v, &join(path, "min")))
        .transpose()?;
    let max = m
        .get("max")
        .map(|v| number(v, &join(path, "max")))
        .transpose()?;
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return err(path, "inverted_range", &[("min", &a), ("max", &b)]);
    }
    Ok(Event {
        kind,
        codes,
        types,
        from,
        to,
        min_count,
        min,
        max,
    })
}

/// The one key of an event object (`{"diagnosis": {...}}`) as an event.
fn single_event(v: &Value, path: &str) -> R<Event> {
    let m = object(v, path)?;
    let keys: Vec<&str> = EventKind::ALL.iter().map(|k| k.key()).collect();
    if m.len() != 1 {
        return err(path, "one_event", &[("known", &keys.join(", "))]);
    }
    let (k, inner) = m.iter().next().expect("one key");
    if inner.get("min_count").is_some() {
        return err(
            &join(&join(path, k), "min_count"),
            "min_count_in_sequence",
            &[],
        );
    }
    match EventKind::ALL.iter().find(|e| e.key() == k) {
        Some(kind) => event(*kind, inner, &join(path, k)),
        None => {
            let k: String = k.chars().take(40).collect();
            err(
                &join(path, &k),
                "unknown_event",
                &[("known", &keys.join(", "))],
            )
        }
    }
}

struct Walk {
    leaves: usize,
}

const CRITERIA: [&str; 12] = [
    "all",
    "any",
    "not",
    "sequence",
    "education",
    "income",
    "diagnosis",
    "procedure",
    "prescription",
    "cancer",
    "death",
    "biobank",
];

impl Walk {
    fn leaf(&mut self, path: &str, n: usize) -> R<()> {
        self.leaves += n;
        if self.leaves > MAX_LEAVES {
            return err(path, "too_many_criteria", &[("max", &MAX_LEAVES)]);
        }
        Ok(())
    }

    fn criterion(&mut self, v: &Value, path: &str, depth: usize) -> R<Criterion> {
        if depth > MAX_DEPTH {
            return err(path, "too_deep", &[("max", &MAX_DEPTH)]);
        }
        let m = object(v, path)?;
        let all_keys: Vec<&str> = CRITERIA.iter().copied().chain(["lab"]).collect();
        if m.len() != 1 {
            return err(path, "one_criterion", &[("known", &all_keys.join(", "))]);
        }
        let (k, inner) = m.iter().next().expect("one key");
        let p = join(path, k);
        match k.as_str() {
            "all" | "any" => {
                let Some(items) = inner.as_array().filter(|a| !a.is_empty()) else {
                    return err(&p, "empty_group", &[]);
                };
                let parts = items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| self.criterion(x, &format!("{p}[{i}]"), depth + 1))
                    .collect::<R<Vec<_>>>()?;
                Ok(if k == "all" {
                    Criterion::All(parts)
                } else {
                    Criterion::Any(parts)
                })
            }
            "not" => Ok(Criterion::Not(Box::new(self.criterion(
                inner,
                &p,
                depth + 1,
            )?))),
            "sequence" => {
                let s = object(inner, &p)?;
                only_keys(s, &p, &["first", "then", "min_days", "max_days"])?;
                let first = match s.get("first") {
                    Some(v) => single_event(v, &join(&p, "first"))?,
                    None => return err(&join(&p, "first"), "missing", &[]),
                };
                let then = match s.get("then") {
                    Some(v) => single_event(v, &join(&p, "then"))?,
                    None => return err(&join(&p, "then"), "missing", &[]),
                };
                let min_days = match s.get("min_days") {
                    Some(v) => whole(v, &join(&p, "min_days"), 0, 36_600)? as i32,
                    None => 0,
                };
                let max_days = match s.get("max_days") {
                    Some(v) => whole(v, &join(&p, "max_days"), 0, 36_600)? as i32,
                    None => 36_600,
                };
                if min_days > max_days {
                    return err(
                        &p,
                        "inverted_days",
                        &[("min", &min_days), ("max", &max_days)],
                    );
                }
                self.leaf(&p, 2)?;
                Ok(Criterion::Sequence {
                    first,
                    then,
                    min_days,
                    max_days,
                })
            }
            "education" => {
                let e = object(inner, &p)?;
                only_keys(e, &p, &["levels", "year"])?;
                let Some(list) = e
                    .get("levels")
                    .and_then(Value::as_array)
                    .filter(|a| !a.is_empty())
                else {
                    return err(&join(&p, "levels"), "levels", &[]);
                };
                let levels = list
                    .iter()
                    .enumerate()
                    .map(|(i, x)| whole(x, &format!("{p}.levels[{i}]"), 1, 7).map(|n| n as u8))
                    .collect::<R<Vec<_>>>()?;
                let year = e
                    .get("year")
                    .map(|v| whole(v, &join(&p, "year"), 1900, 2100).map(|y| y as i32))
                    .transpose()?;
                self.leaf(&p, 1)?;
                Ok(Criterion::Education { levels, year })
            }
            "income" => {
                let e = object(inner, &p)?;
                only_keys(e, &p, &["min", "max", "year"])?;
                let min = e
                    .get("min")
                    .map(|v| number(v, &join(&p, "min")))
                    .transpose()?;
                let max = e
                    .get("max")
                    .map(|v| number(v, &join(&p, "max")))
                    .transpose()?;
                if min.is_none() && max.is_none() {
                    return err(&p, "income_bounds", &[]);
                }
                if let (Some(a), Some(b)) = (min, max)
                    && a > b
                {
                    return err(&p, "inverted_range", &[("min", &a), ("max", &b)]);
                }
                let year = e
                    .get("year")
                    .map(|v| whole(v, &join(&p, "year"), 1900, 2100).map(|y| y as i32))
                    .transpose()?;
                self.leaf(&p, 1)?;
                Ok(Criterion::Income { min, max, year })
            }
            other => match EventKind::ALL.iter().find(|e| e.key() == other) {
                Some(kind) => {
                    let ev = event(*kind, inner, &p)?;
                    self.leaf(&p, 1)?;
                    Ok(Criterion::Event(ev))
                }
                None => {
                    let other: String = other.chars().take(40).collect();
                    err(
                        &join(path, &other),
                        "unknown_criterion",
                        &[("known", &all_keys.join(", "))],
                    )
                }
            },
        }
    }
}

fn population(v: &Value) -> R<Population> {
    let path = "population";
    let m = object(v, path)?;
    only_keys(
        m,
        path,
        &["alive_on", "age", "sex", "regions", "municipalities"],
    )?;
    let alive_on = match m.get("alive_on") {
        Some(v) => date(v, "population.alive_on")?,
        None => return err("population.alive_on", "missing", &[]),
    };
    let age = match m.get("age") {
        None => None,
        Some(v) => {
            let pair = v.as_array().filter(|a| a.len() == 2);
            let Some(pair) = pair else {
                return err("population.age", "age_pair", &[]);
            };
            let lo = whole(&pair[0], "population.age[0]", 0, 130)? as u32;
            let hi = whole(&pair[1], "population.age[1]", 0, 130)? as u32;
            if lo > hi {
                return err(
                    "population.age",
                    "inverted_age",
                    &[("from", &lo), ("to", &hi)],
                );
            }
            Some((lo, hi))
        }
    };
    let sex = match m.get("sex").map(|v| v.as_str()) {
        None => None,
        Some(Some("M")) => Some(Sex::M),
        Some(Some("F")) => Some(Sex::F),
        Some(_) => {
            return err("population.sex", "sex", &[]);
        }
    };
    let codes = |key: &str, ok: &dyn Fn(u16) -> bool, key_unknown: &'static str| -> R<Vec<u16>> {
        let Some(v) = m.get(key) else {
            return Ok(Vec::new());
        };
        let p = format!("population.{key}");
        strings(v, &p)?
            .into_iter()
            .map(|(p, s)| match s.parse::<u16>() {
                Ok(n) if ok(n) => Ok(n),
                _ => {
                    let s: String = s.chars().take(20).collect();
                    err(&p, key_unknown, &[("code", &s)])
                }
            })
            .collect()
    };
    let regions = codes("regions", &|n| REGIONS.contains(&n), "unknown_region_code")?;
    let known = crate::municipality_codes();
    let municipalities = codes(
        "municipalities",
        &|n| known.contains(&n),
        "unknown_municipality_code",
    )?;
    Ok(Population {
        alive_on,
        age,
        sex,
        regions,
        municipalities,
    })
}

/// Parses and checks a definition given as JSON text.
pub fn parse(text: &str) -> R<Cohort> {
    if text.len() > MAX_BYTES {
        return err("", "too_large", &[("kb", &(MAX_BYTES / 1024))]);
    }
    let v: Value = serde_json::from_str(text).or_else(|e| {
        err(
            "",
            "invalid_json",
            &[("line", &e.line()), ("column", &e.column())],
        )
    })?;
    from_value(&v)
}

/// Checks a definition already read as JSON.
pub fn from_value(v: &Value) -> R<Cohort> {
    let m = object(v, "")?;
    only_keys(m, "", &["population", "criteria", "breakdown"])?;
    let population = match m.get("population") {
        Some(p) => population(p)?,
        None => return err("population", "missing", &[]),
    };
    let criteria = m
        .get("criteria")
        .map(|c| Walk { leaves: 0 }.criterion(c, "criteria", 1))
        .transpose()?;
    let mut breakdown = Vec::new();
    if let Some(b) = m.get("breakdown") {
        let Some(list) = b.as_array() else {
            return err("breakdown", "not_list", &[]);
        };
        let names: Vec<&str> = Breakdown::ALL.iter().map(|x| x.0).collect();
        for (i, x) in list.iter().enumerate() {
            let p = format!("breakdown[{i}]");
            let found = x
                .as_str()
                .and_then(|s| Breakdown::ALL.iter().find(|(k, _)| *k == s));
            match found {
                Some((_, b)) if !breakdown.contains(b) => breakdown.push(*b),
                Some(_) => return err(&p, "twice", &[]),
                None => {
                    return err(&p, "unknown_breakdown", &[("known", &names.join(", "))]);
                }
            }
        }
    }
    if breakdown.contains(&Breakdown::Year) && criteria.as_ref().and_then(first_event).is_none() {
        return err("breakdown", "year_needs_event", &[]);
    }
    Ok(Cohort {
        population,
        criteria,
        breakdown,
    })
}

/// The criterion whose first matching event dates a person for the `year` breakdown:
/// `criteria` itself when it is an event or sequence, else the first element of a
/// top-level `all`.
pub fn first_event(c: &Criterion) -> Option<&Criterion> {
    match c {
        Criterion::Event(_) | Criterion::Sequence { .. } => Some(c),
        Criterion::All(parts) => parts
            .first()
            .filter(|p| matches!(p, Criterion::Event(_) | Criterion::Sequence { .. })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
      "population": {"alive_on": "2020-01-01", "age": [40, 60], "sex": "F", "regions": ["1084"]},
      "criteria": {"all": [
        {"diagnosis": {"codes": ["E11"], "types": ["A", "B"], "from": "2015-01-01", "to": "2020-12-31"}},
        {"any": [{"cancer": {"icd10": ["C43", "C44"]}}, {"diagnosis": {"codes": ["C43", "C44"]}}]},
        {"prescription": {"atc": ["C09", "C08", "C07", "C03"], "min_count": 2}},
        {"procedure": {"codes": ["KNG"], "from": "2018-01-01"}},
        {"not": {"death": {"to": "2020-01-01"}}},
        {"sequence": {"first": {"diagnosis": {"codes": ["E11"]}}, "then": {"prescription": {"atc": ["A10BA"]}}, "min_days": 0, "max_days": 365}}
      ]},
      "breakdown": ["sex", "age_band", "region"]
    }"#;

    #[test]
    fn the_documented_example_parses() {
        let c = parse(EXAMPLE).unwrap();
        assert_eq!(c.population.age, Some((40, 60)));
        assert_eq!(c.population.regions, [1084]);
        assert_eq!(
            c.breakdown,
            [Breakdown::Sex, Breakdown::AgeBand, Breakdown::Region]
        );
        let Some(Criterion::All(parts)) = &c.criteria else {
            panic!("all")
        };
        assert_eq!(parts.len(), 6);
        let Criterion::Event(rx) = &parts[2] else {
            panic!("prescription")
        };
        assert_eq!((rx.kind, rx.min_count), (EventKind::Prescription, 2));
        assert!(matches!(parts[4], Criterion::Not(_)));
        assert!(matches!(
            parts[5],
            Criterion::Sequence { max_days: 365, .. }
        ));
    }

    fn error_of(json: &str) -> String {
        parse(json).unwrap_err().to_string()
    }

    fn with_criteria(c: &str) -> String {
        format!(r#"{{"population": {{"alive_on": "2020-01-01"}}, "criteria": {c}}}"#)
    }

    #[test]
    fn every_bad_element_is_named_by_its_path() {
        let cases = [
            (
                with_criteria(r#"{"all": [{"diagnosis": {"codes": ["E11"]}}, {"diagnosis": {"codes": ["E11"]}}, {"prescription": {"atc": ["Z99"]}}]}"#),
                r#"criteria.all[2].prescription.atc[0]: unknown ATC code "Z99""#,
            ),
            (
                with_criteria(r#"{"diagnosis": {"codes": ["DE11"]}}"#),
                r#"criteria.diagnosis.codes[0]: unknown ICD-10 code "DE11" (write ICD-10 codes without the SKS "D": "E11")"#,
            ),
            (
                with_criteria(r#"{"diagnosis": {"codes": ["E11"], "from": "2020-01-01", "to": "2019-01-01"}}"#),
                "criteria.diagnosis: the period is inverted",
            ),
            (
                with_criteria(r#"{"prescription": {"atc": ["C09"], "min_count": -1}}"#),
                "criteria.prescription.min_count: must be a whole number from 1",
            ),
            (
                with_criteria(r#"{"sequence": {"first": {"diagnosis": {"codes": ["E11"]}}, "then": {"prescription": {"atc": ["A10"]}}, "min_days": 30, "max_days": 10}}"#),
                "criteria.sequence: min_days 30 is greater than max_days 10",
            ),
            (
                r#"{"population": {"alive_on": "2020-01-01"}, "breakdown": ["sex", "colour"]}"#.to_owned(),
                "breakdown[1]: unknown breakdown; possible: sex, age_band, region, year",
            ),
            (
                r#"{"population": {"alive_on": "2020-13-01"}}"#.to_owned(),
                "population.alive_on: must be a date",
            ),
            (r#"{"population": {}}"#.to_owned(), "population.alive_on: is missing"),
            (
                r#"{"population": {"alive_on": "2020-01-01", "regions": ["1099"]}}"#.to_owned(),
                r#"population.regions[0]: unknown region code "1099""#,
            ),
            (
                with_criteria(r#"{"diagnosis": {"codes": ["E11"], "colour": 1}}"#),
                "criteria.diagnosis.colour: unknown key",
            ),
            (
                with_criteria(r#"{"lab": {"npu": ["NPU27300"], "min": 50, "max": 40}}"#),
                "criteria.lab: min 50 is greater than max 40",
            ),
            (with_criteria(r#"{"magic": {}}"#), "criteria.magic: unknown criterion"),
            (
                with_criteria(r#"{"sequence": {"first": {"diagnosis": {"codes": ["E11"], "min_count": 2}}, "then": {"death": {}}}}"#),
                "criteria.sequence.first.diagnosis.min_count: is not used inside a sequence",
            ),
            (
                r#"{"population": {"alive_on": "2020-01-01"}, "criteria": {"not": {"death": {}}}, "breakdown": ["year"]}"#.to_owned(),
                "breakdown: year needs the first criterion to be an event",
            ),
            (
                with_criteria(r#"{"death": {"min_count": 2}}"#),
                "criteria.death.min_count: unknown key",
            ),
            (
                with_criteria(r#"{"diagnosis": {"codes": ["E11"], "types": ["Z"]}}"#),
                r#"criteria.diagnosis.types[0]: unknown type "Z""#,
            ),
        ];
        for (json, expected) in cases {
            let e = error_of(&json);
            assert!(e.starts_with(expected), "{e}\n expected: {expected}");
        }
    }

    #[test]
    fn depth_leaf_count_and_size_are_bounded() {
        let mut c = r#"{"diagnosis": {"codes": ["E11"]}}"#.to_owned();
        for _ in 0..MAX_DEPTH {
            c = format!(r#"{{"not": {c}}}"#);
        }
        assert!(error_of(&with_criteria(&c)).contains("nested deeper than 16"));
        let leaves = vec![r#"{"diagnosis": {"codes": ["E11"]}}"#; MAX_LEAVES + 1].join(",");
        let e = error_of(&with_criteria(&format!(r#"{{"any": [{leaves}]}}"#)));
        assert!(
            e.starts_with("criteria.any[200].diagnosis: the definition has more than 200"),
            "{e}"
        );
        let ok = vec![r#"{"diagnosis": {"codes": ["E11"]}}"#; MAX_LEAVES].join(",");
        assert!(parse(&with_criteria(&format!(r#"{{"any": [{ok}]}}"#))).is_ok());
        let big = format!("{}{}", with_criteria("{}"), " ".repeat(MAX_BYTES));
        assert!(error_of(&big).contains("larger than 1024 kB"));
        let e = parse("{").unwrap_err();
        assert!(
            e.message(ork_domain::Lang::Da).contains("ikke gyldig JSON"),
            "{e:?}"
        );
    }
}

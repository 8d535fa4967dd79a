//! Health histories: chronic diseases with onsets, cancers, hospital contacts, dispensed
//! drugs and causes of death, generated per person from the population's life spans.
//!
//! Each person's history comes from a ChaCha stream of their own (the run's seed, stream =
//! person id), so persons can be generated in parallel and collected in id order with the
//! same result on any number of threads. Consistency is built in, not checked after:
//! every event falls inside the person's observed life, a chronic disease brings follow-up
//! contacts and its drugs, every tumour has its diagnostic LPR contact, and decedents get a
//! cause of death from their own history (the terminal cancers and heart disease of those
//! who die are drawn first, so mortality rises with disease).

use crate::dates::{age_on, jan1};
use crate::population::Person;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A chronic disease: how common it is by age, how it shows in the registers.
pub struct Chronic {
    pub icd: &'static str,
    /// Prevalence by age follows a logistic curve `pmax / (1 + exp(-(age - a50) / s))`.
    pmax: f64,
    a50: f64,
    s: f64,
    min_age: i32,
    /// Share diagnosed at a hospital contact, and hospital follow-ups per year after.
    diagnosed_in_hospital: f64,
    followups_per_year: f64,
    /// Share treated, and the drugs (first is the usual first choice).
    treated: f64,
    drugs: &'static [&'static str],
}

impl Chronic {
    fn prevalence(&self, age: i32) -> f64 {
        if age < self.min_age {
            return 0.0;
        }
        self.pmax / (1.0 + (-(age as f64 - self.a50) / self.s).exp())
    }

    /// The yearly hazard that keeps prevalence on its curve: dP / (1 - P).
    fn hazard(&self, age: i32) -> f64 {
        let (p0, p1) = (self.prevalence(age), self.prevalence(age + 1));
        ((p1 - p0) / (1.0 - p0)).max(0.0)
    }
}

/// The chronic diseases, in the order comorbidity needs (risk factors before heart disease).
pub const CHRONIC: &[Chronic] = &[
    Chronic {
        icd: "I10",
        pmax: 0.62,
        a50: 64.0,
        s: 9.0,
        min_age: 18,
        diagnosed_in_hospital: 0.15,
        followups_per_year: 0.1,
        treated: 0.85,
        drugs: &["C09AA05", "C08CA01", "C09CA01", "C03AA03", "C07AB02"],
    },
    Chronic {
        icd: "E11",
        pmax: 0.20,
        a50: 72.0,
        s: 9.0,
        min_age: 25,
        diagnosed_in_hospital: 0.4,
        followups_per_year: 0.6,
        treated: 0.85,
        drugs: &["A10BA02", "A10BJ02", "A10BK01", "A10BH01"],
    },
    Chronic {
        icd: "E78",
        pmax: 0.36,
        a50: 62.0,
        s: 8.0,
        min_age: 25,
        diagnosed_in_hospital: 0.05,
        followups_per_year: 0.03,
        treated: 0.8,
        drugs: &["C10AA05", "C10AA01", "C10AA07"],
    },
    Chronic {
        icd: "J45",
        pmax: 0.08,
        a50: 8.0,
        s: 3.0,
        min_age: 3,
        diagnosed_in_hospital: 0.4,
        followups_per_year: 0.25,
        treated: 0.75,
        drugs: &["R03AC02", "R03BA02", "R03AK07"],
    },
    Chronic {
        icd: "J44",
        pmax: 0.16,
        a50: 74.0,
        s: 7.0,
        min_age: 40,
        diagnosed_in_hospital: 0.7,
        followups_per_year: 0.9,
        treated: 0.85,
        drugs: &["R03BB04", "R03AK07", "R03AC02"],
    },
    Chronic {
        icd: "F32",
        pmax: 0.13,
        a50: 32.0,
        s: 8.0,
        min_age: 12,
        diagnosed_in_hospital: 0.5,
        followups_per_year: 0.5,
        treated: 0.7,
        drugs: &["N06AB04", "N06AB10", "N06AB06", "N06AX11"],
    },
    Chronic {
        icd: "F03",
        pmax: 0.40,
        a50: 88.0,
        s: 4.5,
        min_age: 60,
        diagnosed_in_hospital: 0.8,
        followups_per_year: 0.5,
        treated: 0.5,
        drugs: &["N06DA02", "N06DX01"],
    },
    Chronic {
        icd: "I25",
        pmax: 0.24,
        a50: 77.0,
        s: 7.5,
        min_age: 35,
        diagnosed_in_hospital: 1.0,
        followups_per_year: 0.9,
        treated: 0.9,
        drugs: &["B01AC06", "C10AA05", "C07AB02"],
    },
];

const I10: usize = 0;
const E11: usize = 1;
const I25: usize = 7;

/// Cancer sites with their share of new cancers, by sex (1 male, 2 female), morphology and
/// a surgical procedure where one is usual.
struct Site {
    icd: &'static str,
    male: f64,
    female: f64,
    morphology: &'static [&'static str],
    surgery: Option<&'static str>,
}

const SITES: &[Site] = &[
    Site {
        icd: "C61",
        male: 0.26,
        female: 0.0,
        morphology: &["81403"],
        surgery: Some("KKEC00"),
    },
    Site {
        icd: "C50",
        male: 0.0,
        female: 0.29,
        morphology: &["85003", "85203"],
        surgery: Some("KHAB40"),
    },
    Site {
        icd: "C34",
        male: 0.13,
        female: 0.13,
        morphology: &["81403", "80703", "80413"],
        surgery: None,
    },
    Site {
        icd: "C18",
        male: 0.09,
        female: 0.09,
        morphology: &["81403"],
        surgery: Some("KJFB30"),
    },
    Site {
        icd: "C20",
        male: 0.05,
        female: 0.03,
        morphology: &["81403"],
        surgery: Some("KJGB00"),
    },
    Site {
        icd: "C43",
        male: 0.07,
        female: 0.08,
        morphology: &["87203"],
        surgery: None,
    },
    Site {
        icd: "C44",
        male: 0.12,
        female: 0.11,
        morphology: &["80903", "80703"],
        surgery: None,
    },
    Site {
        icd: "C67",
        male: 0.06,
        female: 0.02,
        morphology: &["81203"],
        surgery: None,
    },
    Site {
        icd: "C25",
        male: 0.03,
        female: 0.03,
        morphology: &["85003"],
        surgery: None,
    },
    Site {
        icd: "C54",
        male: 0.0,
        female: 0.05,
        morphology: &["83803"],
        surgery: Some("KLCD00"),
    },
    Site {
        icd: "C56",
        male: 0.0,
        female: 0.03,
        morphology: &["84413"],
        surgery: None,
    },
    Site {
        icd: "C64",
        male: 0.03,
        female: 0.02,
        morphology: &["83123"],
        surgery: None,
    },
    Site {
        icd: "C85",
        male: 0.03,
        female: 0.02,
        morphology: &["96803"],
        surgery: None,
    },
    Site {
        icd: "C16",
        male: 0.02,
        female: 0.01,
        morphology: &["81403"],
        surgery: None,
    },
    Site {
        icd: "C92",
        male: 0.02,
        female: 0.02,
        morphology: &["98613"],
        surgery: None,
    },
];

/// New cancers per person-year by age (about 0.3 % at 50, rising to 2 % past 80), scaled so
/// that with the terminal cancers of decedents Denmark's age structure gives ~47,000 a
/// year in 5.9 million (0.8 %).
fn cancer_incidence(age: i32) -> f64 {
    0.0027 * ((age as f64 - 50.0) / 14.0).exp().min(8.0)
}

/// Reasons for hospital contacts that are not follow-ups of a chronic disease, with a
/// procedure sometimes done and the ages they belong to.
const ACUTE: &[(&str, Option<&str>, i32, i32)] = &[
    ("J18", Some("UXRC00"), 0, 110),
    ("J06", None, 0, 30),
    ("J20", None, 0, 110),
    ("A09", None, 0, 110),
    ("N30", None, 15, 110),
    ("N39", None, 50, 110),
    ("L03", None, 15, 110),
    ("K35", Some("KJEA01"), 5, 60),
    ("K80", Some("KJKA21"), 25, 90),
    ("R07", Some("UXRC00"), 25, 110),
    ("R10", None, 5, 110),
    ("R50", None, 0, 110),
    ("S00", None, 0, 110),
    ("S01", None, 0, 110),
    ("S06", Some("UXCA00"), 0, 110),
    ("S42", Some("UXRC00"), 0, 110),
    ("S52", None, 0, 110),
    ("S62", None, 10, 110),
    ("S72", Some("KNFJ51"), 65, 110),
    ("S82", None, 10, 110),
    ("S93", None, 10, 110),
    ("M54", None, 20, 110),
    ("M17", Some("KNGB20"), 55, 110),
    ("M16", Some("KNFB20"), 55, 110),
    ("H25", Some("KCJE20"), 60, 110),
    ("I48", None, 55, 110),
    ("I50", None, 65, 110),
    ("N18", None, 60, 110),
    ("K57", Some("KUJF32"), 45, 110),
    ("Z00", None, 0, 110),
    ("Z03", None, 0, 110),
    ("Z71", None, 15, 110),
    ("K40", Some("KJAB11"), 20, 90),
    ("G40", None, 0, 110),
    ("G43", None, 15, 60),
];

/// Drugs people take for reasons not modelled as diseases, refilled every three months:
/// (ATC, min age, max age, sex or 0 for both).
const OTHER_REPEAT: &[(&str, i32, i32, u8)] = &[
    ("A02BC01", 30, 110, 0),
    ("A02BC02", 30, 110, 0),
    ("H03AA01", 30, 110, 2),
    ("N05CF01", 50, 110, 0),
    ("N02BE01", 40, 110, 0),
    ("A11CC05", 60, 110, 0),
    ("G04CA02", 55, 110, 1),
    ("M05BA04", 60, 110, 2),
    ("G03AA07", 15, 45, 2),
    ("R06AE07", 10, 70, 0),
    ("N02AX02", 40, 110, 0),
    ("C03CA01", 70, 110, 0),
    ("B01AF02", 65, 110, 0),
    ("M04AA01", 50, 110, 1),
    ("S01EE01", 60, 110, 0),
    ("N06BA04", 6, 30, 0),
];

/// Courses of drugs for acute illness: (ATC, yearly rate per person).
const ACUTE_DRUGS: &[(&str, f64)] = &[
    ("J01CE02", 0.28),
    ("J01CA04", 0.16),
    ("J01CA08", 0.08),
    ("J01XE01", 0.05),
    ("J01FA09", 0.04),
    ("J01CF01", 0.05),
    ("M01AE01", 0.2),
    ("N02BE01", 0.15),
    ("H02AB06", 0.05),
    ("N02AA05", 0.03),
];

/// One hospital contact.
#[derive(Debug, Clone)]
pub struct Contact {
    pub start: i32,
    pub end: i32,
    /// Minutes after midnight the contact starts (LPR3 times).
    pub start_minute: i32,
    /// LPR2 patient type: 0 inpatient, 2 outpatient, 3 emergency room.
    pub pattype: u8,
    /// (code without the D prefix, type A/B/G). The first is the action diagnosis.
    pub diagnoses: Vec<(&'static str, char)>,
    pub procedures: Vec<&'static str>,
    /// Region index 0..5 of the hospital (the person's region at the time).
    pub region: usize,
}

#[derive(Debug, Clone)]
pub struct Dispensing {
    pub day: i32,
    pub atc: &'static str,
    pub apk: i32,
    pub packsize: i32,
}

#[derive(Debug, Clone)]
pub struct Tumour {
    pub day: i32,
    pub icd: &'static str,
    pub morphology: &'static str,
    pub tnm: (&'static str, &'static str, &'static str),
}

#[derive(Debug, Clone, Default)]
pub struct History {
    pub contacts: Vec<Contact>,
    pub dispensings: Vec<Dispensing>,
    pub tumours: Vec<Tumour>,
    /// The underlying cause of death (ICD-10), for those who die in the period.
    pub cause_of_death: Option<&'static str>,
    /// Onset day of each chronic disease the person has (indexed like [`CHRONIC`]); onsets
    /// before the period are kept as the period's first day minus the years since.
    pub onsets: Vec<Option<i32>>,
}

fn in_window(day: i32, w: (i32, i32)) -> bool {
    day >= w.0 && day < w.1
}

/// The person's history within `[from, to)` (days), given their region index now.
pub fn history(p: &Person, seed: u64, from: i32, to: i32, region: usize) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(p.id as u64 + 1);
    let start = from.max(p.born).max(p.immigrated.unwrap_or(i32::MIN));
    let end = to.min(p.exit().unwrap_or(i32::MAX));
    let mut h = History {
        onsets: vec![None; CHRONIC.len()],
        ..Default::default()
    };
    if start >= end {
        return h;
    }
    let w = (start, end);
    let dies = p.died.is_some_and(|d| d < to);
    let year_of = |d: i32| crate::dates::ymd(d).0;

    // Chronic diseases: prevalent at the start, or incident during the window.
    let age0 = age_on(p.born, start);
    for (k, d) in CHRONIC.iter().enumerate() {
        let mut boost = 1.0;
        if k == I25 {
            if h.onsets[I10].is_some() {
                boost *= 1.5;
            }
            if h.onsets[E11].is_some() {
                boost *= 2.0;
            }
            if dies {
                boost *= 2.0;
            }
        }
        if rng.gen_bool((d.prevalence(age0) * boost).min(0.95)) {
            let years_ago = rng.gen_range(0..=(age0 - d.min_age).clamp(0, 15));
            h.onsets[k] = Some(start - years_ago * 365 - rng.gen_range(1..365));
            continue;
        }
        let mut y = year_of(start);
        while jan1(y) < end {
            let age = age_on(p.born, jan1(y).max(start));
            if rng.gen_bool((d.hazard(age) * boost).min(0.5)) {
                let day = jan1(y).max(start) + rng.gen_range(0..365);
                if day < end {
                    h.onsets[k] = Some(day);
                }
                break;
            }
            y += 1;
        }
    }

    // Cancers: for those who die, first a terminal cancer (about 27 % of deaths), then the
    // age-specific incidence for everyone.
    let mut cancer_days = Vec::new();
    if dies && rng.gen_bool(0.27) {
        let death = p.died.expect("dies");
        let day = death - rng.gen_range(30..900);
        if in_window(day, w) {
            cancer_days.push((day, true));
        }
    }
    let mut y = year_of(start);
    while jan1(y) < end {
        let age = age_on(p.born, jan1(y).max(start));
        if rng.gen_bool(cancer_incidence(age).min(0.2)) {
            let day = jan1(y).max(start) + rng.gen_range(0..365);
            if day < end {
                cancer_days.push((day, false));
            }
        }
        y += 1;
    }
    for (day, terminal) in cancer_days {
        let weights: Vec<f64> = SITES
            .iter()
            .map(|s| if p.sex == 1 { s.male } else { s.female })
            .collect();
        let site = &SITES[weighted(&mut rng, &weights)];
        // Terminal cancers are mostly lung, colorectal and pancreas, rarely skin.
        let site = if terminal && (site.icd == "C44" || site.icd == "C43") {
            &SITES[2]
        } else {
            site
        };
        let stage = if terminal {
            rng.gen_range(2..4)
        } else {
            rng.gen_range(0..4)
        };
        let tnm = (
            ["T1", "T2", "T3", "T4"][stage],
            ["N0", "N0", "N1", "N2"][stage],
            if stage == 3 { "M1" } else { "M0" },
        );
        let tumour = Tumour {
            day,
            icd: site.icd,
            morphology: site.morphology.choose(&mut rng).expect("non-empty"),
            tnm,
        };
        // The diagnostic contact, treatment contacts, and surgery where usual.
        h.contacts
            .push(contact(&mut rng, day, 0, &[(site.icd, 'A')], &[], region));
        for _ in 0..rng.gen_range(2..8) {
            let d = day + rng.gen_range(7..300);
            if d < end {
                h.contacts.push(contact(
                    &mut rng,
                    d,
                    2,
                    &[("Z51", 'A'), (site.icd, 'B')],
                    &[],
                    region,
                ));
            }
        }
        if let Some(op) = site.surgery
            && stage < 3
            && rng.gen_bool(0.6)
        {
            let d = day + rng.gen_range(10..60);
            if d < end {
                h.contacts
                    .push(contact(&mut rng, d, 0, &[(site.icd, 'A')], &[op], region));
            }
        }
        h.tumours.push(tumour);
    }

    // Chronic disease contacts and drugs within the window.
    for (k, d) in CHRONIC.iter().enumerate() {
        let Some(onset) = h.onsets[k] else { continue };
        if onset >= w.0 && rng.gen_bool(d.diagnosed_in_hospital) {
            if k == I25 && rng.gen_bool(0.5) {
                // Heart disease often announces itself as a myocardial infarction.
                let procs: &[&str] = if rng.gen_bool(0.7) { &["KFNG05"] } else { &[] };
                h.contacts.push(contact(
                    &mut rng,
                    onset,
                    0,
                    &[("I21", 'A'), ("I25", 'B')],
                    procs,
                    region,
                ));
            } else {
                h.contacts
                    .push(contact(&mut rng, onset, 2, &[(d.icd, 'A')], &[], region));
            }
        }
        let from_day = onset.max(w.0);
        let years = (end - from_day) as f64 / 365.25;
        let followups = poisson(&mut rng, d.followups_per_year * years);
        for _ in 0..followups {
            let day = from_day + rng.gen_range(0..(end - from_day).max(1));
            let pattype = if rng.gen_bool(0.08) { 0 } else { 2 };
            h.contacts.push(contact(
                &mut rng,
                day,
                pattype,
                &[(d.icd, 'A')],
                &[],
                region,
            ));
        }
        if rng.gen_bool(d.treated) {
            let n_drugs = if d.drugs.len() > 1 && rng.gen_bool(0.3) {
                2
            } else {
                1
            };
            for drug in d.drugs.iter().take(n_drugs) {
                refills(&mut rng, &mut h.dispensings, drug, from_day, end, 0.85);
            }
        }
    }

    // Other contacts, at rates by age.
    let mut y = year_of(start);
    while jan1(y) < end {
        let ys = jan1(y).max(start);
        let ye = jan1(y + 1).min(end);
        // The code lists' age ranges end at 110; the oldest are treated as 110.
        let age = age_on(p.born, ys).min(110);
        let rate = match age {
            0..=4 => 1.9,
            5..=17 => 1.0,
            18..=49 => 1.35,
            50..=69 => 1.9,
            _ => 3.2,
        } * (ye - ys) as f64
            / 365.0;
        for _ in 0..poisson(&mut rng, rate) {
            let options: Vec<&(&str, Option<&str>, i32, i32)> = ACUTE
                .iter()
                .filter(|a| (a.2..=a.3).contains(&age))
                .collect();
            let &&(code, procedure, _, _) = options.choose(&mut rng).expect("codes for every age");
            let day = ys + rng.gen_range(0..(ye - ys).max(1));
            let pattype = if rng.gen_bool(0.1) {
                0
            } else if rng.gen_bool(0.12) {
                3
            } else {
                2
            };
            let procs: Vec<&str> = procedure
                .filter(|_| rng.gen_bool(0.5))
                .into_iter()
                .collect();
            let mut diags = vec![(code, 'A')];
            // Secondary diagnoses: a known chronic disease now and then; a share of
            // contacts carry none (a documented wart).
            let active: Vec<usize> = (0..CHRONIC.len())
                .filter(|&k| h.onsets[k].is_some_and(|o| o <= day))
                .collect();
            if !active.is_empty() && rng.gen_bool(0.5) {
                let icd = CHRONIC[*active.choose(&mut rng).expect("non-empty")].icd;
                // LPR2 also knew the underlying disease (type G); LPR3 dropped it.
                let kind = if day < jan1(crate::schema::LPR3_FROM) && rng.gen_bool(0.2) {
                    'G'
                } else {
                    'B'
                };
                diags.push((icd, kind));
            }
            h.contacts
                .push(contact(&mut rng, day, pattype, &diags, &procs, region));
        }
        // Acute drug courses.
        for &(atc, r) in ACUTE_DRUGS {
            let r = if atc.starts_with("J01") && age < 5 {
                r * 2.0
            } else {
                r
            };
            for _ in 0..poisson(&mut rng, r * (ye - ys) as f64 / 365.0) {
                h.dispensings.push(Dispensing {
                    day: ys + rng.gen_range(0..(ye - ys).max(1)),
                    atc,
                    apk: 1,
                    packsize: 20,
                });
            }
        }
        y += 1;
    }
    // Repeat drugs not tied to a modelled disease.
    let age_mid = age_on(p.born, (start + end) / 2);
    let eligible: Vec<&(&str, i32, i32, u8)> = OTHER_REPEAT
        .iter()
        .filter(|o| (o.1..=o.2).contains(&age_mid) && (o.3 == 0 || o.3 == p.sex))
        .collect();
    let lambda = match age_mid {
        0..=17 => 0.25,
        18..=49 => 1.0,
        50..=69 => 1.8,
        _ => 2.8,
    };
    for _ in 0..poisson(&mut rng, lambda) {
        if let Some(&&(atc, ..)) = eligible.choose(&mut rng) {
            let from_day = start + rng.gen_range(0..(end - start).max(1));
            refills(&mut rng, &mut h.dispensings, atc, from_day, end, 0.8);
        }
    }

    if dies {
        let death = p.died.expect("dies");
        h.cause_of_death = Some(cause_of_death(&mut rng, &h, age_on(p.born, death)));
    }
    // A stay ends by the end of the observed life at the latest.
    for c in &mut h.contacts {
        c.end = c.end.min(end - 1).max(c.start);
    }
    h.contacts.sort_by_key(|c| (c.start, c.start_minute));
    h.dispensings.sort_by_key(|d| d.day);
    h.tumours.sort_by_key(|t| t.day);
    h
}

fn cause_of_death(rng: &mut ChaCha8Rng, h: &History, age: i32) -> &'static str {
    if let Some(t) = h.tumours.iter().rev().find(|t| t.icd != "C44") {
        return t.icd;
    }
    let has = |icd: &str| {
        CHRONIC
            .iter()
            .position(|c| c.icd == icd)
            .is_some_and(|k| h.onsets[k].is_some())
    };
    for (icd, cause, p) in [
        ("I25", "I21", 0.45),
        ("J44", "J44", 0.4),
        ("F03", "F03", 0.5),
        ("E11", "E11", 0.1),
    ] {
        if has(icd) && rng.gen_bool(p) {
            return cause;
        }
    }
    let pool: &[&str] = match age {
        0..=1 => &["J18", "A41"],
        2..=39 => &["S06", "F10", "C92", "G40"],
        40..=69 => &["I21", "K70", "I63", "J44", "F10", "C34"],
        _ => &["I63", "I50", "J18", "I48", "N18", "I25", "F03", "S72"],
    };
    pool.choose(rng).expect("non-empty")
}

fn contact(
    rng: &mut ChaCha8Rng,
    day: i32,
    pattype: u8,
    diags: &[(&'static str, char)],
    procs: &[&'static str],
    region: usize,
) -> Contact {
    let los = match pattype {
        0 => rng.gen_range(1..8),
        _ => 0,
    };
    Contact {
        start: day,
        end: day + los,
        start_minute: rng.gen_range(7 * 60..16 * 60),
        pattype,
        diagnoses: diags.to_vec(),
        procedures: procs.to_vec(),
        region,
    }
}

/// Dispensings every ~90 days from `from` to `end`, each taken with probability `adherence`.
fn refills(
    rng: &mut ChaCha8Rng,
    out: &mut Vec<Dispensing>,
    atc: &'static str,
    from: i32,
    end: i32,
    adherence: f64,
) {
    let packsize = if rng.gen_bool(0.7) { 98 } else { 30 };
    let mut day = from + rng.gen_range(0..20);
    while day < end {
        if rng.gen_bool(adherence) {
            out.push(Dispensing {
                day,
                atc,
                apk: if rng.gen_bool(0.85) { 1 } else { 2 },
                packsize,
            });
        }
        day += if packsize == 98 {
            rng.gen_range(80..110)
        } else {
            rng.gen_range(25..40)
        };
    }
}

fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen_range(0.0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

fn poisson(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    // Knuth's method; lambdas here are small.
    if lambda <= 0.0 {
        return 0;
    }
    let l = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.r#gen::<f64>();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::days;

    fn person(born: i32, sex: u8) -> Person {
        Person {
            id: 7,
            pnr: String::new(),
            born,
            sex,
            mother: None,
            father: None,
            immigrated: None,
            emigrated: None,
            died: None,
            kom: 0,
            civst_u: 0.5,
        }
    }

    #[test]
    fn the_very_old_and_the_newborn_get_histories() {
        // Found at national scale: a 114-year-old fell outside every code's age range.
        for born in [days(1900, 3, 1), days(1905, 1, 1), days(2016, 12, 30)] {
            for seed in 0..50 {
                let h = history(
                    &person(born, 2),
                    seed,
                    days(2015, 1, 1),
                    days(2025, 1, 1),
                    3,
                );
                for c in &h.contacts {
                    assert!(c.start >= born && c.end >= c.start);
                }
            }
        }
    }
}

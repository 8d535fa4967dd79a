//! The remaining registers: income and education (DST), the lung cancer database (RKKP),
//! biobank samples, regional lab results and imaging studies, the genome index and the
//! tissue-use opt-outs. Each draws from the person's own history, so a lung cancer in the
//! Cancer Register is the DLCR case, diabetics have their HbA1c measured, imaging studies
//! come from imaging procedures, and nothing happens outside the person's life in Denmark.

use crate::dates::{age_on, jan1, ymd};
use crate::health::{CHRONIC, History};
use crate::population::Person;

/// A deterministic uniform number in [0, 1) for (seed, person, a, b): splitmix64 mixing.
/// Cheap enough to draw per person-year without a generator per row.
pub fn uniform(seed: u64, id: u32, a: u64, b: u64) -> f64 {
    let mut x = seed
        ^ (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ a.wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ b.wrapping_mul(0x94D0_49BB_1331_11EB);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Standard normal from two uniforms (Box-Muller).
fn normal(seed: u64, id: u32, a: u64, b: u64) -> f64 {
    let u1 = uniform(seed, id, a, b).max(1e-12);
    let u2 = uniform(seed, id, a, b ^ 0x5555);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The highest education a person will complete (level 1-7), and the age at which each
/// level is completed.
pub fn final_level(seed: u64, p: &Person) -> u8 {
    let u = uniform(seed, p.id, 1, 0);
    // Shares among 25-64-year-olds: basic 20 %, general upper secondary 10 %, vocational
    // 30 %, short-cycle 5 %, medium-cycle 20 %, long-cycle 13 %, PhD 2 %.
    let cumulative = [0.20, 0.30, 0.60, 0.65, 0.85, 0.98, 1.0];
    let level = cumulative.iter().position(|&c| u < c).unwrap_or(6) as u8 + 1;
    // Older cohorts completed less.
    if ymd(p.born).0 < 1950 && level > 3 && uniform(seed, p.id, 2, 0) < 0.5 {
        3
    } else {
        level
    }
}

const LEVEL_AGE: [i32; 7] = [15, 19, 21, 22, 24, 26, 31];

pub fn level_at(final_level: u8, age: i32) -> u8 {
    (1..=final_level)
        .rev()
        .find(|&l| age >= LEVEL_AGE[(l - 1) as usize])
        .unwrap_or(1)
}

/// The HFAUDD code: level digit plus a synthetic programme number stable per person.
pub fn hfaudd(seed: u64, p: &Person, level: u8) -> u32 {
    level as u32 * 1000 + (uniform(seed, p.id, 3, level as u64) * 1000.0) as u32
}

/// (total personal income, wages) in DKK for a year.
pub fn income(seed: u64, p: &Person, year: i32, age: i32, level: u8) -> (f64, f64) {
    let prices = 1.02f64.powi(year - 2015);
    let base = [
        280_000.0, 300_000.0, 360_000.0, 400_000.0, 450_000.0, 580_000.0, 620_000.0,
    ][(level - 1) as usize];
    let noise = (0.35 * normal(seed, p.id, 4, year as u64)).exp();
    let employed = uniform(seed, p.id, 5, year as u64)
        < match age {
            15..=17 => 0.45,
            18..=24 => 0.6,
            25..=59 => 0.82,
            60..=66 => 0.6,
            _ => 0.05,
        };
    let wages = match (employed, age) {
        (false, _) => 0.0,
        (true, 15..=17) => 25_000.0 * noise,
        (true, 18..=24) => 120_000.0 * noise,
        (true, _) => {
            let profile = (1.0 - ((age as f64 - 50.0) / 30.0).powi(2)).max(0.4);
            base * profile * noise
        }
    };
    let transfers = match age {
        15..=17 => 0.0,
        18..=24 if !employed => 75_000.0,
        _ if age >= 67 => 220_000.0 * (0.3 * normal(seed, p.id, 6, year as u64)).exp(),
        _ if !employed => 180_000.0,
        _ => 0.0,
    };
    (
        ((wages + transfers) * prices).round(),
        (wages * prices).round(),
    )
}

/// The catalog id of the region with this index (region codes in order: 0 is 1081,
/// Nordjylland), from `ork_domain::REGIONS`.
pub fn region_id(index: usize) -> &'static str {
    u16::try_from(index)
        .ok()
        .and_then(|i| ork_domain::Region::by_code(ork_domain::FIRST_REGION_CODE + i))
        .map_or("", |r| r.id)
}

pub struct LabResult {
    pub micros: i64,
    pub npu: &'static str,
    pub value: f64,
    pub unit: &'static str,
    pub region: usize,
}

pub struct Sample {
    pub day: i32,
    pub kind: &'static str,
    pub biobank: &'static str,
}

pub struct Study {
    pub day: i32,
    pub modality: &'static str,
    pub body: &'static str,
    pub region: usize,
}

pub struct LungCase {
    pub day: i32,
    pub histology: &'static str,
    pub stage: &'static str,
    pub fev1: Option<f64>,
    pub performance: Option<i32>,
    pub treatment: &'static str,
}

#[derive(Default)]
pub struct Extras {
    pub lab: Vec<LabResult>,
    pub samples: Vec<Sample>,
    pub studies: Vec<Study>,
    pub genomes: Vec<(i32, &'static str)>,
    pub opt_out: Option<i32>,
    pub lung: Vec<LungCase>,
}

const DNB: &str = "Danmarks Nationale Biobank";
const RBGB: &str = "Regionernes Bio- og Genombank";

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// `region` is the index (see [`region_id`]) of the region the person lives in.
pub fn extras(seed: u64, p: &Person, h: &History, from: i32, to: i32, region: usize) -> Extras {
    let mut e = Extras::default();
    let start = from.max(p.born).max(p.immigrated.unwrap_or(i32::MIN));
    let end = to.min(p.exit().unwrap_or(i32::MAX));
    if start >= end {
        return e;
    }
    let u = |a: u64, b: u64| uniform(seed, p.id, a, b);
    let n = |a: u64, b: u64| normal(seed, p.id, a, b);
    let has = |icd: &str, day: i32| {
        CHRONIC
            .iter()
            .position(|c| c.icd == icd)
            .is_some_and(|k| h.onsets[k].is_some_and(|o| o <= day))
    };

    // A dried blood spot at birth for everyone born in the period (the PKU card).
    if p.born >= from && p.immigrated.is_none() && p.born + 3 < end {
        e.samples.push(Sample {
            day: p.born + 3,
            kind: "dried blood spot",
            biobank: DNB,
        });
    }
    for (i, c) in h.contacts.iter().enumerate() {
        let i = i as u64;
        let minute = 7 * 60 + (u(10, i) * 480.0) as i32;
        let micros = (c.start as i64 * 86_400 + minute as i64 * 60) * 1_000_000;
        let action = c.diagnoses[0].0;
        if u(11, i) < 0.08 {
            e.samples.push(Sample {
                day: c.start,
                kind: "blood",
                biobank: RBGB,
            });
        }
        // Lab results at contacts: haemoglobin and creatinine often, CRP for infections.
        if u(12, i) < 0.25 {
            let (mean, sd) = if p.sex == 1 { (8.9, 0.7) } else { (8.1, 0.6) };
            e.lab.push(LabResult {
                micros,
                npu: "NPU02319",
                value: round1((mean + sd * n(13, i)).max(4.0)),
                unit: "mmol/L",
                region: c.region,
            });
        }
        if u(14, i) < 0.3 {
            let mean = if has("N18", c.start) || action == "N18" {
                160.0
            } else if p.sex == 1 {
                82.0
            } else {
                66.0
            };
            e.lab.push(LabResult {
                micros,
                npu: "NPU18016",
                value: (mean + 14.0 * n(15, i)).max(25.0).round(),
                unit: "µmol/L",
                region: c.region,
            });
        }
        if ["J18", "J20", "N30", "L03", "A09", "R50", "N39"].contains(&action) {
            e.lab.push(LabResult {
                micros,
                npu: "NPU19748",
                value: (60.0 + 45.0 * n(16, i)).max(1.0).round(),
                unit: "mg/L",
                region: c.region,
            });
        }
        for (k, code) in c.procedures.iter().enumerate() {
            let (modality, body) = match *code {
                "UXRC00" => ("CR", "thorax"),
                "UXCA00" => ("CT", "cerebrum"),
                _ => continue,
            };
            let _ = k;
            e.studies.push(Study {
                day: c.start,
                modality,
                body,
                region: c.region,
            });
        }
        // X-rays of fractures and sprains, and imaging of joints before replacement.
        let body = match action {
            "S42" | "S52" | "S62" => Some(("CR", "arm")),
            "S72" | "M16" => Some(("CR", "hip")),
            "S82" | "S93" | "M17" => Some(("CR", "knee")),
            "R10" | "K80" | "K35" => Some(("US", "abdomen")),
            _ => None,
        };
        if let Some((modality, body)) = body
            && u(17, i) < 0.8
        {
            e.studies.push(Study {
                day: c.start,
                modality,
                body,
                region: c.region,
            });
        }
    }
    // HbA1c for diabetics twice a year, LDL for those with lipid disorders yearly, and
    // occasional screening of other adults.
    let mut y = ymd(start).0;
    while jan1(y) < end {
        let age = age_on(p.born, jan1(y).max(start));
        for k in 0..4u64 {
            let day = jan1(y).max(start) + (u(20 + k, y as u64) * 365.0) as i32;
            if day >= end {
                continue;
            }
            let micros = (day as i64 * 86_400
                + (8 * 60 + (u(21 + k, y as u64) * 300.0) as i64) * 60)
                * 1_000_000;
            let diabetic = has("E11", day);
            if k < 2 && (diabetic || (age >= 40 && u(22 + k, y as u64) < 0.08)) {
                let value = if diabetic {
                    56.0 + 10.0 * n(23 + k, y as u64)
                } else {
                    37.0 + 4.0 * n(23 + k, y as u64)
                };
                e.lab.push(LabResult {
                    micros,
                    npu: "NPU27300",
                    value: value.max(20.0).round(),
                    unit: "mmol/mol",
                    region,
                });
            }
            if k == 2 && age >= 30 && (has("E78", day) || u(24, y as u64) < 0.06) {
                let value = if has("E78", day) {
                    2.4 + 0.7 * n(25, y as u64)
                } else {
                    3.1 + 0.8 * n(25, y as u64)
                };
                e.lab.push(LabResult {
                    micros,
                    npu: "NPU01568",
                    value: round1(value.max(0.5)),
                    unit: "mmol/L",
                    region,
                });
            }
        }
        y += 1;
    }

    let ngc_start = crate::dates::days(2019, 7, 1);
    for (i, t) in h.tumours.iter().enumerate() {
        let i = i as u64;
        // A CT at diagnosis, tissue to the biobank, and sometimes a genome.
        let body = if t.icd == "C34" { "thorax" } else { "abdomen" };
        if t.icd != "C44" {
            e.studies.push(Study {
                day: t.day,
                modality: "CT",
                body,
                region,
            });
        }
        if t.icd != "C44" && u(30, i) < 0.9 {
            e.samples.push(Sample {
                day: t.day,
                kind: "tissue",
                biobank: RBGB,
            });
        }
        if t.day >= ngc_start && t.day + 30 < end && u(31, i) < 0.15 {
            e.genomes.push((t.day + 30, "WGS"));
        }
        if t.icd == "C34" {
            let histology = match t.morphology {
                "80703" => "planocellulært karcinom",
                "80413" => "småcellet karcinom",
                _ => "adenokarcinom",
            };
            let stage = match t.tnm {
                (_, _, "M1") => "IV",
                ("T3" | "T4", _, _) | (_, "N2", _) => "III",
                ("T2", _, _) | (_, "N1", _) => "II",
                _ => "I",
            };
            let fev1 = (u(32, i) > 0.05).then(|| round1((2.2 + 0.6 * n(33, i)).clamp(0.5, 4.5)));
            let ps_base = if stage == "IV" { 1 } else { 0 };
            let performance = (u(34, i) > 0.03).then(|| ps_base + (u(35, i) * 2.5) as i32);
            let r = u(36, i);
            let treatment = match stage {
                "I" | "II" if r < 0.7 => "kirurgi",
                "I" | "II" => "strålebehandling",
                "III" if r < 0.6 => "kemoterapi",
                "III" => "strålebehandling",
                _ if r < 0.45 => "immunterapi",
                _ if r < 0.8 => "kemoterapi",
                _ => "ingen",
            };
            e.lung.push(LungCase {
                day: t.day,
                histology,
                stage,
                fev1,
                performance,
                treatment,
            });
        }
    }
    // Genomes for rare diseases, from the start of the National Genome Center.
    if end > ngc_start && u(40, 0) < 0.003 {
        let lo = start.max(ngc_start);
        let day = lo + (u(41, 0) * (end - lo) as f64) as i32;
        e.genomes
            .push((day, if u(42, 0) < 0.8 { "WGS" } else { "WES" }));
    }
    if u(50, 0) < 0.008 {
        e.opt_out = Some(start + (u(51, 0) * (end - start) as f64) as i32);
    }
    e.genomes.sort();
    e
}

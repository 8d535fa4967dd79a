//! The population: who lives in the synthetic Denmark, year by year.
//!
//! The simulation runs in one deterministic pass, year by year and person by person in id
//! order, drawing from one ChaCha stream seeded by the run's seed, so the same arguments
//! give the same people whatever the number of threads. Rates are calibrated on the first
//! year's population to DST's 2023 figures (births, deaths, immigration, emigration per
//! resident); age and sex shape the hazards.

use crate::cpr::CprDrawer;
use crate::dates::{age_on, days_in_year, jan1};
use crate::refdata::RefData;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One person ever resident in the period.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u32,
    pub pnr: String,
    pub born: i32,
    /// 1 male, 2 female (DST's KOEN).
    pub sex: u8,
    pub mother: Option<u32>,
    pub father: Option<u32>,
    /// Immigration date, for those who moved to Denmark during the period.
    pub immigrated: Option<i32>,
    pub emigrated: Option<i32>,
    pub died: Option<i32>,
    /// Municipality index now (changes when the person moves).
    pub kom: usize,
    /// A fixed uniform draw that places the person among the civil statuses of their age.
    pub civst_u: f32,
}

impl Person {
    /// Resident on this day: born or arrived on or before it, not yet dead or gone.
    pub fn resident_on(&self, day: i32) -> bool {
        self.born <= day
            && self.immigrated.is_none_or(|d| d <= day)
            && self.died.is_none_or(|d| d > day)
            && self.emigrated.is_none_or(|d| d > day)
    }

    /// The day the person's presence in the registers ends, if it does.
    pub fn exit(&self) -> Option<i32> {
        match (self.died, self.emigrated) {
            (Some(d), Some(e)) => Some(d.min(e)),
            (d, e) => d.or(e),
        }
    }

    /// DST's CIVST: U unmarried, G married, F divorced, E widowed.
    pub fn civst(&self, age: i32) -> &'static str {
        if age < 18 {
            return "U";
        }
        let a = age as f32;
        let married = (0.62 * (1.0 - (-(a - 18.0) / 12.0).exp())).min(0.62)
            - if a > 70.0 { (a - 70.0) * 0.012 } else { 0.0 };
        let divorced = if a > 30.0 {
            ((a - 30.0) * 0.004).min(0.12)
        } else {
            0.0
        };
        let widowed = if a > 60.0 {
            ((a - 60.0) * 0.012).min(0.5)
        } else {
            0.0
        };
        let u = self.civst_u;
        if u < married.max(0.0) {
            "G"
        } else if u < married.max(0.0) + divorced {
            "F"
        } else if u < married.max(0.0) + divorced + widowed {
            "E"
        } else {
            "U"
        }
    }
}

/// One row of BEF: a resident on 1 January of `aar`.
#[derive(Debug, Clone)]
pub struct BefRow {
    pub person: u32,
    pub aar: i32,
    pub alder: i32,
    /// `None` for the few rows with a missing municipality (a documented wart).
    pub kom: Option<i32>,
    pub reg: Option<i32>,
    pub civst: &'static str,
    /// The family (the id of its first member), written as `familie_id` "F" + 9 digits.
    pub familie: u32,
}

/// Share of BEF rows whose municipality is missing (a wart real extracts have).
pub const MISSING_KOM_SHARE: f64 = 0.002;

fn mortality_shape(age: i32, sex: u8) -> f64 {
    let base = if age == 0 {
        0.003
    } else {
        (-10.2 + 0.095 * age as f64).exp()
    };
    if sex == 2 { base * 0.7 } else { base }
}

fn fertility_shape(age: i32) -> f64 {
    if !(15..=49).contains(&age) {
        return 0.0;
    }
    let z = (age as f64 - 31.0) / 5.5;
    (-0.5 * z * z).exp()
}

fn emigration_shape(age: i32) -> f64 {
    match age {
        0..=17 => 0.5,
        18..=34 => 2.5,
        35..=49 => 1.0,
        _ => 0.3,
    }
}

fn weighted_index<R: Rng>(rng: &mut R, cumulative: &[u64]) -> usize {
    let total = *cumulative.last().expect("non-empty");
    let x = rng.gen_range(0..total);
    cumulative.partition_point(|&c| c <= x)
}

/// A day of the year after 1 January: what happens during a year happens after its
/// 1 January snapshot.
fn random_day<R: Rng>(rng: &mut R, year: i32) -> i32 {
    jan1(year) + rng.gen_range(1..days_in_year(year))
}

pub struct Simulation<'a> {
    refdata: &'a RefData,
    rng: ChaCha8Rng,
    cpr: CprDrawer,
    kom_cumulative: Vec<u64>,
}

impl<'a> Simulation<'a> {
    pub fn new(refdata: &'a RefData, rng: ChaCha8Rng) -> Self {
        let mut acc = 0;
        let kom_cumulative = refdata
            .municipalities
            .iter()
            .map(|m| {
                acc += m.population;
                acc
            })
            .collect();
        Self {
            refdata,
            rng,
            cpr: CprDrawer::default(),
            kom_cumulative,
        }
    }

    fn new_person(
        &mut self,
        persons: &mut Vec<Person>,
        born: i32,
        sex: u8,
        kom: usize,
    ) -> Result<usize, String> {
        let pnr = self
            .cpr
            .draw(&mut self.rng, born, sex)
            .ok_or_else(|| format!("no CPR serial left for a birth date {born}"))?;
        let id = persons.len() as u32;
        persons.push(Person {
            id,
            pnr,
            born,
            sex,
            mother: None,
            father: None,
            immigrated: None,
            emigrated: None,
            died: None,
            kom,
            civst_u: self.rng.r#gen(),
        });
        Ok(id as usize)
    }

    fn initial(&mut self, n: u64, from_year: i32) -> Result<Vec<Person>, String> {
        let pyramid = self.refdata.pyramid.clone();
        let mut cumulative = Vec::with_capacity(pyramid.len() * 2);
        let mut acc = 0;
        for b in &pyramid {
            acc += b.men;
            cumulative.push(acc);
            acc += b.women;
            cumulative.push(acc);
        }
        let start = jan1(from_year);
        let mut persons = Vec::with_capacity((n as f64 * 1.25) as usize);
        for _ in 0..n {
            let k = weighted_index(&mut self.rng, &cumulative);
            let band = pyramid[k / 2];
            let sex = if k % 2 == 0 { 1 } else { 2 };
            let age = self.rng.gen_range(band.from..=band.to);
            // Born within the year before the birthday that makes them `age` on 1 January.
            let born = jan1(from_year - age - 1)
                + self.rng.gen_range(1..=days_in_year(from_year - age - 1));
            let born = born.min(start);
            let kom = weighted_index(&mut self.rng, &self.kom_cumulative);
            self.new_person(&mut persons, born, sex, kom)?;
        }
        Ok(persons)
    }

    /// Runs the years `from_year..=to_year` for a starting population of `n`, handing each
    /// 1 January snapshot to `on_snapshot` as soon as it is taken (so it can be written and
    /// dropped), and returns everyone ever resident.
    pub fn run<E: From<String>>(
        mut self,
        n: u64,
        from_year: i32,
        to_year: i32,
        mut on_snapshot: impl FnMut(i32, &[BefRow], &[Person]) -> Result<(), E>,
    ) -> Result<Vec<Person>, E> {
        let mut persons = self.initial(n, from_year)?;
        let rates = self.refdata.rates;
        let start = jan1(from_year);
        // Calibrate the age shapes on the starting population.
        let (mut d, mut f, mut e) = (0.0, 0.0, 0.0);
        for p in &persons {
            let age = age_on(p.born, start);
            d += mortality_shape(age, p.sex);
            e += emigration_shape(age);
            if p.sex == 2 {
                f += fertility_shape(age);
            }
        }
        let nf = n as f64;
        let (death_k, birth_k, emig_k) = (
            rates.deaths * nf / d,
            rates.births * nf / f.max(1e-9),
            rates.emigration * nf / e,
        );

        for year in from_year..=to_year {
            let day0 = jan1(year);
            // The 1 January snapshot.
            let mut rows = Vec::new();
            let mut family: Vec<Option<u32>> = vec![None; persons.len()];
            for i in 0..persons.len() {
                if !persons[i].resident_on(day0) {
                    continue;
                }
                let p = &persons[i];
                let age = age_on(p.born, day0);
                // Children under 18 live with their mother when she is resident.
                let mut kom = p.kom;
                let mut fam = p.id;
                if age < 18
                    && let Some(m) = p.mother
                    && persons[m as usize].resident_on(day0)
                {
                    kom = persons[m as usize].kom;
                    fam = family[m as usize].unwrap_or(m);
                }
                family[i] = Some(fam);
                persons[i].kom = kom;
                let missing = self.rng.gen_bool(MISSING_KOM_SHARE);
                let m = &self.refdata.municipalities[kom];
                rows.push(BefRow {
                    person: persons[i].id,
                    aar: year,
                    alder: age,
                    kom: (!missing).then_some(m.kom),
                    reg: (!missing).then_some(m.reg),
                    civst: persons[i].civst(age),
                    familie: fam,
                });
            }
            let residents = rows.len();
            on_snapshot(year, &rows, &persons)?;
            drop(rows);

            // Men who may father this year's children.
            let fathers: Vec<u32> = persons
                .iter()
                .filter(|p| {
                    p.sex == 1 && p.resident_on(day0) && (20..=55).contains(&age_on(p.born, day0))
                })
                .map(|p| p.id)
                .collect();
            let existing = persons.len();
            for i in 0..existing {
                if !persons[i].resident_on(day0) {
                    continue;
                }
                let age = age_on(persons[i].born, day0);
                let sex = persons[i].sex;
                if self
                    .rng
                    .gen_bool((death_k * mortality_shape(age, sex)).min(0.9))
                {
                    persons[i].died = Some(random_day(&mut self.rng, year));
                } else if self.rng.gen_bool((emig_k * emigration_shape(age)).min(0.5)) {
                    persons[i].emigrated = Some(random_day(&mut self.rng, year));
                } else if self.rng.gen_bool(0.04) {
                    persons[i].kom = weighted_index(&mut self.rng, &self.kom_cumulative);
                }
                if sex == 2 && self.rng.gen_bool((birth_k * fertility_shape(age)).min(0.5)) {
                    let mut born = random_day(&mut self.rng, year);
                    if let Some(exit) = persons[i].exit() {
                        born = born.min(exit);
                    }
                    let child_sex = if self.rng.gen_bool(0.514) { 1 } else { 2 };
                    let kom = persons[i].kom;
                    let c = self.new_person(&mut persons, born, child_sex, kom)?;
                    persons[c].mother = Some(i as u32);
                    if !fathers.is_empty() && self.rng.gen_bool(0.97) {
                        persons[c].father = Some(fathers[self.rng.gen_range(0..fathers.len())]);
                    }
                }
            }
            // Immigrants arrive through the year, mostly young adults.
            let arrivals = (rates.immigration * residents as f64).round() as u64;
            for _ in 0..arrivals {
                let age = (29.0 + 9.0 * self.rng.gen_range(-1.7f64..1.7))
                    .round()
                    .clamp(0.0, 85.0) as i32;
                let sex = if self.rng.gen_bool(0.5) { 1 } else { 2 };
                let arrival = random_day(&mut self.rng, year);
                let born = (arrival - age * 365 - self.rng.gen_range(0..365)).min(arrival);
                let kom = weighted_index(&mut self.rng, &self.kom_cumulative);
                let id = self.new_person(&mut persons, born, sex, kom)?;
                persons[id].immigrated = Some(arrival);
            }
        }
        Ok(persons)
    }
}

//! Exact counts: a cohort definition evaluated on the index. Sets of persons are dense
//! bitsets over person ids (a 5.9-million-person set is 740 kB; and/or/not are word
//! operations); event criteria read only the postings of the codes their prefixes name.

use crate::cohort::{Breakdown, Cohort, Criterion, Event, EventKind, Population, Sex};
use crate::index::{Day, Events, Index};
use std::collections::HashMap;
use time::{Date, Month};

/// A set of person ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    words: Vec<u64>,
    n: usize,
}

impl Set {
    pub fn empty(n: usize) -> Self {
        Self {
            words: vec![0; n.div_ceil(64)],
            n,
        }
    }

    pub fn full(n: usize) -> Self {
        let mut s = Self {
            words: vec![!0; n.div_ceil(64)],
            n,
        };
        s.trim();
        s
    }

    fn trim(&mut self) {
        if !self.n.is_multiple_of(64)
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << (self.n % 64)) - 1;
        }
    }

    /// The bits, 64 persons a word.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    pub fn insert(&mut self, i: u32) {
        self.words[i as usize / 64] |= 1 << (i % 64);
    }

    pub fn contains(&self, i: u32) -> bool {
        self.words[i as usize / 64] & (1 << (i % 64)) != 0
    }

    pub fn and(&mut self, o: &Set) {
        self.words
            .iter_mut()
            .zip(&o.words)
            .for_each(|(a, b)| *a &= b);
    }

    pub fn or(&mut self, o: &Set) {
        self.words
            .iter_mut()
            .zip(&o.words)
            .for_each(|(a, b)| *a |= b);
    }

    pub fn not(&mut self) {
        self.words.iter_mut().for_each(|w| *w = !*w);
        self.trim();
    }

    pub fn len(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some(i as u32 * 64 + b)
            })
        })
    }
}

const EPOCH_JULIAN: i32 = 2_440_588;

pub fn day_of(d: Date) -> Day {
    d.to_julian_day() - EPOCH_JULIAN
}

fn date_of(day: Day) -> Date {
    Date::from_julian_day(day + EPOCH_JULIAN).unwrap_or(Date::MIN)
}

/// The latest birth day at which a person is at least `age` years old on `on`.
fn born_by(on: Date, age: u32) -> Day {
    let y = on.year() - age as i32;
    let mut d = on.day();
    loop {
        if let Ok(x) = Date::from_calendar_date(y, on.month(), d) {
            return day_of(x);
        }
        d -= 1;
    }
}

/// Whole years completed on `on` by a person born on `born` (born on or before `on`).
pub struct Ages {
    /// `thresholds[a]`: the latest birth day giving age ≥ a (decreasing in a).
    thresholds: Vec<Day>,
}

impl Ages {
    pub fn new(on: Date) -> Self {
        Self {
            thresholds: (0..=131).map(|a| born_by(on, a)).collect(),
        }
    }

    pub fn age(&self, born: Day) -> u32 {
        // The number of a >= 1 with born <= thresholds[a].
        self.thresholds[1..].partition_point(|&t| born <= t) as u32
    }
}

/// How many populations the cache keeps.
const CACHED_POPULATIONS: usize = 16;

/// The latest populations built: most quick tests vary the criteria, not the population,
/// and building one is a pass over every person. A clone starts empty.
#[derive(Default)]
pub struct PopulationCache(std::sync::Mutex<Vec<(Population, std::sync::Arc<Set>)>>);

impl Clone for PopulationCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for PopulationCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PopulationCache")
    }
}

impl PopulationCache {
    /// The population, from the cache or built (and then kept, the oldest dropped).
    pub fn get(&self, ix: &Index, p: &Population) -> std::sync::Arc<Set> {
        let lock = || self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = lock().iter().find(|(q, _)| q == p) {
            return s.clone();
        }
        let s = std::sync::Arc::new(population(ix, p));
        let mut c = lock();
        if c.len() >= CACHED_POPULATIONS {
            c.remove(0);
        }
        c.push((p.clone(), s.clone()));
        s
    }
}

/// The population on `alive_on` with the population filters, 64 persons a word.
pub fn population(ix: &Index, p: &Population) -> Set {
    let n = ix.persons.len();
    let mut s = Set::empty(n);
    let Some(bef) = ix.bef.get(&p.alive_on.year()) else {
        return s;
    };
    let on = day_of(p.alive_on);
    let (lo, hi) = match p.age {
        Some((a, b)) => (born_by(p.alive_on, b + 1) + 1, born_by(p.alive_on, a)),
        None => (Day::MIN, on),
    };
    let hi = hi.min(on);
    let sex = p.sex.map(|s| match s {
        Sex::M => 1u8,
        Sex::F => 2u8,
    });
    // Which of the year's places pass the region and municipality filters (0: no row).
    let place_ok: Vec<bool> = std::iter::once(false)
        .chain(bef.places.iter().map(|(r, m)| {
            (p.regions.is_empty() || p.regions.contains(r))
                && (p.municipalities.is_empty() || p.municipalities.contains(m))
        }))
        .collect();
    for (w, chunk) in ix.persons.chunks(64).enumerate() {
        let mut word = 0u64;
        for (b, person) in chunk.iter().enumerate() {
            let ok = place_ok[usize::from(bef.place[w * 64 + b])]
                && person.born >= lo
                && person.born <= hi
                && person.died.is_none_or(|d| d > on)
                && person.emigrated.is_none_or(|d| d > on)
                && sex.is_none_or(|s| s == person.sex);
            word |= u64::from(ok) << b;
        }
        s.words[w] = word;
    }
    s
}

/// The code ids an event's prefixes name, as disjoint sorted ranges (all codes if none).
fn code_ranges(ev: &Events, codes: &[String]) -> Vec<std::ops::Range<usize>> {
    if codes.is_empty() {
        return std::iter::once(0..ev.codes.len()).collect();
    }
    let mut r: Vec<std::ops::Range<usize>> = codes
        .iter()
        .map(|c| ev.prefix_range(c))
        .filter(|r| !r.is_empty())
        .collect();
    r.sort_by_key(|x| x.start);
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    for x in r {
        match out.last_mut() {
            Some(last) if x.start <= last.end => last.end = last.end.max(x.end),
            _ => out.push(x),
        }
    }
    out
}

/// The sub-types an event criterion asks for (empty: all).
fn wanted_subs(e: &Event) -> Vec<u8> {
    match e.kind {
        EventKind::Diagnosis => e.types.iter().filter_map(|t| t.bytes().next()).collect(),
        EventKind::Biobank => e
            .types
            .iter()
            .filter_map(|t| crate::cohort::SAMPLE_TYPES.iter().position(|s| s == t))
            .map(|i| i as u8)
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a criterion looks at each event (period, types, values) or only at who has one.
fn filters_events(e: &Event) -> bool {
    e.from.is_some()
        || e.to.is_some()
        || !wanted_subs(e).is_empty()
        || e.min.is_some()
        || e.max.is_some()
}

/// An event criterion's per-event test (period, sub-types, values), prepared once.
struct EventTest {
    from: Day,
    to: Day,
    subs: Vec<u8>,
    min: Option<f32>,
    max: Option<f32>,
}

impl EventTest {
    fn of(e: &Event) -> Self {
        Self {
            from: e.from.map(day_of).unwrap_or(Day::MIN),
            to: e.to.map(day_of).unwrap_or(Day::MAX),
            subs: wanted_subs(e),
            // Values are held and compared at single precision.
            min: e.min.map(|m| m as f32),
            max: e.max.map(|m| m as f32),
        }
    }

    /// Whether the event `ev` on `day` matches (the day is known to be ≤ `to`).
    fn event(&self, ev: &Events, event: usize, day: Day) -> bool {
        if day < self.from {
            return false;
        }
        if !self.subs.is_empty() && !self.subs.contains(&ev.sub(event)) {
            return false;
        }
        if self.min.is_some() || self.max.is_some() {
            let v = ev.value(event);
            if v.is_nan() || self.min.is_some_and(|m| v < m) || self.max.is_some_and(|m| v > m) {
                return false;
            }
        }
        true
    }

    /// Visits each matching event of a run (days ascending), stopping at `to`.
    fn each(
        &self,
        ev: &Events,
        days: &mut crate::index::RunDays<'_>,
        mut f: impl FnMut(Day) -> bool,
    ) {
        while let Some((day, event)) = days.next_day() {
            if day > self.to {
                break;
            }
            if self.event(ev, event, day) && !f(day) {
                break;
            }
        }
    }
}

fn event_set(ix: &Index, e: &Event) -> Set {
    let n = ix.persons.len();
    let mut s = Set::empty(n);
    let ev = ix.events(e.kind);
    let whole = !filters_events(e);
    let test = EventTest::of(e);
    if e.min_count <= 1 {
        for r in code_ranges(ev, &e.codes) {
            if whole {
                // Who has one: the runs alone, without reading a day.
                for (p, _) in ev.runs(r) {
                    s.insert(p);
                }
            } else {
                ev.scan(r, |p, days| {
                    if !s.contains(p) {
                        test.each(ev, days, |_| {
                            s.insert(p);
                            false
                        });
                    }
                });
            }
        }
        return s;
    }
    // Events per person across the codes.
    let mut count = vec![0u32; n];
    for r in code_ranges(ev, &e.codes) {
        if whole {
            for (p, k) in ev.runs(r) {
                count[p as usize] = count[p as usize].saturating_add(k);
            }
        } else {
            ev.scan(r, |p, days| {
                let mut k = 0u32;
                test.each(ev, days, |_| {
                    k += 1;
                    true
                });
                count[p as usize] = count[p as usize].saturating_add(k);
            });
        }
    }
    for (p, c) in count.iter().enumerate() {
        if *c >= e.min_count {
            s.insert(p as u32);
        }
    }
    s
}

/// Every matching event of `e` as (person, day), sorted, only for persons in `only` when
/// given (a sequence's second event is looked for only where its first was found).
fn matching_days(ix: &Index, e: &Event, only: Option<&Set>) -> Vec<(u32, Day)> {
    let ev = ix.events(e.kind);
    let test = EventTest::of(e);
    let mut keys: Vec<u64> = Vec::new();
    for r in code_ranges(ev, &e.codes) {
        ev.scan(r, |p, days| {
            if only.is_some_and(|o| !o.contains(p)) {
                return;
            }
            test.each(ev, days, |d| {
                keys.push((u64::from(p) << 32) | u64::from((d as u32) ^ 0x8000_0000));
                true
            });
        });
    }
    keys.sort_unstable();
    keys.into_iter()
        .map(|k| ((k >> 32) as u32, ((k as u32) ^ 0x8000_0000) as Day))
        .collect()
}

/// Per person with a qualifying pair, the day of the earliest `first` event that starts one,
/// sorted by person.
fn sequence_starts(
    ix: &Index,
    first: &Event,
    then: &Event,
    min_days: i32,
    max_days: i32,
) -> Vec<(u32, Day)> {
    let a = matching_days(ix, first, None);
    let mut who = Set::empty(ix.persons.len());
    for (p, _) in &a {
        who.insert(*p);
    }
    let b = matching_days(ix, then, Some(&who));
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() {
        let p = a[i].0;
        let i_end = i + a[i..].partition_point(|x| x.0 == p);
        while j < b.len() && b[j].0 < p {
            j += 1;
        }
        let j_end = j + b[j..].partition_point(|x| x.0 == p);
        let ts = &b[j..j_end];
        if !ts.is_empty() {
            for &(_, f) in &a[i..i_end] {
                let lo = f.saturating_add(min_days);
                let at = ts.partition_point(|t| t.1 < lo);
                if ts
                    .get(at)
                    .is_some_and(|t| t.1 <= f.saturating_add(max_days))
                {
                    out.push((p, f));
                    break;
                }
            }
        }
        i = i_end;
        j = j_end;
    }
    out
}

/// The persons (among all) for whom `c` holds; `not` complements within `pop`.
pub fn eval(ix: &Index, c: &Criterion, pop: &Set, year: i32) -> Set {
    let n = ix.persons.len();
    match c {
        Criterion::All(parts) => {
            let mut s = pop.clone();
            for p in parts {
                s.and(&eval(ix, p, pop, year));
            }
            s
        }
        Criterion::Any(parts) => {
            let mut s = Set::empty(n);
            for p in parts {
                s.or(&eval(ix, p, pop, year));
            }
            s
        }
        Criterion::Not(inner) => {
            let mut s = eval(ix, inner, pop, year);
            s.not();
            s.and(pop);
            s
        }
        Criterion::Event(e) => event_set(ix, e),
        Criterion::Sequence {
            first,
            then,
            min_days,
            max_days,
        } => {
            let mut s = Set::empty(n);
            for (p, _) in sequence_starts(ix, first, then, *min_days, *max_days) {
                s.insert(p);
            }
            s
        }
        Criterion::Education { levels, year: y } => {
            let mut s = Set::empty(n);
            if let Some(l) = ix.education.get(&y.unwrap_or(year)) {
                for (i, level) in l.iter().enumerate() {
                    if *level != 0 && levels.contains(level) {
                        s.insert(i as u32);
                    }
                }
            }
            s
        }
        Criterion::Income { min, max, year: y } => {
            let mut s = Set::empty(n);
            if let Some(v) = ix.income.get(&y.unwrap_or(year)) {
                for (i, &x) in v.iter().enumerate() {
                    // Held and compared at single precision.
                    if !x.is_nan()
                        && min.is_none_or(|m| x >= m as f32)
                        && max.is_none_or(|m| x <= m as f32)
                    {
                        s.insert(i as u32);
                    }
                }
            }
            s
        }
    }
}

/// One cell of a breakdown: the values of its keys (in the breakdown's order) and a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub keys: Vec<(Breakdown, String)>,
    pub count: u64,
}

/// An exact, unprotected result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts {
    pub count: u64,
    pub cells: Vec<Cell>,
}

impl Counts {
    /// The documented result JSON without disclosure control: only the operator's command
    /// line gives this (`--exact`), for verification; the API never does.
    pub fn exact_json(&self) -> serde_json::Value {
        serde_json::json!({
            "count": self.count,
            "suppressed": false,
            "cells": self.cells.iter().map(|c| {
                let mut o = serde_json::Map::new();
                for (b, v) in &c.keys {
                    o.insert(b.key().to_owned(), serde_json::Value::String(v.clone()));
                }
                o.insert("count".into(), c.count.into());
                o.insert("suppressed".into(), false.into());
                serde_json::Value::Object(o)
            }).collect::<Vec<_>>(),
            "rules": ["exact: unprotected counts on the operator's command line (--exact)"],
        })
    }
}

/// `0-9`, `10-19`, …, `80-89`, `90+`.
pub fn age_band(age: u32) -> String {
    if age >= 90 {
        "90+".into()
    } else {
        let lo = age / 10 * 10;
        format!("{lo}-{}", lo + 9)
    }
}

/// Exact counts with the persons behind each number, for the differencing check: `set` is
/// the cohort, `members[i]` the sorted person ids of cell `i`.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub counts: Counts,
    pub set: Set,
    pub members: Vec<Vec<u32>>,
}

/// Counts a cohort exactly.
pub fn count(ix: &Index, c: &Cohort) -> Counts {
    evaluate(ix, c).counts
}

/// The year of the first matching event of the definition's first criterion, per person.
fn first_years(ix: &Index, c: &Cohort) -> HashMap<u32, i32> {
    let first = c.criteria.as_ref().and_then(crate::cohort::first_event);
    let firsts: HashMap<u32, Day> = match first {
        Some(Criterion::Event(e)) => {
            // Sorted by person and day: each person's first entry is their earliest.
            let mut days = matching_days(ix, e, None);
            days.dedup_by_key(|x| x.0);
            days.into_iter().collect()
        }
        Some(Criterion::Sequence {
            first,
            then,
            min_days,
            max_days,
        }) => sequence_starts(ix, first, then, *min_days, *max_days)
            .into_iter()
            .collect(),
        _ => HashMap::new(),
    };
    firsts
        .into_iter()
        .map(|(p, d)| (p, date_of(d).year()))
        .collect()
}

/// Counts a cohort exactly and keeps the persons behind the total and each cell.
pub fn evaluate(ix: &Index, c: &Cohort) -> Evaluation {
    let pop = ix.populations.get(ix, &c.population);
    let pop: &Set = &pop;
    let year = c.population.alive_on.year();
    let set = match &c.criteria {
        Some(cr) => {
            let mut s = eval(ix, cr, pop, year);
            s.and(pop);
            s
        }
        None => pop.clone(),
    };
    let total = set.len();
    if c.breakdown.is_empty() {
        return Evaluation {
            counts: Counts {
                count: total,
                cells: Vec::new(),
            },
            set,
            members: Vec::new(),
        };
    }
    let ages = Ages::new(c.population.alive_on);
    let bef = ix.bef.get(&year);
    let first_year = if c.breakdown.contains(&Breakdown::Year) {
        first_years(ix, c)
    } else {
        HashMap::new()
    };
    // Each person's cell as one small number (a mixed-radix index over the breakdown's
    // keys), counted in a dense table and named at the end: no text and no hashing per
    // person.
    let radix = |b: &Breakdown| -> usize {
        match b {
            Breakdown::Sex => 3,
            Breakdown::AgeBand => 10,
            Breakdown::Region => 6,
            Breakdown::Year => 257,
        }
    };
    let slots: usize = c.breakdown.iter().map(radix).product();
    let mut dense: Vec<Vec<u32>> = vec![Vec::new(); slots];
    for p in set.iter() {
        let person = &ix.persons[p as usize];
        let mut at = 0usize;
        for b in &c.breakdown {
            let v: usize = match b {
                Breakdown::Sex => usize::from(person.sex.min(2)),
                Breakdown::AgeBand => (ages.age(person.born).min(90) / 10) as usize,
                Breakdown::Region => bef
                    .map(|b| b.region(p as usize))
                    .filter(|r| (1081..=1085).contains(r))
                    .map_or(0, |r| usize::from(r - 1080)),
                Breakdown::Year => first_year
                    .get(&p)
                    .filter(|y| (1900..=2155).contains(*y))
                    .map_or(0, |y| (*y - 1899) as usize),
            };
            at = at * radix(b) + v;
        }
        dense[at].push(p);
    }
    // Back to each key's value (sex 1/2, band index, region code, year), as before.
    let cells: Vec<(u64, Vec<u32>)> = dense
        .into_iter()
        .enumerate()
        .filter(|(_, m)| !m.is_empty())
        .map(|(mut at, m)| {
            let mut vals = vec![0u16; c.breakdown.len()];
            for (i, b) in c.breakdown.iter().enumerate().rev() {
                let v = at % radix(b);
                at /= radix(b);
                vals[i] = match b {
                    Breakdown::Sex | Breakdown::AgeBand => v as u16,
                    Breakdown::Region => {
                        if v == 0 {
                            0
                        } else {
                            1080 + v as u16
                        }
                    }
                    Breakdown::Year => {
                        if v == 0 {
                            0
                        } else {
                            1899 + v as u16
                        }
                    }
                };
            }
            let key = vals.iter().fold(0u64, |k, v| k << 16 | u64::from(*v));
            (key, m)
        })
        .collect();
    let name = |b: Breakdown, v: u16| -> String {
        match b {
            Breakdown::Sex => if v == 1 { "M" } else { "F" }.to_owned(),
            Breakdown::AgeBand => age_band(u32::from(v) * 10),
            Breakdown::Region | Breakdown::Year => {
                if v == 0 {
                    String::new()
                } else {
                    v.to_string()
                }
            }
        }
    };
    let k = c.breakdown.len();
    let mut named: Vec<(Vec<String>, Vec<u32>)> = cells
        .into_iter()
        .map(|(key, members)| {
            let keys = c
                .breakdown
                .iter()
                .enumerate()
                .map(|(i, b)| name(*b, (key >> (16 * (k - 1 - i))) as u16))
                .collect();
            (keys, members)
        })
        .collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    let (cells, members) = named
        .into_iter()
        .map(|(keys, m)| {
            (
                Cell {
                    keys: c.breakdown.iter().copied().zip(keys).collect(),
                    count: m.len() as u64,
                },
                m,
            )
        })
        .unzip();
    Evaluation {
        counts: Counts {
            count: total,
            cells,
        },
        set,
        members,
    }
}

/// A date from its parts, for tests and callers that build definitions in code.
pub fn ymd(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap_or(Month::January), d)
        .unwrap_or(Date::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_count_whole_years_including_leap_days() {
        let on = ymd(2020, 1, 1);
        let a = Ages::new(on);
        assert_eq!(a.age(day_of(ymd(1980, 1, 1))), 40);
        assert_eq!(a.age(day_of(ymd(1980, 1, 2))), 39);
        assert_eq!(a.age(day_of(ymd(2019, 12, 31))), 0);
        let feb28 = Ages::new(ymd(2021, 2, 28));
        assert_eq!(feb28.age(day_of(ymd(2000, 2, 29))), 20, "not yet 21");
        let mar1 = Ages::new(ymd(2021, 3, 1));
        assert_eq!(mar1.age(day_of(ymd(2000, 2, 29))), 21);
        assert_eq!(age_band(0), "0-9");
        assert_eq!(age_band(49), "40-49");
        assert_eq!(age_band(95), "90+");
    }

    #[test]
    fn sets_combine() {
        let mut a = Set::empty(130);
        a.insert(3);
        a.insert(129);
        let mut b = Set::full(130);
        assert_eq!(b.len(), 130);
        b.not();
        assert!(b.is_empty());
        b.or(&a);
        assert_eq!(b.iter().collect::<Vec<_>>(), [3, 129]);
        let mut c = a.clone();
        c.not();
        assert_eq!(c.len(), 128);
        assert!(!c.contains(3) && c.contains(4));
    }
}

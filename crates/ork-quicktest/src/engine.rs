//! Exact counts: a cohort definition evaluated on the index. Sets of persons are dense
//! bitsets over person ids (a 5.9-million-person set is 740 kB; and/or/not are word
//! operations); event criteria on codes alone read the codes' totals (one run per person
//! and code), others only the segments (code, year, type) their prefixes, period and types
//! name.

use crate::cohort::{Breakdown, Cohort, Criterion, Event, EventKind, Population, Sex};
use crate::index::{Day, Events, Index, RunDays, ValueTest, jan1, year_of};
pub use crate::set::Set;
use time::{Date, Month};

const EPOCH_JULIAN: i32 = 2_440_588;

pub fn day_of(d: Date) -> Day {
    d.to_julian_day() - EPOCH_JULIAN
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
    let everywhere = p.regions.is_empty() && p.municipalities.is_empty();
    // Which of the year's places pass the region and municipality filters (0: no row).
    let place_ok: Vec<bool> = std::iter::once(false)
        .chain(bef.places.iter().map(|(r, m)| {
            (p.regions.is_empty() || p.regions.contains(r))
                && (p.municipalities.is_empty() || p.municipalities.contains(m))
        }))
        .collect();
    let persons = &ix.persons;
    let columns = persons
        .born
        .chunks(64)
        .zip(persons.gone.chunks(64))
        .zip(persons.sex.chunks(64))
        .zip(bef.place.chunks(64));
    // Column by column, without branches, so that each loop is a few vector instructions.
    for (w, (((born, gone), sexes), places)) in columns.enumerate() {
        let mut word = 0u64;
        for (b, (&x, &g)) in born.iter().zip(gone).enumerate() {
            word |= u64::from((x >= lo) & (x <= hi) & (g > on)) << b;
        }
        if let Some(want) = sex {
            let mut m = 0u64;
            for (b, &x) in sexes.iter().enumerate() {
                m |= u64::from(x == want) << b;
            }
            word &= m;
        }
        if word != 0 {
            let mut m = 0u64;
            if everywhere {
                for (b, &x) in places.iter().enumerate() {
                    m |= u64::from(x != 0) << b;
                }
            } else {
                for (b, &x) in places.iter().enumerate() {
                    m |= u64::from(place_ok[usize::from(x)]) << b;
                }
            }
            word &= m;
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

/// How a segment (one code's events of one calendar year) lies to a criterion's period.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cover {
    /// Outside it: not read.
    Outside,
    /// Inside it: no day needs reading.
    Inside,
    /// Across one of its ends: each day is compared.
    Across,
}

/// An event criterion's per-event test (period, sub-types, values), prepared once.
struct EventTest {
    from: Day,
    to: Day,
    subs: Vec<u8>,
    values: ValueTest,
}

impl EventTest {
    fn of(e: &Event, ev: &Events) -> Self {
        Self {
            from: e.from.map(day_of).unwrap_or(Day::MIN),
            to: e.to.map(day_of).unwrap_or(Day::MAX),
            subs: wanted_subs(e),
            // Values are held and compared at single precision.
            values: ev.value_test(e.min.map(|m| m as f32), e.max.map(|m| m as f32)),
        }
    }

    /// Whether each event's value is looked at (types are per segment).
    fn per_event(&self) -> bool {
        self.values != ValueTest::Any
    }

    fn cover(&self, ev: &Events, segment: usize) -> Cover {
        if !self.subs.is_empty() && !self.subs.contains(&ev.segment_sub(segment)) {
            return Cover::Outside;
        }
        let y = ev.segment_year(segment);
        let (first, last) = (jan1(y), jan1(y.saturating_add(1)) - 1);
        if last < self.from || first > self.to {
            Cover::Outside
        } else if self.from <= first && last <= self.to {
            Cover::Inside
        } else {
            Cover::Across
        }
    }

    /// The segments of the criterion's codes that are not outside its period and types,
    /// with how each lies to the period.
    fn segments<'a>(
        &'a self,
        ev: &'a Events,
        codes: &[String],
    ) -> impl Iterator<Item = (usize, Cover)> + 'a {
        code_ranges(ev, codes)
            .into_iter()
            .flat_map(|r| ev.segments(r))
            .map(|s| (s, self.cover(ev, s)))
            .filter(|(_, c)| *c != Cover::Outside)
    }

    /// Whether the totals of the codes in `r` stand for their segments: the criterion looks
    /// at neither types nor values and every segment lies inside its period.
    fn totals_serve(&self, ev: &Events, r: std::ops::Range<usize>) -> bool {
        self.subs.is_empty()
            && !self.per_event()
            && ev.segments(r).all(|s| self.cover(ev, s) == Cover::Inside)
    }

    /// The criterion's code ranges, each with whether its totals stand for its segments.
    fn ranges(&self, ev: &Events, codes: &[String]) -> Vec<(std::ops::Range<usize>, bool)> {
        code_ranges(ev, codes)
            .into_iter()
            .map(|r| {
                let totals = self.totals_serve(ev, r.clone());
                (r, totals)
            })
            .collect()
    }

    /// Gives `f` each matching day of a run, ascending, until it returns false.
    #[inline]
    fn each(&self, ev: &Events, days: &mut RunDays<'_>, mut f: impl FnMut(Day) -> bool) {
        while let Some((day, i)) = days.next_day() {
            if day > self.to {
                break;
            }
            if day >= self.from && self.event(ev, i) && !f(day) {
                break;
            }
        }
    }

    /// Whether event number `event` of `ev` has a wanted value (its segment has a wanted
    /// type).
    #[inline]
    fn event(&self, ev: &Events, event: usize) -> bool {
        ev.value_ok(self.values, event)
    }
}

/// Where [`matching_runs`] delivers: which persons are still wanted, and each run's number
/// of matching events.
trait Sink {
    /// Whether the sink counts events (else it only notes who has one).
    const COUNTS: bool;
    fn wants(&self, person: u32) -> bool;
    fn take(&mut self, person: u32, events: u32);
    /// A run of `events` (≥ 1) matching events: taken if the person is wanted.
    #[inline]
    fn run(&mut self, person: u32, events: u32) {
        if self.wants(person) {
            self.take(person, events);
        }
    }
}

/// Who has a matching event, among `within`.
struct Anyone<'a> {
    within: &'a Set,
    found: Set,
}

impl Sink for Anyone<'_> {
    const COUNTS: bool = false;
    #[inline]
    fn wants(&self, p: u32) -> bool {
        self.within.contains(p) && !self.found.contains(p)
    }
    #[inline]
    fn take(&mut self, p: u32, _: u32) {
        self.found.insert(p);
    }
    #[inline]
    fn run(&mut self, p: u32, _: u32) {
        // Without a branch: found |= within ∩ {p}.
        let w = p as usize / 64;
        self.found.words[w] |= self.within.words[w] & (1 << (p % 64));
    }
}

/// A person's number of matching events, saturating (a byte when the criterion asks for
/// at most 255, to keep the counters in cache).
trait Counter: Copy + Default {
    fn add(self, k: u32) -> Self;
    fn get(self) -> u32;
}

impl Counter for u8 {
    #[inline]
    fn add(self, k: u32) -> Self {
        self.saturating_add(k.min(255) as u8)
    }
    fn get(self) -> u32 {
        u32::from(self)
    }
}

impl Counter for u32 {
    #[inline]
    fn add(self, k: u32) -> Self {
        self.saturating_add(k)
    }
    fn get(self) -> u32 {
        self
    }
}

/// Each person's number of matching events, among `within`.
struct Tally<'a, C> {
    within: &'a Set,
    count: Vec<C>,
}

impl<C: Counter> Sink for Tally<'_, C> {
    const COUNTS: bool = true;
    #[inline]
    fn wants(&self, p: u32) -> bool {
        self.within.contains(p)
    }
    #[inline]
    fn take(&mut self, p: u32, k: u32) {
        let c = &mut self.count[p as usize];
        *c = c.add(k);
    }
}

/// Gives `sink` every run of the criterion's codes in its period whose person it wants,
/// with the run's number of matching events (counted up to `enough`; runs without any are
/// not given). Codes whose totals serve are read from those (one run per person); a
/// segment inside the period is read without its days, and without its events too when
/// the criterion does not look at types or values.
fn matching_runs<S: Sink>(ix: &Index, e: &Event, enough: u32, sink: &mut S) {
    let ev = ix.events(e.kind);
    let test = EventTest::of(e, ev);
    let per_event = test.per_event();
    let (totals, rest): (Vec<_>, Vec<_>) =
        test.ranges(ev, &e.codes).into_iter().partition(|(_, t)| *t);
    for (r, _) in totals {
        if S::COUNTS {
            ev.for_each_total(r, |t| sink.run(t.person, t.events));
        } else {
            ev.for_each_holder(r, |p| sink.run(p, 1));
        }
    }
    let segments = rest.into_iter().flat_map(|(r, _)| ev.segments(r));
    for (s, cover) in segments.map(|s| (s, test.cover(ev, s))) {
        if cover == Cover::Outside {
            continue;
        }
        if cover == Cover::Inside && !per_event && !S::COUNTS {
            ev.for_each_person(s..s + 1, |p| sink.run(p, 1));
        } else if cover == Cover::Inside && !per_event {
            ev.for_each_run(s..s + 1, |run| sink.run(run.person, run.events));
        } else if cover == Cover::Inside {
            ev.for_each_run(s..s + 1, |run| {
                if !sink.wants(run.person) {
                    return;
                }
                let events = run.first_event..run.first_event + run.events as usize;
                let k = ev.count_passing(test.values, events, enough);
                if k > 0 {
                    sink.take(run.person, k);
                }
            });
        } else {
            ev.scan_segments(s..s + 1, |p, days| {
                if !sink.wants(p) {
                    return;
                }
                let mut k = 0;
                test.each(ev, days, |_| {
                    k += 1;
                    k < enough
                });
                if k > 0 {
                    sink.take(p, k);
                }
            });
        }
    }
}

/// The persons of `within` with a matching event (`min_count` of them when asked).
fn event_set(ix: &Index, e: &Event, within: &Set) -> Set {
    if e.min_count <= 1 {
        anyone(ix, e, within)
    } else if e.min_count <= 255 {
        tallied::<u8>(ix, e, within)
    } else {
        tallied::<u32>(ix, e, within)
    }
}

/// The persons of `within` with a matching event.
fn anyone(ix: &Index, e: &Event, within: &Set) -> Set {
    let mut sink = Anyone {
        within,
        found: Set::empty(ix.persons.len()),
    };
    matching_runs(ix, e, 1, &mut sink);
    sink.found
}

/// The persons of `within` with `min_count` matching events, counted per person.
fn tallied<C: Counter>(ix: &Index, e: &Event, within: &Set) -> Set {
    let n = ix.persons.len();
    let mut sink = Tally {
        within,
        count: vec![C::default(); n],
    };
    matching_runs(ix, e, e.min_count, &mut sink);
    let mut s = Set::empty(n);
    for (w, chunk) in s.words.iter_mut().zip(sink.count.chunks(64)) {
        let mut m = 0u64;
        for (b, c) in chunk.iter().enumerate() {
            m |= u64::from(c.get() >= e.min_count) << b;
        }
        *w = m;
    }
    s
}

/// Matching days grouped by person: who has any, and each one's days in ascending order.
struct Days {
    who: Set,
    /// Per word of `who`: its members in the words before (a member's number is this plus
    /// its rank in its word).
    before: Vec<u32>,
    /// Per member, and one past the last: where its days start in `days`.
    start: Vec<u32>,
    days: Vec<Day>,
}

impl Days {
    /// The member number of `p` (a member of `who`).
    #[inline]
    fn member(&self, p: u32) -> usize {
        self.who.rank(&self.before, p)
    }

    /// The days of member `i`.
    fn of(&self, i: usize) -> &[Day] {
        &self.days[self.start[i] as usize..self.start[i + 1] as usize]
    }
}

/// Every matching event of `e` of the persons in `only`, grouped by person (a counting
/// sort: one pass to count, one to place, then each person's few days sorted).
fn matching_days(ix: &Index, e: &Event, only: &Set) -> Days {
    let n = ix.persons.len();
    let ev = ix.events(e.kind);
    let test = EventTest::of(e, ev);
    let mut pairs: Vec<(u32, Day)> = Vec::new();
    let mut who = Set::empty(n);
    for (s, _) in test.segments(ev, &e.codes) {
        ev.scan_segments(s..s + 1, |p, days| {
            if only.contains(p) {
                test.each(ev, days, |day| {
                    pairs.push((p, day));
                    who.insert(p);
                    true
                });
            }
        });
    }
    let before = who.ranks();
    let members = who.len() as u32;
    let mut d = Days {
        who,
        before,
        start: vec![0; members as usize + 1],
        days: vec![0; pairs.len()],
    };
    for &(p, _) in &pairs {
        let i = d.member(p);
        d.start[i + 1] += 1;
    }
    for i in 0..members as usize {
        d.start[i + 1] += d.start[i];
    }
    let mut next = d.start.clone();
    for &(p, day) in &pairs {
        let i = d.member(p);
        d.days[next[i] as usize] = day;
        next[i] += 1;
    }
    for i in 0..members as usize {
        let slice = &mut d.days[d.start[i] as usize..d.start[i + 1] as usize];
        if !slice.is_sorted() {
            slice.sort_unstable();
        }
    }
    d
}

/// Per person of `only` with a matching event of `e`, the calendar year of the earliest,
/// sorted by person. Codes whose totals serve are read from those; otherwise a run is not
/// read when its segment's year is not before the earliest year found.
fn earliest_years(ix: &Index, e: &Event, only: &Set) -> Vec<(u32, i32)> {
    let ev = ix.events(e.kind);
    let test = EventTest::of(e, ev);
    let ranks = only.ranks();
    let mut best = vec![i32::MAX; only.len() as usize];
    for (r, totals) in test.ranges(ev, &e.codes) {
        if totals {
            ev.for_each_total(r, |t| {
                if only.contains(t.person) {
                    let b = &mut best[only.rank(&ranks, t.person)];
                    *b = (*b).min(t.first_year);
                }
            });
            continue;
        }
        for s in ev.segments(r) {
            let year = ev.segment_year(s);
            if test.cover(ev, s) == Cover::Outside {
                continue;
            }
            ev.scan_segments(s..s + 1, |p, days| {
                if !only.contains(p) {
                    return;
                }
                let b = &mut best[only.rank(&ranks, p)];
                if *b > year {
                    test.each(ev, days, |_| {
                        *b = year;
                        false
                    });
                }
            });
        }
    }
    only.iter()
        .zip(best)
        .filter(|(_, y)| *y != i32::MAX)
        .collect()
}

/// Per person of `within` with a qualifying pair, the day of the earliest `first` event
/// that starts one, sorted by person. The `first` events are read only for persons with a
/// `then` one, the `then` events only for persons with a `first` one, run by run, each
/// compared with that person's first days; they are never collected or sorted.
fn sequence_starts(
    ix: &Index,
    first: &Event,
    then: &Event,
    min_days: i32,
    max_days: i32,
    within: &Set,
) -> Vec<(u32, Day)> {
    // Only persons with a `then` event can pair (who has one is cheap to know).
    let a = matching_days(ix, first, &anyone(ix, then, within));
    let mut best = vec![Day::MAX; a.start.len() - 1];
    let ev = ix.events(then.kind);
    let test = EventTest::of(then, ev);
    let mut ts: Vec<Day> = Vec::new();
    for (s, _) in test.segments(ev, &then.codes) {
        ev.scan_segments(s..s + 1, |p, days| {
            if !a.who.contains(p) {
                return;
            }
            let i = a.member(p);
            let fs = a.of(i);
            if best[i] == fs[0] {
                // Already paired from the earliest first day.
                return;
            }
            ts.clear();
            test.each(ev, days, |day| {
                ts.push(day);
                true
            });
            let Some(&last) = ts.last() else {
                return;
            };
            for &f in fs {
                let lo = f.saturating_add(min_days);
                if f >= best[i] || lo > last {
                    break;
                }
                let at = ts.partition_point(|&t| t < lo);
                if ts.get(at).is_some_and(|&t| t <= f.saturating_add(max_days)) {
                    best[i] = f;
                    break;
                }
            }
        });
    }
    a.who
        .iter()
        .zip(best)
        .filter(|(_, b)| *b != Day::MAX)
        .collect()
}

/// A rough cost of evaluating a criterion, to evaluate the cheap parts of an "all" first:
/// each part is evaluated only for the persons the parts before it left.
fn cost(c: &Criterion) -> u8 {
    match c {
        Criterion::Event(e) if e.min_count <= 1 && !filters_events(e) => 0,
        Criterion::Event(_) | Criterion::Education { .. } | Criterion::Income { .. } => 1,
        Criterion::Sequence { .. } => 2,
        Criterion::Not(inner) => cost(inner),
        Criterion::All(parts) | Criterion::Any(parts) => parts.iter().map(cost).max().unwrap_or(0),
    }
}

/// Whether a criterion looks at each event (period, types, values) or only at who has one.
fn filters_events(e: &Event) -> bool {
    e.from.is_some() || e.to.is_some() || e.min.is_some() || e.max.is_some()
}

/// The persons of `within` for whom `c` holds (`year`: the population's, for register
/// criteria without their own).
pub fn eval(ix: &Index, c: &Criterion, within: &Set, year: i32) -> Set {
    let n = ix.persons.len();
    match c {
        Criterion::All(parts) => {
            let mut order: Vec<&Criterion> = parts.iter().collect();
            order.sort_by_key(|p| cost(p));
            let mut s = within.clone();
            for p in order {
                if s.is_empty() {
                    break;
                }
                s = eval(ix, p, &s, year);
            }
            s
        }
        Criterion::Any(parts) => {
            let mut s = Set::empty(n);
            // Each next part only for those the parts before did not take.
            let mut rest = within.clone();
            for p in parts {
                if rest.is_empty() {
                    break;
                }
                let x = eval(ix, p, &rest, year);
                rest.and_not(&x);
                s.or(&x);
            }
            s
        }
        Criterion::Not(inner) => {
            let mut s = within.clone();
            s.and_not(&eval(ix, inner, within, year));
            s
        }
        Criterion::Event(e) => event_set(ix, e, within),
        Criterion::Sequence {
            first,
            then,
            min_days,
            max_days,
        } => {
            let mut s = Set::empty(n);
            for (p, _) in sequence_starts(ix, first, then, *min_days, *max_days, within) {
                s.insert(p);
            }
            s
        }
        Criterion::Education { levels, year: y } => {
            let mut ok = [false; 256];
            for l in levels.iter().filter(|l| **l != 0) {
                ok[usize::from(*l)] = true;
            }
            let l = ix.education.get(&y.unwrap_or(year));
            per_person(within, l.map(Vec::as_slice), |x| ok[usize::from(*x)])
        }
        Criterion::Income { min, max, year: y } => {
            // Held and compared at single precision; NaN (no row) passes neither bound.
            let lo = min.map_or(f32::NEG_INFINITY, |m| m as f32);
            let hi = max.map_or(f32::INFINITY, |m| m as f32);
            let v = ix.income.get(&y.unwrap_or(year));
            per_person(within, v.map(Vec::as_slice), |x| (*x >= lo) & (*x <= hi))
        }
    }
}

/// The persons of `within` whose value in a per-person column passes `ok` (none without
/// the column), 64 persons a word.
fn per_person<T>(within: &Set, column: Option<&[T]>, ok: impl Fn(&T) -> bool) -> Set {
    let mut s = Set::empty(within.n);
    let Some(column) = column else {
        return s;
    };
    for ((w, chunk), mask) in s.words.iter_mut().zip(column.chunks(64)).zip(&within.words) {
        if *mask == 0 {
            continue;
        }
        let mut m = 0u64;
        for (b, x) in chunk.iter().enumerate() {
            m |= u64::from(ok(x)) << b;
        }
        *w = m & mask;
    }
    s
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

/// The year of the first matching event of the definition's first criterion, per person
/// of `set` in ascending order (0: none).
fn first_years(ix: &Index, c: &Cohort, set: &Set) -> Vec<i32> {
    let firsts: Vec<(u32, i32)> = match c.criteria.as_ref().and_then(crate::cohort::first_event) {
        Some(Criterion::Event(e)) => earliest_years(ix, e, set),
        Some(Criterion::Sequence {
            first,
            then,
            min_days,
            max_days,
        }) => sequence_starts(ix, first, then, *min_days, *max_days, set)
            .into_iter()
            .map(|(p, d)| (p, year_of(d)))
            .collect(),
        _ => Vec::new(),
    };
    let ranks = set.ranks();
    let mut years = vec![0; set.len() as usize];
    for (p, y) in firsts {
        years[set.rank(&ranks, p)] = y;
    }
    years
}

/// Counts a cohort exactly and keeps the persons behind the total and each cell.
pub fn evaluate(ix: &Index, c: &Cohort) -> Evaluation {
    let pop = ix
        .populations
        .get(&c.population, || population(ix, &c.population));
    let pop: &Set = &pop;
    let year = c.population.alive_on.year();
    let set = match &c.criteria {
        Some(cr) => eval(ix, cr, pop, year),
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
        first_years(ix, c, &set)
    } else {
        Vec::new()
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
    for (i, p) in set.iter().enumerate() {
        let mut at = 0usize;
        for b in &c.breakdown {
            let v: usize = match b {
                Breakdown::Sex => usize::from(ix.persons.sex[p as usize].min(2)),
                Breakdown::AgeBand => (ages.age(ix.persons.born[p as usize]).min(90) / 10) as usize,
                Breakdown::Region => bef
                    .map(|b| b.region(p as usize))
                    .and_then(ork_domain::Region::ordinal)
                    .map_or(0, |i| i + 1),
                Breakdown::Year => first_year
                    .get(i)
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

//! The person-level index, built once from the registers' Parquet files: every person with
//! birth, sex, death and emigration; the population per year (`bef`: region, municipality);
//! education and income per year; and, per event kind, a code dictionary sorted
//! lexicographically (so a code prefix is a contiguous range of code ids) with each code's
//! events as postings sorted by person and day.

mod columns;

use crate::cohort::{EventKind, SAMPLE_TYPES};
use arrow::array::{
    Array, AsArray, Date32Array, Float64Array, Int32Array, StringArray, TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;
use columns::*;
use ork_schema::tables::{self, Table};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Why the index could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("no synthetic registers in {0} (run `orkestrator registers generate`)")]
    Missing(PathBuf),
}

fn file_err(path: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::File {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Days since 1970-01-01.
pub type Day = i32;

/// The persons of `cpr`, column by column (a pass over everyone reads nine bytes a
/// person); a person's id is the position.
#[derive(Debug, Clone, Default)]
pub struct Persons {
    pub born: Vec<Day>,
    /// 1 man, 2 woman (as `cpr.koen`).
    pub sex: Vec<u8>,
    /// The day the person died or emigrated, whichever came first ([`Day::MAX`]: neither).
    pub gone: Vec<Day>,
}

impl Persons {
    pub fn len(&self) -> usize {
        self.born.len()
    }

    pub fn is_empty(&self) -> bool {
        self.born.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        self.born.capacity() * 4 + self.sex.capacity() + self.gone.capacity() * 4
    }
}

/// The region of a `bef` row that has none.
pub const UNKNOWN_REGION: u16 = 1;

/// The population of one year (`bef`): who has a row, and where they lived. Each person's
/// place is one number into the year's table of (region, municipality) pairs, so a
/// person-year costs two bytes.
#[derive(Debug, Clone, Default)]
pub struct Bef {
    /// Per person: 0 = no row that year, else `places[place − 1]`.
    pub place: Vec<u16>,
    /// (region code 1081–1085 or [`UNKNOWN_REGION`] for a row without one, municipality
    /// code or 0).
    pub places: Vec<(u16, u16)>,
}

impl Bef {
    /// The person's region that year: 0 = no row, [`UNKNOWN_REGION`] = a row without one.
    pub fn region(&self, person: usize) -> u16 {
        match self.place[person] {
            0 => 0,
            p => self.places[p as usize - 1].0,
        }
    }

    /// The person's municipality that year (0 = no row or none given).
    pub fn municipality(&self, person: usize) -> u16 {
        match self.place[person] {
            0 => 0,
            p => self.places[p as usize - 1].1,
        }
    }

    fn set(&mut self, person: usize, region: u16, municipality: u16) -> Result<(), String> {
        let key = (region, municipality);
        let at = match self.places.iter().position(|p| *p == key) {
            Some(i) => i,
            None => {
                if self.places.len() >= usize::from(u16::MAX) - 1 {
                    return Err("too many distinct places in one year".into());
                }
                self.places.push(key);
                self.places.len() - 1
            }
        };
        self.place[person] = at as u16 + 1;
        Ok(())
    }
}

/// Days from 1970-01-01 to 1 January of `year` (proleptic Gregorian calendar).
pub fn jan1(year: i32) -> Day {
    // Howard Hinnant's days_from_civil, for 1 January (a month before March: the year
    // counts from the previous March).
    let y = i64::from(year) - 1;
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = 306; // 1 January, counted from 1 March.
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as Day
}

/// The calendar year a day falls in.
pub fn year_of(day: Day) -> i32 {
    // Howard Hinnant's civil_from_days, the year only.
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    (yoe + era * 400 + i64::from(mp >= 10)) as i32
}

/// Runs are written in blocks of up to this many.
const BLOCK: usize = 128;

/// Bits of an event's day: its offset from its segment's 1 January (0–365).
const DAY_BITS: u32 = 9;

/// The rank of an event without a value.
const MISSING: u16 = u16::MAX;

/// Bits needed for `v`.
fn width(v: u64) -> u32 {
    64 - v.leading_zeros()
}

/// A stream of fixed-width numbers, least significant bit first.
#[derive(Default)]
struct BitWriter {
    buf: Vec<u8>,
    bits: u64,
}

impl BitWriter {
    fn put(&mut self, v: u64, width: u32) {
        let need = (self.bits + u64::from(width)).div_ceil(8) as usize;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        let (mut v, mut left) = (v, width);
        while left > 0 {
            let (at, off) = ((self.bits / 8) as usize, (self.bits % 8) as u32);
            let take = (8 - off).min(left);
            self.buf[at] |= ((v & ((1 << take) - 1)) << off) as u8;
            v >>= take;
            left -= take;
            self.bits += u64::from(take);
        }
    }

    /// The bytes, with eight zero bytes after the last so that [`get_bits`] can read a
    /// whole word anywhere.
    fn finish(mut self) -> Vec<u8> {
        self.buf.resize(self.buf.len() + 8, 0);
        self.buf.shrink_to_fit();
        self.buf
    }
}

/// The `width` (at most 56) bits at `bit` of a stream written by [`BitWriter`].
#[inline]
fn get_bits(buf: &[u8], bit: u64, width: u32) -> u64 {
    let at = (bit / 8) as usize;
    let word: [u8; 8] = buf
        .get(at..at + 8)
        .and_then(|w| w.try_into().ok())
        .unwrap_or_default();
    (u64::from_le_bytes(word) >> (bit % 8)) & ((1u64 << width) - 1)
}

/// The days of one run, read on demand by [`Events::scan_segments`].
pub struct RunDays<'a> {
    days: &'a [u8],
    base: Day,
    ev: usize,
    end: usize,
}

impl RunDays<'_> {
    /// The next day of the run and its event's number, in ascending order of day.
    #[inline]
    pub fn next_day(&mut self) -> Option<(Day, usize)> {
        if self.ev == self.end {
            return None;
        }
        let ev = self.ev;
        self.ev += 1;
        let offset = get_bits(self.days, ev as u64 * u64::from(DAY_BITS), DAY_BITS);
        Some((self.base + offset as Day, ev))
    }
}

/// One person's events of one code in all years and of all types: how many, and the
/// calendar year of the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub person: u32,
    pub events: u32,
    pub first_year: i32,
}

/// One run of a segment: a person, their number of events in it, and the first event's
/// number (the events of a run are numbered consecutively, by day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub person: u32,
    pub events: u32,
    pub first_event: usize,
}

/// The events' values (lab results).
#[derive(Debug, Clone, Default)]
enum Values {
    /// A kind without values.
    #[default]
    None,
    /// Each event's value as its rank among the kind's distinct values ([`MISSING`]:
    /// none), so a bound is one integer comparison and a value two bytes.
    Ranked { distinct: Vec<f32>, rank: Vec<u16> },
    /// Each event's value (NaN: none), when there are too many distinct values to rank.
    Raw(Vec<f32>),
}

/// A test of events' values against a lower and an upper bound, prepared once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueTest {
    /// No bound: every event passes.
    Any,
    /// Ranks in `lo..hi` pass.
    Ranks(u16, u16),
    /// Values in `lo..=hi` pass (NaN never).
    Bounds(f32, f32),
    /// Bounds on a kind without values: no event passes.
    Never,
}

/// Runs in blocks of up to [`BLOCK`], each block's numbers at the fewest bits it needs:
/// per block its first person, its number of runs, the bits of each person gap, each
/// count (less one) and each first year (totals only), and where its bits start.
#[derive(Debug, Clone, Default)]
struct Blocks {
    person: Vec<u32>,
    runs: Vec<u8>,
    gap_bits: Vec<u8>,
    count_bits: Vec<u8>,
    year_bits: Vec<u8>,
    at: Vec<u64>,
    bits: Vec<u8>,
}

impl Blocks {
    fn len(&self) -> usize {
        self.person.len()
    }

    /// Decodes block `b`: its persons into `persons`, its runs' numbers of events into
    /// `counts` and their first years (as offsets from the year base) into `years` when
    /// given; returns its number of runs.
    #[inline]
    fn decode(
        &self,
        b: usize,
        persons: &mut [u32; BLOCK],
        counts: Option<&mut [u32; BLOCK]>,
        years: Option<&mut [u32; BLOCK]>,
    ) -> usize {
        let n = usize::from(self.runs[b]);
        let (gap, count) = (u32::from(self.gap_bits[b]), u32::from(self.count_bits[b]));
        let mut bit = self.at[b];
        let mut p = self.person[b];
        persons[0] = p;
        for slot in &mut persons[1..n] {
            p += get_bits(&self.bits, bit, gap) as u32;
            bit += u64::from(gap);
            *slot = p;
        }
        if let Some(counts) = counts {
            for slot in &mut counts[..n] {
                *slot = get_bits(&self.bits, bit, count) as u32 + 1;
                bit += u64::from(count);
            }
        } else {
            bit += n as u64 * u64::from(count);
        }
        if let Some(years) = years {
            let year = u32::from(self.year_bits[b]);
            for slot in &mut years[..n] {
                *slot = get_bits(&self.bits, bit, year) as u32;
                bit += u64::from(year);
            }
        }
        n
    }

    /// Writes one block of runs (person, number of events, first year for totals),
    /// ascending by person.
    fn put(&mut self, out: &mut BitWriter, block: &[(u32, u32, u32)], years: bool) {
        let gap = block
            .windows(2)
            .map(|w| width(u64::from(w[1].0 - w[0].0)))
            .max()
            .unwrap_or(0);
        let count = block
            .iter()
            .map(|r| width(u64::from(r.1 - 1)))
            .max()
            .unwrap_or(0);
        let year = if years {
            block
                .iter()
                .map(|r| width(u64::from(r.2)))
                .max()
                .unwrap_or(0)
        } else {
            0
        };
        self.person.push(block[0].0);
        self.runs.push(block.len() as u8);
        self.gap_bits.push(gap as u8);
        self.count_bits.push(count as u8);
        self.year_bits.push(year as u8);
        self.at.push(out.bits);
        for w in block.windows(2) {
            out.put(u64::from(w[1].0 - w[0].0), gap);
        }
        for r in block {
            out.put(u64::from(r.1 - 1), count);
        }
        for r in block {
            out.put(u64::from(r.2), year);
        }
    }

    fn finish(&mut self, out: BitWriter) {
        self.bits = out.finish();
        self.person.shrink_to_fit();
        self.runs.shrink_to_fit();
        self.gap_bits.shrink_to_fit();
        self.count_bits.shrink_to_fit();
        self.year_bits.shrink_to_fit();
        self.at.shrink_to_fit();
    }

    fn heap_bytes(&self) -> usize {
        self.person.capacity() * 4
            + self.runs.capacity()
            + self.gap_bits.capacity()
            + self.count_bits.capacity()
            + self.year_bits.capacity()
            + self.at.capacity() * 8
            + self.bits.capacity()
    }
}

/// One event kind's events, compressed. Codes are sorted lexicographically, so a code
/// prefix is a contiguous range of code ids. Each code's events are split by calendar year
/// and sub-type (diagnosis or sample type) into segments (so the segments of a code prefix
/// are contiguous too, a period reads only the segments of its years and a type filter
/// only those of its types); a segment's events are sorted by (person, day) and grouped
/// into runs of one person, written in blocks of up to [`BLOCK`] runs: the block's first
/// person, then the others' gaps from the run before and each run's number of events
/// less one, each at the fewest bits the block needs. Each event's day is
/// [`DAY_BITS`] bits (its offset from the segment's 1 January) at a place given by its
/// number, so a run's days are read without reading those before. Asking only who has a
/// code, or a period of whole years, reads the blocks alone; decoding a block is a loop
/// without branches. Each code also has its totals, in blocks of the same form: one run
/// per person with any of its events, counting them all, with the year of the first (so
/// a criterion on codes alone reads one run per person and code, not one per year and
/// type).
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub codes: Vec<String>,
    /// Per code, and one past the last: its first segment.
    code_seg: Vec<u32>,
    /// Per segment: its calendar year.
    seg_year: Vec<i32>,
    /// Per segment: its events' diagnosis type (b'A', b'B', b'G', ...) or sample type
    /// (index into [`SAMPLE_TYPES`]); 0 for other kinds.
    seg_sub: Vec<u8>,
    /// Per segment, and one past the last: its first event's number and its first block.
    first_event: Vec<u64>,
    seg_block: Vec<u32>,
    /// Per code: its blocks of totals.
    code_totals: Vec<(u32, u32)>,
    /// The year that totals' first years count from.
    year_base: i32,
    /// The segments' runs.
    runs: Blocks,
    /// The codes' totals.
    totals: Blocks,
    /// Per event, [`DAY_BITS`] bits: its day's offset from its segment's 1 January.
    days: Vec<u8>,
    values: Values,
}

/// One event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posting {
    pub person: u32,
    pub day: Day,
    pub sub: u8,
    pub value: f32,
}

impl Events {
    /// The code ids whose code starts with `prefix`: a contiguous range.
    pub fn prefix_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.codes.partition_point(|c| c.as_str() < prefix);
        let hi = lo + self.codes[lo..].partition_point(|c| c.starts_with(prefix));
        lo..hi
    }

    pub fn len(&self) -> usize {
        self.first_event.last().map_or(0, |n| *n as usize)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The segments of the codes in `r`: a contiguous range.
    pub fn segments(&self, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
        if r.is_empty() {
            return 0..0;
        }
        self.code_seg[r.start] as usize..self.code_seg[r.end] as usize
    }

    /// A segment's calendar year.
    #[inline]
    pub fn segment_year(&self, s: usize) -> i32 {
        self.seg_year[s]
    }

    /// A segment's sub-type (0 for kinds without).
    #[inline]
    pub fn segment_sub(&self, s: usize) -> u8 {
        self.seg_sub[s]
    }

    /// The blocks of totals of the codes in `r`.
    fn total_blocks(&self, r: std::ops::Range<usize>) -> impl Iterator<Item = usize> + '_ {
        self.code_totals[r]
            .iter()
            .flat_map(|&(from, to)| from as usize..to as usize)
    }

    /// Visits, code by code, each person with an event of a code in `r`.
    #[inline]
    pub fn for_each_holder(&self, r: std::ops::Range<usize>, mut f: impl FnMut(u32)) {
        let mut persons = [0u32; BLOCK];
        for b in self.total_blocks(r) {
            let n = self.totals.decode(b, &mut persons, None, None);
            persons[..n].iter().for_each(|&p| f(p));
        }
    }

    /// Visits, code by code, the totals of the codes in `r`.
    #[inline]
    pub fn for_each_total(&self, r: std::ops::Range<usize>, mut f: impl FnMut(Total)) {
        let (mut persons, mut counts, mut years) = ([0u32; BLOCK], [0u32; BLOCK], [0u32; BLOCK]);
        for b in self.total_blocks(r) {
            let n = self
                .totals
                .decode(b, &mut persons, Some(&mut counts), Some(&mut years));
            for i in 0..n {
                f(Total {
                    person: persons[i],
                    events: counts[i],
                    first_year: self.year_base + years[i] as i32,
                });
            }
        }
    }

    /// Visits the persons of the runs of the segments in `s`, segment by segment.
    #[inline]
    pub fn for_each_person(&self, s: std::ops::Range<usize>, mut f: impl FnMut(u32)) {
        let mut persons = [0u32; BLOCK];
        for s in s {
            for b in self.seg_block[s] as usize..self.seg_block[s + 1] as usize {
                let n = self.runs.decode(b, &mut persons, None, None);
                persons[..n].iter().for_each(|&p| f(p));
            }
        }
    }

    /// Visits the runs of the segments in `s`, segment by segment.
    #[inline]
    pub fn for_each_run(&self, s: std::ops::Range<usize>, mut f: impl FnMut(Run)) {
        let (mut persons, mut counts) = ([0u32; BLOCK], [0u32; BLOCK]);
        for s in s {
            let mut ev = self.first_event[s] as usize;
            for b in self.seg_block[s] as usize..self.seg_block[s + 1] as usize {
                let n = self.runs.decode(b, &mut persons, Some(&mut counts), None);
                for (&person, &events) in persons[..n].iter().zip(&counts[..n]) {
                    f(Run {
                        person,
                        events,
                        first_event: ev,
                    });
                    ev += events as usize;
                }
            }
        }
    }

    /// Visits every run of the segments in `s`: `f` gets the person and the run's days,
    /// which it reads as far as it needs (in ascending order).
    #[inline]
    pub fn scan_segments(
        &self,
        s: std::ops::Range<usize>,
        mut f: impl FnMut(u32, &mut RunDays<'_>),
    ) {
        for s in s {
            let base = jan1(self.seg_year[s]);
            self.for_each_run(s..s + 1, |run| {
                let mut days = RunDays {
                    days: &self.days,
                    base,
                    ev: run.first_event,
                    end: run.first_event + run.events as usize,
                };
                f(run.person, &mut days);
            });
        }
    }

    /// Every event of the codes in `r`, code by code, year by year, then by person and day.
    pub fn postings(&self, r: std::ops::Range<usize>) -> Vec<Posting> {
        let mut out = Vec::new();
        for s in self.segments(r) {
            let sub = self.seg_sub[s];
            self.scan_segments(s..s + 1, |person, days| {
                while let Some((day, ev)) = days.next_day() {
                    out.push(Posting {
                        person,
                        day,
                        sub,
                        value: self.value(ev),
                    });
                }
            });
        }
        out
    }

    /// An event's value (NaN for kinds without and events without).
    pub fn value(&self, event: usize) -> f32 {
        match &self.values {
            Values::None => f32::NAN,
            Values::Ranked { distinct, rank } => rank
                .get(event)
                .and_then(|r| distinct.get(usize::from(*r)))
                .copied()
                .unwrap_or(f32::NAN),
            Values::Raw(v) => v.get(event).copied().unwrap_or(f32::NAN),
        }
    }

    /// The test of values against `min` and `max` (inclusive; either may be absent).
    pub fn value_test(&self, min: Option<f32>, max: Option<f32>) -> ValueTest {
        if min.is_none() && max.is_none() {
            return ValueTest::Any;
        }
        let (lo, hi) = (
            min.unwrap_or(f32::NEG_INFINITY),
            max.unwrap_or(f32::INFINITY),
        );
        match &self.values {
            Values::None => ValueTest::Never,
            Values::Ranked { distinct, .. } => ValueTest::Ranks(
                distinct.partition_point(|v| *v < lo) as u16,
                distinct.partition_point(|v| *v <= hi) as u16,
            ),
            Values::Raw(_) => ValueTest::Bounds(lo, hi),
        }
    }

    /// Whether event number `event` passes a value test.
    #[inline]
    pub fn value_ok(&self, test: ValueTest, event: usize) -> bool {
        match (test, &self.values) {
            (ValueTest::Any, _) => true,
            (ValueTest::Ranks(lo, hi), Values::Ranked { rank, .. }) => {
                rank.get(event).is_some_and(|r| (lo..hi).contains(r))
            }
            (ValueTest::Bounds(lo, hi), Values::Raw(v)) => {
                v.get(event).is_some_and(|v| (lo..=hi).contains(v))
            }
            _ => false,
        }
    }

    /// How many of the events in `events` pass a value test, counted up to `enough`.
    #[inline]
    pub fn count_passing(
        &self,
        test: ValueTest,
        events: std::ops::Range<usize>,
        enough: u32,
    ) -> u32 {
        let k = match (test, &self.values) {
            (ValueTest::Any, _) => events.len(),
            (ValueTest::Ranks(lo, hi), Values::Ranked { rank, .. }) => rank
                .get(events)
                .map_or(0, |r| r.iter().filter(|r| (lo..hi).contains(*r)).count()),
            (ValueTest::Bounds(lo, hi), Values::Raw(v)) => v
                .get(events)
                .map_or(0, |v| v.iter().filter(|v| (lo..=hi).contains(*v)).count()),
            _ => 0,
        };
        (k as u32).min(enough)
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        let values = match &self.values {
            Values::None => 0,
            Values::Ranked { distinct, rank } => distinct.capacity() * 4 + rank.capacity() * 2,
            Values::Raw(v) => v.capacity() * 4,
        };
        self.codes.iter().map(|c| c.capacity() + 24).sum::<usize>()
            + self.code_seg.capacity() * 4
            + self.seg_year.capacity() * 4
            + self.seg_sub.capacity()
            + self.first_event.capacity() * 8
            + self.seg_block.capacity() * 4
            + self.runs.heap_bytes()
            + self.totals.heap_bytes()
            + self.code_totals.capacity() * 8
            + self.days.capacity()
            + values
    }
}

/// The index over one folder of registers.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Sorted by person number; a person's id is the position.
    pub pnr: Vec<u64>,
    pub persons: Persons,
    pub bef: BTreeMap<i32, Bef>,
    /// Education level (first digit of `hfaudd`, 0 = no row) per year and person.
    pub education: BTreeMap<i32, Vec<u8>>,
    /// Total personal income per year and person (NaN = no row).
    pub income: BTreeMap<i32, Vec<f32>>,
    /// Indexed by `EventKind as usize` in [`EventKind::ALL`] order.
    pub events: Vec<Events>,
    /// The latest populations built, for the next definitions on the same population.
    pub populations: crate::cache::PopulationCache,
}

fn parquet_files(dir: &Path, table: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join(table))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Reads the named columns of every file of a table, batch by batch.
fn scan(
    dir: &Path,
    table: &Table,
    columns: &[&str],
    mut each: impl FnMut(&RecordBatch) -> Result<(), String>,
) -> Result<(), IndexError> {
    for path in parquet_files(dir, table.name) {
        let file = std::fs::File::open(&path).map_err(|e| file_err(&path, e))?;
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| file_err(&path, e))?;
        let schema = builder.parquet_schema();
        let mut leaves = Vec::new();
        for c in columns {
            let i = (0..schema.num_columns())
                .find(|&i| schema.column(i).name() == *c)
                .ok_or_else(|| file_err(&path, format!("no column {c}")))?;
            leaves.push(i);
        }
        let mask = ProjectionMask::leaves(schema, leaves);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(64 * 1024)
            .build()
            .map_err(|e| file_err(&path, e))?;
        for batch in reader {
            let batch = batch.map_err(|e| file_err(&path, e))?;
            each(&batch).map_err(|e| file_err(&path, e))?;
        }
    }
    Ok(())
}

fn col<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, String> {
    b.column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| format!("no column {name}"))
}

fn strs<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a StringArray, String> {
    col(b, name)?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| format!("{name} is not text"))
}

fn dates<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Date32Array, String> {
    col(b, name)?
        .as_any()
        .downcast_ref::<Date32Array>()
        .ok_or_else(|| format!("{name} is not a date"))
}

fn ints<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Int32Array, String> {
    col(b, name)?
        .as_any()
        .downcast_ref::<Int32Array>()
        .ok_or_else(|| format!("{name} is not an integer"))
}

fn floats<'a>(b: &'a RecordBatch, name: &str) -> Result<&'a Float64Array, String> {
    col(b, name)?
        .as_any()
        .downcast_ref::<Float64Array>()
        .ok_or_else(|| format!("{name} is not a number"))
}

/// A timestamp column as days since 1970 (the date of the moment, UTC).
fn ts_days(b: &RecordBatch, name: &str) -> Result<Vec<Option<Day>>, String> {
    let a = col(b, name)?;
    let a: &TimestampMicrosecondArray = a
        .as_primitive_opt()
        .ok_or_else(|| format!("{name} is not a timestamp"))?;
    Ok((0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i).div_euclid(86_400_000_000) as Day))
        .collect())
}

fn opt_str(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

fn opt_date(a: &Date32Array, i: usize) -> Option<Day> {
    (!a.is_null(i)).then(|| a.value(i))
}

/// A date or timestamp column as days.
fn day_column(b: &RecordBatch, name: &str, timestamp: bool) -> Result<Vec<Option<Day>>, String> {
    if timestamp {
        ts_days(b, name)
    } else {
        let d = dates(b, name)?;
        Ok((0..b.num_rows()).map(|i| opt_date(d, i)).collect())
    }
}

/// The numeric key of a contact (`R00000000001`, `K…`): the letter dropped.
fn contact_key(s: &str) -> Option<u64> {
    s.get(1..)?.parse().ok()
}

/// One code's events as read: sort keys, and the sub-types or values' bits (or nothing).
type Bucket = (Vec<u64>, Vec<u32>);

/// An event's sort key: person, then day.
fn key(person: u32, day: Day) -> u64 {
    (u64::from(person) << 32) | u64::from((day as u32) ^ 0x8000_0000)
}

fn unkey(k: u64) -> (u32, Day) {
    ((k >> 32) as u32, ((k as u32) ^ 0x8000_0000) as Day)
}

/// Events of one kind as they are read, bucketed by code: sort keys, and per event the
/// sub-type or the value's bits when the kind has them (kept apart so that kinds without
/// cost eight bytes an event while reading).
#[derive(Default)]
struct Buckets {
    by_code: HashMap<String, Bucket>,
    extra: Extra,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Extra {
    #[default]
    None,
    Sub,
    Value,
}

impl Buckets {
    fn with(extra: Extra) -> Self {
        Self {
            by_code: HashMap::new(),
            extra,
        }
    }

    fn push(&mut self, code: &str, person: u32, day: Day, sub: u8, value: f32) {
        let x = match self.extra {
            Extra::None => None,
            Extra::Sub => Some(u32::from(sub)),
            Extra::Value => Some(value.to_bits()),
        };
        let b = match self.by_code.get_mut(code) {
            Some(b) => b,
            None => self.by_code.entry(code.to_owned()).or_default(),
        };
        b.0.push(key(person, day));
        if let Some(x) = x {
            b.1.push(x);
        }
    }

    fn finish(self) -> Events {
        let extra = self.extra;
        let mut codes: Vec<(String, Bucket)> = self.by_code.into_iter().collect();
        codes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut e = Events::default();
        e.code_seg.push(0);
        e.first_event.push(0);
        e.seg_block.push(0);
        let (mut runs, mut totals) = (BlockWriter::new(false), BlockWriter::new(true));
        let mut days = BitWriter::default();
        let mut values: Vec<f32> = Vec::new();
        let mut events = 0u64;
        // Totals' first years count from the earliest year of the kind.
        e.year_base = codes
            .iter()
            .flat_map(|(_, (keys, _))| keys.iter().map(|k| unkey(*k).1).min())
            .min()
            .map_or(0, year_of);
        for (code, (keys, extras)) in codes {
            // The totals: one run per person, from the events sorted by (person, day).
            let totals_from = e.totals.len() as u32;
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            for run in sorted.chunk_by(|a, b| unkey(*a).0 == unkey(*b).0) {
                let (person, first) = unkey(run[0]);
                let year = (year_of(first) - e.year_base) as u32;
                totals.push(&mut e.totals, (person, run.len() as u32, year));
            }
            totals.flush(&mut e.totals);
            drop(sorted);
            e.code_totals.push((totals_from, e.totals.len() as u32));
            // Sorted by (year and sub-type, person, day): one segment per year and sub-type,
            // and in each the runs of one person.
            let group = |k: u64, x: u32| -> i64 {
                let sub = if extra == Extra::Sub { x & 0xff } else { 0 };
                i64::from(year_of(unkey(k).1)) << 8 | i64::from(sub)
            };
            let mut rows: Vec<(i64, u64, u32)> = if extra == Extra::None {
                keys.into_iter().map(|k| (group(k, 0), k, 0)).collect()
            } else {
                keys.into_iter()
                    .zip(extras)
                    .map(|(k, x)| (group(k, x), k, x))
                    .collect()
            };
            rows.sort_unstable();
            for seg in rows.chunk_by(|a, b| a.0 == b.0) {
                let g = seg[0].0;
                let year = (g >> 8) as i32;
                let base = jan1(year);
                let person_runs = seg.chunk_by(|a, b| unkey(a.1).0 == unkey(b.1).0);
                for run in person_runs {
                    runs.push(&mut e.runs, (unkey(run[0].1).0, run.len() as u32, 0));
                    for &(_, k, x) in run {
                        days.put((unkey(k).1 - base) as u64, DAY_BITS);
                        if extra == Extra::Value {
                            values.push(f32::from_bits(x));
                        }
                    }
                }
                runs.flush(&mut e.runs);
                events += seg.len() as u64;
                e.seg_year.push(year);
                e.seg_sub.push((g & 0xff) as u8);
                e.first_event.push(events);
                e.seg_block.push(e.runs.len() as u32);
            }
            e.codes.push(code);
            e.code_seg.push(e.seg_year.len() as u32);
        }
        e.runs.finish(runs.out);
        e.totals.finish(totals.out);
        e.days = days.finish();
        if extra == Extra::Value {
            e.values = rank_values(values);
        }
        e.seg_sub.shrink_to_fit();
        e.seg_year.shrink_to_fit();
        e.first_event.shrink_to_fit();
        e.seg_block.shrink_to_fit();
        e.code_totals.shrink_to_fit();
        e
    }
}

/// Runs on their way into [`Blocks`]: a block is written when it is full or its segment
/// (or code, for totals) ends.
struct BlockWriter {
    out: BitWriter,
    pending: Vec<(u32, u32, u32)>,
    years: bool,
}

impl BlockWriter {
    fn new(years: bool) -> Self {
        Self {
            out: BitWriter::default(),
            pending: Vec::with_capacity(BLOCK),
            years,
        }
    }

    /// Adds a run (person, number of events, first year for totals).
    fn push(&mut self, blocks: &mut Blocks, run: (u32, u32, u32)) {
        self.pending.push(run);
        if self.pending.len() == BLOCK {
            self.flush(blocks);
        }
    }

    /// Writes the runs not yet written as a block.
    fn flush(&mut self, blocks: &mut Blocks) {
        if !self.pending.is_empty() {
            blocks.put(&mut self.out, &self.pending, self.years);
            self.pending.clear();
        }
    }
}

/// Values as ranks among the distinct ones when there are few enough, else as they are.
fn rank_values(values: Vec<f32>) -> Values {
    let mut distinct: Vec<f32> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    distinct.sort_unstable_by(f32::total_cmp);
    distinct.dedup_by(|a, b| a.to_bits() == b.to_bits());
    if distinct.len() >= usize::from(MISSING) {
        return Values::Raw(values);
    }
    let rank = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                MISSING
            } else {
                distinct
                    .binary_search_by(|d| d.total_cmp(v))
                    .map_or(MISSING, |i| i as u16)
            }
        })
        .collect();
    distinct.shrink_to_fit();
    Values::Ranked { distinct, rank }
}

impl Index {
    /// The id of a person number, if the person is in `cpr`.
    pub fn person_id(&self, pnr: &str) -> Option<u32> {
        let n: u64 = pnr.parse().ok()?;
        self.pnr.binary_search(&n).ok().map(|i| i as u32)
    }

    pub fn events(&self, kind: EventKind) -> &Events {
        &self.events[EventKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
    }

    /// Builds the index from a folder written by `orkestrator registers generate`.
    pub fn build(dir: &Path) -> Result<Self, IndexError> {
        if parquet_files(dir, tables::CPR.name).is_empty() {
            return Err(IndexError::Missing(dir.to_owned()));
        }
        let mut ix = Index::default();
        // Persons, sorted by person number.
        let mut rows: Vec<(u64, Day, u8, Day)> = Vec::new();
        scan(
            dir,
            &tables::CPR,
            &[PNR, FOED_DAG, KOEN, DOED_DATO, UDVANDRET_DATO],
            |b| {
                let (pnr, born, sex, died, emig) = (
                    strs(b, PNR)?,
                    dates(b, FOED_DAG)?,
                    ints(b, KOEN)?,
                    dates(b, DOED_DATO)?,
                    dates(b, UDVANDRET_DATO)?,
                );
                for i in 0..b.num_rows() {
                    let n: u64 = pnr.value(i).parse().map_err(|_| "a pnr is not a number")?;
                    let gone = match (opt_date(died, i), opt_date(emig, i)) {
                        (Some(d), Some(e)) => d.min(e),
                        (Some(d), None) | (None, Some(d)) => d,
                        (None, None) => Day::MAX,
                    };
                    rows.push((n, born.value(i), sex.value(i) as u8, gone));
                }
                Ok(())
            },
        )?;
        rows.sort_unstable_by_key(|r| r.0);
        ix.pnr = rows.iter().map(|r| r.0).collect();
        ix.persons = Persons {
            born: rows.iter().map(|r| r.1).collect(),
            sex: rows.iter().map(|r| r.2).collect(),
            gone: rows.iter().map(|r| r.3).collect(),
        };
        drop(rows);
        let n = ix.persons.len();
        let lookup: HashMap<u64, u32> = ix
            .pnr
            .iter()
            .enumerate()
            .map(|(i, p)| (*p, i as u32))
            .collect();
        let id = |s: &str| -> Result<u32, String> {
            s.parse::<u64>()
                .ok()
                .and_then(|p| lookup.get(&p).copied())
                .ok_or_else(|| "a pnr is not in cpr".to_owned())
        };

        // The population per year, education and income per year.
        {
            let bef = &mut ix.bef;
            scan(dir, &tables::BEF, &[PNR, AAR, KOM, REG], |b| {
                let (pnr, aar, kom, reg) =
                    (strs(b, PNR)?, ints(b, AAR)?, ints(b, KOM)?, ints(b, REG)?);
                for i in 0..b.num_rows() {
                    let y = bef.entry(aar.value(i)).or_insert_with(|| Bef {
                        place: vec![0; n],
                        places: Vec::new(),
                    });
                    let p = id(pnr.value(i))? as usize;
                    // A row without a region still places the person in the population.
                    let region = if reg.is_null(i) {
                        UNKNOWN_REGION
                    } else {
                        reg.value(i) as u16
                    };
                    let municipality = if kom.is_null(i) {
                        0
                    } else {
                        kom.value(i) as u16
                    };
                    y.set(p, region, municipality)?;
                }
                Ok(())
            })?;
        }
        {
            let edu = &mut ix.education;
            scan(dir, &tables::UDDA, &[PNR, AAR, HFAUDD], |b| {
                let (pnr, aar, h) = (strs(b, PNR)?, ints(b, AAR)?, strs(b, HFAUDD)?);
                for i in 0..b.num_rows() {
                    let level = opt_str(h, i)
                        .and_then(|v| v.bytes().next())
                        .map_or(0, |c| c.wrapping_sub(b'0'));
                    edu.entry(aar.value(i)).or_insert_with(|| vec![0; n])
                        [id(pnr.value(i))? as usize] = level;
                }
                Ok(())
            })?;
        }
        {
            let inc = &mut ix.income;
            scan(dir, &tables::IND, &[PNR, AAR, PERINDKIALT_13], |b| {
                let (pnr, aar, v) = (strs(b, PNR)?, ints(b, AAR)?, floats(b, PERINDKIALT_13)?);
                for i in 0..b.num_rows() {
                    let value = if v.is_null(i) {
                        f32::NAN
                    } else {
                        v.value(i) as f32
                    };
                    inc.entry(aar.value(i)).or_insert_with(|| vec![f32::NAN; n])
                        [id(pnr.value(i))? as usize] = value;
                }
                Ok(())
            })?;
        }

        // Diagnoses and procedures: LPR2 and LPR3, contacts joined by key per year file.
        let (mut diag, mut proc_) = (Buckets::with(Extra::Sub), Buckets::default());
        for (contacts, start_col, start_ts, diags, dcode, dtype, procs, pcode, pdate, pts) in [
            (
                &tables::LPR_ADM,
                D_INDDTO,
                false,
                &tables::LPR_DIAG,
                C_DIAG,
                C_DIAGTYPE,
                &tables::LPR_SKSOPR,
                C_OPR,
                D_ODTO,
                false,
            ),
            (
                &tables::LPR_A_KONTAKT,
                KONT_STARTTIDSPUNKT,
                true,
                &tables::LPR_A_DIAGNOSE,
                DIAG_KODE,
                DIAG_KODE_TYPE,
                &tables::LPR_A_PROCEDURE,
                PROC_KODE,
                PROC_TIDSPUNKT,
                true,
            ),
        ] {
            let key_col = if start_ts { DW_EK_KONTAKT } else { RECNUM };
            // A contact without a start dates none of its events: they are not counted.
            let mut contact: HashMap<u64, (u32, Option<Day>)> = HashMap::new();
            scan(dir, contacts, &[key_col, PNR, start_col], |b| {
                let (k, pnr) = (strs(b, key_col)?, strs(b, PNR)?);
                let start = day_column(b, start_col, start_ts)?;
                for (i, day) in start.iter().enumerate() {
                    let key = contact_key(k.value(i)).ok_or("a contact key is malformed")?;
                    contact.insert(key, (id(pnr.value(i))?, *day));
                }
                Ok(())
            })?;
            scan(dir, diags, &[key_col, dcode, dtype], |b| {
                let (k, code, t) = (strs(b, key_col)?, strs(b, dcode)?, strs(b, dtype)?);
                for i in 0..b.num_rows() {
                    let key = contact_key(k.value(i)).ok_or("a contact key is malformed")?;
                    let &(p, day) = contact.get(&key).ok_or("a diagnosis has no contact")?;
                    let (Some(day), Some(c)) = (day, opt_str(code, i)) else {
                        continue;
                    };
                    // ICD-10 without the SKS "D".
                    let c = c.strip_prefix('D').unwrap_or(c);
                    let sub = opt_str(t, i).and_then(|t| t.bytes().next()).unwrap_or(b'?');
                    diag.push(c, p, day, sub, f32::NAN);
                }
                Ok(())
            })?;
            scan(dir, procs, &[key_col, pcode, pdate], |b| {
                let (k, code) = (strs(b, key_col)?, strs(b, pcode)?);
                let when = day_column(b, pdate, pts)?;
                for (i, day) in when.iter().enumerate() {
                    let key = contact_key(k.value(i)).ok_or("a contact key is malformed")?;
                    let &(p, start) = contact.get(&key).ok_or("a procedure has no contact")?;
                    if let (Some(day), Some(c)) = (day.or(start), opt_str(code, i)) {
                        proc_.push(c, p, day, 0, f32::NAN);
                    }
                }
                Ok(())
            })?;
        }

        // Each kind is compressed as soon as it is read, so only one kind's raw events are
        // held at a time.
        let (diag, proc_) = (diag.finish(), proc_.finish());
        // The single-table event registers.
        let mut rx = Buckets::default();
        scan(dir, &tables::LMDB, &[PNR, EKSD, ATC], |b| {
            let (pnr, d, atc) = (strs(b, PNR)?, dates(b, EKSD)?, strs(b, ATC)?);
            for i in 0..b.num_rows() {
                if let (Some(day), Some(code)) = (opt_date(d, i), opt_str(atc, i)) {
                    rx.push(code, id(pnr.value(i))?, day, 0, f32::NAN);
                }
            }
            Ok(())
        })?;
        let rx = rx.finish();
        let mut cancer = Buckets::default();
        scan(dir, &tables::CANCER, &[PNR, D_DIAGNOSEDATO, C_ICD10], |b| {
            let (pnr, d, c) = (strs(b, PNR)?, dates(b, D_DIAGNOSEDATO)?, strs(b, C_ICD10)?);
            for i in 0..b.num_rows() {
                if let (Some(day), Some(code)) = (opt_date(d, i), opt_str(c, i)) {
                    let code = code.strip_prefix('D').unwrap_or(code);
                    cancer.push(code, id(pnr.value(i))?, day, 0, f32::NAN);
                }
            }
            Ok(())
        })?;
        let cancer = cancer.finish();
        let mut death = Buckets::default();
        scan(
            dir,
            &tables::DODSAARSAGER,
            &[PNR, DOEDSDATO, DOEDSAARSAG_TILGRUNDLIGGENDE],
            |b| {
                let (pnr, d, c) = (
                    strs(b, PNR)?,
                    dates(b, DOEDSDATO)?,
                    strs(b, DOEDSAARSAG_TILGRUNDLIGGENDE)?,
                );
                for i in 0..b.num_rows() {
                    // A death without a cause still counts when no cause is asked for.
                    let code = opt_str(c, i).unwrap_or("");
                    let code = code.strip_prefix('D').unwrap_or(code);
                    if let Some(day) = opt_date(d, i) {
                        death.push(code, id(pnr.value(i))?, day, 0, f32::NAN);
                    }
                }
                Ok(())
            },
        )?;
        let death = death.finish();
        let mut bio = Buckets::with(Extra::Sub);
        scan(dir, &tables::BIOBANK, &[PNR, PROEVEDATO, PROEVETYPE], |b| {
            let (pnr, d, t) = (strs(b, PNR)?, dates(b, PROEVEDATO)?, strs(b, PROEVETYPE)?);
            for i in 0..b.num_rows() {
                // An unknown or missing type matches no type filter.
                let sub = opt_str(t, i)
                    .and_then(|t| SAMPLE_TYPES.iter().position(|s| *s == t))
                    .map_or(u8::MAX, |x| x as u8);
                if let Some(day) = opt_date(d, i) {
                    bio.push("", id(pnr.value(i))?, day, sub, f32::NAN);
                }
            }
            Ok(())
        })?;
        let bio = bio.finish();
        let mut lab = Buckets::with(Extra::Value);
        scan(
            dir,
            &tables::LAB,
            &[PNR, PROEVETID, NPU_KODE, VAERDI],
            |b| {
                let (pnr, code, v) = (strs(b, PNR)?, strs(b, NPU_KODE)?, floats(b, VAERDI)?);
                let when = ts_days(b, PROEVETID)?;
                for (i, day) in when.iter().enumerate() {
                    let value = if v.is_null(i) {
                        f32::NAN
                    } else {
                        v.value(i) as f32
                    };
                    if let (Some(day), Some(c)) = (day, opt_str(code, i)) {
                        lab.push(c, id(pnr.value(i))?, *day, 0, value);
                    }
                }
                Ok(())
            },
        )?;
        let lab = lab.finish();
        // In `EventKind::ALL` order.
        ix.events = vec![diag, proc_, rx, cancer, death, bio, lab];
        Ok(ix)
    }

    /// Bytes held (for the benchmark's memory figure).
    pub fn heap_bytes(&self) -> usize {
        let ev: usize = self.events.iter().map(Events::heap_bytes).sum();
        let bef: usize = self
            .bef
            .values()
            .map(|b| b.place.capacity() * 2 + b.places.capacity() * 4)
            .sum();
        let per_year = self.education.values().map(Vec::capacity).sum::<usize>()
            + self
                .income
                .values()
                .map(|v| v.capacity() * 4)
                .sum::<usize>();
        self.pnr.capacity() * 8 + self.persons.heap_bytes() + bef + per_year + ev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn compressed_events_give_back_what_was_put_in(
            rows in proptest::collection::vec(
                (prop_oneof![Just("E11"), Just("E110"), Just("I10"), Just("")], 0u32..50, -40_000i32..40_000, 0u8..4, -5.0f32..500.0),
                0..300,
            ),
        ) {
            for extra in [Extra::None, Extra::Sub, Extra::Value] {
                let mut b = Buckets::with(extra);
                for (c, p, d, s, v) in &rows {
                    b.push(c, *p, *d, *s, *v);
                }
                let e = b.finish();
                prop_assert_eq!(e.len(), rows.len());
                let mut codes: Vec<&str> = rows.iter().map(|r| r.0).collect();
                codes.sort_unstable();
                codes.dedup();
                prop_assert_eq!(&e.codes, &codes);
                for (i, code) in codes.iter().enumerate() {
                    let mut want: Vec<(u32, Day, u8, u32)> = rows
                        .iter()
                        .filter(|r| r.0 == *code)
                        .map(|r| (
                            r.1,
                            r.2,
                            if extra == Extra::Sub { r.3 } else { 0 },
                            if extra == Extra::Value { r.4.to_bits() } else { f32::NAN.to_bits() },
                        ))
                        .collect();
                    want.sort_unstable();
                    let mut got: Vec<(u32, Day, u8, u32)> = e
                        .postings(i..i + 1)
                        .into_iter()
                        .map(|p| (p.person, p.day, p.sub, p.value.to_bits()))
                        .collect();
                    got.sort_unstable();
                    prop_assert_eq!(&got, &want);
                    // One segment a year and sub-type, ascending; in each, one run per
                    // person with their number of such events that year.
                    let mut runs: Vec<(i32, u8, u32, u32)> = Vec::new();
                    for s in e.segments(i..i + 1) {
                        e.for_each_run(s..s + 1, |r| {
                            runs.push((e.segment_year(s), e.segment_sub(s), r.person, r.events));
                        });
                    }
                    let mut per: BTreeMap<(i32, u8, u32), u32> = BTreeMap::new();
                    for w in &want {
                        *per.entry((year_of(w.1), w.2, w.0)).or_default() += 1;
                    }
                    let per: Vec<(i32, u8, u32, u32)> =
                        per.into_iter().map(|((y, s, p), n)| (y, s, p, n)).collect();
                    prop_assert_eq!(&runs, &per);
                    prop_assert_eq!(runs.iter().map(|r| r.3 as usize).sum::<usize>(), want.len());
                    // The totals: one run per person with all their events and the year
                    // of the first.
                    let mut totals: Vec<(u32, u32, i32)> = Vec::new();
                    e.for_each_total(i..i + 1, |t| totals.push((t.person, t.events, t.first_year)));
                    let mut per: BTreeMap<u32, (u32, i32)> = BTreeMap::new();
                    for w in &want {
                        let t = per.entry(w.0).or_insert((0, i32::MAX));
                        t.0 += 1;
                        t.1 = t.1.min(year_of(w.1));
                    }
                    let per: Vec<(u32, u32, i32)> =
                        per.into_iter().map(|(p, (n, y))| (p, n, y)).collect();
                    prop_assert_eq!(&totals, &per);
                    let mut holders = Vec::new();
                    e.for_each_holder(i..i + 1, |p| holders.push(p));
                    prop_assert_eq!(holders, per.iter().map(|t| t.0).collect::<Vec<_>>());
                }
            }
        }

        #[test]
        fn years_and_first_days_agree_with_the_calendar(day in -800_000i32..800_000) {
            let date = time::Date::from_julian_day(day + 2_440_588).unwrap();
            prop_assert_eq!(year_of(day), date.year());
            let first = time::Date::from_calendar_date(date.year(), time::Month::January, 1).unwrap();
            prop_assert_eq!(jan1(date.year()), first.to_julian_day() - 2_440_588);
        }
    }

    #[test]
    fn blocks_hold_many_runs_wide_gaps_and_long_runs() {
        // Over a thousand runs in one segment (several blocks), person ids up to the last
        // u32, and one person with 300 events in a year.
        let mut rows: Vec<(u32, Day)> = Vec::new();
        let mut x = 12_345u64;
        for _ in 0..3000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let person = if x.is_multiple_of(7) {
                u32::MAX - (x >> 40) as u32 % 5
            } else {
                (x >> 33) as u32 % 5000
            };
            rows.push((person, jan1(2019) + (x >> 20) as Day % 730));
        }
        rows.extend((0..300).map(|i| (77, jan1(2019) + i)));
        let mut b = Buckets::with(Extra::Value);
        for (i, (p, d)) in rows.iter().enumerate() {
            b.push("NPU1", *p, *d, 0, i as f32);
        }
        let e = b.finish();
        let mut got: Vec<(u32, Day, u32)> = e
            .postings(0..1)
            .into_iter()
            .map(|p| (p.person, p.day, p.value as u32))
            .collect();
        got.sort_unstable();
        let mut want: Vec<(u32, Day, u32)> = rows
            .iter()
            .enumerate()
            .map(|(i, (p, d))| (*p, *d, i as u32))
            .collect();
        want.sort_unstable();
        assert_eq!(got, want);
        let mut persons: Vec<u32> = rows.iter().map(|r| r.0).collect();
        persons.sort_unstable();
        persons.dedup();
        let mut holders = Vec::new();
        e.for_each_holder(0..1, |p| holders.push(p));
        assert_eq!(holders, persons);
        let mut n = 0;
        e.for_each_total(0..1, |t| n += t.events);
        assert_eq!(n as usize, rows.len());
        assert!(e.runs.len() >= 10, "several blocks a segment");
    }

    #[test]
    fn bits_round_trip() {
        let values: Vec<(u64, u32)> = (0..=56)
            .flat_map(|w| [(0, w), ((1u64 << w) - 1, w), ((1u64 << w) / 3, w)])
            .collect();
        let mut out = BitWriter::default();
        for &(v, w) in &values {
            out.put(v, w);
        }
        let buf = out.finish();
        let mut bit = 0;
        for &(v, w) in &values {
            assert_eq!(get_bits(&buf, bit, w), v, "{w} bits");
            bit += u64::from(w);
        }
    }

    #[test]
    fn values_are_ranked_and_tested_as_bounds_on_the_values() {
        let raw = vec![48.0, f32::NAN, 20.5, 48.0, -0.0, 0.0, 104.0];
        let Values::Ranked { distinct, rank } = rank_values(raw.clone()) else {
            panic!("few values are ranked");
        };
        assert_eq!(distinct.len(), 5);
        assert_eq!(rank[1], MISSING);
        let ev = Events {
            values: Values::Ranked { distinct, rank },
            ..Events::default()
        };
        let raw_ev = Events {
            values: Values::Raw(raw.clone()),
            ..Events::default()
        };
        for (min, max) in [
            (Some(48.0), None),
            (None, Some(20.5)),
            (Some(0.0), Some(48.0)),
            (Some(200.0), None),
            (None, None),
        ] {
            for (i, v) in raw.iter().enumerate() {
                let want = !(v.is_nan() && (min.is_some() || max.is_some()))
                    && min.is_none_or(|m| *v >= m)
                    && max.is_none_or(|m| *v <= m);
                for e in [&ev, &raw_ev] {
                    assert_eq!(
                        e.value_ok(e.value_test(min, max), i),
                        want,
                        "{v} in {min:?}..{max:?}"
                    );
                }
                assert_eq!(ev.value(i).to_bits(), v.to_bits());
            }
        }
        assert_eq!(
            Events::default().value_test(Some(1.0), None),
            ValueTest::Never
        );
    }
}

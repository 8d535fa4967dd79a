//! The person-level index, built once from the registers' Parquet files: every person with
//! birth, sex, death and emigration; the population per year (`bef`: region, municipality);
//! education and income per year; and, per event kind, a code dictionary sorted
//! lexicographically (so a code prefix is a contiguous range of code ids) with each code's
//! events as postings sorted by person and day.

use crate::cohort::{EventKind, SAMPLE_TYPES};
use arrow::array::{
    Array, AsArray, Date32Array, Float64Array, Int32Array, StringArray, TimestampMicrosecondArray,
};
use arrow::record_batch::RecordBatch;
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

/// A person's fixed facts; `id` is the position in [`Index::persons`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub born: Day,
    /// 1 man, 2 woman (as `cpr.koen`).
    pub sex: u8,
    pub died: Option<Day>,
    pub emigrated: Option<Day>,
}

/// The region of a `bef` row that has none.
pub const UNKNOWN_REGION: u16 = 1;

/// The population of one year (`bef`): who has a row, and where they lived.
#[derive(Debug, Clone, Default)]
pub struct Bef {
    /// Region code (1081–1085) per person, 0 = no row that year, [`UNKNOWN_REGION`] = a row
    /// without a region.
    pub region: Vec<u16>,
    pub municipality: Vec<u16>,
}

/// One event kind's events: codes sorted, postings per code sorted by (person, day).
#[derive(Debug, Clone, Default)]
pub struct Events {
    pub codes: Vec<String>,
    /// `offsets[c]..offsets[c + 1]` are code `c`'s postings.
    pub offsets: Vec<usize>,
    pub person: Vec<u32>,
    pub day: Vec<Day>,
    /// Diagnosis type (b'A', b'B', b'G') or sample type (index into [`SAMPLE_TYPES`]).
    pub sub: Vec<u8>,
    /// Lab values (NaN when missing); empty for other kinds.
    pub value: Vec<f32>,
}

impl Events {
    /// The code ids whose code starts with `prefix`: a contiguous range.
    pub fn prefix_range(&self, prefix: &str) -> std::ops::Range<usize> {
        let lo = self.codes.partition_point(|c| c.as_str() < prefix);
        let hi = lo + self.codes[lo..].partition_point(|c| c.starts_with(prefix));
        lo..hi
    }

    pub fn len(&self) -> usize {
        self.person.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
}

/// The index over one folder of registers.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Sorted by person number; a person's id is the position.
    pub pnr: Vec<u64>,
    pub persons: Vec<Person>,
    pub bef: BTreeMap<i32, Bef>,
    /// Education level (first digit of `hfaudd`, 0 = no row) per year and person.
    pub education: BTreeMap<i32, Vec<u8>>,
    /// Total personal income per year and person (NaN = no row).
    pub income: BTreeMap<i32, Vec<f32>>,
    /// Indexed by `EventKind as usize` in [`EventKind::ALL`] order.
    pub events: Vec<Events>,
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
    table: &str,
    columns: &[&str],
    mut each: impl FnMut(&RecordBatch) -> Result<(), String>,
) -> Result<(), IndexError> {
    for path in parquet_files(dir, table) {
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

/// One event as read: person, day, sub-type, value.
type Row = (u32, Day, u8, f32);

/// Events of one kind as they are read, bucketed by code.
#[derive(Default)]
struct Buckets {
    by_code: HashMap<String, Vec<Row>>,
}

impl Buckets {
    fn push(&mut self, code: &str, person: u32, day: Day, sub: u8, value: f32) {
        match self.by_code.get_mut(code) {
            Some(v) => v.push((person, day, sub, value)),
            None => {
                self.by_code
                    .insert(code.to_owned(), vec![(person, day, sub, value)]);
            }
        }
    }

    fn finish(self, with_values: bool) -> Events {
        let mut codes: Vec<(String, Vec<Row>)> = self.by_code.into_iter().collect();
        codes.sort_by(|a, b| a.0.cmp(&b.0));
        let total: usize = codes.iter().map(|c| c.1.len()).sum();
        let mut e = Events {
            codes: Vec::with_capacity(codes.len()),
            offsets: Vec::with_capacity(codes.len() + 1),
            person: Vec::with_capacity(total),
            day: Vec::with_capacity(total),
            sub: Vec::with_capacity(total),
            value: if with_values {
                Vec::with_capacity(total)
            } else {
                Vec::new()
            },
        };
        e.offsets.push(0);
        for (code, mut rows) in codes {
            rows.sort_unstable_by_key(|r| (r.0, r.1));
            for (p, d, s, v) in rows {
                e.person.push(p);
                e.day.push(d);
                e.sub.push(s);
                if with_values {
                    e.value.push(v);
                }
            }
            e.codes.push(code);
            e.offsets.push(e.person.len());
        }
        e
    }
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
        if parquet_files(dir, "cpr").is_empty() {
            return Err(IndexError::Missing(dir.to_owned()));
        }
        let mut ix = Index::default();
        // Persons, sorted by person number.
        let mut rows: Vec<(u64, Person)> = Vec::new();
        scan(
            dir,
            "cpr",
            &["pnr", "foed_dag", "koen", "doed_dato", "udvandret_dato"],
            |b| {
                let (pnr, born, sex, died, emig) = (
                    strs(b, "pnr")?,
                    dates(b, "foed_dag")?,
                    ints(b, "koen")?,
                    dates(b, "doed_dato")?,
                    dates(b, "udvandret_dato")?,
                );
                for i in 0..b.num_rows() {
                    let n: u64 = pnr.value(i).parse().map_err(|_| "a pnr is not a number")?;
                    rows.push((
                        n,
                        Person {
                            born: born.value(i),
                            sex: sex.value(i) as u8,
                            died: opt_date(died, i),
                            emigrated: opt_date(emig, i),
                        },
                    ));
                }
                Ok(())
            },
        )?;
        rows.sort_unstable_by_key(|r| r.0);
        ix.pnr = rows.iter().map(|r| r.0).collect();
        ix.persons = rows.into_iter().map(|r| r.1).collect();
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
            scan(dir, "bef", &["pnr", "aar", "kom", "reg"], |b| {
                let (pnr, aar, kom, reg) = (
                    strs(b, "pnr")?,
                    ints(b, "aar")?,
                    ints(b, "kom")?,
                    ints(b, "reg")?,
                );
                for i in 0..b.num_rows() {
                    let y = bef.entry(aar.value(i)).or_insert_with(|| Bef {
                        region: vec![0; n],
                        municipality: vec![0; n],
                    });
                    let p = id(pnr.value(i))? as usize;
                    // A row without a region still places the person in the population.
                    y.region[p] = if reg.is_null(i) {
                        UNKNOWN_REGION
                    } else {
                        reg.value(i) as u16
                    };
                    y.municipality[p] = if kom.is_null(i) {
                        0
                    } else {
                        kom.value(i) as u16
                    };
                }
                Ok(())
            })?;
        }
        {
            let edu = &mut ix.education;
            scan(dir, "udda", &["pnr", "aar", "hfaudd"], |b| {
                let (pnr, aar, h) = (strs(b, "pnr")?, ints(b, "aar")?, strs(b, "hfaudd")?);
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
            scan(dir, "ind", &["pnr", "aar", "perindkialt_13"], |b| {
                let (pnr, aar, v) = (
                    strs(b, "pnr")?,
                    ints(b, "aar")?,
                    floats(b, "perindkialt_13")?,
                );
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
        let (mut diag, mut proc_) = (Buckets::default(), Buckets::default());
        for (contacts, start_col, start_ts, diags, dcode, dtype, procs, pcode, pdate, pts) in [
            (
                "lpr_adm",
                "d_inddto",
                false,
                "lpr_diag",
                "c_diag",
                "c_diagtype",
                "lpr_sksopr",
                "c_opr",
                "d_odto",
                false,
            ),
            (
                "lpr_a_kontakt",
                "kont_starttidspunkt",
                true,
                "lpr_a_diagnose",
                "diag_kode",
                "diag_kode_type",
                "lpr_a_procedure",
                "proc_kode",
                "proc_tidspunkt",
                true,
            ),
        ] {
            let key_col = if start_ts { "dw_ek_kontakt" } else { "recnum" };
            // A contact without a start dates none of its events: they are not counted.
            let mut contact: HashMap<u64, (u32, Option<Day>)> = HashMap::new();
            scan(dir, contacts, &[key_col, "pnr", start_col], |b| {
                let (k, pnr) = (strs(b, key_col)?, strs(b, "pnr")?);
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

        // The single-table event registers.
        let mut rx = Buckets::default();
        scan(dir, "lmdb", &["pnr", "eksd", "atc"], |b| {
            let (pnr, d, atc) = (strs(b, "pnr")?, dates(b, "eksd")?, strs(b, "atc")?);
            for i in 0..b.num_rows() {
                if let (Some(day), Some(code)) = (opt_date(d, i), opt_str(atc, i)) {
                    rx.push(code, id(pnr.value(i))?, day, 0, f32::NAN);
                }
            }
            Ok(())
        })?;
        let mut cancer = Buckets::default();
        scan(dir, "cancer", &["pnr", "d_diagnosedato", "c_icd10"], |b| {
            let (pnr, d, c) = (
                strs(b, "pnr")?,
                dates(b, "d_diagnosedato")?,
                strs(b, "c_icd10")?,
            );
            for i in 0..b.num_rows() {
                if let (Some(day), Some(code)) = (opt_date(d, i), opt_str(c, i)) {
                    let code = code.strip_prefix('D').unwrap_or(code);
                    cancer.push(code, id(pnr.value(i))?, day, 0, f32::NAN);
                }
            }
            Ok(())
        })?;
        let mut death = Buckets::default();
        scan(
            dir,
            "dodsaarsager",
            &["pnr", "doedsdato", "doedsaarsag_tilgrundliggende"],
            |b| {
                let (pnr, d, c) = (
                    strs(b, "pnr")?,
                    dates(b, "doedsdato")?,
                    strs(b, "doedsaarsag_tilgrundliggende")?,
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
        let mut bio = Buckets::default();
        scan(dir, "biobank", &["pnr", "proevedato", "proevetype"], |b| {
            let (pnr, d, t) = (
                strs(b, "pnr")?,
                dates(b, "proevedato")?,
                strs(b, "proevetype")?,
            );
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
        let mut lab = Buckets::default();
        scan(
            dir,
            "lab",
            &["pnr", "proevetid", "npu_kode", "vaerdi"],
            |b| {
                let (pnr, code, v) = (strs(b, "pnr")?, strs(b, "npu_kode")?, floats(b, "vaerdi")?);
                let when = ts_days(b, "proevetid")?;
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
        ix.events = EventKind::ALL
            .iter()
            .map(|k| match k {
                EventKind::Diagnosis => std::mem::take(&mut diag).finish(false),
                EventKind::Procedure => std::mem::take(&mut proc_).finish(false),
                EventKind::Prescription => std::mem::take(&mut rx).finish(false),
                EventKind::Cancer => std::mem::take(&mut cancer).finish(false),
                EventKind::Death => std::mem::take(&mut death).finish(false),
                EventKind::Biobank => std::mem::take(&mut bio).finish(false),
                EventKind::Lab => std::mem::take(&mut lab).finish(true),
            })
            .collect();
        Ok(ix)
    }

    /// Bytes held, roughly (for the benchmark's memory figure).
    pub fn heap_bytes(&self) -> usize {
        let ev: usize = self
            .events
            .iter()
            .map(|e| {
                e.person.capacity() * 4
                    + e.day.capacity() * 4
                    + e.sub.capacity()
                    + e.value.capacity() * 4
                    + e.offsets.capacity() * 8
                    + e.codes.iter().map(|c| c.capacity() + 24).sum::<usize>()
            })
            .sum();
        let per_year = self.bef.len() * self.persons.len() * 4
            + self.education.len() * self.persons.len()
            + self.income.len() * self.persons.len() * 4;
        self.pnr.len() * 8 + self.persons.len() * size_of::<Person>() + per_year + ev
    }
}

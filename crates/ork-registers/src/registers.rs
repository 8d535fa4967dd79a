//! Writing the registers as the generation streams through the people: each table has one
//! file per year (or one file), opened when its first rows arrive and closed at the end, so
//! memory holds a chunk of persons' histories at a time, not the whole country's.
//!
//! Code conventions follow each register: D-prefixed SKS codes in LPR, plain ICD-10 in the
//! Cancer Register and for causes of death; LPR2 until 2018 and LPR3 from 2019.

use crate::health::History;
use crate::more::{Extras, final_level, hfaudd, income, level_at, region_id};
use crate::population::{BefRow, Person};
use crate::schema::{self, Table};
use crate::stats::{TableStats, Who};
use crate::write::{Days, Floats, Ints, Micros, Strs, Writer};
use crate::{GenerateError, TableSummary};
use arrow::array::ArrayRef;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use crate::schema::LPR3_FROM;

/// Hospital (SHAK-like, synthetic) for LPR2: region digit and a department block.
fn hospital(s: &mut Strs, region: usize, salt: i32) {
    s.push_fmt(format_args!(
        "{}{:03}",
        region + 1,
        100 + salt.rem_euclid(4) * 10
    ));
}

fn department(s: &mut Strs, code: &str) {
    s.push_fmt(format_args!(
        "{:03}",
        (code.as_bytes()[0] - b'A') as u32 * 10 + 10
    ));
}

fn sor_unit(s: &mut Strs, region: usize, salt: i32) {
    s.push_fmt(format_args!(
        "3{:010}",
        1_000_000 + region * 100 + salt.rem_euclid(40) as usize
    ));
}

/// A synthetic six-digit product number, the same for the same drug and pack size.
fn vnr(s: &mut Strs, atc: &str, packsize: i32) {
    let h = atc
        .bytes()
        .chain(packsize.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    s.push_fmt(format_args!("{:06}", h % 1_000_000));
}

fn micros(day: i32, minute: i32) -> i64 {
    (day as i64 * 86_400 + minute as i64 * 60) * 1_000_000
}

/// The finished columns of a batch, in the table's column order.
macro_rules! cols {
    ($($c:expr),+ $(,)?) => { vec![$(crate::write::Column::array($c)),+] };
}

/// One table's files: one per year (key = year) or a single one (key = 0).
struct TableOut {
    table: Table,
    dir: PathBuf,
    files: BTreeMap<i32, Writer>,
    /// Batches built but not yet encoded: encoding runs in parallel across tables.
    pending: Vec<(i32, Vec<ArrayRef>)>,
    stats: TableStats,
}

impl TableOut {
    fn new(dir: &Path, table: Table) -> Self {
        Self {
            table,
            dir: dir.join(table.name),
            files: BTreeMap::new(),
            pending: Vec::new(),
            stats: TableStats::default(),
        }
    }

    fn file_name(&self, key: i32) -> String {
        if self.table.yearly {
            format!("{key}.parquet")
        } else {
            format!("{}.parquet", self.table.name)
        }
    }

    /// Queues rows for a year (ignored for single-file tables) and counts them. Empty
    /// batches write nothing.
    fn append(&mut self, year: i32, columns: Vec<ArrayRef>, who: Who) {
        let rows = columns.first().map_or(0, |c| c.len());
        if rows > 0 {
            let yearly = self.table.yearly;
            self.stats.add(yearly.then_some(year), rows as u64, &who);
            self.pending.push((if yearly { year } else { 0 }, columns));
        }
    }

    /// Encodes and writes the queued batches, in the order they were queued.
    fn flush(&mut self) -> Result<(), GenerateError> {
        for (key, columns) in std::mem::take(&mut self.pending) {
            self.write(key, columns)?;
        }
        Ok(())
    }

    fn write(&mut self, key: i32, columns: Vec<ArrayRef>) -> Result<(), GenerateError> {
        if !self.files.contains_key(&key) {
            std::fs::create_dir_all(&self.dir).map_err(|e| GenerateError::io(&self.dir, e))?;
            let path = self.dir.join(self.file_name(key));
            self.files.insert(key, Writer::create(&path, &self.table)?);
        }
        self.files
            .get_mut(&key)
            .expect("just inserted")
            .append(columns)
    }

    fn finish(mut self) -> Result<TableSummary, GenerateError> {
        self.flush()?;
        let mut s = TableSummary {
            name: self.table.name.into(),
            rows: 0,
            bytes: 0,
            files: Vec::new(),
            stats: std::mem::take(&mut self.stats),
        };
        let names: Vec<String> = self
            .files
            .keys()
            .map(|&k| format!("{}/{}", self.table.name, self.file_name(k)))
            .collect();
        for (w, name) in self.files.into_values().zip(names) {
            s.rows += w.rows;
            s.bytes += w.finish()?;
            s.files.push(name);
        }
        Ok(s)
    }
}

/// Every table being written.
pub struct Outputs {
    seed: u64,
    from_year: i32,
    to_year: i32,
    next_key: u64,
    tables: Vec<TableOut>,
}

impl Outputs {
    pub fn new(dir: &Path, seed: u64, from_year: i32, to_year: i32) -> Self {
        let tables = schema::TABLES
            .iter()
            .map(|t| TableOut::new(dir, *t))
            .collect();
        Self {
            seed,
            from_year,
            to_year,
            next_key: 0,
            tables,
        }
    }

    fn table(&mut self, t: &Table) -> &mut TableOut {
        self.tables
            .iter_mut()
            .find(|o| o.table.name == t.name)
            .expect("every table has its output")
    }

    /// BEF, IND and UDDA for one year's 1 January snapshot.
    pub fn population_year(&mut self, year: i32, rows: &[BefRow], ps: &[Person]) {
        let seed = self.seed;
        let mut b: (Strs, Ints, Ints, Ints, Ints, Strs, Strs) = Default::default();
        let mut ind: (Strs, Ints, Floats, Floats) = Default::default();
        let mut udda: (Strs, Ints, Strs) = Default::default();
        let (mut who_b, mut who_e) = (Who::default(), Who::default());
        for r in rows {
            let p = &ps[r.person as usize];
            who_b.person(p.id);
            b.0.push(&p.pnr);
            b.1.push(r.aar);
            b.2.push(r.alder);
            b.3.push_opt(r.kom);
            b.4.push_opt(r.reg);
            b.5.push(r.civst);
            b.6.push_fmt(format_args!("F{:09}", r.familie));
            if r.alder >= 15 {
                let level = level_at(final_level(seed, p), r.alder);
                let (total, wages) = income(seed, p, year, r.alder, level);
                who_e.person(p.id);
                ind.0.push(&p.pnr);
                ind.1.push(year);
                ind.2.push(total);
                ind.3.push(wages);
                udda.0.push(&p.pnr);
                udda.1.push(year);
                udda.2
                    .push_fmt(format_args!("{:04}", hfaudd(seed, p, level)));
            }
        }
        let bef = cols![b.0, b.1, b.2, b.3, b.4, b.5, b.6];
        self.table(&schema::BEF).append(year, bef, who_b);
        let udda = cols![udda.0, udda.1, udda.2];
        let who_u = Who {
            ids: who_e.ids.clone(),
            ..Who::default()
        };
        self.table(&schema::UDDA).append(year, udda, who_u);
        let ind = cols![ind.0, ind.1, ind.2, ind.3];
        self.table(&schema::IND).append(year, ind, who_e);
    }

    /// The CPR table: one row per person ever resident, status at the end of the period.
    pub fn persons(&mut self, ps: &[Person]) {
        let end = crate::dates::jan1(self.to_year + 1);
        let visible = |d: Option<i32>| d.filter(|&d| d < end);
        let pnr_of = |id: Option<u32>| id.map(|i| ps[i as usize].pnr.as_str());
        let mut c: (Strs, Days, Ints, Strs, Days, Days, Days, Strs, Strs) = Default::default();
        let mut who = Who::default();
        for p in ps {
            who.person(p.id);
            c.0.push(&p.pnr);
            c.1.push(p.born);
            c.2.push(p.sex as i32);
            c.3.push(if visible(p.died).is_some() {
                "90"
            } else if visible(p.emigrated).is_some() {
                "80"
            } else {
                "01"
            });
            c.4.push_opt(visible(p.died));
            c.5.push_opt(visible(p.emigrated));
            c.6.push_opt(p.immigrated);
            c.7.push_opt(pnr_of(p.mother));
            c.8.push_opt(pnr_of(p.father));
        }
        let columns = cols![c.0, c.1, c.2, c.3, c.4, c.5, c.6, c.7, c.8];
        self.table(&schema::CPR).append(0, columns, who);
    }

    /// Everything that follows from a chunk of persons' histories.
    pub fn chunk(&mut self, ps: &[Person], hs: &[History], xs: &[Extras]) {
        use rayon::prelude::*;
        // Contact keys run on across chunks and years; counting first lets every year's
        // batches be built in parallel with the keys a sequential pass would give.
        let years: Vec<i32> = (self.from_year..=self.to_year).collect();
        let mut first_keys = Vec::with_capacity(years.len());
        for &year in &years {
            let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
            first_keys.push(self.next_key);
            self.next_key += hs
                .iter()
                .map(|h| {
                    h.contacts
                        .iter()
                        .filter(|k| k.start >= y0 && k.start < y1)
                        .count() as u64
                })
                .sum::<u64>();
        }
        let built: Vec<Vec<Batch>> = years
            .par_iter()
            .zip(first_keys.par_iter())
            .map(|(&year, &first_key)| {
                let mut sink = Vec::new();
                lpr_year(&mut sink, year, first_key, ps, hs);
                yearly_extras(&mut sink, year, ps, hs, xs);
                sink
            })
            .collect();
        for (year, batches) in years.into_iter().zip(built) {
            for (table, columns, who) in batches {
                self.table(&table).append(year, columns, who);
            }
        }
        self.single_files(ps, hs, xs);
    }
}

/// Rows for one table: which table, the columns, whom they are about.
type Batch = (Table, Vec<ArrayRef>, Who);

fn lpr_year(sink: &mut Vec<Batch>, year: i32, first_key: u64, ps: &[Person], hs: &[History]) {
    use std::fmt::Write;
    let mut key_no = first_key;
    let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
    let lpr3 = year >= LPR3_FROM;
    // Contacts: key, pnr, start and end (LPR3 times or LPR2 days), type, unit; LPR2 also
    // department and action diagnosis.
    let mut c: (
        Strs,
        Strs,
        Micros,
        Micros,
        Days,
        Days,
        Strs,
        Strs,
        Strs,
        Strs,
    ) = Default::default();
    let mut d: (Strs, Strs, Strs) = Default::default();
    let mut pr: (Strs, Strs, Micros, Days) = Default::default();
    let mut key = String::with_capacity(12);
    let (mut who_c, mut who_d, mut who_p) = (Who::default(), Who::default(), Who::default());
    for (p, h) in ps.iter().zip(hs) {
        for k in h.contacts.iter().filter(|k| k.start >= y0 && k.start < y1) {
            who_c.person(p.id);
            key_no += 1;
            key.clear();
            write!(key, "{}{key_no:011}", if lpr3 { 'K' } else { 'R' })
                .expect("writing to a String cannot fail");
            let action = k.diagnoses[0].0;
            c.0.push(&key);
            c.1.push(&p.pnr);
            if lpr3 {
                c.2.push(micros(k.start, k.start_minute));
                c.3.push(micros(
                    k.end,
                    k.start_minute + if k.pattype == 0 { 0 } else { 45 },
                ));
                c.6.push(match k.pattype {
                    0 => "ALCA10",
                    3 => "ALCA20",
                    _ => "ALCA00",
                });
                sor_unit(&mut c.7, k.region, k.start);
            } else {
                c.4.push(k.start);
                c.5.push(k.end);
                c.6.push_fmt(format_args!("{}", k.pattype));
                hospital(&mut c.7, k.region, k.start);
                department(&mut c.8, action);
                c.9.push_fmt(format_args!("D{action}"));
            }
            for (code, t) in &k.diagnoses {
                who_d.person(p.id);
                d.0.push(&key);
                d.1.push_fmt(format_args!("D{code}"));
                d.2.push(t.encode_utf8(&mut [0; 4]));
            }
            for code in &k.procedures {
                who_p.person(p.id);
                pr.0.push(&key);
                pr.1.push(code);
                if lpr3 {
                    pr.2.push(micros(k.start, k.start_minute + 20));
                } else {
                    pr.3.push(k.start);
                }
            }
        }
    }
    if lpr3 {
        let kontakt = cols![c.0, c.1, c.2, c.3, c.6, c.7];
        sink.push((schema::LPR_A_KONTAKT, kontakt, who_c));
        sink.push((schema::LPR_A_DIAGNOSE, cols![d.0, d.1, d.2], who_d));
        sink.push((schema::LPR_A_PROCEDURE, cols![pr.0, pr.1, pr.2], who_p));
    } else {
        let adm = cols![c.0, c.1, c.4, c.5, c.6, c.7, c.8, c.9];
        sink.push((schema::LPR_ADM, adm, who_c));
        sink.push((schema::LPR_DIAG, cols![d.0, d.1, d.2], who_d));
        sink.push((schema::LPR_SKSOPR, cols![pr.0, pr.1, pr.3], who_p));
    }
}

fn yearly_extras(sink: &mut Vec<Batch>, year: i32, ps: &[Person], hs: &[History], xs: &[Extras]) {
    let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
    let (m0, m1) = (y0 as i64 * 86_400_000_000, y1 as i64 * 86_400_000_000);
    let mut l: (Strs, Days, Strs, Strs, Ints, Ints, Floats, Strs) = Default::default();
    let mut b: (Strs, Micros, Strs, Floats, Strs, Strs) = Default::default();
    let mut im: (Strs, Days, Strs, Strs, Strs) = Default::default();
    let (mut who_l, mut who_b, mut who_i) = (Who::default(), Who::default(), Who::default());
    for ((p, h), x) in ps.iter().zip(hs).zip(xs) {
        for d in h.dispensings.iter().filter(|d| d.day >= y0 && d.day < y1) {
            who_l.person(p.id);
            l.0.push(&p.pnr);
            l.1.push(d.day);
            l.2.push(d.atc);
            vnr(&mut l.3, d.atc, d.packsize);
            l.4.push(d.apk);
            l.5.push(d.packsize);
            l.6.push(d.packsize as f64);
            l.7.push_opt(None);
        }
        for r in x.lab.iter().filter(|r| r.micros >= m0 && r.micros < m1) {
            who_b.person_at(p.id, r.region);
            b.0.push(&p.pnr);
            b.1.push(r.micros);
            b.2.push(r.npu);
            b.3.push(r.value);
            b.4.push(r.unit);
            b.5.push(region_id(r.region));
        }
        for s in x.studies.iter().filter(|s| s.day >= y0 && s.day < y1) {
            who_i.person_at(p.id, s.region);
            im.0.push(&p.pnr);
            im.1.push(s.day);
            im.2.push(s.modality);
            im.3.push(s.body);
            im.4.push(region_id(s.region));
        }
    }
    let lmdb = cols![l.0, l.1, l.2, l.3, l.4, l.5, l.6, l.7];
    sink.push((schema::LMDB, lmdb, who_l));
    sink.push((schema::LAB, cols![b.0, b.1, b.2, b.3, b.4, b.5], who_b));
    sink.push((schema::PACS, cols![im.0, im.1, im.2, im.3, im.4], who_i));
}

impl Outputs {
    fn single_files(&mut self, ps: &[Person], hs: &[History], xs: &[Extras]) {
        let mut dod: (Strs, Days, Strs) = Default::default();
        let mut can: (Strs, Days, Strs, Strs, Strs, Strs, Strs) = Default::default();
        let mut dl: (Strs, Days, Strs, Strs, Floats, Ints, Strs) = Default::default();
        let mut bio: (Strs, Days, Strs, Strs) = Default::default();
        let mut gn: (Strs, Days, Strs) = Default::default();
        let mut var: (Strs, Days) = Default::default();
        let mut who: [Who; 6] = Default::default();
        let year = |day: i32| crate::dates::ymd(day).0;
        for ((p, h), x) in ps.iter().zip(hs).zip(xs) {
            if let (Some(cause), Some(day)) = (h.cause_of_death, p.died) {
                who[0].person_in(p.id, year(day));
                dod.0.push(&p.pnr);
                dod.1.push(day);
                dod.2.push(cause);
            }
            for t in &h.tumours {
                who[1].person_in(p.id, year(t.day));
                can.0.push(&p.pnr);
                can.1.push(t.day);
                can.2.push(t.icd);
                can.3.push(t.morphology);
                can.4.push(t.tnm.0);
                can.5.push(t.tnm.1);
                can.6.push(t.tnm.2);
            }
            for c in &x.lung {
                who[2].person_in(p.id, year(c.day));
                dl.0.push(&p.pnr);
                dl.1.push(c.day);
                dl.2.push(c.histology);
                dl.3.push(c.stage);
                dl.4.push_opt(c.fev1);
                dl.5.push_opt(c.performance);
                dl.6.push(c.treatment);
            }
            for s in &x.samples {
                who[3].person_in(p.id, year(s.day));
                bio.0.push(&p.pnr);
                bio.1.push(s.day);
                bio.2.push(s.kind);
                bio.3.push(s.biobank);
            }
            for (day, kind) in &x.genomes {
                who[4].person_in(p.id, year(*day));
                gn.0.push(&p.pnr);
                gn.1.push(*day);
                gn.2.push(kind);
            }
            if let Some(day) = x.opt_out {
                who[5].person_in(p.id, year(day));
                var.0.push(&p.pnr);
                var.1.push(day);
            }
        }
        let [w0, w1, w2, w3, w4, w5] = who;
        let dod = cols![dod.0, dod.1, dod.2];
        self.table(&schema::DODSAARSAGER).append(0, dod, w0);
        let can = cols![can.0, can.1, can.2, can.3, can.4, can.5, can.6];
        self.table(&schema::CANCER).append(0, can, w1);
        let dl = cols![dl.0, dl.1, dl.2, dl.3, dl.4, dl.5, dl.6];
        self.table(&schema::DLCR).append(0, dl, w2);
        let bio = cols![bio.0, bio.1, bio.2, bio.3];
        self.table(&schema::BIOBANK).append(0, bio, w3);
        let gn = cols![gn.0, gn.1, gn.2];
        self.table(&schema::GENOM).append(0, gn, w4);
        let var = cols![var.0, var.1];
        self.table(&schema::VAR).append(0, var, w5);
    }

    /// Reports the rows written so far to every register.
    pub fn report_rows(&self, report: &dyn Fn(crate::Progress)) {
        for t in &self.tables {
            report(crate::Progress::Rows {
                table: t.table.name,
                rows: t.files.values().map(|w| w.rows).sum(),
            });
        }
    }

    /// Writes what the tables have queued, one table per thread.
    pub fn flush(&mut self) -> Result<(), GenerateError> {
        use rayon::prelude::*;
        self.tables.par_iter_mut().map(TableOut::flush).collect()
    }

    /// Closes every file; the summaries in the order of [`schema::TABLES`].
    pub fn finish(self) -> Result<Vec<TableSummary>, GenerateError> {
        self.tables.into_iter().map(TableOut::finish).collect()
    }
}

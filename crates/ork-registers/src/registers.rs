//! Writing the registers as the generation streams through the people: each table has one
//! file per year (or one file), opened when its first rows arrive and closed at the end, so
//! memory holds a chunk of persons' histories at a time, not the whole country's.
//!
//! Code conventions follow each register: D-prefixed SKS codes in LPR, plain ICD-10 in the
//! Cancer Register and for causes of death; LPR2 until 2018 and LPR3 from 2019.

use crate::health::History;
use crate::more::{Extras, REGION_IDS, final_level, hfaudd, income, level_at};
use crate::population::{BefRow, Person};
use crate::schema::{self, Table};
use crate::write::{Values, Writer};
use crate::{GenerateError, TableSummary};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The first year of LPR3 (LPR2 ends with 2018).
pub const LPR3_FROM: i32 = 2019;

fn hospital(region: usize, salt: i32) -> String {
    format!("{}{:03}", region + 1, 100 + (salt.rem_euclid(4)) * 10)
}

fn department(code: &str) -> String {
    format!("{:03}", (code.as_bytes()[0] - b'A') as u32 * 10 + 10)
}

fn sor_unit(region: usize, salt: i32) -> String {
    format!(
        "{}{:010}",
        3,
        1_000_000 + region * 100 + salt.rem_euclid(40) as usize
    )
}

/// A synthetic six-digit product number, the same for the same drug and pack size.
fn vnr(atc: &str, packsize: i32) -> String {
    let h = atc
        .bytes()
        .chain(packsize.to_le_bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    format!("{:06}", h % 1_000_000)
}

fn micros(day: i32, minute: i32) -> i64 {
    (day as i64 * 86_400 + minute as i64 * 60) * 1_000_000
}

/// One table's files: one per year (key = year) or a single one (key = 0).
struct TableOut {
    table: Table,
    dir: PathBuf,
    files: BTreeMap<i32, Writer>,
    /// Batches built but not yet encoded: encoding runs in parallel across tables.
    pending: Vec<(i32, Vec<Values>)>,
}

impl TableOut {
    fn new(dir: &Path, table: Table) -> Self {
        Self {
            table,
            dir: dir.join(table.name),
            files: BTreeMap::new(),
            pending: Vec::new(),
        }
    }

    fn file_name(&self, key: i32) -> String {
        if self.table.yearly {
            format!("{key}.parquet")
        } else {
            format!("{}.parquet", self.table.name)
        }
    }

    /// Queues rows for a year (ignored for single-file tables). Empty batches write nothing.
    fn append(
        &mut self,
        year: i32,
        rows: usize,
        columns: Vec<Values>,
    ) -> Result<(), GenerateError> {
        if rows > 0 {
            self.pending
                .push((if self.table.yearly { year } else { 0 }, columns));
        }
        Ok(())
    }

    /// Encodes and writes the queued batches, in the order they were queued.
    fn flush(&mut self) -> Result<(), GenerateError> {
        for (key, columns) in std::mem::take(&mut self.pending) {
            self.write(key, columns)?;
        }
        Ok(())
    }

    fn write(&mut self, key: i32, columns: Vec<Values>) -> Result<(), GenerateError> {
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
        };
        for (key, w) in self.files {
            s.rows += w.rows;
            s.bytes += w.finish()?;
            s.files.push(format!(
                "{}/{}",
                self.table.name,
                if self.table.yearly {
                    format!("{key}.parquet")
                } else {
                    format!("{}.parquet", self.table.name)
                }
            ));
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

/// Column builders: a tuple of vectors per table, filled row by row.
type S = Vec<Option<String>>;
type I = Vec<Option<i32>>;
type F = Vec<Option<f64>>;
type T = Vec<Option<i64>>;

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
    pub fn population_year(
        &mut self,
        year: i32,
        rows: &[BefRow],
        ps: &[Person],
    ) -> Result<(), GenerateError> {
        let seed = self.seed;
        let mut b: (S, I, I, I, I, S, S) = Default::default();
        let mut e: (S, I, F, F, S) = Default::default();
        for r in rows {
            let p = &ps[r.person as usize];
            b.0.push(Some(p.pnr.clone()));
            b.1.push(Some(r.aar));
            b.2.push(Some(r.alder));
            b.3.push(r.kom);
            b.4.push(r.reg);
            b.5.push(Some(r.civst.to_owned()));
            b.6.push(Some(r.familie_id.clone()));
            if r.alder >= 15 {
                let level = level_at(final_level(seed, p), r.alder);
                let (total, wages) = income(seed, p, year, r.alder, level);
                e.0.push(Some(p.pnr.clone()));
                e.1.push(Some(year));
                e.2.push(Some(total));
                e.3.push(Some(wages));
                e.4.push(Some(hfaudd(seed, p, level)));
            }
        }
        let n = b.0.len();
        self.table(&schema::BEF).append(
            year,
            n,
            vec![
                Values::Utf8(b.0),
                Values::Int32(b.1),
                Values::Int32(b.2),
                Values::Int32(b.3),
                Values::Int32(b.4),
                Values::Utf8(b.5),
                Values::Utf8(b.6),
            ],
        )?;
        let n = e.0.len();
        self.table(&schema::UDDA).append(
            year,
            n,
            vec![
                Values::Utf8(e.0.clone()),
                Values::Int32(e.1.clone()),
                Values::Utf8(e.4),
            ],
        )?;
        self.table(&schema::IND).append(
            year,
            n,
            vec![
                Values::Utf8(e.0),
                Values::Int32(e.1),
                Values::Float64(e.2),
                Values::Float64(e.3),
            ],
        )
    }

    /// The CPR table: one row per person ever resident, status at the end of the period.
    pub fn persons(&mut self, ps: &[Person]) -> Result<(), GenerateError> {
        let end = crate::dates::jan1(self.to_year + 1);
        let visible = |d: Option<i32>| d.filter(|&d| d < end);
        let pnr_of = |id: Option<u32>| id.map(|i| ps[i as usize].pnr.clone());
        let columns = vec![
            Values::Utf8(ps.iter().map(|p| Some(p.pnr.clone())).collect()),
            Values::Date(ps.iter().map(|p| Some(p.born)).collect()),
            Values::Int32(ps.iter().map(|p| Some(p.sex as i32)).collect()),
            Values::Utf8(
                ps.iter()
                    .map(|p| {
                        Some(
                            if visible(p.died).is_some() {
                                "90"
                            } else if visible(p.emigrated).is_some() {
                                "80"
                            } else {
                                "01"
                            }
                            .to_owned(),
                        )
                    })
                    .collect(),
            ),
            Values::Date(ps.iter().map(|p| visible(p.died)).collect()),
            Values::Date(ps.iter().map(|p| visible(p.emigrated)).collect()),
            Values::Date(ps.iter().map(|p| p.immigrated).collect()),
            Values::Utf8(ps.iter().map(|p| pnr_of(p.mother)).collect()),
            Values::Utf8(ps.iter().map(|p| pnr_of(p.father)).collect()),
        ];
        self.table(&schema::CPR).append(0, ps.len(), columns)
    }

    /// Everything that follows from a chunk of persons' histories.
    pub fn chunk(
        &mut self,
        ps: &[Person],
        hs: &[History],
        xs: &[Extras],
    ) -> Result<(), GenerateError> {
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
                let mut sink = Sink(Vec::new());
                lpr_year(&mut sink, year, first_key, ps, hs)?;
                yearly_extras(&mut sink, year, ps, hs, xs)?;
                Ok(sink.0)
            })
            .collect::<Result<_, GenerateError>>()?;
        for (year, batches) in years.into_iter().zip(built) {
            for (table, rows, columns) in batches {
                self.table(&table).append(year, rows, columns)?;
            }
        }
        self.single_files(ps, hs, xs)
    }
}

/// Rows for one table: which table, how many rows, the columns.
type Batch = (Table, usize, Vec<Values>);

/// Collects a year's batches where they are built (on any thread), to be appended to the
/// files in year order afterwards.
struct Sink(Vec<Batch>);

struct SinkTable<'a> {
    sink: &'a mut Sink,
    table: Table,
}

impl Sink {
    fn table(&mut self, t: &Table) -> SinkTable<'_> {
        SinkTable {
            sink: self,
            table: *t,
        }
    }
}

impl SinkTable<'_> {
    fn append(self, _year: i32, rows: usize, columns: Vec<Values>) -> Result<(), GenerateError> {
        self.sink.0.push((self.table, rows, columns));
        Ok(())
    }
}

fn lpr_year(
    sink: &mut Sink,
    year: i32,
    first_key: u64,
    ps: &[Person],
    hs: &[History],
) -> Result<(), GenerateError> {
    let mut key_no = first_key;
    let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
    let lpr3 = year >= LPR3_FROM;
    let mut c: (S, S, T, T, S, S, S, S) = Default::default();
    let mut d: (S, S, S) = Default::default();
    let mut pr: (S, S, T) = Default::default();
    for (p, h) in ps.iter().zip(hs) {
        for k in h.contacts.iter().filter(|k| k.start >= y0 && k.start < y1) {
            key_no += 1;
            let key = if lpr3 {
                format!("K{key_no:011}")
            } else {
                format!("R{key_no:011}")
            };
            let action = k.diagnoses[0].0;
            c.0.push(Some(key.clone()));
            c.1.push(Some(p.pnr.clone()));
            if lpr3 {
                c.2.push(Some(micros(k.start, k.start_minute)));
                c.3.push(Some(micros(
                    k.end,
                    k.start_minute + if k.pattype == 0 { 0 } else { 45 },
                )));
                c.4.push(Some(
                    match k.pattype {
                        0 => "ALCA10",
                        3 => "ALCA20",
                        _ => "ALCA00",
                    }
                    .to_owned(),
                ));
                c.5.push(Some(sor_unit(k.region, k.start)));
            } else {
                c.2.push(Some(k.start as i64));
                c.3.push(Some(k.end as i64));
                c.4.push(Some(k.pattype.to_string()));
                c.5.push(Some(hospital(k.region, k.start)));
                c.6.push(Some(department(action)));
                c.7.push(Some(format!("D{action}")));
            }
            for (code, t) in &k.diagnoses {
                d.0.push(Some(key.clone()));
                d.1.push(Some(format!("D{code}")));
                d.2.push(Some(t.to_string()));
            }
            for code in &k.procedures {
                pr.0.push(Some(key.clone()));
                pr.1.push(Some((*code).to_owned()));
                pr.2.push(Some(if lpr3 {
                    micros(k.start, k.start_minute + 20)
                } else {
                    k.start as i64
                }));
            }
        }
    }
    let (n, nd, np) = (c.0.len(), d.0.len(), pr.0.len());
    let days = |v: T| Values::Date(v.into_iter().map(|x| x.map(|d| d as i32)).collect());
    if lpr3 {
        sink.table(&schema::LPR_A_KONTAKT).append(
            year,
            n,
            vec![
                Values::Utf8(c.0),
                Values::Utf8(c.1),
                Values::Timestamp(c.2),
                Values::Timestamp(c.3),
                Values::Utf8(c.4),
                Values::Utf8(c.5),
            ],
        )?;
        sink.table(&schema::LPR_A_DIAGNOSE).append(
            year,
            nd,
            vec![Values::Utf8(d.0), Values::Utf8(d.1), Values::Utf8(d.2)],
        )?;
        sink.table(&schema::LPR_A_PROCEDURE).append(
            year,
            np,
            vec![
                Values::Utf8(pr.0),
                Values::Utf8(pr.1),
                Values::Timestamp(pr.2),
            ],
        )
    } else {
        sink.table(&schema::LPR_ADM).append(
            year,
            n,
            vec![
                Values::Utf8(c.0),
                Values::Utf8(c.1),
                days(c.2),
                days(c.3),
                Values::Utf8(c.4),
                Values::Utf8(c.5),
                Values::Utf8(c.6),
                Values::Utf8(c.7),
            ],
        )?;
        sink.table(&schema::LPR_DIAG).append(
            year,
            nd,
            vec![Values::Utf8(d.0), Values::Utf8(d.1), Values::Utf8(d.2)],
        )?;
        sink.table(&schema::LPR_SKSOPR).append(
            year,
            np,
            vec![Values::Utf8(pr.0), Values::Utf8(pr.1), days(pr.2)],
        )
    }
}

fn yearly_extras(
    sink: &mut Sink,
    year: i32,
    ps: &[Person],
    hs: &[History],
    xs: &[Extras],
) -> Result<(), GenerateError> {
    let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
    let (m0, m1) = (y0 as i64 * 86_400_000_000, y1 as i64 * 86_400_000_000);
    let mut l: (S, I, S, S, I, I, F, S) = Default::default();
    let mut b: (S, T, S, F, S, S) = Default::default();
    let mut im: (S, I, S, S, S) = Default::default();
    for ((p, h), x) in ps.iter().zip(hs).zip(xs) {
        for d in h.dispensings.iter().filter(|d| d.day >= y0 && d.day < y1) {
            l.0.push(Some(p.pnr.clone()));
            l.1.push(Some(d.day));
            l.2.push(Some(d.atc.to_owned()));
            l.3.push(Some(vnr(d.atc, d.packsize)));
            l.4.push(Some(d.apk));
            l.5.push(Some(d.packsize));
            l.6.push(Some(d.packsize as f64));
            l.7.push(None);
        }
        for r in x.lab.iter().filter(|r| r.micros >= m0 && r.micros < m1) {
            b.0.push(Some(p.pnr.clone()));
            b.1.push(Some(r.micros));
            b.2.push(Some(r.npu.to_owned()));
            b.3.push(Some(r.value));
            b.4.push(Some(r.unit.to_owned()));
            b.5.push(Some(REGION_IDS[r.region].to_owned()));
        }
        for s in x.studies.iter().filter(|s| s.day >= y0 && s.day < y1) {
            im.0.push(Some(p.pnr.clone()));
            im.1.push(Some(s.day));
            im.2.push(Some(s.modality.to_owned()));
            im.3.push(Some(s.body.to_owned()));
            im.4.push(Some(REGION_IDS[s.region].to_owned()));
        }
    }
    let n = l.0.len();
    sink.table(&schema::LMDB).append(
        year,
        n,
        vec![
            Values::Utf8(l.0),
            Values::Date(l.1),
            Values::Utf8(l.2),
            Values::Utf8(l.3),
            Values::Int32(l.4),
            Values::Int32(l.5),
            Values::Float64(l.6),
            Values::Utf8(l.7),
        ],
    )?;
    let n = b.0.len();
    sink.table(&schema::LAB).append(
        year,
        n,
        vec![
            Values::Utf8(b.0),
            Values::Timestamp(b.1),
            Values::Utf8(b.2),
            Values::Float64(b.3),
            Values::Utf8(b.4),
            Values::Utf8(b.5),
        ],
    )?;
    let n = im.0.len();
    sink.table(&schema::PACS).append(
        year,
        n,
        vec![
            Values::Utf8(im.0),
            Values::Date(im.1),
            Values::Utf8(im.2),
            Values::Utf8(im.3),
            Values::Utf8(im.4),
        ],
    )
}

impl Outputs {
    fn single_files(
        &mut self,
        ps: &[Person],
        hs: &[History],
        xs: &[Extras],
    ) -> Result<(), GenerateError> {
        let mut dod: (S, I, S) = Default::default();
        let mut can: (S, I, S, S, S, S, S) = Default::default();
        let mut dl: (S, I, S, S, F, I, S) = Default::default();
        let mut bio: (S, I, S, S) = Default::default();
        let mut gn: (S, I, S) = Default::default();
        let mut var: (S, I) = Default::default();
        for ((p, h), x) in ps.iter().zip(hs).zip(xs) {
            if let (Some(cause), Some(day)) = (h.cause_of_death, p.died) {
                dod.0.push(Some(p.pnr.clone()));
                dod.1.push(Some(day));
                dod.2.push(Some(cause.to_owned()));
            }
            for t in &h.tumours {
                can.0.push(Some(p.pnr.clone()));
                can.1.push(Some(t.day));
                can.2.push(Some(t.icd.to_owned()));
                can.3.push(Some(t.morphology.to_owned()));
                can.4.push(Some(t.tnm.0.to_owned()));
                can.5.push(Some(t.tnm.1.to_owned()));
                can.6.push(Some(t.tnm.2.to_owned()));
            }
            for c in &x.lung {
                dl.0.push(Some(p.pnr.clone()));
                dl.1.push(Some(c.day));
                dl.2.push(Some(c.histology.to_owned()));
                dl.3.push(Some(c.stage.to_owned()));
                dl.4.push(c.fev1);
                dl.5.push(c.performance);
                dl.6.push(Some(c.treatment.to_owned()));
            }
            for s in &x.samples {
                bio.0.push(Some(p.pnr.clone()));
                bio.1.push(Some(s.day));
                bio.2.push(Some(s.kind.to_owned()));
                bio.3.push(Some(s.biobank.to_owned()));
            }
            for (day, kind) in &x.genomes {
                gn.0.push(Some(p.pnr.clone()));
                gn.1.push(Some(*day));
                gn.2.push(Some((*kind).to_owned()));
            }
            if let Some(day) = x.opt_out {
                var.0.push(Some(p.pnr.clone()));
                var.1.push(Some(day));
            }
        }
        let n = dod.0.len();
        self.table(&schema::DODSAARSAGER).append(
            0,
            n,
            vec![
                Values::Utf8(dod.0),
                Values::Date(dod.1),
                Values::Utf8(dod.2),
            ],
        )?;
        let n = can.0.len();
        self.table(&schema::CANCER).append(
            0,
            n,
            vec![
                Values::Utf8(can.0),
                Values::Date(can.1),
                Values::Utf8(can.2),
                Values::Utf8(can.3),
                Values::Utf8(can.4),
                Values::Utf8(can.5),
                Values::Utf8(can.6),
            ],
        )?;
        let n = dl.0.len();
        self.table(&schema::DLCR).append(
            0,
            n,
            vec![
                Values::Utf8(dl.0),
                Values::Date(dl.1),
                Values::Utf8(dl.2),
                Values::Utf8(dl.3),
                Values::Float64(dl.4),
                Values::Int32(dl.5),
                Values::Utf8(dl.6),
            ],
        )?;
        let n = bio.0.len();
        self.table(&schema::BIOBANK).append(
            0,
            n,
            vec![
                Values::Utf8(bio.0),
                Values::Date(bio.1),
                Values::Utf8(bio.2),
                Values::Utf8(bio.3),
            ],
        )?;
        let n = gn.0.len();
        self.table(&schema::GENOM).append(
            0,
            n,
            vec![Values::Utf8(gn.0), Values::Date(gn.1), Values::Utf8(gn.2)],
        )?;
        let n = var.0.len();
        self.table(&schema::VAR)
            .append(0, n, vec![Values::Utf8(var.0), Values::Date(var.1)])
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

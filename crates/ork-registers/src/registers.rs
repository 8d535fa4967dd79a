//! Writing the health registers from the persons' histories: LPR2 until 2018 and LPR3
//! from 2019 with their own keys, LMDB, the Cause of Death Register and the Cancer
//! Register, with the code conventions of each (D-prefixed SKS codes in LPR, plain ICD-10
//! in the Cancer Register and for causes of death).

use crate::health::History;
use crate::population::Population;
use crate::schema::{self, Table};
use crate::write::{self, Values};
use crate::{GenerateError, TableSummary, table_dir};
use std::path::Path;

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

struct Acc {
    table: Table,
    summary: TableSummary,
}

impl Acc {
    fn new(table: Table) -> Self {
        Self {
            table,
            summary: TableSummary {
                name: table.name.into(),
                rows: 0,
                bytes: 0,
                files: Vec::new(),
            },
        }
    }

    fn write(
        &mut self,
        dir: &Path,
        file: String,
        rows: usize,
        columns: Vec<Values>,
    ) -> Result<(), GenerateError> {
        let d = table_dir(dir, &self.table)?;
        self.summary.bytes += write::write(&d.join(&file), &self.table, columns)?;
        self.summary.rows += rows as u64;
        self.summary
            .files
            .push(format!("{}/{}", self.table.name, file));
        Ok(())
    }
}

pub fn write_health(
    dir: &Path,
    pop: &Population,
    hs: &[History],
    from_year: i32,
    to_year: i32,
) -> Result<Vec<TableSummary>, GenerateError> {
    let ps = &pop.persons;
    let mut adm = Acc::new(schema::LPR_ADM);
    let mut diag = Acc::new(schema::LPR_DIAG);
    let mut opr = Acc::new(schema::LPR_SKSOPR);
    let mut kon = Acc::new(schema::LPR_A_KONTAKT);
    let mut adiag = Acc::new(schema::LPR_A_DIAGNOSE);
    let mut aproc = Acc::new(schema::LPR_A_PROCEDURE);
    let mut lmdb = Acc::new(schema::LMDB);
    let mut key: u64 = 0;
    for year in from_year..=to_year {
        let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
        // Contacts of the year, in person order, each with its key.
        let mut c_key = Vec::new();
        let mut c_pnr = Vec::new();
        let mut c_start = Vec::new();
        let mut c_end = Vec::new();
        let mut c_type = Vec::new();
        let mut c_sgh = Vec::new();
        let mut c_afd = Vec::new();
        let mut c_adiag = Vec::new();
        let (mut d_key, mut d_code, mut d_type) = (Vec::new(), Vec::new(), Vec::new());
        let (mut p_key, mut p_code, mut p_day) = (Vec::new(), Vec::new(), Vec::new());
        let lpr3 = year >= LPR3_FROM;
        for (p, h) in ps.iter().zip(hs) {
            for c in h.contacts.iter().filter(|c| c.start >= y0 && c.start < y1) {
                key += 1;
                let k = if lpr3 {
                    format!("K{key:011}")
                } else {
                    format!("R{key:011}")
                };
                let action = c.diagnoses[0].0;
                c_key.push(Some(k.clone()));
                c_pnr.push(Some(p.pnr.clone()));
                if lpr3 {
                    c_start.push(micros(c.start, c.start_minute));
                    c_end.push(micros(
                        c.end,
                        c.start_minute + if c.pattype == 0 { 0 } else { 45 },
                    ));
                    c_type.push(Some(
                        match c.pattype {
                            0 => "ALCA10",
                            3 => "ALCA20",
                            _ => "ALCA00",
                        }
                        .to_owned(),
                    ));
                    c_sgh.push(Some(sor_unit(c.region, c.start)));
                } else {
                    c_start.push(c.start as i64);
                    c_end.push(c.end as i64);
                    c_type.push(Some(c.pattype.to_string()));
                    c_sgh.push(Some(hospital(c.region, c.start)));
                    c_afd.push(Some(department(action)));
                    c_adiag.push(Some(format!("D{action}")));
                }
                for (code, t) in &c.diagnoses {
                    d_key.push(Some(k.clone()));
                    d_code.push(Some(format!("D{code}")));
                    d_type.push(Some(t.to_string()));
                }
                for code in &c.procedures {
                    p_key.push(Some(k.clone()));
                    p_code.push(Some((*code).to_owned()));
                    p_day.push(if lpr3 {
                        micros(c.start, c.start_minute + 20)
                    } else {
                        c.start as i64
                    });
                }
            }
        }
        let file = format!("{year}.parquet");
        let n = c_key.len();
        let (nd, np) = (d_key.len(), p_key.len());
        if lpr3 {
            kon.write(
                dir,
                file.clone(),
                n,
                vec![
                    Values::Utf8(c_key),
                    Values::Utf8(c_pnr),
                    Values::Timestamp(c_start.into_iter().map(Some).collect()),
                    Values::Timestamp(c_end.into_iter().map(Some).collect()),
                    Values::Utf8(c_type),
                    Values::Utf8(c_sgh),
                ],
            )?;
            adiag.write(
                dir,
                file.clone(),
                nd,
                vec![
                    Values::Utf8(d_key),
                    Values::Utf8(d_code),
                    Values::Utf8(d_type),
                ],
            )?;
            aproc.write(
                dir,
                file.clone(),
                np,
                vec![
                    Values::Utf8(p_key),
                    Values::Utf8(p_code),
                    Values::Timestamp(p_day.into_iter().map(Some).collect()),
                ],
            )?;
        } else {
            let days = |v: Vec<i64>| Values::Date(v.into_iter().map(|d| Some(d as i32)).collect());
            adm.write(
                dir,
                file.clone(),
                n,
                vec![
                    Values::Utf8(c_key),
                    Values::Utf8(c_pnr),
                    days(c_start),
                    days(c_end),
                    Values::Utf8(c_type),
                    Values::Utf8(c_sgh),
                    Values::Utf8(c_afd),
                    Values::Utf8(c_adiag),
                ],
            )?;
            diag.write(
                dir,
                file.clone(),
                nd,
                vec![
                    Values::Utf8(d_key),
                    Values::Utf8(d_code),
                    Values::Utf8(d_type),
                ],
            )?;
            opr.write(
                dir,
                file.clone(),
                np,
                vec![Values::Utf8(p_key), Values::Utf8(p_code), days(p_day)],
            )?;
        }

        // Dispensings of the year.
        let mut cols = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        for (p, h) in ps.iter().zip(hs) {
            for d in h.dispensings.iter().filter(|d| d.day >= y0 && d.day < y1) {
                cols.0.push(Some(p.pnr.clone()));
                cols.1.push(Some(d.day));
                cols.2.push(Some(d.atc.to_owned()));
                cols.3.push(Some(vnr(d.atc, d.packsize)));
                cols.4.push(Some(d.apk));
                cols.5.push(Some(d.packsize));
                cols.6.push(Some(d.packsize as f64));
                cols.7.push(None::<String>);
            }
        }
        let n = cols.0.len();
        lmdb.write(
            dir,
            file,
            n,
            vec![
                Values::Utf8(cols.0),
                Values::Date(cols.1),
                Values::Utf8(cols.2),
                Values::Utf8(cols.3),
                Values::Int32(cols.4),
                Values::Int32(cols.5),
                Values::Float64(cols.6),
                Values::Utf8(cols.7),
            ],
        )?;
    }

    let mut dod = Acc::new(schema::DODSAARSAGER);
    let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for (p, h) in ps.iter().zip(hs) {
        if let (Some(cause), Some(day)) = (h.cause_of_death, p.died) {
            a.push(Some(p.pnr.clone()));
            b.push(Some(day));
            c.push(Some(cause.to_owned()));
        }
    }
    let n = a.len();
    dod.write(
        dir,
        "dodsaarsager.parquet".into(),
        n,
        vec![Values::Utf8(a), Values::Date(b), Values::Utf8(c)],
    )?;

    let mut can = Acc::new(schema::CANCER);
    let mut cols = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for (p, h) in ps.iter().zip(hs) {
        for t in &h.tumours {
            cols.0.push(Some(p.pnr.clone()));
            cols.1.push(Some(t.day));
            cols.2.push(Some(t.icd.to_owned()));
            cols.3.push(Some(t.morphology.to_owned()));
            cols.4.push(Some(t.tnm.0.to_owned()));
            cols.5.push(Some(t.tnm.1.to_owned()));
            cols.6.push(Some(t.tnm.2.to_owned()));
        }
    }
    let n = cols.0.len();
    can.write(
        dir,
        "cancer.parquet".into(),
        n,
        vec![
            Values::Utf8(cols.0),
            Values::Date(cols.1),
            Values::Utf8(cols.2),
            Values::Utf8(cols.3),
            Values::Utf8(cols.4),
            Values::Utf8(cols.5),
            Values::Utf8(cols.6),
        ],
    )?;

    Ok([adm, diag, opr, kon, adiag, aproc, lmdb, dod, can]
        .into_iter()
        .map(|a| a.summary)
        .filter(|s| !s.files.is_empty())
        .collect())
}

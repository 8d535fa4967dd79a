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

/// Income and education for every BEF row of a person aged 15 or more, then the lung
/// cancer database, biobank, lab, imaging, genome and opt-out registers.
pub fn write_more(
    dir: &Path,
    pop: &Population,
    extras: &[crate::more::Extras],
    seed: u64,
    from_year: i32,
) -> Result<Vec<TableSummary>, GenerateError> {
    use crate::more::{REGION_IDS, final_level, hfaudd, income, level_at};
    let ps = &pop.persons;
    let mut ind = Acc::new(schema::IND);
    let mut udda = Acc::new(schema::UDDA);
    let levels: Vec<u8> = ps.iter().map(|p| final_level(seed, p)).collect();
    for (i, rows) in pop.bef.iter().enumerate() {
        let year = from_year + i as i32;
        let mut c = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for r in rows.iter().filter(|r| r.alder >= 15) {
            let p = &ps[r.person as usize];
            let level = level_at(levels[r.person as usize], r.alder);
            let (total, wages) = income(seed, p, year, r.alder, level);
            c.0.push(Some(p.pnr.clone()));
            c.1.push(Some(year));
            c.2.push(Some(total));
            c.3.push(Some(wages));
            c.4.push(Some(hfaudd(seed, p, level)));
        }
        let n = c.0.len();
        let file = format!("{year}.parquet");
        udda.write(
            dir,
            file.clone(),
            n,
            vec![
                Values::Utf8(c.0.clone()),
                Values::Int32(c.1.clone()),
                Values::Utf8(c.4),
            ],
        )?;
        ind.write(
            dir,
            file,
            n,
            vec![
                Values::Utf8(c.0),
                Values::Int32(c.1),
                Values::Float64(c.2),
                Values::Float64(c.3),
            ],
        )?;
    }

    let mut dlcr = Acc::new(schema::DLCR);
    let mut bio = Acc::new(schema::BIOBANK);
    let mut genom = Acc::new(schema::GENOM);
    let mut var = Acc::new(schema::VAR);
    let (mut l, mut b, mut g, mut v) = (
        (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        ),
        (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        (Vec::new(), Vec::new(), Vec::new()),
        (Vec::new(), Vec::new()),
    );
    for (p, e) in ps.iter().zip(extras) {
        for c in &e.lung {
            l.0.push(Some(p.pnr.clone()));
            l.1.push(Some(c.day));
            l.2.push(Some(c.histology.to_owned()));
            l.3.push(Some(c.stage.to_owned()));
            l.4.push(c.fev1);
            l.5.push(c.performance);
            l.6.push(Some(c.treatment.to_owned()));
        }
        for s in &e.samples {
            b.0.push(Some(p.pnr.clone()));
            b.1.push(Some(s.day));
            b.2.push(Some(s.kind.to_owned()));
            b.3.push(Some(s.biobank.to_owned()));
        }
        for (day, kind) in &e.genomes {
            g.0.push(Some(p.pnr.clone()));
            g.1.push(Some(*day));
            g.2.push(Some((*kind).to_owned()));
        }
        if let Some(day) = e.opt_out {
            v.0.push(Some(p.pnr.clone()));
            v.1.push(Some(day));
        }
    }
    let n = l.0.len();
    dlcr.write(
        dir,
        "dlcr.parquet".into(),
        n,
        vec![
            Values::Utf8(l.0),
            Values::Date(l.1),
            Values::Utf8(l.2),
            Values::Utf8(l.3),
            Values::Float64(l.4),
            Values::Int32(l.5),
            Values::Utf8(l.6),
        ],
    )?;
    let n = b.0.len();
    bio.write(
        dir,
        "biobank.parquet".into(),
        n,
        vec![
            Values::Utf8(b.0),
            Values::Date(b.1),
            Values::Utf8(b.2),
            Values::Utf8(b.3),
        ],
    )?;
    let n = g.0.len();
    genom.write(
        dir,
        "genom.parquet".into(),
        n,
        vec![Values::Utf8(g.0), Values::Date(g.1), Values::Utf8(g.2)],
    )?;
    let n = v.0.len();
    var.write(
        dir,
        "var.parquet".into(),
        n,
        vec![Values::Utf8(v.0), Values::Date(v.1)],
    )?;

    // Lab results and imaging studies, one file per year.
    let mut lab = Acc::new(schema::LAB);
    let mut pacs = Acc::new(schema::PACS);
    for (i, _) in pop.bef.iter().enumerate() {
        let year = from_year + i as i32;
        let (y0, y1) = (crate::dates::jan1(year), crate::dates::jan1(year + 1));
        let (m0, m1) = (y0 as i64 * 86_400_000_000, y1 as i64 * 86_400_000_000);
        let mut lc = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let mut pc = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (p, e) in ps.iter().zip(extras) {
            for r in e.lab.iter().filter(|r| r.micros >= m0 && r.micros < m1) {
                lc.0.push(Some(p.pnr.clone()));
                lc.1.push(Some(r.micros));
                lc.2.push(Some(r.npu.to_owned()));
                lc.3.push(Some(r.value));
                lc.4.push(Some(r.unit.to_owned()));
                lc.5.push(Some(REGION_IDS[r.region].to_owned()));
            }
            for s in e.studies.iter().filter(|s| s.day >= y0 && s.day < y1) {
                pc.0.push(Some(p.pnr.clone()));
                pc.1.push(Some(s.day));
                pc.2.push(Some(s.modality.to_owned()));
                pc.3.push(Some(s.body.to_owned()));
                pc.4.push(Some(REGION_IDS[s.region].to_owned()));
            }
        }
        let file = format!("{year}.parquet");
        let n = lc.0.len();
        lab.write(
            dir,
            file.clone(),
            n,
            vec![
                Values::Utf8(lc.0),
                Values::Timestamp(lc.1),
                Values::Utf8(lc.2),
                Values::Float64(lc.3),
                Values::Utf8(lc.4),
                Values::Utf8(lc.5),
            ],
        )?;
        let n = pc.0.len();
        pacs.write(
            dir,
            file,
            n,
            vec![
                Values::Utf8(pc.0),
                Values::Date(pc.1),
                Values::Utf8(pc.2),
                Values::Utf8(pc.3),
                Values::Utf8(pc.4),
            ],
        )?;
    }
    Ok(vec![
        ind.summary,
        udda.summary,
        dlcr.summary,
        bio.summary,
        lab.summary,
        pacs.summary,
        genom.summary,
        var.summary,
    ])
}

//! The reference implementation: a cohort definition translated to SQL and run by
//! DataFusion straight on the Parquet files. It shares nothing with the engine but the
//! parsed definition, so property tests can hold the two to the same counts. The SQL keeps
//! to what DataFusion and DuckDB both read, so the benchmark runs the same text on DuckDB.

use crate::cohort::{Breakdown, Cohort, Criterion, Event, EventKind, Sex};
use crate::engine::{Cell, Counts};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, UInt64Type};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use std::path::Path;
use time::Date;

/// The tables a definition may read, each a folder of Parquet files.
pub const TABLES: [&str; 15] = [
    "cpr",
    "bef",
    "udda",
    "ind",
    "lpr_adm",
    "lpr_diag",
    "lpr_sksopr",
    "lpr_a_kontakt",
    "lpr_a_diagnose",
    "lpr_a_procedure",
    "lmdb",
    "cancer",
    "dodsaarsager",
    "biobank",
    "lab",
];

fn lit_date(d: Date) -> String {
    format!("DATE '{d}'")
}

fn lit_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// ICD-10 codes without the SKS "D".
fn strip_d(col: &str) -> String {
    format!("CASE WHEN substr({col}, 1, 1) = 'D' THEN substr({col}, 2) ELSE {col} END")
}

/// The rows of one event kind that have a date: pnr, day, code, sub, val.
fn event_view(kind: EventKind) -> String {
    format!(
        "SELECT * FROM ({}) AS v WHERE day IS NOT NULL",
        event_rows(kind)
    )
}

fn event_rows(kind: EventKind) -> String {
    let none = "CAST(NULL AS DOUBLE)";
    match kind {
        EventKind::Diagnosis => format!(
            "SELECT a.pnr, a.d_inddto AS day, {} AS code, d.c_diagtype AS sub, {none} AS val \
             FROM lpr_adm a JOIN lpr_diag d ON d.recnum = a.recnum \
             UNION ALL \
             SELECT k.pnr, CAST(k.kont_starttidspunkt AS DATE) AS day, {} AS code, d.diag_kode_type AS sub, {none} AS val \
             FROM lpr_a_kontakt k JOIN lpr_a_diagnose d ON d.dw_ek_kontakt = k.dw_ek_kontakt",
            strip_d("d.c_diag"),
            strip_d("d.diag_kode")
        ),
        EventKind::Procedure => format!(
            "SELECT a.pnr, COALESCE(o.d_odto, a.d_inddto) AS day, o.c_opr AS code, '' AS sub, {none} AS val \
             FROM lpr_sksopr o JOIN lpr_adm a ON a.recnum = o.recnum \
             UNION ALL \
             SELECT k.pnr, COALESCE(CAST(p.proc_tidspunkt AS DATE), CAST(k.kont_starttidspunkt AS DATE)) AS day, p.proc_kode AS code, '' AS sub, {none} AS val \
             FROM lpr_a_procedure p JOIN lpr_a_kontakt k ON k.dw_ek_kontakt = p.dw_ek_kontakt"
        ),
        EventKind::Prescription => {
            format!("SELECT pnr, eksd AS day, atc AS code, '' AS sub, {none} AS val FROM lmdb")
        }
        EventKind::Cancer => format!(
            "SELECT pnr, d_diagnosedato AS day, {} AS code, '' AS sub, {none} AS val FROM cancer",
            strip_d("c_icd10")
        ),
        EventKind::Death => format!(
            "SELECT pnr, doedsdato AS day, {} AS code, '' AS sub, {none} AS val FROM dodsaarsager",
            strip_d("doedsaarsag_tilgrundliggende")
        ),
        EventKind::Biobank => format!(
            "SELECT pnr, proevedato AS day, '' AS code, proevetype AS sub, {none} AS val FROM biobank"
        ),
        EventKind::Lab => "SELECT pnr, CAST(proevetid AS DATE) AS day, npu_kode AS code, '' AS sub, vaerdi AS val FROM lab".to_owned(),
    }
}

/// The condition an event row must meet.
fn predicate(e: &Event) -> String {
    let mut p = vec!["TRUE".to_owned()];
    if !e.codes.is_empty() {
        let any: Vec<String> = e
            .codes
            .iter()
            .map(|c| format!("code LIKE {}", lit_str(&format!("{c}%"))))
            .collect();
        p.push(format!("({})", any.join(" OR ")));
    }
    if let Some(f) = e.from {
        p.push(format!("day >= {}", lit_date(f)));
    }
    if let Some(t) = e.to {
        p.push(format!("day <= {}", lit_date(t)));
    }
    if !e.types.is_empty() {
        let list: Vec<String> = e.types.iter().map(|t| lit_str(t)).collect();
        p.push(format!("sub IN ({})", list.join(", ")));
    }
    // Values are compared at single precision, as the index holds them.
    if let Some(m) = e.min {
        p.push(format!(
            "val IS NOT NULL AND CAST(val AS REAL) >= CAST({m:?} AS REAL)"
        ));
    }
    if let Some(m) = e.max {
        p.push(format!(
            "val IS NOT NULL AND CAST(val AS REAL) <= CAST({m:?} AS REAL)"
        ));
    }
    p.join(" AND ")
}

fn view_name(kind: EventKind) -> String {
    format!("ev_{}", kind.key())
}

fn events_of(e: &Event) -> String {
    format!(
        "SELECT pnr, day FROM {} WHERE {}",
        view_name(e.kind),
        predicate(e)
    )
}

/// Pairs of a sequence: the pnr and the day of each `first` event that starts one.
fn sequence_pairs(first: &Event, then: &Event, min_days: i32, max_days: i32) -> String {
    format!(
        "SELECT f.pnr AS pnr, f.day AS day FROM ({}) f JOIN ({}) t ON t.pnr = f.pnr \
         WHERE t.day >= f.day + INTERVAL '{min_days} days' AND t.day <= f.day + INTERVAL '{max_days} days'",
        events_of(first),
        events_of(then)
    )
}

/// A query listing the pnr of every person for whom the criterion holds.
fn set_query(c: &Criterion, year: i32) -> String {
    let operands = |parts: &[Criterion], op: &str| {
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| format!("SELECT pnr FROM ({}) AS s{i}", set_query(p, year)))
            .collect::<Vec<_>>()
            .join(&format!(" {op} "))
    };
    match c {
        Criterion::All(parts) => operands(parts, "INTERSECT"),
        Criterion::Any(parts) => operands(parts, "UNION"),
        Criterion::Not(inner) => format!(
            "SELECT pnr FROM pop EXCEPT SELECT pnr FROM ({}) AS n",
            set_query(inner, year)
        ),
        Criterion::Event(e) if e.min_count <= 1 => {
            format!("SELECT DISTINCT pnr FROM ({}) AS e", events_of(e))
        }
        Criterion::Event(e) => format!(
            "SELECT pnr FROM ({}) AS e GROUP BY pnr HAVING COUNT(*) >= {}",
            events_of(e),
            e.min_count
        ),
        Criterion::Sequence {
            first,
            then,
            min_days,
            max_days,
        } => format!(
            "SELECT DISTINCT pnr FROM ({}) AS q",
            sequence_pairs(first, then, *min_days, *max_days)
        ),
        Criterion::Education { levels, year: y } => {
            let list: Vec<String> = levels.iter().map(|l| format!("'{l}'")).collect();
            format!(
                "SELECT pnr FROM udda WHERE aar = {} AND substr(hfaudd, 1, 1) IN ({})",
                y.unwrap_or(year),
                list.join(", ")
            )
        }
        Criterion::Income { min, max, year: y } => {
            let mut p = vec![
                format!("aar = {}", y.unwrap_or(year)),
                "perindkialt_13 IS NOT NULL".to_owned(),
            ];
            if let Some(m) = min {
                p.push(format!(
                    "CAST(perindkialt_13 AS REAL) >= CAST({m:?} AS REAL)"
                ));
            }
            if let Some(m) = max {
                p.push(format!(
                    "CAST(perindkialt_13 AS REAL) <= CAST({m:?} AS REAL)"
                ));
            }
            format!("SELECT pnr FROM ind WHERE {}", p.join(" AND "))
        }
    }
}

fn kinds(c: &Criterion, out: &mut Vec<EventKind>) {
    let mut add = |k: EventKind| {
        if !out.contains(&k) {
            out.push(k);
        }
    };
    match c {
        Criterion::All(p) | Criterion::Any(p) => p.iter().for_each(|x| kinds(x, out)),
        Criterion::Not(x) => kinds(x, out),
        Criterion::Event(e) => add(e.kind),
        Criterion::Sequence { first, then, .. } => {
            add(first.kind);
            add(then.kind);
        }
        Criterion::Education { .. } | Criterion::Income { .. } => {}
    }
}

/// The whole definition as one SQL query: the breakdown's columns (in its order) and `n`.
pub fn sql(c: &Cohort) -> String {
    let p = &c.population;
    let on = p.alive_on;
    let year = on.year();
    let (m, d) = (u8::from(on.month()), on.day());
    let age = format!(
        "({year} - CAST(date_part('year', c.foed_dag) AS INT) - CASE WHEN CAST(date_part('month', c.foed_dag) AS INT) > {m} \
         OR (CAST(date_part('month', c.foed_dag) AS INT) = {m} AND CAST(date_part('day', c.foed_dag) AS INT) > {d}) THEN 1 ELSE 0 END)"
    );
    let mut pop_where = vec![
        format!("b.aar = {year}"),
        format!("c.foed_dag <= {}", lit_date(on)),
        format!("(c.doed_dato IS NULL OR c.doed_dato > {})", lit_date(on)),
        format!(
            "(c.udvandret_dato IS NULL OR c.udvandret_dato > {})",
            lit_date(on)
        ),
    ];
    if let Some((lo, hi)) = p.age {
        pop_where.push(format!("{age} BETWEEN {lo} AND {hi}"));
    }
    if let Some(s) = p.sex {
        pop_where.push(format!(
            "c.koen = {}",
            match s {
                Sex::M => 1,
                Sex::F => 2,
            }
        ));
    }
    if !p.regions.is_empty() {
        let l: Vec<String> = p.regions.iter().map(|r| r.to_string()).collect();
        pop_where.push(format!("b.reg IN ({})", l.join(", ")));
    }
    if !p.municipalities.is_empty() {
        let l: Vec<String> = p.municipalities.iter().map(|r| r.to_string()).collect();
        pop_where.push(format!("b.kom IN ({})", l.join(", ")));
    }
    let mut ctes = vec![format!(
        "pop AS (SELECT c.pnr AS pnr, c.koen AS koen, b.reg AS reg, {age} AS age \
         FROM cpr c JOIN bef b ON b.pnr = c.pnr WHERE {})",
        pop_where.join(" AND ")
    )];
    let mut used = Vec::new();
    if let Some(cr) = &c.criteria {
        kinds(cr, &mut used);
    }
    for k in used {
        ctes.push(format!("{} AS ({})", view_name(k), event_view(k)));
    }
    let mut from = "pop p".to_owned();
    if let Some(cr) = &c.criteria {
        ctes.push(format!("chosen AS ({})", set_query(cr, year)));
        from.push_str(" JOIN (SELECT DISTINCT pnr FROM chosen) ch ON ch.pnr = p.pnr");
    }
    if c.breakdown.contains(&Breakdown::Year) {
        let firsts = match c.criteria.as_ref().and_then(crate::cohort::first_event) {
            Some(Criterion::Event(e)) => events_of(e),
            Some(Criterion::Sequence {
                first,
                then,
                min_days,
                max_days,
            }) => sequence_pairs(first, then, *min_days, *max_days),
            _ => "SELECT pnr, CAST(NULL AS DATE) AS day FROM pop WHERE FALSE".to_owned(),
        };
        ctes.push(format!(
            "firsts AS (SELECT pnr, MIN(day) AS first_day FROM ({firsts}) AS fe GROUP BY pnr)"
        ));
        from.push_str(" LEFT JOIN firsts f ON f.pnr = p.pnr");
    }
    let cols: Vec<String> = c
        .breakdown
        .iter()
        .map(|b| match b {
            Breakdown::Sex => "CASE WHEN p.koen = 1 THEN 'M' ELSE 'F' END AS k_sex".to_owned(),
            Breakdown::AgeBand => "CASE WHEN p.age >= 90 THEN '90+' ELSE \
                 CAST(CAST(FLOOR(p.age / 10.0) * 10 AS INT) AS VARCHAR) || '-' || CAST(CAST(FLOOR(p.age / 10.0) * 10 + 9 AS INT) AS VARCHAR) END AS k_age_band"
                .to_owned(),
            Breakdown::Region => "CAST(p.reg AS VARCHAR) AS k_region".to_owned(),
            Breakdown::Year => "COALESCE(CAST(CAST(date_part('year', f.first_day) AS INT) AS VARCHAR), '') AS k_year"
                .to_owned(),
        })
        .collect();
    let group: Vec<String> = c
        .breakdown
        .iter()
        .map(|b| format!("k_{}", b.key()))
        .collect();
    let mut q = format!("WITH {} SELECT ", ctes.join(", "));
    for col in &cols {
        q.push_str(col);
        q.push_str(", ");
    }
    q.push_str(&format!("COUNT(*) AS n FROM {from}"));
    if !group.is_empty() {
        q.push_str(&format!(" GROUP BY {}", group.join(", ")));
    }
    q
}

/// DataFusion over one registers folder.
pub struct Reference {
    ctx: SessionContext,
}

impl Reference {
    /// Registers every table folder that exists.
    pub async fn open(dir: &Path) -> Result<Self, String> {
        let ctx = SessionContext::new();
        for t in TABLES {
            let path = dir.join(t);
            if path.is_dir() {
                ctx.register_parquet(
                    t,
                    &format!("{}/", path.display()),
                    ParquetReadOptions::default(),
                )
                .await
                .map_err(|e| format!("{t}: {e}"))?;
            }
        }
        Ok(Self { ctx })
    }

    /// Counts a cohort exactly, with cells sorted like the engine's.
    pub async fn count(&self, c: &Cohort) -> Result<Counts, String> {
        let q = sql(c);
        let batches = self
            .ctx
            .sql(&q)
            .await
            .map_err(|e| format!("{e}\n{q}"))?
            .collect()
            .await
            .map_err(|e| format!("{e}\n{q}"))?;
        let mut rows: Vec<(Vec<String>, u64)> = Vec::new();
        for b in &batches {
            let k = c.breakdown.len();
            let keys: Vec<_> = (0..k)
                .map(|i| cast(b.column(i), &DataType::Utf8).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?;
            let n = cast(b.column(k), &DataType::UInt64).map_err(|e| e.to_string())?;
            let n = n.as_primitive::<UInt64Type>();
            for r in 0..b.num_rows() {
                let key = keys
                    .iter()
                    .map(|a| {
                        let s = a.as_string::<i32>();
                        if s.is_null(r) {
                            String::new()
                        } else {
                            s.value(r).to_owned()
                        }
                    })
                    .collect();
                rows.push((key, n.value(r)));
            }
        }
        rows.sort();
        if c.breakdown.is_empty() {
            return Ok(Counts {
                count: rows.first().map_or(0, |r| r.1),
                cells: Vec::new(),
            });
        }
        Ok(Counts {
            count: rows.iter().map(|r| r.1).sum(),
            cells: rows
                .into_iter()
                .filter(|r| r.1 > 0)
                .map(|(k, n)| Cell {
                    keys: c.breakdown.iter().copied().zip(k).collect(),
                    count: n,
                })
                .collect(),
        })
    }
}

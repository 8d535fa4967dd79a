//! The registers' columns the index reads, named through the registers' schema
//! (`ork_schema::tables`): each is looked up, with the type the index reads it as, in every
//! table it is read from when this is compiled, so a column the schema renames, drops or
//! retypes fails the build here instead of the index on the files.

use ColumnType::{Date, Float64, Int32, Timestamp, Utf8};
use ork_schema::tables::{
    BEF, BIOBANK, CANCER, CPR, ColumnType, DODSAARSAGER, IND, LAB, LMDB, LPR_A_DIAGNOSE,
    LPR_A_KONTAKT, LPR_A_PROCEDURE, LPR_ADM, LPR_DIAG, LPR_SKSOPR, Table, UDDA,
};

/// The column `name` of every one of `tables`, of type `kind`; in a `const`, a table without
/// it or with another type fails the build.
const fn column(tables: &[&Table], name: &str, kind: ColumnType) -> &'static str {
    assert!(
        !tables.is_empty(),
        "a column the index reads names its tables"
    );
    let mut found = "";
    let mut i = 0;
    while i < tables.len() {
        let c = tables[i].column(name);
        assert!(
            c.kind as u8 == kind as u8,
            "the schema gives a column the index reads another type"
        );
        found = c.name;
        i += 1;
    }
    found
}

/// The person key and the year, in every table the index reads them from.
pub const PNR: &str = column(
    &[
        &CPR,
        &BEF,
        &UDDA,
        &IND,
        &LPR_ADM,
        &LPR_A_KONTAKT,
        &LMDB,
        &CANCER,
        &DODSAARSAGER,
        &BIOBANK,
        &LAB,
    ],
    "pnr",
    Utf8,
);
pub const AAR: &str = column(&[&BEF, &UDDA, &IND], "aar", Int32);

// Persons, the population, education and income.
pub const FOED_DAG: &str = column(&[&CPR], "foed_dag", Date);
pub const KOEN: &str = column(&[&CPR], "koen", Int32);
pub const DOED_DATO: &str = column(&[&CPR], "doed_dato", Date);
pub const UDVANDRET_DATO: &str = column(&[&CPR], "udvandret_dato", Date);
pub const KOM: &str = column(&[&BEF], "kom", Int32);
pub const REG: &str = column(&[&BEF], "reg", Int32);
pub const HFAUDD: &str = column(&[&UDDA], "hfaudd", Utf8);
pub const PERINDKIALT_13: &str = column(&[&IND], "perindkialt_13", Float64);

// LPR2: contacts keyed by `recnum`, their diagnoses and procedures.
pub const RECNUM: &str = column(&[&LPR_ADM, &LPR_DIAG, &LPR_SKSOPR], "recnum", Utf8);
pub const D_INDDTO: &str = column(&[&LPR_ADM], "d_inddto", Date);
pub const C_DIAG: &str = column(&[&LPR_DIAG], "c_diag", Utf8);
pub const C_DIAGTYPE: &str = column(&[&LPR_DIAG], "c_diagtype", Utf8);
pub const C_OPR: &str = column(&[&LPR_SKSOPR], "c_opr", Utf8);
pub const D_ODTO: &str = column(&[&LPR_SKSOPR], "d_odto", Date);

// LPR3: contacts keyed by `dw_ek_kontakt`, their diagnoses and procedures.
pub const DW_EK_KONTAKT: &str = column(
    &[&LPR_A_KONTAKT, &LPR_A_DIAGNOSE, &LPR_A_PROCEDURE],
    "dw_ek_kontakt",
    Utf8,
);
pub const KONT_STARTTIDSPUNKT: &str = column(&[&LPR_A_KONTAKT], "kont_starttidspunkt", Timestamp);
pub const DIAG_KODE: &str = column(&[&LPR_A_DIAGNOSE], "diag_kode", Utf8);
pub const DIAG_KODE_TYPE: &str = column(&[&LPR_A_DIAGNOSE], "diag_kode_type", Utf8);
pub const PROC_KODE: &str = column(&[&LPR_A_PROCEDURE], "proc_kode", Utf8);
pub const PROC_TIDSPUNKT: &str = column(&[&LPR_A_PROCEDURE], "proc_tidspunkt", Timestamp);

// The single-table event registers.
pub const EKSD: &str = column(&[&LMDB], "eksd", Date);
pub const ATC: &str = column(&[&LMDB], "atc", Utf8);
pub const D_DIAGNOSEDATO: &str = column(&[&CANCER], "d_diagnosedato", Date);
pub const C_ICD10: &str = column(&[&CANCER], "c_icd10", Utf8);
pub const DOEDSDATO: &str = column(&[&DODSAARSAGER], "doedsdato", Date);
pub const DOEDSAARSAG_TILGRUNDLIGGENDE: &str =
    column(&[&DODSAARSAGER], "doedsaarsag_tilgrundliggende", Utf8);
pub const PROEVEDATO: &str = column(&[&BIOBANK], "proevedato", Date);
pub const PROEVETYPE: &str = column(&[&BIOBANK], "proevetype", Utf8);
pub const PROEVETID: &str = column(&[&LAB], "proevetid", Timestamp);
pub const NPU_KODE: &str = column(&[&LAB], "npu_kode", Utf8);
pub const VAERDI: &str = column(&[&LAB], "vaerdi", Float64);

#[cfg(test)]
mod tests {
    use super::super::Index;
    use super::*;
    use arrow::datatypes::Schema;
    use ork_registers::schema::arrow_schema;
    use ork_schema::tables::TABLES;
    use parquet::arrow::ArrowWriter;
    use std::collections::BTreeSet;
    use std::path::Path;
    use std::sync::Arc;

    /// Every column named above.
    const NAMED: &[&str] = &[
        PNR,
        AAR,
        FOED_DAG,
        KOEN,
        DOED_DATO,
        UDVANDRET_DATO,
        KOM,
        REG,
        HFAUDD,
        PERINDKIALT_13,
        RECNUM,
        D_INDDTO,
        C_DIAG,
        C_DIAGTYPE,
        C_OPR,
        D_ODTO,
        DW_EK_KONTAKT,
        KONT_STARTTIDSPUNKT,
        DIAG_KODE,
        DIAG_KODE_TYPE,
        PROC_KODE,
        PROC_TIDSPUNKT,
        EKSD,
        ATC,
        D_DIAGNOSEDATO,
        C_ICD10,
        DOEDSDATO,
        DOEDSAARSAG_TILGRUNDLIGGENDE,
        PROEVEDATO,
        PROEVETYPE,
        PROEVETID,
        NPU_KODE,
        VAERDI,
    ];

    /// Writes a table's file with no rows and the schema's columns, but `without`.
    fn write(dir: &Path, table: &Table, without: Option<&str>) {
        let full = arrow_schema(table);
        let fields: Vec<_> = full
            .fields()
            .iter()
            .filter(|f| Some(f.name().as_str()) != without)
            .cloned()
            .collect();
        let folder = dir.join(table.name);
        std::fs::create_dir_all(&folder).unwrap();
        let file = std::fs::File::create(folder.join(format!("{}.parquet", table.name))).unwrap();
        let writer = ArrowWriter::try_new(file, Arc::new(Schema::new(fields)), None).unwrap();
        writer.close().unwrap();
    }

    /// The index builds on files that hold exactly the schema's columns, so every column it
    /// reads is in the schema of the table it reads it from; and taking away any one column
    /// shows which it reads: exactly the ones named above, each where the schema has it.
    #[test]
    fn the_index_reads_exactly_the_named_columns_of_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        for t in TABLES {
            write(dir.path(), t, None);
        }
        let ix = Index::build(dir.path()).expect("the index builds on the schema's columns");
        assert_eq!(ix.persons.len(), 0);
        let mut read = BTreeSet::new();
        for t in TABLES {
            for c in t.columns {
                write(dir.path(), t, Some(c.name));
                if let Err(e) = Index::build(dir.path()) {
                    let folder = dir.path().join(t.name);
                    let message = e.to_string();
                    assert!(
                        message.starts_with(&folder.display().to_string())
                            && message.ends_with(&format!(": no column {}", c.name)),
                        "without {}.{}: {message}",
                        t.name,
                        c.name
                    );
                    read.insert(c.name);
                }
                write(dir.path(), t, None);
            }
        }
        assert_eq!(read, NAMED.iter().copied().collect::<BTreeSet<_>>());
    }
}

//! The tables the generator writes, described once: written to `manifest.json` for the
//! catalog, and used to build the Arrow schemas, so the two cannot disagree.

use arrow::datatypes::{DataType, Field, Schema};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Utf8,
    Int32,
    Date,
}

impl ColumnType {
    pub fn arrow(self) -> DataType {
        match self {
            Self::Utf8 => DataType::Utf8,
            Self::Int32 => DataType::Int32,
            Self::Date => DataType::Date32,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "string",
            Self::Int32 => "integer",
            Self::Date => "date",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: ColumnType,
    pub nullable: bool,
    pub label_da: &'static str,
    pub label_en: &'static str,
    pub description: &'static str,
    /// The code list the values come from, if any.
    pub code_list: Option<&'static str>,
    pub unit: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The folder, and the id the catalog uses.
    pub name: &'static str,
    pub label_da: &'static str,
    pub label_en: &'static str,
    pub controller: &'static str,
    /// One file per year (`DIR/NAME/YEAR.parquet`) or one file (`DIR/NAME/NAME.parquet`).
    pub yearly: bool,
    pub columns: &'static [Column],
}

impl Table {
    pub fn arrow_schema(&self) -> Arc<Schema> {
        Arc::new(Schema::new(
            self.columns
                .iter()
                .map(|c| Field::new(c.name, c.kind.arrow(), c.nullable))
                .collect::<Vec<_>>(),
        ))
    }
}

const fn col(
    name: &'static str,
    kind: ColumnType,
    nullable: bool,
    label_da: &'static str,
    label_en: &'static str,
    description: &'static str,
) -> Column {
    Column {
        name,
        kind,
        nullable,
        label_da,
        label_en,
        description,
        code_list: None,
        unit: None,
    }
}

const fn coded(c: Column, code_list: &'static str) -> Column {
    Column {
        code_list: Some(code_list),
        ..c
    }
}

const fn with_unit(c: Column, unit: &'static str) -> Column {
    Column {
        unit: Some(unit),
        ..c
    }
}

use ColumnType::*;

const PNR: Column = col(
    "pnr",
    Utf8,
    false,
    "Personnummer (syntetisk)",
    "Person number (synthetic)",
    "Synthetic 10-digit CPR-formatted person key, the same in every table.",
);

pub const CPR: Table = Table {
    name: "cpr",
    label_da: "CPR-registeret (personer)",
    label_en: "Civil Registration System (persons)",
    controller: "CPR (via DST/SDS)",
    yearly: false,
    columns: &[
        PNR,
        col(
            "foed_dag",
            Date,
            false,
            "Fødselsdag",
            "Date of birth",
            "Date of birth.",
        ),
        coded(
            col("koen", Int32, false, "Køn", "Sex", "1 male, 2 female."),
            "koen: 1 mand/male, 2 kvinde/female",
        ),
        coded(
            col(
                "status",
                Utf8,
                false,
                "CPR-status",
                "CPR status",
                "Status at the end of the period: 01 resident, 80 emigrated, 90 dead.",
            ),
            "cpr_status: 01, 80, 90",
        ),
        col(
            "doed_dato",
            Date,
            true,
            "Dødsdato",
            "Date of death",
            "Date of death, empty for the living.",
        ),
        col(
            "udvandret_dato",
            Date,
            true,
            "Udvandringsdato",
            "Date of emigration",
            "Date of emigration, empty for those who stayed.",
        ),
        col(
            "indvandret_dato",
            Date,
            true,
            "Indvandringsdato",
            "Date of immigration",
            "Date of immigration within the period, empty for those born here or resident at its start.",
        ),
        col(
            "mor_pnr",
            Utf8,
            true,
            "Mors personnummer",
            "Mother's person number",
            "The mother's pnr, for persons born within the period.",
        ),
        col(
            "far_pnr",
            Utf8,
            true,
            "Fars personnummer",
            "Father's person number",
            "The father's pnr, for persons born within the period (missing for a few, as in the real register).",
        ),
    ],
};

pub const BEF: Table = Table {
    name: "bef",
    label_da: "Befolkningen (BEF)",
    label_en: "Population (BEF)",
    controller: "Danmarks Statistik",
    yearly: true,
    columns: &[
        PNR,
        col(
            "aar",
            Int32,
            false,
            "År",
            "Year",
            "The year whose 1 January the row describes.",
        ),
        with_unit(
            col(
                "alder",
                Int32,
                false,
                "Alder",
                "Age",
                "Completed years of age on 1 January.",
            ),
            "years",
        ),
        coded(
            col(
                "kom",
                Int32,
                true,
                "Kommune",
                "Municipality",
                "Municipality of residence (DST 3-digit code); missing for a few rows.",
            ),
            "kommunekode (98 municipalities)",
        ),
        coded(
            col(
                "reg",
                Int32,
                true,
                "Region",
                "Region",
                "Region of residence, 1081-1085; missing where kom is.",
            ),
            "regionskode 1081-1085",
        ),
        coded(
            col(
                "civst",
                Utf8,
                false,
                "Civilstand",
                "Marital status",
                "U unmarried, G married, F divorced, E widowed.",
            ),
            "civst: U, G, F, E",
        ),
        col(
            "familie_id",
            Utf8,
            false,
            "Familie-id",
            "Family id",
            "Key shared by a mother and her children under 18 living with her.",
        ),
    ],
};

/// Every table, in the order they are written.
pub const TABLES: &[Table] = &[CPR, BEF];

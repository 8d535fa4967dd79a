//! The tables the generator writes, described once: `ork-registers` builds their Arrow
//! schemas from it and writes it to `manifest.json` for the catalog, so the two cannot
//! disagree; the quick-test index names the columns it reads through it
//! ([`Table::column`]).

/// The first year of LPR3 (LPR2 ends with 2018).
pub const LPR3_FROM: i32 = 2019;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Utf8,
    Int32,
    Float64,
    Date,
    /// Microseconds, no time zone (Danish local time, as LPR3 reports it).
    Timestamp,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "string",
            Self::Int32 => "integer",
            Self::Float64 => "number",
            Self::Date => "date",
            Self::Timestamp => "timestamp",
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
    /// What the variable holds, in English (the catalog's `description` and `description_en`).
    pub description: &'static str,
    /// The same description in Danish, in the terms Danish register researchers use
    /// (the catalog's `description_da`).
    pub description_da: &'static str,
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
    /// The column named `name`, if the table has one.
    pub const fn find(&self, name: &str) -> Option<&'static Column> {
        let columns: &'static [Column] = self.columns;
        let mut i = 0;
        while i < columns.len() {
            if same(columns[i].name, name) {
                return Some(&columns[i]);
            }
            i += 1;
        }
        None
    }

    /// The column named `name`. Panics if the table has none, so in a `const` a name the
    /// schema does not have (renamed, dropped) fails the build.
    pub const fn column(&self, name: &str) -> &'static Column {
        match self.find(name) {
            Some(c) => c,
            None => panic!("the register's schema has no column of that name"),
        }
    }
}

/// `a == b`, in a `const`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn col(
    name: &'static str,
    kind: ColumnType,
    nullable: bool,
    label_da: &'static str,
    label_en: &'static str,
    description_en: &'static str,
    description_da: &'static str,
) -> Column {
    Column {
        name,
        kind,
        nullable,
        label_da,
        label_en,
        description: description_en,
        description_da,
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
    "Syntetisk 10-cifret personnummer i CPR-format; den samme personnøgle i alle tabeller.",
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
            "Fødselsdato.",
        ),
        coded(
            col(
                "koen",
                Int32,
                false,
                "Køn",
                "Sex",
                "1 male, 2 female.",
                "1 mand, 2 kvinde.",
            ),
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
                "Status ved periodens slutning: 01 bosat i Danmark, 80 udvandret, 90 død.",
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
            "Dødsdato; tom for levende personer.",
        ),
        col(
            "udvandret_dato",
            Date,
            true,
            "Udvandringsdato",
            "Date of emigration",
            "Date of emigration, empty for those who stayed.",
            "Udvandringsdato; tom for personer, der ikke er udvandret.",
        ),
        col(
            "indvandret_dato",
            Date,
            true,
            "Indvandringsdato",
            "Date of immigration",
            "Date of immigration within the period, empty for those born here or resident at its start.",
            "Indvandringsdato inden for perioden; tom for personer, der er født i Danmark eller var bosat her ved periodens start.",
        ),
        col(
            "mor_pnr",
            Utf8,
            true,
            "Mors personnummer",
            "Mother's person number",
            "The mother's pnr, for persons born within the period.",
            "Moderens pnr (personnummer) for personer født inden for perioden.",
        ),
        col(
            "far_pnr",
            Utf8,
            true,
            "Fars personnummer",
            "Father's person number",
            "The father's pnr, for persons born within the period (missing for a few, as in the real register).",
            "Faderens pnr (personnummer) for personer født inden for perioden (mangler for enkelte, som i det rigtige register).",
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
            "Året; rækken beskriver forholdene pr. 1. januar dette år.",
        ),
        with_unit(
            col(
                "alder",
                Int32,
                false,
                "Alder",
                "Age",
                "Completed years of age on 1 January.",
                "Alder i fuldførte år pr. 1. januar.",
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
                "Bopælskommune (DST's 3-cifrede kommunekode); mangler i enkelte rækker.",
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
                "Bopælsregion, 1081-1085; mangler, hvor kom mangler.",
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
                "U ugift, G gift, F fraskilt, E enke/enkemand.",
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
            "Fælles nøgle for en mor og hendes hjemmeboende børn under 18 år.",
        ),
    ],
};

const fn pnr_keyed(label_da: &'static str, label_en: &'static str) -> Column {
    col(
        "pnr",
        Utf8,
        false,
        label_da,
        label_en,
        "Synthetic 10-digit CPR-formatted person key, the same in every table.",
        "Syntetisk 10-cifret personnummer i CPR-format; den samme personnøgle i alle tabeller.",
    )
}

const RECNUM: Column = col(
    "recnum",
    Utf8,
    false,
    "Kontaktnøgle (LPR2)",
    "Contact key (LPR2)",
    "Key of the LPR2 contact, linking lpr_adm, lpr_diag and lpr_sksopr.",
    "Nøgle for LPR2-kontakten; kobler lpr_adm, lpr_diag og lpr_sksopr.",
);
const DW_EK_KONTAKT: Column = col(
    "dw_ek_kontakt",
    Utf8,
    false,
    "Kontaktnøgle (LPR3)",
    "Contact key (LPR3)",
    "Key of the LPR3 contact, linking the lpr_a_ tables.",
    "Nøgle for LPR3-kontakten; kobler lpr_a_-tabellerne.",
);

pub const LPR_ADM: Table = Table {
    name: "lpr_adm",
    label_da: "Landspatientregisteret, kontakter (LPR2, til 2018)",
    label_en: "National Patient Register, contacts (LPR2, until 2018)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        RECNUM,
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "d_inddto",
            Date,
            false,
            "Indlæggelsesdato",
            "Admission date",
            "Start of the contact.",
            "Kontaktens startdato (indlæggelses- eller besøgsdato).",
        ),
        col(
            "d_uddto",
            Date,
            false,
            "Udskrivningsdato",
            "Discharge date",
            "End of the contact.",
            "Kontaktens slutdato (udskrivnings- eller afslutningsdato).",
        ),
        coded(
            col(
                "c_pattype",
                Utf8,
                false,
                "Patienttype",
                "Patient type",
                "0 inpatient, 2 outpatient, 3 emergency room.",
                "0 indlagt patient, 2 ambulant patient, 3 skadestuepatient.",
            ),
            "pattype: 0, 2, 3",
        ),
        coded(
            col(
                "c_sgh",
                Utf8,
                false,
                "Sygehus",
                "Hospital",
                "Hospital code (synthetic, 4 digits, by region).",
                "Sygehuskode (syntetisk, 4 cifre, fordelt på regioner).",
            ),
            "synthetic hospital codes",
        ),
        coded(
            col(
                "c_afd",
                Utf8,
                false,
                "Afdeling",
                "Department",
                "Department code within the hospital (synthetic).",
                "Afdelingskode inden for sygehuset (syntetisk).",
            ),
            "synthetic department codes",
        ),
        coded(
            col(
                "c_adiag",
                Utf8,
                false,
                "Aktionsdiagnose",
                "Action diagnosis",
                "The main reason for the contact, SKS code (ICD-10 with D prefix); repeated in lpr_diag as type A.",
                "Den væsentligste årsag til kontakten (aktionsdiagnosen) som SKS-kode (ICD-10 med D-præfiks); gentages i lpr_diag med diagnosetype A.",
            ),
            "SKS diagnoses (ICD-10 with D prefix)",
        ),
    ],
};

pub const LPR_DIAG: Table = Table {
    name: "lpr_diag",
    label_da: "Landspatientregisteret, diagnoser (LPR2)",
    label_en: "National Patient Register, diagnoses (LPR2)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        RECNUM,
        coded(
            col(
                "c_diag",
                Utf8,
                false,
                "Diagnose",
                "Diagnosis",
                "SKS diagnosis code (ICD-10 with D prefix).",
                "SKS-diagnosekode (ICD-10 med D-præfiks).",
            ),
            "SKS diagnoses (ICD-10 with D prefix)",
        ),
        coded(
            col(
                "c_diagtype",
                Utf8,
                false,
                "Diagnosetype",
                "Diagnosis type",
                "A action diagnosis, B secondary diagnosis, G underlying disease.",
                "A aktionsdiagnose, B bidiagnose, G grundmorbus.",
            ),
            "diagtype: A, B, G",
        ),
    ],
};

pub const LPR_SKSOPR: Table = Table {
    name: "lpr_sksopr",
    label_da: "Landspatientregisteret, procedurer (LPR2)",
    label_en: "National Patient Register, procedures (LPR2)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        RECNUM,
        coded(
            col(
                "c_opr",
                Utf8,
                false,
                "Procedurekode",
                "Procedure code",
                "SKS procedure code: K surgery, U examinations and imaging.",
                "SKS-procedurekode: K operationer, U undersøgelser og billeddiagnostik.",
            ),
            "SKS procedures",
        ),
        col(
            "d_odto",
            Date,
            false,
            "Proceduredato",
            "Procedure date",
            "Date of the procedure.",
            "Dato for proceduren.",
        ),
    ],
};

pub const LPR_A_KONTAKT: Table = Table {
    name: "lpr_a_kontakt",
    label_da: "Landspatientregisteret, kontakter (LPR3, fra 2019)",
    label_en: "National Patient Register, contacts (LPR3, from 2019)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        DW_EK_KONTAKT,
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "kont_starttidspunkt",
            Timestamp,
            false,
            "Kontaktens start",
            "Contact start",
            "Start time of the contact.",
            "Tidspunkt for kontaktens start.",
        ),
        col(
            "kont_sluttidspunkt",
            Timestamp,
            false,
            "Kontaktens slut",
            "Contact end",
            "End time of the contact.",
            "Tidspunkt for kontaktens afslutning.",
        ),
        coded(
            col(
                "kont_type",
                Utf8,
                false,
                "Kontakttype",
                "Contact type",
                "SKS contact type: ALCA00 physical attendance, ALCA10 admission, ALCA20 emergency.",
                "SKS-kontakttype: ALCA00 fysisk fremmøde, ALCA10 indlæggelse, ALCA20 akut kontakt.",
            ),
            "SKS contact types ALCA",
        ),
        coded(
            col(
                "sorenhed",
                Utf8,
                false,
                "SOR-enhed",
                "SOR unit",
                "Organisational unit (synthetic SOR-style code, by region).",
                "Organisatorisk enhed (syntetisk kode i SOR-format, fordelt på regioner).",
            ),
            "synthetic SOR units",
        ),
    ],
};

pub const LPR_A_DIAGNOSE: Table = Table {
    name: "lpr_a_diagnose",
    label_da: "Landspatientregisteret, diagnoser (LPR3)",
    label_en: "National Patient Register, diagnoses (LPR3)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        DW_EK_KONTAKT,
        coded(
            col(
                "diag_kode",
                Utf8,
                false,
                "Diagnosekode",
                "Diagnosis code",
                "SKS diagnosis code (ICD-10 with D prefix).",
                "SKS-diagnosekode (ICD-10 med D-præfiks).",
            ),
            "SKS diagnoses (ICD-10 with D prefix)",
        ),
        coded(
            col(
                "diag_kode_type",
                Utf8,
                false,
                "Diagnosetype",
                "Diagnosis type",
                "A action diagnosis, B secondary diagnosis (no G in LPR3).",
                "A aktionsdiagnose, B bidiagnose (ingen G, grundmorbus, i LPR3).",
            ),
            "diag_kode_type: A, B",
        ),
    ],
};

pub const LPR_A_PROCEDURE: Table = Table {
    name: "lpr_a_procedure",
    label_da: "Landspatientregisteret, procedurer (LPR3)",
    label_en: "National Patient Register, procedures (LPR3)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        DW_EK_KONTAKT,
        coded(
            col(
                "proc_kode",
                Utf8,
                false,
                "Procedurekode",
                "Procedure code",
                "SKS procedure code: K surgery, U examinations and imaging.",
                "SKS-procedurekode: K operationer, U undersøgelser og billeddiagnostik.",
            ),
            "SKS procedures",
        ),
        col(
            "proc_tidspunkt",
            Timestamp,
            false,
            "Proceduretidspunkt",
            "Procedure time",
            "Time of the procedure.",
            "Tidspunkt for proceduren.",
        ),
    ],
};

pub const LMDB: Table = Table {
    name: "lmdb",
    label_da: "Lægemiddelstatistikregisteret (receptindløsninger)",
    label_en: "Register of Medicinal Product Statistics (dispensings)",
    controller: "Sundhedsdatastyrelsen",
    yearly: true,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "eksd",
            Date,
            false,
            "Ekspeditionsdato",
            "Dispensing date",
            "The day the drug was collected at the pharmacy (not the prescription date, not proof of intake).",
            "Ekspeditionsdatoen, dvs. den dag lægemidlet blev udleveret på apoteket (ikke ordinationsdatoen og ikke bevis for indtagelse).",
        ),
        coded(
            col(
                "atc",
                Utf8,
                false,
                "ATC-kode",
                "ATC code",
                "WHO ATC code, 7 characters.",
                "WHO's ATC-kode, 7 tegn.",
            ),
            "WHO ATC",
        ),
        col(
            "vnr",
            Utf8,
            false,
            "Varenummer",
            "Product number",
            "Package key (synthetic 6-digit number, one per ATC and pack size).",
            "Nøgle for pakningen (syntetisk 6-cifret nummer, ét pr. ATC-kode og pakningsstørrelse).",
        ),
        with_unit(
            col(
                "apk",
                Int32,
                false,
                "Antal pakninger",
                "Number of packages",
                "Packages dispensed.",
                "Antal udleverede pakninger.",
            ),
            "packages",
        ),
        with_unit(
            col(
                "packsize",
                Int32,
                false,
                "Pakningsstørrelse",
                "Pack size",
                "Units per package.",
                "Antal enheder pr. pakning.",
            ),
            "units",
        ),
        with_unit(
            col(
                "volume",
                Float64,
                false,
                "Volumen (DDD)",
                "Volume (DDD)",
                "Defined daily doses per package.",
                "Definerede døgndoser (DDD) pr. pakning.",
            ),
            "DDD",
        ),
        col(
            "indo",
            Utf8,
            true,
            "Indikation",
            "Indication",
            "Indication text code; often empty, as in the real register.",
            "Kode for indikationsteksten; ofte tom, som i det rigtige register.",
        ),
    ],
};

pub const DODSAARSAGER: Table = Table {
    name: "dodsaarsager",
    label_da: "Dødsårsagsregisteret",
    label_en: "Cause of Death Register",
    controller: "Sundhedsdatastyrelsen",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "doedsdato",
            Date,
            false,
            "Dødsdato",
            "Date of death",
            "Date of death, as in cpr.",
            "Dødsdato, som i cpr.",
        ),
        coded(
            col(
                "doedsaarsag_tilgrundliggende",
                Utf8,
                false,
                "Tilgrundliggende dødsårsag",
                "Underlying cause of death",
                "ICD-10 code of the underlying cause (no D prefix).",
                "ICD-10-kode for den tilgrundliggende dødsårsag (uden D-præfiks).",
            ),
            "ICD-10",
        ),
    ],
};

pub const CANCER: Table = Table {
    name: "cancer",
    label_da: "Cancerregisteret",
    label_en: "Danish Cancer Register",
    controller: "Sundhedsdatastyrelsen",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "d_diagnosedato",
            Date,
            false,
            "Diagnosedato",
            "Date of diagnosis",
            "Date the tumour was diagnosed.",
            "Dato, hvor tumoren blev diagnosticeret.",
        ),
        coded(
            col(
                "c_icd10",
                Utf8,
                false,
                "Diagnose (ICD-10)",
                "Diagnosis (ICD-10)",
                "ICD-10 code without the D prefix LPR uses.",
                "ICD-10-kode uden det D-præfiks, som LPR bruger.",
            ),
            "ICD-10",
        ),
        coded(
            col(
                "c_morfo3",
                Utf8,
                false,
                "Morfologi (ICD-O-3)",
                "Morphology (ICD-O-3)",
                "ICD-O-3 morphology code with behaviour digit.",
                "ICD-O-3-morfologikode med adfærdsciffer.",
            ),
            "ICD-O-3 morphology",
        ),
        coded(
            col(
                "c_tnm_t",
                Utf8,
                true,
                "T-stadie",
                "T stage",
                "TNM tumour stage.",
                "TNM-stadie for primærtumoren (T).",
            ),
            "TNM T",
        ),
        coded(
            col(
                "c_tnm_n",
                Utf8,
                true,
                "N-stadie",
                "N stage",
                "TNM node stage.",
                "TNM-stadie for regionale lymfeknuder (N).",
            ),
            "TNM N",
        ),
        coded(
            col(
                "c_tnm_m",
                Utf8,
                true,
                "M-stadie",
                "M stage",
                "TNM metastasis stage.",
                "TNM-stadie for fjernmetastaser (M).",
            ),
            "TNM M",
        ),
    ],
};

pub const IND: Table = Table {
    name: "ind",
    label_da: "Indkomst (IND)",
    label_en: "Income (IND)",
    controller: "Danmarks Statistik",
    yearly: true,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "aar",
            Int32,
            false,
            "År",
            "Year",
            "Income year; persons aged 15 or more resident on 1 January.",
            "Indkomstår; personer på 15 år eller derover, der er bosat i Danmark pr. 1. januar.",
        ),
        with_unit(
            col(
                "perindkialt_13",
                Float64,
                false,
                "Personlig indkomst i alt",
                "Total personal income",
                "Total personal income in the year.",
                "Samlet personlig indkomst i året.",
            ),
            "DKK",
        ),
        with_unit(
            col(
                "loenmv_13",
                Float64,
                false,
                "Lønindkomst",
                "Wage income",
                "Wages and salaries in the year.",
                "Lønindkomst i året.",
            ),
            "DKK",
        ),
    ],
};

pub const UDDA: Table = Table {
    name: "udda",
    label_da: "Uddannelse (UDDA)",
    label_en: "Education (UDDA)",
    controller: "Danmarks Statistik",
    yearly: true,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "aar",
            Int32,
            false,
            "År",
            "Year",
            "Status on 1 January; persons aged 15 or more.",
            "Status pr. 1. januar; personer på 15 år eller derover.",
        ),
        coded(
            col(
                "hfaudd",
                Utf8,
                false,
                "Højest fuldførte uddannelse",
                "Highest completed education",
                "Four-digit code whose first digit is the level: 1 basic school, 2 general upper secondary, 3 vocational, 4 short-cycle higher, 5 medium-cycle higher (bachelor), 6 long-cycle higher (master), 7 PhD. The last three digits are synthetic.",
                "Firecifret kode, hvor det første ciffer angiver niveauet: 1 grundskole, 2 gymnasial uddannelse, 3 erhvervsfaglig uddannelse, 4 kort videregående uddannelse, 5 mellemlang videregående uddannelse (bachelor), 6 lang videregående uddannelse (kandidat), 7 ph.d. De sidste tre cifre er syntetiske.",
            ),
            "hfaudd levels 1-7 (first digit)",
        ),
    ],
};

pub const DLCR: Table = Table {
    name: "dlcr",
    label_da: "Dansk Lunge Cancer Register (RKKP)",
    label_en: "Danish Lung Cancer Registry (RKKP)",
    controller: "RKKP / Region Midtjylland",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "diagnosedato",
            Date,
            false,
            "Diagnosedato",
            "Date of diagnosis",
            "As in the Cancer Register.",
            "Som i Cancerregisteret.",
        ),
        coded(
            col(
                "histologi",
                Utf8,
                false,
                "Histologi",
                "Histology",
                "adenokarcinom, planocellulært karcinom or småcellet karcinom.",
                "adenokarcinom, planocellulært karcinom eller småcellet karcinom.",
            ),
            "dlcr histologi",
        ),
        coded(
            col(
                "stadie",
                Utf8,
                false,
                "Stadie",
                "Stage",
                "Clinical stage IA-IV from TNM.",
                "Klinisk stadie IA-IV ud fra TNM.",
            ),
            "TNM stage groups",
        ),
        with_unit(
            col(
                "fev1",
                Float64,
                true,
                "FEV1",
                "FEV1",
                "Forced expiratory volume in one second; missing for some.",
                "Forceret ekspiratorisk volumen i første sekund; mangler for nogle.",
            ),
            "L",
        ),
        coded(
            col(
                "performance_status",
                Int32,
                true,
                "Performancestatus",
                "Performance status",
                "WHO/ECOG performance status 0-4.",
                "Performancestatus efter WHO/ECOG, 0-4.",
            ),
            "ECOG 0-4",
        ),
        coded(
            col(
                "behandling",
                Utf8,
                false,
                "Behandling",
                "Treatment",
                "kirurgi, kemoterapi, strålebehandling, immunterapi or ingen.",
                "kirurgi, kemoterapi, strålebehandling, immunterapi eller ingen.",
            ),
            "dlcr behandling",
        ),
    ],
};

pub const BIOBANK: Table = Table {
    name: "biobank",
    label_da: "Biobankprøver",
    label_en: "Biobank samples",
    controller: "Statens Serum Institut (Danmarks Nationale Biobank) / regionerne",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "proevedato",
            Date,
            false,
            "Prøvedato",
            "Sample date",
            "Date the sample was taken.",
            "Dato, hvor prøven blev taget.",
        ),
        coded(
            col(
                "proevetype",
                Utf8,
                false,
                "Prøvetype",
                "Sample type",
                "blood, tissue or dried blood spot.",
                "blood (blod), tissue (væv) eller dried blood spot (tørret blodprøve på filterpapir, PKU-kort).",
            ),
            "sample types",
        ),
        coded(
            col(
                "biobank",
                Utf8,
                false,
                "Biobank",
                "Biobank",
                "Danmarks Nationale Biobank, or the regions' Bio- og Genombank.",
                "Danmarks Nationale Biobank eller Regionernes Bio- og Genombank.",
            ),
            "biobanks",
        ),
    ],
};

pub const LAB: Table = Table {
    name: "lab",
    label_da: "Regionale laboratoriesvar",
    label_en: "Regional laboratory results",
    controller: "Regionerne",
    yearly: true,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "proevetid",
            Timestamp,
            false,
            "Prøvetidspunkt",
            "Sample time",
            "Time the sample was taken.",
            "Tidspunkt for prøvetagningen.",
        ),
        coded(
            col(
                "npu_kode",
                Utf8,
                false,
                "NPU-kode",
                "NPU code",
                "Analysis code from the NPU terminology.",
                "Analysekode fra NPU-terminologien.",
            ),
            "NPU",
        ),
        col(
            "vaerdi",
            Float64,
            false,
            "Værdi",
            "Value",
            "The result, in the unit given.",
            "Resultatet i den angivne enhed.",
        ),
        col(
            "enhed",
            Utf8,
            false,
            "Enhed",
            "Unit",
            "Unit of the value.",
            "Enhed for værdien.",
        ),
        coded(
            col(
                "region",
                Utf8,
                false,
                "Region",
                "Region",
                "The region whose laboratory analysed the sample (platform id).",
                "Regionen, hvis laboratorium analyserede prøven (platform-id).",
            ),
            "hovedstaden, sjaelland, syddanmark, midtjylland, nordjylland",
        ),
    ],
};

pub const PACS: Table = Table {
    name: "pacs",
    label_da: "Billeddiagnostiske undersøgelser (indeks)",
    label_en: "Imaging studies (index)",
    controller: "Regionerne",
    yearly: true,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "studiedato",
            Date,
            false,
            "Undersøgelsesdato",
            "Study date",
            "Date of the imaging study.",
            "Dato for den billeddiagnostiske undersøgelse.",
        ),
        coded(
            col(
                "modalitet",
                Utf8,
                false,
                "Modalitet",
                "Modality",
                "DICOM modality: CR, CT, MR, US.",
                "DICOM-modalitet: CR, CT, MR, US.",
            ),
            "DICOM modality",
        ),
        coded(
            col(
                "koerregion",
                Utf8,
                false,
                "Kropsregion",
                "Body region",
                "thorax, cerebrum, hip, knee, abdomen.",
                "thorax, cerebrum, hip (hofte), knee (knæ), abdomen.",
            ),
            "body regions",
        ),
        coded(
            col(
                "region",
                Utf8,
                false,
                "Region",
                "Region",
                "The region whose archive holds the images (platform id).",
                "Regionen, hvis arkiv opbevarer billederne (platform-id).",
            ),
            "hovedstaden, sjaelland, syddanmark, midtjylland, nordjylland",
        ),
    ],
};

pub const GENOM: Table = Table {
    name: "genom",
    label_da: "Genomindeks (Nationalt Genom Center)",
    label_en: "Genome index (National Genome Center)",
    controller: "Nationalt Genom Center",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "analysedato",
            Date,
            false,
            "Analysedato",
            "Analysis date",
            "Date of the analysis; from 1 July 2019.",
            "Dato for analysen; fra 1. juli 2019.",
        ),
        coded(
            col(
                "analysetype",
                Utf8,
                false,
                "Analysetype",
                "Analysis type",
                "WGS whole genome, WES whole exome.",
                "WGS helgenomsekventering, WES helexomsekventering.",
            ),
            "WGS, WES",
        ),
    ],
};

pub const VAR: Table = Table {
    name: "var",
    label_da: "Vævsanvendelsesregisteret",
    label_en: "Tissue Use Register (opt-outs)",
    controller: "Sundhedsdatastyrelsen",
    yearly: false,
    columns: &[
        pnr_keyed("Personnummer (syntetisk)", "Person number (synthetic)"),
        col(
            "registreret_dato",
            Date,
            false,
            "Registreringsdato",
            "Registration date",
            "The day the citizen registered that their tissue may not be used for research.",
            "Den dag, borgeren registrerede, at vedkommendes væv ikke må anvendes til forskning.",
        ),
    ],
};

/// Every table, in the order they are written.
pub const TABLES: &[Table] = &[
    CPR,
    BEF,
    IND,
    UDDA,
    LPR_ADM,
    LPR_DIAG,
    LPR_SKSOPR,
    LPR_A_KONTAKT,
    LPR_A_DIAGNOSE,
    LPR_A_PROCEDURE,
    LMDB,
    DODSAARSAGER,
    CANCER,
    DLCR,
    BIOBANK,
    LAB,
    PACS,
    GENOM,
    VAR,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_found_by_its_name_and_only_by_it() {
        for t in TABLES {
            for c in t.columns {
                let found = t.column(c.name);
                assert!(std::ptr::eq(found, c), "{}.{}", t.name, c.name);
            }
            assert!(t.find("").is_none());
            assert!(t.find("no_such_column").is_none());
            // A prefix or an extension of a name is another name.
            let first = t.columns[0].name;
            assert!(t.find(&first[..first.len() - 1]).is_none());
            assert!(t.find(&format!("{first}x")).is_none());
        }
    }

    #[test]
    fn names_are_unique_within_a_table_and_across_tables() {
        let mut tables: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
        tables.sort_unstable();
        tables.dedup();
        assert_eq!(tables.len(), TABLES.len());
        for t in TABLES {
            let mut names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), t.columns.len(), "{}", t.name);
        }
    }

    #[test]
    #[should_panic(expected = "no column of that name")]
    fn a_missing_column_panics() {
        let _ = LPR_ADM.column("c_adiagx");
    }
}

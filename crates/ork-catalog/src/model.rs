//! The catalog as the rest of the platform sees it: controllers, sources, their tables and
//! variables, coverage and access route. Built by [`crate::load`] from the files in
//! `catalog/` and the register generator's manifest, and checked there.

use ork_domain::Lang;
use std::collections::BTreeMap;

/// A text in Danish and English.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub da: String,
    pub en: String,
}

impl Text {
    pub fn new(da: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            da: da.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    #[must_use]
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.da, &self.en)
    }
}

/// What kind of data a source holds (the catalog's data-type facet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataType {
    /// Administrative and health registers.
    Register,
    /// Hospitals' operational systems: patient records, image archives, laboratories.
    Operational,
    /// Biological material ("våde data").
    Wet,
    /// Genome data.
    Genomic,
}

impl DataType {
    pub const ALL: [DataType; 4] = [Self::Register, Self::Operational, Self::Wet, Self::Genomic];

    pub fn id(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Operational => "operational",
            Self::Wet => "wet",
            Self::Genomic => "genomic",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.id() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Self::Register => Text::new("Registerdata", "Register data"),
            Self::Operational => Text::new(
                "Driftsdata (sygehusenes systemer)",
                "Operational data (hospital systems)",
            ),
            Self::Wet => Text::new(
                "Våde data (biologisk materiale)",
                "Wet data (biological samples)",
            ),
            Self::Genomic => Text::new("Genomdata", "Genomic data"),
        }
    }
}

/// How often a source is updated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
    Continuous,
    Irregular,
}

impl Cadence {
    pub const ALL: [Cadence; 7] = [
        Self::Daily,
        Self::Weekly,
        Self::Monthly,
        Self::Quarterly,
        Self::Yearly,
        Self::Continuous,
        Self::Irregular,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::Yearly => "yearly",
            Self::Continuous => "continuous",
            Self::Irregular => "irregular",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Self::Daily => Text::new("Dagligt", "Daily"),
            Self::Weekly => Text::new("Ugentligt", "Weekly"),
            Self::Monthly => Text::new("Månedligt", "Monthly"),
            Self::Quarterly => Text::new("Kvartalsvis", "Quarterly"),
            Self::Yearly => Text::new("Årligt", "Yearly"),
            Self::Continuous => Text::new("Løbende", "Continuously"),
            Self::Irregular => Text::new("Uregelmæssigt", "Irregularly"),
        }
    }

    /// The EU frequency vocabulary term (DCAT-AP `dct:accrualPeriodicity`).
    pub fn eu_frequency(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Quarterly => "QUARTERLY",
            Self::Yearly => "ANNUAL",
            Self::Continuous => "CONT",
            Self::Irregular => "IRREG",
        }
    }
}

/// A data controller (an organisation of the platform).
#[derive(Debug, Clone)]
pub struct Controller {
    pub id: String,
    pub name: Text,
    pub homepage: String,
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub label: Text,
}

#[derive(Debug, Clone)]
pub struct Law {
    pub id: String,
    pub iri: String,
    pub label: Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    /// string | integer | decimal | date | timestamp | boolean
    pub kind: String,
    pub label: Text,
    pub description: Text,
    pub code_list: Option<String>,
    pub unit: Option<String>,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub label: Text,
    pub description: Text,
    /// Rows in the synthetic register (None for tables described by hand).
    pub rows: Option<u64>,
    pub variables: Vec<Variable>,
}

#[derive(Debug, Clone, Default)]
pub struct Coverage {
    pub from_year: i32,
    pub to_year: Option<i32>,
    pub population: Text,
    /// Number of records: the synthetic register's rows, or the real-world figure given.
    pub records: Option<u64>,
    pub unique_persons: Option<u64>,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// Records per year (the coverage chart); empty when not known.
    pub records_by_year: BTreeMap<i32, u64>,
}

#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Organisations that must approve (platform organisation ids).
    pub approvers: Vec<String>,
    pub delivery: Text,
    pub fees: Text,
    pub lead_time_days: Option<u32>,
    pub lead_time: Text,
    /// Ids of [`Law`]s.
    pub legislation: Vec<String>,
    pub retention: Text,
}

#[derive(Debug, Clone)]
pub struct QualityIssue {
    pub table: Option<String>,
    pub column: Option<String>,
    pub text: Text,
}

#[derive(Debug, Clone)]
pub struct HistoryEntry {
    /// ISO date, `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`).
    pub date: String,
    pub text: Text,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: String,
    pub controller: String,
    pub data_type: DataType,
    pub topics: Vec<String>,
    pub cadence: Cadence,
    pub personal_data: bool,
    pub landing_page: Option<String>,
    /// Generated here: the register tables that make up this source.
    pub synthetic_tables: Vec<String>,
    /// For a region's view of a regional synthetic table (`lab`, `pacs`).
    pub synthetic_region: Option<String>,
    pub name: Text,
    pub summary: Text,
    pub keywords: Keywords,
    pub coverage: Coverage,
    pub access: Access,
    pub quality_issues: Vec<QualityIssue>,
    pub history: Vec<HistoryEntry>,
    pub tables: Vec<Table>,
    /// Documentation page (Markdown) as shipped in the repository; stewards' later
    /// versions live in the state database.
    pub docs: Text,
}

impl Source {
    pub fn is_synthetic(&self) -> bool {
        !self.synthetic_tables.is_empty()
    }

    pub fn variable_count(&self) -> usize {
        self.tables.iter().map(|t| t.variables.len()).sum()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Keywords {
    #[serde(default)]
    pub da: Vec<String>,
    #[serde(default)]
    pub en: Vec<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub controllers: Vec<Controller>,
    /// Approving authorities that control no source (ethics committees, Datatilsynet…).
    pub authorities: Vec<Controller>,
    pub topics: Vec<Topic>,
    pub laws: Vec<Law>,
    /// Sorted by id.
    pub sources: Vec<Source>,
    /// Whether the synthetic registers' manifest was found and merged.
    pub manifest_loaded: bool,
}

impl Catalog {
    pub fn source(&self, id: &str) -> Option<&Source> {
        self.sources
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.sources[i])
    }

    pub fn controller(&self, id: &str) -> Option<&Controller> {
        self.controllers.iter().find(|c| c.id == id)
    }

    /// A controller or an approving authority.
    pub fn organisation(&self, id: &str) -> Option<&Controller> {
        self.controllers
            .iter()
            .chain(&self.authorities)
            .find(|c| c.id == id)
    }

    pub fn topic(&self, id: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.id == id)
    }

    pub fn law(&self, id: &str) -> Option<&Law> {
        self.laws.iter().find(|l| l.id == id)
    }

    /// Ids closest to an unknown `id`, best first (for "did you mean").
    pub fn suggest(&self, id: &str) -> Vec<&str> {
        let id = id.to_lowercase();
        let mut scored: Vec<(usize, &str)> = self
            .sources
            .iter()
            .map(|s| {
                let d = edit_distance(&id, &s.id);
                let d = if s.id.contains(&id) || id.contains(&s.id) {
                    d.min(1)
                } else {
                    d
                };
                (d, s.id.as_str())
            })
            .filter(|(d, s)| *d <= 2.max(s.len() / 3))
            .collect();
        scored.sort();
        scored.into_iter().take(3).map(|(_, s)| s).collect()
    }
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

//! Reading the catalog: the files in `catalog/` (embedded at build time, or a folder given
//! at run time) and, when present, the register generator's `manifest.json`, whose tables,
//! variables and row counts replace nothing written by hand but fill in what is generated.
//!
//! Every problem in the content is collected and reported together, naming the file.

use crate::model::*;
use include_dir::{Dir, include_dir};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

static CONTENT: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/catalog");

/// The ids of the five regions, as used in `epj-REGION`, `lab-REGION`, `pacs-REGION`, in
/// Danmarks Statistik's order (`ork_domain::REGIONS`).
pub const REGIONS: [&str; 5] = [
    ork_domain::REGIONS[0].id,
    ork_domain::REGIONS[1].id,
    ork_domain::REGIONS[2].id,
    ork_domain::REGIONS[3].id,
    ork_domain::REGIONS[4].id,
];

/// Why the catalog could not be loaded: every problem found, one per line.
#[derive(Debug, thiserror::Error)]
#[error("the catalog content has {} problem(s):\n{}", .0.len(), .0.join("\n"))]
pub struct LoadError(pub Vec<String>);

/// Every UTF-8 file of a folder embedded with include_dir: path (with `/`) → text. The
/// rulebook is embedded the same way and read with this too.
pub fn embedded_texts(dir: &Dir<'_>) -> BTreeMap<String, String> {
    fn walk(d: &Dir<'_>, out: &mut BTreeMap<String, String>) {
        for f in d.files() {
            if let Some(text) = f.contents_utf8() {
                out.insert(
                    f.path().to_string_lossy().replace('\\', "/"),
                    text.to_owned(),
                );
            }
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

/// A set of catalog files: path relative to the catalog folder → text.
#[derive(Debug, Clone, Default)]
pub struct Files(pub BTreeMap<String, String>);

impl Files {
    /// The content shipped with the binary.
    pub fn embedded() -> Self {
        Self(embedded_texts(&CONTENT))
    }

    /// Adds the sources (and docs) of another folder laid out like `catalog/` — an
    /// operator's own additions. A source id already present is an error.
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), LoadError> {
        let mut problems = Vec::new();
        for sub in ["sources", "docs"] {
            let d = dir.join(sub);
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let key = format!("{sub}/{name}");
                match std::fs::read_to_string(e.path()) {
                    Ok(text) => {
                        if self.0.insert(key.clone(), text).is_some() {
                            problems.push(format!(
                                "{}: {key} is already in the catalog",
                                dir.display()
                            ));
                        }
                    }
                    Err(err) => problems.push(format!("{}: {err}", e.path().display())),
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LoadError(problems))
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControllers {
    controller: Vec<RawController>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawController {
    id: String,
    da: String,
    en: String,
    homepage: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuthorities {
    authority: Vec<RawController>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopics {
    topic: Vec<RawTopic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTopic {
    id: String,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaws {
    law: Vec<RawLaw>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaw {
    id: String,
    iri: String,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    id: String,
    controller: String,
    data_type: String,
    topics: Vec<String>,
    update_cadence: String,
    personal_data: bool,
    landing_page: Option<String>,
    #[serde(default)]
    synthetic_tables: Vec<String>,
    synthetic_region: Option<String>,
    /// The synthetic tables whose rows count as the source's records (default: all).
    #[serde(default)]
    record_tables: Vec<String>,
    name: Text,
    summary: Text,
    #[serde(default)]
    keywords: Keywords,
    coverage: RawCoverage,
    access: RawAccess,
    #[serde(default)]
    quality_issues: Vec<RawIssue>,
    #[serde(default)]
    history: Vec<RawHistory>,
    #[serde(default)]
    tables: Vec<RawTable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    from_year: i32,
    to_year: Option<i32>,
    population: Text,
    records: Option<u64>,
    unique_persons: Option<u64>,
    min_age: Option<u32>,
    max_age: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccess {
    #[serde(default)]
    approvers: Vec<String>,
    delivery: Text,
    fees: Text,
    lead_time_days: Option<u32>,
    lead_time: Option<Text>,
    #[serde(default)]
    legislation: Vec<String>,
    retention: Option<Text>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssue {
    table: Option<String>,
    column: Option<String>,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    date: toml::Value,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: String,
    label: Text,
    description: Text,
    #[serde(default)]
    variables: Vec<RawVariable>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariable {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    label: Text,
    description: Text,
    code_list: Option<String>,
    unit: Option<String>,
    valid_from: Option<i32>,
    valid_to: Option<i32>,
}

/// The generator's manifest, as far as the catalog reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct Manifest {
    pub parameters: ManifestParameters,
    pub tables: Vec<ManifestTable>,
    #[serde(default)]
    pub registers: Vec<ManifestRegister>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestParameters {
    pub persons: u64,
    pub from_year: i32,
    pub to_year: i32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestTable {
    pub name: String,
    pub rows: u64,
    #[serde(default)]
    pub unique_persons: Option<u64>,
    #[serde(default)]
    pub rows_by_year: BTreeMap<String, u64>,
    #[serde(default)]
    pub regions: BTreeMap<String, ManifestCounts>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestCounts {
    pub rows: u64,
    pub unique_persons: u64,
    #[serde(default)]
    pub rows_by_year: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestRegister {
    pub id: String,
    pub unique_persons: u64,
}

impl Manifest {
    pub fn read(path: &Path) -> Result<Self, LoadError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| LoadError(vec![format!("{}: {e}", path.display())]))?;
        serde_json::from_str(&text).map_err(|e| LoadError(vec![format!("{}: {e}", path.display())]))
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(
    files: &Files,
    path: &str,
    problems: &mut Vec<String>,
) -> Option<T> {
    let Some(text) = files.0.get(path) else {
        problems.push(format!("{path}: missing"));
        return None;
    };
    match toml::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(format!("{path}: {}", e.to_string().trim_end()));
            None
        }
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

const VARIABLE_TYPES: [&str; 6] = [
    "string",
    "integer",
    "decimal",
    "date",
    "timestamp",
    "boolean",
];

/// Loads and checks the catalog; merges the manifest when given.
pub fn load(files: &Files, manifest: Option<&Manifest>) -> Result<Catalog, LoadError> {
    let mut problems = Vec::new();
    let organisations = |raw: Vec<RawController>| -> Vec<Controller> {
        raw.into_iter()
            .map(|c| Controller {
                id: c.id,
                name: Text::new(c.da, c.en),
                homepage: c.homepage,
            })
            .collect()
    };
    let controllers = parse_toml::<RawControllers>(files, "controllers.toml", &mut problems)
        .map(|r| organisations(r.controller))
        .unwrap_or_default();
    let authorities = parse_toml::<RawAuthorities>(files, "authorities.toml", &mut problems)
        .map(|r| organisations(r.authority))
        .unwrap_or_default();
    let topics: Vec<Topic> = parse_toml::<RawTopics>(files, "topics.toml", &mut problems)
        .map(|r| {
            r.topic
                .into_iter()
                .map(|t| Topic {
                    id: t.id,
                    label: Text::new(t.da, t.en),
                })
                .collect()
        })
        .unwrap_or_default();
    let laws: Vec<Law> = parse_toml::<RawLaws>(files, "legislation.toml", &mut problems)
        .map(|r| {
            r.law
                .into_iter()
                .map(|l| Law {
                    id: l.id,
                    iri: l.iri,
                    label: Text::new(l.da, l.en),
                })
                .collect()
        })
        .unwrap_or_default();
    for (what, ids) in [
        (
            "controllers.toml",
            controllers
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "topics.toml",
            topics.iter().map(|t| t.id.as_str()).collect(),
        ),
        (
            "legislation.toml",
            laws.iter().map(|l| l.id.as_str()).collect(),
        ),
    ] {
        let mut seen = HashSet::new();
        for id in ids {
            if !is_slug(id) {
                problems.push(format!("{what}: id {id:?} is not a lower-case slug"));
            }
            if !seen.insert(id) {
                problems.push(format!("{what}: id {id:?} appears twice"));
            }
        }
    }
    let tables_in_manifest: BTreeMap<&str, &ManifestTable> = manifest
        .map(|m| m.tables.iter().map(|t| (t.name.as_str(), t)).collect())
        .unwrap_or_default();

    let mut sources = Vec::new();
    for (path, _) in files.0.iter().filter(|(p, _)| p.starts_with("sources/")) {
        if !path.ends_with(".toml") {
            problems.push(format!("{path}: sources are .toml files"));
            continue;
        }
        let Some(raw) = parse_toml::<RawSource>(files, path, &mut problems) else {
            continue;
        };
        let before = problems.len();
        let mut p = |msg: String| problems.push(format!("{path}: {msg}"));
        let file_id = &path["sources/".len()..path.len() - ".toml".len()];
        if raw.id != file_id {
            p(format!("id {:?} differs from the file name", raw.id));
        }
        if !is_slug(&raw.id) {
            p(format!("id {:?} is not a lower-case slug", raw.id));
        }
        if !controllers.iter().any(|c| c.id == raw.controller) {
            p(format!(
                "controller {:?} is not in controllers.toml",
                raw.controller
            ));
        }
        let data_type = DataType::parse(&raw.data_type);
        if data_type.is_none() {
            p(format!(
                "data_type {:?} is not one of register, operational, wet, genomic",
                raw.data_type
            ));
        }
        let cadence = Cadence::parse(&raw.update_cadence);
        if cadence.is_none() {
            p(format!(
                "update_cadence {:?} is not a known cadence",
                raw.update_cadence
            ));
        }
        if raw.topics.is_empty() {
            p("no topics".into());
        }
        for t in &raw.topics {
            if !topics.iter().any(|x| &x.id == t) {
                p(format!("topic {t:?} is not in topics.toml"));
            }
        }
        for l in &raw.access.legislation {
            if !laws.iter().any(|x| &x.id == l) {
                p(format!("legislation {l:?} is not in legislation.toml"));
            }
        }
        for a in &raw.access.approvers {
            if !controllers.iter().chain(&authorities).any(|c| &c.id == a) {
                p(format!(
                    "approver {a:?} is in neither controllers.toml nor authorities.toml"
                ));
            }
        }
        for (what, t) in [
            ("name", &raw.name),
            ("summary", &raw.summary),
            ("coverage.population", &raw.coverage.population),
            ("access.delivery", &raw.access.delivery),
            ("access.fees", &raw.access.fees),
        ] {
            if t.da.trim().is_empty() || t.en.trim().is_empty() {
                p(format!("{what} needs both Danish and English"));
            }
        }
        if let Some(to) = raw.coverage.to_year
            && to < raw.coverage.from_year
        {
            p(format!(
                "coverage.to_year {to} is before from_year {}",
                raw.coverage.from_year
            ));
        }
        if let Some(r) = &raw.synthetic_region
            && !REGIONS.contains(&r.as_str())
        {
            p(format!("synthetic_region {r:?} is not a region id"));
        }
        if let Some(url) = &raw.landing_page
            && !url.starts_with("https://")
            && !url.starts_with("http://")
        {
            p(format!("landing_page {url:?} is not a web address"));
        }
        for rt in &raw.record_tables {
            if !raw.synthetic_tables.contains(rt) {
                p(format!(
                    "record table {rt:?} is not one of synthetic_tables"
                ));
            }
        }
        let mut tables = Vec::new();
        for t in &raw.tables {
            let mut vars = Vec::new();
            for v in &t.variables {
                if !VARIABLE_TYPES.contains(&v.kind.as_str()) {
                    p(format!(
                        "{}.{}: type {:?} is not one of {}",
                        t.name,
                        v.name,
                        v.kind,
                        VARIABLE_TYPES.join(", ")
                    ));
                }
                if v.label.da.is_empty()
                    || v.label.en.is_empty()
                    || v.description.da.is_empty()
                    || v.description.en.is_empty()
                {
                    p(format!(
                        "{}.{}: label and description need both Danish and English",
                        t.name, v.name
                    ));
                }
                vars.push(Variable {
                    name: v.name.clone(),
                    kind: v.kind.clone(),
                    label: v.label.clone(),
                    description: v.description.clone(),
                    code_list: v.code_list.clone(),
                    unit: v.unit.clone(),
                    valid_from: v.valid_from,
                    valid_to: v.valid_to,
                });
            }
            tables.push(Table {
                name: t.name.clone(),
                label: t.label.clone(),
                description: t.description.clone(),
                rows: None,
                variables: vars,
            });
        }
        let mut coverage = Coverage {
            from_year: raw.coverage.from_year,
            to_year: raw.coverage.to_year,
            population: raw.coverage.population.clone(),
            records: raw.coverage.records,
            unique_persons: raw.coverage.unique_persons,
            min_age: raw.coverage.min_age,
            max_age: raw.coverage.max_age,
            records_by_year: BTreeMap::new(),
        };
        // The synthetic registers' tables and variables come from their schema (`ork-schema`,
        // compiled in, so always there); their counts from the manifest, when generated.
        let record_tables: Vec<&String> = if raw.record_tables.is_empty() {
            raw.synthetic_tables.iter().collect()
        } else {
            raw.record_tables.iter().collect()
        };
        let mut records = 0u64;
        for name in &raw.synthetic_tables {
            let Some(st) = ork_schema::tables::TABLES.iter().find(|t| t.name == name) else {
                p(format!(
                    "synthetic table {name:?} is not one the generator writes"
                ));
                continue;
            };
            let mt = tables_in_manifest.get(name.as_str()).copied();
            if manifest.is_some() && mt.is_none() {
                p(format!(
                    "synthetic table {name:?} is not in the registers' manifest"
                ));
                continue;
            }
            let counts = mt.map(|mt| match &raw.synthetic_region {
                Some(r) => match mt.regions.get(r) {
                    Some(c) => (c.rows, c.rows_by_year.clone()),
                    None => (0, BTreeMap::new()),
                },
                None => (mt.rows, mt.rows_by_year.clone()),
            });
            if let Some((rows, by_year)) = &counts
                && record_tables.contains(&name)
            {
                records += rows;
                for (y, n) in by_year {
                    if let Ok(y) = y.parse::<i32>() {
                        *coverage.records_by_year.entry(y).or_default() += n;
                    }
                }
            }
            tables.push(Table {
                name: st.name.to_owned(),
                label: Text::new(st.label_da, st.label_en),
                description: Text::new(st.label_da, st.label_en),
                rows: counts.map(|c| c.0),
                variables: st
                    .columns
                    .iter()
                    .map(|c| Variable {
                        name: c.name.to_owned(),
                        kind: match c.kind.name() {
                            "number" => "decimal".into(),
                            k => k.into(),
                        },
                        label: Text::new(c.label_da, c.label_en),
                        description: Text::new(c.description_da, c.description),
                        code_list: c.code_list.map(str::to_owned),
                        unit: c.unit.map(str::to_owned),
                        valid_from: None,
                        valid_to: None,
                    })
                    .collect(),
            });
        }
        if let Some(m) = manifest.filter(|_| !raw.synthetic_tables.is_empty()) {
            coverage.records = Some(records);
            coverage.unique_persons = unique_persons(m, &raw);
        }
        if problems.len() > before {
            continue;
        }
        let docs = Text::new(
            files
                .0
                .get(&format!("docs/{}.da.md", raw.id))
                .cloned()
                .unwrap_or_default(),
            files
                .0
                .get(&format!("docs/{}.en.md", raw.id))
                .cloned()
                .unwrap_or_default(),
        );
        sources.push(Source {
            id: raw.id,
            controller: raw.controller,
            data_type: data_type.expect("checked"),
            topics: raw.topics,
            cadence: cadence.expect("checked"),
            personal_data: raw.personal_data,
            landing_page: raw.landing_page,
            synthetic_tables: raw.synthetic_tables,
            synthetic_region: raw.synthetic_region,
            name: raw.name,
            summary: raw.summary,
            keywords: raw.keywords,
            coverage,
            access: Access {
                approvers: raw.access.approvers,
                delivery: raw.access.delivery,
                fees: raw.access.fees,
                lead_time_days: raw.access.lead_time_days,
                lead_time: raw.access.lead_time.unwrap_or_default(),
                legislation: raw.access.legislation,
                retention: raw.access.retention.unwrap_or_default(),
            },
            quality_issues: raw
                .quality_issues
                .into_iter()
                .map(|q| QualityIssue {
                    table: q.table,
                    column: q.column,
                    text: Text::new(q.da, q.en),
                })
                .collect(),
            history: raw
                .history
                .into_iter()
                .map(|h| HistoryEntry {
                    date: match h.date {
                        toml::Value::String(s) => s,
                        other => other.to_string(),
                    },
                    text: Text::new(h.da, h.en),
                })
                .collect(),
            tables,
            docs,
        });
    }
    // Documentation pages must belong to a source.
    let ids: BTreeSet<&str> = sources.iter().map(|s| s.id.as_str()).collect();
    for path in files.0.keys().filter(|p| p.starts_with("docs/")) {
        let stem = path["docs/".len()..]
            .strip_suffix(".da.md")
            .or_else(|| path["docs/".len()..].strip_suffix(".en.md"));
        match stem {
            Some(id) if ids.contains(id) => {}
            Some(id) => problems.push(format!("{path}: no source {id:?}")),
            None => problems.push(format!(
                "{path}: documentation files are ID.da.md or ID.en.md"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(LoadError(problems));
    }
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Catalog {
        controllers,
        authorities,
        topics,
        laws,
        sources,
        manifest_loaded: manifest.is_some(),
    })
}

fn unique_persons(m: &Manifest, raw: &RawSource) -> Option<u64> {
    if let Some(r) = &raw.synthetic_region {
        return raw
            .synthetic_tables
            .iter()
            .filter_map(|t| m.tables.iter().find(|x| &x.name == t))
            .filter_map(|t| t.regions.get(r).map(|c| c.unique_persons))
            .max();
    }
    if let Some(reg) = m.registers.iter().find(|r| r.id == raw.id) {
        return Some(reg.unique_persons);
    }
    raw.synthetic_tables
        .iter()
        .filter_map(|t| m.tables.iter().find(|x| &x.name == t))
        .filter_map(|t| t.unique_persons)
        .max()
}

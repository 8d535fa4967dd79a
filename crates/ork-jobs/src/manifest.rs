//! A job's manifest (`job.toml`): the scripts it runs in order, the workspace tables and
//! earlier jobs' outputs it reads, the files it leaves, and the resources it asks for.
//!
//! ```toml
//! name = "Survival after a first admission"
//! tables = ["bef", "lpr_adm"]          # mounted read-only at /data/<table>.parquet
//! jobs = []                            # earlier jobs' outputs, at /inputs/<job>/<file>
//! outputs = ["table.csv", "cox.pkl"]   # what the job leaves in /output
//!
//! [resources]                          # optional: the regime's defaults otherwise
//! cpu_seconds = 600
//! memory_mb = 2048
//!
//! [[steps]]
//! script = "cohort.sql"                # SQL: its result is written to `output`
//! output = "cohort.parquet"
//!
//! [[steps]]
//! script = "fit.py"                    # .py runs with Python, .R with R
//! ```
//!
//! Parsing checks everything that needs no workspace: names, the scripts' presence, size and
//! text, each output named once. Whether the tables and earlier jobs exist is the caller's to
//! check, against the workspace.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The largest script.
pub const MAX_SCRIPT_BYTES: usize = 1 << 20;
/// The most steps, scripts, tables, earlier jobs or outputs a manifest may name.
pub const MAX_ITEMS: usize = 20;
/// The largest manifest.
pub const MAX_MANIFEST_BYTES: usize = 64 << 10;

/// What runs a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Python,
    R,
    Sql,
}

impl Language {
    /// The language of a script, by its file name's extension (`.py`, `.R` or `.r`, `.sql`).
    pub fn of(file: &str) -> Option<Self> {
        let ext = file.rsplit_once('.')?.1;
        match ext {
            "py" => Some(Self::Python),
            "R" | "r" => Some(Self::R),
            "sql" => Some(Self::Sql),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::R => "r",
            Self::Sql => "sql",
        }
    }
}

/// One step: a script, and for SQL the file its result is written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub script: String,
    pub language: Language,
    /// SQL steps only: the output file (`.csv` or `.parquet`) the query's result goes to.
    pub output: Option<String>,
}

/// The resources a job asks for; `None` takes the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU time of all the job's processes together, in seconds.
    pub cpu_seconds: Option<u64>,
    /// Time from start to end, in seconds.
    pub wall_seconds: Option<u64>,
    /// Resident memory of all the job's processes together, in MiB.
    pub memory_mb: Option<u64>,
    /// Processes (and threads) at once.
    pub processes: Option<u64>,
    /// Files written to /output and /work and the log, in MiB.
    pub disk_mb: Option<u64>,
}

/// One resource's bounds: what a job gets unless it asks, and the most it may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub default: u64,
    pub max: u64,
}

/// The bounds of every resource (the regime's and the platform's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    pub cpu_seconds: Bound,
    pub wall_seconds: Bound,
    pub memory_mb: Bound,
    pub processes: Bound,
    pub disk_mb: Bound,
}

/// The resources a job runs with, all decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub cpu_seconds: u64,
    pub wall_seconds: u64,
    pub memory_mb: u64,
    pub processes: u64,
    pub disk_mb: u64,
}

/// A request above a bound: which resource, what was asked, the most allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{resource} = {asked} is more than the {max} allowed")]
pub struct Exceeded {
    pub resource: &'static str,
    pub asked: u64,
    pub max: u64,
}

impl Resources {
    /// The limits a job runs with: each resource as asked (at least 1), or the default;
    /// `Err` naming the first resource asked above its maximum.
    pub fn limits(&self, b: &Bounds) -> Result<Limits, Exceeded> {
        let pick = |resource: &'static str, asked: Option<u64>, bound: Bound| match asked {
            Some(a) if a > bound.max => Err(Exceeded {
                resource,
                asked: a,
                max: bound.max,
            }),
            Some(a) => Ok(a.max(1)),
            None => Ok(bound.default.min(bound.max)),
        };
        Ok(Limits {
            cpu_seconds: pick("cpu_seconds", self.cpu_seconds, b.cpu_seconds)?,
            wall_seconds: pick("wall_seconds", self.wall_seconds, b.wall_seconds)?,
            memory_mb: pick("memory_mb", self.memory_mb, b.memory_mb)?,
            processes: pick("processes", self.processes, b.processes)?,
            disk_mb: pick("disk_mb", self.disk_mb, b.disk_mb)?,
        })
    }
}

/// A checked manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub tables: Vec<String>,
    pub jobs: Vec<String>,
    pub outputs: Vec<String>,
    pub steps: Vec<Step>,
    pub resources: Resources,
}

/// Why a manifest or its scripts were refused; each names what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the manifest is not valid TOML for a job: {0}")]
    Syntax(String),
    #[error("the manifest is larger than {MAX_MANIFEST_BYTES} bytes")]
    TooLarge,
    #[error("the manifest names no steps")]
    NoSteps,
    #[error("the manifest names more than {MAX_ITEMS} {0}")]
    TooMany(&'static str),
    #[error(
        "{0:?} is not a usable name (letters, digits, '.', '_' and '-', at most 100, not starting with '.')"
    )]
    BadName(String),
    #[error("{0:?} is not a script: its name must end in .py, .R or .sql")]
    NotAScript(String),
    #[error("the script {0:?} the manifest names was not sent")]
    MissingScript(String),
    #[error("the script {0:?} was sent but no step runs it")]
    UnusedScript(String),
    #[error("the script {name:?} is larger than {max} bytes")]
    ScriptTooLarge { name: String, max: usize },
    #[error("the script {0:?} is not text (binary content, or not UTF-8)")]
    NotText(String),
    #[error(
        "the SQL step {0:?} needs an output (.csv or .parquet), which the manifest's outputs must list"
    )]
    SqlOutput(String),
    #[error("{0:?} is named twice")]
    Twice(String),
    #[error("{0:?} is not a table's name (letters, digits and '_')")]
    BadTable(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tables: Vec<String>,
    #[serde(default)]
    jobs: Vec<String>,
    #[serde(default)]
    outputs: Vec<String>,
    #[serde(default)]
    steps: Vec<RawStep>,
    #[serde(default)]
    resources: Resources,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    script: String,
    #[serde(default)]
    output: Option<String>,
}

/// What a manifest names, read without its scripts: the tables, earlier jobs and outputs, and
/// the scripts its steps run (to show a kept job, or to find the scripts to send with it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub tables: Vec<String>,
    pub jobs: Vec<String>,
    pub outputs: Vec<String>,
    pub scripts: Vec<String>,
}

/// Reads what a manifest names; nothing is checked but its syntax.
pub fn declared(text: &str) -> Result<Declared, ManifestError> {
    let raw: Raw = toml::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))?;
    Ok(Declared {
        scripts: raw.steps.into_iter().map(|s| s.script).collect(),
        tables: raw.tables,
        jobs: raw.jobs,
        outputs: raw.outputs,
    })
}

/// Whether `s` may name a script or an output file: ASCII letters, digits, `.`, `_`, `-`,
/// 1–100 characters, not starting with `.` (no hidden files, no `..`).
pub fn is_file_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && !s.starts_with('.')
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Whether `s` may name a table or an earlier job: ASCII letters, digits, `_` and `-`, 1–100.
fn is_table_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `bytes` are a script's text: UTF-8 without NUL bytes or other control characters
/// than tab, line feed, carriage return and form feed (a binary file renamed `.py` is not).
pub fn is_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// SHA-256 of a script, in hex, as the audit trail records it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn no_repeats<'a>(names: impl IntoIterator<Item = &'a String>) -> Result<(), ManifestError> {
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            return Err(ManifestError::Twice(n.clone()));
        }
    }
    Ok(())
}

impl Manifest {
    /// Parses a manifest and checks it against the scripts sent with it (by file name).
    pub fn parse(text: &str, scripts: &BTreeMap<String, Vec<u8>>) -> Result<Self, ManifestError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge);
        }
        let raw: Raw = toml::from_str(text).map_err(|e| ManifestError::Syntax(e.to_string()))?;
        if raw.steps.is_empty() {
            return Err(ManifestError::NoSteps);
        }
        for (what, n) in [
            ("steps", raw.steps.len()),
            ("tables", raw.tables.len()),
            ("jobs", raw.jobs.len()),
            ("outputs", raw.outputs.len()),
            ("scripts", scripts.len()),
        ] {
            if n > MAX_ITEMS {
                return Err(ManifestError::TooMany(what));
            }
        }
        for t in raw.tables.iter().chain(&raw.jobs) {
            if !is_table_name(t) {
                return Err(ManifestError::BadTable(t.clone()));
            }
        }
        no_repeats(&raw.tables)?;
        no_repeats(&raw.jobs)?;
        for o in &raw.outputs {
            if !is_file_name(o) {
                return Err(ManifestError::BadName(o.clone()));
            }
        }
        no_repeats(&raw.outputs)?;
        let mut steps = Vec::with_capacity(raw.steps.len());
        for s in raw.steps {
            if !is_file_name(&s.script) {
                return Err(ManifestError::BadName(s.script));
            }
            let language = Language::of(&s.script)
                .ok_or_else(|| ManifestError::NotAScript(s.script.clone()))?;
            if !scripts.contains_key(&s.script) {
                return Err(ManifestError::MissingScript(s.script));
            }
            let output = match (language, s.output) {
                (Language::Sql, Some(o))
                    if raw.outputs.contains(&o)
                        && (o.ends_with(".csv") || o.ends_with(".parquet")) =>
                {
                    Some(o)
                }
                (Language::Sql, _) => return Err(ManifestError::SqlOutput(s.script)),
                (_, Some(_)) => return Err(ManifestError::SqlOutput(s.script)),
                (_, None) => None,
            };
            steps.push(Step {
                script: s.script,
                language,
                output,
            });
        }
        for (name, bytes) in scripts {
            if !is_file_name(name) {
                return Err(ManifestError::BadName(name.clone()));
            }
            if !steps.iter().any(|s| &s.script == name) {
                return Err(ManifestError::UnusedScript(name.clone()));
            }
            if bytes.len() > MAX_SCRIPT_BYTES {
                return Err(ManifestError::ScriptTooLarge {
                    name: name.clone(),
                    max: MAX_SCRIPT_BYTES,
                });
            }
            if !is_text(bytes) {
                return Err(ManifestError::NotText(name.clone()));
            }
        }
        Ok(Self {
            name: raw.name.trim().chars().take(200).collect(),
            tables: raw.tables,
            jobs: raw.jobs,
            outputs: raw.outputs,
            steps,
            resources: raw.resources,
        })
    }

    /// The languages the job's steps use.
    pub fn languages(&self) -> BTreeSet<Language> {
        self.steps.iter().map(|s| s.language).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scripts(names: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        names
            .iter()
            .map(|(n, t)| ((*n).to_owned(), t.as_bytes().to_vec()))
            .collect()
    }

    const GOOD: &str = r#"
name = "Cox"
tables = ["bef", "lpr_adm"]
outputs = ["cohort.parquet", "table.csv"]
[resources]
cpu_seconds = 60
[[steps]]
script = "cohort.sql"
output = "cohort.parquet"
[[steps]]
script = "fit.py"
"#;

    #[test]
    fn a_pipeline_of_sql_and_python_parses_with_its_languages() {
        let m = Manifest::parse(
            GOOD,
            &scripts(&[("cohort.sql", "select 1"), ("fit.py", "print(1)\n")]),
        )
        .unwrap();
        assert_eq!(m.steps.len(), 2);
        assert_eq!(m.steps[0].output.as_deref(), Some("cohort.parquet"));
        assert_eq!(
            m.languages().into_iter().collect::<Vec<_>>(),
            vec![Language::Python, Language::Sql]
        );
        assert_eq!(m.resources.cpu_seconds, Some(60));
    }

    #[test]
    fn each_mistake_is_named() {
        let both = scripts(&[("cohort.sql", "select 1"), ("fit.py", "print(1)")]);
        let cases: Vec<(String, BTreeMap<String, Vec<u8>>, ManifestError)> = vec![
            (
                "steps = [".into(),
                both.clone(),
                ManifestError::Syntax(String::new()),
            ),
            ("tables = []".into(), both.clone(), ManifestError::NoSteps),
            (
                GOOD.replace("fit.py\"", "fit.exe\""),
                scripts(&[("cohort.sql", "x"), ("fit.exe", "x")]),
                ManifestError::NotAScript("fit.exe".into()),
            ),
            (
                GOOD.into(),
                scripts(&[("cohort.sql", "x")]),
                ManifestError::MissingScript("fit.py".into()),
            ),
            (
                GOOD.into(),
                scripts(&[("cohort.sql", "x"), ("fit.py", "x"), ("extra.py", "x")]),
                ManifestError::UnusedScript("extra.py".into()),
            ),
            (
                GOOD.into(),
                scripts(&[("cohort.sql", "x"), ("fit.py", "\u{7f}ELF\u{2}\u{1}")]),
                ManifestError::NotText("fit.py".into()),
            ),
            (
                GOOD.replace("output = \"cohort.parquet\"", ""),
                both.clone(),
                ManifestError::SqlOutput("cohort.sql".into()),
            ),
            (
                GOOD.replace("\"bef\", ", "\"lpr_adm\", "),
                both.clone(),
                ManifestError::Twice("lpr_adm".into()),
            ),
            (
                GOOD.replace("\"bef\"", "\"../etc\""),
                both.clone(),
                ManifestError::BadTable("../etc".into()),
            ),
            (
                GOOD.replace("\"table.csv\"", "\"../x.csv\""),
                both.clone(),
                ManifestError::BadName("../x.csv".into()),
            ),
            (
                GOOD.replace("[resources]", "[resources]\ngpus = 1"),
                both.clone(),
                ManifestError::Syntax(String::new()),
            ),
        ];
        for (text, s, want) in cases {
            let got = Manifest::parse(&text, &s).unwrap_err();
            match (&got, &want) {
                (ManifestError::Syntax(_), ManifestError::Syntax(_)) => {}
                _ => assert_eq!(got, want, "{text}"),
            }
        }
        let big = vec![b'#'; MAX_SCRIPT_BYTES + 1];
        let mut s = both.clone();
        s.insert("fit.py".into(), big);
        assert!(matches!(
            Manifest::parse(GOOD, &s),
            Err(ManifestError::ScriptTooLarge { .. })
        ));
    }

    #[test]
    fn resources_take_the_default_and_refuse_above_the_maximum() {
        let b = Bound {
            default: 10,
            max: 100,
        };
        let bounds = Bounds {
            cpu_seconds: b,
            wall_seconds: b,
            memory_mb: b,
            processes: b,
            disk_mb: b,
        };
        let l = Resources {
            memory_mb: Some(100),
            ..Resources::default()
        }
        .limits(&bounds)
        .unwrap();
        assert_eq!((l.memory_mb, l.cpu_seconds), (100, 10));
        let e = Resources {
            disk_mb: Some(101),
            ..Resources::default()
        }
        .limits(&bounds)
        .unwrap_err();
        assert_eq!(
            e,
            Exceeded {
                resource: "disk_mb",
                asked: 101,
                max: 100
            }
        );
    }

    #[test]
    fn text_is_utf8_without_control_characters() {
        assert!(is_text(b"print('hej')\r\n\tx = 1\n"));
        assert!(is_text("# æøå\n".as_bytes()));
        assert!(!is_text(b"\x80\x04\x95 pickle"));
        assert!(!is_text(b"abc\0def"));
        assert!(!is_text(b"%PDF-1.7\n\x01"));
    }
}

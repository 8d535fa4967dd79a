//! What to compute: a safe table or a model, as JSON.

use arrow::datatypes::{DataType, Schema};
use serde::{Deserialize, Serialize};

/// The statistic of a table's cells (pandas' and ACRO's `aggfunc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AggFunc {
    Count,
    Sum,
    Mean,
    Median,
    Std,
    Min,
    Max,
    Mode,
}

impl AggFunc {
    /// A magnitude table: its cells are checked for dominance.
    pub fn is_magnitude(self) -> bool {
        matches!(self, Self::Sum | Self::Mean)
    }
}

/// `{"kind": "table", "rows": […], "columns": […], "values"?: …, "aggfunc"?: …}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// The variables whose values label the rows (at least one).
    pub rows: Vec<String>,
    /// The variables whose values label the columns (may be none).
    #[serde(default)]
    pub columns: Vec<String>,
    /// The variable the statistic is of; none for a frequency table.
    #[serde(default)]
    pub values: Option<String>,
    /// The statistic; `count` (a frequency table) when left out.
    #[serde(default)]
    pub aggfunc: Option<AggFunc>,
    /// Add a total row and column ("All").
    #[serde(default)]
    pub margins: bool,
    /// Suppress the cells that fail a rule; totals are computed without them.
    #[serde(default)]
    pub suppress: bool,
}

impl TableSpec {
    pub fn aggfunc(&self) -> AggFunc {
        self.aggfunc.unwrap_or(AggFunc::Count)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    Ols,
    Logit,
    Probit,
}

/// `{"kind": "ols"|"logit"|"probit", "y": "col", "x": ["col", …]}`: with an intercept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub kind: ModelKind,
    pub y: String,
    pub x: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    Table(TableSpec),
    Model(ModelSpec),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFields {
    y: String,
    x: Vec<String>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum RawSpec {
    Table(TableSpec),
    Ols(ModelFields),
    Logit(ModelFields),
    Probit(ModelFields),
}

/// The most variables a table may be laid out by (rows and columns together).
pub const MAX_DIMENSIONS: usize = 8;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SpecError {
    #[error("the spec does not read: {0}")]
    Syntax(String),
    #[error("the data has no column {}", .0.iter().map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", "))]
    UnknownColumns(Vec<String>),
    #[error("column '{0}' is not numeric")]
    NotNumeric(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the table would have {0} cells; at most {1} are allowed")]
    TooManyCells(u128, usize),
    #[error("the data cannot be read: {0}")]
    Data(String),
}

impl Spec {
    pub fn from_json(text: &str) -> Result<Self, SpecError> {
        let raw: RawSpec =
            serde_json::from_str(text).map_err(|e| SpecError::Syntax(e.to_string()))?;
        let model = |kind, f: ModelFields| {
            Spec::Model(ModelSpec {
                kind,
                y: f.y,
                x: f.x,
            })
        };
        let spec = match raw {
            RawSpec::Table(t) => Spec::Table(t),
            RawSpec::Ols(f) => model(ModelKind::Ols, f),
            RawSpec::Logit(f) => model(ModelKind::Logit, f),
            RawSpec::Probit(f) => model(ModelKind::Probit, f),
        };
        spec.validate_shape()?;
        Ok(spec)
    }

    /// What can be said without the data.
    pub fn validate_shape(&self) -> Result<(), SpecError> {
        let invalid = |m: &str| Err(SpecError::Invalid(m.to_owned()));
        match self {
            Spec::Table(t) => {
                if t.rows.is_empty() {
                    return invalid("a table needs at least one row variable");
                }
                if t.rows.len() + t.columns.len() > MAX_DIMENSIONS {
                    return Err(SpecError::Invalid(format!(
                        "a table has at most {MAX_DIMENSIONS} row and column variables"
                    )));
                }
                let mut seen = std::collections::BTreeSet::new();
                for v in t.rows.iter().chain(&t.columns) {
                    if !seen.insert(v) {
                        return Err(SpecError::Invalid(format!("'{v}' is named twice")));
                    }
                }
                match (&t.values, t.aggfunc()) {
                    (None, AggFunc::Count) => Ok(()),
                    (None, _) => invalid("a statistic other than count needs 'values'"),
                    (Some(_), AggFunc::Count) if t.aggfunc.is_none() => {
                        invalid("'values' needs an 'aggfunc'")
                    }
                    (Some(v), _) if seen.contains(v) => Err(SpecError::Invalid(format!(
                        "'{v}' cannot both lay out the table and be its values"
                    ))),
                    _ => Ok(()),
                }
            }
            Spec::Model(m) => {
                if m.x.is_empty() {
                    return invalid("a model needs at least one 'x' variable");
                }
                if m.x.contains(&m.y) {
                    return Err(SpecError::Invalid(format!("'{}' is both y and x", m.y)));
                }
                Ok(())
            }
        }
    }

    /// The columns the spec reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Spec::Table(t) => t
                .rows
                .iter()
                .chain(&t.columns)
                .chain(&t.values)
                .map(String::as_str)
                .collect(),
            Spec::Model(m) => std::iter::once(&m.y)
                .chain(&m.x)
                .map(String::as_str)
                .collect(),
        }
    }

    /// Checks the spec, then against the data: there are rows, and the columns fit.
    pub fn check_data(
        &self,
        batches: &[arrow::record_batch::RecordBatch],
    ) -> Result<(), SpecError> {
        self.validate_shape()?;
        let schema = batches
            .first()
            .map(|b| b.schema())
            .ok_or_else(|| SpecError::Invalid("the data has no rows".into()))?;
        self.check_schema(&schema)
    }

    /// Checks the spec against the data's columns: every one named exists, and the ones the
    /// statistic or the model computes with are numeric.
    pub fn check_schema(&self, schema: &Schema) -> Result<(), SpecError> {
        let missing: Vec<String> = self
            .columns()
            .into_iter()
            .filter(|c| schema.field_with_name(c).is_err())
            .map(str::to_owned)
            .collect();
        if !missing.is_empty() {
            return Err(SpecError::UnknownColumns(missing));
        }
        let numeric: Vec<&str> = match self {
            Spec::Table(t) if t.aggfunc() != AggFunc::Count => {
                t.values.iter().map(String::as_str).collect()
            }
            Spec::Table(_) => Vec::new(),
            Spec::Model(_) => self.columns(),
        };
        for c in numeric {
            let ty = schema.field_with_name(c).map(|f| f.data_type().clone());
            if !ty.as_ref().is_ok_and(is_numeric) {
                return Err(SpecError::NotNumeric(c.to_owned()));
            }
        }
        Ok(())
    }
}

pub(crate) fn is_numeric(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Boolean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_as_the_contract_writes_them() {
        let t = Spec::from_json(
            r#"{"kind": "table", "rows": ["region"], "columns": ["sex"], "values": "income", "aggfunc": "sum"}"#,
        )
        .unwrap();
        let Spec::Table(t) = t else { panic!() };
        assert_eq!(t.aggfunc(), AggFunc::Sum);
        let m = Spec::from_json(r#"{"kind": "logit", "y": "dead", "x": ["age", "sex"]}"#).unwrap();
        assert_eq!(
            m,
            Spec::Model(ModelSpec {
                kind: ModelKind::Logit,
                y: "dead".into(),
                x: vec!["age".into(), "sex".into()]
            })
        );
    }

    #[test]
    fn specs_that_cannot_be_computed_say_why() {
        for (json, want) in [
            (r#"{"kind": "table", "rows": []}"#, "at least one row"),
            (
                r#"{"kind": "table", "rows": ["a"], "aggfunc": "sum"}"#,
                "needs 'values'",
            ),
            (
                r#"{"kind": "table", "rows": ["a"], "values": "v"}"#,
                "needs an 'aggfunc'",
            ),
            (r#"{"kind": "table", "rows": ["a", "a"]}"#, "named twice"),
            (
                r#"{"kind": "table", "rows": ["a"], "values": "a", "aggfunc": "sum"}"#,
                "both lay out",
            ),
            (r#"{"kind": "ols", "y": "a", "x": []}"#, "at least one 'x'"),
            (r#"{"kind": "ols", "y": "a", "x": ["a"]}"#, "both y and x"),
        ] {
            let e = Spec::from_json(json).unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
        }
        for json in [
            r#"{"kind": "cube", "rows": ["a"]}"#,
            r#"{"kind": "table", "rows": ["a"], "colums": ["b"]}"#,
            r#"{"kind": "table", "rows": ["a"], "values": "v", "aggfunc": "var"}"#,
            r#"{"kind": "ols", "y": "a", "x": ["b"], "z": 1}"#,
        ] {
            assert!(
                matches!(Spec::from_json(json), Err(SpecError::Syntax(_))),
                "{json}"
            );
        }
    }
}

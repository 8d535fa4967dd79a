//! An answer read from its JSON by its field's type, and written back. Reading checks the
//! shape a type takes and what a value of it must be on its own (a real date, a period
//! that ends after it starts, a well-formed e-mail address, a CVR number's check digit);
//! the form's own bounds, options and references are checked in `check.rs`.

use super::{Column, FieldType};
use ork_domain::{Email, PersonName};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::Date;

/// A named person: who leads, uses or signs for the project.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub name: PersonName,
    pub email: Email,
    /// What they do in the project, in the applicant's words.
    pub role: String,
}

/// An organisation named in the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub name: String,
    /// The Danish company number, eight digits with a valid check digit.
    pub cvr: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// The study population: a saved quick-test cohort, or a definition in the cohort language
/// (kept as its JSON; the server checks it with the quick tests' parser).
#[derive(Debug, Clone, PartialEq)]
pub enum CohortRef {
    Saved(String),
    Definition(Value),
}

/// One catalog source and the variables wanted from it (`TABLE.VARIABLE`; none: all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRequest {
    pub id: String,
    pub variables: Vec<String>,
}

/// One field's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// text, long_text, email and choice.
    Text(String),
    Number(f64),
    YesNo(bool),
    Date(Date),
    Period {
        from: Date,
        to: Date,
    },
    /// multi_choice.
    Choices(Vec<String>),
    Persons(Vec<Person>),
    Organisation(Organisation),
    Cohort(CohortRef),
    Datasets(Vec<DatasetRequest>),
    /// Upload ids.
    Attachments(Vec<String>),
    Table(Vec<BTreeMap<String, Answer>>),
}

/// Why an answer could not be read: a message key of `messages.rs` (`form.KEY`) and its
/// arguments.
pub(super) type Problem = (&'static str, Vec<(&'static str, String)>);

fn shape(kind: FieldType) -> Problem {
    ("wrong_type", vec![("type", kind.code().to_owned())])
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(super) fn date(v: &Value) -> Result<Date, Problem> {
    let s = v.as_str().ok_or_else(|| shape(FieldType::Date))?;
    match Date::parse(s, DATE) {
        Ok(d) if s.len() == 10 && (1900..=2200).contains(&d.year()) => Ok(d),
        _ => Err((
            "invalid_date",
            vec![("value", s.chars().take(40).collect())],
        )),
    }
}

fn format_date(d: Date) -> String {
    d.format(DATE).unwrap_or_default()
}

fn string_list(v: &Value, kind: FieldType) -> Result<Vec<String>, Problem> {
    v.as_array()
        .ok_or_else(|| shape(kind))?
        .iter()
        .map(|x| x.as_str().map(str::to_owned).ok_or_else(|| shape(kind)))
        .collect()
}

/// The object's keys must be among `allowed`.
fn object<'a>(
    v: &'a Value,
    kind: FieldType,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, Problem> {
    let o = v.as_object().ok_or_else(|| shape(kind))?;
    if o.keys().all(|k| allowed.contains(&k.as_str())) {
        Ok(o)
    } else {
        Err(shape(kind))
    }
}

fn text_in(
    o: &Map<String, Value>,
    key: &str,
    max: usize,
    kind: FieldType,
) -> Result<String, Problem> {
    let s = o
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| shape(kind))?
        .trim();
    if s.is_empty() || s.chars().count() > max {
        return Err((
            "part_length",
            vec![("part", key.to_owned()), ("max", max.to_string())],
        ));
    }
    Ok(s.to_owned())
}

/// Whether `cvr` is eight digits whose weighted sum (2, 7, 6, 5, 4, 3, 2, 1) is divisible
/// by 11, the CVR register's check.
pub fn valid_cvr(cvr: &str) -> bool {
    const W: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];
    cvr.len() == 8
        && cvr.bytes().all(|b| b.is_ascii_digit())
        && cvr
            .bytes()
            .zip(W)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum::<u32>()
            % 11
            == 0
}

fn country(s: &str) -> Result<String, Problem> {
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s.to_owned())
    } else {
        Err((
            "invalid_country",
            vec![("value", s.chars().take(20).collect())],
        ))
    }
}

fn person(v: &Value) -> Result<Person, Problem> {
    let k = FieldType::Persons;
    let o = object(v, k, &["name", "email", "role"])?;
    let name = text_in(o, "name", 200, k)?;
    let email = text_in(o, "email", 254, k)?;
    Ok(Person {
        name: PersonName::parse(&name).map_err(|_| ("invalid_name", vec![]))?,
        email: Email::parse(&email)
            .map_err(|_| ("invalid_email", vec![("value", email.clone())]))?,
        role: text_in(o, "role", 100, k)?,
    })
}

fn organisation(v: &Value) -> Result<Organisation, Problem> {
    let k = FieldType::Organisation;
    let o = object(v, k, &["name", "cvr", "country"])?;
    let cvr = match o.get("cvr") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if valid_cvr(c) => Some(c.clone()),
        Some(c) => {
            return Err((
                "invalid_cvr",
                vec![("value", c.to_string().chars().take(20).collect())],
            ));
        }
    };
    Ok(Organisation {
        name: text_in(o, "name", 200, k)?,
        cvr,
        country: country(&text_in(o, "country", 2, k)?)?,
    })
}

fn dataset(v: &Value) -> Result<DatasetRequest, Problem> {
    let k = FieldType::Datasets;
    let o = object(v, k, &["id", "variables"])?;
    Ok(DatasetRequest {
        id: text_in(o, "id", 100, k)?,
        variables: match o.get("variables") {
            None => Vec::new(),
            Some(x) => string_list(x, k)?,
        },
    })
}

fn row(v: &Value, columns: &[Column]) -> Result<BTreeMap<String, Value>, Problem> {
    let o = v.as_object().ok_or_else(|| shape(FieldType::Table))?;
    if let Some(k) = o.keys().find(|k| !columns.iter().any(|c| &c.id == *k)) {
        return Err((
            "unknown_column",
            vec![("column", k.chars().take(60).collect())],
        ));
    }
    Ok(o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

impl Answer {
    /// Reads `v` as an answer of `kind`; a table's rows are returned unread (their cells are
    /// read with their columns by `check.rs`, which names the row and column of a problem).
    pub(super) fn read(kind: FieldType, v: &Value) -> Result<Answer, Problem> {
        Ok(match kind {
            FieldType::Text | FieldType::LongText | FieldType::Email | FieldType::Choice => {
                Answer::Text(v.as_str().ok_or_else(|| shape(kind))?.to_owned())
            }
            FieldType::Number => Answer::Number(v.as_f64().ok_or_else(|| shape(kind))?),
            FieldType::YesNo => Answer::YesNo(v.as_bool().ok_or_else(|| shape(kind))?),
            FieldType::Date => Answer::Date(date(v)?),
            FieldType::Period => {
                let o = object(v, kind, &["from", "to"])?;
                let from = date(o.get("from").ok_or_else(|| shape(kind))?)?;
                let to = date(o.get("to").ok_or_else(|| shape(kind))?)?;
                if to < from {
                    return Err(("period_order", vec![]));
                }
                Answer::Period { from, to }
            }
            FieldType::MultiChoice => Answer::Choices(string_list(v, kind)?),
            FieldType::Persons => Answer::Persons(
                v.as_array()
                    .ok_or_else(|| shape(kind))?
                    .iter()
                    .map(person)
                    .collect::<Result<_, _>>()?,
            ),
            FieldType::Organisation => Answer::Organisation(organisation(v)?),
            FieldType::Cohort => match v {
                Value::String(s) if !s.trim().is_empty() && s.len() <= 100 => {
                    Answer::Cohort(CohortRef::Saved(s.clone()))
                }
                Value::Object(_) => Answer::Cohort(CohortRef::Definition(v.clone())),
                _ => return Err(shape(kind)),
            },
            FieldType::Datasets => Answer::Datasets(
                v.as_array()
                    .ok_or_else(|| shape(kind))?
                    .iter()
                    .map(dataset)
                    .collect::<Result<_, _>>()?,
            ),
            FieldType::Attachment => Answer::Attachments(string_list(v, kind)?),
            FieldType::Table => {
                v.as_array().ok_or_else(|| shape(kind))?;
                Answer::Table(Vec::new())
            }
        })
    }

    /// A table's rows as cell JSON, checked for unknown columns.
    pub(super) fn rows(
        v: &Value,
        columns: &[Column],
    ) -> Result<Vec<BTreeMap<String, Value>>, Problem> {
        v.as_array()
            .ok_or_else(|| shape(FieldType::Table))?
            .iter()
            .map(|r| row(r, columns))
            .collect()
    }

    /// The answer as the API writes it: the same JSON shape it is read from.
    pub fn to_json(&self) -> Value {
        match self {
            Answer::Text(s) => s.as_str().into(),
            Answer::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
            Answer::YesNo(b) => (*b).into(),
            Answer::Date(d) => format_date(*d).into(),
            Answer::Period { from, to } => {
                serde_json::json!({"from": format_date(*from), "to": format_date(*to)})
            }
            Answer::Choices(v) | Answer::Attachments(v) => v.clone().into(),
            Answer::Persons(v) => v
                .iter()
                .map(|p| serde_json::json!({"name": p.name.as_str(), "email": p.email.as_str(), "role": p.role}))
                .collect(),
            Answer::Organisation(o) => {
                let mut m = serde_json::json!({"name": o.name, "country": o.country});
                if let Some(c) = &o.cvr {
                    m["cvr"] = c.as_str().into();
                }
                m
            }
            Answer::Cohort(CohortRef::Saved(id)) => id.as_str().into(),
            Answer::Cohort(CohortRef::Definition(v)) => v.clone(),
            Answer::Datasets(v) => v
                .iter()
                .map(|d| serde_json::json!({"id": d.id, "variables": d.variables}))
                .collect(),
            Answer::Table(rows) => rows
                .iter()
                .map(|r| Value::Object(r.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()))
                .collect(),
        }
    }
}

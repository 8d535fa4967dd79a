//! The JSON shape each field's answer takes, as a JSON Schema for the API's document and as
//! the check the server makes before it keeps an answer: an answer of the wrong shape (a
//! number where a text goes, a table row with a column the table lacks) is refused, naming
//! the field; one of the right shape is kept even when its value is wrong (those are the
//! form's errors, shown with the draft). The two functions below describe the same shapes.

use super::{Column, Field, FieldType};
use serde_json::{Value, json};

fn string() -> Value {
    json!({"type": "string"})
}

fn column_schema(c: &Column) -> Value {
    match c.kind {
        FieldType::Number => json!({"type": "number"}),
        FieldType::YesNo => json!({"type": "boolean"}),
        _ => string(),
    }
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "additionalProperties": false, "properties": properties})
}

/// The JSON Schema of a field's answer (`null` removes an answer).
pub fn schema(f: &Field) -> Value {
    let shape = match f.kind {
        FieldType::Text
        | FieldType::LongText
        | FieldType::Email
        | FieldType::Choice
        | FieldType::Date => string(),
        FieldType::Number => json!({"type": "number"}),
        FieldType::YesNo => json!({"type": "boolean"}),
        FieldType::Period => object(&["from", "to"], json!({"from": string(), "to": string()})),
        FieldType::MultiChoice | FieldType::Attachment => {
            json!({"type": "array", "items": string()})
        }
        FieldType::Persons => json!({"type": "array", "items": object(
            &["name", "email", "role"],
            json!({"name": string(), "email": string(), "role": string()}),
        )}),
        FieldType::Organisation => object(
            &["name", "country"],
            json!({"name": string(), "cvr": {"type": ["string", "null"]}, "country": string()}),
        ),
        FieldType::Cohort => json!({"anyOf": [
            {"type": "string", "description": "A saved cohort's id"},
            {"type": "object", "description": "A cohort definition (CohortDefinition, docs/cohort-language.md)"},
        ]}),
        FieldType::Datasets => json!({"type": "array", "items": object(
            &["id"],
            json!({"id": string(), "variables": {"type": "array", "items": string()}}),
        )}),
        FieldType::Table => {
            let cols: serde_json::Map<String, Value> = f
                .columns
                .iter()
                .map(|c| (c.id.clone(), column_schema(c)))
                .collect();
            json!({"type": "array", "items": object(&[], Value::Object(cols))})
        }
    };
    json!({"anyOf": [{"type": "null"}, shape], "description": format!("{} ({})", f.label.en, f.kind.code())})
}

fn strings(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

/// An object whose keys are among `allowed`, with `required` present, each value fitting
/// `fits(key, value)`.
fn object_fits(
    v: &Value,
    required: &[&str],
    allowed: &[&str],
    fits: impl Fn(&str, &Value) -> bool,
) -> bool {
    v.as_object().is_some_and(|o| {
        required.iter().all(|k| o.contains_key(*k))
            && o.iter()
                .all(|(k, x)| allowed.contains(&k.as_str()) && fits(k, x))
    })
}

fn list_of(v: &Value, item: impl Fn(&Value) -> bool) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(item))
}

/// Whether `v` has the shape of [`schema`].
pub fn fits(f: &Field, v: &Value) -> bool {
    let all_strings = |_: &str, x: &Value| x.is_string();
    v.is_null()
        || match f.kind {
            FieldType::Text
            | FieldType::LongText
            | FieldType::Email
            | FieldType::Choice
            | FieldType::Date => v.is_string(),
            FieldType::Number => v.is_number(),
            FieldType::YesNo => v.is_boolean(),
            FieldType::Period => object_fits(v, &["from", "to"], &["from", "to"], all_strings),
            FieldType::MultiChoice | FieldType::Attachment => strings(v),
            FieldType::Persons => list_of(v, |p| {
                object_fits(
                    p,
                    &["name", "email", "role"],
                    &["name", "email", "role"],
                    all_strings,
                )
            }),
            FieldType::Organisation => object_fits(
                v,
                &["name", "country"],
                &["name", "cvr", "country"],
                |k, x| x.is_string() || (k == "cvr" && x.is_null()),
            ),
            FieldType::Cohort => v.is_string() || v.is_object(),
            FieldType::Datasets => list_of(v, |d| {
                object_fits(d, &["id"], &["id", "variables"], |k, x| match k {
                    "variables" => strings(x),
                    _ => x.is_string(),
                })
            }),
            FieldType::Table => {
                let ids: Vec<&str> = f.columns.iter().map(|c| c.id.as_str()).collect();
                list_of(v, |row| {
                    object_fits(row, &[], &ids, |k, x| {
                        match f.columns.iter().find(|c| c.id == k).map(|c| c.kind) {
                            Some(FieldType::Number) => x.is_number(),
                            Some(FieldType::YesNo) => x.is_boolean(),
                            _ => x.is_string(),
                        }
                    })
                })
            }
        }
}

impl super::Form {
    /// The fields whose answer in `answers` does not have the field's shape (unknown ids
    /// are not named here: see [`super::Form::unknown`]).
    pub fn misshapen(&self, answers: &serde_json::Map<String, Value>) -> Vec<String> {
        answers
            .iter()
            .filter(|(k, v)| self.field(k).is_some_and(|f| !fits(f, v)))
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The answers' JSON Schema: an object keyed by the form's field ids.
    pub fn answers_schema(&self) -> Value {
        let props: serde_json::Map<String, Value> =
            self.fields().map(|f| (f.id.clone(), schema(f))).collect();
        json!({"type": "object", "additionalProperties": false, "properties": props})
    }
}

//! The portal form's fields read back into answers: the page names each input after its
//! field (`f.FIELD`, `f.FIELD.PART`, `f.FIELD.ROW.COLUMN`) and lists the fields it showed
//! (`shown`), so a field emptied on the page is removed and a field the page did not show
//! (hidden by a condition) is left as it is. The answers take the API's JSON shapes, so
//! the same check (`ork_rules::form`) judges them; what cannot take the shape at all (a
//! number that is no number, a definition that is no JSON) is not saved but shown again as
//! typed, with its message.

use ork_rules::form::{Field, FieldType, Form};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// What the page sent.
#[derive(Debug, Default)]
pub struct Read {
    /// Field id → answer (`null` removes it), for every field the page showed.
    pub patch: Map<String, Value>,
    /// Input name → the text typed, for inputs whose text could not be saved.
    pub raw: BTreeMap<String, String>,
    /// (field id, message key under `form_page.`) for those inputs.
    pub problems: Vec<(String, &'static str)>,
}

/// The most rows a list field (persons, a table, datasets) takes from the page.
pub const MAX_ROWS: usize = 100;

/// The columns of a list field as the page shows them: a table's own, or the parts of a
/// person or a dataset.
pub fn columns_of(f: &Field) -> Vec<(String, FieldType)> {
    match f.kind {
        FieldType::Table => f.columns.iter().map(|c| (c.id.clone(), c.kind)).collect(),
        FieldType::Persons => vec![
            ("name".into(), FieldType::Text),
            ("email".into(), FieldType::Email),
            ("role".into(), FieldType::Text),
        ],
        FieldType::Datasets => vec![
            ("id".into(), FieldType::Text),
            ("variables".into(), FieldType::Text),
        ],
        _ => Vec::new(),
    }
}

/// A number as a Danish or English user types it: `1234`, `1 234`, `12,5`, `1.234,5`,
/// `1,234.5`. With both separators the last is the decimal one; a lone comma is decimal.
pub fn number(s: &str) -> Option<f64> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let decimal = match (t.rfind(','), t.rfind('.')) {
        (Some(c), Some(d)) if c > d => ',',
        (Some(_), None) => ',',
        _ => '.',
    };
    let grouping = if decimal == ',' { '.' } else { ',' };
    t.replace(grouping, "")
        .replace(decimal, ".")
        .parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
}

struct Pairs<'a>(&'a [(String, String)]);

impl Pairs<'_> {
    fn one(&self, name: &str) -> &str {
        crate::web::form_value(self.0, name)
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn text_or_null(s: &str) -> Value {
    if s.trim().is_empty() {
        Value::Null
    } else {
        Value::String(s.to_owned())
    }
}

impl Read {
    fn refuse(&mut self, field: &str, input: String, typed: &str, key: &'static str) {
        self.raw.insert(input, typed.to_owned());
        if !self.problems.iter().any(|(f, _)| f == field) {
            self.problems.push((field.to_owned(), key));
        }
    }

    /// One cell or simple input of `kind` read from its text; `None` when it is left out.
    fn cell(&mut self, field: &str, input: String, kind: FieldType, s: &str) -> Option<Value> {
        if s.trim().is_empty() {
            return None;
        }
        match kind {
            FieldType::Number => match number(s) {
                Some(n) => serde_json::Number::from_f64(n).map(Value::Number),
                None => {
                    self.refuse(field, input, s, "not_a_number");
                    None
                }
            },
            FieldType::YesNo => match s {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            _ => Some(Value::String(s.to_owned())),
        }
    }

    /// The rows of a list field: each row's inputs `f.FIELD.N.COLUMN`; rows left empty are
    /// dropped.
    fn rows(&mut self, f: &Field, p: &Pairs) -> Value {
        let cols = columns_of(f);
        let mut rows = Vec::new();
        for n in 0..MAX_ROWS {
            let prefix = format!("f.{}.{n}.", f.id);
            if !p.0.iter().any(|(k, _)| k.starts_with(&prefix)) {
                continue;
            }
            let mut row = Map::new();
            for (c, kind) in &cols {
                let input = format!("{prefix}{c}");
                let typed = p.one(&input).to_owned();
                if let Some(v) = self.cell(&f.id, input, *kind, &typed) {
                    row.insert(c.clone(), v);
                }
            }
            if row.is_empty() {
                continue;
            }
            rows.push(match f.kind {
                FieldType::Persons => {
                    for c in ["name", "email", "role"] {
                        row.entry(c).or_insert_with(|| "".into());
                    }
                    Value::Object(row)
                }
                FieldType::Datasets => {
                    let vars: Vec<Value> = row
                        .get("variables")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .split([',', ' ', '\n', ';'])
                        .filter(|v| !v.trim().is_empty())
                        .map(|v| v.trim().into())
                        .collect();
                    let id = row.get("id").cloned().unwrap_or_else(|| "".into());
                    json!({"id": id, "variables": vars})
                }
                _ => Value::Object(row),
            });
        }
        if rows.is_empty() {
            Value::Null
        } else {
            Value::Array(rows)
        }
    }

    fn field(&mut self, f: &Field, p: &Pairs) -> Value {
        let name = format!("f.{}", f.id);
        let part = |k: &str| p.one(&format!("{name}.{k}")).trim().to_owned();
        match f.kind {
            FieldType::Text | FieldType::LongText | FieldType::Email | FieldType::Date => {
                text_or_null(p.one(&name))
            }
            FieldType::Choice => text_or_null(p.one(&name)),
            FieldType::Number | FieldType::YesNo => {
                let typed = p.one(&name).to_owned();
                self.cell(&f.id, name, f.kind, &typed)
                    .unwrap_or(Value::Null)
            }
            FieldType::MultiChoice | FieldType::Attachment => {
                let v = p.all(&name);
                if v.is_empty() { Value::Null } else { json!(v) }
            }
            FieldType::Period => {
                let (from, to) = (part("from"), part("to"));
                if from.is_empty() && to.is_empty() {
                    Value::Null
                } else {
                    json!({"from": from, "to": to})
                }
            }
            FieldType::Organisation => {
                let (n, cvr, country) = (part("name"), part("cvr"), part("country"));
                if n.is_empty() && cvr.is_empty() && country.is_empty() {
                    return Value::Null;
                }
                let cvr: String = cvr.chars().filter(|c| !c.is_whitespace()).collect();
                json!({"name": n, "cvr": (!cvr.is_empty()).then_some(cvr),
                       "country": country.to_ascii_uppercase()})
            }
            FieldType::Cohort => self.cohort(f, p),
            FieldType::Persons | FieldType::Datasets | FieldType::Table => self.rows(f, p),
        }
    }

    /// A saved cohort chosen from the list, or a definition written as JSON.
    fn cohort(&mut self, f: &Field, p: &Pairs) -> Value {
        let name = format!("f.{}", f.id);
        let chosen = p.one(&name);
        if chosen != "definition" {
            return text_or_null(chosen);
        }
        let input = format!("{name}.definition");
        let typed = p.one(&input).to_owned();
        match serde_json::from_str::<Value>(&typed) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                self.refuse(&f.id, input, &typed, "not_a_definition");
                Value::Null
            }
        }
    }
}

/// Reads the fields the page showed from its inputs.
pub fn read(form: &Form, pairs: &[(String, String)]) -> Read {
    let p = Pairs(pairs);
    let shown = p.all("shown");
    let mut out = Read::default();
    for f in form.fields().filter(|f| shown.contains(&f.id)) {
        let v = out.field(f, &p);
        let refused = out.problems.iter().any(|(x, _)| x == &f.id);
        // An answer the page could not read is left as it was, not removed.
        if !(refused && v.is_null()) {
            out.patch.insert(f.id.clone(), v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        let catalog = ork_catalog::load(&ork_catalog::Files::embedded(), None).unwrap();
        ork_rules::load(&ork_rules::rulebook::Files::embedded(), &catalog)
            .unwrap()
            .form
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn numbers_as_users_type_them() {
        assert_eq!(number("1234"), Some(1234.0));
        assert_eq!(number("1 234"), Some(1234.0));
        assert_eq!(number("1.234,5"), Some(1234.5));
        assert_eq!(number("2,5"), Some(2.5));
        assert_eq!(number("1,234.5"), Some(1234.5));
        assert_eq!(number("12a"), None);
        assert_eq!(number("inf"), None);
    }

    #[test]
    fn only_shown_fields_are_read_and_empty_ones_removed() {
        let r = read(
            &form(),
            &pairs(&[
                ("shown", "project_title"),
                ("f.project_title", "Lungekræft"),
                ("shown", "purpose"),
                ("f.purpose", "  "),
                ("f.internal_reference", "not shown, not read"),
            ]),
        );
        assert_eq!(r.patch["project_title"], "Lungekræft");
        assert_eq!(r.patch["purpose"], Value::Null);
        assert!(!r.patch.contains_key("internal_reference"));
        assert!(r.problems.is_empty());
    }

    #[test]
    fn composite_fields_take_the_api_shapes() {
        let f = form();
        let r = read(
            &f,
            &pairs(&[
                ("shown", "project_period"),
                ("f.project_period.from", "2027-01-01"),
                ("f.project_period.to", "2029-12-31"),
                ("shown", "institution"),
                ("f.institution.name", "Aarhus Universitet"),
                ("f.institution.cvr", "3111 9103"),
                ("f.institution.country", "dk"),
                ("shown", "users"),
                ("f.users.0.name", "Ida Holm"),
                ("f.users.0.email", "ida@example.dk"),
                ("f.users.0.role", "analytiker"),
                ("f.users.1.name", ""),
                ("f.users.1.email", ""),
                ("f.users.1.role", ""),
                ("shown", "processing_basis"),
                ("f.processing_basis", "research"),
                ("shown", "data_description"),
                ("f.data_description.0.id", "lpr"),
                ("f.data_description.0.variables", "diag.code, diag.date"),
                ("shown", "third_parties"),
                ("f.third_parties", "false"),
            ]),
        );
        assert_eq!(
            r.patch["project_period"],
            json!({"from": "2027-01-01", "to": "2029-12-31"})
        );
        assert_eq!(
            r.patch["institution"],
            json!({"name": "Aarhus Universitet", "cvr": "31119103", "country": "DK"})
        );
        assert_eq!(
            r.patch["users"],
            json!([{"name": "Ida Holm", "email": "ida@example.dk", "role": "analytiker"}])
        );
        assert_eq!(r.patch["processing_basis"], json!(["research"]));
        assert_eq!(
            r.patch["data_description"],
            json!([{"id": "lpr", "variables": ["diag.code", "diag.date"]}])
        );
        assert_eq!(r.patch["third_parties"], json!(false));
        for (k, v) in &r.patch {
            assert!(
                ork_rules::form::fits(f.field(k).unwrap(), v),
                "{k} has its API shape"
            );
        }
    }

    #[test]
    fn what_cannot_take_a_shape_is_kept_as_typed_not_saved() {
        let r = read(
            &form(),
            &pairs(&[
                ("shown", "participant_count"),
                ("f.participant_count", "tolv"),
                ("shown", "population"),
                ("f.population", "definition"),
                ("f.population.definition", "{not json"),
            ]),
        );
        assert!(r.patch.is_empty(), "{:?}", r.patch);
        assert_eq!(r.raw["f.participant_count"], "tolv");
        assert_eq!(r.raw["f.population.definition"], "{not json");
        assert_eq!(
            r.problems,
            vec![
                ("population".to_owned(), "not_a_definition"),
                ("participant_count".to_owned(), "not_a_number")
            ]
        );
    }
}

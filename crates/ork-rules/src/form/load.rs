//! Reading `form.toml` and checking it, every problem with its line.

use super::{Choice, Column, Condition, CrossRule, DateRef, Field, FieldType, Form, Section};
use crate::rulebook::{TRAITS, line_of};
use ork_catalog::Text;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;

const FILE: &str = "form.toml";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    section: Vec<RawSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    field: Spanned<String>,
    check: Spanned<String>,
    than: Spanned<String>,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    id: Spanned<String>,
    title: Text,
    #[serde(default)]
    field: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    value: Spanned<String>,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    required: bool,
    min: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    options: Vec<RawChoice>,
    da: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: Spanned<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    required: bool,
    min: Option<f64>,
    max: Option<f64>,
    pattern: Option<Spanned<String>>,
    pattern_hint: Option<Text>,
    label: Text,
    help: Text,
    #[serde(default)]
    options: Vec<RawChoice>,
    #[serde(default)]
    columns: Vec<RawColumn>,
    visible: Option<Spanned<toml::Value>>,
}

/// Collects problems as `form.toml:LINE: message`.
struct Problems<'a> {
    text: &'a str,
    list: Vec<String>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, msg: impl Into<String>) {
        self.list.push(format!(
            "{FILE}:{}: {}",
            line_of(self.text, span.start),
            msg.into()
        ));
    }
}

fn is_id(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn written(t: &Text) -> bool {
    !t.da.trim().is_empty() && !t.en.trim().is_empty()
}

/// Reads and checks the form; `steps` are the rulebook's step ids (conditions may name them).
pub fn load(text: &str, steps: &BTreeSet<String>) -> Result<Form, Vec<String>> {
    let raw: RawForm =
        toml::from_str(text).map_err(|e| vec![format!("{FILE}: {}", e.to_string().trim_end())])?;
    let mut p = Problems {
        text,
        list: Vec::new(),
    };
    let mut sections = Vec::new();
    let mut seen: Vec<Field> = Vec::new();
    let mut section_ids = BTreeSet::new();
    for s in raw.section {
        if !is_id(s.id.get_ref()) || !section_ids.insert(s.id.get_ref().clone()) {
            p.at(
                s.id.span(),
                format!("section id {:?} is not a new snake_case id", s.id.get_ref()),
            );
        }
        if !written(&s.title) {
            p.at(s.id.span(), "the section's title needs both languages");
        }
        let mut fields = Vec::new();
        for f in s.field {
            if let Some(field) = field(&mut p, f, &seen, steps) {
                seen.push(field.clone());
                fields.push(field);
            }
        }
        sections.push(Section {
            id: s.id.into_inner(),
            title: s.title,
            fields,
        });
    }
    let mut rules = Vec::new();
    let mut rule_ids = BTreeSet::new();
    for r in raw.rule {
        if !rule_ids.insert(r.id.get_ref().clone()) || !is_id(r.id.get_ref()) {
            p.at(
                r.id.span(),
                format!("rule id {:?} is not a new snake_case id", r.id.get_ref()),
            );
        }
        let field = date_ref(&mut p, &r.field, &seen);
        let than = date_ref(&mut p, &r.than, &seen);
        let not_after = match r.check.get_ref().as_str() {
            "not_after" => true,
            "not_before" => false,
            other => {
                p.at(
                    r.check.span(),
                    format!("check {other:?} is not not_before or not_after"),
                );
                false
            }
        };
        let text = Text::new(r.da, r.en);
        if !written(&text) {
            p.at(r.id.span(), "the rule's message needs both languages");
        }
        if let (Some(field), Some(than)) = (field, than) {
            rules.push(CrossRule {
                id: r.id.into_inner(),
                field,
                not_after,
                than,
                text,
            });
        }
    }
    if p.list.is_empty() {
        Ok(Form { sections, rules })
    } else {
        Err(p.list)
    }
}

/// `FIELD` (a date) or `FIELD.from` / `FIELD.to` (a period).
fn date_ref(p: &mut Problems, s: &Spanned<String>, fields: &[Field]) -> Option<DateRef> {
    let (id, end) = match s.get_ref().split_once('.') {
        Some((id, "from")) => (id, Some(false)),
        Some((id, "to")) => (id, Some(true)),
        Some(_) => {
            p.at(
                s.span(),
                format!("{:?}: a period's end is .from or .to", s.get_ref()),
            );
            return None;
        }
        None => (s.get_ref().as_str(), None),
    };
    let Some(f) = fields.iter().find(|f| f.id == id) else {
        p.at(s.span(), format!("field {id:?} is not in the form"));
        return None;
    };
    match (f.kind, end) {
        (FieldType::Date, None) | (FieldType::Period, Some(_)) => Some(DateRef {
            field: id.to_owned(),
            end,
        }),
        _ => {
            p.at(
                s.span(),
                format!(
                    "{:?} is neither a date field nor a period's .from/.to",
                    s.get_ref()
                ),
            );
            None
        }
    }
}

fn choices(
    p: &mut Problems,
    at: &Range<usize>,
    raw: Vec<RawChoice>,
    kind: FieldType,
) -> Vec<Choice> {
    let takes = matches!(kind, FieldType::Choice | FieldType::MultiChoice);
    if takes && raw.is_empty() {
        p.at(at.clone(), format!("a {} needs options", kind.code()));
    }
    if !takes && !raw.is_empty() {
        p.at(at.clone(), format!("a {} has no options", kind.code()));
    }
    let mut values = BTreeSet::new();
    let mut out = Vec::new();
    for o in raw {
        if !values.insert(o.value.get_ref().clone()) || o.value.get_ref().trim().is_empty() {
            p.at(
                o.value.span(),
                format!("option {:?} is empty or repeated", o.value.get_ref()),
            );
        }
        let label = Text::new(o.da, o.en);
        if !written(&label) {
            p.at(o.value.span(), "the option's label needs both languages");
        }
        out.push(Choice {
            value: o.value.into_inner(),
            label,
        });
    }
    out
}

fn bounds(
    p: &mut Problems,
    at: &Range<usize>,
    kind: FieldType,
    min: Option<f64>,
    max: Option<f64>,
) {
    if min.is_none() && max.is_none() {
        return;
    }
    match kind.bounds() {
        None => p.at(at.clone(), format!("a {} takes no min or max", kind.code())),
        Some(b) => {
            let whole = |v: Option<f64>| v.is_none_or(|v| v >= 0.0 && v.fract() == 0.0);
            if b != super::Bound::Value && !(whole(min) && whole(max)) {
                p.at(
                    at.clone(),
                    "min and max are whole numbers, not below 0, here",
                );
            }
            if let (Some(a), Some(b)) = (min, max)
                && a > b
            {
                p.at(at.clone(), format!("min {a} is above max {b}"));
            }
        }
    }
}

fn kind_of(p: &mut Problems, s: &Spanned<String>) -> Option<FieldType> {
    let k = FieldType::parse(s.get_ref());
    if k.is_none() {
        let known: Vec<&str> = FieldType::ALL.iter().map(|t| t.code()).collect();
        p.at(
            s.span(),
            format!("type {:?} is not one of {}", s.get_ref(), known.join(", ")),
        );
    }
    k
}

/// A table's columns (and a problem when a table has none or another type has some).
fn columns(
    p: &mut Problems,
    at: &Range<usize>,
    kind: FieldType,
    raw: Vec<RawColumn>,
) -> Vec<Column> {
    let mut columns = Vec::new();
    if kind == FieldType::Table && raw.is_empty() {
        p.at(at.clone(), "a table needs columns");
    }
    if kind != FieldType::Table && !raw.is_empty() {
        p.at(at.clone(), format!("a {} has no columns", kind.code()));
    }
    for c in raw {
        let cat = c.id.span();
        let Some(ck) = kind_of(p, &c.kind) else {
            continue;
        };
        if !ck.in_table() {
            p.at(
                c.kind.span(),
                format!("a table's column cannot be a {}", ck.code()),
            );
        }
        if !is_id(c.id.get_ref()) || columns.iter().any(|x: &Column| &x.id == c.id.get_ref()) {
            p.at(
                cat.clone(),
                format!("column id {:?} is not a new snake_case id", c.id.get_ref()),
            );
        }
        bounds(p, &cat, ck, c.min, c.max);
        let label = Text::new(c.da, c.en);
        if !written(&label) {
            p.at(cat.clone(), "the column's label needs both languages");
        }
        columns.push(Column {
            id: c.id.into_inner(),
            kind: ck,
            required: c.required,
            min: c.min,
            max: c.max,
            options: choices(p, &cat, c.options, ck),
            label,
        });
    }
    columns
}

fn field(p: &mut Problems, f: RawField, seen: &[Field], steps: &BTreeSet<String>) -> Option<Field> {
    let at = f.id.span();
    let id = f.id.get_ref();
    if !is_id(id) || seen.iter().any(|s| &s.id == id) {
        p.at(
            at.clone(),
            format!("field id {id:?} is not a new snake_case id"),
        );
    }
    let kind = kind_of(p, &f.kind)?;
    if !written(&f.label) || !written(&f.help) {
        p.at(
            at.clone(),
            format!("field {id:?}: label and help need both languages"),
        );
    }
    bounds(p, &at, kind, f.min, f.max);
    let options = choices(p, &at, f.options, kind);
    let pattern = match (&f.pattern, kind) {
        (None, _) => None,
        (Some(pat), FieldType::Text | FieldType::LongText) => {
            if f.pattern_hint.as_ref().is_none_or(|h| !written(h)) {
                p.at(
                    pat.span(),
                    "a pattern needs a pattern_hint in both languages",
                );
            }
            match regex::Regex::new(pat.get_ref()) {
                Ok(r) => Some(r),
                Err(e) => {
                    p.at(pat.span(), format!("the pattern does not compile: {e}"));
                    None
                }
            }
        }
        (Some(pat), k) => {
            p.at(pat.span(), format!("a {} takes no pattern", k.code()));
            None
        }
    };
    let columns = columns(p, &at, kind, f.columns);
    let visible = f.visible.and_then(|v| {
        let span = v.span();
        condition(v.get_ref(), seen, steps)
            .map_err(|e| p.at(span, e))
            .ok()
    });
    Some(Field {
        id: f.id.into_inner(),
        kind,
        required: f.required,
        label: f.label,
        help: f.help,
        min: f.min,
        max: f.max,
        pattern,
        pattern_hint: f.pattern_hint,
        options,
        columns,
        visible,
    })
}

/// A visibility condition: `{ all = […] }`, `{ any = […] }`, `{ not = {…} }`,
/// `{ step = "RULE" }`, `{ trait = "TRAIT" }`, or on an earlier field
/// `{ field = "ID", equals = V }`, `{ field = "ID", includes = "OPTION" }`,
/// `{ field = "ID", answered = true }`.
fn condition(
    v: &toml::Value,
    seen: &[Field],
    steps: &BTreeSet<String>,
) -> Result<Condition, String> {
    let t = v.as_table().ok_or("a condition is a table")?;
    let list = |x: &toml::Value| -> Result<Vec<Condition>, String> {
        let items = x
            .as_array()
            .ok_or("all and any take a list of conditions")?;
        if items.is_empty() {
            return Err("all and any need at least one condition".into());
        }
        items.iter().map(|c| condition(c, seen, steps)).collect()
    };
    let keys: Vec<&str> = t.keys().map(String::as_str).collect();
    let text = |k: &str| {
        t.get(k)
            .and_then(toml::Value::as_str)
            .ok_or(format!("{k} takes a string"))
    };
    match keys.as_slice() {
        ["all"] => Ok(Condition::All(list(&t["all"])?)),
        ["any"] => Ok(Condition::Any(list(&t["any"])?)),
        ["not"] => Ok(Condition::Not(Box::new(condition(&t["not"], seen, steps)?))),
        ["step"] => {
            let s = text("step")?;
            if steps.contains(s) {
                Ok(Condition::Step(s.to_owned()))
            } else {
                Err(format!("step {s:?} is not a step of the rulebook"))
            }
        }
        ["trait"] => {
            let s = text("trait")?;
            if TRAITS.contains(&s) {
                Ok(Condition::Trait(s.to_owned()))
            } else {
                Err(format!("trait {s:?} is not one of {}", TRAITS.join(", ")))
            }
        }
        _ if keys.len() == 2 && t.contains_key("field") => {
            let id = text("field")?;
            let f = seen.iter().find(|f| f.id == id).ok_or(format!(
                "a condition can only name an earlier field; {id:?} is not one"
            ))?;
            field_condition(f, t)
        }
        _ => Err(format!(
            "a condition is one of all, any, not, step, trait, or field with equals, includes or answered; not {}",
            keys.join(" + ")
        )),
    }
}

fn field_condition(f: &Field, t: &toml::Table) -> Result<Condition, String> {
    let has = |o: &str| f.options.iter().any(|c| c.value == o);
    if let Some(v) = t.get("equals") {
        let json = match (f.kind, v) {
            (FieldType::YesNo, toml::Value::Boolean(b)) => serde_json::Value::Bool(*b),
            (FieldType::Choice, toml::Value::String(s)) if has(s.as_str()) => s.as_str().into(),
            (FieldType::Text | FieldType::Email, toml::Value::String(s)) => s.as_str().into(),
            (FieldType::Number, toml::Value::Integer(i)) => (*i).into(),
            _ => {
                return Err(format!(
                    "equals {v} does not fit the {} field {:?}",
                    f.kind.code(),
                    f.id
                ));
            }
        };
        return Ok(Condition::Equals(f.id.clone(), json));
    }
    if let Some(v) = t.get("includes") {
        return match (f.kind, v.as_str()) {
            (FieldType::MultiChoice, Some(o)) if has(o) => {
                Ok(Condition::Includes(f.id.clone(), o.to_owned()))
            }
            _ => Err(format!(
                "includes {v} does not name an option of a multi_choice field"
            )),
        };
    }
    if t.get("answered") == Some(&toml::Value::Boolean(true)) {
        return Ok(Condition::Answered(f.id.clone()));
    }
    Err("a field condition takes equals, includes or answered = true".into())
}

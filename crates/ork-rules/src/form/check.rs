//! The form's rules, in one place: which fields are visible for the answers so far, the
//! need's traits and the frozen roadmap; which answers are required, well formed and within
//! bounds; the rules between fields; and what each step's authority receives.

use super::answer::Problem;
use super::{Answer, Bound, CohortRef, Column, Condition, DateRef, Field, FieldType, Form};
use crate::messages::message;
use crate::rulebook::Step;
use ork_catalog::Catalog;
use ork_domain::{Email, Lang};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Why a cohort reference is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CohortProblem {
    /// No saved cohort of this id that the applicant may use.
    Unknown,
    /// The definition breaks the cohort language: the parser's message in both languages.
    Invalid { da: String, en: String },
}

/// What the form cannot know itself: the saved cohorts and uploads the caller may use.
pub trait References {
    fn cohort(&self, cohort: &CohortRef) -> Result<(), CohortProblem>;
    fn upload(&self, id: &str) -> bool;
}

/// What answers are checked against.
pub struct Context<'a> {
    /// The rules of the steps in the (frozen) roadmap.
    pub steps: BTreeSet<&'a str>,
    /// The need's traits.
    pub traits: &'a BTreeMap<String, bool>,
    pub catalog: &'a Catalog,
    pub refs: &'a dyn References,
}

/// One problem with one answer, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The field's id.
    pub field: String,
    /// Where in the field, for a table's cell (`ROW.COLUMN`, rows from 1).
    pub at: Option<String>,
    /// A stable code: a message key (`required`, `too_long`…) or a rule's id.
    pub code: String,
    pub da: String,
    pub en: String,
}

impl FormError {
    fn new(field: &str, (code, args): Problem) -> Self {
        let args: Vec<(&str, &dyn std::fmt::Display)> = args
            .iter()
            .map(|(k, v)| (*k, v as &dyn std::fmt::Display))
            .collect();
        let (da, en) = message(&format!("form.{code}"), &args);
        Self {
            field: field.to_owned(),
            at: None,
            code: code.to_owned(),
            da,
            en,
        }
    }

    /// A message whose one placeholder `key` differs by language (a hint, a parser's text).
    fn localised(field: &str, code: &str, key: &str, da: &str, en: &str) -> Self {
        let k = format!("form.{code}");
        Self {
            field: field.to_owned(),
            at: None,
            code: code.to_owned(),
            da: message(&k, &[(key, &da)]).0,
            en: message(&k, &[(key, &en)]).1,
        }
    }

    #[must_use]
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.da, &self.en)
    }
}

/// Answers to fields the form does not have (the API refuses them, naming them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFields(pub Vec<String>);

/// The answers checked against the form.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The ids of the fields shown.
    pub visible: BTreeSet<String>,
    /// What a draft keeps: the answers to visible fields as given, valid or not (a hidden
    /// field's answer is not kept).
    pub kept: Map<String, Value>,
    /// The answers to visible fields that passed every check.
    pub answers: BTreeMap<String, Answer>,
    /// In the form's order; empty when the application can be submitted.
    pub errors: Vec<FormError>,
}

fn unanswered(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn holds(c: &Condition, kept: &Map<String, Value>, ctx: &Context) -> bool {
    match c {
        Condition::All(v) => v.iter().all(|c| holds(c, kept, ctx)),
        Condition::Any(v) => v.iter().any(|c| holds(c, kept, ctx)),
        Condition::Not(c) => !holds(c, kept, ctx),
        Condition::Step(s) => ctx.steps.contains(s.as_str()),
        Condition::Trait(t) => ctx.traits.get(t) == Some(&true),
        Condition::Equals(f, v) => kept.get(f) == Some(v),
        Condition::Includes(f, o) => kept
            .get(f)
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(o))),
        Condition::Answered(f) => kept.contains_key(f),
    }
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

/// `n` against the column's bounds as `bound` counts them.
fn within(c: &Column, bound: Bound, n: f64) -> Result<(), Problem> {
    let (low, high) = match bound {
        Bound::Length => ("too_short", "too_long"),
        Bound::Value => ("below_min", "above_max"),
        Bound::Days => ("period_too_short", "period_too_long"),
        Bound::Items => ("too_few", "too_many"),
    };
    if let Some(min) = c.min
        && n < min
    {
        return Err((low, vec![("min", num(min))]));
    }
    if let Some(max) = c.max
        && n > max
    {
        return Err((high, vec![("max", num(max))]));
    }
    Ok(())
}

fn options(c: &Column, values: &[&str]) -> Result<(), Problem> {
    let mut seen = BTreeSet::new();
    for v in values {
        if !seen.insert(*v) {
            return Err(("repeated", vec![("value", (*v).to_owned())]));
        }
        if !c.options.iter().any(|o| o.value == *v) {
            let known: Vec<&str> = c.options.iter().map(|o| o.value.as_str()).collect();
            return Err((
                "not_an_option",
                vec![
                    ("value", v.chars().take(60).collect()),
                    ("options", known.join(", ")),
                ],
            ));
        }
    }
    Ok(())
}

/// The checks a column (or a field as one) makes on an answer already read.
fn column_checks(c: &Column, a: &Answer) -> Result<(), Problem> {
    match (c.kind, a) {
        (FieldType::Choice, Answer::Text(s)) => options(c, &[s]),
        (FieldType::Email, Answer::Text(s)) => {
            within(c, Bound::Length, s.chars().count() as f64)?;
            Email::parse(s.trim()).map(drop).map_err(|_| {
                (
                    "invalid_email",
                    vec![("value", s.chars().take(60).collect())],
                )
            })
        }
        (_, Answer::Text(s)) => within(c, Bound::Length, s.trim().chars().count() as f64),
        (_, Answer::Number(n)) => within(c, Bound::Value, *n),
        (_, Answer::Period { from, to }) => {
            within(c, Bound::Days, (*to - *from).whole_days() as f64)
        }
        (_, Answer::Choices(v)) => {
            within(c, Bound::Items, v.len() as f64)?;
            options(c, &v.iter().map(String::as_str).collect::<Vec<_>>())
        }
        (_, Answer::Persons(v)) => within(c, Bound::Items, v.len() as f64),
        (_, Answer::Datasets(v)) => within(c, Bound::Items, v.len() as f64),
        (_, Answer::Attachments(v)) => within(c, Bound::Items, v.len() as f64),
        (_, Answer::Table(v)) => within(c, Bound::Items, v.len() as f64),
        _ => Ok(()),
    }
}

/// The checks that need the catalog or the caller's references.
fn reference_checks(field: &str, a: &Answer, ctx: &Context) -> Result<(), FormError> {
    if let Answer::Cohort(c) = a
        && let Err(CohortProblem::Invalid { da, en }) = ctx.refs.cohort(c)
    {
        return Err(FormError::localised(
            field,
            "invalid_cohort",
            "detail",
            &da,
            &en,
        ));
    }
    catalog_checks(a, ctx).map_err(|p| FormError::new(field, p))
}

fn catalog_checks(a: &Answer, ctx: &Context) -> Result<(), Problem> {
    match a {
        Answer::Attachments(ids) => match ids.iter().find(|id| !ctx.refs.upload(id)) {
            Some(id) => Err((
                "unknown_upload",
                vec![("id", id.chars().take(60).collect())],
            )),
            None => Ok(()),
        },
        Answer::Cohort(c) => match ctx.refs.cohort(c) {
            Err(CohortProblem::Unknown) => Err(("unknown_cohort", vec![])),
            _ => Ok(()),
        },
        Answer::Datasets(list) => {
            let mut seen = BTreeSet::new();
            for d in list {
                if !seen.insert(&d.id) {
                    return Err(("repeated", vec![("value", d.id.clone())]));
                }
                let Some(source) = ctx.catalog.source(&d.id) else {
                    return Err((
                        "unknown_dataset",
                        vec![("id", d.id.chars().take(60).collect())],
                    ));
                };
                for v in &d.variables {
                    let known = v.split_once('.').is_some_and(|(t, name)| {
                        source
                            .tables
                            .iter()
                            .any(|x| x.name == t && x.variables.iter().any(|y| y.name == name))
                    });
                    if !known {
                        return Err((
                            "unknown_variable",
                            vec![
                                ("variable", v.chars().take(80).collect()),
                                ("dataset", d.id.clone()),
                            ],
                        ));
                    }
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A table's rows, each cell read and checked with its column.
fn table(f: &Field, v: &Value) -> Result<Vec<BTreeMap<String, Answer>>, Vec<FormError>> {
    let rows = Answer::rows(v, &f.columns).map_err(|p| vec![FormError::new(&f.id, p)])?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut cells = BTreeMap::new();
        for c in &f.columns {
            let read = match row.get(&c.id).filter(|v| !unanswered(v)) {
                None if c.required => Err(("required", vec![])),
                None => continue,
                Some(v) => Answer::read(c.kind, v).and_then(|a| column_checks(c, &a).map(|()| a)),
            };
            match read {
                Ok(a) => {
                    cells.insert(c.id.clone(), a);
                }
                Err(p) => {
                    let inner = FormError::new(&f.id, p);
                    let row_no = (i + 1).to_string();
                    let fill = |label: &str, problem: &str| {
                        let args: [(&str, &dyn std::fmt::Display); 3] =
                            [("row", &row_no), ("column", &label), ("problem", &problem)];
                        message("form.in_row", &args)
                    };
                    errors.push(FormError {
                        at: Some(format!("{}.{}", i + 1, c.id)),
                        da: fill(&c.label.da, &inner.da).0,
                        en: fill(&c.label.en, &inner.en).1,
                        ..inner
                    });
                }
            }
        }
        out.push(cells);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

impl Form {
    /// The ids in `answers` that are not fields of the form.
    pub fn unknown(&self, answers: &Map<String, Value>) -> Option<UnknownFields> {
        let v: Vec<String> = answers
            .keys()
            .filter(|k| self.field(k).is_none())
            .cloned()
            .collect();
        (!v.is_empty()).then_some(UnknownFields(v))
    }

    /// Checks every answer: visibility in the form's order (a condition sees only earlier,
    /// visible answers), then each visible field's own rules, then the rules between fields.
    pub fn check(&self, answers: &Map<String, Value>, ctx: &Context) -> Checked {
        let mut out = Checked::default();
        for f in self.fields() {
            if !f.visible.as_ref().is_none_or(|c| holds(c, &out.kept, ctx)) {
                continue;
            }
            out.visible.insert(f.id.clone());
            let Some(v) = answers.get(&f.id).filter(|v| !unanswered(v)) else {
                if f.required {
                    out.errors.push(FormError::new(&f.id, ("required", vec![])));
                }
                continue;
            };
            out.kept.insert(f.id.clone(), v.clone());
            match self.answer(f, v, ctx) {
                Ok(a) => {
                    out.answers.insert(f.id.clone(), a);
                }
                Err(mut e) => out.errors.append(&mut e),
            }
        }
        for r in &self.rules {
            let (Some(a), Some(b)) = (end(&out.answers, &r.field), end(&out.answers, &r.than))
            else {
                continue;
            };
            if (r.not_after && a > b) || (!r.not_after && a < b) {
                out.errors.push(FormError {
                    field: r.field.field.clone(),
                    at: None,
                    code: r.id.clone(),
                    da: r.text.da.clone(),
                    en: r.text.en.clone(),
                });
            }
        }
        out
    }

    fn answer(&self, f: &Field, v: &Value, ctx: &Context) -> Result<Answer, Vec<FormError>> {
        let one = |p| vec![FormError::new(&f.id, p)];
        let mut a = Answer::read(f.kind, v).map_err(one)?;
        if f.kind == FieldType::Table {
            a = Answer::Table(table(f, v)?);
        }
        column_checks(&f.as_column(), &a).map_err(one)?;
        if let (Some(re), Answer::Text(s)) = (&f.pattern, &a)
            && !re.is_match(s)
        {
            let hint = f.pattern_hint.clone().unwrap_or_default();
            let e = FormError::localised(&f.id, "pattern", "hint", &hint.da, &hint.en);
            return Err(vec![e]);
        }
        reference_checks(&f.id, &a, ctx).map_err(|e| vec![e])?;
        Ok(a)
    }

    /// What the authority of `step` receives: exactly the answers its rule's `form_fields`
    /// name (data minimisation), of those given.
    pub fn deliver(step: &Step, answers: &BTreeMap<String, Answer>) -> BTreeMap<String, Answer> {
        answers
            .iter()
            .filter(|(k, _)| step.form_fields.iter().any(|f| f == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// A date a rule compares: a date answer, or a period's end.
fn end(answers: &BTreeMap<String, Answer>, r: &DateRef) -> Option<time::Date> {
    match (answers.get(&r.field)?, r.end) {
        (Answer::Date(d), None) => Some(*d),
        (Answer::Period { from, .. }, Some(false)) => Some(*from),
        (Answer::Period { to, .. }, Some(true)) => Some(*to),
        _ => None,
    }
}

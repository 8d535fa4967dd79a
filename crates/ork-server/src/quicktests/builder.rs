//! The cohort builder's form as data: rows of criteria (kind, codes, dates, counts, sub-rows),
//! the population and the breakdown, turned into a cohort definition
//! (`docs/cohort-language.md`) and back, so a saved or shared cohort opens in the builder.

use ork_quicktest::codes::System;
use serde_json::{Map, Value, json};

/// The kinds a criterion row can be, in the order of the select.
pub const KINDS: [&str; 11] = [
    "diagnosis",
    "procedure",
    "prescription",
    "cancer",
    "death",
    "lab",
    "biobank",
    "education",
    "income",
    "sequence",
    "any",
];

/// The kinds that are events (they take codes and can be in a sequence or a group).
pub(super) const EVENT_KINDS: [&str; 7] = [
    "diagnosis",
    "procedure",
    "prescription",
    "cancer",
    "death",
    "lab",
    "biobank",
];

pub(super) fn code_key(kind: &str) -> &'static str {
    match kind {
        "prescription" => "atc",
        "cancer" => "icd10",
        "lab" => "npu",
        _ => "codes",
    }
}

pub(super) fn system_of(kind: &str) -> Option<System> {
    match kind {
        "diagnosis" | "cancer" | "death" => Some(System::Icd10),
        "procedure" => Some(System::Sks),
        "prescription" => Some(System::Atc),
        "lab" => Some(System::Npu),
        _ => None,
    }
}

pub(super) fn list_id(kind: &str) -> &'static str {
    match system_of(kind) {
        Some(System::Icd10) => "codes-icd10",
        Some(System::Sks) => "codes-sks",
        Some(System::Atc) => "codes-atc",
        Some(System::Npu) => "codes-npu",
        None => "",
    }
}

/// One event inside a group ("one of").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sub {
    pub kind: String,
    pub codes: String,
}

/// One criterion row of the form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    pub kind: String,
    pub not: bool,
    pub codes: String,
    pub types: Vec<String>,
    pub from: String,
    pub to: String,
    pub min_count: String,
    pub min: String,
    pub max: String,
    pub levels: String,
    pub year: String,
    /// A sequence's first event kind (its codes are `codes`).
    pub first_kind: String,
    pub then_kind: String,
    pub then_codes: String,
    pub min_days: String,
    pub max_days: String,
    pub subs: Vec<Sub>,
}

/// The whole form.
#[derive(Debug, Clone, PartialEq)]
pub struct Builder {
    pub alive_on: String,
    pub age_from: String,
    pub age_to: String,
    pub sex: String,
    pub regions: Vec<String>,
    pub combine: String,
    pub rows: Vec<Row>,
    pub breakdown: Vec<String>,
    pub name: String,
    pub shared: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            alive_on: "2020-01-01".into(),
            age_from: String::new(),
            age_to: String::new(),
            sex: String::new(),
            regions: Vec::new(),
            combine: "all".into(),
            rows: vec![Row {
                kind: "diagnosis".into(),
                ..Row::default()
            }],
            breakdown: vec!["sex".into(), "age_band".into()],
            name: String::new(),
            shared: false,
        }
    }
}

pub(super) fn codes_of(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|x| !x.is_empty())
        .map(|x| x.trim().to_uppercase())
        .collect()
}

fn put_str(m: &mut Map<String, Value>, k: &str, v: &str) {
    if !v.trim().is_empty() {
        m.insert(k.into(), Value::String(v.trim().to_owned()));
    }
}

/// A number as typed, as JSON (a number when it reads as one, else the text, so that the
/// definition's checker names it).
fn put_num(m: &mut Map<String, Value>, k: &str, v: &str) {
    let v = v.trim();
    if v.is_empty() {
        return;
    }
    let n = v
        .parse::<i64>()
        .map(Value::from)
        .or_else(|_| v.replace(',', ".").parse::<f64>().map(Value::from))
        .unwrap_or_else(|_| Value::String(v.to_owned()));
    m.insert(k.into(), n);
}

fn event_json(kind: &str, codes: &str, r: Option<&Row>) -> Value {
    let mut m = Map::new();
    let codes = codes_of(codes);
    // Death takes codes only when some are given; biobank takes none.
    if kind != "biobank" && (!codes.is_empty() || kind != "death") {
        m.insert(code_key(kind).into(), json!(codes));
    }
    if let Some(r) = r {
        if (kind == "diagnosis" || kind == "biobank") && !r.types.is_empty() {
            m.insert("types".into(), json!(r.types));
        }
        put_str(&mut m, "from", &r.from);
        put_str(&mut m, "to", &r.to);
        if kind != "death" {
            put_num(&mut m, "min_count", &r.min_count);
        }
        if kind == "lab" {
            put_num(&mut m, "min", &r.min);
            put_num(&mut m, "max", &r.max);
        }
    }
    json!({ kind: Value::Object(m) })
}

impl Row {
    fn json(&self) -> Value {
        let inner = match self.kind.as_str() {
            "education" => {
                let mut m = Map::new();
                let levels: Vec<Value> = codes_of(&self.levels)
                    .iter()
                    .map(|l| l.parse::<i64>().map_or(json!(l), Value::from))
                    .collect();
                m.insert("levels".into(), Value::Array(levels));
                put_num(&mut m, "year", &self.year);
                json!({"education": m})
            }
            "income" => {
                let mut m = Map::new();
                put_num(&mut m, "min", &self.min);
                put_num(&mut m, "max", &self.max);
                put_num(&mut m, "year", &self.year);
                json!({"income": m})
            }
            "sequence" => {
                let mut m = Map::new();
                m.insert(
                    "first".into(),
                    event_json(&self.first_kind, &self.codes, None),
                );
                m.insert(
                    "then".into(),
                    event_json(&self.then_kind, &self.then_codes, None),
                );
                put_num(&mut m, "min_days", &self.min_days);
                put_num(&mut m, "max_days", &self.max_days);
                json!({"sequence": m})
            }
            "any" => {
                json!({"any": self.subs.iter().map(|s| event_json(&s.kind, &s.codes, None)).collect::<Vec<_>>()})
            }
            k => event_json(k, &self.codes, Some(self)),
        };
        if self.not {
            json!({"not": inner})
        } else {
            inner
        }
    }
}

impl Builder {
    /// The definition the form describes, as the cohort language's JSON.
    pub fn definition(&self) -> Value {
        let mut pop = Map::new();
        put_str(&mut pop, "alive_on", &self.alive_on);
        if !self.age_from.trim().is_empty() || !self.age_to.trim().is_empty() {
            let mut a = Map::new();
            let or = |v: &str, d: &'static str| {
                if v.trim().is_empty() {
                    d.to_owned()
                } else {
                    v.to_owned()
                }
            };
            put_num(&mut a, "lo", &or(&self.age_from, "0"));
            put_num(&mut a, "hi", &or(&self.age_to, "130"));
            pop.insert("age".into(), json!([a["lo"], a["hi"]]));
        }
        put_str(&mut pop, "sex", &self.sex);
        if !self.regions.is_empty() {
            pop.insert("regions".into(), json!(self.regions));
        }
        let mut d = Map::new();
        d.insert("population".into(), Value::Object(pop));
        if !self.rows.is_empty() {
            let parts: Vec<Value> = self.rows.iter().map(Row::json).collect();
            let op = if self.combine == "any" { "any" } else { "all" };
            d.insert("criteria".into(), json!({ op: parts }));
        }
        d.insert("breakdown".into(), json!(self.breakdown));
        Value::Object(d)
    }

    /// Reads the form's fields (`c{i}_…` for row i, `c{i}_s{j}_…` for its group's events).
    pub fn from_form(pairs: &[(String, String)]) -> Self {
        let mut b = Builder {
            rows: Vec::new(),
            breakdown: Vec::new(),
            ..Builder::default()
        };
        let mut rows: std::collections::BTreeMap<usize, Row> = Default::default();
        for (k, v) in pairs {
            match k.as_str() {
                "alive_on" => b.alive_on = v.clone(),
                "age_from" => b.age_from = v.clone(),
                "age_to" => b.age_to = v.clone(),
                "sex" => b.sex = v.clone(),
                "regions" => b.regions.push(v.clone()),
                "combine" => b.combine = v.clone(),
                "breakdown" => b.breakdown.push(v.clone()),
                "name" => b.name = v.clone(),
                "shared" => b.shared = true,
                _ => {
                    let Some(rest) = k.strip_prefix('c') else {
                        continue;
                    };
                    let Some((i, field)) = rest.split_once('_') else {
                        continue;
                    };
                    let Ok(i) = i.parse::<usize>() else { continue };
                    if i >= 200 {
                        continue;
                    }
                    rows.entry(i).or_default().set(field, v);
                }
            }
        }
        b.rows = rows
            .into_values()
            .filter(|r| KINDS.contains(&r.kind.as_str()))
            .map(Row::completed)
            .collect();
        b
    }
}

impl Row {
    /// One field of the row from the form (`kind`, `codes`, … or `s{j}_…` for the group's
    /// j-th event).
    fn set(&mut self, field: &str, v: &str) {
        let r = self;
        let v = v.to_owned();
        if let Some(sub) = field.strip_prefix('s')
            && let Some((j, f)) = sub.split_once('_')
            && let Ok(j) = j.parse::<usize>()
            && j < 50
        {
            while r.subs.len() <= j {
                r.subs.push(Sub::default());
            }
            match f {
                "kind" => r.subs[j].kind = v,
                "codes" => r.subs[j].codes = v,
                _ => {}
            }
            return;
        }
        match field {
            "kind" => r.kind = v,
            "not" => r.not = true,
            "codes" => r.codes = v,
            "types" => r.types.push(v),
            "from" => r.from = v,
            "to" => r.to = v,
            "min_count" => r.min_count = v,
            "min" => r.min = v,
            "max" => r.max = v,
            "levels" => r.levels = v,
            "year" => r.year = v,
            "first_kind" => r.first_kind = v,
            "then_kind" => r.then_kind = v,
            "then_codes" => r.then_codes = v,
            "min_days" => r.min_days = v,
            "max_days" => r.max_days = v,
            _ => {}
        }
    }

    /// A row as read, completed: a group's events of known kinds (at least one), a
    /// sequence's kinds known.
    fn completed(mut self) -> Self {
        self.subs.retain(|s| EVENT_KINDS.contains(&s.kind.as_str()));
        if self.kind == "any" && self.subs.is_empty() {
            self.subs.push(Sub {
                kind: "diagnosis".into(),
                codes: String::new(),
            });
        }
        if self.kind == "sequence" {
            if !EVENT_KINDS.contains(&self.first_kind.as_str()) {
                self.first_kind = "diagnosis".into();
            }
            if !EVENT_KINDS.contains(&self.then_kind.as_str()) {
                self.then_kind = "prescription".into();
            }
        }
        self
    }
}

/// A field of a definition's object as the form shows it (text or number; else empty).
fn s(m: &Value, key: &str) -> String {
    match m.get(key) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// An event criterion's codes as the form's space-separated field.
fn codes(m: &Value, kind: &str) -> String {
    m.get(code_key(kind))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// A one-key event object (`{"diagnosis": {...}}`) as its kind and codes.
fn single(ev: &Value) -> Option<(String, String)> {
    let (k, b) = ev.as_object()?.iter().next()?;
    EVENT_KINDS
        .contains(&k.as_str())
        .then(|| (k.clone(), codes(b, k)))
}

pub(super) fn row_from(v: &Value) -> Option<Row> {
    let (k, body) = v.as_object()?.iter().next()?;
    let mut r = Row {
        kind: k.clone(),
        ..Row::default()
    };
    match k.as_str() {
        "not" => {
            let mut inner = row_from(body)?;
            if inner.not {
                return None;
            }
            inner.not = true;
            return Some(inner);
        }
        "any" => {
            for e in body.as_array()? {
                let (kind, codes) = single(e)?;
                r.subs.push(Sub { kind, codes });
            }
        }
        "sequence" => {
            let (fk, fc) = single(body.get("first")?)?;
            let (tk, tc) = single(body.get("then")?)?;
            r.first_kind = fk;
            r.codes = fc;
            r.then_kind = tk;
            r.then_codes = tc;
            r.min_days = s(body, "min_days");
            r.max_days = s(body, "max_days");
        }
        "education" => {
            r.levels = body
                .get("levels")?
                .as_array()?
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            r.year = s(body, "year");
        }
        "income" => {
            r.min = s(body, "min");
            r.max = s(body, "max");
            r.year = s(body, "year");
        }
        kind if EVENT_KINDS.contains(&kind) => {
            r.codes = codes(body, kind);
            r.types = body
                .get("types")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            r.from = s(body, "from");
            r.to = s(body, "to");
            r.min_count = s(body, "min_count");
            r.min = s(body, "min");
            r.max = s(body, "max");
        }
        _ => return None,
    }
    Some(r)
}

impl Builder {
    /// The form for a saved definition, when the builder can show it: criteria as one
    /// all/any of rows, each an event, a negated one, a group of events, a sequence,
    /// education or income.
    pub fn from_definition(v: &Value) -> Option<Self> {
        let p = v.get("population")?;
        let text = |x: Option<&Value>| x.and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut b = Builder {
            alive_on: text(p.get("alive_on")),
            sex: text(p.get("sex")),
            rows: Vec::new(),
            breakdown: v
                .get("breakdown")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            ..Builder::default()
        };
        if let Some(a) = p.get("age").and_then(Value::as_array) {
            b.age_from = a.first()?.to_string();
            b.age_to = a.get(1)?.to_string();
        }
        if let Some(r) = p.get("regions").and_then(Value::as_array) {
            b.regions = r
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        if p.get("municipalities").is_some() {
            return None;
        }
        if let Some(c) = v.get("criteria") {
            let obj = c.as_object()?;
            match obj.iter().next()? {
                (op, Value::Array(parts)) if op == "all" || op == "any" => {
                    b.combine = op.clone();
                    for x in parts {
                        b.rows.push(row_from(x)?);
                    }
                }
                _ => b.rows.push(row_from(c)?),
            }
        }
        Some(b)
    }
}

impl Builder {
    /// A button that edits the form: `add` a criterion (at most 50), `remove-<i>` one,
    /// `addsub-<i>` an event to a group (at most 20); anything else changes nothing (the
    /// form comes back with a changed kind's fields).
    pub fn apply(&mut self, action: &str) {
        match action {
            "add" if self.rows.len() < 50 => self.rows.push(Row {
                kind: "diagnosis".into(),
                ..Row::default()
            }),
            a if a.starts_with("remove-") => {
                if let Ok(i) = a["remove-".len()..].parse::<usize>()
                    && i < self.rows.len()
                {
                    self.rows.remove(i);
                }
            }
            a if a.starts_with("addsub-") => {
                if let Ok(i) = a["addsub-".len()..].parse::<usize>()
                    && let Some(r) = self.rows.get_mut(i)
                    && r.subs.len() < 20
                {
                    r.subs.push(Sub {
                        kind: "diagnosis".into(),
                        codes: String::new(),
                    });
                }
            }
            _ => {}
        }
    }
}

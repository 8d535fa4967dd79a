//! The cohort builder: a population, criteria picked from the real code lists (searchable
//! in Danish and English), combined with all/any, negated, grouped ("one of") or in
//! sequence, and a breakdown; counted as a quick test (protected, priced, logged — the
//! API's own code), shown as a table and server-made SVG charts (age/sex pyramid, region,
//! year); saved, named and shared as a cohort. The form is the state: every button posts
//! it whole and the page comes back with every answer kept, so it works without
//! JavaScript; htmx swaps only the builder when it is there.

use super::service::{self as qapi, Ask};
use crate::auth::{ClientAddr, WebUser};
use crate::web::{Chrome, render};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use ork_quicktest::codes::{CodeList, System};
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
const EVENT_KINDS: [&str; 7] = [
    "diagnosis",
    "procedure",
    "prescription",
    "cancer",
    "death",
    "lab",
    "biobank",
];

fn code_key(kind: &str) -> &'static str {
    match kind {
        "prescription" => "atc",
        "cancer" => "icd10",
        "lab" => "npu",
        _ => "codes",
    }
}

fn system_of(kind: &str) -> Option<System> {
    match kind {
        "diagnosis" | "cancer" | "death" => Some(System::Icd10),
        "procedure" => Some(System::Sks),
        "prescription" => Some(System::Atc),
        "lab" => Some(System::Npu),
        _ => None,
    }
}

fn list_id(kind: &str) -> &'static str {
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

fn codes_of(s: &str) -> Vec<String> {
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
                    let r = rows.entry(i).or_default();
                    if let Some(sub) = field.strip_prefix('s')
                        && let Some((j, f)) = sub.split_once('_')
                        && let Ok(j) = j.parse::<usize>()
                        && j < 50
                    {
                        while r.subs.len() <= j {
                            r.subs.push(Sub::default());
                        }
                        match f {
                            "kind" => r.subs[j].kind = v.clone(),
                            "codes" => r.subs[j].codes = v.clone(),
                            _ => {}
                        }
                        continue;
                    }
                    match field {
                        "kind" => r.kind = v.clone(),
                        "not" => r.not = true,
                        "codes" => r.codes = v.clone(),
                        "types" => r.types.push(v.clone()),
                        "from" => r.from = v.clone(),
                        "to" => r.to = v.clone(),
                        "min_count" => r.min_count = v.clone(),
                        "min" => r.min = v.clone(),
                        "max" => r.max = v.clone(),
                        "levels" => r.levels = v.clone(),
                        "year" => r.year = v.clone(),
                        "first_kind" => r.first_kind = v.clone(),
                        "then_kind" => r.then_kind = v.clone(),
                        "then_codes" => r.then_codes = v.clone(),
                        "min_days" => r.min_days = v.clone(),
                        "max_days" => r.max_days = v.clone(),
                        _ => {}
                    }
                }
            }
        }
        b.rows = rows
            .into_values()
            .filter(|r| KINDS.contains(&r.kind.as_str()))
            .collect();
        for r in &mut b.rows {
            r.subs.retain(|s| EVENT_KINDS.contains(&s.kind.as_str()));
            if r.kind == "any" && r.subs.is_empty() {
                r.subs.push(Sub {
                    kind: "diagnosis".into(),
                    codes: String::new(),
                });
            }
            if r.kind == "sequence" {
                if !EVENT_KINDS.contains(&r.first_kind.as_str()) {
                    r.first_kind = "diagnosis".into();
                }
                if !EVENT_KINDS.contains(&r.then_kind.as_str()) {
                    r.then_kind = "prescription".into();
                }
            }
        }
        b
    }
}

fn row_from(v: &Value) -> Option<Row> {
    let (k, body) = v.as_object()?.iter().next()?;
    let s = |m: &Value, key: &str| match m.get(key) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let codes = |m: &Value, kind: &str| {
        m.get(code_key(kind))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let single = |ev: &Value| -> Option<(String, String)> {
        let (k, b) = ev.as_object()?.iter().next()?;
        EVENT_KINDS
            .contains(&k.as_str())
            .then(|| (k.clone(), codes(b, k)))
    };
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

/// An option of a select or a checkbox.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn kind_options(t: &crate::i18n::Tr, kinds: &[&str], current: &str) -> Vec<Opt> {
    kinds
        .iter()
        .map(|k| Opt {
            value: (*k).to_owned(),
            label: t.t(&format!("qt.kind.{k}")).to_owned(),
            selected: *k == current,
        })
        .collect()
}

pub struct SubView {
    pub j: usize,
    pub kinds: Vec<Opt>,
    pub codes: String,
    pub list: &'static str,
}

/// A row as the template shows it: which fields its kind has.
pub struct RowView {
    pub i: usize,
    pub number: usize,
    pub kind: String,
    pub kinds: Vec<Opt>,
    pub not: bool,
    pub codes: String,
    pub list: &'static str,
    pub has_codes: bool,
    pub types: Vec<Opt>,
    pub has_period: bool,
    pub from: String,
    pub to: String,
    pub has_min_count: bool,
    pub min_count: String,
    pub has_value: bool,
    pub min: String,
    pub max: String,
    pub levels: String,
    pub year: String,
    pub first_kinds: Vec<Opt>,
    pub then_kinds: Vec<Opt>,
    pub then_codes: String,
    pub then_list: &'static str,
    pub min_days: String,
    pub max_days: String,
    pub subs: Vec<SubView>,
    pub error: Option<String>,
}

fn row_view(t: &crate::i18n::Tr, i: usize, r: &Row, error: Option<String>) -> RowView {
    let k = r.kind.as_str();
    let event = EVENT_KINDS.contains(&k);
    let types: Vec<Opt> = match k {
        "diagnosis" => ork_quicktest::cohort::DIAGNOSIS_TYPES
            .iter()
            .map(|x| Opt {
                value: (*x).into(),
                label: t.t(&format!("qt.dxtype.{x}")).to_owned(),
                selected: r.types.iter().any(|y| y == x),
            })
            .collect(),
        "biobank" => ork_quicktest::cohort::SAMPLE_TYPES
            .iter()
            .map(|x| Opt {
                value: (*x).into(),
                label: t
                    .t(&format!("qt.sample.{}", x.replace(' ', "_")))
                    .to_owned(),
                selected: r.types.iter().any(|y| y == x),
            })
            .collect(),
        _ => Vec::new(),
    };
    RowView {
        i,
        number: i + 1,
        kind: r.kind.clone(),
        kinds: kind_options(t, &KINDS, k),
        not: r.not,
        codes: r.codes.clone(),
        list: if k == "sequence" {
            list_id(&r.first_kind)
        } else {
            list_id(k)
        },
        has_codes: event && k != "biobank",
        types,
        has_period: event,
        from: r.from.clone(),
        to: r.to.clone(),
        has_min_count: event && k != "death",
        min_count: r.min_count.clone(),
        has_value: k == "lab" || k == "income",
        min: r.min.clone(),
        max: r.max.clone(),
        levels: r.levels.clone(),
        year: r.year.clone(),
        first_kinds: kind_options(t, &EVENT_KINDS, &r.first_kind),
        then_kinds: kind_options(t, &EVENT_KINDS, &r.then_kind),
        then_codes: r.then_codes.clone(),
        then_list: list_id(&r.then_kind),
        min_days: r.min_days.clone(),
        max_days: r.max_days.clone(),
        subs: r
            .subs
            .iter()
            .enumerate()
            .map(|(j, s)| SubView {
                j,
                kinds: kind_options(t, &EVENT_KINDS, &s.kind),
                codes: s.codes.clone(),
                list: list_id(&s.kind),
            })
            .collect(),
        error,
    }
}

/// A code list for a datalist: each code with its label in the page's language.
pub struct CodeOptions {
    pub id: &'static str,
    pub codes: Vec<(String, String)>,
}

fn code_lists(lang: ork_domain::Lang) -> Vec<CodeOptions> {
    [
        ("codes-icd10", System::Icd10),
        ("codes-sks", System::Sks),
        ("codes-atc", System::Atc),
        ("codes-npu", System::Npu),
    ]
    .into_iter()
    .map(|(id, sys)| CodeOptions {
        id,
        codes: CodeList::common(sys)
            .into_iter()
            .map(|c| {
                let (first, other) = match lang {
                    ork_domain::Lang::Da => (&c.label_da, &c.label_en),
                    ork_domain::Lang::En => (&c.label_en, &c.label_da),
                };
                let label = if other.is_empty() || other == first {
                    format!("{} – {first}", c.code)
                } else {
                    format!("{} – {first} ({other})", c.code)
                };
                (c.code.clone(), label)
            })
            .collect(),
    })
    .collect()
}

pub const REGION_NAMES: [(&str, &str, &str); 5] = [
    ("1081", "Region Nordjylland", "North Denmark Region"),
    ("1082", "Region Midtjylland", "Central Denmark Region"),
    ("1083", "Region Syddanmark", "Region of Southern Denmark"),
    ("1084", "Region Hovedstaden", "Capital Region of Denmark"),
    ("1085", "Region Sjælland", "Region Zealand"),
];

fn region_name(code: &str, lang: ork_domain::Lang) -> String {
    REGION_NAMES
        .iter()
        .find(|r| r.0 == code)
        .map(|r| match lang {
            ork_domain::Lang::Da => r.1.to_owned(),
            ork_domain::Lang::En => r.2.to_owned(),
        })
        .unwrap_or_else(|| match lang {
            ork_domain::Lang::Da => "Uoplyst".into(),
            ork_domain::Lang::En => "Not stated".into(),
        })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar: its label, the sum of the shown cells behind it, and whether some of them are
/// hidden (then the bar is at least that, and says so).
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub partial: bool,
}

fn shown_sum<'a>(cells: impl Iterator<Item = &'a Value>) -> (u64, bool) {
    let mut sum = 0;
    let mut partial = false;
    for c in cells {
        match c["count"].as_u64() {
            Some(n) => sum += n,
            None => partial = true,
        }
    }
    (sum, partial)
}

fn bar_label(b: &Bar, at_least: &str) -> String {
    if b.partial {
        format!("{at_least} {}", b.value)
    } else {
        b.value.to_string()
    }
}

/// A horizontal bar chart as SVG, with its title and a description naming every bar.
pub fn bar_chart(id: &str, title: &str, bars: &[Bar], at_least: &str) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let (left, width, row) = (190.0, 320.0, 24.0);
    let h = 30.0 + row * bars.len() as f64;
    let desc: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, bar_label(b, at_least)))
        .collect();
    let mut s = format!(
        r#"<svg class="ork-chart" data-testid="{id}" role="img" aria-labelledby="{id}-t {id}-d" viewBox="0 0 600 {h}" width="600" height="{h}" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(&desc.join("; "))
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 20.0 + row * i as f64;
        let w = (b.value as f64 / max * width).max(if b.value > 0 { 1.0 } else { 0.0 });
        let class = if b.partial {
            "ork-bar ork-bar-partial"
        } else {
            "ork-bar"
        };
        s.push_str(&format!(
            r#"<text x="{}" y="{}" text-anchor="end" class="ork-chart-label">{}</text><rect x="{left}" y="{}" width="{w:.1}" height="{}" class="{class}"/><text x="{}" y="{}" class="ork-chart-value">{}</text>"#,
            left - 8.0,
            y + 14.0,
            esc(&b.label),
            y + 2.0,
            row - 6.0,
            left + w + 6.0,
            y + 14.0,
            esc(&bar_label(b, at_least)),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The age/sex pyramid: men to the left, women to the right, oldest at the top.
pub fn pyramid(title: &str, men: &[Bar], women: &[Bar], words: (&str, &str, &str)) -> String {
    let (m_word, f_word, at_least) = words;
    let max = men
        .iter()
        .chain(women)
        .map(|b| b.value)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (mid, half, row) = (300.0, 200.0, 22.0);
    let h = 40.0 + row * men.len() as f64;
    let desc: Vec<String> = men
        .iter()
        .zip(women)
        .map(|(m, f)| {
            format!(
                "{}: {m_word} {}, {f_word} {}",
                m.label,
                bar_label(m, at_least),
                bar_label(f, at_least)
            )
        })
        .collect();
    let mut s = format!(
        r#"<svg class="ork-chart" data-testid="qt-pyramid" role="img" aria-labelledby="qt-pyr-t qt-pyr-d" viewBox="0 0 600 {h}" width="600" height="{h}" xmlns="http://www.w3.org/2000/svg"><title id="qt-pyr-t">{}</title><desc id="qt-pyr-d">{}</desc><text x="{}" y="14" text-anchor="end" class="ork-chart-label">{}</text><text x="{}" y="14" class="ork-chart-label">{}</text>"#,
        esc(title),
        esc(&desc.join("; ")),
        mid - 40.0,
        esc(m_word),
        mid + 40.0,
        esc(f_word)
    );
    for (i, (m, f)) in men.iter().zip(women).enumerate().rev() {
        let y = 26.0 + row * (men.len() - 1 - i) as f64;
        let wm = m.value as f64 / max * (half - 60.0);
        let wf = f.value as f64 / max * (half - 60.0);
        let cm = if m.partial {
            "ork-bar ork-bar-partial"
        } else {
            "ork-bar"
        };
        let cf = if f.partial {
            "ork-bar ork-bar-alt ork-bar-partial"
        } else {
            "ork-bar ork-bar-alt"
        };
        s.push_str(&format!(
            r#"<rect x="{:.1}" y="{y}" width="{wm:.1}" height="{}" class="{cm}"/><rect x="{}" y="{y}" width="{wf:.1}" height="{}" class="{cf}"/><text x="{mid}" y="{}" text-anchor="middle" class="ork-chart-label">{}</text><text x="{:.1}" y="{}" text-anchor="end" class="ork-chart-value">{}</text><text x="{:.1}" y="{}" class="ork-chart-value">{}</text>"#,
            mid - 30.0 - wm,
            row - 5.0,
            mid + 30.0,
            row - 5.0,
            y + 13.0,
            esc(&m.label),
            mid - 34.0 - wm,
            y + 13.0,
            esc(&bar_label(m, at_least)),
            mid + 34.0 + wf,
            y + 13.0,
            esc(&bar_label(f, at_least)),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The answer as the page shows it.
pub struct ResultView {
    pub count: Option<u64>,
    pub threshold: u64,
    pub price: String,
    pub rules: Vec<String>,
    pub headers: Vec<String>,
    pub rows: Vec<(Vec<String>, Option<u64>)>,
    pub charts: Vec<String>,
    pub id: i64,
}

const BANDS: [&str; 10] = [
    "0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+",
];

fn result_view(t: &crate::i18n::Tr, breakdown: &[String], v: &Value) -> ResultView {
    let lang = t.lang;
    let cells: Vec<Value> = v["cells"].as_array().cloned().unwrap_or_default();
    let has = |k: &str| breakdown.iter().any(|b| b == k);
    let at_least = t.t("qt.at_least");
    let mut charts = Vec::new();
    if has("sex") && has("age_band") {
        let side = |sex: &str| -> Vec<Bar> {
            BANDS
                .iter()
                .map(|band| {
                    let (value, partial) = shown_sum(
                        cells
                            .iter()
                            .filter(|c| c["sex"] == sex && c["age_band"] == *band),
                    );
                    Bar {
                        label: (*band).into(),
                        value,
                        partial,
                    }
                })
                .collect()
        };
        charts.push(pyramid(
            t.t("qt.chart.pyramid"),
            &side("M"),
            &side("F"),
            (t.t("qt.men"), t.t("qt.women"), at_least),
        ));
    }
    if has("region") {
        let mut codes: Vec<&str> = REGION_NAMES.iter().map(|r| r.0).collect();
        if cells.iter().any(|c| c["region"] == "") {
            codes.push("");
        }
        let bars: Vec<Bar> = codes
            .iter()
            .map(|code| {
                let (value, partial) = shown_sum(cells.iter().filter(|c| c["region"] == *code));
                Bar {
                    label: region_name(code, lang),
                    value,
                    partial,
                }
            })
            .collect();
        charts.push(bar_chart(
            "qt-regions",
            t.t("qt.chart.region"),
            &bars,
            at_least,
        ));
    }
    if has("year") {
        let mut years: Vec<String> = cells
            .iter()
            .filter_map(|c| c["year"].as_str().map(str::to_owned))
            .collect();
        years.sort();
        years.dedup();
        let bars: Vec<Bar> = years
            .iter()
            .map(|y| {
                let (value, partial) = shown_sum(cells.iter().filter(|c| c["year"] == y.as_str()));
                Bar {
                    label: if y.is_empty() {
                        t.t("qt.no_year").to_owned()
                    } else {
                        y.clone()
                    },
                    value,
                    partial,
                }
            })
            .collect();
        charts.push(bar_chart("qt-years", t.t("qt.chart.year"), &bars, at_least));
    }
    let price = &v["price"];
    ResultView {
        count: v["count"].as_u64(),
        threshold: v["threshold"].as_u64().unwrap_or(0),
        price: format!(
            "{} {:.2} ({} {:.2} {})",
            price["currency"].as_str().unwrap_or(""),
            price["amount"].as_f64().unwrap_or(0.0),
            t.t("qt.with_vat"),
            price["amount_with_vat"].as_f64().unwrap_or(0.0),
            price["tariff"].as_str().unwrap_or("")
        ),
        rules: v["rules"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        headers: breakdown
            .iter()
            .map(|b| t.t(&format!("qt.bd.{b}")).to_owned())
            .collect(),
        rows: cells
            .iter()
            .map(|c| {
                (
                    breakdown
                        .iter()
                        .map(|b| {
                            let x = c[b.as_str()].as_str().unwrap_or("");
                            match b.as_str() {
                                "region" => region_name(x, lang),
                                "sex" if x == "M" => t.t("qt.men").to_owned(),
                                "sex" => t.t("qt.women").to_owned(),
                                _ => x.to_owned(),
                            }
                        })
                        .collect(),
                    c["count"].as_u64(),
                )
            })
            .collect(),
        charts,
        id: v["id"].as_i64().unwrap_or(0),
    }
}

/// A saved cohort as the page lists it.
pub struct CohortLine {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub shared: bool,
}

#[derive(Template)]
#[template(path = "quicktests.html")]
pub struct Page {
    pub c: Chrome,
    pub alive_on: String,
    pub age_from: String,
    pub age_to: String,
    pub sexes: Vec<Opt>,
    pub regions: Vec<Opt>,
    pub combine_any: bool,
    pub rows: Vec<RowView>,
    pub breakdowns: Vec<Opt>,
    pub name: String,
    pub shared: bool,
    pub errors: Vec<(String, String)>,
    pub result: Option<ResultView>,
    pub saved: Option<(String, String)>,
    pub cohorts: Vec<CohortLine>,
    pub lists: Vec<CodeOptions>,
    pub definition: String,
    pub notice: Option<String>,
}

fn page(c: Chrome, b: &Builder, errors: Vec<(String, String)>) -> Page {
    let t = c.t;
    let lang = t.lang;
    let row_error = |i: usize| {
        errors
            .iter()
            .find(|(a, _)| *a == format!("c{i}"))
            .map(|e| e.1.clone())
    };
    Page {
        alive_on: b.alive_on.clone(),
        age_from: b.age_from.clone(),
        age_to: b.age_to.clone(),
        sexes: ["", "F", "M"]
            .iter()
            .map(|s| Opt {
                value: (*s).into(),
                label: t
                    .t(match *s {
                        "F" => "qt.women",
                        "M" => "qt.men",
                        _ => "qt.both_sexes",
                    })
                    .to_owned(),
                selected: b.sex == *s,
            })
            .collect(),
        regions: REGION_NAMES
            .iter()
            .map(|r| Opt {
                value: r.0.into(),
                label: region_name(r.0, lang),
                selected: b.regions.iter().any(|x| x == r.0),
            })
            .collect(),
        combine_any: b.combine == "any",
        rows: b
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| row_view(&t, i, r, row_error(i)))
            .collect(),
        breakdowns: ork_quicktest::cohort::Breakdown::ALL
            .iter()
            .map(|(key, _)| Opt {
                value: (*key).into(),
                label: t.t(&format!("qt.bd.{key}")).to_owned(),
                selected: b.breakdown.iter().any(|x| x == key),
            })
            .collect(),
        name: b.name.clone(),
        shared: b.shared,
        errors,
        result: None,
        saved: None,
        cohorts: Vec::new(),
        lists: code_lists(lang),
        definition: serde_json::to_string_pretty(&b.definition()).unwrap_or_default(),
        notice: None,
        c,
    }
}

/// Where a problem's path points in the form: the row (`criteria.all[2]…` → `c2`), or a
/// population field.
fn anchor_of(path: &str) -> String {
    for op in ["criteria.all[", "criteria.any["] {
        if let Some(rest) = path.strip_prefix(op)
            && let Some((i, _)) = rest.split_once(']')
        {
            return format!("c{i}");
        }
    }
    match path {
        p if p.starts_with("population.age") => "age_from".into(),
        p if p.starts_with("population.sex") => "sex".into(),
        p if p.starts_with("population.regions") => "regions".into(),
        p if p.starts_with("population") => "alive_on".into(),
        p if p.starts_with("breakdown") => "breakdown".into(),
        _ => "criteria".into(),
    }
}

async fn cohorts_of(
    state: &AppState,
    p: &crate::auth::Principal,
) -> Result<Vec<CohortLine>, ApiError> {
    let orgs: Vec<String> = p.memberships.iter().map(|m| m.org_id.to_string()).collect();
    Ok(state
        .store
        .cohorts_for(p.user.id, &orgs)
        .await?
        .into_iter()
        .map(|c| CohortLine {
            id: c.id,
            name: c.name,
            owner: c.owner_email,
            shared: c.shared,
        })
        .collect())
}

/// The builder: empty, or a saved cohort (`?cohort=ID`).
pub async fn form(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let mut b = Builder::default();
    let mut notice = None;
    for (k, v) in pairs {
        match k.as_str() {
            "cohort" => {
                let saved = qapi::find_cohort(&state, &p, &v).await?;
                let def: Value = serde_json::from_str(&saved.definition).unwrap_or(Value::Null);
                match Builder::from_definition(&def) {
                    Some(mut x) => {
                        x.name = saved.name.clone();
                        x.shared = saved.shared;
                        b = x;
                    }
                    None => notice = Some(c.t.t("qt.cannot_show").to_owned()),
                }
            }
            other => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("Ukendt parameter {other:?}; den mulige er cohort."),
                    format!("Unknown parameter {other:?}; the possible one is cohort."),
                ));
            }
        }
    }
    let lang = c.t.lang;
    let mut pg = page(c, &b, Vec::new());
    pg.cohorts = cohorts_of(&state, &p).await?;
    pg.notice = notice;
    Ok(render(lang, &pg))
}

/// Every button of the builder: count, save, add or remove a criterion or a group's event,
/// or just show the fields of a changed kind. Every answer is kept.
pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    client: ClientAddr,
    WebUser(p): WebUser,
    headers: axum::http::HeaderMap,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let lang = c.t.lang;
    // htmx swaps only successful answers: the form with its problems listed is sent as a
    // 200 to htmx, and as the 400 it is to everyone else.
    let htmx = headers.contains_key("hx-request");
    let action = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| "count".into());
    let mut b = Builder::from_form(&pairs);
    let mut errors = Vec::new();
    let mut result = None;
    let mut saved = None;
    let mut status = axum::http::StatusCode::OK;
    match action.as_str() {
        "add" if b.rows.len() < 50 => b.rows.push(Row {
            kind: "diagnosis".into(),
            ..Row::default()
        }),
        a if a.starts_with("remove-") => {
            if let Ok(i) = a["remove-".len()..].parse::<usize>()
                && i < b.rows.len()
            {
                b.rows.remove(i);
            }
        }
        a if a.starts_with("addsub-") => {
            if let Ok(i) = a["addsub-".len()..].parse::<usize>()
                && let Some(r) = b.rows.get_mut(i)
                && r.subs.len() < 20
            {
                r.subs.push(Sub {
                    kind: "diagnosis".into(),
                    codes: String::new(),
                });
            }
        }
        "count" | "save" => {
            let text = b.definition().to_string();
            match ork_quicktest::parse(&text) {
                Err(e) => {
                    let row = anchor_of(&e.path);
                    let prefix = row
                        .strip_prefix('c')
                        .and_then(|i| i.parse::<usize>().ok())
                        .map(|i| format!("{} {}: ", c.t.t("qt.criterion"), i + 1))
                        .unwrap_or_default();
                    errors.push((row, format!("{prefix}{}", e.message(lang.code()))));
                    status = axum::http::StatusCode::BAD_REQUEST;
                }
                Ok(cohort) if action == "count" => {
                    let org = qapi::acting_org(&p, None)?;
                    let v = qapi::run(
                        &state,
                        &p,
                        &client,
                        Ask {
                            org: &org,
                            definition: &text,
                            cohort,
                            cohort_id: None,
                        },
                        lang,
                    )
                    .await?;
                    result = Some(result_view(&c.t, &b.breakdown, &v));
                }
                Ok(_) => {
                    match qapi::save(&state, &p, &client, &b.name, &text, b.shared, None).await {
                        Ok(s) => saved = Some((s.id, s.name)),
                        Err(e) => {
                            errors.push(("name".into(), e.message(lang).to_owned()));
                            status = axum::http::StatusCode::BAD_REQUEST;
                        }
                    }
                }
            }
        }
        _ => {}
    }
    let mut pg = page(c, &b, errors);
    pg.result = result;
    pg.saved = saved;
    pg.cohorts = cohorts_of(&state, &p).await?;
    let mut res = render(lang, &pg);
    if !htmx {
        *res.status_mut() = status;
    }
    Ok(res)
}

#[derive(Template)]
#[template(path = "quicktests_statement.html")]
pub struct StatementPage {
    pub c: Chrome,
    pub org: String,
    pub month: String,
    pub months: Vec<String>,
    pub lines: Vec<(String, String, String, String, String)>,
    pub total: String,
    pub vat: String,
    pub total_with_vat: String,
    pub csv: String,
}

/// An organisation's monthly statement of quick tests, with its CSV.
pub async fn statement(
    State(state): State<AppState>,
    c: Chrome,
    WebUser(p): WebUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::api::query_pairs(raw.as_deref())?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let s = qapi::statement(
        &state,
        &p,
        get("org"),
        get("month").filter(|m| !m.is_empty()),
    )
    .await?;
    let kr = |o: i64| format!("{} {}.{:02}", s.currency, o / 100, o % 100);
    let mut months = state.store.org_quicktest_months(&s.org).await?;
    if !months.contains(&s.month) {
        months.insert(0, s.month.clone());
    }
    let lang = c.t.lang;
    let page = StatementPage {
        org: s.org.clone(),
        month: s.month.clone(),
        months,
        lines: s
            .lines
            .iter()
            .map(|l| {
                (
                    qapi::iso(l.asked_at),
                    l.user_email.clone(),
                    l.cohort_id.clone().unwrap_or_default(),
                    l.tariff.clone(),
                    kr(l.price_ore),
                )
            })
            .collect(),
        total: kr(s.total_ore()),
        vat: kr(s.vat_ore()),
        total_with_vat: kr(s.total_ore() + s.vat_ore()),
        csv: format!(
            "/api/v1/quicktests/statement?org={}&month={}&format=csv",
            s.org, s.month
        ),
        c,
    };
    Ok(render(lang, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_round_trips_through_the_form() {
        let doc = include_str!("../../../../docs/cohort-language.md");
        let json = doc
            .split("```json")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let v: Value = serde_json::from_str(json).unwrap();
        let b = Builder::from_definition(&v).expect("the builder shows the example");
        assert_eq!(b.rows.len(), 6);
        let back = b.definition();
        assert_eq!(
            ork_quicktest::parse(&back.to_string()).unwrap(),
            ork_quicktest::parse(json).unwrap(),
            "{back}"
        );
    }

    #[test]
    fn problems_point_at_their_row() {
        assert_eq!(anchor_of("criteria.all[3].prescription.atc[0]"), "c3");
        assert_eq!(anchor_of("population.age"), "age_from");
        assert_eq!(anchor_of("breakdown[1]"), "breakdown");
    }
}

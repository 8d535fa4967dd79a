//! Rulebook versions: a snapshot of everything a version says (steps, their conditions,
//! legal bases, deadlines, priors, documents; the shared assessments), and the changes
//! between two snapshots, field by field. The platform stores the snapshot of every version
//! it runs with, so a roadmap computed under an older version can be read against the new
//! one ("what changed since my roadmap?").

use crate::rulebook::{Rulebook, Step};
use ork_catalog::Text;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

fn text(t: &Text) -> Value {
    json!({"da": t.da, "en": t.en})
}

fn step(s: &Step) -> Value {
    let a = &s.applies;
    json!({
        "kind": s.kind,
        "authority": s.authority,
        "per": s.per,
        "name": text(&s.name),
        "why": text(&s.why),
        "legal_basis": {"text": text(&s.legal_basis.text), "law": s.legal_basis.law},
        "deadline_days": s.deadline_days,
        "prior": {"median_days": s.prior.median_days, "p90_days": s.prior.p90_days, "source": text(&s.prior.source)},
        "fee": text(&s.fee),
        "documents": s.documents.iter().map(text).collect::<Vec<_>>(),
        "form_fields": s.form_fields,
        "assessments": s.assessments,
        "depends_on": s.depends_on,
        "replaces": s.replaces,
        "applies": {
            "always": a.always,
            "applicant_kinds": a.applicant_kinds,
            "traits_true": a.traits_true,
            "traits_false": a.traits_false,
            "datasets": a.datasets.as_ref().map(|d| json!({
                "data_types": d.data_types.iter().map(|t| t.id()).collect::<Vec<_>>(),
                "ids": d.ids,
                "controllers": d.controllers,
            })),
        },
        "blocked": s.blocked.iter().map(|b| json!({
            "applicant_kinds": b.applicant_kinds, "text": text(&b.text), "unblock": text(&b.unblock),
        })).collect::<Vec<_>>(),
    })
}

/// Everything the version says that decides a roadmap, as JSON with a stable key order
/// (precedents are not part of it: they are decisions, published as they come).
pub fn snapshot(book: &Rulebook) -> Value {
    let steps: Map<String, Value> = book.steps.iter().map(|s| (s.id.clone(), step(s))).collect();
    let assessments: Map<String, Value> = book
        .assessments
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                json!({"decided_by": a.decided_by, "text": text(&a.text)}),
            )
        })
        .collect();
    json!({
        "version": book.version,
        "published": book.published,
        "steps": steps,
        "assessments": assessments,
    })
}

/// What happened to one step or assessment between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    /// The fields that differ: (dotted field name, before, after).
    Changed(Vec<(String, String, String)>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `step` or `assessment`.
    pub item: &'static str,
    pub id: String,
    pub kind: ChangeKind,
}

/// Flattens JSON to dotted field names with readable values (`prior.median_days` → `60`,
/// lists joined by commas, `documents.0.en` for list items that are objects).
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
            let items: Vec<String> = a.iter().map(scalar).collect();
            out.insert(prefix.to_owned(), items.join(", "));
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&key(&i.to_string()), v, out);
            }
        }
        other => {
            out.insert(prefix.to_owned(), scalar(other));
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn fields(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    flatten("", v, &mut out);
    out
}

/// The changes from snapshot `old` to snapshot `new`: steps and assessments added, removed,
/// and changed with every differing field.
pub fn changes(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    for item in ["step", "assessment"] {
        let key = format!("{item}s");
        let empty = Map::new();
        let before = old[&key].as_object().unwrap_or(&empty);
        let after = new[&key].as_object().unwrap_or(&empty);
        let ids: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for id in ids {
            let kind = match (before.get(id), after.get(id)) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(b), Some(a)) if a != b => {
                    let (fb, fa) = (fields(b), fields(a));
                    let names: std::collections::BTreeSet<&String> =
                        fb.keys().chain(fa.keys()).collect();
                    ChangeKind::Changed(
                        names
                            .into_iter()
                            .filter_map(|n| {
                                let (x, y) = (
                                    fb.get(n).cloned().unwrap_or_default(),
                                    fa.get(n).cloned().unwrap_or_default(),
                                );
                                (x != y).then(|| (n.clone(), x, y))
                            })
                            .collect(),
                    )
                }
                _ => continue,
            };
            out.push(Change {
                item: if item == "step" { "step" } else { "assessment" },
                id: id.clone(),
                kind,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_name_added_removed_and_changed_fields() {
        let old = json!({"steps": {
            "a": {"prior": {"median_days": 60, "p90_days": 90}, "depends_on": ["x"]},
            "b": {"kind": "k"},
        }, "assessments": {"s": {"decided_by": "a"}}});
        let new = json!({"steps": {
            "a": {"prior": {"median_days": 45, "p90_days": 90}, "depends_on": ["x", "y"]},
            "c": {"kind": "k"},
        }, "assessments": {"s": {"decided_by": "a"}}});
        let c = changes(&old, &new);
        assert_eq!(c.len(), 3, "{c:?}");
        assert_eq!(
            c[0].kind,
            ChangeKind::Changed(vec![
                ("depends_on".into(), "x".into(), "x, y".into()),
                ("prior.median_days".into(), "60".into(), "45".into()),
            ])
        );
        assert_eq!((c[1].id.as_str(), &c[1].kind), ("b", &ChangeKind::Removed));
        assert_eq!((c[2].id.as_str(), &c[2].kind), ("c", &ChangeKind::Added));
        assert!(changes(&new, &new).is_empty());
    }
}

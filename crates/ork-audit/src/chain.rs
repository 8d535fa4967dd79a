use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a caller supplies to append an event; the store assigns `seq`, `at` and the hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// Who acted: a user's e-mail, or `system:cli` and the like for operator commands.
    pub actor: Option<String>,
    /// For which organisation the actor acted, if any.
    pub org: Option<String>,
    /// What happened, as `object.verb`: `user.create`, `session.sign_in`, `token.revoke`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Where from: the client's IP address, or `cli`.
    pub source: String,
    /// Extra facts about the change, a JSON object. Never secrets or person numbers.
    pub details: Value,
}

/// One stored event of the chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub seq: i64,
    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-23T10:54:00.000Z`.
    pub at: String,
    pub actor: Option<String>,
    pub org: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub source: String,
    pub details: Value,
    pub prev_hash: String,
    pub hash: String,
}

impl Event {
    /// Builds the event that follows `prev` (or starts the chain) and computes its hash.
    pub fn chained(new: NewEvent, prev: &Head, at: String) -> Self {
        let mut e = Event {
            seq: prev.seq + 1,
            at,
            actor: new.actor,
            org: new.org,
            action: new.action,
            object_type: new.object_type,
            object_id: new.object_id,
            source: new.source,
            details: new.details,
            prev_hash: prev.hash.clone(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    /// The canonical content: a JSON array of the fields in a fixed order, object keys
    /// sorted, no whitespace. Independent of any serde feature flags.
    pub fn canonical_content(&self) -> String {
        let fields = Value::Array(vec![
            Value::from(self.seq),
            Value::from(self.at.as_str()),
            self.actor.as_deref().map_or(Value::Null, Value::from),
            self.org.as_deref().map_or(Value::Null, Value::from),
            Value::from(self.action.as_str()),
            Value::from(self.object_type.as_str()),
            Value::from(self.object_id.as_str()),
            Value::from(self.source.as_str()),
            self.details.clone(),
        ]);
        canonical_json(&fields)
    }

    /// SHA-256 over `prev_hash` (as its hex text), a newline, and the canonical content.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical_content().as_bytes());
        hex::encode(h.finalize())
    }
}

/// The end of the chain as recorded beside it: how many events, and the last hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS_HASH.to_owned(),
        }
    }
}

/// Serialises JSON with object keys sorted at every level and no insignificant whitespace.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// Why a chain does not verify. `seq` names the first bad event (for an export, `line` is
/// the 1-based line number too).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error(
        "event {expected}: expected here but found event {seq} (an event was deleted, inserted or moved)"
    )]
    Sequence { seq: i64, expected: i64 },
    #[error(
        "event {seq}: prev_hash does not match the hash of the event before it (an event was deleted, inserted or moved)"
    )]
    Link { seq: i64 },
    #[error("event {seq}: content does not match its hash (the event was edited)")]
    Content { seq: i64 },
    #[error(
        "the chain ends at event {found_seq} but the recorded head is event {head_seq} (events at the end were deleted or added)"
    )]
    HeadCount { found_seq: i64, head_seq: i64 },
    #[error(
        "event {seq}: the last hash does not match the recorded head (the end of the chain was altered)"
    )]
    HeadHash { seq: i64 },
}

impl VerifyError {
    /// The sequence number of the first bad event.
    pub fn seq(&self) -> i64 {
        match *self {
            Self::Sequence { seq, expected } => seq.min(expected),
            Self::Link { seq } | Self::Content { seq } | Self::HeadHash { seq } => seq,
            Self::HeadCount {
                found_seq,
                head_seq,
            } => found_seq.min(head_seq) + 1,
        }
    }
}

/// What an intact chain looked like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: i64,
    pub head_hash: String,
}

/// Checks a chain given in sequence order against its recorded head. Stops at the first
/// bad event.
pub fn verify_chain<I>(events: I, head: &Head) -> Result<VerifyReport, VerifyError>
where
    I: IntoIterator<Item = Event>,
{
    let mut v = ChainVerifier::new();
    for e in events {
        v.push(&e)?;
    }
    v.finish(head)
}

/// Verifies a chain one event at a time, so a caller can read it in pages with flat memory.
#[derive(Debug)]
pub struct ChainVerifier {
    last: Head,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self {
            last: Head::genesis(),
        }
    }

    /// Checks the next event; the first error names the first bad event.
    pub fn push(&mut self, e: &Event) -> Result<(), VerifyError> {
        check_next(e, &self.last)?;
        self.last = Head {
            seq: e.seq,
            hash: e.hash.clone(),
        };
        Ok(())
    }

    /// Checks that the chain ended where the recorded head says.
    pub fn finish(self, head: &Head) -> Result<VerifyReport, VerifyError> {
        check_head(&self.last, head)?;
        Ok(VerifyReport {
            events: self.last.seq,
            head_hash: self.last.hash,
        })
    }
}

pub(crate) fn check_next(e: &Event, prev: &Head) -> Result<(), VerifyError> {
    if e.seq != prev.seq + 1 {
        return Err(VerifyError::Sequence {
            seq: e.seq,
            expected: prev.seq + 1,
        });
    }
    if e.prev_hash != prev.hash {
        return Err(VerifyError::Link { seq: e.seq });
    }
    if e.compute_hash() != e.hash {
        return Err(VerifyError::Content { seq: e.seq });
    }
    Ok(())
}

pub(crate) fn check_head(last: &Head, head: &Head) -> Result<(), VerifyError> {
    if last.seq != head.seq {
        return Err(VerifyError::HeadCount {
            found_seq: last.seq,
            head_seq: head.seq,
        });
    }
    if last.hash != head.hash {
        return Err(VerifyError::HeadHash { seq: last.seq });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn chain(n: i64) -> (Vec<Event>, Head) {
        let mut head = Head::genesis();
        let mut out = Vec::new();
        for i in 0..n {
            let e = Event::chained(
                NewEvent {
                    actor: Some(format!("user{i}@example.dk")),
                    org: Some("sds".into()),
                    action: "thing.change".into(),
                    object_type: "thing".into(),
                    object_id: i.to_string(),
                    source: "127.0.0.1".into(),
                    details: json!({"b": i, "a": [1, "x"]}),
                },
                &head,
                format!("2026-11-23T10:00:{:02}.000Z", i % 60),
            );
            head = Head {
                seq: e.seq,
                hash: e.hash.clone(),
            };
            out.push(e);
        }
        (out, head)
    }

    #[test]
    fn canonical_json_sorts_keys() {
        let v = json!({"b": 1, "a": {"d": [true, null], "c": "x\"y"}});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":{"c":"x\"y","d":[true,null]},"b":1}"#
        );
    }

    #[test]
    fn intact_chain_verifies() {
        let (events, head) = chain(50);
        let r = verify_chain(events, &head).unwrap();
        assert_eq!(r.events, 50);
    }

    #[test]
    fn empty_chain_verifies_against_genesis() {
        assert!(verify_chain(Vec::new(), &Head::genesis()).is_ok());
        assert!(
            verify_chain(
                Vec::new(),
                &Head {
                    seq: 1,
                    hash: "x".into()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn every_single_edit_is_detected() {
        let (events, head) = chain(20);
        for i in 0..events.len() {
            let mut tampered = events.clone();
            tampered[i].object_id.push('x');
            let err = verify_chain(tampered, &head).unwrap_err();
            assert_eq!(err.seq(), events[i].seq, "edit of {i}");
        }
    }

    #[test]
    fn every_deletion_insertion_and_swap_is_detected() {
        let (events, head) = chain(20);
        for i in 0..events.len() {
            let mut deleted = events.clone();
            deleted.remove(i);
            assert!(verify_chain(deleted, &head).is_err(), "delete {i}");

            let mut inserted = events.clone();
            inserted.insert(i, events[i].clone());
            assert!(verify_chain(inserted, &head).is_err(), "insert {i}");

            if i + 1 < events.len() {
                let mut swapped = events.clone();
                swapped.swap(i, i + 1);
                let err = verify_chain(swapped, &head).unwrap_err();
                assert_eq!(err.seq(), events[i].seq, "swap {i}");
            }
        }
    }
}

use crate::chain::{Event, Head, VerifyError, VerifyReport, check_head, check_next};
use std::io::{BufRead, Write};

/// The last line of an export: how many events it holds and the hash of the last one, so
/// that a removed or added line at the end is detected too.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    end_of_audit_log: bool,
    events: i64,
    head_hash: String,
}

/// Why an export could not be written or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("line {line}: {source}")]
    Chain { line: usize, source: VerifyError },
    #[error("line {line}: not an audit event or trailer: {message}")]
    Malformed { line: usize, message: String },
    #[error("line {line}: the export has lines after its trailer")]
    AfterTrailer { line: usize },
    #[error("the export has no trailer line (it was cut short or its last line was deleted)")]
    NoTrailer,
    #[error("could not read or write the export: {0}")]
    Io(#[from] std::io::Error),
}

impl ExportError {
    /// The sequence number of the first bad event, where one is known.
    pub fn seq(&self) -> Option<i64> {
        match self {
            Self::Chain { source, .. } => Some(source.seq()),
            _ => None,
        }
    }
}

/// Writes events (in sequence order) as JSON lines, one event a line with its hash fields,
/// followed by one trailer line. Returns the number of events written.
pub fn export<'a, W, I>(mut out: W, events: I) -> std::io::Result<i64>
where
    W: Write,
    I: IntoIterator<Item = &'a Event>,
{
    let mut last = Head::genesis();
    for e in events {
        write_events(&mut out, std::slice::from_ref(e))?;
        last = Head {
            seq: e.seq,
            hash: e.hash.clone(),
        };
    }
    write_trailer(&mut out, &last)?;
    Ok(last.seq)
}

/// Writes events as JSON lines, for callers that export page by page.
pub fn write_events<W: Write>(mut out: W, events: &[Event]) -> std::io::Result<()> {
    for e in events {
        serde_json::to_writer(&mut out, e)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes the trailer line that closes an export: the last event's number and hash.
pub fn write_trailer<W: Write>(mut out: W, last: &Head) -> std::io::Result<()> {
    let trailer = Trailer {
        end_of_audit_log: true,
        events: last.seq,
        head_hash: last.hash.clone(),
    };
    serde_json::to_writer(&mut out, &trailer)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Verifies an export written by [`export`], line by line, in constant memory.
pub fn verify_export<R: BufRead>(input: R) -> Result<VerifyReport, ExportError> {
    let mut prev = Head::genesis();
    let mut trailer: Option<Trailer> = None;
    for (i, line) in input.lines().enumerate() {
        let line_no = i + 1;
        let line = line?;
        if trailer.is_some() {
            return Err(ExportError::AfterTrailer { line: line_no });
        }
        if line.contains("\"end_of_audit_log\"") {
            let t: Trailer = serde_json::from_str(&line).map_err(|e| ExportError::Malformed {
                line: line_no,
                message: e.to_string(),
            })?;
            check_head(
                &prev,
                &Head {
                    seq: t.events,
                    hash: t.head_hash.clone(),
                },
            )
            .map_err(|source| ExportError::Chain {
                line: line_no,
                source,
            })?;
            trailer = Some(t);
            continue;
        }
        let e: Event = serde_json::from_str(&line).map_err(|e| ExportError::Malformed {
            line: line_no,
            message: e.to_string(),
        })?;
        check_next(&e, &prev).map_err(|source| ExportError::Chain {
            line: line_no,
            source,
        })?;
        prev = Head {
            seq: e.seq,
            hash: e.hash,
        };
    }
    match trailer {
        Some(_) => Ok(VerifyReport {
            events: prev.seq,
            head_hash: prev.hash,
        }),
        None => Err(ExportError::NoTrailer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::tests::chain;

    fn exported(n: i64) -> Vec<String> {
        let (events, _) = chain(n);
        let mut buf = Vec::new();
        export(&mut buf, &events).unwrap();
        String::from_utf8(buf)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn verify(lines: &[String]) -> Result<VerifyReport, ExportError> {
        let text = lines.join("\n") + "\n";
        verify_export(text.as_bytes())
    }

    #[test]
    fn intact_export_verifies() {
        let lines = exported(30);
        assert_eq!(lines.len(), 31);
        assert_eq!(verify(&lines).unwrap().events, 30);
    }

    #[test]
    fn any_single_line_change_is_detected() {
        let lines = exported(15);
        for i in 0..lines.len() {
            let mut deleted = lines.clone();
            deleted.remove(i);
            assert!(verify(&deleted).is_err(), "delete line {i}");

            let mut duplicated = lines.clone();
            duplicated.insert(i, lines[i].clone());
            assert!(verify(&duplicated).is_err(), "duplicate line {i}");

            let mut edited = lines.clone();
            edited[i] = edited[i].replacen("thing", "thinG", 1).replacen(
                "\"events\":15",
                "\"events\":14",
                1,
            );
            assert_ne!(edited[i], lines[i]);
            assert!(verify(&edited).is_err(), "edit line {i}");

            if i + 1 < lines.len() {
                let mut swapped = lines.clone();
                swapped.swap(i, i + 1);
                assert!(verify(&swapped).is_err(), "swap {i}");
            }
        }
    }

    #[test]
    fn first_bad_event_is_named() {
        let mut lines = exported(10);
        lines[4] = lines[4].replace("\"object_id\":\"4\"", "\"object_id\":\"44\"");
        let err = verify(&lines).unwrap_err();
        assert_eq!(err.seq(), Some(5));
        assert!(err.to_string().starts_with("line 5: event 5"), "{err}");
    }
}

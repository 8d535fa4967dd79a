//! Writes a valid audit export of N synthetic events to standard output, for the
//! verification benchmark (`bench/audit-verify.sh`): `synthetic_export N > audit.jsonl`.

use ork_audit::{Event, Head, NewEvent, write_events, write_trailer};
use serde_json::json;
use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let n: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let actions = [
        "session.sign_in",
        "token.create",
        "application.submit",
        "case.decide",
        "workspace.query",
    ];
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    let mut head = Head::genesis();
    for i in 0..n {
        let e = Event::chained(
            NewEvent {
                actor: Some(format!("user{}@ku.demo.dk", i % 997)),
                org: Some("ku".into()),
                action: actions[(i % 5) as usize].into(),
                object_type: "application".into(),
                object_id: format!("A-{:06}", i % 50_000),
                source: format!("10.0.{}.{}", (i / 256) % 256, i % 256),
                details: json!({"step": i % 7, "note": "synthetic benchmark event"}),
            },
            &head,
            format!(
                "2026-11-23T{:02}:{:02}:{:02}.{:03}Z",
                (i / 3_600_000) % 24,
                (i / 60_000) % 60,
                (i / 1000) % 60,
                i % 1000
            ),
        );
        write_events(&mut out, std::slice::from_ref(&e))?;
        head = Head {
            seq: e.seq,
            hash: e.hash,
        };
    }
    write_trailer(&mut out, &head)?;
    out.flush()
}

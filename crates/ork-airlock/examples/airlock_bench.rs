//! The airlock's engine on a Parquet file: reads it once, then checks the spec REPEATS times
//! and prints JSON with the best time (bench/airlock.sh).
//!
//!     airlock_bench DATA.parquet SPEC.json [REPEATS]

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::path::Path::new(&args[1]);
    let spec = ork_airlock::Spec::from_json(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let repeats: usize = args.get(3).map_or(3, |r| r.parse().unwrap());
    let t0 = Instant::now();
    let batches = ork_airlock::read_parquet(data).unwrap();
    let read = t0.elapsed().as_secs_f64();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let rules = ork_airlock::Rules::default();
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..repeats {
        let t = Instant::now();
        report = Some(ork_airlock::check(&batches, &spec, &rules).unwrap());
        times.push(t.elapsed().as_secs_f64());
    }
    let Some(ork_airlock::Report::Table(t)) = report else {
        panic!("a table spec")
    };
    let failing: usize = t
        .cells
        .iter()
        .filter(|c| c.verdict() == ork_airlock::Verdict::Fail)
        .count();
    println!(
        "{}",
        serde_json::json!({"rows": rows, "cells": t.cells.len(), "failing_cells": failing,
            "status": t.status, "read_seconds": read, "seconds": times})
    );
}

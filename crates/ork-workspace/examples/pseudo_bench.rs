//! Pseudonymisation speed on one core: N identifiers of 16 bytes (the message size OpenSSL's
//! `speed -hmac sha256 -bytes 16` uses) through one project's keyed HMAC-SHA256. Prints JSON.
//!   cargo run --release -p ork-workspace --example pseudo_bench [N]

use ork_workspace::{KeyProvider, LocalMasterKey, Pseudonymiser};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000_000);
    let master = LocalMasterKey::from_hex(&LocalMasterKey::generate_hex()).expect("a fresh key");
    let p = Pseudonymiser::new(&master.project_key("bench").expect("a project key"));
    // Distinct 16-byte identifiers, made before the clock starts.
    let ids: Vec<[u8; 16]> = (0..n as u64)
        .map(|i| {
            let mut b = [0u8; 16];
            b[..8].copy_from_slice(&i.to_le_bytes());
            b[8..].copy_from_slice(&(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes());
            b
        })
        .collect();
    // Warm up, then measure the best of three rounds (the machine is shared).
    let mut acc = 0u8;
    for id in ids.iter().take(100_000) {
        acc ^= p.pseudonym(id).0[0];
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        for id in &ids {
            acc ^= p.pseudonym(id).0[0];
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"n\": {n}, \"seconds\": {best:.4}, \"per_s\": {:.0}, \"checksum\": {acc}}}",
        n as f64 / best
    );
}

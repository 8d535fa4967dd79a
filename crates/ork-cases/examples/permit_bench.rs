//! Signing and verifying permits: a realistic permit (five datasets, three named users, six
//! approvals with their references, a cohort definition) signed as an Ed25519 JWT and
//! verified against a key set of three keys (two retired), N times each. Prints one JSON
//! line: the per-operation p50/p99 and operations per second, and the token's size. Run by
//! `bench/permits.sh` beside OpenSSL's own Ed25519 figures.

use ork_cases::permit::{
    Approval, Claims, GrantedDataset, Jwks, NamedUser, Scope, SigningKey, Visa, verify,
};
use std::time::Instant;

fn claims() -> Claims {
    let approvals = [
        ("record_of_processing", "demofarma"),
        ("ethics_approval", "vek-hovedstaden"),
        ("region_data_extraction:hovedstaden", "hovedstaden"),
        ("rkkp_data_access", "rkkp"),
        ("sds_data_access:sds", "sds"),
        ("sds_environment_authorisation", "sds"),
    ]
    .iter()
    .enumerate()
    .map(|(i, (step, authority))| Approval {
        step: (*step).into(),
        authority: (*authority).into(),
        reference: format!("app-k2m4n6p8q9rs-p{:02}", i + 1),
        outcome: "approved".into(),
        decided: "2027-03-01".into(),
    })
    .collect();
    let datasets = ["pacs-hovedstaden", "lpr", "dlcr", "lmdb", "cpr"]
        .iter()
        .map(|d| GrantedDataset {
            id: (*d).into(),
            variables: vec!["pnr_pseudo".into(), "date".into(), "code".into()],
        })
        .collect();
    let users = (1..=3)
        .map(|i| NamedUser {
            name: format!("Researcher {i}"),
            email: format!("researcher{i}@demofarma.example"),
            role: "Analyst".into(),
        })
        .collect();
    Claims {
        iss: "https://dataorkestrator.dk".into(),
        sub: "demofarma".into(),
        jti: "prm-k2m4n6p8q9rs".into(),
        iat: 1_800_000_000,
        nbf: 1_800_000_000,
        exp: 1_900_000_000,
        ga4gh_visa_v1: Visa {
            kind: "ControlledAccessGrants".into(),
            asserted: 1_800_000_000,
            value: "https://dataorkestrator.dk:permit:prm-k2m4n6p8q9rs".into(),
            source: "https://dataorkestrator.dk".into(),
            by: "dac".into(),
        },
        permit: Scope {
            application: "app-k2m4n6p8q9rs".into(),
            organisation: "demofarma".into(),
            title: "Early detection of lung cancer on chest X-rays".into(),
            purpose: "To train and validate a model that finds lung cancer on chest X-rays earlier than today.".into(),
            datasets,
            population: serde_json::json!({"population": {"alive_on": "2020-01-01", "age": [18, 99]}, "criteria": {"diagnosis": {"codes": ["C34"]}}}),
            data_from: Some("2015-01-01".into()),
            data_to: Some("2024-12-31".into()),
            users,
            conditions: vec!["Publications are reported to the data controller.".into()],
            approvals,
        },
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000);
    let keys: Vec<SigningKey> = (1..=3)
        .map(|i| SigningKey::generate(format!("k{i}")))
        .collect();
    let jwks = Jwks {
        keys: keys.iter().map(SigningKey::public).collect(),
    };
    let signer = &keys[2];
    let c = claims();
    let now = 1_850_000_000;
    let mut sign = Vec::with_capacity(n);
    let mut token = String::new();
    for _ in 0..n {
        let t = Instant::now();
        token = signer.sign(&c);
        sign.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut check = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let got = verify(&token, &jwks, now).expect("the permit verifies");
        check.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(got.jti, c.jti);
    }
    for v in [&mut sign, &mut check] {
        v.sort_by(|a, b| a.total_cmp(b));
    }
    let per_s = |v: &[f64]| 1e6 * v.len() as f64 / v.iter().sum::<f64>();
    println!(
        "{}",
        serde_json::json!({
            "n": n,
            "token_bytes": token.len(),
            "sign_us_p50": percentile(&sign, 0.5),
            "sign_us_p99": percentile(&sign, 0.99),
            "sign_per_s": per_s(&sign),
            "verify_us_p50": percentile(&check, 0.5),
            "verify_us_p99": percentile(&check, 0.99),
            "verify_per_s": per_s(&check),
        })
    );
}

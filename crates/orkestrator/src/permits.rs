//! `orkestrator permit`: verify a permit offline, rotate the signing key.

use anyhow::Context;
use clap::Subcommand;
use ork_cases::permit::{Jwks, SigningKey, verify};
use ork_store::{AuditSource, Store};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum PermitCommand {
    /// Verify a permit (a JWT file) offline: exit 0 when it is valid, 1 naming what is wrong.
    Verify {
        /// The permit as a JWT, as GET /api/v1/permits/{id}/jwt gives it.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// The platform's public keys (a JWKS file, as /.well-known/jwks.json serves it).
        /// Default: the keys in the platform's database.
        #[arg(long, value_name = "FILE")]
        jwks: Option<PathBuf>,
    },
    /// Make a new signing key the one that signs; the old keys stay published, so permits
    /// they signed still verify.
    RotateKey,
}

fn public_keys(keys: &[ork_store::StoredKey]) -> Jwks {
    Jwks {
        keys: keys
            .iter()
            .filter_map(|k| SigningKey::from_secret(&k.kid, &k.secret))
            .map(|k| k.public())
            .collect(),
    }
}

pub async fn verify_file(
    file: &PathBuf,
    jwks: Option<&PathBuf>,
    store: impl AsyncFnOnce() -> anyhow::Result<Store>,
) -> anyhow::Result<ExitCode> {
    let token =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let keys = match jwks {
        Some(p) => serde_json::from_str(
            &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
        )
        .with_context(|| format!("{} is not a JWKS", p.display()))?,
        None => public_keys(&store().await?.signing_keys().await?),
    };
    match verify(&token, &keys, ork_store::now_unix()) {
        Ok(c) => {
            println!(
                "valid: permit {} held by {} for {} ({} datasets, {} approvals), expires {}",
                c.jti,
                c.sub,
                c.permit.application,
                c.permit.datasets.len(),
                c.permit.approvals.len(),
                time::OffsetDateTime::from_unix_timestamp(c.exp)
                    .map(|t| t.date().to_string())
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("invalid: {e}");
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn rotate(store: &Store) -> anyhow::Result<ExitCode> {
    let key = SigningKey::generate(format!("key-{}", ork_store::now_unix()));
    let src = AuditSource {
        actor: Some("system:cli".into()),
        org: Some("platform".into()),
        source: "cli".into(),
    };
    let mut tx = store.write().await?;
    tx.create_signing_key(&src, &key.kid, &key.secret()).await?;
    tx.retire_signing_keys(&src, &key.kid).await?;
    tx.commit().await?;
    println!(
        "New signing key {}; earlier keys are retired and stay published.",
        key.kid
    );
    Ok(ExitCode::SUCCESS)
}

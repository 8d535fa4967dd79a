//! The permit as a signed token: a JWT (RFC 7519) in JWS compact form, signed with Ed25519
//! (`EdDSA`, RFC 8037), its public keys published as a JWKS (RFC 7517, `OKP` keys). Any JWT
//! library verifies it with the JWKS; [`verify`] is this platform's own check, used by
//! `orkestrator permit verify`. Only `EdDSA` with a known `kid` is accepted: `alg: none`,
//! another algorithm, an unknown key, a changed byte or an expired permit are refused, each
//! with its reason. The claims follow the GA4GH Passport visa convention where it fits: a
//! `ga4gh_visa_v1` of type `ControlledAccessGrants` asserted by the platform as the access
//! committee, beside the permit's full scope in `permit`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};

/// One approval a permit rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    /// The roadmap step.
    pub step: String,
    pub authority: String,
    /// The part's id, the reference to the decision.
    pub reference: String,
    pub outcome: String,
    /// YYYY-MM-DD.
    pub decided: String,
}

/// A person named on the permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedUser {
    pub name: String,
    pub email: String,
    pub role: String,
}

/// One dataset and the variables granted (none listed: all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrantedDataset {
    pub id: String,
    pub variables: Vec<String>,
}

/// What a permit allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Scope {
    pub application: String,
    /// The organisation that holds the permit.
    pub organisation: String,
    pub title: String,
    pub purpose: String,
    pub datasets: Vec<GrantedDataset>,
    /// The study population: a saved cohort's id or a cohort definition.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub population: serde_json::Value,
    /// YYYY-MM-DD, the data's period.
    pub data_from: Option<String>,
    pub data_to: Option<String>,
    pub users: Vec<NamedUser>,
    pub conditions: Vec<String>,
    pub approvals: Vec<Approval>,
}

/// The GA4GH visa object (`ga4gh_visa_v1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visa {
    #[serde(rename = "type")]
    pub kind: String,
    pub asserted: i64,
    /// What access is granted to: the permit's URN.
    pub value: String,
    pub source: String,
    pub by: String,
}

/// The permit's claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The holding organisation.
    pub sub: String,
    /// The permit's id.
    pub jti: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub ga4gh_visa_v1: Visa,
    pub permit: Scope,
}

/// A public key as a JWK (RFC 8037: `OKP`, `Ed25519`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    pub alg: String,
    #[serde(rename = "use")]
    pub usage: String,
}

/// A key set as served at `/.well-known/jwks.json`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// The platform's signing key with its id.
pub struct SigningKey {
    pub kid: String,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// A new random key.
    pub fn generate(kid: impl Into<String>) -> Self {
        Self {
            kid: kid.into(),
            key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The key from its 32 secret bytes (as stored).
    pub fn from_secret(kid: impl Into<String>, secret: &[u8]) -> Option<Self> {
        let bytes: [u8; 32] = secret.try_into().ok()?;
        Some(Self {
            kid: kid.into(),
            key: ed25519_dalek::SigningKey::from_bytes(&bytes),
        })
    }

    /// The 32 secret bytes, to store (never to log).
    pub fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: B64.encode(self.key.verifying_key().to_bytes()),
            kid: self.kid.clone(),
            alg: "EdDSA".into(),
            usage: "sig".into(),
        }
    }

    /// The claims as a signed JWT.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": self.kid});
        let input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(serde_json::to_vec(claims).unwrap_or_default())
        );
        let sig = self.key.sign(input.as_bytes());
        format!("{input}.{}", B64.encode(sig.to_bytes()))
    }
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, secret withheld)", self.kid)
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a JWT in compact form (three base64url parts: header, claims, signature)")]
    Malformed,
    #[error("the algorithm is {0:?}; only EdDSA is accepted")]
    Algorithm(String),
    #[error("the key {0:?} is not one of the platform's keys")]
    UnknownKey(String),
    #[error("the signature does not match: the permit was changed or signed with another key")]
    Signature,
    #[error("the claims are not a permit's: {0}")]
    Claims(String),
    #[error("the permit expired at {0} (Unix time)")]
    Expired(i64),
}

fn part(s: &str) -> Result<Vec<u8>, Refusal> {
    B64.decode(s).map_err(|_| Refusal::Malformed)
}

/// Verifies a permit against the key set at Unix time `now`, returning its claims.
pub fn verify(token: &str, keys: &Jwks, now: i64) -> Result<Claims, Refusal> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [h, c, s] = parts.as_slice() else {
        return Err(Refusal::Malformed);
    };
    let header: serde_json::Value =
        serde_json::from_slice(&part(h)?).map_err(|_| Refusal::Malformed)?;
    let alg = header["alg"].as_str().unwrap_or("").to_owned();
    if alg != "EdDSA" {
        return Err(Refusal::Algorithm(alg));
    }
    let kid = header["kid"].as_str().unwrap_or("").to_owned();
    let jwk = keys
        .keys
        .iter()
        .find(|k| k.kid == kid && k.kty == "OKP" && k.crv == "Ed25519")
        .ok_or_else(|| Refusal::UnknownKey(kid.clone()))?;
    let public: [u8; 32] = part(&jwk.x)?
        .try_into()
        .map_err(|_| Refusal::UnknownKey(kid.clone()))?;
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|_| Refusal::UnknownKey(kid))?;
    let sig: [u8; 64] = part(s)?.try_into().map_err(|_| Refusal::Signature)?;
    key.verify(
        format!("{h}.{c}").as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .map_err(|_| Refusal::Signature)?;
    let claims: Claims =
        serde_json::from_slice(&part(c)?).map_err(|e| Refusal::Claims(e.to_string()))?;
    if claims.exp <= now {
        return Err(Refusal::Expired(claims.exp));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            iss: "urn:dataorkestrator".into(),
            sub: "demofarma".into(),
            jti: "prm-test".into(),
            iat: 1_800_000_000,
            nbf: 1_800_000_000,
            exp: 1_900_000_000,
            ga4gh_visa_v1: Visa {
                kind: "ControlledAccessGrants".into(),
                asserted: 1_800_000_000,
                value: "urn:dataorkestrator:permit:prm-test".into(),
                source: "urn:dataorkestrator".into(),
                by: "dac".into(),
            },
            permit: Scope {
                application: "app-x".into(),
                organisation: "demofarma".into(),
                title: "T".into(),
                purpose: "P".into(),
                datasets: vec![GrantedDataset {
                    id: "lpr".into(),
                    variables: vec![],
                }],
                population: serde_json::json!("coh-x"),
                data_from: None,
                data_to: None,
                users: vec![],
                conditions: vec![],
                approvals: vec![],
            },
        }
    }

    #[test]
    fn a_signed_permit_verifies_and_any_change_is_refused() {
        let key = SigningKey::generate("k1");
        let jwks = Jwks {
            keys: vec![key.public()],
        };
        let token = key.sign(&claims());
        assert_eq!(verify(&token, &jwks, 1_850_000_000), Ok(claims()));
        // A changed byte anywhere: header, claims or signature.
        for at in [3, token.len() / 2, token.len() - 3] {
            let mut b = token.clone().into_bytes();
            b[at] = if b[at] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(b).unwrap();
            assert!(verify(&changed, &jwks, 1_850_000_000).is_err(), "byte {at}");
        }
        // Another key, alg none, expiry, garbage.
        let other = Jwks {
            keys: vec![SigningKey::generate("k1").public()],
        };
        assert_eq!(
            verify(&token, &other, 1_850_000_000),
            Err(Refusal::Signature)
        );
        let (_, rest) = token.split_once('.').unwrap();
        let none = format!(
            "{}.{}",
            B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            rest.rsplit_once('.').unwrap().0
        ) + ".";
        assert_eq!(
            verify(&none, &jwks, 1_850_000_000),
            Err(Refusal::Algorithm("none".into()))
        );
        assert_eq!(
            verify(&token, &jwks, 1_900_000_000),
            Err(Refusal::Expired(1_900_000_000))
        );
        assert_eq!(verify("a.b", &jwks, 0), Err(Refusal::Malformed));
        assert_eq!(
            verify(&token, &Jwks::default(), 0),
            Err(Refusal::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn a_rotated_key_keeps_old_permits_verifiable() {
        let (old, new) = (SigningKey::generate("k1"), SigningKey::generate("k2"));
        let token = old.sign(&claims());
        let jwks = Jwks {
            keys: vec![new.public(), old.public()],
        };
        assert!(verify(&token, &jwks, 1_850_000_000).is_ok());
        let again = SigningKey::from_secret("k1", &old.secret()).unwrap();
        assert_eq!(again.public(), old.public());
        assert!(!format!("{old:?}").contains(&B64.encode(old.secret())));
    }
}

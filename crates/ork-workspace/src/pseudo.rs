//! Project pseudonyms.
//!
//! - The **master key** (32 bytes) is held outside the state database: a file or an
//!   environment variable in development ([`LocalMasterKey`]), a KMS or HSM in production
//!   behind [`KeyProvider`]. It is never written to a log, an error or the database; its
//!   `Debug` shows nothing of it.
//! - A **project key** is HKDF-SHA256 of the master key with the project's id as `info`:
//!   the platform derives it when it needs it and never stores it. (A workspace's files are
//!   encrypted under a separate, random data key that can be destroyed: `seal.rs`.)
//! - A **pseudonym** is the first 16 bytes of HMAC-SHA256(project key, identifier), written
//!   as 32 lowercase hex digits. [`Pseudonymiser`] keys the MAC once and clones its keyed
//!   inner and outer state for each identifier, so each costs two SHA-256 compressions.

use crate::seal::{DataKey, KeyStore, kek};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

/// Bytes of a master key and of a project key.
pub const KEY_BYTES: usize = 32;
/// Bytes of a pseudonym (128 bits: no collision among a population of many millions).
pub const PSEUDONYM_BYTES: usize = 16;
/// HKDF's salt: names the purpose and its version, so a key derived for another purpose or
/// a later scheme never equals this one.
const SALT: &[u8] = b"dataorkestrator/project-pseudonym-key/v1";

/// Why a key could not be had. Never holds key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the master key is not set: {0}")]
    Missing(String),
    #[error("the master key must be {KEY_BYTES} bytes written as {} hex digits", KEY_BYTES * 2)]
    Malformed,
    #[error("the project id is empty")]
    EmptyProject,
    #[error("the workspace id is not fit to name a key")]
    BadWorkspace,
    /// The workspace's data key was destroyed (crypto-shredding): its files are unreadable.
    #[error("the workspace's data key has been destroyed")]
    Destroyed,
    #[error("the workspace has no data key")]
    NoDataKey,
    /// A wrapped data key does not open: another master key, or a damaged file.
    #[error("the workspace's data key does not open with this master key")]
    Unwrap,
    #[error("the key store cannot be used: {0}")]
    Store(String),
}

/// Where project keys and workspaces' data keys come from.
pub trait KeyProvider: Send + Sync {
    /// The key of one project, derived from the master key.
    fn project_key(&self, project: &str) -> Result<ProjectKey, KeyError>;

    /// A workspace's data key (`seal.rs`); made first when `create` (the first write).
    /// [`KeyError::Destroyed`] once destroyed, [`KeyError::NoDataKey`] when never made.
    fn data_key(&self, workspace: &str, create: bool) -> Result<DataKey, KeyError>;

    /// Destroys a workspace's data key for good (crypto-shredding).
    fn destroy_data_key(&self, workspace: &str) -> Result<(), KeyError>;
}

/// A master key held in this process (development; tests), with the workspaces' wrapped
/// data keys in memory ([`LocalMasterKey::from_hex`]) or in a folder
/// ([`LocalMasterKey::with_key_dir`]).
pub struct LocalMasterKey {
    master: [u8; KEY_BYTES],
    store: KeyStore,
}

impl Drop for LocalMasterKey {
    fn drop(&mut self) {
        self.master.zeroize();
    }
}

impl std::fmt::Debug for LocalMasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LocalMasterKey(…)")
    }
}

impl LocalMasterKey {
    /// From 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let mut bytes = [0u8; KEY_BYTES];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| KeyError::Malformed)?;
        Ok(Self {
            master: bytes,
            store: KeyStore::Memory(Default::default()),
        })
    }

    /// Keeps the workspaces' wrapped data keys in `dir` (one file each), so they outlive
    /// the process.
    pub fn with_key_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.store = KeyStore::Folder(dir.into());
        self
    }

    /// From a file holding 64 hex digits.
    pub fn from_file(path: &std::path::Path) -> Result<Self, KeyError> {
        let mut text = std::fs::read_to_string(path)
            .map_err(|e| KeyError::Missing(format!("{}: {}", path.display(), e.kind())))?;
        let key = Self::from_hex(&text);
        text.zeroize();
        key
    }

    /// From an environment variable holding 64 hex digits.
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        let mut text =
            std::env::var(var).map_err(|_| KeyError::Missing(format!("{var} is not set")))?;
        let key = Self::from_hex(&text);
        text.zeroize();
        key
    }

    /// A new random master key, as hex (for `orkestrator`'s set-up).
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; KEY_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let text = hex::encode(bytes);
        bytes.zeroize();
        text
    }
}

impl KeyProvider for LocalMasterKey {
    fn project_key(&self, project: &str) -> Result<ProjectKey, KeyError> {
        if project.is_empty() {
            return Err(KeyError::EmptyProject);
        }
        let hk = hkdf::Hkdf::<Sha256>::new(Some(SALT), &self.master);
        let mut key = [0u8; KEY_BYTES];
        hk.expand(project.as_bytes(), &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Ok(ProjectKey(key))
    }

    fn data_key(&self, workspace: &str, create: bool) -> Result<DataKey, KeyError> {
        self.store.data_key(&kek(&self.master), workspace, create)
    }

    fn destroy_data_key(&self, workspace: &str) -> Result<(), KeyError> {
        self.store.destroy(workspace)
    }
}

/// One project's key.
pub struct ProjectKey([u8; KEY_BYTES]);

impl Drop for ProjectKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl std::fmt::Debug for ProjectKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProjectKey(…)")
    }
}

/// A pseudonym: 16 bytes, shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pseudonym(pub [u8; PSEUDONYM_BYTES]);

impl std::fmt::Display for Pseudonym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut buf = [0u8; PSEUDONYM_BYTES * 2];
        hex::encode_to_slice(self.0, &mut buf).map_err(|_| std::fmt::Error)?;
        f.write_str(std::str::from_utf8(&buf).map_err(|_| std::fmt::Error)?)
    }
}

impl std::fmt::Debug for Pseudonym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pseudonym({self})")
    }
}

/// Turns identifiers into one project's pseudonyms. Cheap to clone; share one per thread.
#[derive(Clone)]
pub struct Pseudonymiser {
    keyed: Hmac<Sha256>,
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(…)")
    }
}

impl Pseudonymiser {
    pub fn new(key: &ProjectKey) -> Self {
        Self {
            keyed: Hmac::<Sha256>::new_from_slice(&key.0)
                .expect("HMAC-SHA256 takes a key of any length"),
        }
    }

    /// The pseudonym of one identifier (a CPR number's bytes as written in the registers; the
    /// tests use made-up identifiers, never CPR-shaped ones).
    pub fn pseudonym(&self, id: &[u8]) -> Pseudonym {
        let mut mac = self.keyed.clone();
        mac.update(id);
        let tag = mac.finalize().into_bytes();
        let mut out = [0u8; PSEUDONYM_BYTES];
        out.copy_from_slice(&tag[..PSEUDONYM_BYTES]);
        Pseudonym(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> LocalMasterKey {
        LocalMasterKey::from_hex(&"0f".repeat(KEY_BYTES)).unwrap()
    }

    #[test]
    fn the_same_person_has_one_pseudonym_in_a_project_and_another_in_the_next() {
        let m = master();
        let a = Pseudonymiser::new(&m.project_key("prj-a").unwrap());
        let b = Pseudonymiser::new(&m.project_key("prj-b").unwrap());
        let p = a.pseudonym(b"person-0001");
        assert_eq!(p, a.pseudonym(b"person-0001"), "stable within a project");
        assert_eq!(p, a.clone().pseudonym(b"person-0001"));
        assert_ne!(p, b.pseudonym(b"person-0001"), "unlinkable across projects");
        assert_ne!(p, a.pseudonym(b"person-0002"));
        let shown = p.to_string();
        assert_eq!(shown.len(), 32);
        assert!(
            shown
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(!shown.contains("person"));
    }

    /// The construction is HKDF-SHA256 (RFC 5869) then HMAC-SHA256 (RFC 2104): the RFCs'
    /// test vectors, and one pseudonym computed independently with Python's hmac and
    /// hashlib (HKDF written out: PRK = HMAC(salt, master), key = HMAC(PRK, project || 1)).
    #[test]
    fn the_construction_matches_the_standards() {
        let a = Pseudonymiser::new(&master().project_key("prj-a").unwrap());
        assert_eq!(
            a.pseudonym(b"person-0001").to_string(),
            "2f0dd30d96af5ae1d77d3dddb225eabe"
        );
        // RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?").
        let keyed = Pseudonymiser {
            keyed: Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap(),
        };
        assert_eq!(
            keyed.pseudonym(b"what do ya want for nothing?").to_string(),
            "5bdcc146bf60754e6a042426089575c7"
        );
        // RFC 5869 test case 1 through the same HKDF: the crate's own vector, stated here
        // so a change of library cannot pass unnoticed.
        let hk = hkdf::Hkdf::<Sha256>::new(
            Some(&hex::decode("000102030405060708090a0b0c").unwrap()),
            &hex::decode("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b").unwrap(),
        );
        let mut okm = [0u8; 42];
        hk.expand(&hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap(), &mut okm)
            .unwrap();
        assert_eq!(
            hex::encode(okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn keys_show_nothing_and_bad_ones_are_refused_without_echo() {
        let m = master();
        assert_eq!(format!("{m:?}"), "LocalMasterKey(…)");
        let k = m.project_key("prj-a").unwrap();
        assert_eq!(format!("{k:?}"), "ProjectKey(…)");
        assert_eq!(format!("{:?}", Pseudonymiser::new(&k)), "Pseudonymiser(…)");
        let bad = "zz".repeat(KEY_BYTES);
        let e = LocalMasterKey::from_hex(&bad).unwrap_err();
        assert_eq!(e, KeyError::Malformed);
        assert!(!e.to_string().contains("zz"));
        assert_eq!(
            LocalMasterKey::from_hex("0f0f").unwrap_err(),
            KeyError::Malformed
        );
        assert_eq!(m.project_key("").unwrap_err(), KeyError::EmptyProject);
        let e = LocalMasterKey::from_env("ORK_TEST_SURELY_UNSET_KEY").unwrap_err();
        assert!(matches!(e, KeyError::Missing(_)));
        let generated = LocalMasterKey::generate_hex();
        assert_eq!(generated.len(), 64);
        assert_ne!(generated, LocalMasterKey::generate_hex());
        LocalMasterKey::from_hex(&generated).unwrap();
    }
}

//! Encryption at rest and crypto-shredding.
//!
//! Every file of a workspace (the extracts, the researcher's own data) is Parquet with
//! modular encryption: AES-256-GCM over the footer and every column, under the workspace's
//! own **data key**.
//!
//! - A data key is 32 random bytes, made when the workspace first writes.
//! - It is kept only wrapped (AES-256-GCM, bound to the workspace's id) under a
//!   key-encryption key, which is derived by HKDF from the master key. The key provider keeps
//!   it: a folder beside the master key in development ([`LocalMasterKey`]), a KMS in
//!   production. It is never in the database or in the workspace's folder.
//! - Destroying the data key leaves a tombstone. Every copy of the workspace's files, backups
//!   included, is then unreadable for good. That is how a workspace is deleted at the end of
//!   its retention.
//!
//! [`LocalMasterKey`]: crate::LocalMasterKey

use crate::pseudo::{KEY_BYTES, KeyError};
use datafusion::config::ConfigFileDecryptionProperties;
use datafusion::prelude::ParquetReadOptions;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::encryption::decrypt::FileDecryptionProperties;
use parquet::encryption::encrypt::FileEncryptionProperties;
use parquet::file::properties::WriterProperties;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use zeroize::{Zeroize, Zeroizing};

/// One workspace's data key. Its `Debug` shows nothing of it.
pub struct DataKey(Zeroizing<[u8; KEY_BYTES]>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

impl DataKey {
    /// A key from its bytes (tests and benchmarks; the platform's come from its provider).
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    fn random() -> Self {
        let mut bytes = [0u8; KEY_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
        let key = Self::from_bytes(bytes);
        bytes.zeroize();
        key
    }

    fn aead(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, self.0.as_ref()).expect("a 32-byte AES key"))
    }

    /// Seals bytes that are not Parquet (an output waiting in the airlock) under this key:
    /// AES-256-GCM, bound to `context` (the object's id), a random nonce before the cipher
    /// text.
    pub fn seal_bytes(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        let mut out = nonce.to_vec();
        out.extend_from_slice(plain);
        let tag = self
            .aead()
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut out[NONCE_LEN..],
            )
            .expect("AES-GCM seals any length the process can hold");
        out.extend_from_slice(tag.as_ref());
        out
    }

    /// Opens what [`DataKey::seal_bytes`] sealed for the same `context`; `None` when the key,
    /// the context or a byte differs.
    pub fn open_bytes(&self, context: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return None;
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).ok()?;
        let mut body = sealed[NONCE_LEN..].to_vec();
        let plain = self
            .aead()
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut body)
            .ok()?
            .len();
        body.truncate(plain);
        Some(body)
    }

    /// Writer properties that encrypt the footer and every column under this key.
    pub fn writer_properties(&self) -> parquet::errors::Result<WriterProperties> {
        let encryption = FileEncryptionProperties::builder(self.0.to_vec()).build()?;
        Ok(WriterProperties::builder()
            .with_file_encryption_properties(encryption)
            .build())
    }

    /// What the parquet crate needs to read a file written under this key.
    pub fn decryption_properties(
        &self,
    ) -> parquet::errors::Result<std::sync::Arc<FileDecryptionProperties>> {
        FileDecryptionProperties::builder(self.0.to_vec()).build()
    }

    /// The parquet crate's reader options for a file written under this key.
    pub fn reader_options(&self) -> parquet::errors::Result<ArrowReaderOptions> {
        Ok(
            ArrowReaderOptions::new()
                .with_file_decryption_properties(self.decryption_properties()?),
        )
    }

    /// DataFusion's read options for a file written under this key.
    pub fn read_options(&self) -> ParquetReadOptions<'static> {
        ParquetReadOptions::default().file_decryption_properties(ConfigFileDecryptionProperties {
            footer_key_as_hex: hex::encode(*self.0),
            ..Default::default()
        })
    }
}

/// Copies a sealed file to `out` as plain Parquet (an archive package's table), giving
/// its rows.
pub fn unseal(file: &Path, out: &Path, key: &DataKey) -> parquet::errors::Result<u64> {
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(
        std::fs::File::open(file)?,
        key.reader_options()?,
    )?;
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(out)?, reader.schema().clone(), None)?;
    let mut rows = 0u64;
    for batch in reader.build()? {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.close()?;
    std::fs::File::open(out)?.sync_all()?;
    Ok(rows)
}

/// Copies a plain Parquet file to `out` as CSV with a header (a job's tables for R, which
/// has no Parquet reader here), giving its rows.
pub fn parquet_to_csv(plain: &Path, out: &Path) -> parquet::errors::Result<u64> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(plain)?)?.build()?;
    let file = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(true)
        .build(file);
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer
            .write(&batch)
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
    }
    writer.into_inner().flush()?;
    Ok(rows)
}

/// Where a [`crate::LocalMasterKey`] keeps its workspaces' wrapped data keys.
pub(crate) enum KeyStore {
    /// In this process only (tests): the keys die with it.
    Memory(Mutex<HashMap<String, Option<Zeroizing<[u8; KEY_BYTES]>>>>),
    /// One file per workspace in a folder: `ID.key` (the wrapped key), `ID.destroyed` (the
    /// tombstone).
    Folder(PathBuf),
}

/// The key-encryption key, derived from the master key.
pub(crate) fn kek(master: &[u8; KEY_BYTES]) -> LessSafeKey {
    let hk =
        hkdf::Hkdf::<sha2::Sha256>::new(Some(b"dataorkestrator/workspace-data-kek/v1"), master);
    let mut key = Zeroizing::new([0u8; KEY_BYTES]);
    hk.expand(b"kek", key.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key.as_ref()).expect("a 32-byte AES key"))
}

/// A workspace id fit to name a file.
fn checked(workspace: &str) -> Result<&str, KeyError> {
    if workspace.is_empty()
        || workspace.len() > 100
        || !workspace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(KeyError::BadWorkspace);
    }
    Ok(workspace)
}

fn io(e: std::io::Error) -> KeyError {
    KeyError::Store(e.kind().to_string())
}

fn wrap(kek: &LessSafeKey, workspace: &str, key: &DataKey) -> Result<String, KeyError> {
    let mut nonce = [0u8; NONCE_LEN];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let mut sealed = Zeroizing::new(key.0.to_vec());
    kek.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(workspace.as_bytes()),
        &mut *sealed,
    )
    .map_err(|_| KeyError::Unwrap)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(hex::encode(out))
}

fn unwrap(kek: &LessSafeKey, workspace: &str, text: &str) -> Result<DataKey, KeyError> {
    let mut bytes = Zeroizing::new(hex::decode(text.trim()).map_err(|_| KeyError::Unwrap)?);
    if bytes.len() != NONCE_LEN + KEY_BYTES + AES_256_GCM.tag_len() {
        return Err(KeyError::Unwrap);
    }
    let nonce =
        Nonce::try_assume_unique_for_key(&bytes[..NONCE_LEN]).map_err(|_| KeyError::Unwrap)?;
    let plain = kek
        .open_in_place(
            nonce,
            Aad::from(workspace.as_bytes()),
            &mut bytes[NONCE_LEN..],
        )
        .map_err(|_| KeyError::Unwrap)?;
    let mut key = [0u8; KEY_BYTES];
    key.copy_from_slice(plain);
    let out = DataKey::from_bytes(key);
    key.zeroize();
    Ok(out)
}

impl KeyStore {
    pub(crate) fn data_key(
        &self,
        kek: &LessSafeKey,
        workspace: &str,
        create: bool,
    ) -> Result<DataKey, KeyError> {
        let workspace = checked(workspace)?;
        match self {
            Self::Memory(keys) => {
                let mut keys = keys.lock().unwrap_or_else(|p| p.into_inner());
                match keys.get(workspace) {
                    Some(Some(k)) => Ok(DataKey::from_bytes(**k)),
                    Some(None) => Err(KeyError::Destroyed),
                    None if create => {
                        let k = DataKey::random();
                        keys.insert(workspace.to_owned(), Some(k.0.clone()));
                        Ok(k)
                    }
                    None => Err(KeyError::NoDataKey),
                }
            }
            Self::Folder(dir) => {
                let file = dir.join(format!("{workspace}.key"));
                if dir.join(format!("{workspace}.destroyed")).exists() {
                    return Err(KeyError::Destroyed);
                }
                match std::fs::read_to_string(&file) {
                    Ok(text) => unwrap(kek, workspace, &text),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
                        create_in(dir, kek, workspace, &file)
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KeyError::NoDataKey),
                    Err(e) => Err(io(e)),
                }
            }
        }
    }

    pub(crate) fn destroy(&self, workspace: &str) -> Result<(), KeyError> {
        let workspace = checked(workspace)?;
        match self {
            Self::Memory(keys) => {
                keys.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(workspace.to_owned(), None);
                Ok(())
            }
            Self::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(io)?;
                // The tombstone first: from now on no key is made or read for it.
                let mut t = std::fs::File::create(dir.join(format!("{workspace}.destroyed")))
                    .map_err(io)?;
                t.write_all(b"destroyed\n").map_err(io)?;
                t.sync_all().map_err(io)?;
                let file = dir.join(format!("{workspace}.key"));
                match std::fs::OpenOptions::new().write(true).open(&file) {
                    Ok(mut f) => {
                        // Overwritten before it is unlinked, so the blocks do not keep it.
                        let len = f.metadata().map_err(io)?.len() as usize;
                        f.write_all(&vec![0u8; len]).map_err(io)?;
                        f.sync_all().map_err(io)?;
                        std::fs::remove_file(&file).map_err(io)?;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io(e)),
                }
                sync_dir(dir);
                Ok(())
            }
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Makes, wraps and keeps a new key; when another thread made one first, that one.
fn create_in(
    dir: &Path,
    kek: &LessSafeKey,
    workspace: &str,
    file: &Path,
) -> Result<DataKey, KeyError> {
    std::fs::create_dir_all(dir).map_err(io)?;
    let key = DataKey::random();
    let tmp = dir.join(format!(".{workspace}.{}.partial", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(wrap(kek, workspace, &key)?.as_bytes())
            .map_err(io)?;
        f.sync_all().map_err(io)?;
    }
    // A hard link never replaces: the first key made is the one kept.
    let linked = std::fs::hard_link(&tmp, file);
    let _ = std::fs::remove_file(&tmp);
    sync_dir(dir);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(file).map_err(io)?;
            unwrap(kek, workspace, &text)
        }
        Err(e) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use crate::{KeyError, KeyProvider, LocalMasterKey};

    fn master(hex: &str, dir: &std::path::Path) -> LocalMasterKey {
        LocalMasterKey::from_hex(&hex.repeat(32))
            .unwrap()
            .with_key_dir(dir)
    }

    fn bytes(k: &super::DataKey) -> [u8; 32] {
        *k.0
    }

    #[test]
    fn a_data_key_is_made_once_kept_wrapped_and_destroyed_for_good() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("keys");
        let m = master("1a", &dir);
        assert_eq!(m.data_key("ws-1", false).unwrap_err(), KeyError::NoDataKey);
        let k = m.data_key("ws-1", true).unwrap();
        assert_eq!(bytes(&k), bytes(&m.data_key("ws-1", true).unwrap()));
        assert_ne!(bytes(&k), bytes(&m.data_key("ws-2", true).unwrap()));
        // Another process with the same master key opens it; another master key does not.
        assert_eq!(
            bytes(&k),
            bytes(&master("1a", &dir).data_key("ws-1", false).unwrap())
        );
        assert_eq!(
            master("2b", &dir).data_key("ws-1", false).unwrap_err(),
            KeyError::Unwrap
        );
        // The file holds the key wrapped, never as it is; a wrapped key moved to another
        // workspace's name does not open (it is bound to its id).
        let text = std::fs::read_to_string(dir.join("ws-1.key")).unwrap();
        assert!(!text.contains(&hex::encode(bytes(&k))));
        std::fs::copy(dir.join("ws-1.key"), dir.join("ws-3.key")).unwrap();
        assert_eq!(m.data_key("ws-3", false).unwrap_err(), KeyError::Unwrap);
        // Destroyed: gone from the folder, never made again.
        m.destroy_data_key("ws-1").unwrap();
        assert!(!dir.join("ws-1.key").exists());
        assert_eq!(m.data_key("ws-1", true).unwrap_err(), KeyError::Destroyed);
        assert_eq!(
            master("1a", &dir).data_key("ws-1", false).unwrap_err(),
            KeyError::Destroyed
        );
        let other = m.data_key("ws-2", false).expect("the others are untouched");
        assert_ne!(bytes(&k), bytes(&other));
        // Ids that could name another file are refused.
        for bad in ["", "../ws-2", "ws/2", "ws 2"] {
            assert_eq!(m.data_key(bad, true).unwrap_err(), KeyError::BadWorkspace);
        }
        assert_eq!(format!("{k:?}"), "DataKey(…)");
    }

    #[test]
    fn in_memory_keys_behave_alike() {
        let m = LocalMasterKey::from_hex(&"3c".repeat(32)).unwrap();
        assert_eq!(m.data_key("ws-1", false).unwrap_err(), KeyError::NoDataKey);
        let k = m.data_key("ws-1", true).unwrap();
        assert_eq!(bytes(&k), bytes(&m.data_key("ws-1", false).unwrap()));
        m.destroy_data_key("ws-1").unwrap();
        assert_eq!(m.data_key("ws-1", true).unwrap_err(), KeyError::Destroyed);
    }
}

#[cfg(test)]
mod bytes_tests {
    use super::DataKey;

    #[test]
    fn sealed_bytes_open_only_with_their_key_and_context() {
        let key = DataKey::from_bytes([7; 32]);
        let sealed = key.seal_bytes("out-1", b"a safe table");
        assert!(!sealed.windows(4).any(|w| w == b"safe"));
        assert_eq!(
            key.open_bytes("out-1", &sealed).as_deref(),
            Some(&b"a safe table"[..])
        );
        assert_eq!(key.open_bytes("out-2", &sealed), None);
        assert_eq!(
            DataKey::from_bytes([8; 32]).open_bytes("out-1", &sealed),
            None
        );
        let mut changed = sealed.clone();
        changed[14] ^= 1;
        assert_eq!(key.open_bytes("out-1", &changed), None);
        assert_eq!(key.open_bytes("out-1", &sealed[..10]), None);
    }
}

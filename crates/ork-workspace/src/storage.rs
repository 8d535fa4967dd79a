//! Where workspace files live: through `object_store`, on this machine's disk by default or in
//! S3-compatible object storage by configuration.
//!
//! The layout is the same on both: `<root>/<workspace>/snapshots/<number>/<table>.parquet`,
//! every file sealed (`seal.rs`) before it leaves the writer, so the storage never holds a
//! readable byte. A snapshot is written into a local staging folder first and then
//! *published*: on disk by one atomic rename, in object storage by uploading each file. It is
//! visible only once the database records it, so a crash at any point leaves files that no
//! snapshot names, which [`Storage::snapshot_folders`] finds and [`Storage::remove_snapshot`]
//! clears at the next start.

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::ObjectStoreExt;
use object_store::path::Path as ObjPath;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why storage could not be reached or written.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the workspace store {0:?} is not a folder or an s3:// URL")]
    BadUrl(String),
    #[error("object storage: {0}")]
    Object(#[from] object_store::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An object store as DataFusion registers it: the URL its tables start with, and the store.
#[derive(Debug, Clone)]
pub struct ObjectStoreRef {
    pub url: url::Url,
    pub store: Arc<dyn ObjectStore>,
}

/// The workspace files' storage.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A folder on this machine.
    Local { root: PathBuf },
    /// S3-compatible object storage under `prefix` of `bucket`; snapshots are staged in
    /// `staging` on this machine before they are uploaded.
    Object {
        store: ObjectStoreRef,
        prefix: ObjPath,
        staging: PathBuf,
        /// `s3://bucket/prefix`, for messages.
        shown: String,
    },
}

/// Uploads go in parts of this size (S3 wants at least 5 MiB but the last).
const PART: usize = 8 << 20;

impl Storage {
    /// Workspaces in the folder `root`.
    pub fn local(root: PathBuf) -> Self {
        Self::Local { root }
    }

    /// Workspaces in the bucket and prefix of `url` (`s3://bucket/prefix`). The endpoint,
    /// region and credentials come from the standard `AWS_*` environment variables
    /// (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP`…), then from `options` (object_store's configuration keys, e.g.
    /// `aws_endpoint`), so no secret is written in the configuration file.
    pub fn s3(url: &str, options: &[(&str, &str)], staging: PathBuf) -> Result<Self, StorageError> {
        use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
        let bad = || StorageError::BadUrl(url.to_owned());
        let parsed = url::Url::parse(url).map_err(|_| bad())?;
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or_else(bad)?;
        if parsed.scheme() != "s3" || parsed.query().is_some() {
            return Err(bad());
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        for (k, v) in options {
            let key: AmazonS3ConfigKey = k.parse().map_err(|_| bad())?;
            builder = builder.with_config(key, *v);
        }
        let store: Arc<dyn ObjectStore> = Arc::new(builder.build()?);
        let prefix = ObjPath::from(parsed.path().trim_matches('/'));
        Ok(Self::Object {
            store: ObjectStoreRef {
                url: url::Url::parse(&format!("s3://{bucket}")).map_err(|_| bad())?,
                store,
            },
            shown: format!("s3://{bucket}/{prefix}"),
            prefix,
            staging,
        })
    }

    /// A folder path or an `s3://` URL, as the configuration names it.
    pub fn from_config(
        location: &str,
        options: &[(&str, &str)],
        staging: PathBuf,
    ) -> Result<Self, StorageError> {
        if location.starts_with("s3://") {
            Self::s3(location, options, staging)
        } else if location.contains("://") {
            Err(StorageError::BadUrl(location.to_owned()))
        } else {
            Ok(Self::local(PathBuf::from(location)))
        }
    }

    /// Where the files are, for logs and messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Local { root } => root.display().to_string(),
            Self::Object { shown, .. } => shown.clone(),
        }
    }

    fn key(prefix: &ObjPath, parts: &[&str]) -> ObjPath {
        let mut p = prefix.clone();
        for part in parts {
            p = p.join(*part);
        }
        p
    }

    fn snapshot_key(prefix: &ObjPath, ws: &str, number: i64) -> ObjPath {
        Self::key(prefix, &[ws, "snapshots", &number.to_string()])
    }

    /// An empty local folder to write snapshot `number` of `ws` into (what a crash left there
    /// is removed first).
    pub fn stage(&self, ws: &str, number: i64) -> std::io::Result<PathBuf> {
        let dir = match self {
            Self::Local { root } => root.join(ws).join("snapshots"),
            Self::Object { staging, .. } => staging.join(ws),
        }
        .join(format!(".{number}.partial"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(dir)
    }

    /// Puts table file `file` of snapshot `from` into the staged snapshot `to` (the project's
    /// own data, kept from one snapshot to the next): a hard link on disk, a copy inside the
    /// object store.
    pub async fn carry(
        &self,
        ws: &str,
        from: i64,
        to: i64,
        staged: &Path,
        file: &str,
    ) -> Result<(), StorageError> {
        match self {
            Self::Local { root } => {
                let src = local_file(root, ws, from, file);
                let dst = staged.join(file);
                std::fs::hard_link(&src, &dst)
                    .or_else(|_| std::fs::copy(&src, &dst).map(|_| ()))?;
            }
            Self::Object { store, prefix, .. } => {
                let src = Self::snapshot_key(prefix, ws, from).join(file);
                let dst = Self::snapshot_key(prefix, ws, to).join(file);
                store.store.copy(&src, &dst).await?;
            }
        }
        Ok(())
    }

    /// Makes the staged folder snapshot `number` of `ws` (not yet visible: the database's
    /// record makes it so). On disk the folder is synced and renamed; in object storage each
    /// file is uploaded and the staged folder removed.
    pub async fn publish(&self, ws: &str, number: i64, staged: &Path) -> Result<(), StorageError> {
        match self {
            Self::Local { root } => {
                let dir = root.join(ws).join("snapshots");
                std::fs::File::open(staged)?.sync_all()?;
                let done = dir.join(number.to_string());
                if done.exists() {
                    // A folder no snapshot row names (a crash's): not a snapshot.
                    std::fs::remove_dir_all(&done)?;
                }
                std::fs::rename(staged, &done)?;
                std::fs::File::open(&dir)?.sync_all()?;
            }
            Self::Object { store, prefix, .. } => {
                let to = Self::snapshot_key(prefix, ws, number);
                for entry in std::fs::read_dir(staged)? {
                    let entry = entry?;
                    let name = entry.file_name().to_string_lossy().into_owned();
                    upload(
                        store.store.as_ref(),
                        &to.clone().join(name.as_str()),
                        &entry.path(),
                    )
                    .await?;
                }
                std::fs::remove_dir_all(staged)?;
            }
        }
        Ok(())
    }

    /// Removes snapshot folder `name` of `ws` (a number, or a staged `.N.partial`).
    pub async fn remove_snapshot(&self, ws: &str, name: &str) -> Result<(), StorageError> {
        self.remove(&[ws, "snapshots", name], &[ws, name]).await
    }

    /// Removes every file of `ws`.
    pub async fn remove_workspace(&self, ws: &str) -> Result<(), StorageError> {
        self.remove(&[ws], &[ws]).await
    }

    /// Removes what lies under `stored` (below the root or prefix) and its staged copy under
    /// `staged` (below the staging folder, for object storage).
    async fn remove(&self, stored: &[&str], staged: &[&str]) -> Result<(), StorageError> {
        let remove_dir = |dir: PathBuf| -> std::io::Result<()> {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            Ok(())
        };
        match self {
            Self::Local { root } => remove_dir(stored.iter().fold(root.clone(), |d, p| d.join(p)))?,
            Self::Object {
                store,
                prefix,
                staging,
                ..
            } => {
                remove_dir(staged.iter().fold(staging.clone(), |d, p| d.join(p)))?;
                delete_under(store.store.as_ref(), &Self::key(prefix, stored)).await?;
            }
        }
        Ok(())
    }

    /// Every workspace with files, each with the names of its snapshot folders (numbers, and
    /// staged `.N.partial` folders a crash left).
    pub async fn snapshot_folders(&self) -> Result<Vec<(String, Vec<String>)>, StorageError> {
        let mut out = Vec::new();
        match self {
            Self::Local { root } => {
                let Ok(entries) = std::fs::read_dir(root) else {
                    return Ok(out);
                };
                for entry in entries {
                    let entry = entry?;
                    let Some(ws) = entry.file_name().to_str().map(str::to_owned) else {
                        continue;
                    };
                    if entry.file_type()?.is_dir() {
                        out.push((ws, names(&entry.path().join("snapshots"))?));
                    }
                }
            }
            Self::Object {
                store,
                prefix,
                staging,
                ..
            } => {
                let top = store.store.list_with_delimiter(Some(prefix)).await?;
                for ws_prefix in top.common_prefixes {
                    let Some(ws) = ws_prefix.filename().map(str::to_owned) else {
                        continue;
                    };
                    let snaps = store
                        .store
                        .list_with_delimiter(Some(&ws_prefix.clone().join("snapshots")))
                        .await?;
                    let mut found: Vec<String> = snaps
                        .common_prefixes
                        .iter()
                        .filter_map(|p| p.filename().map(str::to_owned))
                        .collect();
                    found.extend(names(&staging.join(&ws))?);
                    out.push((ws, found));
                }
                // Staged folders of a workspace with nothing uploaded yet.
                if let Ok(entries) = std::fs::read_dir(staging) {
                    for entry in entries {
                        let entry = entry?;
                        let Some(ws) = entry.file_name().to_str().map(str::to_owned) else {
                            continue;
                        };
                        if !out.iter().any(|(w, _)| *w == ws) {
                            out.push((ws, names(&entry.path())?));
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Table file `file` of snapshot `number` of `ws` as a file on this machine: the file
    /// itself in a folder store, else a copy fetched to `scratch`. Says which: a fetched copy
    /// is the caller's to remove.
    pub async fn on_disk(
        &self,
        ws: &str,
        number: i64,
        file: &str,
        scratch: &Path,
    ) -> Result<(PathBuf, bool), StorageError> {
        match self {
            Self::Local { root } => Ok((local_file(root, ws, number, file), false)),
            Self::Object { store, prefix, .. } => {
                use std::io::Write;
                let key = Self::snapshot_key(prefix, ws, number).join(file);
                let mut stream = store.store.get(&key).await?.into_stream();
                let mut out = std::fs::File::create(scratch)?;
                while let Some(chunk) = stream.next().await {
                    out.write_all(&chunk?)?;
                }
                out.sync_all()?;
                Ok((scratch.to_path_buf(), true))
            }
        }
    }

    /// Where DataFusion reads table file `file` of snapshot `number` of `ws`: a path or a URL,
    /// with the object store to register for it.
    pub fn table(&self, ws: &str, number: i64, file: &str) -> (String, Option<ObjectStoreRef>) {
        match self {
            Self::Local { root } => (
                local_file(root, ws, number, file)
                    .to_string_lossy()
                    .into_owned(),
                None,
            ),
            Self::Object { store, prefix, .. } => {
                let key = Self::snapshot_key(prefix, ws, number).join(file);
                (
                    format!("{}/{key}", store.url.as_str().trim_end_matches('/')),
                    Some(store.clone()),
                )
            }
        }
    }
}

/// Table file `file` of snapshot `number` of `ws` in the folder `root`.
fn local_file(root: &Path, ws: &str, number: i64, file: &str) -> PathBuf {
    root.join(ws)
        .join("snapshots")
        .join(number.to_string())
        .join(file)
}

/// The entries of a folder, by name (none when it does not exist).
fn names(dir: &Path) -> std::io::Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    entries
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

/// Uploads a local file in parts, never holding more than a part in memory.
async fn upload(store: &dyn ObjectStore, key: &ObjPath, file: &Path) -> Result<(), StorageError> {
    let mut f = std::fs::File::open(file)?;
    let size = f.metadata()?.len() as usize;
    if size <= PART {
        let mut buf = Vec::with_capacity(size);
        f.read_to_end(&mut buf)?;
        store.put(key, Bytes::from(buf).into()).await?;
        return Ok(());
    }
    let mut writer =
        object_store::WriteMultipart::new_with_chunk_size(store.put_multipart(key).await?, PART);
    let mut buf = vec![0u8; PART];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        writer.wait_for_capacity(4).await?;
        writer.write(&buf[..n]);
    }
    writer.finish().await?;
    Ok(())
}

/// Deletes every object under `prefix`.
async fn delete_under(store: &dyn ObjectStore, prefix: &ObjPath) -> Result<(), StorageError> {
    let keys: Vec<ObjPath> = store
        .list(Some(prefix))
        .map_ok(|m| m.location)
        .try_collect()
        .await?;
    for key in keys {
        match store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_snapshot_is_staged_published_carried_listed_and_removed() {
        let root = tempfile::tempdir().unwrap();
        let s = Storage::local(root.path().to_path_buf());
        let staged = s.stage("ws-1", 1).unwrap();
        std::fs::write(staged.join("a.parquet"), b"sealed bytes").unwrap();
        // Before it is published, the staged folder shows as a leftover.
        assert_eq!(
            s.snapshot_folders().await.unwrap(),
            vec![("ws-1".to_owned(), vec![".1.partial".to_owned()])]
        );
        s.publish("ws-1", 1, &staged).await.unwrap();
        let staged2 = s.stage("ws-1", 2).unwrap();
        s.carry("ws-1", 1, 2, &staged2, "a.parquet").await.unwrap();
        s.publish("ws-1", 2, &staged2).await.unwrap();
        let (path, store) = s.table("ws-1", 2, "a.parquet");
        assert!(store.is_none());
        assert_eq!(std::fs::read(&path).unwrap(), b"sealed bytes");
        let mut folders = s.snapshot_folders().await.unwrap();
        folders[0].1.sort();
        assert_eq!(folders[0].1, vec!["1", "2"]);
        // A stray file beside the workspaces is not one.
        std::fs::write(root.path().join("notes.txt"), b"x").unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let scratch = elsewhere.path().join("copy");
        let (out, fetched) = s.on_disk("ws-1", 1, "a.parquet", &scratch).await.unwrap();
        assert!(!fetched, "a folder store's file is its own");
        assert_eq!(std::fs::read(&out).unwrap(), b"sealed bytes");
        s.remove_snapshot("ws-1", "1").await.unwrap();
        assert_eq!(
            s.snapshot_folders().await.unwrap(),
            vec![("ws-1".to_owned(), vec!["2".to_owned()])]
        );
        s.remove_workspace("ws-1").await.unwrap();
        assert!(!root.path().join("ws-1").exists());
    }

    #[test]
    fn the_configuration_names_a_folder_or_an_s3_url() {
        let staging = PathBuf::from("/tmp/x");
        assert!(matches!(
            Storage::from_config("/data/ws", &[], staging.clone()),
            Ok(Storage::Local { .. })
        ));
        let s = Storage::from_config(
            "s3://bucket/some/prefix/",
            &[
                ("aws_region", "eu-north-1"),
                ("aws_endpoint", "http://127.0.0.1:9"),
            ],
            staging.clone(),
        )
        .unwrap();
        assert_eq!(s.describe(), "s3://bucket/some/prefix");
        let (url, store) = s.table("ws-1", 3, "t.parquet");
        assert_eq!(url, "s3://bucket/some/prefix/ws-1/snapshots/3/t.parquet");
        assert_eq!(store.unwrap().url.as_str(), "s3://bucket");
        for bad in ["gs://bucket/x", "s3:///x", "s3://b/x?y=1"] {
            assert!(
                matches!(
                    Storage::from_config(bad, &[], staging.clone()),
                    Err(StorageError::BadUrl(_))
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            Storage::from_config("s3://b/x", &[("no_such_key", "1")], staging),
            Err(StorageError::BadUrl(_))
        ));
    }
}

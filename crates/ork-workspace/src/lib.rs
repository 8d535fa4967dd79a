//! The secure analysis workspace (issue 18): permit-scoped extracts (`extract.rs`), SQL
//! confined to one snapshot's tables (`query.rs`) and pseudonymisation — every CPR number in
//! a project's data becomes a pseudonym keyed per project (HMAC-SHA256 under a key derived
//! by HKDF from a master key held outside the database), the same person the same
//! pseudonym across the project's datasets, unlinkable across projects — and every file
//! encrypted at rest under the workspace's own data key (`seal.rs`), which is destroyed to
//! delete it.

pub mod cluster;
pub mod extract;
pub mod own;
pub mod pseudo;
pub mod query;
pub mod regime;
pub mod seal;
pub mod storage;

pub use pseudo::{KeyError, KeyProvider, LocalMasterKey, ProjectKey, Pseudonym, Pseudonymiser};
pub use seal::DataKey;
pub use storage::Storage;

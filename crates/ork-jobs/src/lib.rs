//! Jobs inside a workspace (issue 20): the manifest a researcher writes (`manifest.rs`), the
//! sandbox every job and notebook runs in (`sandbox.rs`, with `procs.rs` watching its
//! processes), and running a job's steps in it (`job.rs`). It knows processes and files, not
//! HTTP, the state database or Arrow: the server prepares a job's folder (the workspace's
//! tables unsealed into it) and keeps what comes out.

pub mod inspect;
pub mod job;
pub mod manifest;
pub mod procs;
pub mod sandbox;
pub mod software;

pub use job::{JobEnd, Layout, Outcome, OutputFile};
pub use manifest::{Bound, Bounds, Exceeded, Language, Limits, Manifest, ManifestError, Resources};
pub use sandbox::{Sandbox, Stop, Tools, Unavailable, Usage};

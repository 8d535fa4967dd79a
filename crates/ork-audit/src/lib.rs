//! The tamper-evident audit trail.
//!
//! Every state change on the platform appends an [`Event`]. Events form a hash chain: an
//! event's `hash` is the SHA-256 of the previous event's hash followed by the event's own
//! canonical content (see [`Event::compute_hash`]), and its sequence number is part of that
//! content. Editing, deleting, inserting or reordering any event therefore breaks the chain
//! at that event, and the recorded head (number of events and last hash) catches a removed
//! or added last event.
//!
//! This crate knows nothing of where events are stored: the store appends and reads them,
//! and [`verify_chain`] checks any sequence of them. [`export`] and [`verify_export`] write
//! and check the JSON-lines export an auditor takes away, with no database needed.

mod chain;
mod export;

pub use chain::{
    ChainVerifier, Event, GENESIS_HASH, Head, NewEvent, VerifyError, VerifyReport, canonical_json,
    verify_chain,
};
pub use export::{ExportError, export, verify_export, write_events, write_trailer};

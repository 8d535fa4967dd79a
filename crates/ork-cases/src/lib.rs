//! Applications and their parts as cases, without IO: the states a part goes through, which
//! moves between them are allowed and who makes them, and the statutory clock that stops
//! while an authority waits for the applicant. The store keeps what this crate decides; the
//! server asks it before every change, so a closed part cannot be decided twice and a part
//! cannot open before the steps it depends on are approved. `permit.rs` is the permit as a
//! signed token (Ed25519 JWT, JWKS) and its offline check.

pub mod clock;
pub mod part;
pub mod permit;

pub use clock::Clock;
pub use part::{AppState, Move, Outcome, PartState, Refused};

//! The vocabulary of Dataorkestrator as plain types: organisation ids and kinds, roles,
//! e-mail addresses, languages, money, regions; and the message catalogues' machinery.
//!
//! Everything here is parsed, not validated: a value of one of these types is known to be
//! well-formed, so code that receives it need not check again. This crate does no IO and
//! its types deliberately do not implement `Serialize`: the HTTP layer has its own DTOs, so
//! nothing leaks through an accidental derive.

mod ids;
mod lang;
pub mod messages;
mod money;
mod org;
mod region;
mod role;

pub use ids::{Email, OrgId, ParseError, PersonName};
pub use lang::Lang;
pub use money::Ore;
pub use org::{AuthorityRole, OrgKind};
pub use region::{FIRST_REGION_CODE, REGIONS, Region};
pub use role::Role;

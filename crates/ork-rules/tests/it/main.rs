//! The rulebook: the shipped one loads against the catalog; each kind of mistake in a
//! rulebook file is refused with its file and line.

mod form;
mod planner;
mod scenarios;
mod validation;

//! The real server on a random port, against a fresh SQLite and a fresh PostgreSQL
//! database, driven over HTTP.

mod helpers;

mod advice;
mod agreements;
mod airlock;
mod amendments;
mod api_input;
mod applications;
mod auth;
mod catalog;
mod certification;
mod clients;
mod cluster;
mod flight;
mod jobs;
mod lifecycle;
mod minimisation;
mod notifications;
mod platform;
mod quicktests;
mod regimes;
mod roadmap;
mod s3;
mod security;
mod workspaces;

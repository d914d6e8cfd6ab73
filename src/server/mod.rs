//! Server-only code: configuration, storage, authentication and the HTTP stack.

pub mod api;
pub mod auth;
pub mod avatar;
pub mod bootstrap;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod devices;
pub mod email;
pub mod error;
pub mod headers;
pub mod keys;
pub mod lang;
pub mod mail;
pub mod net;
pub mod notifications;
pub mod phone;
pub mod router;
pub mod state;
pub mod timefmt;
pub mod two_factor;
pub mod user_agent;
pub mod workspace;

pub use router::app;

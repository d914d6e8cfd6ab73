//! One folder per capability: its server functions (`mod.rs`) and its screens (`page.rs`).

pub mod account;
pub mod admin;
pub mod auth;
pub mod avatar;
pub mod email;
pub mod notifications;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod recovery;
pub mod security_log;
pub mod sessions;
pub mod tokens;
pub mod two_factor;

//! One folder per capability: its server functions (`mod.rs`) and its screens (`page.rs`).

pub mod auth;
pub mod password;
pub mod profile;
pub mod sessions;

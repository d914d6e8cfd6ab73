//! Server-only code. One service module per capability, named like its feature
//! (`features/tokens` → `server/tokens.rs` → `server/db/api_tokens.rs`); server
//! functions (`features/*/mod.rs`) and REST handlers (`api/`) are thin adapters
//! over them. `infra/` holds what every service stands on.
//!
//! Dependencies: `db` knows no service; services use `db`, `infra`, each other
//! and the DTOs of `model.rs` / `features/<name>/types.rs`; no two server files
//! import each other, directly or around a loop (`tests/it/architecture.rs`).

// --- services, one per capability ---
pub mod account;
pub mod admin;
pub mod app_passwords;
pub mod audit;
pub mod auth;
pub mod avatar;
pub mod email;
pub mod notifications;
pub mod passkeys;
pub mod password;
pub mod profile;
pub mod recovery;
pub mod sessions;
pub mod sudo;
pub mod throttle;
pub mod tokens;
pub mod two_factor;
pub mod workspace;

// --- adapters and infrastructure ---
pub mod api;
pub mod db;
pub mod infra;

pub use infra::call::{serve, Call};
pub use infra::router::app;

/// The result of a service call.
pub type Result<T, E = crate::error::AppError> = std::result::Result<T, E>;

//! Integration tests: a real Tessera router (or the real binary) over a real database.
//!
//! One test binary instead of one per file: each would link the whole server
//! (hundreds of megabytes with debug info), which costs CI minutes and disk.

mod common;

mod account;
mod admin_console;
mod admin_users;
mod api;
mod architecture;
mod auth;
mod avatar;
mod cli;
mod email;
mod http_layer;
mod language;
mod malformed;
mod notify;
mod page_cache;
mod passkeys;
mod password;
mod profile;
mod renders;
mod security;
mod services;
mod sessions;
mod several_servers;
mod two_factor;

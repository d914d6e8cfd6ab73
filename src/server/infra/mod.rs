//! Infrastructure every service stands on: configuration, state, the HTTP stack
//! (router, per-request context, security headers, errors), keys, mail transport,
//! languages, and small helpers (time, phone numbers, user agents). No business
//! rules live here; those are the services one level up.

pub mod assets;
pub mod background;
pub mod bootstrap;
pub mod call;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod error;
pub mod headers;
pub mod keys;
pub mod lang;
pub mod live;
pub mod loader;
pub mod mail;
pub mod net;
pub mod pack;
pub mod packs;
pub mod page_cache;
pub mod page_modules;
pub mod phone;
pub mod relying_party;
pub mod router;
pub mod split;
pub mod split_routes;
pub mod state;
pub mod timefmt;
pub mod user_agent;
pub mod webhook;

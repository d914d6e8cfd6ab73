//! Tessera: a self-hosted account and profile settings service.
//!
//! The crate builds twice: with `ssr` as the axum server (everything under
//! [`server`]), and with `hydrate` as the WebAssembly that makes the
//! server-rendered pages interactive. Features own their UI and server functions.

#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod error;
pub mod features;
pub mod model;
pub mod validate;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}

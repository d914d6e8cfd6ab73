//! The browser entry point. The page's script calls `hydrate()` once the
//! WebAssembly is loaded; everything it runs lives in the `tessera` crate.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    tessera::hydrate();
}

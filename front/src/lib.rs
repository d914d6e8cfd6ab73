//! The browser entry point. The page's script calls `hydrate()` once the
//! WebAssembly is loaded; everything it runs lives in the `tessera` crate.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    tessera::hydrate();
}

/// Room for wasm-split (`cargo leptos build --split`) in the read-only data
/// segment: kept by the linker (`#[used]`) but read by no code, so the
/// splitter, which places each piece of data with the modules that use it,
/// leaves it out. It lays out each module's share of the segment anew, aligned
/// module by module, and when that comes out longer than the segment as linked
/// it puts the whole segment in the shell (232 KB raw instead of 32: the shell
/// 135 → 197 KB brotli, README "Tried and not kept (6 December)"). These bytes
/// make the segment as linked longer than any such layout of the rest.
#[cfg(feature = "hydrate")]
#[used]
static SPLIT_ROOM: [u8; 8192] = [0x55; 8192];

//! Avatar uploads: any bytes, decoded within bounded time and memory
//! (libFuzzer's -timeout and -rss_limit_mb hold the bound).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::lang::Locale;
use tessera::server::avatar::{process, SIZE};

fuzz_target!(|upload: &[u8]| {
    if let Ok(png) = process(upload, Locale::en) {
        let stored = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .expect("the stored avatar is a PNG");
        assert_eq!((stored.width(), stored.height()), (SIZE, SIZE));
    }
});

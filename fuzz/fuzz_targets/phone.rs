//! Phone numbers as typed into the profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::lang::Locale;
use tessera::server::infra::phone::{display, normalize};

fuzz_target!(|typed: &str| {
    if let Ok(Some(e164)) = normalize(typed, Locale::en) {
        assert!(e164.starts_with('+'), "{e164}");
        assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
        assert_eq!(normalize(&e164, Locale::en), Ok(Some(e164.clone())));
        assert!(!display(&e164).is_empty());
    }
    let _ = display(typed);
});

//! `Authorization` as the REST API reads it: `Bearer` tokens (shape and
//! checksum) and HTTP Basic with an app password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::server::api::token;
use tessera::server::api::{presented, Presented};

fuzz_target!(|auth: &str| {
    match presented(auth) {
        Some(Presented::Token(value)) => {
            assert!(token::is_well_formed(value));
            assert_eq!(value.len(), token::LEN);
            assert!(value.starts_with(token::PREFIX));
            assert!(auth.contains(value));
        }
        Some(Presented::AppPassword { password, .. }) => {
            assert!(password
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        }
        None => {}
    }
    assert!(token::shown_part(auth).chars().count() <= token::SHOWN_LEN);
    assert_eq!(token::digest(auth).len(), 64);
});

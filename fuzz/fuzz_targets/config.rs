//! Configuration values: the config file's TOML and `TESSERA_*` variables for
//! every key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;
use tessera::server::infra::config::{Config, SecretKey, KEYS};

fuzz_target!(|input: (String, Vec<(u8, String)>)| {
    let (file, vars) = input;
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(i, value)| {
            let (key, _, _) = KEYS[usize::from(*i) % KEYS.len()];
            (format!("TESSERA_{}", key.to_uppercase()), value.clone())
        })
        .collect();
    if let Ok(config) = Config::from_sources(&file, &env) {
        let origin = config.public_origin();
        assert!(origin.starts_with("http://") || origin.starts_with("https://"));
        let _ = format!("{config:?}");
    }
    for (_, value) in &vars {
        let _ = SecretKey::parse(value);
    }
});

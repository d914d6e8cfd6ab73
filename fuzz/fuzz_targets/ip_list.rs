//! IP allowlists as typed into a token's or the workspace's settings:
//! addresses and CIDR subnets, separated by commas, spaces or newlines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::server::infra::net::{allows, format_list, parse_list};

fuzz_target!(|text: &str| {
    match parse_list(text) {
        Ok(nets) => {
            // What is stored and shown reads back as the same list.
            let shown = format_list(&nets);
            assert_eq!(parse_list(&shown).as_ref(), Ok(&nets), "{shown}");
            for net in &nets {
                assert!(allows(&nets, net.addr()));
            }
        }
        Err(bad) => {
            assert!(!bad.is_empty());
            for entry in &bad {
                assert!(text.contains(entry.as_str()));
            }
        }
    }
});

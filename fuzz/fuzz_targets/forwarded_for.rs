//! The client address behind trusted proxies: `X-Forwarded-For` values of any
//! bytes, any trusted list, any peer.
#![no_main]

use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use tessera::server::infra::net::{allows, client_ip, parse_list, UNKNOWN_CLIENT};

fuzz_target!(|input: (bool, [u8; 16], String, Vec<Vec<u8>>)| {
    let (v4, octets, trusted, values) = input;
    let peer = if v4 {
        IpAddr::V4(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))
    } else {
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let Ok(trusted) = parse_list(&trusted) else {
        return;
    };
    let mut headers = HeaderMap::new();
    for value in &values {
        if let Ok(v) = HeaderValue::from_bytes(value) {
            headers.append("x-forwarded-for", v);
        }
    }
    let client = client_ip(peer, &headers, &trusted);
    // Only a trusted peer's word is taken.
    if trusted.is_empty() || !allows(&trusted, peer) {
        assert_eq!(client, peer.to_canonical());
    }
    assert_eq!(client, client.to_canonical());
    if client != peer.to_canonical() && client != UNKNOWN_CLIENT {
        assert!(!headers.is_empty());
    }
});

//! Client addresses: who is really calling (behind trusted proxies), and IP
//! allowlists of addresses and CIDR subnets.

use http::HeaderMap;
use ipnet::IpNet;
use std::net::IpAddr;

/// Parses "10.0.0.1, 192.168.0.0/16, 2001:db8::/32" into networks (a bare
/// address is a one-address network). Every bad entry is named in the error.
pub fn parse_list(text: &str) -> Result<Vec<IpNet>, Vec<String>> {
    let mut nets = Vec::new();
    let mut bad = Vec::new();
    for entry in text
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        match parse_entry(entry) {
            Some(net) => nets.push(net),
            None => bad.push(entry.to_string()),
        }
    }
    if bad.is_empty() {
        Ok(nets)
    } else {
        Err(bad)
    }
}

fn parse_entry(entry: &str) -> Option<IpNet> {
    if let Ok(net) = entry.parse::<IpNet>() {
        return Some(match net {
            // "::ffff:10.0.0.0/104" means an IPv4 subnet.
            IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
                Some(v4) if v6.prefix_len() >= 96 => {
                    IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96)
                        .ok()?
                        .trunc()
                }
                _ => net.trunc(),
            },
            v4 @ IpNet::V4(_) => v4.trunc(),
        });
    }
    let addr = entry.parse::<IpAddr>().ok()?.to_canonical();
    Some(IpNet::from(addr))
}

/// The list as stored and shown: canonical, comma-separated.
pub fn format_list(nets: &[IpNet]) -> String {
    nets.iter()
        .map(|n| {
            if n.prefix_len() == n.max_prefix_len() {
                n.addr().to_string()
            } else {
                n.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `ip` is in one of `nets` (an empty list allows every address).
/// IPv4 clients seen as IPv4-mapped IPv6 (`::ffff:a.b.c.d`) match IPv4 entries.
pub fn allows(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    nets.is_empty() || nets.iter().any(|n| n.contains(&ip))
}

/// Stands for a client whose forwarded address could not be read: never a
/// proxy, never an address a token's allowlist names by accident.
pub const UNKNOWN_CLIENT: IpAddr = IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED);

/// One `X-Forwarded-For` entry: `ip`, `ip:port`, `[v6]` or `[v6]:port`.
fn forwarded_entry(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    s.strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .and_then(|v6| v6.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

/// The calling client: the socket peer, unless the peer is a trusted proxy;
/// then `X-Forwarded-For` is read from the right, skipping trusted proxies, and
/// the first other entry is the client. An entry that is not an address ends
/// the walk as an unknown client ([`UNKNOWN_CLIENT`]), never as the proxy.
/// Untrusted peers cannot spoof it.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.to_canonical();
    if trusted.is_empty() || !allows(trusted, peer) {
        return peer;
    }
    let values: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    let mut client = peer;
    for entry in values.iter().rev().flat_map(|v| v.rsplit(',')) {
        let Some(ip) = forwarded_entry(entry) else {
            return UNKNOWN_CLIENT;
        };
        client = ip.to_canonical();
        if !allows(trusted, client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn lists_accept_addresses_and_subnets_and_name_bad_entries() {
        let nets =
            parse_list("10.0.0.1, 192.168.0.0/16,2001:db8::/32 ::ffff:172.16.0.0/108").expect("ok");
        assert_eq!(
            format_list(&nets),
            "10.0.0.1, 192.168.0.0/16, 2001:db8::/32, 172.16.0.0/12"
        );
        assert_eq!(
            parse_list("10.0.0.300, ok?, 10.0.0.0/33, 1.2.3.4"),
            Err(vec![
                "10.0.0.300".to_string(),
                "ok?".to_string(),
                "10.0.0.0/33".to_string(),
            ])
        );
        assert_eq!(parse_list("").expect("empty"), vec![]);
        // Host bits are dropped: 10.1.2.3/8 is 10.0.0.0/8.
        assert_eq!(
            format_list(&parse_list("10.1.2.3/8").expect("ok")),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn matching_covers_v4_v6_and_v4_mapped_v6() {
        let nets = parse_list("10.0.0.0/8, 2001:db8::/32, 192.0.2.7").expect("ok");
        assert!(allows(&nets, ip("10.20.30.40")));
        assert!(!allows(&nets, ip("11.0.0.1")));
        assert!(allows(&nets, ip("2001:db8::1")));
        assert!(!allows(&nets, ip("2001:db9::1")));
        assert!(allows(&nets, ip("::ffff:10.1.1.1")), "v4-mapped v6 client");
        assert!(allows(&nets, ip("192.0.2.7")));
        assert!(!allows(&nets, ip("192.0.2.8")));
        assert!(allows(&[], ip("8.8.8.8")), "no list: anywhere");
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            "203.0.113.9, 10.0.0.5".parse().expect("hv"),
        );
        let trusted = parse_list("10.0.0.0/8").expect("ok");
        // From the trusted proxy: the first untrusted address from the right.
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("203.0.113.9"));
        // From anyone else: the header is ignored.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        // No proxies configured: never read.
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &[]), ip("10.0.0.1"));
        // A client cannot hide behind a forged left part: the rightmost untrusted wins.
        h.insert(
            "x-forwarded-for",
            "1.1.1.1, 203.0.113.9".parse().expect("hv"),
        );
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("203.0.113.9"));
    }

    fn forwarded(value: &str) -> IpAddr {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().expect("hv"));
        client_ip(ip("10.0.0.1"), &h, &parse_list("10.0.0.0/8").expect("ok"))
    }

    #[test]
    fn a_junk_forwarded_entry_is_an_unknown_client_never_the_proxy() {
        // The bug: reading left to right stopped at "x" and left the proxy as client.
        assert_eq!(forwarded("x, 198.51.100.7"), ip("198.51.100.7"));
        assert_eq!(forwarded("198.51.100.7, x"), UNKNOWN_CLIENT);
        assert_eq!(forwarded("198.51.100.7, x, 10.0.0.9"), UNKNOWN_CLIENT);
        assert_eq!(forwarded(""), UNKNOWN_CLIENT);
        assert_eq!(forwarded("10.0.0.9, 10.0.0.8"), ip("10.0.0.9"));
        // Ports and brackets, as some proxies write them.
        assert_eq!(forwarded("198.51.100.7:4711"), ip("198.51.100.7"));
        assert_eq!(forwarded("[2001:db8::7]:443"), ip("2001:db8::7"));
        assert_eq!(forwarded("[2001:db8::7]"), ip("2001:db8::7"));
        assert_eq!(forwarded("2001:db8::7"), ip("2001:db8::7"));
        assert_eq!(forwarded("::ffff:198.51.100.7"), ip("198.51.100.7"));
        // Several header lines: the last line is the nearest hop.
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "203.0.113.1".parse().expect("hv"));
        h.append(
            "x-forwarded-for",
            "198.51.100.7, 10.0.0.3".parse().expect("hv"),
        );
        let trusted = parse_list("10.0.0.0/8").expect("ok");
        assert_eq!(client_ip(ip("10.0.0.1"), &h, &trusted), ip("198.51.100.7"));
    }
}

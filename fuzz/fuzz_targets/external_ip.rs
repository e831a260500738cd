//! External IPs and allowed networks (one per line): parsing never panics;
//! an address is canonical (IPv4-mapped IPv6 is IPv4) and parses as the
//! network of itself alone; a parsed network is truncated, contains its
//! network address both as is and as the rule reads an external IP, and
//! prints to text that parses back to it; `::ffff:a.b.c.d` (with `/96+n`
//! for a network) is the IPv4 network of `a.b.c.d` (`/n`); settings
//! validation refuses exactly the first entry `parse_network` refuses.
#![no_main]

use allowed_external_ips::{Settings, parse_address, parse_network};
use ipnet::{IpNet, Ipv4Net};
use libfuzzer_sys::fuzz_target;
use palisade_sdk::RuleSettings;
use std::net::Ipv4Addr;

fuzz_target!(|text: &str| {
    let lines: Vec<String> = text.split('\n').take(16).map(str::to_owned).collect();
    for line in &lines {
        let network = parse_network(line);
        if let Some(ip) = parse_address(line) {
            assert_eq!(ip.to_canonical(), ip, "{line:?}");
            assert_eq!(network, Some(IpNet::from(ip)), "{line:?}");
        }
        if let Some(net) = network {
            assert_eq!(net.trunc(), net, "{line:?}");
            assert!(net.contains(&net.network()), "{line:?}: {net}");
            let read = parse_address(&net.network().to_string());
            assert!(
                read.is_some_and(|ip| net.contains(&ip)),
                "{line:?}: {net} does not contain its network address read as {read:?}"
            );
            let printed = net.to_string();
            assert_eq!(
                parse_network(&printed),
                Some(net),
                "{line:?} printed as {printed:?}"
            );
        }
        if let Ok(v4) = line.parse::<Ipv4Addr>() {
            let mapped = parse_network(&format!("::ffff:{line}"));
            assert_eq!(
                mapped,
                Some(IpNet::from(std::net::IpAddr::V4(v4))),
                "{line:?}"
            );
        }
        if let Ok(v4) = line.parse::<Ipv4Net>() {
            let (addr, len) = (v4.addr(), v4.prefix_len());
            let mapped = parse_network(&format!("::ffff:{addr}/{}", u32::from(len) + 96));
            assert_eq!(mapped, Some(IpNet::V4(v4.trunc())), "{line:?}");
        }
    }
    let settings = Settings {
        allowed_external_ips: lines.clone(),
    };
    let first_bad = lines.iter().position(|l| parse_network(l).is_none());
    let refused = settings.validate().err().map(|e| e.field);
    assert_eq!(
        refused,
        first_bad.map(|i| format!("allowed_external_ips[{i}]")),
        "{lines:?}"
    );
});

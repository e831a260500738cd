//! allowed-external-ips: a Service may claim only allowed external IPs.
//! Azure `k8sazureexternalips` (`allowedExternalIPs`); CVE-2020-8554.

use ipnet::{IpNet, Ipv4Net};
use palisade_sdk::{FieldPath, Object, ObjectRule, Report, Resource, RuleSettings};
use palisade_sdk::{SettingsError, export_object_rule};
use serde::Deserialize;
use std::net::IpAddr;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Addresses and networks (`203.0.113.7`, `10.20.0.0/16`, `2001:db8::/32`)
    /// a Service's `externalIPs` may take; empty: none.
    #[serde(default, alias = "allowedExternalIPs")]
    pub allowed_external_ips: Vec<String>,
}

impl Settings {
    fn networks(&self) -> Result<Vec<IpNet>, (usize, String)> {
        self.allowed_external_ips
            .iter()
            .enumerate()
            .map(|(i, text)| parse_network(text).ok_or((i, text.clone())))
            .collect()
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        self.networks().map(|_| ()).map_err(|(i, text)| {
            // The settings key as the user wrote it is unknown here; both
            // spellings name the same list.
            SettingsError::new(
                format!("allowed_external_ips[{i}]"),
                format!("{text:?} is not an IP address or a CIDR network"),
            )
        })
    }
}

/// `10.0.0.0/8` or a single address (a /32 or /128). IPv4-mapped IPv6
/// addresses are read as the IPv4 address they carry, and an IPv4-mapped
/// network of /96 or longer (`::ffff:10.0.0.0/104`) as the IPv4 network it
/// carries (`10.0.0.0/8`), as external IPs are read.
pub fn parse_network(text: &str) -> Option<IpNet> {
    match text.parse::<IpNet>() {
        Ok(IpNet::V6(net)) => {
            let net = net.trunc();
            let mapped = net.prefix_len().checked_sub(96).and_then(|len| {
                let v4 = net.addr().to_ipv4_mapped()?;
                Ipv4Net::new(v4, len).ok()
            });
            Some(mapped.map_or(IpNet::V6(net), IpNet::V4))
        }
        Ok(net) => Some(net.trunc()),
        Err(_) => parse_address(text).map(IpNet::from),
    }
}

/// An IPv4 or IPv6 address, canonical: an IPv4-mapped IPv6 address
/// (`::ffff:10.1.2.3`) is the IPv4 address it carries.
pub fn parse_address(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[derive(Debug, Default)]
pub struct ServiceSpec {
    pub external_ips: Option<Vec<String>>,
}

palisade_sdk::lean_deserialize! { ServiceSpec {
    external_ips: "externalIPs",
} }

pub struct AllowedExternalIps;

impl ObjectRule for AllowedExternalIps {
    const NAME: &'static str = "allowed-external-ips";
    const KINDS: &'static [&'static str] = &["Service"];
    type Settings = Settings;
    type Object = Resource<ServiceSpec>;

    fn check(settings: &Settings, service: &Object<Self::Object>, report: &mut Report) {
        let Some(ips) = service
            .object
            .spec
            .as_ref()
            .and_then(|s| s.external_ips.as_ref())
        else {
            return;
        };
        // Validated settings always parse; a failure here allows nothing.
        let allowed = settings.networks().unwrap_or_default();
        let path = FieldPath::root().keys(&["spec", "externalIPs"]);
        for (i, text) in ips.iter().enumerate() {
            match parse_address(text) {
                None => report.violation(path.index(i), format!("{text:?} is not an IP address")),
                Some(ip) if !allowed.iter().any(|net| net.contains(&ip)) => report.violation(
                    path.index(i),
                    format!(
                        "external IP {text} is not allowed (allowed: {})",
                        shown(settings)
                    ),
                ),
                Some(_) => {}
            }
        }
    }
}

fn shown(settings: &Settings) -> String {
    if settings.allowed_external_ips.is_empty() {
        "none".to_owned()
    } else {
        settings.allowed_external_ips.join(", ")
    }
}

export_object_rule!(AllowedExternalIps);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, violation_paths};
    use serde_json::{Value, json};

    fn service(ips: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80}], "externalIPs": ips}})
    }

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<AllowedExternalIps>(out)
    }

    #[test]
    fn without_settings_no_external_ip_is_allowed() {
        let out = run::<AllowedExternalIps>(json!({}), service(json!(["203.0.113.7"])));
        assert_eq!(paths(&out), ["spec.externalIPs[0]"]);
        assert!(message(&out).contains("(allowed: none)"), "{out}");
        assert_eq!(
            run::<AllowedExternalIps>(json!({}), service(json!(null)))["accepted"],
            true
        );
        assert_eq!(
            run::<AllowedExternalIps>(json!({}), service(json!([])))["accepted"],
            true
        );
    }

    #[test]
    fn addresses_and_networks_of_both_families() {
        let settings =
            json!({"allowedExternalIPs": ["203.0.113.7", "10.20.0.0/16", "2001:db8::/32"]});
        let ips = json!([
            "203.0.113.7",
            "10.20.3.4",
            "2001:db8:1::5",
            "203.0.113.8",
            "10.21.0.1",
            "2001:db9::1"
        ]);
        let out = run::<AllowedExternalIps>(settings, service(ips));
        assert_eq!(
            paths(&out),
            [
                "spec.externalIPs[3]",
                "spec.externalIPs[4]",
                "spec.externalIPs[5]"
            ]
        );
    }

    #[test]
    fn spellings_do_not_slip_past() {
        let settings = json!({"allowed_external_ips": ["10.0.0.0/8"]});
        // An IPv4-mapped IPv6 address is the IPv4 address it carries.
        let out = run::<AllowedExternalIps>(settings.clone(), service(json!(["::ffff:10.1.2.3"])));
        assert_eq!(out["accepted"], true, "{out}");
        let out =
            run::<AllowedExternalIps>(settings.clone(), service(json!(["::ffff:192.168.0.1"])));
        assert_eq!(out["accepted"], false, "{out}");
        // Leading zeros, names and garbage are not addresses: refused.
        for bad in ["010.1.2.3", "ten.0.0.1", "10.0.0.1/8", " 10.0.0.1", ""] {
            let out = run::<AllowedExternalIps>(settings.clone(), service(json!([bad])));
            assert!(
                message(&out).contains("is not an IP address"),
                "{bad}: {out}"
            );
        }
    }

    /// Found by the external_ip fuzz target: an IPv4-mapped network stayed
    /// an IPv6 network, which no external IP is in (each is read as IPv4).
    #[test]
    fn ipv4_mapped_networks_are_the_ipv4_networks_they_carry() {
        for (mapped, v4) in [
            ("::ffff:0.0.0.0/96", "0.0.0.0/0"),
            ("::ffff:10.0.0.0/104", "10.0.0.0/8"),
            ("::ffff:10.9.9.9/104", "10.0.0.0/8"),
            ("::ffff:203.0.113.7/128", "203.0.113.7"),
        ] {
            assert_eq!(parse_network(mapped), parse_network(v4), "{mapped}");
        }
        let settings = json!({"allowed_external_ips": ["::ffff:10.0.0.0/104"]});
        let ips = json!(["10.1.2.3", "::ffff:10.1.2.3", "11.0.0.1"]);
        let out = run::<AllowedExternalIps>(settings, service(ips));
        assert_eq!(paths(&out), ["spec.externalIPs[2]"]);
    }

    /// A decision, not an accident: a wide IPv6 network, though it spans the
    /// mapped range, allows no IPv4 address; that takes an IPv4 entry.
    #[test]
    fn ipv6_networks_shorter_than_96_allow_ipv6_only() {
        let settings = json!({"allowed_external_ips": ["::/0", "::ffff:0:0/95"]});
        let ips = json!(["2001:db8::1", "10.1.2.3", "::ffff:10.1.2.3"]);
        let out = run::<AllowedExternalIps>(settings, service(ips));
        assert_eq!(paths(&out), ["spec.externalIPs[1]", "spec.externalIPs[2]"]);
    }

    #[test]
    fn bad_settings_name_the_field() {
        let e = refusal::<AllowedExternalIps>(
            json!({"allowed_external_ips": ["10.0.0.0/8", "10.0.0.0/33"]}),
        );
        assert!(e.contains("allowed_external_ips[1]"), "{e}");
        assert!(
            refusal::<AllowedExternalIps>(json!({"allowedExternalIPs": "10.0.0.1"}))
                .contains("allowedExternalIPs")
        );
    }
}

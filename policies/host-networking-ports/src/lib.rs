//! host-networking-ports: `hostNetwork` unless allowed, and every declared
//! host port inside the allowed ranges. Azure `k8sazurehostnetworkingports`,
//! PSP `hostNetwork` and `hostPorts`, PSS baseline "Host Ports".

use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use std::fmt;

/// An inclusive range of host ports, within 1-65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRange")]
pub struct PortRange {
    pub min: i64,
    pub max: i64,
}

/// Kubewarden's `{min, max}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    min: i64,
    max: i64,
}

impl PortRange {
    fn new(min: i64, max: i64) -> Result<Self, String> {
        if let Some(port) = [min, max].into_iter().find(|p| !(1..=65535).contains(p)) {
            let hint = if port == 0 {
                " (0 means no host port, which is always allowed)"
            } else {
                ""
            };
            return Err(format!("port {port} is outside 1-65535{hint}"));
        }
        if min > max {
            return Err(format!("min {min} is greater than max {max}"));
        }
        Ok(Self { min, max })
    }

    fn contains(self, port: i64) -> bool {
        self.min <= port && port <= self.max
    }
}

impl TryFrom<RawRange> for PortRange {
    type Error = String;

    fn try_from(raw: RawRange) -> Result<Self, String> {
        Self::new(raw.min, raw.max)
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", self.min)
        } else {
            write!(f, "{}-{}", self.min, self.max)
        }
    }
}

/// Azure 7.x: `"80"` or `"3000-5000"` (a bare number is read as `"80"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "PortText")]
pub struct AzurePortRange(pub PortRange);

#[derive(Deserialize)]
#[serde(untagged)]
enum PortText {
    Number(i64),
    Text(String),
}

impl TryFrom<PortText> for AzurePortRange {
    type Error = String;

    fn try_from(text: PortText) -> Result<Self, String> {
        let (min, max) = match &text {
            PortText::Number(port) => (*port, *port),
            PortText::Text(text) => {
                let (min, max) = text.split_once('-').unwrap_or((text, text));
                (port_number(text, min)?, port_number(text, max)?)
            }
        };
        PortRange::new(min, max).map(Self)
    }
}

/// Digits only: no sign, no spaces inside, at most five digits.
fn port_number(whole: &str, part: &str) -> Result<i64, String> {
    let part = part.trim();
    let digits = !part.is_empty() && part.len() <= 5 && part.bytes().all(|b| b.is_ascii_digit());
    match part.parse() {
        Ok(port) if digits => Ok(port),
        _ => Err(format!(
            "cannot read {whole:?} as a port (\"80\") or a range (\"3000-5000\")"
        )),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Accept `spec.hostNetwork: true`.
    #[serde(default, alias = "allowHostNetwork")]
    pub allow_host_network: bool,
    /// Kubewarden: `[{min, max}]`.
    #[serde(default)]
    pub allow_host_ports: Vec<PortRange>,
    /// Azure 7.x: `["80", "3000-5000"]`.
    #[serde(default, rename = "allowedHostPorts")]
    pub allowed_host_ports: Vec<AzurePortRange>,
    /// Azure 6.x: one range, `minPort`-`maxPort`; Azure's defaults 0 and 0
    /// mean no range, and `minPort: 0` reads as 1.
    #[serde(default, rename = "minPort")]
    pub min_port: Option<i64>,
    #[serde(default, rename = "maxPort")]
    pub max_port: Option<i64>,
}

impl Settings {
    /// The Azure 6.x range, if any.
    fn azure_6(&self) -> Result<Option<PortRange>, SettingsError> {
        match (self.min_port, self.max_port) {
            (None, None) | (Some(0), Some(0)) => Ok(None),
            (Some(_), None) => Err(SettingsError::new("minPort", "needs maxPort too")),
            (None, Some(_)) => Err(SettingsError::new("maxPort", "needs minPort too")),
            (Some(min), Some(max)) if min > max => Err(SettingsError::new(
                "minPort",
                format!("minPort {min} is greater than maxPort {max}"),
            )),
            (Some(min), Some(max)) => {
                let field = if (0..=65535).contains(&min) {
                    "maxPort"
                } else {
                    "minPort"
                };
                let min = if min == 0 { 1 } else { min };
                PortRange::new(min, max)
                    .map(Some)
                    .map_err(|e| SettingsError::new(field, e))
            }
        }
    }

    /// Every allowed range, whichever shape the settings use.
    fn ranges(&self) -> impl Iterator<Item = PortRange> + '_ {
        let azure_7 = self.allowed_host_ports.iter().map(|r| r.0);
        let azure_6 = self.azure_6().ok().flatten();
        self.allow_host_ports
            .iter()
            .copied()
            .chain(azure_7)
            .chain(azure_6)
    }

    fn describe_ranges(&self) -> String {
        let ranges: Vec<String> = self.ranges().map(|r| r.to_string()).collect();
        if ranges.is_empty() {
            "none".to_owned()
        } else {
            ranges.join(", ")
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let azure_6 = self.azure_6()?;
        let shapes = [
            ("allow_host_ports", !self.allow_host_ports.is_empty()),
            ("allowedHostPorts", !self.allowed_host_ports.is_empty()),
            ("minPort", azure_6.is_some()),
        ];
        let mut used = shapes
            .iter()
            .filter(|(_, used)| *used)
            .map(|(name, _)| name);
        if let (Some(first), Some(second)) = (used.next(), used.next()) {
            let message =
                format!("cannot be combined with `{first}`; write the ranges in one shape");
            return Err(SettingsError::new(*second, message));
        }
        Ok(())
    }
}

pub struct HostNetworkingPorts;

impl Rule for HostNetworkingPorts {
    const NAME: &'static str = "host-networking-ports";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        if pod.spec.host_network == Some(true) && !settings.allow_host_network {
            report.violation(
                pod.spec_path(&["hostNetwork"]),
                "the pod must not use the host's network namespace",
            );
        }
        for c in pod.containers() {
            for (i, port) in c.container.ports.iter().enumerate() {
                // Unset and 0 mean "no host port"; negative and > 65535 are in no range.
                let Some(host_port) = port.host_port.filter(|p| *p != 0) else {
                    continue;
                };
                if !settings.ranges().any(|r| r.contains(host_port)) {
                    let message = format!(
                        "{} uses host port {host_port}, allowed: {}",
                        c.describe(),
                        settings.describe_ranges()
                    );
                    report.violation(c.path().key("ports").index(i).key("hostPort"), message);
                }
            }
        }
    }
}

export_rule!(HostNetworkingPorts);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, run, run_update, settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    /// A pod with one container of each kind, each declaring `ports`.
    fn pod(host_network: Value, ports: Value) -> Value {
        let container = |name: &str| json!({"name": name, "image": "nginx", "ports": ports});
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"hostNetwork": host_network, "containers": [container("web")],
                "initContainers": [container("init")],
                "ephemeralContainers": [container("debug")]}})
    }

    fn ports(host_ports: &[Value]) -> Value {
        host_ports
            .iter()
            .map(|p| json!({"containerPort": 8080, "hostPort": p}))
            .collect()
    }

    fn paths_of(port_index: usize) -> Vec<String> {
        each_container_kind_paths(&format!("ports[{port_index}].hostPort"))
    }

    #[test]
    fn by_default_no_host_port_and_no_host_network() {
        let out = run::<HostNetworkingPorts>(json!({}), pod(json!(true), ports(&[json!(80)])));
        let mut expected = paths_of(0);
        expected.push("spec.hostNetwork".into());
        expected.sort();
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), expected);
        assert!(
            message(&out).contains(
                "spec.containers[0].ports[0].hostPort: container \"web\" uses host port 80, allowed: none"
            ),
            "{out}"
        );
    }

    #[test]
    fn unset_and_zero_host_ports_are_no_host_port() {
        let unset = json!([{"containerPort": 8080}, {"containerPort": 53, "hostPort": null}]);
        for p in [unset, ports(&[json!(0)]), json!(null), json!([])] {
            let out = run::<HostNetworkingPorts>(json!({}), pod(json!(false), p));
            assert_eq!(out["accepted"], true, "{out}");
        }
    }

    #[test]
    fn allow_host_network_allows_only_the_network() {
        let settings = json!({"allowHostNetwork": true});
        let out = run::<HostNetworkingPorts>(settings.clone(), pod(json!(true), json!([])));
        assert_eq!(out["accepted"], true);
        let out = run::<HostNetworkingPorts>(settings, pod(json!(true), ports(&[json!(80)])));
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), paths_of(0));
    }

    #[test]
    fn every_range_shape_allows_its_ports() {
        let host_ports = ports(&[json!(80), json!(3000), json!(5000), json!(8080)]);
        let shapes = [
            json!({"allow_host_ports": [{"min": 80, "max": 80}, {"min": 3000, "max": 5000}]}),
            json!({"allowedHostPorts": ["80", " 3000-5000 "]}),
            json!({"allowedHostPorts": [80, "3000 - 5000"]}),
        ];
        for settings in shapes {
            let out = run::<HostNetworkingPorts>(settings, pod(json!(null), host_ports.clone()));
            assert_eq!(violation_paths::<HostNetworkingPorts>(&out), paths_of(3));
            assert!(
                message(&out).contains("uses host port 8080, allowed: 80, 3000-5000"),
                "{out}"
            );
        }
        // Azure's parameter defaults: no range at all; a lower bound of 0 reads as 1.
        let out = run::<HostNetworkingPorts>(
            json!({"minPort": 0, "maxPort": 0}),
            pod(json!(null), ports(&[json!(80)])),
        );
        assert!(message(&out).contains("allowed: none"), "{out}");
        let out = run::<HostNetworkingPorts>(
            json!({"minPort": 0, "maxPort": 80}),
            pod(json!(null), ports(&[json!(80), json!(81)])),
        );
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), paths_of(1));
        assert!(message(&out).contains("allowed: 1-80"), "{out}");
        let azure_6 = json!({"minPort": 80, "maxPort": 5000});
        let out = run::<HostNetworkingPorts>(azure_6, pod(json!(null), host_ports));
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), paths_of(3));
        assert!(message(&out).contains("allowed: 80-5000"), "{out}");
    }

    #[test]
    fn out_of_range_host_ports_in_the_object_fail_closed() {
        let settings = json!({"allow_host_ports": [{"min": 1, "max": 65535}]});
        let out = run::<HostNetworkingPorts>(
            settings,
            pod(json!(null), ports(&[json!(-80), json!(65536), json!(443)])),
        );
        let mut expected = paths_of(0);
        expected.extend(paths_of(1));
        expected.sort();
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), expected);
    }

    #[test]
    fn exempt_containers_keep_their_ports_but_not_the_pod_network() {
        let settings = json!({"exempt_container_names": ["web", "init", "debug"]});
        let out = run::<HostNetworkingPorts>(settings, pod(json!(true), ports(&[json!(80)])));
        assert_eq!(
            violation_paths::<HostNetworkingPorts>(&out),
            ["spec.hostNetwork"]
        );
    }

    #[test]
    fn update_with_an_unchanged_host_port_warns() {
        let old = pod(json!(null), ports(&[json!(80)]));
        let mut new = old.clone();
        new["metadata"]["labels"] = json!({"tier": "edge"});
        let out = run_update::<HostNetworkingPorts>(json!({}), new, old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        let out = run_update::<HostNetworkingPorts>(
            json!({}),
            pod(json!(null), ports(&[json!(80), json!(81)])),
            old,
        );
        assert_eq!(violation_paths::<HostNetworkingPorts>(&out), paths_of(1));
    }

    /// Each row: settings, then texts the refusal must contain (none: accepted).
    #[test]
    fn settings_checks() {
        let rows = json!([
            [{"allow_host_ports": [{"min": 90, "max": 80}]}, "allow_host_ports[0]: min 90 is greater than max 80"],
            [{"allow_host_ports": [{"min": 0, "max": 80}]}, "allow_host_ports[0]: port 0 is outside 1-65535 (0 means no host port"],
            [{"allow_host_ports": [{"min": 1, "max": 65536}]}, "allow_host_ports[0]: port 65536 is outside 1-65535"],
            [{"allow_host_ports": [{"min": 1}]}, "allow_host_ports[0]", "max"],
            [{"allow_host_ports": [{"min": 1, "max": 2, "x": 3}]}, "allow_host_ports[0].x"],
            [{"allowedHostPorts": ["80", "http"]}, "allowedHostPorts[1]: cannot read \"http\""],
            [{"allowedHostPorts": ["+80"]}, "allowedHostPorts[0]: cannot read"],
            [{"allowedHostPorts": ["80-"]}, "allowedHostPorts[0]: cannot read"],
            [{"allowedHostPorts": ["1-2-3"]}, "allowedHostPorts[0]: cannot read"],
            [{"allowedHostPorts": ["123456"]}, "allowedHostPorts[0]: cannot read"],
            [{"allowedHostPorts": ["5000-3000"]}, "allowedHostPorts[0]: min 5000 is greater than max 3000"],
            [{"allowedHostPorts": ["70000"]}, "allowedHostPorts[0]: port 70000 is outside"],
            [{"allowedHostPorts": [0]}, "allowedHostPorts[0]: port 0 is outside"],
            [{"allowedHostPorts": [true]}, "allowedHostPorts[0]"],
            [{"minPort": 80}, "minPort: needs maxPort too"],
            [{"maxPort": 80}, "maxPort: needs minPort too"],
            [{"minPort": 90, "maxPort": 80}, "minPort: minPort 90 is greater than maxPort 80"],
            [{"minPort": -1, "maxPort": 80}, "minPort: port -1 is outside"],
            [{"minPort": 0, "maxPort": 65536}, "maxPort: port 65536 is outside"],
            [{"minPort": 1, "maxPort": 0}, "minPort: minPort 1 is greater than maxPort 0"],
            [{"minPort": 0}, "minPort: needs maxPort too"],
            [{"minPort": 0, "maxPort": 80}],
            [{"minPort": 0, "maxPort": 0, "allowedHostPorts": ["80"]}],
            [{"minPort": 80, "maxPort": 65536}, "maxPort: port 65536 is outside"],
            [{"allow_host_ports": [{"min": 80, "max": 80}], "allowedHostPorts": ["443"]},
                "allowedHostPorts: cannot be combined with `allow_host_ports`"],
            [{"allowedHostPorts": ["443"], "minPort": 1, "maxPort": 2}, "minPort: cannot be combined with `allowedHostPorts`"],
            [{"allow_host_ports": [{"min": 1, "max": 2}], "maxPort": 2}, "maxPort: needs minPort too"],
            [{"allowHostNetwork": true, "allow_host_network": true}, "duplicate field `allow_host_network`"],
            [{"allow_host_port": []}, "unknown field `allow_host_port`"],
            [{"allowedHostPorts": [], "allow_host_ports": [{"min": 1, "max": 1}]}],
            [{"minPort": 1, "maxPort": 65535, "allow_host_network": false}],
            [{}]
        ]);
        for row in rows.as_array().unwrap() {
            let refusal = settings_error::<HostNetworkingPorts>(row[0].clone());
            let texts = &row.as_array().unwrap()[1..];
            assert_eq!(refusal.is_some(), !texts.is_empty(), "{row}: {refusal:?}");
            let refusal = refusal.unwrap_or_default();
            assert!(
                texts.iter().all(|t| refusal.contains(t.as_str().unwrap())),
                "{row}: {refusal}"
            );
        }
    }
}

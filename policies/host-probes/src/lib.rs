//! host-probes: probes and lifecycle hooks may not name a `host`.
//! Pod Security Standards baseline "Probes / Lifecycle Hooks" (Kubernetes 1.34).

use palisade_sdk::k8s::Handler;
use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Hosts that probes and hooks may name, compared case-insensitively and
    /// without a trailing dot. Empty (the default): only an empty or unset
    /// host is allowed, as in PSS baseline.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        for (i, host) in self.allowed_hosts.iter().enumerate() {
            if normalize(host).is_empty() {
                return Err(SettingsError::new(
                    format!("allowed_hosts[{i}]"),
                    format!("{host:?} is not a host name (an empty host is always allowed)"),
                ));
            }
        }
        Ok(())
    }
}

/// DNS names compare case-insensitively, and `name.` is the same name as `name`.
fn normalize(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

pub struct HostProbes;

impl Rule for HostProbes {
    const NAME: &'static str = "host-probes";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let allowed: Vec<String> = settings
            .allowed_hosts
            .iter()
            .map(|h| normalize(h))
            .collect();
        for container in pod.containers() {
            let c = container.container;
            let lifecycle = c.lifecycle.as_ref();
            let handlers: [(&'static [&'static str], Option<&Handler>); 5] = [
                (&["livenessProbe"], c.liveness_probe.as_ref()),
                (&["readinessProbe"], c.readiness_probe.as_ref()),
                (&["startupProbe"], c.startup_probe.as_ref()),
                (
                    &["lifecycle", "postStart"],
                    lifecycle.and_then(|l| l.post_start.as_ref()),
                ),
                (
                    &["lifecycle", "preStop"],
                    lifecycle.and_then(|l| l.pre_stop.as_ref()),
                ),
            ];
            for (prefix, handler) in handlers {
                let Some(handler) = handler else { continue };
                for (action, target) in [
                    ("httpGet", &handler.http_get),
                    ("tcpSocket", &handler.tcp_socket),
                ] {
                    let Some(host) = target.as_ref().and_then(|t| t.host.as_deref()) else {
                        continue;
                    };
                    // The emptiness test is on the raw value: "." is not empty.
                    if host.is_empty() || allowed.contains(&normalize(host)) {
                        continue;
                    }
                    let path = container.field_path(prefix).keys(&[action, "host"]);
                    report.violation(
                        path,
                        format!(
                            "{} must not send {} {action} to host {host:?}; leave host unset to target the pod",
                            container.describe(),
                            prefix.last().copied().unwrap_or_default(),
                        ),
                    );
                }
            }
        }
    }
}

export_rule!(HostProbes);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{EACH_CONTAINER_KIND, message, refusal, run, violation_paths};
    use serde_json::{Value, json};

    fn handler(action: &str, host: &str) -> Value {
        json!({action: {"host": host, "port": 8080}})
    }

    /// Every probe and hook of every container kind names `host`.
    fn pod(host: &str) -> Value {
        let container = |name: &str| {
            json!({"name": name, "image": "nginx",
                "livenessProbe": handler("httpGet", host),
                "readinessProbe": handler("tcpSocket", host),
                "startupProbe": handler("httpGet", host),
                "lifecycle": {"postStart": handler("tcpSocket", host),
                              "preStop": handler("httpGet", host)}})
        };
        json!({"kind": "Pod", "spec": {"containers": [container("app")],
            "initContainers": [container("init")], "ephemeralContainers": [container("debug")]}})
    }

    #[test]
    fn rejects_every_probe_and_hook_of_every_kind_at_once() {
        let out = run::<HostProbes>(json!({}), pod("10.0.0.1"));
        assert_eq!(out["accepted"], false);
        let mut expected = Vec::new();
        for container in EACH_CONTAINER_KIND {
            for field in [
                "livenessProbe.httpGet.host",
                "readinessProbe.tcpSocket.host",
                "startupProbe.httpGet.host",
                "lifecycle.postStart.tcpSocket.host",
                "lifecycle.preStop.httpGet.host",
            ] {
                let path = format!("{container}.{field}");
                assert!(message(&out).contains(&path), "{path}: {}", message(&out));
                expected.push(path);
            }
        }
        expected.sort();
        assert_eq!(violation_paths::<HostProbes>(&out), expected);
        assert!(
            message(&out).contains(r#"host "10.0.0.1""#),
            "{}",
            message(&out)
        );
    }

    #[test]
    fn accepts_empty_unset_and_no_probes() {
        assert_eq!(run::<HostProbes>(json!({}), pod(""))["accepted"], true);
        let unset = json!({"kind": "Pod", "spec": {"containers": [{"name": "app",
            "livenessProbe": {"httpGet": {"port": 80}}, "readinessProbe": {"exec": {"command": ["true"]}},
            "lifecycle": {"preStop": {"sleep": {"seconds": 5}}, "postStart": null}}]}});
        assert_eq!(run::<HostProbes>(json!({}), unset)["accepted"], true);
        let bare = json!({"kind": "Pod", "spec": {"containers": [{"name": "app"}]}});
        assert_eq!(run::<HostProbes>(json!({}), bare)["accepted"], true);
    }

    #[test]
    fn localhost_and_a_lone_dot_are_rejected_by_default() {
        for host in ["localhost", "127.0.0.1", "."] {
            assert_eq!(
                run::<HostProbes>(json!({}), pod(host))["accepted"],
                false,
                "{host}"
            );
        }
    }

    #[test]
    fn allowed_hosts_match_case_insensitively_without_trailing_dot() {
        let settings = json!({"allowed_hosts": ["LocalHost.", "127.0.0.1"]});
        for host in ["localhost", "LOCALHOST.", "127.0.0.1"] {
            assert_eq!(
                run::<HostProbes>(settings.clone(), pod(host))["accepted"],
                true,
                "{host}"
            );
        }
        let out = run::<HostProbes>(settings, pod("localhost.example.com"));
        assert_eq!(out["accepted"], false);
    }

    #[test]
    fn exemptions_apply() {
        let out = run::<HostProbes>(
            json!({"exempt_container_names": ["app", "debug"]}),
            pod("db.example.com"),
        );
        assert!(
            !message(&out).contains("spec.containers"),
            "{}",
            message(&out)
        );
        assert!(message(&out).contains("spec.initContainers[0]"));
        let paths = violation_paths::<HostProbes>(&out);
        assert_eq!(paths.len(), 5, "{out}");
        assert!(
            paths
                .iter()
                .all(|p| p.starts_with("spec.initContainers[0].")),
            "{out}"
        );
        let out = run::<HostProbes>(
            json!({"exempt_container_names": ["app", "init", "debug"]}),
            pod("db.example.com"),
        );
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn bad_and_unknown_settings_are_refused() {
        for (settings, field) in [
            (json!({"allowed_host": ["a"]}), "allowed_host"),
            (json!({"allowed_hosts": ["ok", ""]}), "allowed_hosts[1]"),
            (json!({"allowed_hosts": ["."]}), "allowed_hosts[0]"),
            (json!({"allowed_hosts": "localhost"}), "allowed_hosts"),
        ] {
            let message = refusal::<HostProbes>(settings);
            assert!(message.contains(field), "{message}");
        }
    }
}

//! block-host-namespace: a pod may not share the node's PID, IPC or network
//! namespace. Azure `k8sazureblockhostnamespace`, PSP `hostPID`/`hostIPC`/
//! `hostNetwork`, PSS baseline "Host Namespaces".

use palisade_sdk::{Pod, Report, Rule, RuleSettings, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Allow `hostPID: true`.
    #[serde(default)]
    pub allow_host_pid: bool,
    /// Allow `hostIPC: true`.
    #[serde(default)]
    pub allow_host_ipc: bool,
    /// Allow `hostNetwork: true`.
    #[serde(default)]
    pub allow_host_network: bool,
}

impl RuleSettings for Settings {}

pub struct BlockHostNamespace;

impl Rule for BlockHostNamespace {
    const NAME: &'static str = "block-host-namespace";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let spec = &pod.spec;
        let namespaces = [
            ("hostPID", "PID", spec.host_pid, settings.allow_host_pid),
            ("hostIPC", "IPC", spec.host_ipc, settings.allow_host_ipc),
            (
                "hostNetwork",
                "network",
                spec.host_network,
                settings.allow_host_network,
            ),
        ];
        for (field, what, value, allowed) in namespaces {
            if value == Some(true) && !allowed {
                report.violation(
                    pod.spec_path(&[field]),
                    format!("the pod must not share the host's {what} namespace"),
                );
            }
        }
    }
}

export_rule!(BlockHostNamespace);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, violation_paths};
    use serde_json::{Value, json};

    fn pod(pid: Value, ipc: Value, network: Value) -> Value {
        json!({"kind": "Pod", "spec": {"hostPID": pid, "hostIPC": ipc, "hostNetwork": network,
            "containers": [{"name": "app", "image": "nginx"}]}})
    }

    fn all_host() -> Value {
        pod(json!(true), json!(true), json!(true))
    }

    #[test]
    fn rejects_every_host_namespace_at_once() {
        let out = run::<BlockHostNamespace>(json!({}), all_host());
        assert_eq!(out["accepted"], false);
        assert_eq!(
            violation_paths::<BlockHostNamespace>(&out),
            ["spec.hostIPC", "spec.hostNetwork", "spec.hostPID"]
        );
        for path in ["spec.hostPID", "spec.hostIPC", "spec.hostNetwork"] {
            assert!(message(&out).contains(path), "{out}");
        }
        assert!(message(&out).contains("host's network namespace"), "{out}");
        assert!(out["warnings"].is_null(), "{out}");
    }

    #[test]
    fn rejects_each_alone() {
        for (object, path) in [
            (pod(json!(true), json!(null), json!(false)), "spec.hostPID"),
            (pod(json!(false), json!(true), json!(null)), "spec.hostIPC"),
            (
                pod(json!(null), json!(false), json!(true)),
                "spec.hostNetwork",
            ),
        ] {
            let out = run::<BlockHostNamespace>(json!({}), object);
            assert_eq!(out["accepted"], false);
            assert!(out["warnings"].is_null(), "{out}");
            assert_eq!(violation_paths::<BlockHostNamespace>(&out), [path]);
            assert!(message(&out).contains(path), "{out}");
        }
    }

    #[test]
    fn accepts_false_and_unset() {
        let out =
            run::<BlockHostNamespace>(json!({}), pod(json!(false), json!(false), json!(false)));
        assert_eq!(out["accepted"], true);
        let out = run::<BlockHostNamespace>(json!({}), pod(json!(null), json!(null), json!(null)));
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn each_allow_setting_allows_only_its_namespace() {
        for (setting, allowed) in [
            ("allow_host_pid", "hostPID"),
            ("allow_host_ipc", "hostIPC"),
            ("allow_host_network", "hostNetwork"),
        ] {
            let out = run::<BlockHostNamespace>(json!({ setting: true }), all_host());
            assert_eq!(out["accepted"], false);
            assert!(!message(&out).contains(allowed), "{out}");
            assert!(out["warnings"].is_null(), "{out}");
            let paths = violation_paths::<BlockHostNamespace>(&out);
            assert_eq!(paths.len(), 2, "{out}");
            assert!(!paths.contains(&format!("spec.{allowed}")), "{out}");
        }
        let every =
            json!({"allow_host_pid": true, "allow_host_ipc": true, "allow_host_network": true});
        assert_eq!(
            run::<BlockHostNamespace>(every, all_host())["accepted"],
            true
        );
    }

    #[test]
    fn exemptions_apply() {
        let out = run::<BlockHostNamespace>(json!({"excludedNamespaces": ["default"]}), all_host());
        assert_eq!(out["accepted"], true);
        // The rule is pod-level: exempting the only container changes nothing.
        let out = run::<BlockHostNamespace>(json!({"exempt_container_names": ["app"]}), all_host());
        assert_eq!(out["accepted"], false);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let refused = refusal::<BlockHostNamespace>(json!({"allowHostPID": true}));
        assert!(refused.contains("allowHostPID"));
    }
}

//! container-allowed-ports: every `containerPort` a container declares must
//! be in an allowed list of ports and ranges.
//! Azure `k8sazurecontainerallowedports` (`allowedContainerPortsList`).

use palisade_sdk::ports::PortRanges;
use palisade_sdk::{Pod, Report, Rule, RuleSettings, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Each `containerPort` must be one of these (`443`, `"80"`,
    /// `"8000-8080"`); absent: any port; `[]`: no container port.
    #[serde(default, alias = "allowedContainerPortsList")]
    pub allowed_ports: Option<PortRanges>,
}

impl RuleSettings for Settings {}

pub struct ContainerAllowedPorts;

impl Rule for ContainerAllowedPorts {
    const NAME: &'static str = "container-allowed-ports";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let Some(allowed) = &settings.allowed_ports else {
            return;
        };
        for container in pod.containers() {
            for (i, port) in container.container.ports.iter().enumerate() {
                let Some(number) = port.container_port else {
                    continue;
                };
                if allowed.contains(number) {
                    continue;
                }
                let why = if allowed.is_empty() {
                    "no container port is allowed".to_owned()
                } else {
                    format!("allowed: {allowed}")
                };
                report.violation(
                    container.path().key("ports").index(i).key("containerPort"),
                    format!(
                        "{} port {number} is not allowed ({why})",
                        container.describe()
                    ),
                );
            }
        }
    }
}

export_rule!(ContainerAllowedPorts);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, run, run_update, settings_error, violation_paths};
    use serde_json::{Value, json};

    type R = ContainerAllowedPorts;

    /// A pod whose app, init and ephemeral containers declare `ports`
    /// (the API refuses ports on ephemeral containers; raw requests can
    /// still carry them).
    fn pod(app: &[i64], init: &[i64], debug: &[i64]) -> Value {
        let ports = |list: &[i64]| -> Value {
            list.iter()
                .map(|p| json!({"containerPort": p, "protocol": "TCP"}))
                .collect()
        };
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {
                "containers": [{"name": "app", "image": "nginx", "ports": ports(app)}],
                "initContainers": [{"name": "init", "image": "busybox", "ports": ports(init)}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox", "ports": ports(debug)}]}})
    }

    fn list() -> Value {
        json!({"allowed_ports": [443, "80", "8000-8080"]})
    }

    fn accepted(settings: Value, object: Value) -> bool {
        run::<R>(settings, object)["accepted"] == true
    }

    #[test]
    fn listed_ports_and_ranges_are_accepted() {
        assert!(accepted(list(), pod(&[80, 443], &[8000], &[8080])));
        let azure = json!({"allowedContainerPortsList": ["443", "80", "8000-8080"]});
        assert!(accepted(azure, pod(&[8042], &[], &[])));
        // No ports at all, or `ports: null`, is fine under any list.
        assert!(accepted(json!({"allowed_ports": []}), pod(&[], &[], &[])));
        let mut null_ports = pod(&[], &[], &[]);
        null_ports["spec"]["containers"][0]["ports"] = json!(null);
        assert!(accepted(json!({"allowed_ports": []}), null_ports));
    }

    #[test]
    fn without_a_list_every_port_is_accepted() {
        assert!(accepted(json!({}), pod(&[1, 65535], &[22], &[8081])));
        assert!(accepted(
            json!({"allowed_ports": null}),
            pod(&[1], &[], &[])
        ));
    }

    #[test]
    fn every_unlisted_port_of_every_kind_is_rejected_at_its_path() {
        let out = run::<R>(list(), pod(&[80, 8081], &[22], &[7999]));
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.containers[0].ports[1].containerPort",
                "spec.ephemeralContainers[0].ports[0].containerPort",
                "spec.initContainers[0].ports[0].containerPort",
            ]
        );
        assert!(message(&out).contains(
            "spec.containers[0].ports[1].containerPort: container \"app\" port 8081 is not allowed (allowed: 443, 80, 8000-8080)"
        ));
        assert!(message(&out).contains("init container \"init\" port 22 is not allowed"));
    }

    #[test]
    fn an_empty_list_allows_no_container_port() {
        let out = run::<R>(json!({"allowed_ports": []}), pod(&[80], &[], &[]));
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.containers[0].ports[0].containerPort"]
        );
        assert!(message(&out).contains("port 80 is not allowed (no container port is allowed)"));
    }

    #[test]
    fn out_of_range_ports_are_never_allowed() {
        let everything = json!({"allowed_ports": ["1-65535"]});
        let out = run::<R>(everything, pod(&[0, 65536, -80], &[], &[]));
        assert_eq!(violation_paths::<R>(&out).len(), 3, "{out}");
    }

    #[test]
    fn templates_are_checked_at_their_path() {
        let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": "job"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [
                {"name": "job", "image": "job:1", "ports": [{"containerPort": 9090}]}]}}}}}});
        let out = run::<R>(list(), cronjob);
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.jobTemplate.spec.template.spec.containers[0].ports[0].containerPort"]
        );
    }

    #[test]
    fn exemptions_apply() {
        for settings in [
            json!({"allowed_ports": [], "exempt_container_names": ["app", "init", "debug"]}),
            json!({"allowed_ports": [], "excludedImages": ["nginx", "busybox"]}),
            json!({"allowed_ports": [], "excludedNamespaces": ["default"]}),
        ] {
            assert!(
                accepted(settings.clone(), pod(&[80], &[81], &[82])),
                "{settings}"
            );
        }
    }

    #[test]
    fn update_keeps_preexisting_ports_and_refuses_new_ones() {
        let old = pod(&[22], &[], &[]);
        let mut relabelled = old.clone();
        relabelled["metadata"]["labels"] = json!({"tier": "web"});
        let out = run_update::<R>(list(), relabelled, old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        let mut swapped = pod(&[22], &[], &[]);
        swapped["spec"]["containers"][0]["image"] = json!("nginx:2");
        assert_eq!(run_update::<R>(list(), swapped, old)["accepted"], false);
    }

    #[test]
    fn bad_settings_are_refused_naming_the_field() {
        let refusal = |s: Value| settings_error::<R>(s).unwrap_or_default();
        for (settings, text) in [
            (json!({"allowed_ports": ["http"]}), "allowed_ports[0]"),
            (
                json!({"allowedContainerPortsList": ["80", "90-80"]}),
                "allowedContainerPortsList[1]",
            ),
            (json!({"allowed_ports": [0]}), "allowed_ports[0]"),
            (json!({"allowed_ports": [65536]}), "allowed_ports[0]"),
            (json!({"allowed_ports": "80"}), "allowed_ports"),
            (
                json!({"allowed_container_ports": [80]}),
                "allowed_container_ports",
            ),
            (
                json!({"allowed_ports": [80], "allowedContainerPortsList": ["80"]}),
                "allowed_ports",
            ),
        ] {
            let got = refusal(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        for ok in [json!({}), list(), json!({"allowed_ports": []})] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

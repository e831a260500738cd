//! required-probes: every regular container must have the listed probes.
//! Azure ContainerEnforceProbes (`container-enforce-probes`,
//! `requiredProbes`). Init and ephemeral containers are never required to
//! have them.

use palisade_sdk::{ContainerKind, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

/// The probes a container can have, as the API spells them.
pub const PROBES: [&str; 3] = ["readinessProbe", "livenessProbe", "startupProbe"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Azure's default: `[readinessProbe, livenessProbe]`.
    #[serde(default = "azure_default", alias = "requiredProbes")]
    pub required_probes: Vec<String>,
}

fn azure_default() -> Vec<String> {
    vec!["readinessProbe".into(), "livenessProbe".into()]
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            required_probes: azure_default(),
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        const FIELD: &str = "required_probes";
        if self.required_probes.is_empty() {
            return Err(SettingsError::new(
                FIELD,
                "is empty: nothing would be required; list readinessProbe, livenessProbe or startupProbe",
            ));
        }
        for (i, probe) in self.required_probes.iter().enumerate() {
            if !PROBES.contains(&probe.as_str()) {
                return Err(SettingsError::new(
                    format!("{FIELD}[{i}]"),
                    format!(
                        "{probe:?} is not a probe (readinessProbe, livenessProbe or startupProbe, as spelt)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub struct RequiredProbes;

impl Rule for RequiredProbes {
    const NAME: &'static str = "required-probes";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            // Init containers run to completion (and sidecars are not
            // required either); ephemeral containers cannot have probes.
            if container.kind != ContainerKind::Container {
                continue;
            }
            let c = container.container;
            let probes = [
                ("readinessProbe", c.readiness_probe.is_some()),
                ("livenessProbe", c.liveness_probe.is_some()),
                ("startupProbe", c.startup_probe.is_some()),
            ];
            for (probe, present) in probes {
                if !settings.required_probes.iter().any(|p| p == probe) {
                    continue;
                }
                if !present {
                    report.violation(
                        container.field_path(&[probe]),
                        format!(
                            "{} has no {probe} (required: {})",
                            container.describe(),
                            settings.required_probes.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

export_rule!(RequiredProbes);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, refusal, run, run_update, settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    type R = RequiredProbes;

    const HTTP: &str = r#"{"httpGet": {"path": "/healthz", "port": 8080}}"#;

    fn probe() -> Value {
        serde_json::from_str(HTTP).unwrap_or_default()
    }

    /// A pod whose container `app` has the named probes; an init container
    /// and an ephemeral container with none.
    fn pod(probes: &[&str]) -> Value {
        let mut app = json!({"name": "app", "image": "nginx:1"});
        for name in probes {
            app[*name] = probe();
        }
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [app],
                     "initContainers": [{"name": "init", "image": "busybox:1"}],
                     "ephemeralContainers": [{"name": "debug", "image": "busybox:1"}]}})
    }

    #[test]
    fn azure_default_requires_readiness_and_liveness() {
        let out = run::<R>(json!({}), pod(&[]));
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.containers[0].livenessProbe",
                "spec.containers[0].readinessProbe"
            ]
        );
        assert!(message(&out).contains(
            "container \"app\" has no readinessProbe (required: readinessProbe, livenessProbe)"
        ));
        let out = run::<R>(json!({}), pod(&["readinessProbe"]));
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.containers[0].livenessProbe"]
        );
        let both = pod(&["readinessProbe", "livenessProbe"]);
        assert_eq!(run::<R>(json!({}), both)["accepted"], true);
    }

    #[test]
    fn init_and_ephemeral_containers_are_never_required() {
        // The pod above has an init and an ephemeral container without probes.
        let all = json!({"requiredProbes": ["readinessProbe", "livenessProbe", "startupProbe"]});
        let out = run::<R>(
            all.clone(),
            pod(&["readinessProbe", "livenessProbe", "startupProbe"]),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<R>(all, pod(&["readinessProbe", "livenessProbe"]));
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.containers[0].startupProbe"]
        );
    }

    #[test]
    fn a_null_probe_is_no_probe() {
        let mut object = pod(&["livenessProbe"]);
        object["spec"]["containers"][0]["readinessProbe"] = Value::Null;
        let out = run::<R>(json!({}), object);
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.containers[0].readinessProbe"]
        );
    }

    #[test]
    fn kubectl_debug_on_a_pod_with_probes_is_accepted() {
        let old = pod(&["readinessProbe", "livenessProbe"]);
        let mut new = old.clone();
        new["spec"]["ephemeralContainers"] = json!([{"name": "debug", "image": "busybox:1"}, {"name": "debug-2", "image": "busybox:1"}]);
        let out = run_update::<R>(json!({}), new, old);
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn workloads_and_exemptions() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "api", "image": "api:1", "readinessProbe": probe(), "livenessProbe": probe()},
                {"name": "proxy", "image": "envoy:1", "readinessProbe": probe()}]}}}});
        let out = run::<R>(json!({}), deployment.clone());
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.template.spec.containers[1].livenessProbe"]
        );
        let exempt = json!({"excludedContainers": ["proxy"]});
        assert_eq!(run::<R>(exempt, deployment.clone())["accepted"], true);
        let exempt = json!({"excludedImages": ["envoy:*"]});
        assert_eq!(run::<R>(exempt, deployment)["accepted"], true);
    }

    #[test]
    fn malformed_settings_are_refused() {
        for (settings, text) in [
            (json!({"required_probes": []}), "required_probes: is empty"),
            (
                json!({"requiredProbes": ["readinessProbe", "readiness"]}),
                "required_probes[1]: \"readiness\" is not a probe",
            ),
            (
                json!({"required_probes": ["LivenessProbe"]}),
                "\"LivenessProbe\"",
            ),
            (
                json!({"required_probes": "livenessProbe"}),
                "required_probes",
            ),
            (json!({"probes": ["livenessProbe"]}), "probes"),
        ] {
            let got = refusal::<R>(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        assert_eq!(
            settings_error::<R>(json!({"required_probes": ["startupProbe"]})),
            None
        );
        assert_eq!(settings_error::<R>(json!({})), None);
    }
}

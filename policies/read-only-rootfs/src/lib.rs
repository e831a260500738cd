//! read-only-rootfs: every container of every kind must run with a read-only
//! root filesystem. Azure `k8sazurereadonlyrootfilesystem`, PSP
//! `readOnlyRootFilesystem`.

use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// PSP behaviour: set a missing `readOnlyRootFilesystem` to true instead
    /// of rejecting the container. An explicit false is still rejected.
    #[serde(default, alias = "readOnlyRootFilesystem")]
    pub default_read_only_root_filesystem: bool,
    /// Reject instead of setting the missing field; only meaningful together
    /// with `default_read_only_root_filesystem`.
    #[serde(default)]
    pub validate_only: bool,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.validate_only && !self.default_read_only_root_filesystem {
            return Err(SettingsError::new(
                "validate_only",
                "has no effect without default_read_only_root_filesystem: \
                 nothing is mutated, every container without readOnlyRootFilesystem true is rejected",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct ReadOnlyRootfs;

impl Rule for ReadOnlyRootfs {
    const NAME: &'static str = "read-only-rootfs";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            let path = container.field_path(&["securityContext", "readOnlyRootFilesystem"]);
            let who = container.describe();
            match container
                .security_context()
                .and_then(|sc| sc.read_only_root_filesystem)
            {
                Some(true) => {}
                Some(false) => report.violation(
                    path,
                    format!("{who} must not set readOnlyRootFilesystem to false"),
                ),
                None if settings.default_read_only_root_filesystem => report.fix(
                    path,
                    Change::Set(json!(true)),
                    format!("{who} must set readOnlyRootFilesystem to true"),
                ),
                None => report.violation(
                    path,
                    format!("{who} must set readOnlyRootFilesystem to true"),
                ),
            }
        }
    }
}

export_rule!(ReadOnlyRootfs);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn run_request(settings: Value, object: Value, operation: &str, old: Value) -> Value {
        let payload = json!({
            "request": {"uid": "1", "kind": {"group": "", "version": "v1", "kind": object["kind"]},
                        "operation": operation, "namespace": "default",
                        "object": object, "oldObject": old},
            "settings": settings,
        });
        let out = palisade_sdk::validate::<ReadOnlyRootfs>(payload.to_string().as_bytes());
        serde_json::from_slice(&out).unwrap()
    }

    fn run(settings: Value, object: Value) -> Value {
        run_request(settings, object, "CREATE", Value::Null)
    }

    /// A pod whose three containers (one of each kind) share `sc`.
    fn pod(sc: Value) -> Value {
        json!({"kind": "Pod", "spec": {
            "containers": [{"name": "app", "image": "nginx", "securityContext": sc.clone()}],
            "initContainers": [{"name": "init", "image": "busybox", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox", "securityContext": sc}]}})
    }

    const PATHS: [&str; 3] = [
        "spec.containers[0].securityContext.readOnlyRootFilesystem",
        "spec.initContainers[0].securityContext.readOnlyRootFilesystem",
        "spec.ephemeralContainers[0].securityContext.readOnlyRootFilesystem",
    ];

    fn assert_rejected_everywhere(out: &Value, text: &str) {
        assert_eq!(out["accepted"], false, "{out}");
        let message = out["message"].as_str().unwrap();
        for path in PATHS {
            assert!(message.contains(&format!("{path}: ")), "{message}");
        }
        assert!(message.contains(text), "{message}");
        assert!(out["mutated_object"].is_null());
    }

    fn settings_error(settings: Value) -> String {
        let out =
            palisade_sdk::validate_settings::<ReadOnlyRootfs>(settings.to_string().as_bytes());
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], false, "{settings}");
        out["message"].as_str().unwrap().to_owned()
    }

    #[test]
    fn read_only_true_is_accepted() {
        for settings in [
            json!({}),
            json!({"default_read_only_root_filesystem": true}),
        ] {
            let out = run(settings, pod(json!({"readOnlyRootFilesystem": true})));
            assert_eq!(out["accepted"], true, "{out}");
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn unset_and_false_are_rejected_without_the_default() {
        for sc in [json!(null), json!({}), json!({"runAsNonRoot": true})] {
            let out = run(json!({}), pod(sc));
            assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
        }
        let out = run(json!({}), pod(json!({"readOnlyRootFilesystem": false})));
        assert_rejected_everywhere(
            &out,
            "container \"app\" must not set readOnlyRootFilesystem to false",
        );
    }

    #[test]
    fn the_default_sets_missing_fields_and_keeps_the_rest() {
        let out = run(
            json!({"default_read_only_root_filesystem": true}),
            pod(json!(null)),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let spec = &out["mutated_object"]["spec"];
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            assert_eq!(
                spec[kind][0]["securityContext"],
                json!({"readOnlyRootFilesystem": true})
            );
        }
        let out = run(
            json!({"readOnlyRootFilesystem": true}),
            pod(json!({"runAsUser": 1000})),
        );
        assert_eq!(
            out["mutated_object"]["spec"]["containers"][0]["securityContext"],
            json!({"runAsUser": 1000, "readOnlyRootFilesystem": true})
        );
        let warnings = out["warnings"].as_array().unwrap();
        assert!(warnings.iter().any(|w| w.as_str().unwrap().contains(
            "mutated: set spec.initContainers[0].securityContext.readOnlyRootFilesystem to true"
        )));
    }

    #[test]
    fn the_default_still_rejects_an_explicit_false() {
        let out = run(
            json!({"default_read_only_root_filesystem": true}),
            pod(json!({"readOnlyRootFilesystem": false})),
        );
        assert_rejected_everywhere(&out, "must not set readOnlyRootFilesystem to false");
    }

    #[test]
    fn validate_only_rejects_instead_of_mutating() {
        let out = run(
            json!({"default_read_only_root_filesystem": true, "validate_only": true}),
            pod(json!(null)),
        );
        assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
    }

    #[test]
    fn workload_paths_and_exemptions() {
        let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "api", "image": "api:1"}, {"name": "proxy", "image": "envoy:1"}]}}}});
        let out = run(
            json!({"exempt_container_names": ["proxy"]}),
            deployment.clone(),
        );
        assert_eq!(out["accepted"], false);
        let message = out["message"].as_str().unwrap();
        assert!(
            message.contains(
                "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"
            )
        );
        assert!(!message.contains("containers[1]"), "{message}");
        let out = run(json!({"excludedContainers": ["api", "proxy"]}), deployment);
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn update_keeps_preexisting_problems_as_warnings() {
        let object = pod(json!({"readOnlyRootFilesystem": false}));
        let out = run_request(json!({}), object.clone(), "UPDATE", object.clone());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["warnings"][0].as_str().unwrap().contains("preexisting"));
        let old = pod(json!({"readOnlyRootFilesystem": true}));
        let out = run_request(json!({}), object, "UPDATE", old);
        assert_eq!(out["accepted"], false);
        let object = pod(json!(null));
        let out = run_request(
            json!({"default_read_only_root_filesystem": true}),
            object.clone(),
            "UPDATE",
            object,
        );
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn settings_are_checked() {
        let message = settings_error(json!({"validate_only": true}));
        assert!(
            message.contains("validate_only: has no effect"),
            "{message}"
        );
        let message = settings_error(json!({"read_only": true}));
        assert!(message.contains("read_only"), "{message}");
        let message = settings_error(json!({"default_read_only_root_filesystem": "yes"}));
        assert!(
            message.contains("default_read_only_root_filesystem"),
            "{message}"
        );
    }
}

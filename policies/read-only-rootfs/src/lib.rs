//! read-only-rootfs: every container of every kind must run with a read-only
//! root filesystem. Azure `k8sazurereadonlyrootfilesystem`, PSP
//! `readOnlyRootFilesystem`.
//!
//! A Windows pod (`spec.os.name: windows`) is neither required to set
//! `readOnlyRootFilesystem` nor given it: the API server refuses the field
//! there. An explicit value is still judged.

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
        // The API server refuses `readOnlyRootFilesystem` on a Windows pod:
        // it is not required of it or set on it (an explicit false is still
        // refused below).
        let windows = pod.is_windows();
        for container in pod.containers() {
            let path = container.field_path(&["securityContext", "readOnlyRootFilesystem"]);
            let who = container.describe();
            match container
                .security_context()
                .and_then(|sc| sc.read_only_root_filesystem)
            {
                Some(true) => {}
                None if windows => {}
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
    use palisade_sdk::testing::{
        each_container_kind_paths, message, mutated, pod_with_each_container_kind as pod, refusal,
        run, run_update, violation_paths,
    };
    use serde_json::{Value, json};

    /// Rejected for readOnlyRootFilesystem in each of the three containers
    /// of `pod`, with `text` in the message.
    fn assert_rejected_everywhere(out: &Value, text: &str) {
        let paths = each_container_kind_paths("securityContext.readOnlyRootFilesystem");
        let message = message(out);
        for path in &paths {
            assert!(message.contains(&format!("{path}: ")), "{message}");
        }
        assert!(message.contains(text), "{message}");
        assert!(out["mutated_object"].is_null());
        assert_eq!(violation_paths::<ReadOnlyRootfs>(out), paths);
    }

    #[test]
    fn read_only_true_is_accepted() {
        for settings in [
            json!({}),
            json!({"default_read_only_root_filesystem": true}),
        ] {
            let out = run::<ReadOnlyRootfs>(settings, pod(json!({"readOnlyRootFilesystem": true})));
            assert_eq!(out["accepted"], true, "{out}");
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn unset_and_false_are_rejected_without_the_default() {
        for sc in [json!(null), json!({}), json!({"runAsNonRoot": true})] {
            let out = run::<ReadOnlyRootfs>(json!({}), pod(sc));
            assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
        }
        let out = run::<ReadOnlyRootfs>(json!({}), pod(json!({"readOnlyRootFilesystem": false})));
        assert_rejected_everywhere(
            &out,
            "container \"app\" must not set readOnlyRootFilesystem to false",
        );
    }

    #[test]
    fn the_default_sets_missing_fields_and_keeps_the_rest() {
        let out = run::<ReadOnlyRootfs>(
            json!({"default_read_only_root_filesystem": true}),
            pod(json!(null)),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let spec = &mutated(&out)["spec"];
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            assert_eq!(
                spec[kind][0]["securityContext"],
                json!({"readOnlyRootFilesystem": true})
            );
        }
        let out = run::<ReadOnlyRootfs>(
            json!({"readOnlyRootFilesystem": true}),
            pod(json!({"runAsUser": 1000})),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"],
            json!({"runAsUser": 1000, "readOnlyRootFilesystem": true})
        );
        let warnings = out["warnings"].as_array().unwrap();
        assert!(warnings.iter().any(|w| w.as_str().unwrap().contains(
            "mutated: set spec.initContainers[0].securityContext.readOnlyRootFilesystem to true"
        )));
    }

    #[test]
    fn the_default_still_rejects_an_explicit_false() {
        let out = run::<ReadOnlyRootfs>(
            json!({"default_read_only_root_filesystem": true}),
            pod(json!({"readOnlyRootFilesystem": false})),
        );
        assert_rejected_everywhere(&out, "must not set readOnlyRootFilesystem to false");
    }

    #[test]
    fn validate_only_rejects_instead_of_mutating() {
        let out = run::<ReadOnlyRootfs>(
            json!({"default_read_only_root_filesystem": true, "validate_only": true}),
            pod(json!(null)),
        );
        assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
    }

    /// `pod(sc)` with `spec.os.name: os`.
    fn pod_on(os: &str, sc: Value) -> Value {
        let mut object = pod(sc);
        object["spec"]["os"] = json!({"name": os});
        object
    }

    #[test]
    fn windows_pods_are_neither_required_nor_given_the_field() {
        for settings in [
            json!({}),
            json!({"default_read_only_root_filesystem": true}),
            json!({"default_read_only_root_filesystem": true, "validate_only": true}),
        ] {
            for sc in [json!(null), json!({}), json!({"runAsNonRoot": true})] {
                let out = run::<ReadOnlyRootfs>(settings.clone(), pod_on("windows", sc.clone()));
                assert_eq!(out["accepted"], true, "{settings} {sc}: {out}");
                assert!(out["mutated_object"].is_null(), "{settings} {sc}: {out}");
                assert!(out["warnings"].is_null(), "{settings} {sc}: {out}");
            }
        }
    }

    #[test]
    fn windows_pods_still_have_an_explicit_value_judged() {
        for settings in [
            json!({}),
            json!({"default_read_only_root_filesystem": true}),
        ] {
            let out = run::<ReadOnlyRootfs>(
                settings.clone(),
                pod_on("windows", json!({"readOnlyRootFilesystem": false})),
            );
            assert_rejected_everywhere(&out, "must not set readOnlyRootFilesystem to false");
            let out = run::<ReadOnlyRootfs>(
                settings,
                pod_on("windows", json!({"readOnlyRootFilesystem": true})),
            );
            assert_eq!(out["accepted"], true, "{out}");
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn only_a_pod_named_exactly_windows_is_spared() {
        for os in ["linux", "Windows", "WINDOWS", " windows", "windows ", ""] {
            let out = run::<ReadOnlyRootfs>(json!({}), pod_on(os, json!(null)));
            assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
            let out = run::<ReadOnlyRootfs>(
                json!({"default_read_only_root_filesystem": true}),
                pod_on(os, json!(null)),
            );
            assert_eq!(
                mutated(&out)["spec"]["containers"][0]["securityContext"],
                json!({"readOnlyRootFilesystem": true}),
                "{os:?}"
            );
        }
        let mut no_name = pod(json!(null));
        no_name["spec"]["os"] = json!({});
        let out = run::<ReadOnlyRootfs>(json!({}), no_name);
        assert_rejected_everywhere(&out, "must set readOnlyRootFilesystem to true");
    }

    #[test]
    fn a_windows_workload_template_is_spared() {
        let cronjob = |os: &str| {
            json!({"apiVersion": "batch/v1", "kind": "CronJob",
                "metadata": {"name": "report", "namespace": "default"},
                "spec": {"schedule": "0 1 * * *", "jobTemplate": {"spec": {"template": {"spec": {
                    "os": {"name": os}, "restartPolicy": "OnFailure",
                    "containers": [{"name": "report",
                        "image": "mcr.microsoft.com/windows/servercore:ltsc2022"}]}}}}}})
        };
        let out = run::<ReadOnlyRootfs>(json!({}), cronjob("windows"));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<ReadOnlyRootfs>(json!({}), cronjob("linux"));
        assert_eq!(
            violation_paths::<ReadOnlyRootfs>(&out),
            [
                "spec.jobTemplate.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"
            ]
        );
    }

    #[test]
    fn workload_paths_and_exemptions() {
        let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": {
            "containers": [{"name": "api", "image": "api:1"}, {"name": "proxy", "image": "envoy:1"}]}}}});
        let out = run::<ReadOnlyRootfs>(
            json!({"exempt_container_names": ["proxy"]}),
            deployment.clone(),
        );
        assert_eq!(out["accepted"], false);
        assert_eq!(
            violation_paths::<ReadOnlyRootfs>(&out),
            ["spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"]
        );
        let message = message(&out);
        assert!(
            message.contains(
                "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem"
            )
        );
        assert!(!message.contains("containers[1]"), "{message}");
        let out =
            run::<ReadOnlyRootfs>(json!({"excludedContainers": ["api", "proxy"]}), deployment);
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn update_keeps_preexisting_problems_as_warnings() {
        let object = pod(json!({"readOnlyRootFilesystem": false}));
        let out = run_update::<ReadOnlyRootfs>(json!({}), object.clone(), object.clone());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["warnings"][0].as_str().unwrap().contains("preexisting"));
        let old = pod(json!({"readOnlyRootFilesystem": true}));
        let out = run_update::<ReadOnlyRootfs>(json!({}), object, old);
        assert_eq!(out["accepted"], false);
        let object = pod(json!(null));
        let out = run_update::<ReadOnlyRootfs>(
            json!({"default_read_only_root_filesystem": true}),
            object.clone(),
            object,
        );
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn settings_are_checked() {
        let message = refusal::<ReadOnlyRootfs>(json!({"validate_only": true}));
        assert!(
            message.contains("validate_only: has no effect"),
            "{message}"
        );
        let message = refusal::<ReadOnlyRootfs>(json!({"read_only": true}));
        assert!(message.contains("read_only"), "{message}");
        let message =
            refusal::<ReadOnlyRootfs>(json!({"default_read_only_root_filesystem": "yes"}));
        assert!(
            message.contains("default_read_only_root_filesystem"),
            "{message}"
        );
    }
}

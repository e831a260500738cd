//! block-automount-token: a pod must set
//! `spec.automountServiceAccountToken: false`. Azure
//! `k8sazureblockautomounttoken` (BlockAutomountToken). Optionally an unset
//! field is set to `false` (Azure's mutation definition does the same).

use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Set an unset `automountServiceAccountToken` to `false` (a mutation)
    /// instead of rejecting the pod. An explicit `true` is always rejected.
    #[serde(default)]
    pub set_false_when_unset: bool,
    /// Reject instead of mutating; only with `set_false_when_unset`.
    #[serde(default)]
    pub validate_only: bool,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.validate_only && !self.set_false_when_unset {
            return Err(SettingsError::new(
                "validate_only",
                "has no effect without set_false_when_unset: nothing is mutated",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct BlockAutomountToken;

impl Rule for BlockAutomountToken {
    const NAME: &'static str = "block-automount-token";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        // The token is mounted into every container: the pod is judged
        // unless every one of its containers is exempt.
        let spec = pod.spec;
        let any_container = !(spec.containers.is_empty()
            && spec.init_containers.is_empty()
            && spec.ephemeral_containers.is_empty());
        if any_container && pod.containers().next().is_none() {
            return;
        }
        let path = pod.spec_path(&["automountServiceAccountToken"]);
        match spec.automount_service_account_token {
            Some(false) => {}
            Some(true) => report.violation(
                path,
                "automountServiceAccountToken is true: the pod must set it to false",
            ),
            None if settings.set_false_when_unset => report.fix(
                path,
                Change::Set(json!(false)),
                "the pod must set automountServiceAccountToken: false",
            ),
            None => report.violation(
                path,
                "the pod must set automountServiceAccountToken: false (unset, the \
                 ServiceAccount's setting decides, and by default the token is mounted)",
            ),
        }
    }
}

export_rule!(BlockAutomountToken);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, mutated, refusal, run, run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    type R = BlockAutomountToken;

    const AT: &str = "spec.automountServiceAccountToken";

    fn pod(automount: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"automountServiceAccountToken": automount, "serviceAccountName": "web",
                     "containers": [{"name": "app", "image": "nginx:1"}],
                     "initContainers": [{"name": "init", "image": "registry.example.com/init:1"}]}})
    }

    fn accepted_unchanged(settings: Value, object: Value) -> bool {
        let out = run::<R>(settings, object);
        out["accepted"] == true && out["mutated_object"].is_null()
    }

    #[test]
    fn only_an_explicit_false_is_accepted() {
        assert!(accepted_unchanged(json!({}), pod(json!(false))));
        for (value, text) in [
            (json!(true), "automountServiceAccountToken is true"),
            (json!(null), "the ServiceAccount's setting decides"),
        ] {
            let out = run::<R>(json!({}), pod(value.clone()));
            assert_eq!(violation_paths::<R>(&out), [AT], "{value}");
            assert!(message(&out).contains(text), "{value}");
        }
    }

    #[test]
    fn set_false_when_unset_mutates_only_an_unset_field() {
        let settings = json!({"set_false_when_unset": true});
        let out = run::<R>(settings.clone(), pod(json!(null)));
        assert_eq!(mutated(&out)["spec"]["automountServiceAccountToken"], false);
        // An explicit true is a request, rejected, never rewritten.
        let out = run::<R>(settings.clone(), pod(json!(true)));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(out["mutated_object"].is_null());
        let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "c", "image": "busybox:1"}]}}}}}});
        let out = run::<R>(settings, cronjob);
        assert_eq!(
            mutated(&out)["spec"]["jobTemplate"]["spec"]["template"]["spec"]["automountServiceAccountToken"],
            false
        );
        let out = run::<R>(
            json!({"set_false_when_unset": true, "validate_only": true}),
            pod(json!(null)),
        );
        assert_eq!(violation_paths::<R>(&out), [AT]);
    }

    #[test]
    fn a_pod_whose_every_container_is_exempt_is_skipped() {
        let all = json!({"exempt_container_names": ["app", "init"]});
        assert!(accepted_unchanged(all, pod(json!(true))));
        let one = json!({"exempt_container_names": ["app"]});
        assert_eq!(run::<R>(one, pod(json!(true)))["accepted"], false);
        let images = json!({"excludedImages": ["nginx:*", "registry.example.com/*"]});
        assert!(accepted_unchanged(images, pod(json!(null))));
        let namespace = json!({"excludedNamespaces": ["default"]});
        assert!(accepted_unchanged(namespace, pod(json!(null))));
    }

    #[test]
    fn updates_of_running_pods_keep_what_they_had() {
        // A relabel of a pod that mounts the token warns; it cannot be changed.
        let out = run_update::<R>(json!({}), pod(json!(null)), pod(json!(null)));
        assert_eq!(out["accepted"], true, "{out}");
        let settings = json!({"set_false_when_unset": true});
        let out = run_update::<R>(settings, pod(json!(null)), pod(json!(null)));
        assert!(
            out["accepted"] == true && out["mutated_object"].is_null(),
            "{out}"
        );
    }

    #[test]
    fn malformed_settings_are_refused() {
        let got = refusal::<R>(json!({"validate_only": true}));
        assert!(got.contains("validate_only: has no effect"), "{got}");
        let got = refusal::<R>(json!({"mutate": true}));
        assert!(got.contains("mutate"), "{got}");
        let got = refusal::<R>(json!({"set_false_when_unset": "yes"}));
        assert!(got.contains("set_false_when_unset"), "{got}");
        assert_eq!(settings_error::<R>(json!({})), None);
    }
}

//! no-privilege: no container of any kind may run privileged.
//! Azure `k8sazurecontainernoprivilege`, PSP `privileged`.

use palisade_sdk::{ContainerKind, Pod, Report, Rule, RuleSettings, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Do not check init containers.
    #[serde(default)]
    pub skip_init_containers: bool,
    /// Do not check ephemeral (debug) containers.
    #[serde(default)]
    pub skip_ephemeral_containers: bool,
}

impl RuleSettings for Settings {}

pub struct NoPrivilege;

impl Rule for NoPrivilege {
    const NAME: &'static str = "no-privilege";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            let skipped = match container.kind {
                ContainerKind::InitContainer => settings.skip_init_containers,
                ContainerKind::EphemeralContainer => settings.skip_ephemeral_containers,
                ContainerKind::Container => false,
            };
            let privileged = container.security_context().and_then(|sc| sc.privileged);
            if !skipped && privileged == Some(true) {
                report.violation(
                    container.field_path(&["securityContext", "privileged"]),
                    format!("{} must not be privileged", container.describe()),
                );
            }
        }
    }
}

export_rule!(NoPrivilege);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn run(settings: Value, object: Value) -> Value {
        let payload = json!({
            "request": {"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "operation": "CREATE", "namespace": "default", "object": object},
            "settings": settings,
        });
        let out = palisade_sdk::validate::<NoPrivilege>(payload.to_string().as_bytes());
        serde_json::from_slice(&out).unwrap()
    }

    fn pod(sc: Value) -> Value {
        json!({"kind": "Pod", "spec": {
            "containers": [{"name": "app", "image": "nginx", "securityContext": sc.clone()}],
            "initContainers": [{"name": "init", "image": "busybox", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox", "securityContext": sc}]}})
    }

    #[test]
    fn rejects_every_privileged_container_kind_at_once() {
        let out = run(json!({}), pod(json!({"privileged": true})));
        assert_eq!(out["accepted"], false);
        let message = out["message"].as_str().unwrap();
        for path in [
            "spec.containers[0].securityContext.privileged",
            "spec.initContainers[0].securityContext.privileged",
            "spec.ephemeralContainers[0].securityContext.privileged",
        ] {
            assert!(message.contains(path), "{message}");
        }
        assert_eq!(out["warnings"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn accepts_unprivileged_and_unset() {
        assert_eq!(
            run(json!({}), pod(json!({"privileged": false})))["accepted"],
            true
        );
        assert_eq!(run(json!({}), pod(json!(null)))["accepted"], true);
    }

    #[test]
    fn skip_settings_skip_only_their_kind() {
        let out = run(
            json!({"skip_init_containers": true}),
            pod(json!({"privileged": true})),
        );
        let message = out["message"].as_str().unwrap();
        assert!(!message.contains("initContainers"), "{message}");
        assert!(message.contains("ephemeralContainers"), "{message}");
        let out = run(
            json!({"skip_init_containers": true, "skip_ephemeral_containers": true}),
            pod(json!({"privileged": true})),
        );
        let message = out["message"].as_str().unwrap();
        assert!(message.contains("spec.containers[0]") && !message.contains("ephemeral"));
    }

    #[test]
    fn exemptions_apply() {
        let out = run(
            json!({"exempt_container_names": ["app", "init", "debug"]}),
            pod(json!({"privileged": true})),
        );
        assert_eq!(out["accepted"], true);
        let out = run(
            json!({"excludedNamespaces": ["default"]}),
            pod(json!({"privileged": true})),
        );
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let out = palisade_sdk::validate_settings::<NoPrivilege>(br#"{"skip_init": true}"#);
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], false);
        assert!(out["message"].as_str().unwrap().contains("skip_init"));
    }
}

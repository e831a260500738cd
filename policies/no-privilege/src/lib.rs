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
    use palisade_sdk::testing::{
        each_container_kind_paths, message, pod_with_each_container_kind as pod, run,
        settings_error, violation_paths,
    };
    use serde_json::json;

    #[test]
    fn rejects_every_privileged_container_kind_at_once() {
        let out = run::<NoPrivilege>(json!({}), pod(json!({"privileged": true})));
        let expected = each_container_kind_paths("securityContext.privileged");
        assert_eq!(violation_paths::<NoPrivilege>(&out), expected);
        for path in expected {
            assert!(message(&out).contains(&path), "{out}");
        }
    }

    #[test]
    fn accepts_unprivileged_and_unset() {
        let out = run::<NoPrivilege>(json!({}), pod(json!({"privileged": false})));
        assert_eq!(out["accepted"], true);
        assert_eq!(
            run::<NoPrivilege>(json!({}), pod(json!(null)))["accepted"],
            true
        );
    }

    #[test]
    fn skip_settings_skip_only_their_kind() {
        let privileged = || pod(json!({"privileged": true}));
        let out = run::<NoPrivilege>(json!({"skip_init_containers": true}), privileged());
        assert_eq!(
            violation_paths::<NoPrivilege>(&out),
            [
                "spec.containers[0].securityContext.privileged",
                "spec.ephemeralContainers[0].securityContext.privileged"
            ]
        );
        let both = json!({"skip_init_containers": true, "skip_ephemeral_containers": true});
        let out = run::<NoPrivilege>(both, privileged());
        assert_eq!(
            violation_paths::<NoPrivilege>(&out),
            ["spec.containers[0].securityContext.privileged"]
        );
    }

    #[test]
    fn exemptions_apply() {
        let privileged = || pod(json!({"privileged": true}));
        let names = json!({"exempt_container_names": ["app", "init", "debug"]});
        assert_eq!(run::<NoPrivilege>(names, privileged())["accepted"], true);
        let namespaces = json!({"excludedNamespaces": ["default"]});
        assert_eq!(
            run::<NoPrivilege>(namespaces, privileged())["accepted"],
            true
        );
    }

    #[test]
    fn unknown_setting_is_refused() {
        let refusal = settings_error::<NoPrivilege>(json!({"skip_init": true}));
        assert!(refusal.is_some_and(|m| m.contains("skip_init")));
        assert_eq!(settings_error::<NoPrivilege>(json!({})), None);
    }
}

//! disallowed-capabilities: Linux capabilities containers must not add.
//! Azure `k8sazuredisallowedcapabilities`, and with `[SYS_ADMIN]` the Azure
//! definition "Kubernetes clusters should not use CAP_SYS_ADMIN".

use palisade_sdk::capabilities::{CapabilitySet, normalize};
use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::{Deserialize, Deserializer};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Capabilities no container may add; `*` or `ALL` forbid every addition.
    /// Empty (the default, as in Azure) forbids nothing.
    #[serde(
        default,
        alias = "disallowedCapabilities",
        deserialize_with = "capability_set"
    )]
    pub disallowed_capabilities: CapabilitySet,
}

/// A list of capability names, normalised (`cap_sys_admin` is `SYS_ADMIN`)
/// and without repeats.
fn capability_set<'de, D: Deserializer<'de>>(deserializer: D) -> Result<CapabilitySet, D::Error> {
    let mut names: Vec<String> = Vec::new();
    for name in Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default() {
        let name = normalize(&name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(CapabilitySet::new(&names))
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let names = self.disallowed_capabilities.names();
        if names.iter().any(|n| n.is_empty()) {
            return Err(SettingsError::new(
                "disallowed_capabilities",
                "a capability name is empty",
            ));
        }
        Ok(())
    }
}

pub struct DisallowedCapabilities;

impl Rule for DisallowedCapabilities {
    const NAME: &'static str = "disallowed-capabilities";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let disallowed = &settings.disallowed_capabilities;
        if disallowed.is_empty() {
            return;
        }
        for container in pod.containers() {
            let add = container
                .security_context()
                .and_then(|sc| sc.capabilities.as_ref())
                .map_or(&[][..], |c| c.add.as_slice());
            let add_path = container.field_path(&["securityContext", "capabilities", "add"]);
            for (i, name) in add.iter().enumerate() {
                let name = normalize(name);
                // Adding ALL adds every capability, the disallowed ones too.
                let why = if disallowed.contains(&name) {
                    "disallowed".to_owned()
                } else if name == "ALL" || name == "*" {
                    format!("it includes {}, disallowed", disallowed.names().join(", "))
                } else {
                    continue;
                };
                let message = format!("{} may not add {name} ({why})", container.describe());
                report.violation(add_path.index(i), message);
            }
        }
    }
}

export_rule!(DisallowedCapabilities);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, pod_with_each_container_kind, refusal, run, run_update,
        settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    /// A pod with one container of each kind, all with `capabilities: caps`.
    fn pod(caps: Value) -> Value {
        pod_with_each_container_kind(json!({"capabilities": caps}))
    }

    fn sys_admin() -> Value {
        json!({"disallowed_capabilities": ["SYS_ADMIN"]})
    }

    #[test]
    fn sys_admin_is_rejected_in_every_spelling_and_container_kind() {
        // A deny-list fails closed: every spelling a runtime might read as
        // SYS_ADMIN is caught, stricter than Pod Security Admission's
        // literal comparison.
        for spelling in [
            "cap_sys_admin",
            "CAP_SYS_ADMIN",
            "sys_admin",
            "SYS_ADMIN",
            " SYS_ADMIN",
            "Sys_Admin",
            "SYS_ADMIN\t",
        ] {
            let out = run::<DisallowedCapabilities>(
                sys_admin(),
                pod(json!({"add": ["CHOWN", spelling]})),
            );
            assert_eq!(
                violation_paths::<DisallowedCapabilities>(&out),
                each_container_kind_paths("securityContext.capabilities.add[1]"),
                "{spelling}"
            );
            let message = message(&out);
            for kind in ["containers", "initContainers", "ephemeralContainers"] {
                let path = format!("spec.{kind}[0].securityContext.capabilities.add[1]");
                assert!(message.contains(&path), "{message}");
            }
            assert!(!message.contains("add[0]"), "{message}");
            assert!(message.contains("container \"app\" may not add SYS_ADMIN (disallowed)"));
        }
        // Spellings in the settings are normalised too.
        let out = run::<DisallowedCapabilities>(
            json!({"disallowedCapabilities": ["cap_sys_admin"]}),
            pod(json!({"add": ["SYS_ADMIN"]})),
        );
        assert!(message(&out).contains("add[0]"));
    }

    #[test]
    fn other_capabilities_are_accepted() {
        let out = run::<DisallowedCapabilities>(
            sys_admin(),
            pod(json!({"add": ["NET_BIND_SERVICE"], "drop": ["SYS_ADMIN"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let bare = json!({"kind": "Pod", "spec": {"containers": [{"name": "app"}]}});
        assert_eq!(
            run::<DisallowedCapabilities>(sys_admin(), bare)["accepted"],
            true
        );
        assert_eq!(
            run::<DisallowedCapabilities>(sys_admin(), pod(json!(null)))["accepted"],
            true
        );
    }

    #[test]
    fn default_disallows_nothing() {
        for settings in [json!({}), json!({"disallowed_capabilities": []})] {
            let out =
                run::<DisallowedCapabilities>(settings, pod(json!({"add": ["SYS_ADMIN", "ALL"]})));
            assert_eq!(out["accepted"], true, "{out}");
        }
    }

    #[test]
    fn star_or_all_forbids_every_addition() {
        for star in ["*", "ALL", "all"] {
            let out = run::<DisallowedCapabilities>(
                json!({"disallowed_capabilities": [star]}),
                pod(json!({"add": ["NET_BIND_SERVICE"]})),
            );
            assert!(message(&out).contains("add[0]"));
        }
    }

    #[test]
    fn adding_all_adds_the_disallowed_capabilities() {
        let out = run::<DisallowedCapabilities>(
            json!({"disallowed_capabilities": ["SYS_ADMIN", "cap_net_admin"]}),
            pod(json!({"add": ["all"]})),
        );
        let message = message(&out);
        assert!(
            message.contains("may not add ALL (it includes SYS_ADMIN, NET_ADMIN, disallowed)"),
            "{message}"
        );
    }

    #[test]
    fn update_leaves_preexisting_additions_as_warnings() {
        let old = pod(json!({"add": ["SYS_ADMIN"]}));
        let out = run_update::<DisallowedCapabilities>(sys_admin(), old.clone(), old);
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["warnings"].to_string().contains("preexisting"));
        let out = run_update::<DisallowedCapabilities>(
            sys_admin(),
            pod(json!({"add": ["SYS_ADMIN"]})),
            pod(json!(null)),
        );
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn exemptions_apply() {
        let mut settings = sys_admin();
        settings["exempt_images"] = json!(["busybox", "ngin*"]);
        let out = run::<DisallowedCapabilities>(settings, pod(json!({"add": ["SYS_ADMIN"]})));
        assert_eq!(out["accepted"], true, "{out}");
        let mut settings = sys_admin();
        settings["excludedContainers"] = json!(["init", "debug"]);
        let out = run::<DisallowedCapabilities>(settings, pod(json!({"add": ["SYS_ADMIN"]})));
        assert_eq!(
            violation_paths::<DisallowedCapabilities>(&out),
            ["spec.containers[0].securityContext.capabilities.add[0]"]
        );
        assert!(!message(&out).contains("initContainers"));
    }

    #[test]
    fn bad_settings_are_refused() {
        let refusal = refusal::<DisallowedCapabilities>;
        let message = refusal(json!({"disallowed_capabilities": [""]}));
        assert!(message.contains("disallowed_capabilities: a capability name is empty"));
        let message = refusal(json!({"disallowed_capabilities": ["CAP_"]}));
        assert!(message.contains("empty"), "{message}");
        let message = refusal(json!({"disallowed_caps": ["SYS_ADMIN"]}));
        assert!(message.contains("disallowed_caps"), "{message}");
        let message = refusal(json!({"disallowed_capabilities": "SYS_ADMIN"}));
        assert!(message.contains("disallowed_capabilities"), "{message}");
        let null = json!({"disallowed_capabilities": null});
        assert_eq!(settings_error::<DisallowedCapabilities>(null), None);
    }
}

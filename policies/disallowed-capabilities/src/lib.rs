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
    use serde_json::{Value, json};

    fn request(operation: &str, object: Value, old: Value, settings: Value) -> Value {
        let payload = json!({
            "request": {"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "operation": operation, "namespace": "default",
                        "object": object, "oldObject": old},
            "settings": settings,
        });
        let out = palisade_sdk::validate::<DisallowedCapabilities>(payload.to_string().as_bytes());
        serde_json::from_slice(&out).unwrap()
    }

    fn run(settings: Value, object: Value) -> Value {
        request("CREATE", object, Value::Null, settings)
    }

    fn settings_error(settings: Value) -> String {
        let out = palisade_sdk::validate_settings::<DisallowedCapabilities>(
            settings.to_string().as_bytes(),
        );
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], false, "{settings} was accepted");
        out["message"].as_str().unwrap().to_owned()
    }

    fn pod(caps: Value) -> Value {
        let sc = json!({"capabilities": caps});
        json!({"kind": "Pod", "spec": {
            "containers": [{"name": "app", "image": "nginx", "securityContext": sc.clone()}],
            "initContainers": [{"name": "init", "image": "busybox", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox", "securityContext": sc}]}})
    }

    fn message(out: &Value) -> &str {
        assert_eq!(out["accepted"], false, "{out}");
        out["message"].as_str().unwrap()
    }

    fn sys_admin() -> Value {
        json!({"disallowed_capabilities": ["SYS_ADMIN"]})
    }

    #[test]
    fn sys_admin_is_rejected_in_every_spelling_and_container_kind() {
        for spelling in ["cap_sys_admin", "CAP_SYS_ADMIN", "sys_admin", "SYS_ADMIN"] {
            let out = run(sys_admin(), pod(json!({"add": ["CHOWN", spelling]})));
            let message = message(&out);
            for kind in ["containers", "initContainers", "ephemeralContainers"] {
                let path = format!("spec.{kind}[0].securityContext.capabilities.add[1]");
                assert!(message.contains(&path), "{message}");
            }
            assert!(!message.contains("add[0]"), "{message}");
            assert!(message.contains("container \"app\" may not add SYS_ADMIN (disallowed)"));
        }
        // Spellings in the settings are normalised too.
        let out = run(
            json!({"disallowedCapabilities": ["cap_sys_admin"]}),
            pod(json!({"add": ["SYS_ADMIN"]})),
        );
        assert!(message(&out).contains("add[0]"));
    }

    #[test]
    fn other_capabilities_are_accepted() {
        let out = run(
            sys_admin(),
            pod(json!({"add": ["NET_BIND_SERVICE"], "drop": ["SYS_ADMIN"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let bare = json!({"kind": "Pod", "spec": {"containers": [{"name": "app"}]}});
        assert_eq!(run(sys_admin(), bare)["accepted"], true);
        assert_eq!(run(sys_admin(), pod(json!(null)))["accepted"], true);
    }

    #[test]
    fn default_disallows_nothing() {
        for settings in [json!({}), json!({"disallowed_capabilities": []})] {
            let out = run(settings, pod(json!({"add": ["SYS_ADMIN", "ALL"]})));
            assert_eq!(out["accepted"], true, "{out}");
        }
    }

    #[test]
    fn star_or_all_forbids_every_addition() {
        for star in ["*", "ALL", "all"] {
            let out = run(
                json!({"disallowed_capabilities": [star]}),
                pod(json!({"add": ["NET_BIND_SERVICE"]})),
            );
            assert!(message(&out).contains("add[0]"));
        }
    }

    #[test]
    fn adding_all_adds_the_disallowed_capabilities() {
        let out = run(
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
        let out = request("UPDATE", old.clone(), old, sys_admin());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["warnings"].to_string().contains("preexisting"));
        let out = request(
            "UPDATE",
            pod(json!({"add": ["SYS_ADMIN"]})),
            pod(json!(null)),
            sys_admin(),
        );
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn exemptions_apply() {
        let mut settings = sys_admin();
        settings["exempt_images"] = json!(["busybox", "ngin*"]);
        let out = run(settings, pod(json!({"add": ["SYS_ADMIN"]})));
        assert_eq!(out["accepted"], true, "{out}");
        let mut settings = sys_admin();
        settings["excludedContainers"] = json!(["init", "debug"]);
        let out = run(settings, pod(json!({"add": ["SYS_ADMIN"]})));
        assert!(!message(&out).contains("initContainers"));
    }

    #[test]
    fn bad_settings_are_refused() {
        let message = settings_error(json!({"disallowed_capabilities": [""]}));
        assert!(message.contains("disallowed_capabilities: a capability name is empty"));
        let message = settings_error(json!({"disallowed_capabilities": ["CAP_"]}));
        assert!(message.contains("empty"), "{message}");
        let message = settings_error(json!({"disallowed_caps": ["SYS_ADMIN"]}));
        assert!(message.contains("disallowed_caps"), "{message}");
        let message = settings_error(json!({"disallowed_capabilities": "SYS_ADMIN"}));
        assert!(message.contains("disallowed_capabilities"), "{message}");
        let out = palisade_sdk::validate_settings::<DisallowedCapabilities>(
            br#"{"disallowed_capabilities": null}"#,
        );
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], true);
    }
}

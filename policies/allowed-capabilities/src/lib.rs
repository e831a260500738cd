//! allowed-capabilities: which Linux capabilities containers may add, which
//! they must drop, and which they get by default.
//! Azure `k8sazureallowedcapabilities`, PSP `allowedCapabilities`,
//! `requiredDropCapabilities` and `defaultAddCapabilities`.
//!
//! A Windows pod (`spec.os.name: windows`) is neither required to drop nor
//! given a capability: the API server refuses `capabilities` there. The
//! capabilities it does add are still judged.

use palisade_sdk::capabilities::{CapabilitySet, is_spelling_of, normalize};
use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::{Deserialize, Deserializer};
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Capabilities a container may add; `*` allows any, empty allows none.
    #[serde(
        default,
        alias = "allowedCapabilities",
        deserialize_with = "capability_set"
    )]
    pub allowed_capabilities: CapabilitySet,
    /// Capabilities every container must drop (exactly `ALL` in its drop
    /// list also does); none of them may be added.
    #[serde(
        default,
        alias = "requiredDropCapabilities",
        deserialize_with = "capability_set"
    )]
    pub required_drop_capabilities: CapabilitySet,
    /// Capabilities added to every container that does not list them.
    #[serde(default, deserialize_with = "capability_set")]
    pub default_add_capabilities: CapabilitySet,
    /// Reject instead of mutating.
    #[serde(default)]
    pub validate_only: bool,
}

/// A list of capability names, normalised (`cap_net_raw` is `NET_RAW`) and
/// without repeats, so that each missing capability is reported once.
fn capability_set<'de, D: Deserializer<'de>>(deserializer: D) -> Result<CapabilitySet, D::Error> {
    let mut names: Vec<String> = Vec::new();
    for name in Vec::<String>::deserialize(deserializer)? {
        let name = normalize(&name);
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(CapabilitySet::new(&names))
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let allowed = &self.allowed_capabilities;
        let drop = &self.required_drop_capabilities;
        let add = &self.default_add_capabilities;
        for (field, set) in [
            ("allowed_capabilities", allowed),
            ("required_drop_capabilities", drop),
            ("default_add_capabilities", add),
        ] {
            if set.names().iter().any(String::is_empty) {
                return Err(SettingsError::new(field, "a capability name is empty"));
            }
            if field != "allowed_capabilities" && set.names().iter().any(|n| n == "*") {
                return Err(SettingsError::new(
                    field,
                    "`*` is only meaningful in allowed_capabilities; write ALL",
                ));
            }
        }
        for name in add.names() {
            if !allowed.contains(name) {
                return Err(SettingsError::new(
                    "default_add_capabilities",
                    format!("{name} is not in allowed_capabilities"),
                ));
            }
            if drop.contains(name) {
                return Err(SettingsError::new(
                    "default_add_capabilities",
                    format!("{name} would be dropped again by required_drop_capabilities"),
                ));
            }
        }
        // As PSP: a capability both allowed and required to be dropped is a
        // contradiction (by name: dropping ALL and allowing some is fine).
        if let Some(name) = allowed
            .names()
            .iter()
            .find(|n| *n != "*" && *n != "ALL" && drop.names().contains(n))
        {
            return Err(SettingsError::new(
                "allowed_capabilities",
                format!("{name} is also in required_drop_capabilities"),
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct AllowedCapabilities;

impl Rule for AllowedCapabilities {
    const NAME: &'static str = "allowed-capabilities";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let allowed = &settings.allowed_capabilities;
        let required = &settings.required_drop_capabilities;
        // The API server refuses `capabilities` on a Windows pod: no drop or
        // default is required of it or added to it (what it does list is
        // still judged below).
        let windows = pod.is_windows();
        for container in pod.containers() {
            let caps = container
                .security_context()
                .and_then(|sc| sc.capabilities.as_ref());
            let add = caps.map_or(&[][..], |c| c.add.as_slice());
            let drop = caps.map_or(&[][..], |c| c.drop.as_slice());
            // Paths are built only for a finding: most containers have none.
            let add_path = || container.field_path(&["securityContext", "capabilities", "add"]);
            let drop_path = || container.field_path(&["securityContext", "capabilities", "drop"]);
            for (i, name) in add.iter().enumerate() {
                // Deny direction, normalised: a required drop may not be
                // added in any spelling, whatever is allowed (as PSP). ALL
                // required to be dropped does not forbid allowed additions.
                let required_drop = required
                    .names()
                    .iter()
                    .find(|r| *r != "ALL" && is_spelling_of(name, r));
                if let Some(canonical) = required_drop {
                    let message = format!(
                        "{} may not add {name:?} ({canonical} is in required_drop_capabilities)",
                        container.describe()
                    );
                    report.violation(add_path().index(i), message);
                    continue;
                }
                // Allow direction, literal, as Pod Security Admission.
                if !allowed.contains_as_written(name) {
                    let hint = if allowed.contains(name) {
                        format!(
                            "; capabilities are compared as written: use {}",
                            normalize(name)
                        )
                    } else {
                        String::new()
                    };
                    let message = format!(
                        "{} may not add {name:?} (not in allowed_capabilities{hint})",
                        container.describe()
                    );
                    report.violation(add_path().index(i), message);
                }
            }
            if windows {
                continue;
            }
            // A required drop is met only by its canonical name or `ALL`,
            // exactly as written (PSA requires `drop: [ALL]`).
            for name in required.names() {
                if drop.iter().any(|d| d == name || d == "ALL") {
                    continue;
                }
                let mut reason = format!("{} must drop {name}", container.describe());
                let near = drop
                    .iter()
                    .find(|d| is_spelling_of(d, name) || is_spelling_of(d, "ALL"));
                if let Some(near) = near {
                    reason.push_str(&format!(
                        " (capabilities are compared as written: {near:?} does not count, write {})",
                        normalize(near)
                    ));
                }
                report.fix(drop_path(), Change::Append(json!(name)), reason);
            }
            // As PSP, a default is not added back to a container that drops
            // it by name; it counts as added only as written.
            for name in settings.default_add_capabilities.names() {
                if !add.iter().any(|a| a == name) && !drop.iter().any(|d| is_spelling_of(d, name)) {
                    let reason = format!("{} must add default {name}", container.describe());
                    report.fix(add_path(), Change::Append(json!(name)), reason);
                }
            }
        }
    }
}

export_rule!(AllowedCapabilities);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, mutated, pod_with_each_container_kind, refusal, run,
        run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    /// A pod with one container of each kind, all with `capabilities: caps`.
    fn pod(caps: Value) -> Value {
        pod_with_each_container_kind(json!({"capabilities": caps}))
    }

    fn bare_pod() -> Value {
        json!({"kind": "Pod", "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    }

    #[test]
    fn allowed_capabilities_are_accepted() {
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["NET_BIND_SERVICE", "CHOWN"]}),
            pod(json!({"add": ["NET_BIND_SERVICE", "CHOWN"], "drop": ["ALL"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null());
        assert_eq!(
            run::<AllowedCapabilities>(json!({}), bare_pod())["accepted"],
            true
        );
        assert_eq!(
            run::<AllowedCapabilities>(json!({}), pod(json!(null)))["accepted"],
            true
        );
    }

    #[test]
    fn added_capabilities_not_allowed_are_rejected_in_every_container_kind() {
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["NET_BIND_SERVICE"]}),
            pod(json!({"add": ["NET_BIND_SERVICE", "SYS_ADMIN"]})),
        );
        assert_eq!(
            violation_paths::<AllowedCapabilities>(&out),
            each_container_kind_paths("securityContext.capabilities.add[1]")
        );
        let message = message(&out);
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            let path = format!("spec.{kind}[0].securityContext.capabilities.add[1]");
            assert!(message.contains(&path), "{message}");
        }
        assert!(!message.contains("add[0]"), "{message}");
        assert!(
            message.contains(
                "container \"app\" may not add \"SYS_ADMIN\" (not in allowed_capabilities)"
            ),
            "{message}"
        );
    }

    #[test]
    fn empty_allowed_list_allows_no_addition() {
        let out = run::<AllowedCapabilities>(json!({}), pod(json!({"add": ["CHOWN"]})));
        assert!(message(&out).contains("add[0]"));
    }

    #[test]
    fn star_allows_any_capability() {
        let out = run::<AllowedCapabilities>(
            json!({"allowedCapabilities": ["*"]}),
            pod(json!({"add": ["SYS_ADMIN", "ALL"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn added_names_are_allowed_only_as_written() {
        for spelling in ["chown", "CAP_CHOWN", "Chown", "cap_chown", " CHOWN"] {
            let out = run::<AllowedCapabilities>(
                json!({"allowed_capabilities": ["cap_chown"]}),
                pod(json!({"add": ["CHOWN", spelling]})),
            );
            assert_eq!(
                violation_paths::<AllowedCapabilities>(&out),
                each_container_kind_paths("securityContext.capabilities.add[1]"),
                "{spelling}"
            );
            let expected = format!(
                "container \"app\" may not add {spelling:?} (not in allowed_capabilities; \
                 capabilities are compared as written: use CHOWN)"
            );
            assert!(message(&out).contains(&expected), "{out}");
        }
        // A spelling of a capability that is not allowed at all: no hint.
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["CHOWN"]}),
            pod(json!({"add": ["cap_net_admin"]})),
        );
        assert!(
            message(&out).contains(
                "container \"app\" may not add \"cap_net_admin\" (not in allowed_capabilities)"
            ),
            "{out}"
        );
        // ALL and * in the pod are names like any other.
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["CHOWN"]}),
            pod(json!({"add": ["ALL", "*"]})),
        );
        assert_eq!(
            violation_paths::<AllowedCapabilities>(&out).len(),
            6,
            "{out}"
        );
        // `*` or ALL in the settings allow any spelling.
        for star in ["*", "ALL", "all"] {
            let out = run::<AllowedCapabilities>(
                json!({"allowed_capabilities": [star]}),
                pod(json!({"add": ["chown", "CAP_SYS_ADMIN"]})),
            );
            assert_eq!(out["accepted"], true, "{star}: {out}");
        }
    }

    #[test]
    fn required_drops_are_met_only_as_written() {
        for spelling in [
            "net_raw",
            "cap_net_raw",
            "CAP_NET_RAW",
            "Net_Raw",
            "all",
            "All",
            " ALL",
        ] {
            let out = run::<AllowedCapabilities>(
                json!({"required_drop_capabilities": ["cap_net_raw"]}),
                pod(json!({"drop": [spelling]})),
            );
            assert_eq!(
                mutated(&out)["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"],
                json!([spelling, "NET_RAW"]),
                "{spelling}"
            );
            let out = run::<AllowedCapabilities>(
                json!({"required_drop_capabilities": ["NET_RAW"], "validate_only": true}),
                pod(json!({"drop": [spelling]})),
            );
            assert_eq!(
                violation_paths::<AllowedCapabilities>(&out),
                each_container_kind_paths("securityContext.capabilities.drop"),
                "{spelling}"
            );
            let written = normalize(spelling);
            let expected = format!(
                "container \"app\" must drop NET_RAW (capabilities are compared as written: \
                 {spelling:?} does not count, write {written})"
            );
            assert!(message(&out).contains(&expected), "{out}");
        }
        // The canonical name, or exactly ALL, meets it.
        for drop in [json!(["NET_RAW"]), json!(["MKNOD", "ALL"])] {
            let out = run::<AllowedCapabilities>(
                json!({"required_drop_capabilities": ["NET_RAW"], "validate_only": true}),
                pod(json!({"drop": drop})),
            );
            assert_eq!(out["accepted"], true, "{out}");
            assert!(out["mutated_object"].is_null());
        }
        // An unrelated drop gives no hint.
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["NET_RAW"], "validate_only": true}),
            pod(json!({"drop": ["mknod"]})),
        );
        let message = message(&out);
        assert!(
            message.contains("container \"app\" must drop NET_RAW"),
            "{message}"
        );
        assert!(!message.contains("compared as written"), "{message}");
    }

    #[test]
    fn required_all_is_met_only_by_all_as_written() {
        let settings = json!({"allowed_capabilities": ["NET_BIND_SERVICE"],
            "required_drop_capabilities": ["ALL"]});
        let out = run::<AllowedCapabilities>(
            settings.clone(),
            pod(json!({"add": ["NET_BIND_SERVICE"], "drop": ["all"]})),
        );
        assert_eq!(
            mutated(&out)["spec"]["ephemeralContainers"][0]["securityContext"]["capabilities"],
            json!({"add": ["NET_BIND_SERVICE"], "drop": ["all", "ALL"]})
        );
        let mut strict = settings.clone();
        strict["validate_only"] = json!(true);
        let out = run::<AllowedCapabilities>(strict.clone(), pod(json!({"drop": ["cap_all"]})));
        assert_eq!(
            violation_paths::<AllowedCapabilities>(&out),
            each_container_kind_paths("securityContext.capabilities.drop")
        );
        assert!(
            message(&out).contains("must drop ALL (capabilities are compared as written: \"cap_all\" does not count, write ALL)"),
            "{out}"
        );
        // PSS restricted: drop ALL, add NET_BIND_SERVICE.
        let out = run::<AllowedCapabilities>(
            strict,
            pod(json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn a_required_drop_may_not_be_added_in_any_spelling() {
        for spelling in [
            "NET_RAW",
            "net_raw",
            "CAP_NET_RAW",
            "cap_net_raw",
            " NET_RAW",
        ] {
            for allowed in [json!(["*"]), json!(["CHOWN"]), json!([])] {
                let out = run::<AllowedCapabilities>(
                    json!({"allowed_capabilities": allowed,
                           "required_drop_capabilities": ["NET_RAW"]}),
                    pod(json!({"add": [spelling], "drop": ["NET_RAW"]})),
                );
                assert_eq!(
                    violation_paths::<AllowedCapabilities>(&out),
                    each_container_kind_paths("securityContext.capabilities.add[0]"),
                    "{spelling} {allowed}"
                );
                let expected = format!(
                    "container \"app\" may not add {spelling:?} (NET_RAW is in required_drop_capabilities)"
                );
                assert!(message(&out).contains(&expected), "{out}");
            }
        }
        // ALL required to be dropped forbids no allowed addition, and adding
        // ALL is judged by allowed_capabilities alone.
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["*"], "required_drop_capabilities": ["ALL"]}),
            pod(json!({"add": ["SYS_TIME", "ALL", "all"], "drop": ["ALL"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["*"], "required_drop_capabilities": ["NET_RAW"]}),
            pod(json!({"add": ["ALL"], "drop": ["NET_RAW"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn missing_required_drops_are_appended() {
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["cap_net_raw", "MKNOD", "NET_RAW"]}),
            pod(json!({"drop": ["MKNOD"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let spec = &mutated(&out)["spec"];
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            assert_eq!(
                spec[kind][0]["securityContext"]["capabilities"]["drop"],
                json!(["MKNOD", "NET_RAW"])
            );
        }
        let out = run::<AllowedCapabilities>(
            json!({"requiredDropCapabilities": ["NET_RAW"]}),
            bare_pod(),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"],
            json!({"capabilities": {"drop": ["NET_RAW"]}})
        );
    }

    #[test]
    fn all_in_drop_satisfies_every_required_drop() {
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["NET_RAW", "SYS_ADMIN"]}),
            pod(json!({"drop": ["ALL"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn required_all_is_appended_unless_dropped() {
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["ALL"]}),
            pod(json!({"drop": ["NET_RAW"]})),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"],
            json!(["NET_RAW", "ALL"])
        );
    }

    #[test]
    fn default_adds_are_appended_unless_present_or_dropped_by_name() {
        let settings = json!({"allowed_capabilities": ["NET_BIND_SERVICE", "CHOWN"],
            "default_add_capabilities": ["NET_BIND_SERVICE"]});
        let out = run::<AllowedCapabilities>(settings.clone(), pod(json!({"add": ["CHOWN"]})));
        assert_eq!(
            mutated(&out)["spec"]["initContainers"][0]["securityContext"]["capabilities"]["add"],
            json!(["CHOWN", "NET_BIND_SERVICE"])
        );
        let out =
            run::<AllowedCapabilities>(settings.clone(), pod(json!({"add": ["NET_BIND_SERVICE"]})));
        assert!(out["mutated_object"].is_null(), "{out}");
        // Added under another spelling is not added: the default is appended
        // (and the spelling itself is refused unless `*` is allowed).
        let star = json!({"allowed_capabilities": ["*"],
            "default_add_capabilities": ["NET_BIND_SERVICE"]});
        let out = run::<AllowedCapabilities>(star, pod(json!({"add": ["net_bind_service"]})));
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["capabilities"]["add"],
            json!(["net_bind_service", "NET_BIND_SERVICE"])
        );
        let out = run::<AllowedCapabilities>(
            settings.clone(),
            pod(json!({"add": ["cap_net_bind_service"]})),
        );
        assert_eq!(
            violation_paths::<AllowedCapabilities>(&out),
            each_container_kind_paths("securityContext.capabilities.add[0]")
        );
        let out = run::<AllowedCapabilities>(
            settings.clone(),
            pod(json!({"drop": ["NET_BIND_SERVICE"]})),
        );
        assert!(out["mutated_object"].is_null(), "{out}");
        // Dropping ALL does not name the default: it is still added, as PSP did.
        let out = run::<AllowedCapabilities>(settings, pod(json!({"drop": ["ALL"]})));
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["capabilities"],
            json!({"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})
        );
    }

    /// `object` with `spec.os.name: os`.
    fn with_os(mut object: Value, os: &str) -> Value {
        object["spec"]["os"] = json!({"name": os});
        object
    }

    #[test]
    fn windows_pods_are_neither_required_nor_given_drops_and_defaults() {
        let settings = json!({"allowed_capabilities": ["NET_BIND_SERVICE"],
            "required_drop_capabilities": ["NET_RAW", "MKNOD"],
            "default_add_capabilities": ["NET_BIND_SERVICE"]});
        let mut strict = settings.clone();
        strict["validate_only"] = json!(true);
        for settings in [settings, strict] {
            for object in [bare_pod(), pod(json!(null)), pod(json!({"drop": ["all"]}))] {
                let out = run::<AllowedCapabilities>(settings.clone(), with_os(object, "windows"));
                assert_eq!(out["accepted"], true, "{settings}: {out}");
                assert!(out["mutated_object"].is_null(), "{settings}: {out}");
                assert!(out["warnings"].is_null(), "{settings}: {out}");
            }
        }
        // Required ALL, as PSS restricted and the AKS PSP require it.
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["ALL"]}),
            with_os(pod(json!({"drop": ["all"]})), "windows"),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
        // The same pods on Linux get every drop and default.
        let out = run::<AllowedCapabilities>(
            json!({"allowed_capabilities": ["NET_BIND_SERVICE"],
                "required_drop_capabilities": ["NET_RAW", "MKNOD"],
                "default_add_capabilities": ["NET_BIND_SERVICE"]}),
            with_os(bare_pod(), "linux"),
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"]["capabilities"],
            json!({"drop": ["NET_RAW", "MKNOD"], "add": ["NET_BIND_SERVICE"]})
        );
    }

    #[test]
    fn windows_pods_still_have_their_added_capabilities_judged() {
        let settings = json!({"allowed_capabilities": ["NET_BIND_SERVICE"],
            "required_drop_capabilities": ["NET_RAW"]});
        let object = with_os(
            pod(json!({"add": ["NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_raw"]})),
            "windows",
        );
        let out = run::<AllowedCapabilities>(settings.clone(), object);
        let mut expected = each_container_kind_paths("securityContext.capabilities.add[1]");
        expected.extend(each_container_kind_paths(
            "securityContext.capabilities.add[2]",
        ));
        expected.sort();
        assert_eq!(violation_paths::<AllowedCapabilities>(&out), expected);
        let message = message(&out);
        assert!(
            message
                .contains("may not add \"cap_net_raw\" (NET_RAW is in required_drop_capabilities)"),
            "{message}"
        );
        assert!(!message.contains("must drop"), "{message}");
        let out = run::<AllowedCapabilities>(
            settings,
            with_os(pod(json!({"add": ["NET_BIND_SERVICE"]})), "windows"),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn only_a_pod_named_exactly_windows_is_spared_the_drops() {
        let settings = json!({"required_drop_capabilities": ["ALL"]});
        for os in ["linux", "Windows", "WINDOWS", " windows", "windows ", ""] {
            let out = run::<AllowedCapabilities>(settings.clone(), with_os(bare_pod(), os));
            assert_eq!(
                mutated(&out)["spec"]["containers"][0]["securityContext"],
                json!({"capabilities": {"drop": ["ALL"]}}),
                "{os:?}"
            );
        }
        // No os at all, or an os without a name: a Linux pod.
        let mut no_name = bare_pod();
        no_name["spec"]["os"] = json!({});
        for object in [bare_pod(), no_name] {
            let out = run::<AllowedCapabilities>(settings.clone(), object);
            assert_eq!(
                mutated(&out)["spec"]["containers"][0]["securityContext"],
                json!({"capabilities": {"drop": ["ALL"]}})
            );
        }
    }

    #[test]
    fn a_windows_workload_template_gets_no_drop() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "iis", "namespace": "default"},
            "spec": {"template": {"spec": {"os": {"name": "windows"}, "containers": [
                {"name": "iis", "image": "mcr.microsoft.com/windows/servercore/iis"}]}}}});
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["ALL"], "validate_only": true}),
            deployment,
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn validate_only_rejects_instead_of_mutating() {
        let out = run::<AllowedCapabilities>(
            json!({"required_drop_capabilities": ["NET_RAW"], "validate_only": true,
                   "allowed_capabilities": ["CHOWN"], "default_add_capabilities": ["CHOWN"]}),
            bare_pod(),
        );
        assert_eq!(
            violation_paths::<AllowedCapabilities>(&out),
            [
                "spec.containers[0].securityContext.capabilities.add",
                "spec.containers[0].securityContext.capabilities.drop",
            ]
        );
        let message = message(&out);
        assert!(message.contains(
            "spec.containers[0].securityContext.capabilities.drop: container \"app\" must drop NET_RAW"
        ), "{message}");
        assert!(message.contains(
            "spec.containers[0].securityContext.capabilities.add: container \"app\" must add default CHOWN"
        ), "{message}");
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn update_leaves_preexisting_problems_as_warnings() {
        let settings = json!({"required_drop_capabilities": ["NET_RAW"]});
        let old = pod(json!({"add": ["SYS_ADMIN"]}));
        let out = run_update::<AllowedCapabilities>(settings, old.clone(), old);
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null());
        let warnings = out["warnings"].to_string();
        assert!(warnings.contains("preexisting"), "{warnings}");
    }

    #[test]
    fn exemptions_apply() {
        let out = run::<AllowedCapabilities>(
            json!({"exempt_container_names": ["app", "init", "debug"],
                   "required_drop_capabilities": ["NET_RAW"]}),
            pod(json!({"add": ["SYS_ADMIN"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null());
        let out = run::<AllowedCapabilities>(
            json!({"excludedNamespaces": ["default"]}),
            pod(json!({"add": ["SYS_ADMIN"]})),
        );
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn contradictory_settings_are_refused() {
        let refusal = refusal::<AllowedCapabilities>;
        let message = refusal(json!({"default_add_capabilities": ["CHOWN"]}));
        assert!(
            message.contains("default_add_capabilities: CHOWN is not in allowed_capabilities"),
            "{message}"
        );
        let message = refusal(json!({"allowed_capabilities": ["CHOWN"],
            "default_add_capabilities": ["cap_chown"], "required_drop_capabilities": ["CHOWN"]}));
        assert!(message.contains("default_add_capabilities"), "{message}");
        let message = refusal(json!({"allowed_capabilities": ["*"],
            "default_add_capabilities": ["CHOWN"], "requiredDropCapabilities": ["ALL"]}));
        assert!(message.contains("would be dropped"), "{message}");
        let message = refusal(json!({"allowed_capabilities": ["NET_RAW"],
            "required_drop_capabilities": ["cap_net_raw"]}));
        assert!(
            message.contains("allowed_capabilities: NET_RAW"),
            "{message}"
        );
        let message = refusal(json!({"required_drop_capabilities": ["*"]}));
        assert!(message.contains("write ALL"), "{message}");
        let message = refusal(json!({"allowed_capabilities": ["CAP_"]}));
        assert!(message.contains("empty"), "{message}");
        let message = refusal(json!({"allowed_capabilities": "CHOWN"}));
        assert!(message.contains("allowed_capabilities"), "{message}");
        let message = refusal(json!({"allowed_caps": ["CHOWN"]}));
        assert!(message.contains("allowed_caps"), "{message}");
    }

    #[test]
    fn consistent_settings_are_accepted() {
        for settings in [
            json!({}),
            json!({"allowed_capabilities": ["*"], "default_add_capabilities": ["CHOWN"]}),
            json!({"allowedCapabilities": ["NET_BIND_SERVICE"], "requiredDropCapabilities": ["ALL"]}),
            json!({"allowed_capabilities": ["CHOWN"], "default_add_capabilities": ["cap_chown"],
                   "required_drop_capabilities": ["NET_RAW"], "validate_only": true}),
        ] {
            let refused = settings_error::<AllowedCapabilities>(settings.clone());
            assert_eq!(refused, None, "{settings}");
        }
    }
}

//! no-privilege-escalation: no container may allow privilege escalation.
//! Azure `k8sazurecontainernoprivilegeescalation`, PSP
//! `allowPrivilegeEscalation` and `defaultAllowPrivilegeEscalation`, PSS
//! restricted "Privilege Escalation".

use palisade_sdk::capabilities::CapabilitySet;
use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// An unset `allowPrivilegeEscalation` is a violation too (PSS restricted).
    #[serde(default, alias = "forcePrivilegeEscalationToBeFalse")]
    pub require_explicit_false: bool,
    /// PSP defaulting: `false` sets an unset `allowPrivilegeEscalation` to
    /// false. `true` is refused: this rule never allows escalation.
    #[serde(default, alias = "defaultAllowPrivilegeEscalation")]
    pub default_allow_privilege_escalation: Option<bool>,
    /// Reject instead of setting the unset field; only with
    /// `default_allow_privilege_escalation: false`.
    #[serde(default)]
    pub validate_only: bool,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.default_allow_privilege_escalation == Some(true) {
            return Err(SettingsError::new(
                "default_allow_privilege_escalation",
                "true contradicts this rule, which never allows privilege escalation \
                 (PSP refused it without allowPrivilegeEscalation true); use false or leave it unset",
            ));
        }
        if self.validate_only && self.default_allow_privilege_escalation.is_none() {
            return Err(SettingsError::new(
                "validate_only",
                "has no effect without default_allow_privilege_escalation: false; \
                 to reject an unset allowPrivilegeEscalation use require_explicit_false",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct NoPrivilegeEscalation;

impl Rule for NoPrivilegeEscalation {
    const NAME: &'static str = "no-privilege-escalation";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        // As PSS: a Windows pod has no privilege escalation to control.
        if pod.is_windows() {
            return;
        }
        for container in pod.containers() {
            // Paths and descriptions are built only for a finding.
            let who = || container.describe();
            let sc = container.security_context();
            // Privileged and SYS_ADMIN containers escalate whatever the field says.
            if sc.and_then(|sc| sc.privileged) == Some(true) {
                report.violation(
                    container.field_path(&["securityContext", "privileged"]),
                    format!(
                        "{} is privileged, which always allows privilege escalation",
                        who()
                    ),
                );
            }
            let caps = sc.and_then(|sc| sc.capabilities.as_ref());
            let added = caps.map_or(&[][..], |c| c.add.as_slice());
            for (i, name) in added.iter().enumerate() {
                // The SDK's normalisation: CAP_SYS_ADMIN, sys_admin and ALL count.
                if CapabilitySet::new(std::slice::from_ref(name)).contains("SYS_ADMIN") {
                    let escalates = "a container with SYS_ADMIN always allows privilege escalation";
                    report.violation(
                        container
                            .field_path(&["securityContext", "capabilities", "add"])
                            .index(i),
                        format!("{} adds {name:?}; {escalates}", who()),
                    );
                }
            }
            let path = || container.field_path(&["securityContext", "allowPrivilegeEscalation"]);
            match sc.and_then(|sc| sc.allow_privilege_escalation) {
                Some(false) => {}
                Some(true) => report.violation(
                    path(),
                    format!("{} must not set allowPrivilegeEscalation to true", who()),
                ),
                None if settings.default_allow_privilege_escalation == Some(false) => report.fix(
                    path(),
                    Change::Set(json!(false)),
                    format!("{} must set allowPrivilegeEscalation to false", who()),
                ),
                None if settings.require_explicit_false => report.violation(
                    path(),
                    format!("{} must set allowPrivilegeEscalation to false", who()),
                ),
                None => {}
            }
        }
    }
}

export_rule!(NoPrivilegeEscalation);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        EACH_CONTAINER_KIND, message, mutated, pod_with_each_container_kind as pod, run,
        run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    type R = NoPrivilegeEscalation;

    /// The field below each container of [`pod`], sorted as `violation_paths` sorts.
    fn each(field: &str) -> Vec<String> {
        let mut paths: Vec<String> = EACH_CONTAINER_KIND
            .iter()
            .map(|c| format!("{c}.securityContext.{field}"))
            .collect();
        paths.sort();
        paths
    }

    fn with_os(mut object: Value, os: &str) -> Value {
        object["spec"]["os"] = json!({"name": os});
        object
    }

    #[test]
    fn true_is_rejected_in_every_container_kind_under_any_settings() {
        for settings in [
            json!({}),
            json!({"require_explicit_false": true}),
            json!({"default_allow_privilege_escalation": false}),
        ] {
            let out = run::<R>(settings, pod(json!({"allowPrivilegeEscalation": true})));
            assert_eq!(violation_paths::<R>(&out), each("allowPrivilegeEscalation"));
            assert!(message(&out).contains(
                "spec.containers[0].securityContext.allowPrivilegeEscalation: \
                 container \"app\" must not set allowPrivilegeEscalation to true"
            ));
        }
    }

    #[test]
    fn false_is_accepted_and_unset_is_accepted_by_default() {
        let out = run::<R>(json!({}), pod(json!({"allowPrivilegeEscalation": false})));
        assert_eq!(out["accepted"], true, "{out}");
        for sc in [
            json!(null),
            json!({}),
            json!({"allowPrivilegeEscalation": null}),
        ] {
            let out = run::<R>(json!({}), pod(sc));
            assert_eq!(out["accepted"], true, "{out}");
            assert!(out["mutated_object"].is_null());
        }
    }

    #[test]
    fn require_explicit_false_rejects_unset_in_both_spellings() {
        for settings in [
            json!({"require_explicit_false": true}),
            json!({"forcePrivilegeEscalationToBeFalse": true}),
        ] {
            for sc in [json!(null), json!({"runAsNonRoot": true})] {
                let out = run::<R>(settings.clone(), pod(sc));
                assert_eq!(violation_paths::<R>(&out), each("allowPrivilegeEscalation"));
                assert!(message(&out).contains("must set allowPrivilegeEscalation to false"));
            }
            let explicit = pod(json!({"allowPrivilegeEscalation": false}));
            assert_eq!(run::<R>(settings, explicit)["accepted"], true);
        }
    }

    #[test]
    fn default_false_sets_the_unset_field_creating_the_security_context() {
        for settings in [
            json!({"default_allow_privilege_escalation": false}),
            json!({"defaultAllowPrivilegeEscalation": false}),
            // Both: the mutation wins, and leaves the field explicitly false.
            json!({"default_allow_privilege_escalation": false, "require_explicit_false": true}),
        ] {
            let out = run::<R>(settings.clone(), pod(json!(null)));
            let object = mutated(&out);
            for field in ["containers", "initContainers", "ephemeralContainers"] {
                assert_eq!(
                    object["spec"][field][0]["securityContext"],
                    json!({"allowPrivilegeEscalation": false}),
                    "{settings}"
                );
            }
            let kept = run::<R>(settings, pod(json!({"runAsNonRoot": true})));
            assert_eq!(
                mutated(&kept)["spec"]["containers"][0]["securityContext"],
                json!({"runAsNonRoot": true, "allowPrivilegeEscalation": false})
            );
        }
        let explicit = pod(json!({"allowPrivilegeEscalation": false}));
        let out = run::<R>(
            json!({"default_allow_privilege_escalation": false}),
            explicit,
        );
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn validate_only_rejects_instead_of_setting() {
        let settings = json!({"default_allow_privilege_escalation": false, "validate_only": true});
        let out = run::<R>(settings, pod(json!({})));
        assert_eq!(violation_paths::<R>(&out), each("allowPrivilegeEscalation"));
        assert!(message(&out).contains("must set allowPrivilegeEscalation to false"));
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn privileged_escalates_whatever_the_field_says() {
        for ape in [json!(false), json!(null)] {
            let sc = json!({"privileged": true, "allowPrivilegeEscalation": ape});
            let out = run::<R>(json!({}), pod(sc));
            assert_eq!(violation_paths::<R>(&out), each("privileged"));
            assert!(message(&out).contains("is privileged, which always allows"));
        }
        // Every cause is listed; a pending mutation does not hide the rejection.
        let sc = json!({"privileged": true});
        let out = run::<R>(
            json!({"default_allow_privilege_escalation": false}),
            pod(sc),
        );
        assert_eq!(violation_paths::<R>(&out), each("privileged"));
        let sc = json!({"privileged": true, "allowPrivilegeEscalation": true});
        let mut both = each("privileged");
        both.extend(each("allowPrivilegeEscalation"));
        both.sort();
        assert_eq!(violation_paths::<R>(&run::<R>(json!({}), pod(sc))), both);
        let sc = json!({"privileged": false, "allowPrivilegeEscalation": false});
        assert_eq!(run::<R>(json!({}), pod(sc))["accepted"], true);
    }

    #[test]
    fn sys_admin_in_any_spelling_escalates() {
        for name in [
            "SYS_ADMIN",
            "CAP_SYS_ADMIN",
            "sys_admin",
            "cap_sys_admin",
            "Cap_Sys_Admin",
            " sys_admin",
            "ALL",
            "all",
        ] {
            let sc = json!({"allowPrivilegeEscalation": false,
                            "capabilities": {"add": ["NET_BIND_SERVICE", name]}});
            let out = run::<R>(json!({}), pod(sc));
            assert_eq!(
                violation_paths::<R>(&out),
                each("capabilities.add[1]"),
                "{name}"
            );
            assert!(
                message(&out)
                    .contains(&format!("adds {name:?}; a container with SYS_ADMIN always"))
            );
        }
        let sc = json!({"allowPrivilegeEscalation": false,
                        "capabilities": {"add": ["NET_ADMIN", "SYS_PTRACE"], "drop": ["ALL"]}});
        assert_eq!(run::<R>(json!({}), pod(sc))["accepted"], true);
    }

    #[test]
    fn windows_pods_are_skipped_and_only_windows() {
        let escalating = || pod(json!({"privileged": true, "allowPrivilegeEscalation": true}));
        let strict = json!({"require_explicit_false": true});
        let out = run::<R>(strict.clone(), with_os(escalating(), "windows"));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<R>(strict.clone(), with_os(pod(json!(null)), "windows"));
        assert_eq!(out["accepted"], true, "{out}");
        for os in ["linux", "Windows"] {
            let out = run::<R>(strict.clone(), with_os(escalating(), os));
            assert_eq!(out["accepted"], false, "{os}");
        }
    }

    #[test]
    fn templates_are_checked_at_their_paths() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}}}});
        let out = run::<R>(json!({"require_explicit_false": true}), deployment.clone());
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation"]
        );
        let out = run::<R>(
            json!({"default_allow_privilege_escalation": false}),
            deployment,
        );
        assert_eq!(
            mutated(&out)["spec"]["template"]["spec"]["containers"][0]["securityContext"],
            json!({"allowPrivilegeEscalation": false})
        );
    }

    #[test]
    fn update_keeps_preexisting_findings_as_warnings() {
        let escalating = pod(json!({"allowPrivilegeEscalation": true}));
        let out = run_update::<R>(json!({}), escalating.clone(), escalating);
        assert!(
            out["accepted"] == true && out["warnings"].to_string().contains("preexisting"),
            "{out}"
        );
        let unset = pod(json!(null));
        let settings = json!({"default_allow_privilege_escalation": false});
        let out = run_update::<R>(settings, unset.clone(), unset);
        assert!(out["mutated_object"].is_null(), "{out}");
        assert!(
            out["accepted"] == true && out["warnings"].to_string().contains("left unchanged"),
            "{out}"
        );
    }

    #[test]
    fn exemptions_skip_containers_or_the_whole_namespace() {
        let escalating = || pod(json!({"allowPrivilegeEscalation": true}));
        for (settings, left) in [
            (
                json!({"exempt_container_names": ["app", "init", "debug"]}),
                0,
            ),
            (json!({"exempt_namespaces": ["default"]}), 0),
            // init and debug run busybox.
            (json!({"excludedImages": ["busybox"]}), 1),
        ] {
            let out = run::<R>(settings, escalating());
            assert_eq!(violation_paths::<R>(&out).len(), left, "{out}");
        }
    }

    #[test]
    fn contradictory_and_unknown_settings_are_refused() {
        let refusal = |s: Value| settings_error::<R>(s).unwrap_or_default();
        assert!(
            refusal(json!({"default_allow_privilege_escalation": true}))
                .contains("default_allow_privilege_escalation: true contradicts")
        );
        assert!(
            refusal(json!({"defaultAllowPrivilegeEscalation": true}))
                .contains("default_allow_privilege_escalation")
        );
        assert!(refusal(json!({"validate_only": true})).contains("validate_only: has no effect"));
        assert!(
            refusal(json!({"require_explicit_false": true, "validate_only": true}))
                .contains("validate_only")
        );
        assert!(
            refusal(json!({"require_explicit_flase": true})).contains("require_explicit_flase")
        );
        assert!(
            refusal(json!({"require_explicit_false": "yes"})).contains("require_explicit_false")
        );
        for ok in [
            json!({}),
            json!({"default_allow_privilege_escalation": null}),
            json!({"require_explicit_false": true, "default_allow_privilege_escalation": false}),
            json!({"default_allow_privilege_escalation": false, "validate_only": true}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

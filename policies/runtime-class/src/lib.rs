//! runtime-class: which RuntimeClass (container runtime handler) a pod may
//! use, and which it gets when it names none. PSP `runtimeClass`
//! (`allowedRuntimeClassNames`, `defaultRuntimeClassName`).

use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Absent or `["*"]`: any runtime class; `[]`: `runtimeClassName` must be
    /// unset; otherwise unset or one of these names.
    #[serde(default, alias = "allowedRuntimeClassNames")]
    pub allowed_runtime_class_names: Option<Vec<String>>,
    /// Set on pods that omit `runtimeClassName`; must itself be allowed.
    #[serde(default, alias = "defaultRuntimeClassName")]
    pub default_runtime_class_name: Option<String>,
    /// Reject a pod without `runtimeClassName` instead of setting the default.
    #[serde(default)]
    pub validate_only: bool,
}

impl Settings {
    /// Exact comparison: names are DNS subdomains, compared as the API server does.
    fn allows(&self, name: &str) -> bool {
        self.allowed_runtime_class_names
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|n| n == "*" || n == name))
    }
}

/// Kubernetes' DNS-1123 subdomain: what a RuntimeClass can be named.
fn is_dns_subdomain(name: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    name.len() <= 253
        && name.split('.').all(|label| {
            label.starts_with(alnum)
                && label.ends_with(alnum)
                && label.chars().all(|c| alnum(c) || c == '-')
        })
}

fn check_name(field: String, name: &str) -> Result<(), SettingsError> {
    if name.is_empty() {
        return Err(SettingsError::new(field, "a runtime class name is empty"));
    }
    if !is_dns_subdomain(name) {
        let why = "is not a valid RuntimeClass name (a lowercase DNS subdomain)";
        return Err(SettingsError::new(field, format!("{name:?} {why}")));
    }
    Ok(())
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        const ALLOWED: &str = "allowed_runtime_class_names";
        let allowed = self.allowed_runtime_class_names.as_deref().unwrap_or(&[]);
        if allowed.len() > 1 && allowed.iter().any(|n| n == "*") {
            let message = "`*` allows any runtime class and must stand alone";
            return Err(SettingsError::new(ALLOWED, message));
        }
        for (i, name) in allowed.iter().enumerate().filter(|(_, n)| *n != "*") {
            check_name(format!("{ALLOWED}[{i}]"), name)?;
        }
        if let Some(default) = &self.default_runtime_class_name {
            check_name("default_runtime_class_name".into(), default)?;
            if !self.allows(default) {
                let message = format!("{default:?} is not in {ALLOWED}");
                return Err(SettingsError::new("default_runtime_class_name", message));
            }
        } else if self.validate_only {
            return Err(SettingsError::new(
                "validate_only",
                "has no effect without default_runtime_class_name: nothing is mutated",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct RuntimeClass;

impl Rule for RuntimeClass {
    const NAME: &'static str = "runtime-class";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let path = pod.spec_path(&["runtimeClassName"]);
        match pod.spec.runtime_class_name.as_deref() {
            // A permitted explicit runtime is never rewritten.
            Some(name) if settings.allows(name) => {}
            Some(name) => {
                let allowed = settings.allowed_runtime_class_names.as_deref();
                let why = match allowed.unwrap_or(&[]) {
                    [] => "allowed_runtime_class_names is empty: runtimeClassName must be unset"
                        .to_owned(),
                    names => format!("allowed: {}", names.join(", ")),
                };
                report.violation(
                    path,
                    format!("runtime class {name:?} is not allowed ({why})"),
                );
            }
            None => {
                if let Some(default) = &settings.default_runtime_class_name {
                    let reason = format!("the pod must set runtimeClassName (default {default:?})");
                    report.fix(path, Change::Set(json!(default)), reason);
                }
            }
        }
    }
}

export_rule!(RuntimeClass);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, mutated, run, run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    type R = RuntimeClass;

    const AT: &str = "spec.runtimeClassName";

    /// A pod with one container, running under `runtime` (unset for `null`).
    fn pod(runtime: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"runtimeClassName": runtime,
                     "containers": [{"name": "app", "image": "nginx"}]}})
    }

    fn accepted_unchanged(settings: Value, object: Value) -> bool {
        let out = run::<R>(settings, object);
        out["accepted"] == true && out["mutated_object"].is_null()
    }

    fn warned(out: &Value, text: &str) -> bool {
        let warnings = out["warnings"].as_array().into_iter().flatten();
        warnings.filter_map(Value::as_str).any(|w| w.contains(text))
    }

    #[test]
    fn without_settings_any_runtime_is_accepted_and_nothing_mutated() {
        for runtime in [json!(null), json!("kata-qemu"), json!("runc")] {
            assert!(accepted_unchanged(json!({}), pod(runtime)));
        }
        let any = json!({"allowed_runtime_class_names": ["*"]});
        assert!(accepted_unchanged(any, pod(json!("nvidia"))));
    }

    #[test]
    fn a_list_allows_its_names_exactly_and_unset() {
        for settings in [
            json!({"allowed_runtime_class_names": ["gvisor", "kata-qemu"]}),
            json!({"allowedRuntimeClassNames": ["gvisor", "kata-qemu"]}),
        ] {
            assert!(accepted_unchanged(
                settings.clone(),
                pod(json!("kata-qemu"))
            ));
            assert!(accepted_unchanged(settings.clone(), pod(json!(null))));
            for other in ["runc", "Kata-Qemu", "kata", ""] {
                let out = run::<R>(settings.clone(), pod(json!(other)));
                assert_eq!(violation_paths::<R>(&out), [AT], "{other}");
                assert!(message(&out).contains(&format!(
                    "{AT}: runtime class {other:?} is not allowed (allowed: gvisor, kata-qemu)"
                )));
            }
        }
    }

    #[test]
    fn an_empty_list_requires_runtime_class_name_unset() {
        let none = json!({"allowed_runtime_class_names": []});
        assert!(accepted_unchanged(none.clone(), pod(json!(null))));
        let out = run::<R>(none, pod(json!("gvisor")));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(message(&out).contains("runtimeClassName must be unset"));
    }

    #[test]
    fn the_default_is_set_only_where_runtime_class_name_is_unset() {
        let settings = json!({"allowed_runtime_class_names": ["gvisor", "kata-qemu"],
                              "default_runtime_class_name": "gvisor"});
        let out = run::<R>(settings.clone(), pod(json!(null)));
        assert_eq!(mutated(&out)["spec"]["runtimeClassName"], "gvisor");
        assert!(warned(
            &out,
            "mutated: set spec.runtimeClassName to \"gvisor\""
        ));
        // A permitted explicit runtime is kept; a forbidden one is rejected, not rewritten.
        assert!(accepted_unchanged(
            settings.clone(),
            pod(json!("kata-qemu"))
        ));
        let out = run::<R>(settings, pod(json!("runc")));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(out["mutated_object"].is_null());
        // PSP spelling, with any runtime allowed.
        let out = run::<R>(
            json!({"defaultRuntimeClassName": "kata-qemu"}),
            pod(json!(null)),
        );
        assert_eq!(mutated(&out)["spec"]["runtimeClassName"], "kata-qemu");
    }

    #[test]
    fn templates_are_mutated_at_their_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}}}});
        let out = run::<R>(json!({"default_runtime_class_name": "gvisor"}), deployment);
        assert_eq!(
            mutated(&out)["spec"]["template"]["spec"]["runtimeClassName"],
            "gvisor"
        );
    }

    #[test]
    fn validate_only_rejects_instead_of_setting_the_default() {
        let settings = json!({"default_runtime_class_name": "gvisor", "validate_only": true});
        let out = run::<R>(settings, pod(json!(null)));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(message(&out).contains("must set runtimeClassName (default \"gvisor\")"));
    }

    #[test]
    fn update_keeps_preexisting_findings_and_never_rewrites_a_running_pod() {
        let strict = json!({"allowed_runtime_class_names": ["gvisor"]});
        let runc = pod(json!("runc"));
        let out = run_update::<R>(strict, runc.clone(), runc);
        assert!(
            out["accepted"] == true && warned(&out, "preexisting"),
            "{out}"
        );
        // runtimeClassName is immutable on a pod: an unset one stays unset.
        let unset = pod(json!(null));
        let out = run_update::<R>(
            json!({"default_runtime_class_name": "gvisor"}),
            unset.clone(),
            unset,
        );
        assert!(out["mutated_object"].is_null(), "{out}");
        assert!(
            out["accepted"] == true && warned(&out, "left unchanged"),
            "{out}"
        );
    }

    #[test]
    fn windows_pods_are_checked_and_namespaces_exempted() {
        let mut windows = pod(json!("runhcs-wcow-process"));
        windows["spec"]["os"] = json!({"name": "windows"});
        let strict = json!({"allowed_runtime_class_names": ["gvisor"]});
        assert_eq!(run::<R>(strict, windows.clone())["accepted"], false);
        let exempt = json!({"allowed_runtime_class_names": [], "exempt_namespaces": ["default"]});
        assert!(accepted_unchanged(exempt, windows));
    }

    #[test]
    fn contradictory_and_malformed_settings_are_refused() {
        let refusal = |s: Value| settings_error::<R>(s).unwrap_or_default();
        for (settings, text) in [
            (
                json!({"allowed_runtime_class_names": ["*", "gvisor"]}),
                "allowed_runtime_class_names: `*` allows any runtime class and must stand alone",
            ),
            (
                json!({"allowed_runtime_class_names": ["gvisor", ""]}),
                "allowed_runtime_class_names[1]: a runtime class name is empty",
            ),
            (
                json!({"allowed_runtime_class_names": ["Kata"]}),
                "\"Kata\" is not a valid RuntimeClass name",
            ),
            (
                json!({"allowed_runtime_class_names": ["kata-"]}),
                "allowed_runtime_class_names[0]",
            ),
            (
                json!({"default_runtime_class_name": ""}),
                "default_runtime_class_name: a runtime class name is empty",
            ),
            (
                json!({"default_runtime_class_name": "*"}),
                "default_runtime_class_name: \"*\" is not a valid",
            ),
            (
                json!({"allowed_runtime_class_names": ["kata-qemu"], "default_runtime_class_name": "gvisor"}),
                "default_runtime_class_name: \"gvisor\" is not in allowed_runtime_class_names",
            ),
            (
                json!({"allowed_runtime_class_names": [], "default_runtime_class_name": "gvisor"}),
                "is not in allowed_runtime_class_names",
            ),
            (
                json!({"validate_only": true}),
                "validate_only: has no effect",
            ),
            (
                json!({"allowed_runtime_class_names": "gvisor"}),
                "allowed_runtime_class_names",
            ),
            (
                json!({"runtime_class_names": ["gvisor"]}),
                "runtime_class_names",
            ),
        ] {
            assert!(
                refusal(settings.clone()).contains(text),
                "{settings}: {}",
                refusal(settings.clone())
            );
        }
        for ok in [
            json!({}),
            json!({"allowed_runtime_class_names": null}),
            json!({"allowed_runtime_class_names": ["*"], "default_runtime_class_name": "gvisor"}),
            json!({"allowed_runtime_class_names": ["gvisor", "kata.containers.io"],
                   "default_runtime_class_name": "kata.containers.io", "validate_only": true}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }

    #[test]
    fn dns_subdomains() {
        for good in ["gvisor", "kata-qemu", "kata.containers.io", "a", "0runc"] {
            assert!(is_dns_subdomain(good), "{good}");
        }
        let long = "a".repeat(254);
        for bad in [
            "",
            "Kata",
            "-kata",
            "kata-",
            "a..b",
            ".a",
            "a_b",
            long.as_str(),
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
    }
}

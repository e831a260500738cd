//! proc-mount: `securityContext.procMount` must be unset or `Default`, unless
//! `Unmasked` is allowed (everywhere, or only in pods with their own user
//! namespace). Azure `k8sazureprocmount`, PSP `allowedProcMountTypes`, PSS
//! baseline "/proc Mount Type".

use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Kubewarden's spelling: allow `Unmasked` as well as `Default`.
    #[serde(default)]
    pub allow_unmasked_proc_mount_type: Option<bool>,
    /// Azure's spelling: the most permissive type allowed, `Default` or
    /// `Unmasked` (any case).
    #[serde(default, rename = "procMount", alias = "procMountType")]
    pub proc_mount: Option<String>,
    /// PSP's spelling: the types allowed (`Default` is always allowed).
    #[serde(default, alias = "allowedProcMountTypes")]
    pub allowed_proc_mount_types: Option<Vec<String>>,
    /// As Pod Security Admission since Kubernetes 1.35: allow
    /// `Unmasked` in pods with `spec.hostUsers: false` (their own user
    /// namespace) only. `null` is `false`.
    #[serde(default)]
    pub allow_unmasked_in_user_namespace: Option<bool>,
}

/// Whether a settings value names `Unmasked` (true) or `Default` (false).
fn is_unmasked(field: String, value: &str) -> Result<bool, SettingsError> {
    if value.eq_ignore_ascii_case("Default") {
        Ok(false)
    } else if value.eq_ignore_ascii_case("Unmasked") {
        Ok(true)
    } else {
        Err(SettingsError::new(
            field,
            format!("{value:?} is not a proc mount type; use Default or Unmasked"),
        ))
    }
}

impl Settings {
    /// What each given setting says about `Unmasked`, by field name.
    fn choices(&self) -> Result<Vec<(&'static str, bool)>, SettingsError> {
        let mut choices = Vec::new();
        if let Some(allow) = self.allow_unmasked_proc_mount_type {
            choices.push(("allow_unmasked_proc_mount_type", allow));
        }
        if let Some(value) = &self.proc_mount {
            choices.push(("procMount", is_unmasked("procMount".into(), value)?));
        }
        if let Some(types) = &self.allowed_proc_mount_types {
            let mut allow = false;
            for (i, value) in types.iter().enumerate() {
                allow |= is_unmasked(format!("allowed_proc_mount_types[{i}]"), value)?;
            }
            choices.push(("allowed_proc_mount_types", allow));
        }
        Ok(choices)
    }

    /// `Unmasked` is allowed only when some setting says so and none disagrees.
    pub fn allows_unmasked(&self) -> bool {
        self.choices()
            .is_ok_and(|c| !c.is_empty() && c.iter().all(|(_, allow)| *allow))
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let choices = self.choices()?;
        if let Some(((first, a), (second, b))) = choices
            .iter()
            .flat_map(|x| choices.iter().map(move |y| (x, y)))
            .find(|((_, a), (_, b))| a != b)
        {
            let say = |allow: &bool| if *allow { "allows" } else { "forbids" };
            return Err(SettingsError::new(
                *first,
                format!(
                    "{} Unmasked but {second} {} it; set one of them, or make them agree",
                    say(a),
                    say(b)
                ),
            ));
        }
        Ok(())
    }
}

pub struct ProcMount;

impl Rule for ProcMount {
    const NAME: &'static str = "proc-mount";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let allow_in_user_namespace = settings.allow_unmasked_in_user_namespace == Some(true);
        let allow_unmasked =
            settings.allows_unmasked() || (allow_in_user_namespace && pod.in_user_namespace());
        for container in pod.containers() {
            let Some(value) = container
                .security_context()
                .and_then(|sc| sc.proc_mount.as_deref())
            else {
                continue;
            };
            // Exact comparison, as the API server's: anything else fails closed.
            if value == "Default" || (allow_unmasked && value == "Unmasked") {
                continue;
            }
            let allowed = if allow_unmasked {
                "only \"Default\" and \"Unmasked\" are allowed"
            } else if allow_in_user_namespace {
                "only \"Default\" is allowed (\"Unmasked\" only in a pod with spec.hostUsers false)"
            } else {
                "only \"Default\" is allowed"
            };
            report.violation(
                container.field_path(&["securityContext", "procMount"]),
                format!(
                    "{} must not use procMount {value:?}; {allowed}",
                    container.describe()
                ),
            );
        }
    }
}

export_rule!(ProcMount);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, pod_with_each_container_kind as pod, refusal, run,
        settings_error, violation_paths,
    };
    use serde_json::json;

    #[test]
    fn rejects_unmasked_in_every_container_kind_at_once() {
        let out = run::<ProcMount>(json!({}), pod(json!({"procMount": "Unmasked"})));
        assert_eq!(out["accepted"], false);
        let message = message(&out);
        for path in [
            "spec.containers[0].securityContext.procMount",
            "spec.initContainers[0].securityContext.procMount",
            "spec.ephemeralContainers[0].securityContext.procMount",
        ] {
            assert!(message.contains(path), "{message}");
        }
        assert!(message.contains("only \"Default\" is allowed"), "{message}");
        assert_eq!(
            violation_paths::<ProcMount>(&out),
            each_container_kind_paths("securityContext.procMount")
        );
    }

    #[test]
    fn accepts_default_and_unset() {
        for sc in [json!({"procMount": "Default"}), json!({}), json!(null)] {
            assert_eq!(run::<ProcMount>(json!({}), pod(sc))["accepted"], true);
        }
    }

    #[test]
    fn every_spelling_allows_unmasked() {
        for settings in [
            json!({"allow_unmasked_proc_mount_type": true}),
            json!({"procMount": "unmasked"}),
            json!({"procMountType": "Unmasked"}),
            json!({"allowed_proc_mount_types": ["Default", "UNMASKED"]}),
            json!({"allowedProcMountTypes": ["Unmasked"]}),
            json!({"allow_unmasked_proc_mount_type": true, "procMount": "Unmasked"}),
        ] {
            let out = run::<ProcMount>(settings.clone(), pod(json!({"procMount": "Unmasked"})));
            assert_eq!(out["accepted"], true, "{settings}");
            let out = run::<ProcMount>(settings.clone(), pod(json!({"procMount": "Default"})));
            assert_eq!(out["accepted"], true, "{settings}");
        }
    }

    #[test]
    fn settings_forbidding_unmasked_still_reject_it() {
        for settings in [
            json!({"allow_unmasked_proc_mount_type": false}),
            json!({"procMount": "Default"}),
            json!({"allowed_proc_mount_types": []}),
            json!({"allowed_proc_mount_types": ["default"]}),
            json!({"procMount": null}),
        ] {
            let out = run::<ProcMount>(settings.clone(), pod(json!({"procMount": "Unmasked"})));
            assert_eq!(out["accepted"], false, "{settings}");
        }
    }

    #[test]
    fn values_other_than_exact_default_or_unmasked_fail_closed() {
        let allow = json!({"allow_unmasked_proc_mount_type": true});
        for value in ["unmasked", "default", "Masked", ""] {
            let out = run::<ProcMount>(allow.clone(), pod(json!({"procMount": value})));
            assert_eq!(out["accepted"], false, "{value}");
            let message = message(&out);
            assert!(
                message.contains("and \"Unmasked\" are allowed"),
                "{message}"
            );
        }
    }

    #[test]
    fn conflicting_settings_are_refused_by_name() {
        for settings in [
            json!({"allow_unmasked_proc_mount_type": true, "procMount": "Default"}),
            json!({"procMount": "Unmasked", "allowed_proc_mount_types": ["Default"]}),
            json!({"allow_unmasked_proc_mount_type": false, "allowedProcMountTypes": ["Unmasked"]}),
        ] {
            let message = refusal::<ProcMount>(settings);
            assert!(message.contains("make them agree"), "{message}");
        }
        let message = refusal::<ProcMount>(
            json!({"allow_unmasked_proc_mount_type": true, "procMount": "Default"}),
        );
        assert!(
            message.contains("allow_unmasked_proc_mount_type") && message.contains("procMount"),
            "{message}"
        );
    }

    #[test]
    fn invalid_values_are_refused_by_field() {
        let message = refusal::<ProcMount>(json!({"procMount": "Masked"}));
        assert!(
            message.contains("procMount") && message.contains("Masked"),
            "{message}"
        );
        let message =
            refusal::<ProcMount>(json!({"allowed_proc_mount_types": ["Default", "Masked"]}));
        assert!(message.contains("allowed_proc_mount_types[1]"), "{message}");
        let message = refusal::<ProcMount>(json!({"allow_unmasked_proc_mount_type": "yes"}));
        assert!(
            message.contains("allow_unmasked_proc_mount_type"),
            "{message}"
        );
        // Both Azure spellings at once are one field given twice.
        let twice = json!({"procMount": "Default", "procMountType": "Default"});
        assert!(settings_error::<ProcMount>(twice).is_some());
        assert_eq!(
            settings_error::<ProcMount>(json!({"procMount": "Default"})),
            None
        );
    }

    /// [`pod`] with `spec.hostUsers` set to `host_users` (absent for `null`).
    fn pod_with_host_users(
        host_users: serde_json::Value,
        sc: serde_json::Value,
    ) -> serde_json::Value {
        let mut object = pod(sc);
        if !host_users.is_null() {
            object["spec"]["hostUsers"] = host_users;
        }
        object
    }

    #[test]
    fn user_namespace_setting_allows_unmasked_only_with_host_users_false() {
        let setting = json!({"allow_unmasked_in_user_namespace": true});
        let unmasked = json!({"procMount": "Unmasked"});
        let out = run::<ProcMount>(
            setting.clone(),
            pod_with_host_users(json!(false), unmasked.clone()),
        );
        assert_eq!(out["accepted"], true, "{out}");
        assert!(out["mutated_object"].is_null(), "{out}");
        // Without the setting a pod in a user namespace is still rejected.
        for settings in [
            json!({}),
            json!({"allow_unmasked_in_user_namespace": false}),
            json!({"allow_unmasked_in_user_namespace": null}),
        ] {
            let out = run::<ProcMount>(
                settings.clone(),
                pod_with_host_users(json!(false), unmasked.clone()),
            );
            assert_eq!(
                violation_paths::<ProcMount>(&out),
                each_container_kind_paths("securityContext.procMount"),
                "{settings}"
            );
        }
        // hostUsers true or unset: the host's user namespace, rejected.
        for host_users in [json!(true), json!(null)] {
            let out = run::<ProcMount>(
                setting.clone(),
                pod_with_host_users(host_users.clone(), unmasked.clone()),
            );
            assert_eq!(
                violation_paths::<ProcMount>(&out),
                each_container_kind_paths("securityContext.procMount"),
                "{host_users}"
            );
            let message = message(&out);
            assert!(
                message.contains(
                    "only \"Default\" is allowed (\"Unmasked\" only in a pod with spec.hostUsers false)"
                ),
                "{message}"
            );
        }
        // Default is accepted either way.
        for host_users in [json!(true), json!(false), json!(null)] {
            let out = run::<ProcMount>(
                setting.clone(),
                pod_with_host_users(host_users, json!({"procMount": "Default"})),
            );
            assert_eq!(out["accepted"], true);
        }
    }

    #[test]
    fn user_namespace_setting_still_fails_closed_on_other_values() {
        let setting = json!({"allow_unmasked_in_user_namespace": true});
        for value in ["unmasked", "default", "Masked", ""] {
            let out = run::<ProcMount>(
                setting.clone(),
                pod_with_host_users(json!(false), json!({"procMount": value})),
            );
            assert_eq!(
                violation_paths::<ProcMount>(&out),
                each_container_kind_paths("securityContext.procMount"),
                "{value}"
            );
            let message = message(&out);
            assert!(
                message.contains("only \"Default\" and \"Unmasked\" are allowed"),
                "{message}"
            );
        }
    }

    #[test]
    fn user_namespace_setting_reads_a_workload_template() {
        let deployment = |host_users: bool| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "builder", "namespace": "default"},
                "spec": {"template": {"spec": {"hostUsers": host_users, "containers": [
                    {"name": "buildkitd", "image": "moby/buildkit",
                     "securityContext": {"procMount": "Unmasked"}}]}}}})
        };
        let setting = json!({"allow_unmasked_in_user_namespace": true});
        let out = run::<ProcMount>(setting.clone(), deployment(false));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<ProcMount>(setting, deployment(true));
        assert_eq!(
            violation_paths::<ProcMount>(&out),
            ["spec.template.spec.containers[0].securityContext.procMount"]
        );
    }

    #[test]
    fn user_namespace_setting_combines_with_the_other_spellings() {
        let unmasked = json!({"procMount": "Unmasked"});
        // Forbidding Unmasked in general does not conflict with allowing it
        // in user namespaces: the narrower allowance applies.
        for forbid in [
            json!({"allow_unmasked_proc_mount_type": false}),
            json!({"procMount": "Default"}),
            json!({"allowed_proc_mount_types": ["Default"]}),
        ] {
            let mut settings = forbid;
            settings["allow_unmasked_in_user_namespace"] = json!(true);
            assert_eq!(settings_error::<ProcMount>(settings.clone()), None);
            let out = run::<ProcMount>(
                settings.clone(),
                pod_with_host_users(json!(false), unmasked.clone()),
            );
            assert_eq!(out["accepted"], true, "{settings}");
            let out = run::<ProcMount>(
                settings.clone(),
                pod_with_host_users(json!(true), unmasked.clone()),
            );
            assert_eq!(out["accepted"], false, "{settings}");
        }
        // Allowing Unmasked everywhere allows it whatever hostUsers says.
        let settings = json!({"allow_unmasked_proc_mount_type": true,
            "allow_unmasked_in_user_namespace": false});
        let out = run::<ProcMount>(settings, pod_with_host_users(json!(true), unmasked));
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn user_namespace_setting_must_be_a_boolean() {
        let message = refusal::<ProcMount>(json!({"allow_unmasked_in_user_namespace": "yes"}));
        assert!(
            message.contains("allow_unmasked_in_user_namespace"),
            "{message}"
        );
        assert_eq!(
            settings_error::<ProcMount>(json!({"allow_unmasked_in_user_namespace": null})),
            None
        );
    }

    #[test]
    fn exemptions_apply() {
        let out = run::<ProcMount>(
            json!({"exempt_container_names": ["app", "init", "debug"]}),
            pod(json!({"procMount": "Unmasked"})),
        );
        assert_eq!(out["accepted"], true);
        let out = run::<ProcMount>(
            json!({"excludedNamespaces": ["default"]}),
            pod(json!({"procMount": "Unmasked"})),
        );
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let message = refusal::<ProcMount>(json!({"allow_unmasked": true}));
        assert!(message.contains("allow_unmasked"), "{message}");
        // The snake_case form of Azure's name is not a spelling.
        assert!(settings_error::<ProcMount>(json!({"proc_mount": "Unmasked"})).is_some());
    }
}

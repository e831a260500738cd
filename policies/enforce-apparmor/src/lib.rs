//! enforce-apparmor: every AppArmor profile a pod sets, in an
//! `appArmorProfile` field or an AppArmor annotation, must be allowed;
//! optionally every container must have one, or the pod gets a default.
//! Azure `k8sazureenforceapparmor`, PSP AppArmor annotations, Pod Security
//! Standards "AppArmor".

use palisade_sdk::profile::{
    Allowed, AllowedProfiles, Control, Profile, ProfilePolicy, ProfileSettings,
};
use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Allowed profiles in annotation or field spelling; absent:
    /// RuntimeDefault and any Localhost profile (PSS baseline).
    #[serde(default, alias = "allowedProfiles")]
    pub allowed_profiles: Option<Vec<Allowed>>,
    /// A container with no profile, at its level or the pod's, is rejected.
    #[serde(default)]
    pub require_profile: bool,
    /// Set as the pod-level field when neither the pod nor every container sets one.
    #[serde(default)]
    pub default_profile: Option<Profile>,
    /// Reject instead of setting `default_profile`.
    #[serde(default)]
    pub validate_only: bool,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        ProfileSettings {
            lists: &[("allowed_profiles", self.allowed_profiles.as_deref())],
            localhost_files: None,
            default_profile: self.default_profile.as_ref(),
            validate_only: self.validate_only,
        }
        .validate()
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct EnforceApparmor;

impl Rule for EnforceApparmor {
    const NAME: &'static str = "enforce-apparmor";
    const READS_ANNOTATIONS: bool = true;
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        ProfilePolicy {
            control: Control::AppArmor,
            allowed: AllowedProfiles::new(&[settings.allowed_profiles.as_deref()], &[]),
            require_profile: settings.require_profile,
            default_profile: settings.default_profile.as_ref(),
        }
        .check(pod, report);
    }
}

export_rule!(EnforceApparmor);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::profile::test_pod;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, mutated, refusal, run, run_update, settings_error,
        violation_paths,
    };
    use serde_json::{Value, json};

    fn key(container: &str) -> String {
        format!("container.apparmor.security.beta.kubernetes.io/{container}")
    }

    fn annotation_path(container: &str) -> String {
        format!("metadata.annotations[{:?}]", key(container))
    }

    fn pod(field: Value, pod_field: Value, annotations: Value) -> Value {
        test_pod(Control::AppArmor, field, pod_field, annotations)
    }

    fn verdict(settings: Value, object: Value) -> Result<(), Vec<String>> {
        let out = run::<EnforceApparmor>(settings, object);
        assert!(out["mutated_object"].is_null(), "{out}");
        match out["accepted"].as_bool() {
            Some(true) => Ok(()),
            _ => Err(violation_paths::<EnforceApparmor>(&out)),
        }
    }

    #[test]
    fn default_allows_runtime_default_localhost_and_unset() {
        for ok in [
            json!({"type": "RuntimeDefault"}),
            json!({"type": "Localhost", "localhostProfile": "k8s-nginx"}),
            json!(null),
        ] {
            assert_eq!(
                verdict(json!({}), pod(ok, json!(null), json!(null))),
                Ok(())
            );
        }
        let out = run::<EnforceApparmor>(
            json!({}),
            pod(json!({"type": "Unconfined"}), json!(null), json!(null)),
        );
        assert_eq!(
            violation_paths::<EnforceApparmor>(&out),
            each_container_kind_paths("securityContext.appArmorProfile")
        );
        assert!(
            message(&out).contains(
                "ephemeral container \"debug\": AppArmor profile Unconfined is not allowed"
            )
        );
        let invalid = pod(json!({"type": "Localhost"}), json!(null), json!(null));
        assert_eq!(verdict(json!({}), invalid).map_err(|p| p.len()), Err(3));
    }

    #[test]
    fn annotations_and_fields_are_both_judged() {
        let annotations = json!({key("app"): "unconfined", key("init"): "runtime/default",
                                 key("debug"): "localhost/k8s-debug", key("gone"): "unconfined"});
        assert_eq!(
            verdict(json!({}), pod(json!(null), json!(null), annotations)),
            Err(vec![annotation_path("app")])
        );
        // docker/default is seccomp's spelling, not AppArmor's: invalid here.
        // A field that says RuntimeDefault beside an unconfined annotation: fail closed.
        for (field, value) in [
            (json!(null), "docker/default"),
            (json!({"type": "RuntimeDefault"}), "unconfined"),
        ] {
            let object = pod(field, json!(null), json!({key("init"): value}));
            assert_eq!(
                verdict(json!({}), object),
                Err(vec![annotation_path("init")]),
                "{value}"
            );
        }
        // The pod-level field is judged even when every container overrides it.
        let pod_level = pod(
            json!({"type": "RuntimeDefault"}),
            json!({"type": "Unconfined"}),
            json!(null),
        );
        assert_eq!(
            verdict(json!({}), pod_level),
            Err(vec!["spec.securityContext.appArmorProfile".to_owned()])
        );
        assert_eq!(
            verdict(
                json!({}),
                pod(json!(null), json!(null), json!({key("app"): ""}))
            ),
            Ok(())
        );
    }

    #[test]
    fn allowed_profiles_in_either_spelling_match_localhost_exactly() {
        let settings = json!({"allowedProfiles": ["runtime/default", "localhost/k8s-nginx"]});
        let localhost = |p: &str| {
            pod(
                json!(null),
                json!(null),
                json!({key("app"): format!("localhost/{p}")}),
            )
        };
        assert_eq!(verdict(settings.clone(), localhost("k8s-nginx")), Ok(()));
        for other in ["k8s-nginx-v2", "x/k8s-nginx", "k8s"] {
            assert_eq!(
                verdict(settings.clone(), localhost(other)),
                Err(vec![annotation_path("app")]),
                "{other}"
            );
        }
        let field = pod(
            json!({"type": "Localhost", "localhostProfile": "k8s-nginx"}),
            json!(null),
            json!(null),
        );
        assert_eq!(
            verdict(json!({"allowed_profiles": ["RuntimeDefault"]}), field).map_err(|p| p.len()),
            Err(3)
        );
        let unconfined = pod(json!({"type": "Unconfined"}), json!(null), json!(null));
        assert_eq!(
            verdict(
                json!({"allowed_profiles": ["Unconfined", "localhost/*"]}),
                unconfined
            ),
            Ok(())
        );
    }

    #[test]
    fn require_profile_and_default_profile() {
        let unset = || {
            pod(
                json!(null),
                json!(null),
                json!({key("app"): "runtime/default"}),
            )
        };
        assert_eq!(
            verdict(json!({"require_profile": true}), unset()),
            Err(vec![
                "spec.ephemeralContainers[0].securityContext".to_owned(),
                "spec.initContainers[0].securityContext".to_owned()
            ])
        );
        let covered = pod(json!(null), json!({"type": "RuntimeDefault"}), json!(null));
        assert_eq!(verdict(json!({"require_profile": true}), covered), Ok(()));
        let out =
            run::<EnforceApparmor>(json!({"default_profile": "localhost/k8s-default"}), unset());
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["appArmorProfile"],
            json!({"type": "Localhost", "localhostProfile": "k8s-default"})
        );
        let strict = json!({"default_profile": "runtime/default", "validate_only": true});
        assert_eq!(
            verdict(strict, unset()),
            Err(vec![
                "spec.ephemeralContainers[0].securityContext.appArmorProfile".to_owned(),
                "spec.securityContext.appArmorProfile".to_owned()
            ])
        );
        let every = pod(json!({"type": "RuntimeDefault"}), json!(null), json!(null));
        assert_eq!(
            verdict(json!({"default_profile": "RuntimeDefault"}), every),
            Ok(())
        );
    }

    #[test]
    fn exemptions_and_updates() {
        let unconfined = || {
            pod(
                json!(null),
                json!({"type": "Unconfined"}),
                json!({key("app"): "unconfined"}),
            )
        };
        let names = json!({"exempt_container_names": ["app"]});
        assert_eq!(
            verdict(names, unconfined()),
            Err(vec!["spec.securityContext.appArmorProfile".to_owned()])
        );
        let all = json!({"excludedContainers": ["app", "init", "debug"]});
        assert_eq!(verdict(all, unconfined()), Ok(()));
        let out = run_update::<EnforceApparmor>(json!({}), unconfined(), unconfined());
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn bad_settings_are_refused() {
        // The shared checks (empty lists, patterns, default not allowed,
        // validate_only alone) are tested in palisade_sdk::profile.
        let bare = refusal::<EnforceApparmor>(json!({"allowed_profiles": ["Localhost"]}));
        assert!(
            bare.contains("use localhost/<path> or localhost/*"),
            "{bare}"
        );
        let seccomp_only = refusal::<EnforceApparmor>(json!({"localhost_profiles": ["a"]}));
        assert!(seccomp_only.contains("unknown field `localhost_profiles`"));
        let default = refusal::<EnforceApparmor>(json!({"default_profile": "Unconfined"}));
        assert!(default.contains("default_profile: Unconfined is not an allowed"));
        assert!(
            refusal::<EnforceApparmor>(json!({"validate_only": true})).contains("validate_only")
        );
        let unconfined =
            json!({"allowedProfiles": ["unconfined"], "default_profile": "unconfined"});
        assert_eq!(settings_error::<EnforceApparmor>(unconfined), None);
    }
}

//! enforce-apparmor: every AppArmor profile a pod sets, in an
//! `appArmorProfile` field or an AppArmor annotation, must be allowed;
//! optionally every container must have one, or the pod gets a default.
//! Azure `k8sazureenforceapparmor`, PSP AppArmor annotations, Pod Security
//! Standards "AppArmor". As Pod Security Admission does, every
//! `container.apparmor.security.beta.kubernetes.io/` annotation is judged,
//! even one naming a container the pod does not have.

use palisade_sdk::profile::{
    Allowed, AllowedProfiles, Annotations, Control, Profile, ProfilePolicy, ProfileSettings,
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
    const ANNOTATIONS: &'static [&'static str] =
        &["container.apparmor.security.beta.kubernetes.io/"];
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        ProfilePolicy {
            control: Control::AppArmor,
            allowed: AllowedProfiles::new(&[settings.allowed_profiles.as_deref()], &[]),
            annotations: Annotations::Every,
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
        // "gone" names no container of the pod: judged all the same, as PSA does.
        assert_eq!(
            verdict(json!({}), pod(json!(null), json!(null), annotations)),
            Err(vec![annotation_path("app"), annotation_path("gone")])
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

    /// The settings of the pss-baseline and pss-restricted profiles.
    fn pss() -> Value {
        json!({"allowed_profiles": ["RuntimeDefault", "localhost/*"]})
    }

    #[test]
    fn annotations_naming_no_container_of_the_pod_are_judged() {
        let ghost = |value: &str| pod(json!(null), json!(null), json!({key("ghost"): value}));
        let out = run::<EnforceApparmor>(pss(), ghost("unconfined"));
        assert_eq!(
            violation_paths::<EnforceApparmor>(&out),
            [annotation_path("ghost")]
        );
        let text = "annotation for container \"ghost\", which the pod does not have: \
                    AppArmor profile Unconfined is not allowed";
        assert!(message(&out).contains(text), "{out}");
        for bad in ["docker/default", "Unconfined", "runtime/Default"] {
            assert_eq!(
                verdict(pss(), ghost(bad)),
                Err(vec![annotation_path("ghost")]),
                "{bad}"
            );
        }
        for fine in ["runtime/default", "localhost/k8s-sidecar", "localhost/", ""] {
            assert_eq!(verdict(pss(), ghost(fine)), Ok(()), "{fine:?}");
        }
        let allowed = json!({"allowedProfiles": ["runtime/default", "unconfined"]});
        assert_eq!(verdict(allowed, ghost("unconfined")), Ok(()));
        // A name listed in exempt_container_names is exempt here too.
        let exempt = json!({"allowed_profiles": ["RuntimeDefault", "localhost/*"],
            "exempt_container_names": ["ghost"]});
        assert_eq!(verdict(exempt, ghost("unconfined")), Ok(()));
        // An exact list judges a ghost as it judges a container.
        let exact = json!({"allowed_profiles": ["localhost/k8s-nginx"]});
        assert_eq!(
            verdict(exact, ghost("localhost/k8s-other")),
            Err(vec![annotation_path("ghost")])
        );
        // A key with the prefix and no name at all is a ghost too; a key
        // that merely starts like the prefix is not an AppArmor annotation.
        let odd = json!({"container.apparmor.security.beta.kubernetes.io/": "unconfined",
            "container.apparmor.security.beta.kubernetes.io.example/app": "unconfined",
            "container.apparmor.security.beta.kubernetes.io": "unconfined",
            "apparmor.security.beta.kubernetes.io/app": "unconfined"});
        assert_eq!(
            verdict(pss(), pod(json!(null), json!(null), odd)),
            Err(vec![
                "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/\"]"
                    .to_owned()
            ])
        );
        // Several ghosts among real containers' annotations: each is reported.
        let many = json!({key("a"): "unconfined", key("app"): "runtime/default",
            key("z"): "unconfined", key("debug"): "localhost/x"});
        assert_eq!(
            verdict(pss(), pod(json!(null), json!(null), many)),
            Err(vec![annotation_path("a"), annotation_path("z")])
        );
    }

    #[test]
    fn ghost_annotations_in_workloads_and_with_exempt_containers() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"template": {
                "metadata": {"annotations": {key("istio-proxy"): "unconfined"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}});
        let expected = format!("spec.template.{}", annotation_path("istio-proxy"));
        assert_eq!(verdict(pss(), deployment), Err(vec![expected]));
        // A real container exempt by image keeps its annotation exempt: it
        // names a container the pod has.
        let object = pod(json!(null), json!(null), json!({key("init"): "unconfined"}));
        let images = json!({"exempt_images": ["busybox"]});
        assert_eq!(verdict(images, object), Ok(()));
        // As with pod-level profiles, a pod whose containers are all exempt
        // is left alone.
        let all = json!({"exempt_container_names": ["app", "init", "debug"]});
        let object = pod(
            json!(null),
            json!(null),
            json!({key("ghost"): "unconfined"}),
        );
        assert_eq!(verdict(all, object), Ok(()));
        // A preexisting ghost does not block an update.
        let old = pod(
            json!(null),
            json!(null),
            json!({key("ghost"): "unconfined"}),
        );
        let out = run_update::<EnforceApparmor>(pss(), old.clone(), old);
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn pss_settings_give_the_pod_security_admission_verdicts() {
        // Annotation values PSA admits: "", runtime/default, localhost/<anything>.
        for value in [
            "",
            "runtime/default",
            "localhost/k8s-nginx",
            "localhost/a/b",
            "localhost/",
        ] {
            let object = pod(json!(null), json!(null), json!({key("app"): value}));
            assert_eq!(verdict(pss(), object), Ok(()), "{value:?}");
        }
        // And denies: unconfined, and anything else.
        for value in ["unconfined", "docker/default", "RuntimeDefault", "bogus"] {
            let object = pod(json!(null), json!(null), json!({key("app"): value}));
            assert_eq!(
                verdict(pss(), object),
                Err(vec![annotation_path("app")]),
                "{value:?}"
            );
        }
        for field in [
            json!({"type": "RuntimeDefault"}),
            json!({"type": "Localhost", "localhostProfile": "k8s-nginx"}),
        ] {
            let object = pod(field.clone(), field.clone(), json!(null));
            assert_eq!(verdict(pss(), object), Ok(()), "{field}");
        }
        let unconfined = json!({"type": "Unconfined"});
        let object = pod(json!(null), unconfined, json!(null));
        assert_eq!(
            verdict(pss(), object),
            Err(vec!["spec.securityContext.appArmorProfile".to_owned()])
        );
        // `localhost/` names no profile: only `localhost/*` (or `*`) allows it,
        // never an exact entry.
        let empty_name = || pod(json!(null), json!(null), json!({key("app"): "localhost/"}));
        let exact = json!({"allowed_profiles": ["runtime/default", "localhost/k8s-nginx"]});
        assert_eq!(
            verdict(exact, empty_name()),
            Err(vec![annotation_path("app")])
        );
        let any = json!({"allowed_profiles": ["*"]});
        assert_eq!(verdict(any, empty_name()), Ok(()));
    }

    #[test]
    fn an_empty_annotation_value_is_unset() {
        let empty = || pod(json!(null), json!(null), json!({key("app"): ""}));
        assert_eq!(verdict(json!({}), empty()), Ok(()));
        // Required: an empty value is a missing profile.
        let mut required = pss();
        required["require_profile"] = json!(true);
        assert_eq!(verdict(required, empty()).map_err(|p| p.len()), Err(3),);
        // It does not hide the field beside it.
        let object = pod(
            json!({"type": "Unconfined"}),
            json!(null),
            json!({key("app"): ""}),
        );
        assert_eq!(verdict(pss(), object).map_err(|p| p.len()), Err(3));
        // The default is set as for a container without any annotation.
        let out = run::<EnforceApparmor>(json!({"default_profile": "RuntimeDefault"}), empty());
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["appArmorProfile"],
            json!({"type": "RuntimeDefault"})
        );
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

//! allowed-seccomp: every seccomp profile a pod sets, in a `seccompProfile`
//! field or a seccomp annotation, must be allowed; optionally every container
//! must have one, or the pod gets a default. Azure `k8sazureallowedseccomp`,
//! PSP seccomp annotations, Pod Security Standards "Seccomp" (with
//! `legacy_annotations: false`, which reads the fields alone as PSA does).
//! Windows pods, which cannot have a seccomp profile, are never required to
//! have one nor given one.

use palisade_sdk::profile::{
    Allowed, AllowedProfiles, Annotations, Control, Profile, ProfilePolicy, ProfileSettings,
};
use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Allowed profiles in annotation or field spelling; absent: every
    /// profile but Unconfined (PSS baseline).
    #[serde(default, alias = "allowedProfiles")]
    pub allowed_profiles: Option<Vec<Allowed>>,
    /// Kubewarden's field types (`RuntimeDefault`, `Localhost`,
    /// `Unconfined`), added to `allowed_profiles`.
    #[serde(default)]
    pub profile_types: Option<Vec<Allowed>>,
    /// The paths `Localhost` allows; `*` is every path.
    #[serde(default, alias = "allowedLocalhostFiles")]
    pub localhost_profiles: Vec<String>,
    /// A container with no profile, at its level or the pod's, is rejected.
    #[serde(default)]
    pub require_profile: bool,
    /// Set at pod level when neither the pod nor every container sets one.
    #[serde(default)]
    pub default_profile: Option<Profile>,
    /// Reject instead of setting `default_profile`.
    #[serde(default)]
    pub validate_only: bool,
    /// Read the alpha annotations (`seccomp.security.alpha.kubernetes.io/pod`,
    /// `container.seccomp.security.alpha.kubernetes.io/<name>`) as Azure and
    /// PSP do. `false`: the fields alone, as Kubernetes ≥ 1.27 and PSA.
    #[serde(default = "yes")]
    pub legacy_annotations: bool,
}

fn yes() -> bool {
    true
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allowed_profiles: None,
            profile_types: None,
            localhost_profiles: Vec::new(),
            require_profile: false,
            default_profile: None,
            validate_only: false,
            legacy_annotations: true,
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        ProfileSettings {
            lists: &[
                ("allowed_profiles", self.allowed_profiles.as_deref()),
                ("profile_types", self.profile_types.as_deref()),
            ],
            localhost_files: Some(("localhost_profiles", &self.localhost_profiles)),
            default_profile: self.default_profile.as_ref(),
            validate_only: self.validate_only,
        }
        .validate()
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct AllowedSeccomp;

impl Rule for AllowedSeccomp {
    const NAME: &'static str = "allowed-seccomp";
    const ANNOTATIONS: &'static [&'static str] = &[
        "seccomp.security.alpha.kubernetes.io/pod",
        "container.seccomp.security.alpha.kubernetes.io/",
    ];
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let lists = [
            settings.allowed_profiles.as_deref(),
            settings.profile_types.as_deref(),
        ];
        ProfilePolicy {
            control: Control::Seccomp,
            allowed: AllowedProfiles::new(&lists, &settings.localhost_profiles),
            annotations: if settings.legacy_annotations {
                Annotations::Containers
            } else {
                Annotations::Ignored
            },
            require_profile: settings.require_profile,
            default_profile: settings.default_profile.as_ref(),
        }
        .check(pod, report);
    }
}

export_rule!(AllowedSeccomp);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::profile::test_pod;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, mutated, run, run_update, settings_error,
        violation_paths,
    };
    use serde_json::{Value, json};

    const POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";

    fn container_annotation(name: &str) -> String {
        format!("container.seccomp.security.alpha.kubernetes.io/{name}")
    }

    fn annotation_path(key: &str) -> String {
        format!("metadata.annotations[{key:?}]")
    }

    fn pod(field: Value, pod_field: Value, annotations: Value) -> Value {
        test_pod(Control::Seccomp, field, pod_field, annotations)
    }

    /// `field` on every container, nothing else.
    fn fields(field: Value) -> Value {
        pod(field, Value::Null, Value::Null)
    }

    /// Only these annotations.
    fn annotated(annotations: Value) -> Value {
        pod(Value::Null, Value::Null, annotations)
    }

    /// A Localhost field on every container.
    fn localhost(path: &str) -> Value {
        fields(json!({"type": "Localhost", "localhostProfile": path}))
    }

    fn accepted(settings: Value, object: Value) -> bool {
        let out = run::<AllowedSeccomp>(settings, object);
        assert!(out["mutated_object"].is_null(), "{out}");
        out["accepted"] == true
    }

    fn rejected_at(settings: Value, object: Value) -> Vec<String> {
        violation_paths::<AllowedSeccomp>(&run::<AllowedSeccomp>(settings, object))
    }

    #[test]
    fn default_forbids_only_unconfined_and_invalid_fields() {
        let out = run::<AllowedSeccomp>(json!({}), fields(json!({"type": "Unconfined"})));
        let expected = each_container_kind_paths("securityContext.seccompProfile");
        assert_eq!(violation_paths::<AllowedSeccomp>(&out), expected);
        let text = "container \"app\": seccomp profile Unconfined is not allowed";
        assert!(message(&out).contains(text), "{out}");
        assert!(accepted(
            json!({}),
            fields(json!({"type": "RuntimeDefault"}))
        ));
        assert!(accepted(json!({}), localhost("p.json")));
        assert!(accepted(json!({}), fields(Value::Null)));
        for bad in [
            json!({"type": "Localhost"}),
            json!({"type": "runtime/default"}),
            json!({}),
        ] {
            assert!(!accepted(json!({}), fields(bad)));
        }
        // `*` allows even what Kubernetes would refuse.
        let bogus = fields(json!({"type": "Bogus"}));
        assert!(accepted(json!({"allowed_profiles": ["*"]}), bogus));
    }

    #[test]
    fn annotations_are_profiles_too() {
        let key = container_annotation("init");
        let both = json!({key.clone(): "unconfined", POD_ANNOTATION: "unconfined"});
        let out = run::<AllowedSeccomp>(json!({}), annotated(both));
        let expected = [annotation_path(&key), annotation_path(POD_ANNOTATION)];
        assert_eq!(violation_paths::<AllowedSeccomp>(&out), expected);
        let text = "the pod's seccomp profile Unconfined is not allowed";
        assert!(message(&out).contains(text), "{out}");
        let fine = json!({POD_ANNOTATION: "docker/default",
            container_annotation("app"): "localhost/a.json",
            container_annotation("gone"): "unconfined"});
        assert!(accepted(json!({}), annotated(fine)));
        // An empty annotation is no profile; `localhost/` alone is invalid.
        assert!(accepted(json!({}), annotated(json!({POD_ANNOTATION: ""}))));
        assert!(!accepted(
            json!({}),
            annotated(json!({POD_ANNOTATION: "localhost/"}))
        ));
    }

    #[test]
    fn every_set_profile_is_judged_even_when_overridden() {
        // Field and annotation disagreeing on one container: both must be allowed.
        let key = container_annotation("app");
        let runtime = json!({"type": "RuntimeDefault"});
        let disagree = pod(
            runtime.clone(),
            Value::Null,
            json!({key.clone(): "unconfined"}),
        );
        assert_eq!(rejected_at(json!({}), disagree), [annotation_path(&key)]);
        // A pod-level Unconfined that every container overrides is still rejected (as PSS does).
        let overridden = pod(runtime, json!({"type": "Unconfined"}), Value::Null);
        let expected = ["spec.securityContext.seccompProfile"];
        assert_eq!(rejected_at(json!({}), overridden), expected);
    }

    #[test]
    fn explicit_lists_match_localhost_profiles_exactly() {
        let settings = json!({"allowed_profiles": ["localhost/profiles/audit.json"]});
        assert!(accepted(settings.clone(), localhost("profiles/audit.json")));
        for other in [
            "profiles/audit.json.bak",
            "x/profiles/audit.json",
            "audit.json",
        ] {
            assert!(!accepted(settings.clone(), localhost(other)), "{other}");
        }
        let runtime = fields(json!({"type": "RuntimeDefault"}));
        assert!(!accepted(settings.clone(), runtime));
        let key = container_annotation("debug");
        let annotation = annotated(json!({key: "localhost/profiles/audit.json"}));
        assert!(accepted(settings, annotation));
        let star = json!({"allowedProfiles": ["localhost/*", "runtime/default"]});
        assert!(accepted(star.clone(), localhost("anything.json")));
        assert!(!accepted(star, fields(json!({"type": "Unconfined"}))));
    }

    #[test]
    fn profile_types_and_localhost_profiles_in_both_spellings() {
        let kubewarden = json!({"profile_types": ["Localhost"], "localhost_profiles": ["a.json"]});
        let azure = json!({"allowedProfiles": ["Localhost", "RuntimeDefault"],
            "allowedLocalhostFiles": ["a.json"]});
        for settings in [kubewarden, azure] {
            assert!(accepted(settings.clone(), localhost("a.json")));
            assert!(!accepted(settings, localhost("b.json")));
        }
        let both =
            json!({"allowed_profiles": ["runtime/default"], "profile_types": ["Unconfined"]});
        let mixed = pod(
            json!({"type": "Unconfined"}),
            Value::Null,
            json!({POD_ANNOTATION: "runtime/default"}),
        );
        assert!(accepted(both.clone(), mixed));
        assert!(!accepted(both, localhost("a")));
    }

    #[test]
    fn require_profile_rejects_containers_without_one() {
        let settings = json!({"require_profile": true});
        let out = run::<AllowedSeccomp>(settings.clone(), fields(Value::Null));
        let expected = each_container_kind_paths("securityContext");
        assert_eq!(violation_paths::<AllowedSeccomp>(&out), expected);
        let text = "init container \"init\": has no seccomp profile";
        assert!(message(&out).contains(text), "{out}");
        let pod_field = pod(Value::Null, json!({"type": "RuntimeDefault"}), Value::Null);
        assert!(accepted(settings.clone(), pod_field));
        let pod_annotation = annotated(json!({POD_ANNOTATION: "runtime/default"}));
        assert!(accepted(settings.clone(), pod_annotation));
        let two = json!({container_annotation("app"): "runtime/default",
            container_annotation("init"): "localhost/a"});
        let expected = ["spec.ephemeralContainers[0].securityContext"];
        assert_eq!(rejected_at(settings, annotated(two)), expected);
    }

    #[test]
    fn default_profile_is_set_at_pod_level_when_some_container_has_none() {
        let settings = json!({"default_profile": "localhost/profiles/audit.json"});
        let out = run::<AllowedSeccomp>(settings.clone(), fields(Value::Null));
        let expected = json!({"type": "Localhost", "localhostProfile": "profiles/audit.json"});
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["seccompProfile"],
            expected
        );
        // An ephemeral container gets its own field: on `pods/ephemeralcontainers`
        // the API server would drop a pod-level change.
        let debug = &mutated(&out)["spec"]["ephemeralContainers"][0]["securityContext"];
        assert_eq!(debug["seccompProfile"], expected);
        let app_only = annotated(json!({container_annotation("app"): "runtime/default"}));
        let out = run::<AllowedSeccomp>(json!({"default_profile": "RuntimeDefault"}), app_only);
        let expected = json!({"type": "RuntimeDefault"});
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["seccompProfile"],
            expected
        );
        // Only the ephemeral container lacks one: only it is set.
        let others = annotated(json!({container_annotation("app"): "runtime/default",
            container_annotation("init"): "runtime/default"}));
        let out = run::<AllowedSeccomp>(json!({"default_profile": "RuntimeDefault"}), others);
        let spec = &mutated(&out)["spec"];
        assert!(spec["securityContext"].is_null(), "{spec}");
        assert_eq!(
            spec["ephemeralContainers"][0]["securityContext"]["seccompProfile"],
            expected
        );
        // Nothing to do when the pod, or every container, sets a profile.
        let pod_annotation = annotated(json!({POD_ANNOTATION: "runtime/default"}));
        assert!(accepted(settings.clone(), pod_annotation));
        assert!(accepted(
            settings,
            fields(json!({"type": "RuntimeDefault"}))
        ));
        // validate_only: the missing profile is a violation instead.
        let strict = json!({"default_profile": "runtime/default", "validate_only": true});
        let expected = [
            "spec.ephemeralContainers[0].securityContext.seccompProfile",
            "spec.securityContext.seccompProfile",
        ];
        assert_eq!(rejected_at(strict, fields(Value::Null)), expected);
    }

    #[test]
    fn exempt_containers_and_their_annotations_are_skipped() {
        let unconfined = || {
            annotated(
                json!({container_annotation("app"): "unconfined", POD_ANNOTATION: "unconfined"}),
            )
        };
        let names = json!({"exempt_container_names": ["app"]});
        assert_eq!(
            rejected_at(names, unconfined()),
            [annotation_path(POD_ANNOTATION)]
        );
        let all = json!({"excludedContainers": ["app", "init", "debug"], "require_profile": true});
        assert!(accepted(all, unconfined()));
    }

    #[test]
    fn workload_annotations_are_read_at_the_template_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"metadata": {"annotations": {POD_ANNOTATION: "unconfined"}},
                     "spec": {"containers": [{"name": "app", "image": "nginx"}]}}}});
        let expected = [format!("spec.template.{}", annotation_path(POD_ANNOTATION))];
        assert_eq!(rejected_at(json!({}), deployment), expected);
    }

    #[test]
    fn preexisting_profiles_do_not_block_updates() {
        let old = fields(json!({"type": "Unconfined"}));
        let out = run_update::<AllowedSeccomp>(json!({}), old.clone(), old);
        assert_eq!(out["accepted"], true, "{out}");
        let settings = json!({"default_profile": "RuntimeDefault"});
        let out = run_update::<AllowedSeccomp>(settings, fields(Value::Null), fields(Value::Null));
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    /// The settings of the PSS profiles: PSA's allowed values, fields only.
    fn pss() -> Value {
        json!({"allowed_profiles": ["RuntimeDefault", "localhost/*"], "legacy_annotations": false})
    }

    /// Settings with `legacy_annotations: false` added.
    fn fields_only(mut settings: Value) -> Value {
        settings["legacy_annotations"] = json!(false);
        settings
    }

    #[test]
    fn without_legacy_annotations_annotations_neither_deny_nor_satisfy() {
        let unconfined = || {
            annotated(json!({POD_ANNOTATION: "unconfined",
                container_annotation("app"): "unconfined",
                container_annotation("init"): "localhost/",
                container_annotation("gone"): "bogus"}))
        };
        // Today's default still reads them.
        let out = run::<AllowedSeccomp>(json!({}), unconfined());
        let expected = [
            annotation_path(&container_annotation("app")),
            annotation_path(&container_annotation("init")),
            annotation_path(POD_ANNOTATION),
        ];
        assert_eq!(violation_paths::<AllowedSeccomp>(&out), expected);
        let explicit = json!({"legacy_annotations": true});
        assert_eq!(rejected_at(explicit, unconfined()), expected);
        // Off: ignored entirely, whatever their value.
        assert!(accepted(pss(), unconfined()));
        assert!(accepted(fields_only(json!({})), unconfined()));
        // The fields are judged as before.
        let field = pod(
            json!({"type": "Unconfined"}),
            Value::Null,
            json!({POD_ANNOTATION: "runtime/default"}),
        );
        let expected = each_container_kind_paths("securityContext.seccompProfile");
        assert_eq!(rejected_at(pss(), field), expected);
        // An annotation does not count as a profile for require_profile.
        let runtime = || {
            annotated(json!({POD_ANNOTATION: "runtime/default",
                container_annotation("app"): "runtime/default"}))
        };
        let required = fields_only(json!({"require_profile": true}));
        assert!(accepted(json!({"require_profile": true}), runtime()));
        let expected = each_container_kind_paths("securityContext");
        assert_eq!(rejected_at(required, runtime()), expected);
    }

    #[test]
    fn without_legacy_annotations_the_default_ignores_them() {
        // A pod annotation no longer covers the containers: the field is set.
        let settings = fields_only(json!({"default_profile": "RuntimeDefault"}));
        let only_annotation = annotated(json!({POD_ANNOTATION: "runtime/default"}));
        let out = run::<AllowedSeccomp>(settings.clone(), only_annotation);
        let spec = &mutated(&out)["spec"];
        let expected = json!({"type": "RuntimeDefault"});
        assert_eq!(spec["securityContext"]["seccompProfile"], expected);
        assert_eq!(
            spec["ephemeralContainers"][0]["securityContext"]["seccompProfile"],
            expected
        );
        // ... and no annotation is written or changed.
        assert_eq!(
            mutated(&out)["metadata"]["annotations"],
            json!({POD_ANNOTATION: "runtime/default"})
        );
        // Nor does an unconfined annotation stop the default.
        let unconfined = annotated(json!({POD_ANNOTATION: "unconfined"}));
        let out = run::<AllowedSeccomp>(settings.clone(), unconfined);
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["seccompProfile"],
            expected
        );
        // Fields still decide whether the default is needed.
        let every = fields(json!({"type": "RuntimeDefault"}));
        assert!(accepted(settings, every));
    }

    /// `pod(...)` with `spec.os.name: windows`.
    fn windows(field: Value, pod_field: Value, annotations: Value) -> Value {
        let mut object = pod(field, pod_field, annotations);
        object["spec"]["os"] = json!({"name": "windows"});
        object
    }

    #[test]
    fn windows_pods_are_never_required_or_given_a_profile() {
        let bare = || windows(Value::Null, Value::Null, Value::Null);
        for settings in [
            json!({"require_profile": true}),
            json!({"require_profile": true, "legacy_annotations": false}),
            json!({"allowed_profiles": ["RuntimeDefault", "localhost/*"], "require_profile": true}),
            json!({"default_profile": "RuntimeDefault"}),
            json!({"default_profile": "runtime/default", "validate_only": true}),
            json!({"default_profile": "RuntimeDefault", "require_profile": true}),
        ] {
            assert!(accepted(settings.clone(), bare()), "{settings}");
        }
        // The same pod on Linux is required to have one.
        let mut linux = bare();
        linux["spec"]["os"] = json!({"name": "linux"});
        let required = json!({"require_profile": true});
        assert_eq!(rejected_at(required.clone(), linux).len(), 3);
        // A set profile is still judged (PSS baseline denies Unconfined on
        // any pod), field or annotation.
        let unconfined = windows(Value::Null, json!({"type": "Unconfined"}), Value::Null);
        let expected = ["spec.securityContext.seccompProfile"];
        assert_eq!(rejected_at(required.clone(), unconfined), expected);
        let annotation = windows(
            Value::Null,
            Value::Null,
            json!({container_annotation("app"): "unconfined"}),
        );
        let expected = [annotation_path(&container_annotation("app"))];
        assert_eq!(rejected_at(required, annotation), expected);
        let allowed = windows(json!({"type": "RuntimeDefault"}), Value::Null, Value::Null);
        assert!(accepted(pss(), allowed));
    }

    #[test]
    fn legacy_annotations_defaults_to_true_and_must_be_a_boolean() {
        assert!(Settings::default().legacy_annotations);
        let refusal = settings_error::<AllowedSeccomp>(json!({"legacy_annotations": "no"}));
        assert!(
            refusal
                .as_deref()
                .is_some_and(|m| m.contains("legacy_annotations")),
            "{refusal:?}"
        );
        assert_eq!(settings_error::<AllowedSeccomp>(pss()), None);
    }

    #[test]
    fn contradictory_or_misspelt_settings_are_refused() {
        for (settings, text) in [
            (
                json!({"allowed_profiles": []}),
                "allowed_profiles: is empty",
            ),
            (
                json!({"allowed_profiles": ["localhost/profiles/*"]}),
                "never matched by prefix",
            ),
            (
                json!({"allowed_profiles": ["runtime/Default"]}),
                "not a profile",
            ),
            (
                json!({"profile_types": ["Localhost"]}),
                "profile_types: `Localhost` names no profile",
            ),
            (
                json!({"allowedLocalhostFiles": ["a.json"]}),
                "localhost_profiles: has no effect",
            ),
            (
                json!({"default_profile": "unconfined"}),
                "default_profile: Unconfined is not an allowed",
            ),
            (json!({"default_profile": "localhost/*"}), "is a pattern"),
            (
                json!({"validate_only": true}),
                "validate_only: has no effect",
            ),
            (json!({"allowed_profile": ["*"]}), "allowed_profile"),
        ] {
            let refusal = settings_error::<AllowedSeccomp>(settings.clone());
            assert!(
                refusal.as_deref().is_some_and(|m| m.contains(text)),
                "{settings}: {refusal:?}"
            );
        }
        let unconfined = json!({"default_profile": "unconfined", "allowed_profiles": ["*"]});
        assert_eq!(settings_error::<AllowedSeccomp>(unconfined), None);
    }
}

//! image-pull-policy: every container's pull policy, as the API server
//! defaults it when unset, must be allowed; optionally an unset policy is
//! set to a default. Azure ContainerAllowedPullPolicy
//! (`container-allowed-pull-policy`, `allowedPullPolicy`).

use palisade_sdk::image::{DEFAULT_TAG, ImageRef, quoted};
use palisade_sdk::{Change, Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use serde_json::json;

/// The values Kubernetes accepts, spelt as the API spells them.
pub const POLICIES: [&str; 3] = ["Always", "IfNotPresent", "Never"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The allowed policies; Azure's default `[IfNotPresent, Never]`.
    #[serde(default = "azure_default", alias = "allowedPullPolicy")]
    pub allowed_pull_policies: Vec<String>,
    /// Set on containers without `imagePullPolicy`; must be allowed.
    #[serde(default)]
    pub default_pull_policy: Option<String>,
    /// Reject a container without `imagePullPolicy` instead of setting the default.
    #[serde(default)]
    pub validate_only: bool,
}

fn azure_default() -> Vec<String> {
    vec!["IfNotPresent".into(), "Never".into()]
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allowed_pull_policies: azure_default(),
            default_pull_policy: None,
            validate_only: false,
        }
    }
}

impl Settings {
    fn allows(&self, policy: &str) -> bool {
        self.allowed_pull_policies.iter().any(|p| p == policy)
    }

    fn allowed(&self) -> String {
        self.allowed_pull_policies.join(", ")
    }
}

fn check_policy(field: String, policy: &str) -> Result<(), SettingsError> {
    if POLICIES.contains(&policy) {
        return Ok(());
    }
    Err(SettingsError::new(
        field,
        format!("{policy:?} is not a pull policy (Always, IfNotPresent or Never, as spelt)"),
    ))
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        const ALLOWED: &str = "allowed_pull_policies";
        if self.allowed_pull_policies.is_empty() {
            return Err(SettingsError::new(
                ALLOWED,
                "is empty: no container could run; list Always, IfNotPresent or Never",
            ));
        }
        for (i, policy) in self.allowed_pull_policies.iter().enumerate() {
            check_policy(format!("{ALLOWED}[{i}]"), policy)?;
        }
        match &self.default_pull_policy {
            Some(default) => {
                check_policy("default_pull_policy".into(), default)?;
                if !self.allows(default) {
                    return Err(SettingsError::new(
                        "default_pull_policy",
                        format!("{default:?} is not in {ALLOWED} ({})", self.allowed()),
                    ));
                }
            }
            None if self.validate_only => {
                return Err(SettingsError::new(
                    "validate_only",
                    "has no effect without default_pull_policy: nothing is mutated",
                ));
            }
            None => {}
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

/// The policy the API server gives a container that sets none: `Always`
/// when the image's tag is `latest`, written or implied, else `IfNotPresent`.
pub fn defaulted_policy(image: &ImageRef) -> &'static str {
    if image.effective_tag() == Some(DEFAULT_TAG) {
        "Always"
    } else {
        "IfNotPresent"
    }
}

pub struct ImagePullPolicy;

impl Rule for ImagePullPolicy {
    const NAME: &'static str = "image-pull-policy";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            let path = || container.field_path(&["imagePullPolicy"]);
            let who = || container.describe();
            // The API server defaults an empty policy as an absent one.
            match container.container.image_pull_policy.as_deref() {
                Some(policy) if !policy.is_empty() => {
                    if !settings.allows(policy) {
                        report.violation(
                            path(),
                            format!(
                                "{} has imagePullPolicy {policy:?}, which is not allowed (allowed: {})",
                                who(),
                                settings.allowed()
                            ),
                        );
                    }
                }
                _ => {
                    if let Some(default) = &settings.default_pull_policy {
                        let reason =
                            format!("{} must set imagePullPolicy (default {default:?})", who());
                        report.fix(path(), Change::Set(json!(default)), reason);
                        continue;
                    }
                    let image = container.container.image.as_deref().unwrap_or_default();
                    match ImageRef::parse(image) {
                        Ok(reference) => {
                            let policy = defaulted_policy(&reference);
                            if !settings.allows(policy) {
                                let why = match (policy, &reference.tag) {
                                    ("Always", Some(_)) => "its tag is latest",
                                    ("Always", None) => "it has no tag, which means latest",
                                    (_, Some(_)) => "its tag is not latest",
                                    (_, None) => "it is pinned by digest",
                                };
                                report.violation(
                                    path(),
                                    format!(
                                        "{} sets no imagePullPolicy, which Kubernetes defaults to \
                                         {policy:?} for image {} ({why}), and {policy:?} is \
                                         not allowed (allowed: {}): set it",
                                        who(),
                                        quoted(image),
                                        settings.allowed()
                                    ),
                                );
                            }
                        }
                        Err(e) => report.violation(
                            path(),
                            format!(
                                "{} sets no imagePullPolicy and its image {} is not a valid \
                                 reference ({e}), so the policy it would get cannot be told: set it",
                                who(),
                                quoted(image)
                            ),
                        ),
                    }
                }
            }
        }
    }
}

export_rule!(ImagePullPolicy);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, mutated, refusal, run, run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    type R = ImagePullPolicy;

    const AT: &str = "spec.containers[0].imagePullPolicy";
    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn pod(image: &str, policy: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": image, "imagePullPolicy": policy}]}})
    }

    fn accepted(settings: Value, object: Value) -> bool {
        let out = run::<R>(settings, object);
        out["accepted"] == true && out["mutated_object"].is_null()
    }

    #[test]
    fn azure_default_allows_if_not_present_and_never() {
        assert!(accepted(json!({}), pod("nginx:1", json!("IfNotPresent"))));
        assert!(accepted(json!({}), pod("nginx:1", json!("Never"))));
        let out = run::<R>(json!({}), pod("nginx:1", json!("Always")));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(message(&out).contains(
            "container \"app\" has imagePullPolicy \"Always\", which is not allowed (allowed: IfNotPresent, Never)"
        ));
    }

    #[test]
    fn an_unset_policy_is_judged_as_the_api_server_defaults_it() {
        // Tag latest, written or implied: Always.
        for image in ["nginx", "nginx:latest", "localhost:5000/app"] {
            for unset in [json!(null), json!("")] {
                let out = run::<R>(json!({}), pod(image, unset));
                assert_eq!(violation_paths::<R>(&out), [AT], "{image}");
                assert!(message(&out).contains("Kubernetes defaults to \"Always\""));
            }
        }
        let always = json!({"allowedPullPolicy": ["Always"]});
        assert!(accepted(always.clone(), pod("nginx", json!(null))));
        // Any other tag, or a digest without a tag: IfNotPresent.
        for image in ["nginx:1", &format!("nginx@{SHA}"), "localhost:5000/app:2"] {
            assert!(accepted(json!({}), pod(image, json!(null))), "{image}");
            let out = run::<R>(always.clone(), pod(image, json!(null)));
            assert!(
                message(&out).contains("defaults to \"IfNotPresent\""),
                "{image}"
            );
        }
        // A tag latest with a digest is still Always (Kubernetes reads the tag).
        let out = run::<R>(json!({}), pod(&format!("nginx:latest@{SHA}"), json!(null)));
        assert!(message(&out).contains("\"Always\""));
    }

    #[test]
    fn an_unset_policy_with_an_image_that_does_not_parse_is_rejected() {
        for image in ["Nginx", "nginx:", ""] {
            let out = run::<R>(json!({}), pod(image, json!(null)));
            assert_eq!(violation_paths::<R>(&out), [AT], "{image}");
            assert!(message(&out).contains("is not a valid reference"));
        }
        // With the policy set, the image is not this rule's business.
        assert!(accepted(json!({}), pod("Nginx", json!("Never"))));
    }

    #[test]
    fn an_invalid_policy_value_is_not_allowed() {
        let out = run::<R>(json!({}), pod("nginx:1", json!("ifnotpresent")));
        assert_eq!(violation_paths::<R>(&out), [AT]);
    }

    #[test]
    fn every_container_kind_is_checked() {
        let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx:1"}],
                     "initContainers": [{"name": "init", "image": "busybox", "imagePullPolicy": "Always"}],
                     "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}});
        let out = run::<R>(json!({}), object);
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.ephemeralContainers[0].imagePullPolicy",
                "spec.initContainers[0].imagePullPolicy"
            ]
        );
    }

    #[test]
    fn the_default_is_set_only_where_the_policy_is_unset() {
        let settings = json!({"allowed_pull_policies": ["Always", "IfNotPresent"],
                              "default_pull_policy": "Always"});
        let out = run::<R>(settings.clone(), pod("nginx:1", json!(null)));
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["imagePullPolicy"],
            "Always"
        );
        assert!(accepted(
            settings.clone(),
            pod("nginx:1", json!("IfNotPresent"))
        ));
        let out = run::<R>(settings, pod("nginx:1", json!("Never")));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(out["mutated_object"].is_null());
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api"}]}}}});
        let out = run::<R>(json!({"default_pull_policy": "IfNotPresent"}), deployment);
        assert_eq!(
            mutated(&out)["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );
    }

    #[test]
    fn validate_only_rejects_instead_of_setting_the_default() {
        let settings = json!({"default_pull_policy": "IfNotPresent", "validate_only": true});
        let out = run::<R>(settings, pod("nginx:1", json!(null)));
        assert_eq!(violation_paths::<R>(&out), [AT]);
        assert!(message(&out).contains("must set imagePullPolicy (default \"IfNotPresent\")"));
    }

    #[test]
    fn update_rule_and_exemptions() {
        let old = pod("nginx:1", json!("Always"));
        let out = run_update::<R>(json!({}), old.clone(), old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        let out = run_update::<R>(json!({}), pod("nginx:2", json!("Always")), old);
        assert_eq!(out["accepted"], false, "{out}");
        let exempt = json!({"exempt_container_names": ["app"]});
        assert!(accepted(exempt, pod("nginx", json!("Always"))));
    }

    #[test]
    fn malformed_settings_are_refused() {
        for (settings, text) in [
            (
                json!({"allowed_pull_policies": []}),
                "allowed_pull_policies: is empty",
            ),
            (
                json!({"allowedPullPolicy": ["IfNotPresent", "always"]}),
                "[1]: \"always\" is not a pull policy",
            ),
            (
                json!({"default_pull_policy": "Always"}),
                "default_pull_policy: \"Always\" is not in allowed_pull_policies (IfNotPresent, Never)",
            ),
            (
                json!({"default_pull_policy": "Sometimes"}),
                "default_pull_policy: \"Sometimes\"",
            ),
            (
                json!({"validate_only": true}),
                "validate_only: has no effect",
            ),
            (
                json!({"allowed_pull_policies": "Always"}),
                "allowed_pull_policies",
            ),
            (json!({"pull_policy": "Always"}), "pull_policy"),
        ] {
            let got = refusal::<R>(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        for ok in [
            json!({}),
            json!({"allowedPullPolicy": ["Always"], "default_pull_policy": "Always", "validate_only": true}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

//! no-latest-tag: no container image may use the tag `latest`, written or
//! implied (no tag and no digest). Azure ImagesDoNotUseLatest
//! (`container-no-latest-image`).

use palisade_sdk::image::{ImageRef, quoted};
use palisade_sdk::{ContainerKind, Pod, Report, Rule, RuleSettings, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Do not check ephemeral (debug) containers.
    #[serde(default)]
    pub skip_ephemeral_containers: bool,
}

impl RuleSettings for Settings {}

pub struct NoLatestTag;

impl Rule for NoLatestTag {
    const NAME: &'static str = "no-latest-tag";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            if settings.skip_ephemeral_containers
                && container.kind == ContainerKind::EphemeralContainer
            {
                continue;
            }
            let image = container.container.image.as_deref().unwrap_or_default();
            let problem = match ImageRef::parse(image) {
                Err(e) if image.is_empty() => format!("has no image ({e})"),
                Err(e) => format!(
                    "has image {}, which is not a valid reference: {e}",
                    quoted(image)
                ),
                // A digest pins the image, whatever tag is written beside it.
                Ok(r) if r.digest.is_some() => continue,
                Ok(r) if r.tag.is_none() => format!(
                    "image {} has no tag, which means latest: pin a version tag or a digest",
                    quoted(image)
                ),
                Ok(r) if r.tag.as_deref() == Some("latest") => {
                    format!(
                        "image {} uses the tag latest: pin a version tag or a digest",
                        quoted(image)
                    )
                }
                Ok(_) => continue,
            };
            report.violation(
                container.field_path(&["image"]),
                format!("{} {problem}", container.describe()),
            );
        }
    }
}

export_rule!(NoLatestTag);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, run, run_update, settings_error, violation_paths};
    use serde_json::{Value, json};

    type R = NoLatestTag;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// A pod whose three container kinds use these images.
    fn pod(app: Value, init: Value, debug: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": app}],
                     "initContainers": [{"name": "init", "image": init}],
                     "ephemeralContainers": [{"name": "debug", "image": debug}]}})
    }

    fn one(image: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": image}]}})
    }

    fn accepted(image: &str) -> bool {
        run::<R>(json!({}), one(json!(image)))["accepted"] == true
    }

    #[test]
    fn pinned_images_are_accepted() {
        for image in [
            "nginx:1.27",
            "registry.example.com/team/app:v2",
            "localhost:5000/app:1",
            "latest:1",
            "team/latest:2",
            "nginx:latest-alpine",
            "nginx:Latest",
        ] {
            assert!(accepted(image), "{image}");
        }
    }

    #[test]
    fn a_digest_pins_the_image_with_or_without_a_tag() {
        assert!(accepted(&format!("nginx@{SHA}")));
        assert!(accepted(&format!("nginx:latest@{SHA}")));
    }

    #[test]
    fn latest_written_or_implied_is_rejected_in_every_container_kind() {
        let out = run::<R>(
            json!({}),
            pod(
                json!("nginx"),
                json!("busybox:latest"),
                json!("localhost:5000/tools"),
            ),
        );
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.containers[0].image",
                "spec.ephemeralContainers[0].image",
                "spec.initContainers[0].image"
            ]
        );
        let text = message(&out);
        assert!(text.contains("container \"app\" image \"nginx\" has no tag, which means latest"));
        assert!(
            text.contains("init container \"init\" image \"busybox:latest\" uses the tag latest")
        );
        // `localhost:5000` is a registry, not a tag.
        assert!(
            text.contains("\"localhost:5000/tools\" has no tag"),
            "{text}"
        );
    }

    #[test]
    fn an_image_that_does_not_parse_or_is_missing_is_rejected() {
        for (image, text) in [
            (
                json!("Nginx:1"),
                "is not a valid reference: repository \"Nginx\" must be lowercase",
            ),
            (json!("nginx:1 "), "is not a valid reference"),
            (json!("nginx@sha256:abc"), "is not a valid reference"),
            (json!(""), "has no image"),
            (json!(null), "has no image"),
        ] {
            let out = run::<R>(json!({}), one(image.clone()));
            assert_eq!(violation_paths::<R>(&out), ["spec.containers[0].image"]);
            assert!(message(&out).contains(text), "{image}: {}", message(&out));
        }
    }

    #[test]
    fn a_huge_image_is_rejected_without_being_echoed_whole() {
        let huge = "a".repeat(1_000_000);
        let out = run::<R>(json!({}), one(json!(huge)));
        let text = message(&out);
        assert!(text.contains("(1000000 bytes)"), "{}", text.len());
        assert!(text.len() < 1_000, "{}", text.len());
    }

    #[test]
    fn skip_ephemeral_containers_skips_only_them() {
        let out = run::<R>(
            json!({"skip_ephemeral_containers": true}),
            pod(json!("nginx:1"), json!("busybox:1"), json!("busybox")),
        );
        assert_eq!(out["accepted"], true);
        let out = run::<R>(
            json!({"skip_ephemeral_containers": true}),
            pod(json!("nginx"), json!("busybox:1"), json!("busybox")),
        );
        assert_eq!(violation_paths::<R>(&out), ["spec.containers[0].image"]);
    }

    #[test]
    fn workloads_are_judged_at_their_template_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api"}]}}}});
        let out = run::<R>(json!({}), deployment);
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.template.spec.containers[0].image"]
        );
    }

    #[test]
    fn update_rule_and_exemptions() {
        // A relabelled pod that already ran :latest warns; a new image is judged.
        let old = one(json!("nginx"));
        let out = run_update::<R>(json!({}), one(json!("nginx")), old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        let out = run_update::<R>(json!({}), one(json!("nginx:latest")), old);
        assert_eq!(out["accepted"], false, "{out}");
        let exempt = json!({"excludedImages": ["nginx*"]});
        assert_eq!(run::<R>(exempt, one(json!("nginx")))["accepted"], true);
        let exempt = json!({"exempt_namespaces": ["default"]});
        assert_eq!(run::<R>(exempt, one(json!("nginx")))["accepted"], true);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let refusal = settings_error::<R>(json!({"allow_latest": true}));
        assert!(refusal.is_some_and(|m| m.contains("allow_latest")));
        assert_eq!(settings_error::<R>(json!({})), None);
        assert_eq!(settings_error::<R>(json!(null)), None);
    }
}

//! allowed-images: every container image, of every container kind, must be
//! allowed. Native settings judge the parsed reference (registry,
//! repository, tag, digest); Azure's `allowedContainerImagesRegex`
//! (`k8sazurecontainerallowedimages`) keeps its meaning: a regular
//! expression that must match somewhere in the image as written. An image
//! that does not parse as a reference is always a violation.
//! Kubewarden trusted-repos.

use glob::{MatchOptions, Pattern};
use palisade_sdk::image::{self, DEFAULT_REGISTRY, ImageRef};
use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use regex_lite::Regex;
use serde::Deserialize;
use serde::de::{Deserializer, Error as _};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The image's registry must be one of these (exact, port included).
    #[serde(default)]
    pub allowed_registries: Option<Vec<Registry>>,
    /// The image's registry must be none of these (without a port: any port).
    #[serde(default)]
    pub rejected_registries: Vec<Registry>,
    /// Globs over `registry/repository`, normalised as image names are.
    #[serde(default)]
    pub allowed_repositories: Option<Vec<RepositoryPattern>>,
    /// The image must carry a digest.
    #[serde(default)]
    pub require_digest: bool,
    /// Tags refused; an image with neither tag nor digest has tag `latest`.
    #[serde(default)]
    pub reject_tags: Vec<Tag>,
    /// Azure: must match somewhere in the image as written (unanchored).
    #[serde(default, alias = "allowedContainerImagesRegex")]
    pub allowed_images_regex: Option<ImageRegex>,
}

/// A registry host (and port), lowercased and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry(pub String);

impl<'de> Deserialize<'de> for Registry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        image::parse_registry(&raw)
            .map(Registry)
            .map_err(D::Error::custom)
    }
}

impl Registry {
    fn has_port(&self) -> bool {
        self.0 != image::host_of(&self.0)
    }
}

/// A glob over `registry/repository`.
#[derive(Debug, Clone)]
pub struct RepositoryPattern {
    pub written: String,
    pub pattern: Pattern,
}

impl<'de> Deserialize<'de> for RepositoryPattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let written = String::deserialize(deserializer)?;
        let normalised = normalise_pattern(&written).map_err(D::Error::custom)?;
        let pattern = Pattern::new(&normalised)
            .map_err(|e| D::Error::custom(format!("bad pattern {written:?}: {e}")))?;
        Ok(RepositoryPattern { written, pattern })
    }
}

/// Docker's name defaults applied to a pattern: a first segment without
/// `.`, `:` or `localhost` is no registry (`docker.io`), and a single
/// segment on docker.io lies under `library/`.
fn normalise_pattern(written: &str) -> Result<String, String> {
    if written.is_empty() {
        return Err("a pattern is empty".into());
    }
    if let Some(c) = written
        .chars()
        .find(|c| c.is_ascii_uppercase() || !c.is_ascii_graphic() || matches!(c, '@'))
    {
        return Err(format!(
            "pattern {written:?} contains {c:?}: patterns match lowercase `registry/repository` \
             names, without tag or digest"
        ));
    }
    let (registry, rest) = match written.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => (first, rest),
        _ => (DEFAULT_REGISTRY, written),
    };
    if rest.contains(':') {
        return Err(format!(
            "pattern {written:?} names a tag: patterns match `registry/repository`; use reject_tags \
             or require_digest for tags"
        ));
    }
    let registry = if registry == "index.docker.io" {
        DEFAULT_REGISTRY
    } else {
        registry
    };
    if registry == DEFAULT_REGISTRY && !rest.contains('/') {
        Ok(format!("{registry}/library/{rest}"))
    } else {
        Ok(format!("{registry}/{rest}"))
    }
}

/// `*` and `?` stay within one path segment; `**` spans segments.
const MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

/// A tag, as Docker allows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag(pub String);

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        // The SDK's tag grammar, through a reference that only varies the tag.
        match ImageRef::parse(&format!("x:{raw}")) {
            Ok(r) if r.tag.as_deref() == Some(raw.as_str()) => Ok(Tag(raw)),
            _ => Err(D::Error::custom(format!(
                "{raw:?} is not a tag (letters, digits, `_`, `.` and `-`, up to 128, \
                 not starting with `.` or `-`)"
            ))),
        }
    }
}

/// Azure's `imageRegex`, compiled once with the settings.
#[derive(Debug, Clone)]
pub struct ImageRegex(pub Regex);

impl<'de> Deserialize<'de> for ImageRegex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        if raw.is_empty() {
            return Err(D::Error::custom(
                "an empty regular expression matches every image",
            ));
        }
        Regex::new(&raw)
            .map(ImageRegex)
            .map_err(|e| D::Error::custom(format!("bad regular expression {raw:?}: {e}")))
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if matches!(&self.allowed_registries, Some(list) if list.is_empty()) {
            return Err(SettingsError::new(
                "allowed_registries",
                "is empty: every image would be refused; leave it out to allow any registry",
            ));
        }
        if matches!(&self.allowed_repositories, Some(list) if list.is_empty()) {
            return Err(SettingsError::new(
                "allowed_repositories",
                "is empty: every image would be refused; leave it out to allow any repository",
            ));
        }
        let restricted = self.allowed_registries.is_some()
            || !self.rejected_registries.is_empty()
            || self.allowed_repositories.is_some()
            || self.require_digest
            || !self.reject_tags.is_empty()
            || self.allowed_images_regex.is_some();
        if !restricted {
            return Err(SettingsError::new(
                "",
                "no restriction is set: give allowed_registries, rejected_registries, \
                 allowed_repositories, require_digest, reject_tags or allowed_images_regex \
                 (Azure allowedContainerImagesRegex)",
            ));
        }
        Ok(())
    }
}

impl Settings {
    /// Every reason the image is not allowed; empty when it is.
    fn reasons(&self, written: &str, image: &ImageRef) -> Vec<String> {
        let mut reasons = Vec::new();
        let registry = &image.registry;
        if let Some(rejected) = self
            .rejected_registries
            .iter()
            .find(|r| r.0 == *registry || (!r.has_port() && r.0 == image.host()))
        {
            reasons.push(format!(
                "registry {registry} is rejected (rejected_registries: {})",
                rejected.0
            ));
        }
        if let Some(allowed) = &self.allowed_registries
            && !allowed.iter().any(|r| r.0 == *registry)
        {
            let list: Vec<&str> = allowed.iter().map(|r| r.0.as_str()).collect();
            reasons.push(format!(
                "registry {registry} is not in allowed_registries ({})",
                list.join(", ")
            ));
        }
        if let Some(patterns) = &self.allowed_repositories {
            let name = image.name();
            if !patterns
                .iter()
                .any(|p| p.pattern.matches_with(&name, MATCH))
            {
                let list: Vec<&str> = patterns.iter().map(|p| p.written.as_str()).collect();
                reasons.push(format!(
                    "repository {name} matches no pattern of allowed_repositories ({})",
                    list.join(", ")
                ));
            }
        }
        if self.require_digest && image.digest.is_none() {
            reasons.push("it has no digest (require_digest)".into());
        }
        if let Some(tag) = image.effective_tag()
            && self.reject_tags.iter().any(|t| t.0 == tag)
        {
            let implied = if image.tag.is_none() {
                " (no tag means latest)"
            } else {
                ""
            };
            reasons.push(format!("tag {tag}{implied} is in reject_tags"));
        }
        if let Some(regex) = &self.allowed_images_regex
            && !regex.0.is_match(written)
        {
            reasons.push(format!(
                "it does not match allowed_images_regex {:?}",
                regex.0.as_str()
            ));
        }
        reasons
    }
}

pub struct AllowedImages;

impl Rule for AllowedImages {
    const NAME: &'static str = "allowed-images";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            let written = container.container.image.as_deref().unwrap_or_default();
            let problem = match ImageRef::parse(written) {
                Err(e) if written.is_empty() => format!("has no image ({e})"),
                Err(e) => format!(
                    "has image {}, which is not a valid reference: {e}",
                    image::quoted(written)
                ),
                Ok(image) => {
                    let reasons = settings.reasons(written, &image);
                    if reasons.is_empty() {
                        continue;
                    }
                    format!(
                        "image {} is not allowed: {}",
                        image::quoted(written),
                        reasons.join(", ")
                    )
                }
            };
            report.violation(
                container.field_path(&["image"]),
                format!("{} {problem}", container.describe()),
            );
        }
    }
}

export_rule!(AllowedImages);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, refusal, run, run_update, settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    type R = AllowedImages;

    const AT: &str = "spec.containers[0].image";
    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn one(image: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": image}]}})
    }

    fn allows(settings: &Value, image: &str) -> bool {
        let out = run::<R>(settings.clone(), one(image));
        if out["accepted"] == true {
            return true;
        }
        assert_eq!(violation_paths::<R>(&out), [AT], "{out}");
        false
    }

    #[test]
    fn allowed_registries_compare_the_parsed_registry() {
        let s =
            json!({"allowed_registries": ["registry.example.com", "localhost:5000", "docker.io"]});
        for image in [
            "registry.example.com/team/app:1",
            "REGISTRY.example.com/team/app:1",
            "localhost:5000/app",
            "nginx:1",
            "docker.io/library/nginx",
            "index.docker.io/bitnami/redis:7",
        ] {
            assert!(allows(&s, image), "{image}");
        }
        for image in [
            "registry.example.com.evil.io/team/app:1",
            "evil.io/registry.example.com/app",
            "registry.example.com:443/app",
            "localhost/app",
            "localhost:5001/app",
            "quay.io/app",
        ] {
            assert!(!allows(&s, image), "{image}");
        }
        let out = run::<R>(
            json!({"allowed_registries": ["registry.example.com"]}),
            one("nginx:1"),
        );
        assert!(message(&out).contains(
            "container \"app\" image \"nginx:1\" is not allowed: registry docker.io is not in allowed_registries (registry.example.com)"
        ), "{}", message(&out));
    }

    #[test]
    fn rejected_registries_without_a_port_reject_every_port() {
        let s = json!({"rejected_registries": ["evil.io", "Docker.io", "localhost:5000"]});
        for image in [
            "evil.io/app",
            "EVIL.io:8443/app",
            "nginx",
            "index.docker.io/x/y",
            "localhost:5000/a",
        ] {
            assert!(!allows(&s, image), "{image}");
        }
        for image in [
            "quay.io/app",
            "localhost:5001/a",
            "localhost/a",
            "evil.io.example.com/app",
        ] {
            assert!(allows(&s, image), "{image}");
        }
    }

    #[test]
    fn repository_globs_match_normalised_names() {
        let s = json!({"allowed_repositories": [
            "nginx", "bitnami/*", "registry.example.com/team/**", "ghcr.io/org/app-?"]});
        for image in [
            "nginx:1",
            "docker.io/library/nginx",
            "bitnami/redis:7",
            "registry.example.com/team/app",
            "registry.example.com/team/a/b/c:1",
            "ghcr.io/org/app-1",
        ] {
            assert!(allows(&s, image), "{image}");
        }
        for image in [
            "nginx-unprivileged",
            "evil/nginx",
            "bitnami/redis/extra",
            "registry.example.com/other/app",
            "registry.example.com/teams/app",
            "ghcr.io/org/app-10",
            "quay.io/bitnami/redis",
        ] {
            assert!(!allows(&s, image), "{image}");
        }
    }

    #[test]
    fn digests_and_tags() {
        let s = json!({"require_digest": true});
        assert!(allows(&s, &format!("nginx@{SHA}")));
        assert!(allows(&s, &format!("nginx:1@{SHA}")));
        assert!(!allows(&s, "nginx:1"));
        let s = json!({"reject_tags": ["latest", "dev"]});
        assert!(!allows(&s, "nginx"));
        assert!(!allows(&s, "nginx:latest"));
        assert!(!allows(&s, "app:dev"));
        assert!(!allows(&s, &format!("nginx:latest@{SHA}")));
        assert!(allows(&s, &format!("nginx@{SHA}")));
        assert!(allows(&s, "nginx:1"));
        assert!(allows(&s, "nginx:Latest"));
        let out = run::<R>(s, one("nginx"));
        assert!(message(&out).contains("tag latest (no tag means latest) is in reject_tags"));
    }

    #[test]
    fn azure_regex_matches_anywhere_unless_anchored() {
        let loose = json!({"allowedContainerImagesRegex": "registry.example.com/.+"});
        assert!(allows(&loose, "registry.example.com/app:1"));
        // Unanchored, as Azure: these pass too, which is why the README warns.
        assert!(allows(&loose, "evil.io/registry.example.com/app:1"));
        assert!(allows(&loose, "registryxexample.com/app"));
        assert!(!allows(&loose, "nginx:1"));
        let anchored = json!({"allowed_images_regex": r"^registry\.example\.com/.+$"});
        assert!(allows(&anchored, "registry.example.com/app:1"));
        assert!(!allows(&anchored, "evil.io/registry.example.com/app:1"));
        assert!(!allows(&anchored, "registryxexample.com/app"));
        let out = run::<R>(anchored, one("nginx:1"));
        assert!(message(&out).contains("does not match allowed_images_regex"));
        // The regex sees the image as written, not normalised.
        let written = json!({"allowed_images_regex": "^nginx:"});
        assert!(allows(&written, "nginx:1"));
        assert!(!allows(&written, "docker.io/library/nginx:1"));
    }

    #[test]
    fn an_image_that_does_not_parse_is_rejected_even_when_the_regex_matches() {
        let any = json!({"allowed_images_regex": "."});
        for image in [
            "Nginx",
            "nginx:1 ",
            "a//b",
            "nginx@sha256:1",
            "../x",
            "Team/app",
        ] {
            let out = run::<R>(any.clone(), one(image));
            assert_eq!(violation_paths::<R>(&out), [AT], "{image}");
            assert!(
                message(&out).contains("is not a valid reference"),
                "{image}"
            );
        }
        let out = run::<R>(
            any.clone(),
            json!({"kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app"}]}}),
        );
        assert!(message(&out).contains("has no image"));
    }

    #[test]
    fn every_setting_must_hold_and_every_kind_is_checked() {
        let s = json!({"allowed_registries": ["registry.example.com"],
                       "allowed_repositories": ["registry.example.com/team/*"],
                       "reject_tags": ["latest"]});
        let object = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "registry.example.com/team/app:1"},
                                    {"name": "side", "image": "registry.example.com/other/x:1"}],
                     "initContainers": [{"name": "init", "image": "registry.example.com/team/init"}],
                     "ephemeralContainers": [{"name": "debug", "image": "busybox:1"}]}});
        let out = run::<R>(s, object);
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.containers[1].image",
                "spec.ephemeralContainers[0].image",
                "spec.initContainers[0].image"
            ]
        );
        let text = message(&out);
        assert!(text.contains("registry docker.io is not in allowed_registries (registry.example.com), repository docker.io/library/busybox matches no pattern"), "{text}");
    }

    #[test]
    fn workloads_updates_and_exemptions() {
        let s = json!({"allowed_registries": ["registry.example.com"]});
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}}}});
        let out = run::<R>(s.clone(), deployment);
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.template.spec.containers[0].image"]
        );
        let out = run_update::<R>(s.clone(), one("nginx:1"), one("nginx:1"));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run_update::<R>(s.clone(), one("nginx:2"), one("nginx:1"));
        assert_eq!(out["accepted"], false, "{out}");
        let exempt =
            json!({"allowed_registries": ["registry.example.com"], "excludedImages": ["nginx:*"]});
        assert!(allows(&exempt, "nginx:1"));
    }

    #[test]
    fn malformed_settings_are_refused() {
        for (settings, text) in [
            (json!({}), "no restriction is set"),
            (
                json!({"allowed_registries": []}),
                "allowed_registries: is empty",
            ),
            (
                json!({"allowed_repositories": []}),
                "allowed_repositories: is empty",
            ),
            (
                json!({"allowed_registries": ["ok.io", "a b"]}),
                "allowed_registries[1]: registry \"a b\"",
            ),
            (
                json!({"rejected_registries": ["evil.io/"]}),
                "rejected_registries[0]",
            ),
            (
                json!({"allowed_repositories": ["Team/app"]}),
                "allowed_repositories[0]: pattern \"Team/app\" contains 'T'",
            ),
            (json!({"allowed_repositories": ["nginx:1"]}), "names a tag"),
            (
                json!({"allowed_repositories": ["a/[b"]}),
                "allowed_repositories[0]: bad pattern",
            ),
            (json!({"allowed_repositories": [""]}), "a pattern is empty"),
            (
                json!({"reject_tags": ["-x"]}),
                "reject_tags[0]: \"-x\" is not a tag",
            ),
            (json!({"reject_tags": ["a:b"]}), "reject_tags[0]"),
            (
                json!({"allowedContainerImagesRegex": "("}),
                "bad regular expression",
            ),
            (json!({"allowed_images_regex": ""}), "matches every image"),
            (
                json!({"allowed_images_regex": r"\p{Greek}"}),
                "bad regular expression",
            ),
            (json!({"registries": ["a.io"]}), "registries"),
        ] {
            let got = refusal::<R>(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        for ok in [
            json!({"require_digest": true}),
            json!({"allowedContainerImagesRegex": "^registry\\.example\\.com/"}),
            json!({"allowed_registries": ["[::1]:5000"], "reject_tags": ["latest"]}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

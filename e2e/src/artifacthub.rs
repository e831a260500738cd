//! Artifact Hub package metadata (`artifacthub-pkg.yml`, Kubewarden kind),
//! generated from a policy's `metadata.yml` and README, never hand-copied.

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

pub const REPOSITORY: &str = "https://github.com/palisade-policies/palisade";

fn annotation<'m>(metadata: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    metadata.get("annotations")?.get(key)?.as_str()
}

/// The package for one policy. `created_at` is kept from the previous
/// package of the same version, so regenerating is stable.
pub fn package(
    name: &str,
    metadata: &Map<String, Value>,
    readme: &str,
    registry: &str,
    created_at: &str,
) -> Result<Value> {
    let version = crate::package::version(metadata)?;
    let required = |key: &str| {
        annotation(metadata, key)
            .with_context(|| format!("{name}: metadata.yml has no {key} annotation"))
    };
    let keywords: Vec<&str> = required("io.artifacthub.keywords")?
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    let rules = serde_norway::to_string(metadata.get("rules").unwrap_or(&json!([])))?;
    let context_aware =
        serde_norway::to_string(metadata.get("contextAwareResources").unwrap_or(&json!([])))?;
    let image = format!("{registry}/{name}:v{version}");
    Ok(json!({
        "version": version,
        "name": name,
        "displayName": required("io.artifacthub.displayName")?,
        "createdAt": created_at,
        "description": required("io.kubewarden.policy.description")?,
        "license": required("io.kubewarden.policy.license")?,
        "homeURL": required("io.kubewarden.policy.source")?,
        "containersImages": [{"name": "policy", "image": image}],
        "keywords": keywords,
        "links": [
            {"name": "policy", "url": format!("registry://{image}")},
            {"name": "source", "url": required("io.kubewarden.policy.source")?},
        ],
        "install": format!(
            "The policy can be obtained using [`kwctl`](https://github.com/kubewarden/kwctl):\n\
             ```console\nkwctl pull {image}\n```\n"
        ),
        "maintainers": [{"name": required("io.kubewarden.policy.author")?}],
        "provider": {"name": "palisade"},
        "recommendations": [{"url": "https://artifacthub.io/packages/helm/kubewarden/kubewarden-controller"}],
        "readme": readme,
        "annotations": {
            "kubewarden/mutation": metadata.get("mutating").and_then(Value::as_bool).unwrap_or(false).to_string(),
            "kubewarden/contextAwareResources": context_aware,
            "kubewarden/resources": required("io.artifacthub.resources")?,
            "kubewarden/rules": rules,
        },
    }))
}

/// The repository file Artifact Hub reads at the root of `artifacthub/`.
pub fn repository() -> Value {
    json!({
        "repositoryID": "3f8a7c1e-5b2d-4e9a-9c61-7d0e4b2a1f35",
        "owners": [{"name": "Palisade developers", "email": "maintainers@palisade.dev"}],
    })
}

/// `createdAt` of an existing package file if its version is `version`.
pub fn previous_created_at(existing: &str, version: &str) -> Option<String> {
    let value: Value = serde_norway::from_str(existing).ok()?;
    (value["version"] == version).then(|| value["createdAt"].as_str().map(str::to_owned))?
}

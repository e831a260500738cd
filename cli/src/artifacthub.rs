//! Artifact Hub package metadata (`artifacthub-pkg.yml`, Kubewarden kind),
//! generated from a policy's `metadata.yml` and README, never hand-copied.

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

pub const REPOSITORY: &str = "https://github.com/palisade-policies/palisade";

fn annotation<'m>(metadata: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    metadata.get("annotations")?.get(key)?.as_str()
}

/// What a release adds to a package: the pushed manifest digest, and where
/// users find the public key its cosign signature verifies with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Release {
    pub digest: Option<String>,
    pub signature_key_url: Option<String>,
}

impl Release {
    /// The release facts a committed package carries, so regenerating it
    /// keeps them.
    pub fn of_package(existing: &Value) -> Self {
        let key = existing["links"].as_array().and_then(|links| {
            links
                .iter()
                .find(|l| l["name"] == SIGNATURE_KEY_LINK)
                .and_then(|l| l["url"].as_str().map(str::to_owned))
        });
        Release {
            digest: existing["digest"].as_str().map(str::to_owned),
            signature_key_url: key,
        }
    }
}

/// The link naming the cosign public key.
pub const SIGNATURE_KEY_LINK: &str = "cosign public key";

/// Every field Artifact Hub documents for `artifacthub-pkg.yml`.
pub const DOCUMENTED_FIELDS: [&str; 28] = [
    "version",
    "name",
    "displayName",
    "createdAt",
    "description",
    "logoPath",
    "logoURL",
    "digest",
    "license",
    "homeURL",
    "appVersion",
    "containersImages",
    "containsSecurityUpdates",
    "operator",
    "deprecated",
    "prerelease",
    "keywords",
    "links",
    "readme",
    "install",
    "changes",
    "maintainers",
    "provider",
    "ignore",
    "recommendations",
    "screenshots",
    "annotations",
    "category",
];

/// The package for one policy. `created_at` is kept from the previous
/// package of the same version, so regenerating is stable.
pub fn package(
    name: &str,
    metadata: &Map<String, Value>,
    readme: &str,
    registry: &str,
    created_at: &str,
    release: &Release,
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
    let pinned = release
        .digest
        .as_ref()
        .map_or(String::new(), |d| format!("@{d}"));
    let image = format!("{registry}/{name}:v{version}{pinned}");
    let mut links = vec![
        json!({"name": "policy", "url": format!("registry://{image}")}),
        json!({"name": "source", "url": required("io.kubewarden.policy.source")?}),
    ];
    if let Some(url) = &release.signature_key_url {
        links.push(json!({"name": SIGNATURE_KEY_LINK, "url": url}));
    }
    let mut package = json!({
        "version": version,
        "name": name,
        "displayName": required("io.artifacthub.displayName")?,
        "createdAt": created_at,
        "description": required("io.kubewarden.policy.description")?,
        "license": required("io.kubewarden.policy.license")?,
        "homeURL": required("io.kubewarden.policy.source")?,
        "containersImages": [{"name": "policy", "image": image}],
        "keywords": keywords,
        "links": links,
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
    });
    if let (Some(digest), Some(object)) = (&release.digest, package.as_object_mut()) {
        object.insert("digest".into(), json!(digest));
    }
    Ok(package)
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
    if value.get("version").and_then(Value::as_str) != Some(version) {
        return None;
    }
    value.get("createdAt")?.as_str().map(str::to_owned)
}

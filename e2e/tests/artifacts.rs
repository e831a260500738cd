//! The artifacts `make` writes: annotated modules and OCI image layouts.

mod common;

use palisade_cli::{annotate, oci};
use serde_json::Value;

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn modules_carry_their_metadata_once_with_the_readme_as_usage() {
    for dir in common::policy_dirs() {
        let module = std::fs::read(common::module_path(&dir)).unwrap();
        let metadata = annotate::read_metadata(&module)
            .unwrap()
            .expect("metadata section");
        assert_eq!(metadata["protocolVersion"], "v1");
        assert_eq!(metadata["executionMode"], "kubewarden-wapc");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert_eq!(
            metadata["annotations"][annotate::USAGE_ANNOTATION],
            readme.as_str()
        );
        // Annotating again replaces the section instead of adding a second one.
        let again = annotate::annotate(
            &module,
            metadata.as_object().unwrap().clone(),
            "v1",
            "changed",
        )
        .unwrap();
        let reread = annotate::read_metadata(&again).unwrap().unwrap();
        assert_eq!(reread["annotations"][annotate::USAGE_ANNOTATION], "changed");
    }
}

#[test]
fn oci_layouts_hold_the_annotated_module_with_kubewarden_media_types() {
    for dir in common::policy_dirs() {
        let layout = common::artifacts().join(common::name(&dir)).join("oci");
        assert_eq!(
            read_json(&layout.join("oci-layout"))["imageLayoutVersion"],
            "1.0.0"
        );
        let index = read_json(&layout.join("index.json"));
        let entry = &index["manifests"][0];
        assert_eq!(
            entry["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        assert!(
            entry["annotations"][oci::REF_NAME]
                .as_str()
                .unwrap()
                .starts_with('v')
        );
        let blob = |digest: &Value| {
            let hex = digest
                .as_str()
                .unwrap()
                .strip_prefix("sha256:")
                .unwrap()
                .to_owned();
            let bytes = std::fs::read(layout.join("blobs/sha256").join(&hex)).unwrap();
            assert_eq!(
                oci::sha256(&bytes),
                hex,
                "blob content does not match its digest"
            );
            bytes
        };
        let manifest: Value = serde_json::from_slice(&blob(&entry["digest"])).unwrap();
        assert_eq!(manifest["schemaVersion"], 2);
        assert_eq!(manifest["config"]["mediaType"], oci::CONFIG_MEDIA_TYPE);
        assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
        assert_eq!(manifest["layers"][0]["mediaType"], oci::LAYER_MEDIA_TYPE);
        let layer = blob(&manifest["layers"][0]["digest"]);
        assert_eq!(layer, std::fs::read(common::module_path(&dir)).unwrap());
        assert_eq!(manifest["layers"][0]["size"], layer.len());
        assert_eq!(
            manifest["annotations"]["io.kubewarden.policy.title"],
            common::name(&dir)
        );
        assert!(
            manifest["annotations"]
                .get(annotate::USAGE_ANNOTATION)
                .is_none()
        );
        blob(&manifest["config"]["digest"]);
    }
}

#[test]
fn cluster_admission_policies_reference_the_artifact() {
    for dir in common::policy_dirs() {
        let name = common::name(&dir);
        let text =
            std::fs::read_to_string(common::artifacts().join(&name).join("policy.yaml")).unwrap();
        let policy: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(policy["kind"], "ClusterAdmissionPolicy");
        assert_eq!(policy["apiVersion"], "policies.kubewarden.io/v1");
        let module = policy["spec"]["module"].as_str().unwrap();
        assert!(
            module.starts_with("registry://") && module.contains(&format!("/{name}:v")),
            "{module}"
        );
        assert!(!policy["spec"]["rules"].as_array().unwrap().is_empty());
    }
}

#[test]
fn artifacthub_packages_are_generated_from_metadata_and_current() {
    use palisade_cli::artifacthub;
    let hub = common::workspace().join("artifacthub");
    let repo: Value =
        serde_norway::from_str(&std::fs::read_to_string(hub.join("artifacthub-repo.yml")).unwrap())
            .unwrap();
    assert!(repo["repositoryID"].is_string() && repo["owners"].is_array());
    for dir in common::published_dirs() {
        let name = common::name(&dir);
        let path = hub.join(&name).join("artifacthub-pkg.yml");
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run `make artifacthub`", path.display()));
        let metadata =
            annotate::load_metadata(&std::fs::read_to_string(dir.join("metadata.yml")).unwrap())
                .unwrap();
        let version = palisade_cli::package::version(&metadata).unwrap();
        let created_at =
            artifacthub::previous_created_at(&committed, &version).unwrap_or_else(|| {
                panic!("{name}: artifacthub package is for another version: run `make artifacthub`")
            });
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let found: Value = serde_norway::from_str(&committed).unwrap();
        // Release facts (digest, key) are set at release time and kept.
        let release = artifacthub::Release::of_package(&found);
        let expected = artifacthub::package(
            &name,
            &metadata,
            &readme,
            "ghcr.io/palisade-policies",
            &created_at,
            &release,
        )
        .unwrap();
        assert_eq!(
            found, expected,
            "{name}: artifacthub package is stale: run `make artifacthub`"
        );
        // The fields Artifact Hub requires of a package.
        for field in ["version", "name", "displayName", "createdAt", "description"] {
            assert!(
                found[field].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: {field}"
            );
        }
        assert!(
            humantime::parse_rfc3339(found["createdAt"].as_str().unwrap()).is_ok(),
            "{name}: createdAt is not RFC 3339"
        );
        assert_eq!(
            found["annotations"]["kubewarden/mutation"],
            metadata["mutating"].to_string()
        );
    }
}

/// Artifact Hub's documented package fields, checked on a release package:
/// pinned to the digest of the local build, with the signature key linked.
#[test]
fn artifacthub_release_packages_use_documented_fields_and_pin_the_built_digest() {
    use palisade_cli::artifacthub::{self, DOCUMENTED_FIELDS, Release, SIGNATURE_KEY_LINK};
    for dir in common::published_dirs() {
        let name = common::name(&dir);
        let metadata =
            annotate::load_metadata(&std::fs::read_to_string(dir.join("metadata.yml")).unwrap())
                .unwrap();
        let digest = std::fs::read_to_string(common::artifacts().join(&name).join("digest"))
            .unwrap()
            .trim()
            .to_owned();
        let release = Release {
            digest: Some(digest.clone()),
            signature_key_url: Some("https://palisade.example/cosign.pub".into()),
        };
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let package = artifacthub::package(
            &name,
            &metadata,
            &readme,
            "registry.example.com/palisade",
            "2026-11-25T10:00:00Z",
            &release,
        )
        .unwrap();
        let fields = package.as_object().unwrap();
        for key in fields.keys() {
            assert!(
                DOCUMENTED_FIELDS.contains(&key.as_str()),
                "{name}: {key} is not an Artifact Hub field"
            );
        }
        // Types and forms Artifact Hub requires.
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert_eq!(package["name"], name);
        let version = package["version"].as_str().unwrap();
        assert_eq!(
            version
                .split('.')
                .filter(|p| p.parse::<u64>().is_ok())
                .count(),
            3,
            "{version} is not semver"
        );
        assert_eq!(package["digest"], digest);
        let image = format!("registry.example.com/palisade/{name}:v{version}@{digest}");
        assert_eq!(
            package["containersImages"],
            serde_json::json!([{"name": "policy", "image": image}])
        );
        let links = package["links"].as_array().unwrap();
        assert!(
            links
                .iter()
                .all(|l| l["name"].is_string() && l["url"].is_string())
        );
        assert!(
            links
                .iter()
                .any(|l| l["url"] == format!("registry://{image}"))
        );
        assert!(links.iter().any(|l| l["name"] == SIGNATURE_KEY_LINK));
        assert!(
            package["keywords"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_string)
        );
        assert!(
            package["maintainers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["name"].is_string())
        );
        assert!(
            package["annotations"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
        assert_eq!(
            Release::of_package(&package),
            release,
            "release facts survive regeneration"
        );
    }
}

/// `PIN=1`: the ClusterAdmissionPolicy names the module by digest, and
/// packaging the same module again gives the same digest.
#[test]
fn pinned_policies_reference_the_manifest_digest() {
    let dir = common::workspace().join("policies/no-privilege");
    let built = common::artifacts().join("no-privilege");
    let out = std::env::temp_dir().join(format!("palisade-pin-{}", std::process::id()));
    // Re-annotating the annotated module replaces its metadata section.
    let packaged = palisade_cli::package::package(
        &dir,
        &built.join("policy.wasm"),
        &out,
        "registry.example.com/palisade",
        true,
        None,
    )
    .unwrap();
    let digest = std::fs::read_to_string(built.join("digest")).unwrap();
    assert_eq!(packaged.manifest_digest, digest.trim());
    let policy: Value =
        serde_norway::from_str(&std::fs::read_to_string(out.join("policy.yaml")).unwrap()).unwrap();
    assert_eq!(
        policy["spec"]["module"],
        format!(
            "registry://registry.example.com/palisade/no-privilege@{}",
            digest.trim()
        )
    );
    std::fs::remove_dir_all(&out).unwrap();
}

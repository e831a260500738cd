//! `palisade package`: from a built module to everything a user deploys:
//! the annotated module, its OCI image layout and a ClusterAdmissionPolicy.

use crate::annotate::{annotate, load_metadata};
use crate::host::Policy;
use crate::oci::{artifact, write_layout};
use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

pub struct Packaged {
    pub name: String,
    pub version: String,
    pub manifest_digest: String,
    pub module_path: PathBuf,
}

/// The policy's version, from its `io.kubewarden.policy.version` annotation.
pub fn version(metadata: &Map<String, Value>) -> Result<String> {
    metadata
        .get("annotations")
        .and_then(|a| a.get("io.kubewarden.policy.version"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .context("metadata.yml: annotation io.kubewarden.policy.version is missing")
}

/// `pin`: the ClusterAdmissionPolicy references the module by digest;
/// `settings`: what it runs with (a rule's defaults, `{}`, when absent).
pub fn package(
    policy_dir: &Path,
    module: &Path,
    out: &Path,
    registry: &str,
    pin: bool,
    settings: Option<Value>,
) -> Result<Packaged> {
    let name = policy_dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("policy directory has no name")?
        .to_owned();
    let metadata_text = std::fs::read_to_string(policy_dir.join("metadata.yml"))
        .with_context(|| format!("reading {}/metadata.yml", policy_dir.display()))?;
    let metadata = load_metadata(&metadata_text)?;
    let usage = std::fs::read_to_string(policy_dir.join("README.md"))
        .with_context(|| format!("reading {}/README.md", policy_dir.display()))?;
    let version = version(&metadata)?;
    let raw = std::fs::read(module).with_context(|| format!("reading {}", module.display()))?;
    let protocol = Policy::from_bytes(&raw)?.protocol_version()?;
    let annotated = annotate(&raw, metadata.clone(), &protocol, &usage)?;

    std::fs::create_dir_all(out)?;
    let module_path = out.join("policy.wasm");
    std::fs::write(&module_path, &annotated)?;
    let artifact = artifact(&annotated, &metadata)?;
    let tag = format!("v{version}");
    write_layout(&out.join("oci"), &artifact, &tag)?;
    let reference = match pin {
        true => format!("registry://{registry}/{name}@{}", artifact.manifest_digest),
        false => format!("registry://{registry}/{name}:{tag}"),
    };
    let mut manifest =
        cluster_admission_policy(&name, &metadata, &reference, &artifact.manifest_digest);
    if let (Some(settings), Some(spec)) = (
        settings,
        manifest.get_mut("spec").and_then(Value::as_object_mut),
    ) {
        spec.insert("settings".into(), settings);
    }
    std::fs::write(out.join("policy.yaml"), serde_norway::to_string(&manifest)?)?;
    // The manifest digest, for digest-pinned references.
    std::fs::write(
        out.join("digest"),
        format!("{}\n", artifact.manifest_digest),
    )?;
    Ok(Packaged {
        name,
        version,
        manifest_digest: artifact.manifest_digest,
        module_path,
    })
}

/// A ClusterAdmissionPolicy running the policy with its default settings.
pub fn cluster_admission_policy(
    name: &str,
    metadata: &Map<String, Value>,
    module: &str,
    digest: &str,
) -> Value {
    json!({
        "apiVersion": "policies.kubewarden.io/v1",
        "kind": "ClusterAdmissionPolicy",
        "metadata": {
            "name": format!("palisade-{name}"),
            "annotations": {"palisade.dev/manifest-digest": digest},
        },
        "spec": {
            "module": module,
            "mode": "protect",
            "settings": {},
            "rules": metadata.get("rules").cloned().unwrap_or(json!([])),
            "mutating": metadata.get("mutating").cloned().unwrap_or(json!(false)),
            "backgroundAudit": metadata.get("backgroundAudit").cloned().unwrap_or(json!(true)),
        },
    })
}

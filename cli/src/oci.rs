//! The OCI artifact of a policy, as `kwctl push` uploads it, written as an
//! OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`).

use anyhow::{Context, Result};
use oci_spec::image::{
    Descriptor, DescriptorBuilder, ImageIndexBuilder, ImageManifest, ImageManifestBuilder,
    MediaType, OciLayoutBuilder, Sha256Digest,
};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v1+json";
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The artifact of one policy: its manifest and the blobs it names.
pub struct Artifact {
    pub manifest: ImageManifest,
    pub manifest_bytes: Vec<u8>,
    pub manifest_digest: String,
    pub config: Vec<u8>,
    pub layer: Vec<u8>,
}

pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn descriptor(media_type: MediaType, bytes: &[u8]) -> Result<Descriptor> {
    let digest = Sha256Digest::from_str(&sha256(bytes))?;
    Ok(DescriptorBuilder::default()
        .media_type(media_type)
        .size(bytes.len() as u64)
        .digest(digest)
        .build()?)
}

/// Builds the manifest for an annotated module. The manifest annotations are
/// the metadata's `io.kubewarden.policy.*` annotations, less the README.
pub fn artifact(annotated_module: &[u8], metadata: &Map<String, Value>) -> Result<Artifact> {
    let layer_descriptor = descriptor(MediaType::Other(LAYER_MEDIA_TYPE.into()), annotated_module)?;
    let config = serde_json::to_vec(&json!({
        "architecture": "wasm",
        "os": "wasip1",
        "layerDigests": [layer_descriptor.digest().to_string()],
    }))?;
    let config_descriptor = descriptor(MediaType::Other(CONFIG_MEDIA_TYPE.into()), &config)?;
    let annotations: HashMap<String, String> = metadata
        .get("annotations")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            k.starts_with("io.kubewarden.policy.") && *k != crate::annotate::USAGE_ANNOTATION
        })
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .config(config_descriptor)
        .layers(vec![layer_descriptor])
        .annotations(annotations)
        .build()?;
    // The annotations in key order (oci-spec holds them in a HashMap, whose
    // order changes from run to run): the same module and metadata always
    // give the same manifest digest.
    let mut manifest_json = serde_json::to_value(&manifest)?;
    if let Some(Value::Object(annotations)) = manifest_json.get_mut("annotations") {
        annotations.sort_keys();
    }
    let manifest_bytes = serde_json::to_vec(&manifest_json)?;
    Ok(Artifact {
        manifest_digest: format!("sha256:{}", sha256(&manifest_bytes)),
        manifest,
        manifest_bytes,
        config,
        layer: annotated_module.to_vec(),
    })
}

/// Writes the artifact as an OCI image layout tagged `tag`.
pub fn write_layout(dir: &Path, artifact: &Artifact, tag: &str) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs)?;
    for blob in [&artifact.manifest_bytes, &artifact.config, &artifact.layer] {
        std::fs::write(blobs.join(sha256(blob)), blob)?;
    }
    let mut manifest_descriptor = descriptor(MediaType::ImageManifest, &artifact.manifest_bytes)?;
    manifest_descriptor
        .set_annotations(Some(HashMap::from([(REF_NAME.to_owned(), tag.to_owned())])));
    let index = ImageIndexBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageIndex)
        .manifests(vec![manifest_descriptor])
        .build()?;
    std::fs::write(dir.join("index.json"), serde_json::to_vec_pretty(&index)?)?;
    let layout = OciLayoutBuilder::default()
        .image_layout_version("1.0.0")
        .build()?;
    std::fs::write(dir.join("oci-layout"), serde_json::to_vec(&layout)?)?;
    Ok(())
}

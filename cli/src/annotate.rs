//! What `kwctl annotate -m metadata.yml -u README.md` does: the policy
//! metadata, as JSON, in the module's `io.kubewarden.metadata` custom section.

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Map, Value, json};
use std::borrow::Cow;
use wasm_encoder::{CustomSection, Module, RawSection};
use wasmparser::{Parser, Payload};

pub const METADATA_SECTION: &str = "io.kubewarden.metadata";
pub const USAGE_ANNOTATION: &str = "io.kubewarden.policy.usage";

/// Reads `metadata.yml`, fills the defaults kwctl fills and checks the keys
/// policy-server relies on.
pub fn load_metadata(yaml: &str) -> Result<Map<String, Value>> {
    let value: Value = serde_norway::from_str(yaml).context("parsing metadata.yml")?;
    let Value::Object(mut metadata) = value else {
        bail!("metadata.yml must be a mapping");
    };
    let rules = metadata.get("rules").and_then(Value::as_array);
    ensure!(
        rules.is_some_and(|r| !r.is_empty()),
        "metadata.yml: `rules` must list at least one rule"
    );
    ensure!(
        metadata.get("mutating").is_some_and(Value::is_boolean),
        "metadata.yml: `mutating` must be true or false"
    );
    for (key, default) in [
        ("contextAwareResources", json!([])),
        ("executionMode", json!("kubewarden-wapc")),
        ("backgroundAudit", json!(true)),
        ("policyType", json!("kubernetes")),
    ] {
        metadata.entry(key).or_insert(default);
    }
    Ok(metadata)
}

/// Returns the module with the metadata section set (replacing any earlier
/// one, so annotating twice leaves one section).
pub fn annotate(
    module: &[u8],
    mut metadata: Map<String, Value>,
    protocol_version: &str,
    usage: &str,
) -> Result<Vec<u8>> {
    metadata.insert("protocolVersion".into(), json!(protocol_version));
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .context("metadata.yml: `annotations` must be a mapping")?;
    annotations.insert(USAGE_ANNOTATION.into(), json!(usage));
    let section = serde_json::to_vec(&Value::Object(metadata))?;

    let mut out = Module::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.context("reading the wasm module")?;
        if let Payload::CustomSection(reader) = &payload
            && reader.name() == METADATA_SECTION
        {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            let data = module.get(range).context("section out of bounds")?;
            out.section(&RawSection { id, data });
        }
    }
    out.section(&CustomSection {
        name: Cow::Borrowed(METADATA_SECTION),
        data: Cow::Borrowed(&section),
    });
    Ok(out.finish())
}

/// The metadata a module carries, as `kwctl inspect` reads it.
pub fn read_metadata(module: &[u8]) -> Result<Option<Value>> {
    let mut found = None;
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CustomSection(reader) = payload.context("reading the wasm module")?
            && reader.name() == METADATA_SECTION
        {
            ensure!(found.is_none(), "two {METADATA_SECTION} sections");
            found = Some(
                serde_json::from_slice(reader.data()).context("metadata section is not JSON")?,
            );
        }
    }
    Ok(found)
}

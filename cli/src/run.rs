//! `kwctl run` semantics: request and settings files in, an AdmissionResponse out.

use crate::host::{Policy, ValidationResponse};
use crate::manifest::from_yaml;
use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Map, Value, json};
use std::path::Path;

/// Reads a bare AdmissionRequest or a whole AdmissionReview (JSON or YAML)
/// and returns the AdmissionRequest.
pub fn load_request(path: &Path) -> Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let value: Value = if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
        from_yaml(&text).with_context(|| format!("parsing {}", path.display()))?
    } else {
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
    };
    Ok(match value {
        Value::Object(mut review) if review.get("kind") == Some(&json!("AdmissionReview")) => {
            review
                .remove("request")
                .context("the AdmissionReview has no request")?
        }
        other => other,
    })
}

/// Settings from `--settings-json` or `--settings-path` (YAML or JSON); `{}` when neither.
pub fn load_settings(json_text: Option<&str>, path: Option<&Path>) -> Result<Value> {
    let settings = match (json_text, path) {
        (Some(_), Some(_)) => bail!("use --settings-json or --settings-path, not both"),
        (Some(text), None) => serde_json::from_str(text).context("parsing --settings-json")?,
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            // YAML is a superset of JSON; an empty file means no settings.
            from_yaml::<Option<Value>>(&text)
                .with_context(|| format!("parsing {}", path.display()))?
                .unwrap_or_else(|| json!({}))
        }
        (None, None) => json!({}),
    };
    Ok(settings)
}

/// The RFC 6902 patch from the request object to the mutated object.
pub fn patch(original: &Value, mutated: &Value) -> Value {
    serde_json::to_value(json_patch::diff(original, mutated)).unwrap_or(Value::Null)
}

/// The AdmissionResponse kwctl prints for a ValidationResponse.
pub fn admission_response(request: &Value, response: &ValidationResponse) -> Value {
    let mut out = Map::new();
    out.insert(
        "uid".into(),
        request.get("uid").cloned().unwrap_or(json!("")),
    );
    out.insert("allowed".into(), json!(response.accepted));
    if let Some(mutated) = &response.mutated_object {
        let original = request.get("object").unwrap_or(&Value::Null);
        let patch = serde_json::to_vec(&patch(original, mutated)).unwrap_or_default();
        out.insert("patchType".into(), json!("JSONPatch"));
        out.insert(
            "patch".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(patch)),
        );
    }
    if response.message.is_some() || response.code.is_some() {
        let mut status = Map::new();
        if let Some(message) = &response.message {
            status.insert("message".into(), json!(message));
        }
        if let Some(code) = response.code {
            status.insert("code".into(), json!(code));
        }
        out.insert("status".into(), Value::Object(status));
    }
    if let Some(annotations) = &response.audit_annotations {
        out.insert("auditAnnotations".into(), json!(annotations));
    }
    if let Some(warnings) = &response.warnings {
        out.insert("warnings".into(), json!(warnings));
    }
    Value::Object(out)
}

/// What `run` does: validate the settings first, then the request.
pub fn run(
    module: &Path,
    request: &Value,
    settings: &Value,
) -> Result<(ValidationResponse, Value)> {
    let policy = Policy::load(module)?;
    let verdict = policy.validate_settings(settings)?;
    if !verdict.valid {
        bail!(
            "Provided settings are not valid: {}",
            verdict.message.unwrap_or_default()
        );
    }
    let response = policy.validate(request, settings)?;
    let admission = admission_response(request, &response);
    Ok((response, admission))
}

//! Loading a policy module in wasmtime through the waPC host crates, the
//! engine stack Kubewarden's policy-server uses, and calling it as kwctl does.

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
use wapc::WapcHost;
use wasmtime_provider::WasmtimeEngineProviderBuilder;

/// A compiled, instantiated policy module. One instance serves many calls.
pub struct Policy {
    host: WapcHost,
}

/// What a module answers to `validate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationResponse {
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutated_object: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_annotations: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<String>>,
}

/// What a module answers to `validate_settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsValidation {
    pub valid: bool,
    #[serde(default)]
    pub message: Option<String>,
}

impl Policy {
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        Self::from_bytes(&bytes).with_context(|| format!("loading {}", path.display()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let engine = WasmtimeEngineProviderBuilder::new()
            .module_bytes(bytes)
            .build()
            .map_err(|e| anyhow!("cannot compile the module: {e}"))?;
        // Our rules make no host calls; answer any with an error, as a host
        // without that capability would.
        let host = WapcHost::new(
            Box::new(engine),
            Some(Box::new(|_, binding, namespace, operation, _| {
                Err(
                    format!("host capability {binding}/{namespace}/{operation} is not available")
                        .into(),
                )
            })),
        )
        .map_err(|e| anyhow!("cannot instantiate the module: {e}"))?;
        Ok(Self { host })
    }

    /// Calls a waPC function with raw bytes; a trap or guest error is an `Err`.
    pub fn call(&self, function: &str, payload: &[u8]) -> Result<Vec<u8>> {
        self.host
            .call(function, payload)
            .map_err(|e| anyhow!("{function} failed: {e}"))
    }

    pub fn protocol_version(&self) -> Result<String> {
        let out = self.call("protocol_version", b"")?;
        serde_json::from_slice(&out).context("protocol_version answered no JSON string")
    }

    pub fn validate_settings(&self, settings: &Value) -> Result<SettingsValidation> {
        let out = self.call("validate_settings", &serde_json::to_vec(settings)?)?;
        serde_json::from_slice(&out)
            .context("validate_settings answered no SettingsValidationResponse")
    }

    /// `validate` on an AdmissionRequest with settings.
    pub fn validate(&self, request: &Value, settings: &Value) -> Result<ValidationResponse> {
        let payload =
            serde_json::to_vec(&serde_json::json!({"request": request, "settings": settings}))?;
        self.validate_raw(&payload)
    }

    /// `validate` on a payload as given, for hostile-input tests and benches.
    pub fn validate_raw(&self, payload: &[u8]) -> Result<ValidationResponse> {
        let out = self.call("validate", payload)?;
        serde_json::from_slice(&out).context("validate answered no ValidationResponse")
    }
}

//! Helpers for rules' unit tests (feature `testing`, a dev-dependency only):
//! wrap an object in a ValidationRequest, run a rule on it through the same
//! engine the module exports, and read the answer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use crate::Module;
use serde_json::{Value, json};

/// An AdmissionRequest in namespace `default`; the kind is the object's own
/// (`Pod` when it has none).
pub fn request(operation: &str, object: Value, old_object: Value) -> Value {
    let kind = object["kind"].as_str().unwrap_or("Pod").to_owned();
    json!({
        "uid": "0f6a6a4e-unit-test",
        "kind": {"group": "", "version": "v1", "kind": kind},
        "operation": operation,
        "namespace": "default",
        "object": object,
        "oldObject": old_object,
    })
}

/// Runs `R` on a whole AdmissionRequest; answers the ValidationResponse.
pub fn run_request<R: Module>(settings: Value, request: Value) -> Value {
    let payload = json!({"request": request, "settings": settings});
    let out = R::validate(payload.to_string().as_bytes());
    serde_json::from_slice(&out).expect("the engine always answers JSON")
}

/// Runs `R` on a CREATE of `object`.
pub fn run<R: Module>(settings: Value, object: Value) -> Value {
    run_request::<R>(settings, request("CREATE", object, Value::Null))
}

/// Runs `R` on an UPDATE from `old_object` to `object`.
pub fn run_update<R: Module>(settings: Value, object: Value, old_object: Value) -> Value {
    run_request::<R>(settings, request("UPDATE", object, old_object))
}

/// The refusal `validate_settings` gives, or `None` when it accepts.
pub fn settings_error<R: Module>(settings: Value) -> Option<String> {
    let out = R::validate_settings(settings.to_string().as_bytes());
    let out: Value = serde_json::from_slice(&out).expect("settings answer is JSON");
    match out["valid"].as_bool() {
        Some(true) => None,
        _ => Some(out["message"].as_str().unwrap_or_default().to_owned()),
    }
}

/// The refusal `validate_settings` gives; panics (failing the test) when it
/// accepts the settings.
pub fn refusal<R: Module>(settings: Value) -> String {
    let shown = settings.to_string();
    settings_error::<R>(settings).unwrap_or_else(|| panic!("accepted: {shown}"))
}

/// The rejection message; panics (failing the test) when accepted.
pub fn message(response: &Value) -> &str {
    assert_eq!(response["accepted"], false, "accepted: {response}");
    response["message"].as_str().unwrap_or_default()
}

/// The field paths of the violations `R` reported, sorted (read back from
/// the rejection message; empty when the request was accepted).
pub fn violation_paths<R: Module>(response: &Value) -> Vec<String> {
    let message = response["message"].as_str().unwrap_or_default();
    let mut paths: Vec<String> = crate::report::rejection_paths(R::NAME, message)
        .into_iter()
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths
}

/// The mutated object; panics (failing the test) when there is none.
pub fn mutated(response: &Value) -> &Value {
    assert_eq!(response["accepted"], true, "rejected: {response}");
    let object = &response["mutated_object"];
    assert!(!object.is_null(), "no mutation: {response}");
    object
}

/// A Pod with one container of each kind (`app`, `init`, `debug`), all
/// three with the security context `sc`.
pub fn pod_with_each_container_kind(sc: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "containers": [{"name": "app", "image": "nginx", "securityContext": sc.clone()}],
            "initContainers": [{"name": "init", "image": "busybox", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "busybox", "securityContext": sc}]}})
}

/// The three container paths of [`pod_with_each_container_kind`].
pub const EACH_CONTAINER_KIND: [&str; 3] = [
    "spec.containers[0]",
    "spec.initContainers[0]",
    "spec.ephemeralContainers[0]",
];

/// `{container}.{field}` for each of [`EACH_CONTAINER_KIND`], sorted as
/// [`violation_paths`] answers them.
pub fn each_container_kind_paths(field: &str) -> Vec<String> {
    let mut paths: Vec<String> = EACH_CONTAINER_KIND
        .iter()
        .map(|c| format!("{c}.{field}"))
        .collect();
    paths.sort();
    paths
}

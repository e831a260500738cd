//! Hostile input at the module boundary: every payload gets a response, never a trap.

mod common;

use palisade_cli::host::{Policy, ValidationResponse};
use serde_json::{Value, json};

fn pod(extra_metadata: Value, container_extra: Value) -> Value {
    let mut container = json!({"name": "app", "image": "nginx:1.14.2"});
    container
        .as_object_mut()
        .unwrap()
        .extend(container_extra.as_object().unwrap().clone());
    json!({
        "uid": "hostile", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "operation": "CREATE", "namespace": "default",
        "object": {"apiVersion": "v1", "kind": "Pod", "metadata": extra_metadata,
                   "spec": {"containers": [container]}}
    })
}

/// A module, settings it accepts and works with, and the kind it judges.
struct Module {
    name: String,
    policy: Policy,
    settings: Value,
    /// `Pod` for every rule that judges pods; else the first kind it judges.
    kind: String,
}

/// Every module: each rule with working settings, and the bundle running
/// the strictest profile (every member parses at once).
fn modules() -> Vec<Module> {
    let mut modules: Vec<Module> = common::policy_dirs()
        .iter()
        .map(|dir| {
            let name = common::name(dir);
            let kinds = common::judged_kinds(dir);
            let kind = if kinds.iter().any(|k| k == "Pod") {
                "Pod".to_owned()
            } else {
                kinds[0].clone()
            };
            let policy = Policy::load(&common::module_path(dir)).unwrap();
            // Defaults where the rule has them; the verdict table's settings
            // for the rules that need some (allowed-images, required-labels).
            let defaults_valid = policy.validate_settings(&json!({})).unwrap().valid;
            let settings = if defaults_valid {
                json!({})
            } else {
                common::working_settings(&name)
            };
            Module {
                policy,
                settings,
                name,
                kind,
            }
        })
        .collect();
    let profile = std::fs::read_to_string(common::workspace().join("profiles/pss-restricted.yml"));
    let settings: Value = serde_norway::from_str(&profile.unwrap()).unwrap();
    let bundle = Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    modules.push(Module {
        name: "bundle".into(),
        policy: bundle,
        settings,
        kind: "Pod".into(),
    });
    modules
}

fn validate(policy: &Policy, payload: &[u8]) -> ValidationResponse {
    policy
        .validate_raw(payload)
        .unwrap_or_else(|e| panic!("trap or bad answer: {e:#}"))
}

fn bad_request(policy: &Policy, name: &str, what: &str, payload: &[u8]) {
    let response = validate(policy, payload);
    assert!(!response.accepted, "{name}: {what} was accepted");
    assert_eq!(
        response.code,
        Some(400),
        "{name}: {what}: {:?}",
        response.message
    );
    assert!(
        response.message.is_some_and(|m| !m.is_empty()),
        "{name}: {what}: no message"
    );
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn malformed_payloads_are_rejected_with_400() {
    for Module {
        name,
        policy,
        settings,
        kind,
    } in modules()
    {
        bad_request(&policy, &name, "an empty payload", b"");
        bad_request(&policy, &name, "invalid JSON", b"{\"request\": ");
        bad_request(&policy, &name, "bytes that are not UTF-8", b"\xff\xfe\x00");
        bad_request(
            &policy,
            &name,
            "a request of the wrong shape",
            br#"{"request": 5}"#,
        );
        bad_request(&policy, &name, "a JSON array", b"[1, 2, 3]");
        bad_request(
            &policy,
            &name,
            "a 10,000-deep payload",
            nested(10_000).as_bytes(),
        );
        // Fields every module reads, of the wrong type: a pod rule's
        // containers, an object rule's metadata.
        let object = json!({"kind": kind, "metadata": {"name": 5}, "spec": {"containers": "nope"}});
        let wrong_types = json!({"request": {"kind": {"kind": kind}, "operation": "CREATE",
            "object": object}, "settings": settings});
        bad_request(
            &policy,
            &name,
            "an object of the wrong types",
            wrong_types.to_string().as_bytes(),
        );
        // Deep nesting in fields every module reads.
        let deep = nested(10_000);
        let deep_field = format!(
            r#"{{"kind": "{kind}", "metadata": {{"labels": {deep}}}, "spec": {{"containers": {deep}}}}}"#
        );
        let deep_spec = format!(
            r#"{{"request": {{"kind": {{"kind": "{kind}"}}, "operation": "CREATE", "object": {deep_field}}}, "settings": {settings}}}"#
        );
        bad_request(
            &policy,
            &name,
            "10,000-deep nesting in a field it reads",
            deep_spec.as_bytes(),
        );
        let no_object = json!({"request": {"kind": {"kind": "Pod"}, "operation": "CREATE"}, "settings": settings});
        bad_request(
            &policy,
            &name,
            "a CREATE without object",
            no_object.to_string().as_bytes(),
        );
        let bad_settings = json!({"request": pod(json!({}), json!({})), "settings": [1]});
        bad_request(
            &policy,
            &name,
            "settings that are a list",
            bad_settings.to_string().as_bytes(),
        );
        // A security annotation that is not a string, for the modules
        // that read it in the same pass as the spec.
        let annotation = json!({"request": pod(json!({"annotations":
            {"container.apparmor.security.beta.kubernetes.io/app": {"nested": true}}}), json!({})),
            "settings": settings});
        bad_request(
            &policy,
            &name,
            "an AppArmor annotation that is not a string",
            annotation.to_string().as_bytes(),
        );
        for settings in [&b""[..], b"[", b"\"x\"", nested(10_000).as_bytes()] {
            let verdict: Value =
                serde_json::from_slice(&policy.call("validate_settings", settings).unwrap())
                    .unwrap();
            assert_eq!(
                verdict["valid"],
                false,
                "{name}: settings {:?}",
                String::from_utf8_lossy(settings)
            );
        }
    }
}

#[test]
fn unknown_kinds_without_a_pod_are_accepted_unchanged() {
    for Module {
        name,
        policy,
        settings,
        ..
    } in modules()
    {
        let payload = json!({"request": {"kind": {"group": "example.com", "version": "v1", "kind": "Widget"},
            "operation": "CREATE", "object": {"kind": "Widget", "spec": {"size": 3, "privileged": true}}}, "settings": settings});
        let response = validate(&policy, payload.to_string().as_bytes());
        assert!(
            response.accepted && response.mutated_object.is_none(),
            "{name}: {response:?}"
        );
    }
}

#[test]
fn size_and_depth_of_unread_fields_do_not_change_the_verdict() {
    let padding = "x".repeat(10 * 1024 * 1024);
    for Module {
        name,
        policy,
        settings,
        ..
    } in modules()
    {
        let plain = json!({"request": pod(json!({"name": "p"}), json!({})), "settings": settings});
        let expected = validate(&policy, plain.to_string().as_bytes());
        // Padding in a label and in kubectl's last-applied annotation,
        // which modules reading annotations skip in their one pass.
        let huge = json!({"request": pod(json!({"name": "p", "labels": {"pad": padding},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": padding}}), json!({})),
            "settings": settings});
        let payload = huge.to_string();
        assert!(payload.len() > 20 * 1024 * 1024);
        let response = validate(&policy, payload.as_bytes());
        assert_eq!(
            response.accepted, expected.accepted,
            "{name}: a 20 MB object changed the verdict"
        );
        assert_eq!(response.code, expected.code, "{name}");
        let deep_env = format!(
            r#"{{"request": {{"kind": {{"kind": "Pod"}}, "operation": "CREATE", "namespace": "default", "object": {{"kind": "Pod", "metadata": {{"name": "p"}}, "spec": {{"containers": [{{"name": "app", "image": "nginx:1.14.2", "env": {}}}]}}}}}}, "settings": {settings}}}"#,
            nested(10_000)
        );
        let response = validate(&policy, deep_env.as_bytes());
        assert_eq!(
            response.accepted, expected.accepted,
            "{name}: 10,000-deep unread field changed the verdict"
        );
    }
}

//! From a ValidationRequest payload to a ValidationResponse: the path every
//! rule shares. Nothing here panics on input; every failure is a response.

use crate::Rule;
use crate::pod::{Pod, Workload, changes_what_runs};
use crate::report::{Report, Violation, apply_fixes};
use crate::settings::{RuleSettings, Settings, SettingsError, parse_settings};
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::rc::Rc;

/// The parts of a ValidationRequest the engine reads, in one pass: the
/// objects are parsed straight into their pod shapes, everything else is
/// skipped unbuilt.
#[derive(Deserialize)]
struct ValidationRequest<'a> {
    #[serde(borrow)]
    request: AdmissionRequest<'a>,
    #[serde(borrow, default)]
    settings: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AdmissionRequest<'a> {
    kind: Option<GroupVersionKind>,
    #[serde(default)]
    operation: String,
    namespace: Option<String>,
    #[serde(borrow)]
    object: Option<Workload<'a>>,
    #[serde(borrow)]
    old_object: Option<Workload<'a>>,
}

/// The object alone, as JSON to edit: read only on the mutation path.
#[derive(Deserialize)]
struct ObjectOnly {
    request: ObjectOnlyRequest,
}

#[derive(Deserialize)]
struct ObjectOnlyRequest {
    object: serde_json::Value,
}

#[derive(Deserialize)]
struct GroupVersionKind {
    #[serde(default)]
    kind: String,
}

/// waPC `validate`: a ValidationRequest in, a ValidationResponse out.
pub fn validate<R: Rule>(payload: &[u8]) -> Vec<u8> {
    to_json(&validate_response::<R>(payload))
}

/// waPC `validate_settings`: settings JSON in, `{valid, message}` out.
pub fn validate_settings<R: Rule>(payload: &[u8]) -> Vec<u8> {
    let response = match std::str::from_utf8(payload)
        .map_err(|e| SettingsError::new("", e.to_string()))
        .and_then(parse_settings::<R::Settings>)
    {
        Ok(_) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(e) => SettingsValidationResponse {
            valid: false,
            message: Some(format!("{}: {e}", R::NAME)),
        },
    };
    serde_json::to_vec(&response).unwrap_or_else(|_| br#"{"valid":false}"#.to_vec())
}

/// The whole evaluation, as a response value.
pub fn validate_response<R: Rule>(payload: &[u8]) -> ValidationResponse {
    // Every parse reads bytes (one reader type compiled in); strings are
    // checked for UTF-8 as they are read, skipped ones need not be.
    let request: ValidationRequest = match serde_json::from_slice(payload) {
        Ok(request) => request,
        Err(e) => return bad_request(format!("{}: cannot read the request: {e}", R::NAME)),
    };
    let raw_settings = request.settings.map_or("{}", RawValue::get);
    let settings = match cached_settings::<R::Settings>(raw_settings) {
        Ok(settings) => settings,
        Err(e) => return bad_request(format!("{}: {e}", R::NAME)),
    };
    evaluate::<R>(request.request, &settings, payload)
}

fn evaluate<R: Rule>(
    request: AdmissionRequest,
    settings: &Settings<R::Settings>,
    payload: &[u8],
) -> ValidationResponse {
    if let Some(namespace) = &request.namespace
        && settings.exemptions.namespace(namespace)
    {
        return accept(Vec::new());
    }
    let Some(object) = request.object else {
        // DELETE and CONNECT carry no object; nothing can be checked.
        return match request.operation.as_str() {
            "DELETE" | "CONNECT" => accept(Vec::new()),
            _ => bad_request(format!("{}: the request has no object", R::NAME)),
        };
    };
    // The request's kind is the API server's word; bare test requests may
    // carry the kind only in the object.
    let kind = match request.kind {
        Some(gvk) if !gvk.kind.is_empty() => gvk.kind,
        _ => object.kind.clone().unwrap_or_default(),
    };
    // Pod Security Admission judges a Pod UPDATE in full when it can change
    // what runs (an image, the set of containers, a seccomp or AppArmor
    // annotation); any other update keeps what the old object already did.
    let update = request.operation == "UPDATE";
    let judged_in_full = update
        && kind == "Pod"
        && request
            .old_object
            .as_ref()
            .is_none_or(|old| changes_what_runs(&object, old));
    let report = match check::<R>(&kind, object, settings) {
        Ok(Some(report)) => report,
        Ok(None) => return accept(Vec::new()),
        Err(e) => return bad_request(format!("{}: {e}", R::NAME)),
    };
    if report.is_clean() {
        return accept(Vec::new());
    }
    let old_report = match (update, request.old_object) {
        (true, Some(old)) => check::<R>(&kind, old, settings).ok().flatten(),
        _ => None,
    };
    let (old_violations, old_fixes) = old_report.as_ref().map_or((&[][..], &[][..]), |old| {
        (&old.violations[..], &old.fixes[..])
    });
    let preexisting = if kind == "Pod" {
        "preexisting, not blocking this update (it changes no image, container or seccomp/AppArmor annotation)".to_owned()
    } else {
        format!(
            "preexisting in this {kind}, not blocking this update, but the pods it creates will be refused"
        )
    };
    let mut warnings = Vec::new();
    let mut violations = Vec::new();
    for violation in report.violations {
        if !judged_in_full && old_violations.contains(&violation) {
            warnings.push(format!("{}: {preexisting}: {violation}", R::NAME));
        } else {
            violations.push(violation);
        }
    }
    let mut fixes = Vec::new();
    for fix in report.fixes {
        if !old_fixes.contains(&fix) {
            fixes.push(fix);
        } else if judged_in_full {
            // The field is immutable on a running Pod: as PSP on UPDATE,
            // only a pod that needs no mutation passes.
            violations.push(Violation {
                path: fix.path,
                message: format!("{} (an update cannot set it; recreate the pod)", fix.reason),
            });
        } else {
            warnings.push(format!(
                "{}: preexisting, left unchanged on update: {}",
                R::NAME,
                fix.reason
            ));
        }
    }
    if !violations.is_empty() {
        return reject::<R>(&violations, warnings);
    }
    if fixes.is_empty() {
        return accept(warnings);
    }
    let mut mutated = match serde_json::from_slice::<ObjectOnly>(payload) {
        Ok(only) => only.request.object,
        Err(e) => return bad_request(format!("{}: cannot read the object: {e}", R::NAME)),
    };
    if let Err(e) = apply_fixes(&mut mutated, &fixes) {
        return bad_request(format!("{}: {e}", R::NAME));
    }
    warnings.extend(
        fixes
            .iter()
            .map(|fix| format!("{}: mutated: {fix}", R::NAME)),
    );
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: Some(mutated),
        audit_annotations: None,
        warnings: Some(warnings),
    }
}

/// Runs the rule on one object; `Ok(None)` when it holds no pod.
fn check<R: Rule>(
    kind: &str,
    object: Workload,
    settings: &Settings<R::Settings>,
) -> Result<Option<Report>, String> {
    let Some(pod) = Pod::locate(kind, object, &settings.exemptions, R::READS_ANNOTATIONS)? else {
        return Ok(None);
    };
    if settings.exemptions.windows_pods && pod.is_windows() {
        return Ok(None);
    }
    let mut report = Report::new(!settings.rule.validate_only());
    R::check(&settings.rule, &pod, &mut report);
    Ok(Some(report))
}

/// A denial names each violation once, in its message; warnings carry only
/// what does not deny (kubectl prints both, so repeating would show each
/// violation twice).
fn reject<R: Rule>(violations: &[Violation], warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(crate::report::rejection_message(R::NAME, violations)),
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

fn accept(warnings: Vec<String>) -> ValidationResponse {
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: None,
        audit_annotations: None,
        warnings: (!warnings.is_empty()).then_some(warnings),
    }
}

/// Malformed input: a rejection with code 400, never a trap.
fn bad_request(message: String) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code: Some(400),
        mutated_object: None,
        audit_annotations: None,
        warnings: None,
    }
}

fn to_json(response: &ValidationResponse) -> Vec<u8> {
    serde_json::to_vec(response).unwrap_or_else(|_| {
        br#"{"accepted":false,"code":500,"message":"cannot encode the response"}"#.to_vec()
    })
}

type CacheEntry = (TypeId, Box<str>, Rc<dyn Any>);

thread_local! {
    /// The last settings parsed per rule type: the host sends the same
    /// settings with every request, so they are parsed once, not per request.
    static SETTINGS_CACHE: RefCell<Vec<CacheEntry>> = const { RefCell::new(Vec::new()) };
}

fn cached_settings<S: RuleSettings + 'static>(raw: &str) -> Result<Rc<Settings<S>>, SettingsError> {
    let type_id = TypeId::of::<S>();
    let hit = SETTINGS_CACHE.with_borrow(|cache| {
        cache
            .iter()
            .find(|(id, text, _)| *id == type_id && **text == *raw)
            .and_then(|(_, _, parsed)| Rc::clone(parsed).downcast::<Settings<S>>().ok())
    });
    if let Some(settings) = hit {
        return Ok(settings);
    }
    let parsed = Rc::new(parse_settings::<S>(raw)?);
    SETTINGS_CACHE.with_borrow_mut(|cache| {
        cache.retain(|(id, _, _)| *id != type_id);
        cache.push((type_id, raw.into(), Rc::clone(&parsed) as Rc<dyn Any>));
    });
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Change, Pod, Report, RuleSettings};
    use serde::Deserialize;
    use serde_json::{Value, json};

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct NoRootSettings {
        #[serde(default)]
        validate_only: bool,
    }

    impl RuleSettings for NoRootSettings {
        fn validate_only(&self) -> bool {
            self.validate_only
        }
    }

    /// A test rule: user 0 is a violation; no runAsNonRoot is fixed.
    struct NoRoot;

    impl Rule for NoRoot {
        const NAME: &'static str = "no-root";
        type Settings = NoRootSettings;

        fn check(_: &NoRootSettings, pod: &Pod, report: &mut Report) {
            for c in pod.containers() {
                if let Some((0, level)) = c.run_as_user() {
                    report.violation(c.security_context_path(level, "runAsUser"), "root");
                }
                if c.run_as_non_root().is_none() {
                    let path = c.field_path(&["securityContext", "runAsNonRoot"]);
                    report.fix(path, Change::Set(json!(true)), "runAsNonRoot unset");
                }
            }
        }
    }

    fn pod(containers: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"a": "1"}},
               "spec": {"containers": containers, "x-unknown": {"kept": [1, 2]}}})
    }

    fn run(operation: &str, object: Value, old: Value, settings: Value) -> Value {
        let payload = json!({"request": {"kind": {"kind": "Pod"}, "operation": operation,
            "namespace": "default", "object": object, "oldObject": old}, "settings": settings});
        serde_json::from_slice(&validate::<NoRoot>(payload.to_string().as_bytes())).unwrap()
    }

    #[test]
    fn mutation_edits_only_the_fixed_field() {
        let object = pod(json!([{"name": "a", "image": "x", "futureField": {"z": 1}}]));
        let out = run("CREATE", object.clone(), Value::Null, json!({}));
        assert_eq!(out["accepted"], true);
        let mut expected = object;
        expected["spec"]["containers"][0]["securityContext"] = json!({"runAsNonRoot": true});
        assert_eq!(out["mutated_object"], expected);
    }

    #[test]
    fn validate_only_rejects_instead_of_mutating() {
        let out = run(
            "CREATE",
            pod(json!([{"name": "a"}])),
            Value::Null,
            json!({"validate_only": true}),
        );
        assert_eq!(out["accepted"], false);
        assert!(
            out["message"]
                .as_str()
                .unwrap()
                .contains("spec.containers[0].securityContext.runAsNonRoot")
        );
    }

    fn root_pod(images: &[&str]) -> Value {
        let containers: Vec<Value> = images
            .iter()
            .enumerate()
            .map(|(i, image)| {
                json!({"name": format!("c{i}"), "image": image,
                "securityContext": {"runAsUser": 0, "runAsNonRoot": false}})
            })
            .collect();
        pod(json!(containers))
    }

    fn paths(out: &Value) -> Vec<&str> {
        crate::report::rejection_paths("no-root", out["message"].as_str().unwrap_or_default())
    }

    #[test]
    fn update_that_changes_nothing_that_runs_keeps_preexisting_violations_as_warnings() {
        let old = root_pod(&["nginx:1.27"]);
        let mut relabelled = old.clone();
        relabelled["metadata"]["labels"]["b"] = json!("2");
        relabelled["metadata"]["annotations"] = json!({"note": "x"});
        relabelled["spec"]["activeDeadlineSeconds"] = json!(60);
        let out = run("UPDATE", relabelled, old.clone(), json!({}));
        assert_eq!(out["accepted"], true, "{out}");
        let warning = out["warnings"][0].as_str().unwrap();
        assert!(
            warning.starts_with("no-root: preexisting, not blocking"),
            "{warning}"
        );
        assert!(
            warning.contains("spec.containers[0].securityContext.runAsUser"),
            "{warning}"
        );
        assert!(out["mutated_object"].is_null());
        // On CREATE the same object is rejected.
        assert_eq!(
            run("CREATE", old, Value::Null, json!({}))["accepted"],
            false
        );
    }

    #[test]
    fn pod_update_that_changes_what_runs_is_judged_in_full() {
        let old = root_pod(&["nginx:1.27"]);
        let all_paths = |out: &Value| {
            assert_eq!(out["accepted"], false, "{out}");
            paths(out)
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        // A new image in the same container: the old violations now block.
        let swapped = root_pod(&["registry.example.com/miner:1"]);
        let out = run("UPDATE", swapped, old.clone(), json!({}));
        assert_eq!(
            all_paths(&out),
            ["spec.containers[0].securityContext.runAsUser"]
        );
        assert!(out["warnings"].is_null(), "a denial repeats nothing: {out}");
        // One more container: both are judged, not only the new one.
        let out = run(
            "UPDATE",
            root_pod(&["nginx:1.27", "busybox"]),
            old.clone(),
            json!({}),
        );
        assert_eq!(all_paths(&out).len(), 2, "{out}");
        // kubectl debug: an ephemeral container added to the old pod.
        let mut debugged = old.clone();
        debugged["spec"]["ephemeralContainers"] = json!([{"name": "debugger", "image": "busybox", "securityContext": {"runAsNonRoot": true}}]);
        let out = run("UPDATE", debugged, old.clone(), json!({}));
        assert_eq!(
            all_paths(&out),
            ["spec.containers[0].securityContext.runAsUser"]
        );
        // A seccomp or AppArmor annotation decides what runs too.
        for key in [
            "seccomp.security.alpha.kubernetes.io/pod",
            "container.seccomp.security.alpha.kubernetes.io/c0",
            "container.apparmor.security.beta.kubernetes.io/c0",
        ] {
            let mut annotated = old.clone();
            annotated["metadata"]["annotations"] = json!({key: "unconfined"});
            let out = run("UPDATE", annotated, old.clone(), json!({}));
            assert_eq!(out["accepted"], false, "{key}: {out}");
        }
        // An old object without a spec cannot be compared: judged in full.
        let out = run("UPDATE", old.clone(), json!({"kind": "Pod"}), json!({}));
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn workload_update_warns_that_its_pods_will_be_refused() {
        let deployment = |image: &str| {
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"spec": {"containers": [{"name": "a", "image": image,
                    "securityContext": {"runAsUser": 0, "runAsNonRoot": false}}]}}}})
        };
        let payload = json!({"request": {"kind": {"kind": "Deployment"}, "operation": "UPDATE",
            "namespace": "default", "object": deployment("nginx:1.28"),
            "oldObject": deployment("nginx:1.27")}, "settings": {}});
        let out: Value =
            serde_json::from_slice(&validate::<NoRoot>(payload.to_string().as_bytes())).unwrap();
        assert_eq!(out["accepted"], true, "{out}");
        let warning = out["warnings"][0].as_str().unwrap();
        assert!(
            warning.contains("preexisting in this Deployment")
                && warning.contains("the pods it creates will be refused"),
            "{warning}"
        );
    }

    #[test]
    fn a_rejection_lists_each_violation_once_in_its_message() {
        let out = run("CREATE", root_pod(&["a", "b"]), Value::Null, json!({}));
        assert_eq!(
            paths(&out),
            [
                "spec.containers[0].securityContext.runAsUser",
                "spec.containers[1].securityContext.runAsUser"
            ]
        );
        assert!(out["warnings"].is_null(), "{out}");
    }

    #[test]
    fn update_leaves_a_preexisting_fix_unapplied() {
        let unset = json!([{"name": "a", "image": "nginx:1.27"}]);
        let out = run("UPDATE", pod(unset.clone()), pod(unset.clone()), json!({}));
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null(), "{out}");
        assert!(
            out["warnings"][0]
                .as_str()
                .unwrap()
                .contains("left unchanged")
        );
        // A new image needs the fix, which a running pod cannot take.
        let swapped = json!([{"name": "a", "image": "nginx:1.28"}]);
        let out = run("UPDATE", pod(swapped), pod(unset), json!({}));
        assert_eq!(out["accepted"], false, "{out}");
        assert!(
            out["message"]
                .as_str()
                .unwrap()
                .contains("recreate the pod"),
            "{out}"
        );
    }

    #[test]
    fn requests_without_objects() {
        let delete = run("DELETE", Value::Null, pod(json!([])), json!({}));
        assert_eq!(delete["accepted"], true);
        let create = run("CREATE", Value::Null, Value::Null, json!({}));
        assert_eq!(
            (create["accepted"].clone(), create["code"].clone()),
            (json!(false), json!(400))
        );
    }

    #[test]
    fn exempt_namespace_accepts_and_bad_settings_are_400() {
        let root = pod(json!([{"name": "a", "securityContext": {"runAsUser": 0}}]));
        let out = run(
            "CREATE",
            root.clone(),
            Value::Null,
            json!({"exempt_namespaces": ["default"]}),
        );
        assert_eq!(out["accepted"], true);
        let out = run("CREATE", root, Value::Null, json!({"nope": 1}));
        assert_eq!(out["code"], 400);
        assert!(out["message"].as_str().unwrap().contains("nope"));
    }

    #[test]
    fn exempt_windows_pods_skips_only_windows_pods() {
        let root = |os: &str| {
            let mut object = pod(json!([{"name": "a", "securityContext": {"runAsUser": 0}}]));
            object["spec"]["os"] = json!({"name": os});
            object
        };
        let exempt = json!({"exempt_windows_pods": true});
        assert_eq!(
            run("CREATE", root("windows"), Value::Null, exempt.clone())["accepted"],
            true
        );
        // Linux pods, and Windows pods without the setting, are checked.
        assert_eq!(
            run("CREATE", root("linux"), Value::Null, exempt.clone())["accepted"],
            false
        );
        assert_eq!(
            run("CREATE", root("windows"), Value::Null, json!({}))["accepted"],
            false
        );
        let bad = run(
            "CREATE",
            root("linux"),
            Value::Null,
            json!({"exempt_windows_pods": "yes"}),
        );
        assert_eq!(bad["code"], 400);
        assert!(
            bad["message"]
                .as_str()
                .unwrap()
                .contains("exempt_windows_pods")
        );
    }
}

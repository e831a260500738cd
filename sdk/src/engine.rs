//! From a ValidationRequest payload to a ValidationResponse: the path every
//! rule shares. Nothing here panics on input; every failure is a response.

use crate::Rule;
use crate::pod::{LocatedPod, Pod, Workload, changes_what_runs};
use crate::report::{Fix, Report, Violation, apply_fixes, rejection_message};
use crate::settings::{Exemptions, RuleSettings, Settings, SettingsError, parse_settings};
use kubewarden_policy_sdk::response::ValidationResponse;
use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde_json::value::RawValue;
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

/// The parts of a ValidationRequest the engine reads, in one pass: the
/// objects are parsed straight into their pod shapes, everything else is
/// skipped unbuilt.
#[derive(Default)]
pub(crate) struct ValidationRequest<'a> {
    pub(crate) request: AdmissionRequest,
    pub(crate) settings: Option<&'a RawValue>,
}

crate::lean_deserialize! { impl['de: 'a, 'a] ValidationRequest<'a> {
    request: "request" required,
    settings: "settings",
} }

#[derive(Default)]
pub(crate) struct AdmissionRequest {
    kind: Option<GroupVersionKind>,
    operation: String,
    namespace: Option<String>,
    object: Option<Workload>,
    old_object: Option<Workload>,
}

crate::lean_deserialize! { AdmissionRequest {
    kind: "kind",
    operation: "operation",
    namespace: "namespace",
    object: "object",
    old_object: "oldObject",
} }

/// The object alone, as JSON to edit: read only on the mutation path.
#[derive(Default)]
struct ObjectOnly {
    request: ObjectOnlyRequest,
}

crate::lean_deserialize! { ObjectOnly {
    request: "request" required,
} }

#[derive(Default)]
struct ObjectOnlyRequest {
    object: serde_json::Value,
}

crate::lean_deserialize! { ObjectOnlyRequest {
    object: "object" required,
} }

#[derive(Default)]
pub(crate) struct GroupVersionKind {
    pub(crate) kind: String,
}

crate::lean_deserialize! { GroupVersionKind {
    kind: "kind",
} }

/// waPC `validate`: a ValidationRequest in, a ValidationResponse out.
pub fn validate<R: Rule>(payload: &[u8]) -> Vec<u8> {
    to_json(&validate_response::<R>(payload))
}

/// waPC `validate_settings`: settings JSON in, `{valid, message}` out.
pub fn validate_settings<R: Rule>(payload: &[u8]) -> Vec<u8> {
    let parsed = std::str::from_utf8(payload)
        .map_err(|e| SettingsError::new("", e.to_string()))
        .and_then(|raw| parse_settings::<R::Settings>(raw).map(|_| ()));
    settings_response(R::NAME, parsed)
}

/// `{valid, message}`, the message naming the module.
pub(crate) fn settings_response(name: &str, parsed: Result<(), SettingsError>) -> Vec<u8> {
    let response = match parsed {
        Ok(()) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(e) => SettingsValidationResponse {
            valid: false,
            message: Some(format!("{name}: {e}")),
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
    let member = Bound::<R>::new(settings);
    evaluate(request.request, &[&member], R::NAME, payload)
}

/// A rule bound to its parsed settings: what the engine runs. A rule's own
/// module runs one; a bundle runs a whole profile of them on one parse.
pub trait Member {
    /// The rule's name, as messages give it.
    fn name(&self) -> &'static str;
    /// Prefixes of the pod annotations it reads.
    fn annotations(&self) -> &'static [&'static str];
    fn exemptions(&self) -> &Exemptions;
    /// Every violation and fix the rule finds in one pod.
    fn check(&self, pod: &Pod) -> Report;
    /// Whether it judges the pod found in a request (pod rules), or reads
    /// objects itself through [`Member::check_object`] (object rules).
    fn judges_pods(&self) -> bool {
        true
    }
    /// An object rule's finding on a request of this kind, read from the
    /// payload in its own view; `None` when it has nothing to say.
    fn check_object(&self, _kind: &str, _payload: &[u8]) -> Option<Result<Finding, String>> {
        None
    }
}

/// A rule with its settings.
pub struct Bound<R: Rule> {
    settings: Rc<Settings<R::Settings>>,
    rule: PhantomData<fn() -> R>,
}

impl<R: Rule> Bound<R> {
    pub fn new(settings: Rc<Settings<R::Settings>>) -> Self {
        Self {
            settings,
            rule: PhantomData,
        }
    }

    /// The rule with settings parsed from JSON text, for a bundle.
    pub fn parse(raw: &str) -> Result<Box<dyn Member>, SettingsError>
    where
        R: 'static,
    {
        Ok(Box::new(Self::new(Rc::new(parse_settings(raw)?))))
    }
}

impl<R: Rule> Member for Bound<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn annotations(&self) -> &'static [&'static str] {
        R::ANNOTATIONS
    }

    fn exemptions(&self) -> &Exemptions {
        &self.settings.exemptions
    }

    fn check(&self, pod: &Pod) -> Report {
        let mut report = Report::new(!self.settings.rule.validate_only());
        R::check(&self.settings.rule, pod, &mut report);
        report
    }
}

/// What one member concluded about one request.
pub struct Finding {
    name: &'static str,
    violations: Vec<Violation>,
    warnings: Vec<String>,
    fixes: Vec<Fix>,
}

/// Runs every member on the request's pod, parsed once. `label` names the
/// module in messages about the request itself.
pub(crate) fn evaluate(
    request: AdmissionRequest,
    members: &[&dyn Member],
    label: &str,
    payload: &[u8],
) -> ValidationResponse {
    let members: Vec<&dyn Member> = match &request.namespace {
        Some(namespace) => members
            .iter()
            .copied()
            .filter(|m| !m.exemptions().namespace(namespace))
            .collect(),
        None => members.to_vec(),
    };
    if members.is_empty() {
        return accept(Vec::new());
    }
    let Some(object) = request.object else {
        // DELETE and CONNECT carry no object; nothing can be checked.
        return match request.operation.as_str() {
            "DELETE" | "CONNECT" => accept(Vec::new()),
            _ => bad_request(format!("{label}: the request has no object")),
        };
    };
    // The request's kind is the API server's word; bare test requests may
    // carry the kind only in the object.
    let kind = match request.kind {
        Some(gvk) if !gvk.kind.is_empty() => gvk.kind,
        _ => object.kind.clone().unwrap_or_default(),
    };
    let update = request.operation == "UPDATE";
    let mut findings: Vec<Option<Finding>> = Vec::with_capacity(members.len());
    if members.iter().any(|m| m.judges_pods()) {
        match pod_findings(&kind, object, update, request.old_object, &members, label) {
            Ok(found) => findings = found,
            Err(e) => return bad_request(e),
        }
    } else {
        findings.resize_with(members.len(), || None);
    }
    for (member, finding) in members.iter().zip(findings.iter_mut()) {
        match member.check_object(&kind, payload) {
            None => {}
            Some(Ok(found)) => *finding = Some(found),
            Some(Err(e)) => return bad_request(e),
        }
    }
    let findings: Vec<Finding> = findings.into_iter().flatten().collect();
    if findings.is_empty() {
        return accept(Vec::new());
    }
    respond(&findings, payload)
}

/// The pod members' findings, one slot per member (`None` for object
/// members and for members with nothing to say), on one parse of the pod.
fn pod_findings(
    kind: &str,
    object: Workload,
    update: bool,
    old_object: Option<Workload>,
    members: &[&dyn Member],
    label: &str,
) -> Result<Vec<Option<Finding>>, String> {
    let mut findings: Vec<Option<Finding>> = Vec::with_capacity(members.len());
    findings.resize_with(members.len(), || None);
    // Pod Security Admission judges a Pod UPDATE in full when it can change
    // what runs (an image, the set of containers, a seccomp or AppArmor
    // annotation); any other update keeps what the old object already did.
    let judged_in_full = update
        && kind == "Pod"
        && old_object
            .as_ref()
            .is_none_or(|old| changes_what_runs(&object, old));
    let mut annotations: Vec<&str> = Vec::new();
    for prefix in members.iter().flat_map(|m| m.annotations()) {
        if !annotations.contains(prefix) {
            annotations.push(prefix);
        }
    }
    let pod = match LocatedPod::locate(kind, object, &annotations) {
        Ok(Some(pod)) => pod,
        Ok(None) => return Ok(findings),
        Err(e) => return Err(format!("{label}: {e}")),
    };
    let reports: Vec<Option<Report>> = members
        .iter()
        .map(|m| m.judges_pods().then(|| check(*m, &pod)).flatten())
        .collect();
    if reports.iter().flatten().all(Report::is_clean) {
        return Ok(findings);
    }
    // The old object is read only when some member found something.
    let old_pod = match (update, old_object) {
        (true, Some(old)) => LocatedPod::locate(kind, old, &annotations).ok().flatten(),
        _ => None,
    };
    let preexisting = if kind == "Pod" {
        "preexisting, not blocking this update (it changes no image, container or seccomp/AppArmor annotation)".to_owned()
    } else {
        format!(
            "preexisting in this {kind}, not blocking this update, but the pods it creates will be refused"
        )
    };
    for ((member, report), slot) in members.iter().zip(reports).zip(findings.iter_mut()) {
        let Some(report) = report.filter(|r| !r.is_clean()) else {
            continue;
        };
        // What the old object already had, whatever the exemptions: an
        // exemption may make the old pod look clean (every container
        // exempt), and must not turn a preexisting violation into a denial.
        let old = old_pod.as_ref().and_then(|old| check_old(*member, old));
        *slot = Some(sort(
            member.name(),
            report,
            old,
            judged_in_full,
            &preexisting,
        ));
    }
    Ok(findings)
}

/// Runs one member on the pod; `None` when its exemptions skip the pod.
fn check(member: &dyn Member, pod: &LocatedPod) -> Option<Report> {
    let pod = pod.view(member.exemptions());
    if member.exemptions().windows_pods && pod.is_windows() {
        return None;
    }
    Some(member.check(&pod))
}

/// Runs one member on the old pod with no container exempt, to know what
/// the old object already had; `None` when the pod itself is exempt.
fn check_old(member: &dyn Member, pod: &LocatedPod) -> Option<Report> {
    let none = Exemptions::default();
    let pod = pod.view(&none);
    if member.exemptions().windows_pods && pod.is_windows() {
        return None;
    }
    Some(member.check(&pod))
}

/// Sorts a member's findings by the UPDATE rule: what the old object
/// already had warns (unless the update is judged in full), the rest counts.
pub(crate) fn sort(
    name: &'static str,
    report: Report,
    old: Option<Report>,
    judged_in_full: bool,
    preexisting: &str,
) -> Finding {
    let (old_violations, old_fixes) = old.as_ref().map_or((&[][..], &[][..]), |old| {
        (&old.violations[..], &old.fixes[..])
    });
    let mut finding = Finding {
        name,
        violations: Vec::new(),
        warnings: Vec::new(),
        fixes: Vec::new(),
    };
    for violation in report.violations {
        if !judged_in_full && old_violations.contains(&violation) {
            finding
                .warnings
                .push(format!("{name}: {preexisting}: {violation}"));
        } else {
            finding.violations.push(violation);
        }
    }
    for fix in report.fixes {
        if !old_fixes.contains(&fix) {
            finding.fixes.push(fix);
        } else if judged_in_full {
            // The field is immutable on a running Pod: as PSP on UPDATE,
            // only a pod that needs no mutation passes.
            finding.violations.push(Violation {
                path: fix.path,
                message: format!("{} (an update cannot set it; recreate the pod)", fix.reason),
            });
        } else {
            finding.warnings.push(format!(
                "{name}: preexisting, left unchanged on update: {}",
                fix.reason
            ));
        }
    }
    finding
}

/// One answer for every member: denied when any member denies, each
/// denying member's violations once in the message (in member order);
/// otherwise every fix applied in member order as one mutation.
pub(crate) fn respond(findings: &[Finding], payload: &[u8]) -> ValidationResponse {
    let mut warnings = Vec::new();
    let mut denials = Vec::new();
    let mut fixes: Vec<(&str, &Fix)> = Vec::new();
    for finding in findings {
        warnings.extend(finding.warnings.iter().cloned());
        if finding.violations.is_empty() {
            for fix in &finding.fixes {
                warnings.push(format!("{}: mutated: {fix}", finding.name));
                fixes.push((finding.name, fix));
            }
        } else {
            denials.push(rejection_message(finding.name, &finding.violations));
        }
    }
    if !denials.is_empty() {
        // A denial names each violation once, in its message; warnings carry
        // only what does not deny (kubectl prints both).
        return ValidationResponse {
            accepted: false,
            message: Some(denials.join("; ")),
            code: None,
            mutated_object: None,
            audit_annotations: None,
            warnings: (!warnings.is_empty()).then_some(warnings),
        };
    }
    if fixes.is_empty() {
        return accept(warnings);
    }
    let mut mutated = match serde_json::from_slice::<ObjectOnly>(payload) {
        Ok(only) => only.request.object,
        Err(e) => return bad_request(format!("cannot read the object: {e}")),
    };
    for (name, fix) in fixes {
        if let Err(e) = apply_fixes(&mut mutated, std::slice::from_ref(fix)) {
            return bad_request(format!("{name}: {e}"));
        }
    }
    ValidationResponse {
        accepted: true,
        message: None,
        code: None,
        mutated_object: Some(mutated),
        audit_annotations: None,
        warnings: Some(warnings),
    }
}

pub(crate) fn accept(warnings: Vec<String>) -> ValidationResponse {
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
pub(crate) fn bad_request(message: String) -> ValidationResponse {
    ValidationResponse {
        accepted: false,
        message: Some(message),
        code: Some(400),
        mutated_object: None,
        audit_annotations: None,
        warnings: None,
    }
}

pub(crate) fn to_json(response: &ValidationResponse) -> Vec<u8> {
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

pub(crate) fn cached_settings<S: RuleSettings + 'static>(
    raw: &str,
) -> Result<Rc<Settings<S>>, SettingsError> {
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

    /// A pod-level test rule: hostPID is a violation; like the pod-level
    /// rules, it skips a pod whose every container is exempt.
    struct HostPid;

    impl Rule for HostPid {
        const NAME: &'static str = "host-pid";
        type Settings = NoRootSettings;

        fn check(_: &NoRootSettings, pod: &Pod, report: &mut Report) {
            if pod.containers().next().is_none() {
                return;
            }
            if pod.spec.host_pid == Some(true) {
                report.violation(pod.spec_path(&["hostPID"]), "hostPID");
            }
        }
    }

    /// Found by the e2e properties (exemptions only relax): an UPDATE that
    /// adds a container to a workload whose old pod was wholly exempt
    /// turned the preexisting pod-level violation into a denial once the
    /// old container was exempted; admitted without the exemption.
    #[test]
    fn an_exemption_never_turns_a_preexisting_violation_into_a_denial() {
        let deployment = |names: &[&str]| {
            let containers: Vec<Value> = names.iter().map(|n| json!({"name": n})).collect();
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                "spec": {"template": {"spec": {"hostPID": true, "containers": containers}}}})
        };
        let update = |settings: Value| -> Value {
            let payload = json!({"request": {"kind": {"kind": "Deployment"},
                "operation": "UPDATE", "namespace": "default",
                "object": deployment(&["a", "b"]), "oldObject": deployment(&["a"])},
                "settings": settings});
            serde_json::from_slice(&validate::<HostPid>(payload.to_string().as_bytes())).unwrap()
        };
        assert_eq!(update(json!({}))["accepted"], true);
        let exempt = update(json!({"exempt_container_names": ["a"]}));
        assert_eq!(exempt["accepted"], true, "{exempt}");
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

//! Properties over generated requests, through the built modules as the
//! cluster runs them: every rule (its own module, under every distinct
//! settings of its e2e cases and its defaults) and every profile (the
//! bundle with `profiles/*.yml` as settings).
//!
//! Requests come from `fuzz/src/requests.rs` (the fuzz targets' generator)
//! driven by a seeded PRNG: every workload kind, every container kind,
//! security contexts, volumes, annotations, Services, Ingresses, UPDATEs
//! with random old objects, unknown fields. `PALISADE_PROPERTY_CASES` sets
//! the requests per rule and per profile (default 3000; `make fuzz` runs
//! more), `PALISADE_PROPERTY_SEED` the seed.
//!
//! 1. no trap, no 500; a malformed request is a 400 with a message;
//! 2. determinism: the same request and settings, byte-identical answers;
//! 3. mutations converge: the patched object is admitted unchanged, still
//!    parses as its k8s-openapi type, and only fields the rules write
//!    changed (unknown fields never);
//! 4. workload equivalence: a workload's verdict is the verdict on a Pod
//!    with the same pod (paths differ by the template prefix);
//! 5. exemptions only relax;
//! 6. an UPDATE whose object equals its old object is never denied;
//! 7. a profile's verdict is the AND of its members' verdicts;
//! 8. linear memory returns to its warm size (no leak across requests).

mod common;
#[path = "../../fuzz/src/requests.rs"]
mod requests;

use palisade_cli::host::Policy;
use requests::Source;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Rules over objects other than pods: no workload equivalence for them.
const OBJECT_RULES: &[&str] = &[
    "allowed-external-ips",
    "block-default-namespace",
    "ingress-https-only",
    "internal-load-balancer",
    "required-labels",
    "service-allowed-ports",
];

/// Field names a mutation may write (at any depth); anything else changed
/// by a patch is a property failure.
const WRITABLE: &[&str] = &[
    "securityContext",
    "allowPrivilegeEscalation",
    "readOnlyRootFilesystem",
    "runAsNonRoot",
    "runAsUser",
    "runAsGroup",
    "fsGroup",
    "supplementalGroups",
    "seccompProfile",
    "appArmorProfile",
    "seLinuxOptions",
    "capabilities",
    "procMount",
    "privileged",
    "resources",
    "limits",
    "requests",
    "imagePullPolicy",
    "runtimeClassName",
    "automountServiceAccountToken",
    "annotations",
];

fn cases() -> usize {
    std::env::var("PALISADE_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

fn seed() -> u64 {
    std::env::var("PALISADE_PROPERTY_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15)
}

/// xorshift64*: a seeded, portable PRNG.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

impl Source for XorShift {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One answer: the raw bytes and their JSON.
struct Answer {
    raw: Vec<u8>,
    json: Value,
}

impl Answer {
    fn accepted(&self) -> bool {
        self.json["accepted"] == true
    }
    fn code(&self) -> Option<u64> {
        self.json["code"].as_u64()
    }
    fn mutated(&self) -> Option<&Value> {
        self.json.get("mutated_object").filter(|v| !v.is_null())
    }
    fn denied(&self) -> bool {
        !self.accepted()
    }
}

fn call(policy: &Policy, what: &str, request: &Value, settings: &Value) -> Answer {
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
    call_raw(policy, what, &payload)
}

fn call_raw(policy: &Policy, what: &str, payload: &[u8]) -> Answer {
    let raw = policy.call("validate", payload).unwrap_or_else(|e| {
        panic!(
            "{what}: trap: {e:#}\npayload: {}",
            String::from_utf8_lossy(payload)
        )
    });
    let json: Value = serde_json::from_slice(&raw).unwrap_or_else(|e| {
        panic!(
            "{what}: no JSON answer ({e}): {}",
            String::from_utf8_lossy(&raw)
        )
    });
    Answer { raw, json }
}

/// Counts per property, and the failures (the first few kept in full).
#[derive(Default)]
struct Tally {
    counts: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    failed: usize,
}

impl Tally {
    fn count(&mut self, property: &'static str) {
        *self.counts.entry(property).or_default() += 1;
    }

    fn fail(&mut self, what: String) {
        self.failed += 1;
        if self.failures.len() < 4 {
            self.failures.push(what);
        }
    }

    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.fail(what());
        }
    }

    fn finish(self, title: &str) {
        eprintln!("{title}: generated requests per property:");
        for (property, count) in &self.counts {
            eprintln!("  {property:<44} {count:>8}");
        }
        assert!(
            self.failures.is_empty(),
            "{} failures; the first:\n{}",
            self.failed,
            self.failures.join("\n\n")
        );
    }
}

/// The distinct settings a rule's e2e cases use (those it accepts), and
/// its defaults.
fn rule_settings(dir: &std::path::Path) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut settings = vec![json!({})];
    seen.insert(json!({}).to_string());
    for case in palisade_cli::cases::load(dir).unwrap() {
        if case.accepted.is_some() && seen.insert(case.settings.to_string()) {
            settings.push(case.settings);
        }
    }
    settings
}

fn kind_of(request: &Value) -> &str {
    request["kind"]["kind"].as_str().unwrap_or_default()
}

/// The request with its object (and old object) at the pod location of
/// a Pod: the same pod spec, annotations and namespace.
fn as_pod(request: &Value) -> Option<Value> {
    let kind = kind_of(request);
    if kind == "Pod" || !requests::WORKLOADS.contains(&kind) {
        return None;
    }
    let pod_of = |object: &Value| -> Option<Value> {
        let mut template = object;
        for key in requests::template_prefix(kind) {
            template = template.get(key)?;
        }
        let mut metadata = template.get("metadata").cloned().unwrap_or(json!({}));
        if let (Some(m), Some(ns)) = (metadata.as_object_mut(), request["namespace"].as_str()) {
            m.insert("namespace".into(), json!(ns));
        }
        let spec = template.get("spec")?.clone();
        Some(json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}))
    };
    let object = match request.get("object") {
        Some(o) => Some(pod_of(o)?),
        None => None,
    };
    let old = match request.get("oldObject") {
        Some(o) => Some(pod_of(o)?),
        None => None,
    };
    Some(requests::admission_request(
        "Pod",
        request["operation"].as_str().unwrap_or_default(),
        request["namespace"].as_str(),
        object.as_ref(),
        old.as_ref(),
    ))
}

/// A message with the template prefix of `kind` taken out of field paths.
fn without_prefix(message: &str, kind: &str) -> String {
    let prefix = requests::template_prefix(kind).join(".");
    if prefix.is_empty() {
        return message.to_owned();
    }
    message
        .replace(&format!("{prefix}."), "")
        .replace(&format!("in this {kind}"), "in this Pod")
}

/// Paths where `before` and `after` differ: `(path, removed)` pairs.
fn differences(before: &Value, after: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                path.push(key.clone());
                match b.get(key) {
                    Some(other) => differences(value, other, path, out),
                    None => out.push(path.clone()),
                }
                path.pop();
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                path.push(key.clone());
                out.push(path.clone());
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                path.push(format!("[{i}]"));
                differences(x, y, path, out);
                path.pop();
            }
        }
        (a, b) if a == b => {}
        _ => out.push(path.clone()),
    }
}

/// Changed paths a mutation may not make: through no writable field, or
/// through an unknown one.
fn forbidden_changes(before: &Value, after: &Value) -> Vec<String> {
    let mut changed = Vec::new();
    differences(before, after, &mut Vec::new(), &mut changed);
    changed
        .into_iter()
        .filter(|path| {
            path.iter().any(|s| s.starts_with("x-unknown"))
                || !path.iter().any(|s| WRITABLE.contains(&s.as_str()))
        })
        .map(|path| path.join("."))
        .collect()
}

/// The settings with an exemption added: the request's namespace, or one
/// container's name, or its image; `None` when there is nothing to exempt.
fn with_exemption(settings: &Value, request: &Value, src: &mut XorShift) -> Option<Value> {
    let mut map: Map<String, Value> = settings.as_object().cloned().unwrap_or_default();
    let (keys, value) = match src.below(3) {
        0 => (
            ("exempt_namespaces", "excludedNamespaces"),
            request["namespace"].as_str()?.to_owned(),
        ),
        which => {
            let kind = kind_of(request);
            let mut pod = request.get("object")?;
            for key in requests::template_prefix(kind) {
                pod = pod.get(key)?;
            }
            let containers = pod["spec"]["containers"].as_array()?;
            let container = containers.get(src.below(containers.len()))?;
            if which == 1 {
                (
                    ("exempt_container_names", "excludedContainers"),
                    container["name"].as_str()?.to_owned(),
                )
            } else {
                let image = container["image"].as_str()?;
                // A glob: escape what globs read.
                if image.contains(['*', '?', '[', ']']) {
                    return None;
                }
                (("exempt_images", "excludedImages"), image.to_owned())
            }
        }
    };
    let key = if map.contains_key(keys.1) {
        keys.1
    } else {
        keys.0
    };
    let list = map.entry(key).or_insert_with(|| json!([]));
    list.as_array_mut()?.push(json!(value));
    Some(Value::Object(map))
}

/// A payload that is not a request.
fn malformed(request: &Value, settings: &Value, src: &mut XorShift) -> Vec<u8> {
    let payload = serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap();
    match src.below(3) {
        0 => payload[..payload.len() / 2].to_vec(),
        1 => serde_json::to_vec(&json!({"request": 5, "settings": settings})).unwrap(),
        _ => {
            let mut bytes = payload;
            bytes.insert(1, 0xff);
            bytes
        }
    }
}

/// Properties 1-6 for one rule under one settings choice.
fn check_rule(
    name: &str,
    policy: &Policy,
    settings: &Value,
    request: &Value,
    src: &mut XorShift,
    tally: &mut Tally,
) {
    let what = || format!("{name} with {settings}\nrequest: {request}");
    // 1. No trap, no 500; 400s say why.
    let answer = call(policy, name, request, settings);
    tally.count("1. answered, no trap, no 500");
    tally.count(
        match (answer.code(), answer.accepted(), answer.mutated().is_some()) {
            (Some(400), ..) => "   of which malformed (400)",
            (_, true, true) => "   of which admitted with a mutation",
            (_, true, false) => "   of which admitted",
            _ => "   of which denied",
        },
    );
    tally.check(answer.code() != Some(500), || {
        format!("{}: a 500: {}", what(), answer.json)
    });
    if answer.code() == Some(400) {
        tally.check(
            answer.json["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            || format!("{}: a 400 without a message", what()),
        );
    }
    if src.one_in(8) {
        let payload = malformed(request, settings, src);
        let bad = call_raw(policy, name, &payload);
        tally.count("1. malformed: 400 with a message");
        tally.check(
            bad.code() == Some(400) && bad.json["message"].as_str().is_some_and(|m| !m.is_empty()),
            || format!("{name}: malformed payload answered {}", bad.json),
        );
    }
    // 2. Determinism.
    let again = call(policy, name, request, settings);
    tally.count("2. deterministic");
    tally.check(again.raw == answer.raw, || {
        format!(
            "{}: two answers:\n{}\n{}",
            what(),
            String::from_utf8_lossy(&answer.raw),
            String::from_utf8_lossy(&again.raw)
        )
    });
    let kind = kind_of(request);
    // 3. Mutations converge.
    if let (true, Some(patched)) = (answer.accepted(), answer.mutated()) {
        let mut next = request.clone();
        next["object"] = patched.clone();
        let second = call(policy, name, &next, settings);
        tally.count("3. mutation converges");
        tally.check(second.accepted() && second.mutated().is_none(), || {
            format!("{}: the patched object answered {}", what(), second.json)
        });
        let original = &request["object"];
        if common::parse_as_kubernetes(kind, original).is_ok() {
            tally.count("3. patched object parses as k8s-openapi");
            if let Err(e) = common::parse_as_kubernetes(kind, patched) {
                tally.fail(format!("{}: the patched object is no {kind}: {e}", what()));
            }
        }
        tally.count("3. untouched fields unchanged");
        let forbidden = forbidden_changes(original, patched);
        tally.check(forbidden.is_empty(), || {
            format!("{}: the patch changed {forbidden:?}", what())
        });
    }
    // 4. Workload equivalence. Not on UPDATE: a Pod's spec is immutable,
    // so where a workload's template is mutated, an update of a Pod is
    // refused ("recreate the pod"); that difference is Kubernetes'.
    if !OBJECT_RULES.contains(&name)
        && request["operation"] != "UPDATE"
        && let Some(pod_request) = as_pod(request)
    {
        let on_pod = call(policy, name, &pod_request, settings);
        tally.count("4. workload verdict = pod verdict");
        let message =
            |a: &Answer| without_prefix(a.json["message"].as_str().unwrap_or_default(), kind);
        let same = on_pod.accepted() == answer.accepted()
            && on_pod.code() == answer.code()
            && on_pod.mutated().is_some() == answer.mutated().is_some()
            && (answer.code() == Some(400) || message(&on_pod) == message(&answer));
        tally.check(same, || {
            format!(
                "{}: as a {kind}: {}\nas a Pod: {}",
                what(),
                answer.json,
                on_pod.json
            )
        });
    }
    // 5. Exemptions only relax.
    if answer.accepted()
        && let Some(exempt) = with_exemption(settings, request, src)
    {
        let relaxed = call(policy, name, request, &exempt);
        // Settings the rule refuses (a list in both spellings) say so.
        if relaxed.code() != Some(400) {
            tally.count("5. exemption keeps the admission");
            tally.check(relaxed.accepted(), || {
                format!("{}: with {exempt}: {}", what(), relaxed.json)
            });
        }
    }
    // 6. An unchanged UPDATE is never denied.
    if let Some(object) = request.get("object") {
        let update = requests::admission_request(
            kind,
            "UPDATE",
            request["namespace"].as_str(),
            Some(object),
            Some(object),
        );
        let unchanged = call(policy, name, &update, settings);
        if unchanged.code() != Some(400) {
            tally.count("6. unchanged UPDATE admitted");
            tally.check(unchanged.accepted(), || {
                format!(
                    "{name} with {settings}\nupdate: {update}\nanswered {}",
                    unchanged.json
                )
            });
        }
    }
}

#[test]
fn properties_of_every_rule_over_generated_requests() {
    let n = cases();
    let mut tally = Tally::default();
    for (i, dir) in common::policy_dirs().iter().enumerate() {
        let name = common::name(dir);
        let policy = Policy::load(&common::module_path(dir)).unwrap();
        let settings = rule_settings(dir);
        let mut src = XorShift::new(seed() ^ (i as u64 + 1).wrapping_mul(0x1000_0001));
        let mut warm = 0;
        for k in 0..n {
            if k == n / 10 {
                warm = memory_pages(&policy);
            }
            let request = requests::request(&mut src);
            let choice = &settings[src.below(settings.len())];
            check_rule(&name, &policy, choice, &request, &mut src, &mut tally);
        }
        // Linear memory stays at its warm size: nothing is kept between
        // requests (a leak grows with the request count).
        let end = memory_pages(&policy);
        tally.count("8. memory back to its warm size (modules)");
        tally.check(end <= warm + 2, || {
            format!("{name}: linear memory grew from {warm} to {end} pages over {n} requests")
        });
    }
    tally.finish(&format!("every rule, {n} requests each"));
}

/// The module's linear memory, in 64 KiB pages (its `memory_pages`).
fn memory_pages(policy: &Policy) -> u64 {
    let out = policy.call("memory_pages", b"").unwrap();
    String::from_utf8_lossy(&out).trim().parse().unwrap()
}

/// A member's settings as the bundle gives them: the profile's exempt
/// namespaces added.
fn member_settings(profile: &Value, member: &Value) -> Value {
    let mut settings = member["settings"].as_object().cloned().unwrap_or_default();
    if let Some(namespaces) = profile["exempt_namespaces"].as_array()
        && !namespaces.is_empty()
    {
        settings.insert("exempt_namespaces".into(), json!(namespaces));
    }
    Value::Object(settings)
}

#[test]
fn properties_of_every_profile_over_generated_requests() {
    let n = cases();
    let bundle = Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    let mut modules: BTreeMap<String, Policy> = BTreeMap::new();
    let mut tally = Tally::default();
    let mut profiles: Vec<_> = std::fs::read_dir(common::workspace().join("profiles"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    profiles.sort();
    for (i, path) in profiles.iter().enumerate() {
        let profile: Value =
            serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let title = path.file_stem().unwrap().to_string_lossy().into_owned();
        let members: Vec<(String, Value)> = profile["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let policy = m["policy"].as_str().unwrap().to_owned();
                (policy, member_settings(&profile, m))
            })
            .collect();
        for (policy, _) in &members {
            if !modules.contains_key(policy) {
                let dir = common::workspace().join("policies").join(policy);
                modules.insert(
                    policy.clone(),
                    Policy::load(&common::module_path(&dir)).unwrap(),
                );
            }
        }
        let mut src = XorShift::new(seed() ^ (i as u64 + 101).wrapping_mul(0x1000_0001));
        for _ in 0..n {
            let request = requests::request(&mut src);
            check_rule(&title, &bundle, &profile, &request, &mut src, &mut tally);
            // 7. The bundle's verdict is the AND of its members'.
            let together = call(&bundle, &title, &request, &profile);
            let separate: Vec<(&str, Answer)> = members
                .iter()
                .map(|(policy, settings)| {
                    (
                        policy.as_str(),
                        call(&modules[policy], policy, &request, settings),
                    )
                })
                .collect();
            if together.code() == Some(400) {
                tally.count("7. malformed for the profile: 400 from a member");
                tally.check(separate.iter().any(|(_, a)| a.code() == Some(400)), || {
                    format!(
                        "{title}: a 400 no member gives\nrequest: {request}\n{}",
                        together.json
                    )
                });
                continue;
            }
            tally.count("7. profile verdict = AND of members");
            let all = separate.iter().all(|(_, a)| a.accepted());
            tally.check(together.accepted() == all, || {
                let denied: Vec<&str> = separate
                    .iter()
                    .filter(|(_, a)| a.denied())
                    .map(|(p, _)| *p)
                    .collect();
                format!(
                    "{title}: bundle {}, members denying {denied:?}\nrequest: {request}",
                    together.json
                )
            });
        }
    }
    tally.finish(&format!("every profile, {n} requests each"));
}

/// The defect property 5 found (fixed in the SDK's engine): exempting the
/// only container of a Deployment whose pod has no
/// automountServiceAccountToken made the old pod look clean, so an UPDATE
/// adding a container was denied with the exemption and admitted without.
#[test]
fn regression_an_exemption_keeps_a_preexisting_violation_preexisting() {
    let dir = common::workspace().join("policies/block-automount-token");
    let policy = Policy::load(&common::module_path(&dir)).unwrap();
    let deployment = |names: &[&str]| {
        let containers: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "image": "nginx:1.27"}))
            .collect();
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "prod"},
            "spec": {"template": {"metadata": {"name": "web"},
                "spec": {"containers": containers}}}})
    };
    let request = requests::admission_request(
        "Deployment",
        "UPDATE",
        Some("prod"),
        Some(&deployment(&["c0", "c1"])),
        Some(&deployment(&["c0"])),
    );
    for settings in [json!({}), json!({"exempt_container_names": ["c0"]})] {
        let answer = call(&policy, "block-automount-token", &request, &settings);
        assert!(answer.accepted(), "with {settings}: {}", answer.json);
    }
}

//! `make bench`: per-request evaluation time of every policy module beside
//! two reference modules, measured side by side in one run.
//!
//! - noop: accepts without reading its payload, the host's own cost of a call;
//! - floor: parses the ValidationRequest into `serde_json::Value` and accepts.
//!
//! Each module is compiled once and its instance reused. Rounds interleave
//! the modules, so machine noise hits all of them alike; each figure is the
//! median over rounds. A policy's own time is its total minus noop's.

use palisade_e2e::host::Policy;
use palisade_e2e::profile::Profile;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

const ROUNDS: usize = 15;
const TARGET_ROUND_NANOS: u128 = 20_000_000;
const LEAK_CHECK_CALLS: usize = 10_000;
const SIZE_LIMIT: u64 = 300 * 1024;
const OWN_TIME_LIMIT: f64 = 0.5;

/// A realistic container: everything a real manifest carries, most of which
/// a pod-security rule never reads.
fn container(i: usize) -> Value {
    json!({
        "name": format!("app-{i}"),
        "image": format!("registry.example.com/team/service-{i}:1.{i}.0"),
        "command": ["/bin/server"], "args": ["--port=8080", "--log-level=info", "--metrics"],
        "env": (0..8).map(|e| json!({"name": format!("VAR_{e}"), "value": format!("value-{e}")})).collect::<Vec<_>>(),
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": true},
                         {"name": "cache", "mountPath": "/var/cache/app"}],
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true, "runAsUser": 1000, "runAsGroup": 1000,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent",
    })
}

fn pod_spec(containers: usize) -> Value {
    json!({
        "containers": (0..containers).map(container).collect::<Vec<_>>(),
        "volumes": [{"name": "config", "configMap": {"name": "app-config"}}, {"name": "cache", "emptyDir": {}}],
        "securityContext": {"fsGroup": 2000, "supplementalGroups": [3000], "runAsNonRoot": true},
        "serviceAccountName": "app", "restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
        "terminationGracePeriodSeconds": 30, "nodeSelector": {"kubernetes.io/os": "linux"},
    })
}

fn metadata(name: &str) -> Value {
    json!({"name": name, "namespace": "default", "uid": "5f0c2a8e-0d6b-4c1f-9c1a-2b3d4e5f6a7b",
           "labels": {"app": name, "team": "payments", "tier": "backend"},
           "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\"}"}})
}

fn request(kind: &str, group: &str, object: Value) -> Value {
    json!({"uid": "bench", "kind": {"group": group, "version": "v1", "kind": kind},
           "resource": {"group": group, "version": "v1", "resource": format!("{}s", kind.to_lowercase())},
           "operation": "CREATE", "namespace": "default",
           "userInfo": {"username": "bench", "groups": ["system:authenticated"]},
           "object": object, "oldObject": null, "dryRun": false})
}

fn reference_requests() -> Vec<(&'static str, Value)> {
    let pod = |name: &str, n: usize| json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata(name), "spec": pod_spec(n)});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata("web"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec(10)}}});
    vec![
        ("pod-1", request("Pod", "", pod("one", 1))),
        ("deploy-10", request("Deployment", "apps", deployment)),
        ("pod-100", request("Pod", "", pod("hundred", 100))),
    ]
}

/// Settings under which a mutating policy mutates the reference requests.
fn mutation_settings(policy: &str) -> Option<Value> {
    match policy {
        "allowed-capabilities" => Some(json!({"default_add_capabilities": ["NET_BIND_SERVICE"],
                                              "allowed_capabilities": ["NET_BIND_SERVICE"]})),
        "allowed-users-groups" => Some(
            json!({"fs_group": {"rule": "MustRunAs", "ranges": [{"min": 5000, "max": 6000}], "overwrite": true}}),
        ),
        "enforce-apparmor" => Some(json!({"default_profile": "runtime/default"})),
        "runtime-class" => Some(json!({"allowed_runtime_class_names": ["gvisor"],
                                       "default_runtime_class_name": "gvisor"})),
        "selinux" => Some(json!({"rule": "MustRunAs", "level": "s0:c1,c2"})),
        _ => None,
    }
}

struct Module {
    name: String,
    size: u64,
    policy: Policy,
    settings: Value,
}

fn payload(request: &Value, settings: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json")
}

/// Median nanoseconds per call of each function, measured side by side.
fn measure(calls: &[&dyn Fn()]) -> Vec<f64> {
    let mut iterations = vec![1usize; calls.len()];
    for (i, call) in calls.iter().enumerate() {
        for _ in 0..50 {
            call();
        }
        let start = Instant::now();
        call();
        let once = start.elapsed().as_nanos().max(1);
        iterations[i] = (TARGET_ROUND_NANOS / once).clamp(5, 20_000) as usize;
    }
    let mut samples = vec![Vec::with_capacity(ROUNDS); calls.len()];
    for _ in 0..ROUNDS {
        for (i, call) in calls.iter().enumerate() {
            let start = Instant::now();
            for _ in 0..iterations[i] {
                call();
            }
            samples[i].push(start.elapsed().as_nanos() as f64 / iterations[i] as f64);
        }
    }
    samples
        .into_iter()
        .map(|mut s| {
            s.sort_by(f64::total_cmp);
            s[s.len() / 2]
        })
        .collect()
}

/// One `validate` call of a module on a payload, as a function to time.
fn call<'a>(module: &'a Module, payload: &'a [u8]) -> impl Fn() + 'a {
    move || {
        std::hint::black_box(module.policy.validate_raw(payload).expect("call"));
    }
}

/// A profile's rules loaded with its settings: the modules policy-server
/// would run, one after the other, on each request.
fn profile_modules(dir: &Path, profile: &Profile) -> Vec<Module> {
    profile
        .rules
        .iter()
        .map(|rule| {
            let file = format!("{}.wasm", rule.policy.replace('-', "_"));
            load(dir, &file, &rule.policy, profile.settings(rule, false))
        })
        .collect()
}

fn memory_pages(module: &Module) -> u64 {
    let out = module
        .policy
        .call("memory_pages", b"")
        .expect("memory_pages");
    String::from_utf8_lossy(&out).parse().expect("pages")
}

fn load(dir: &Path, file: &str, name: &str, settings: Value) -> Module {
    let path = dir.join(file);
    let size = std::fs::metadata(&path)
        .unwrap_or_else(|_| panic!("{} missing: run `make wasm`", path.display()))
        .len();
    Module {
        name: name.to_owned(),
        size,
        policy: Policy::load(&path).expect("module loads"),
        settings,
    }
}

fn main() {
    let dir = PathBuf::from(
        std::env::var("PALISADE_WASM").unwrap_or_else(|_| "../target/wasm/modules".into()),
    );
    let artifacts = PathBuf::from(
        std::env::var("PALISADE_ARTIFACTS").unwrap_or_else(|_| "../target/artifacts".into()),
    );
    let mut names: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies"))
            .expect("policies/")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
    names.sort();
    let noop = load(&dir, "palisade_noop.wasm", "noop", json!({}));
    let floor = load(&dir, "palisade_floor.wasm", "floor", json!({}));
    let policies: Vec<Module> = names
        .iter()
        .map(|n| load(&dir, &format!("{}.wasm", n.replace('-', "_")), n, json!({})))
        .collect();
    let requests = reference_requests();
    let mut failures = Vec::new();

    println!("module sizes (bytes; annotated = what users pull, limit {SIZE_LIMIT})");
    for m in [&noop, &floor].into_iter().chain(&policies) {
        let annotated = std::fs::metadata(artifacts.join(&m.name).join("policy.wasm"))
            .map(|m| m.len())
            .ok();
        let shown = annotated.map_or("-".to_owned(), |a| a.to_string());
        println!("  {:<28} {:>8} raw  {:>8} annotated", m.name, m.size, shown);
        if annotated.unwrap_or(m.size) > SIZE_LIMIT {
            failures.push(format!("{} is over {SIZE_LIMIT} bytes", m.name));
        }
    }

    println!(
        "\nper-request time, µs (median of {ROUNDS} interleaved rounds); own = total - noop; ratio = own / floor own (target <= {OWN_TIME_LIMIT})"
    );
    for (label, request) in &requests {
        let mut all: Vec<&Module> = vec![&noop, &floor];
        all.extend(&policies);
        let payloads: Vec<Vec<u8>> = all.iter().map(|m| payload(request, &m.settings)).collect();
        let calls: Vec<_> = all.iter().zip(&payloads).map(|(m, p)| call(m, p)).collect();
        let times = measure(&calls.iter().map(|c| c as &dyn Fn()).collect::<Vec<_>>());
        let (noop_t, floor_own) = (times[0], times[1] - times[0]);
        println!(
            "  {label} ({} KB payload): noop {:.1}  floor {:.1} (own {:.1})",
            payloads[0].len() / 1024,
            times[0] / 1e3,
            times[1] / 1e3,
            floor_own / 1e3
        );
        for (m, t) in all.iter().zip(&times).skip(2) {
            let own = t - noop_t;
            let ratio = own / floor_own;
            println!(
                "    {:<28} total {:>8.1}  own {:>8.1}  ratio {:.2}",
                m.name,
                t / 1e3,
                own / 1e3,
                ratio
            );
            if ratio > OWN_TIME_LIMIT {
                failures.push(format!(
                    "{} on {label}: own time {ratio:.2}x the floor's",
                    m.name
                ));
            }
        }
        let mutating: Vec<Module> = policies
            .iter()
            .filter_map(|m| {
                Some(Module {
                    settings: mutation_settings(&m.name)?,
                    policy: Policy::load(&dir.join(format!("{}.wasm", m.name.replace('-', "_"))))
                        .ok()?,
                    name: m.name.clone(),
                    size: m.size,
                })
            })
            .collect();
        if !mutating.is_empty() {
            let mut all: Vec<&Module> = vec![&noop, &floor];
            all.extend(&mutating);
            let payloads: Vec<Vec<u8>> =
                all.iter().map(|m| payload(request, &m.settings)).collect();
            for (m, p) in mutating.iter().zip(&payloads[2..]) {
                let r = m.policy.validate_raw(p).expect("call");
                assert!(
                    r.mutated_object.is_some(),
                    "{}: mutation settings did not mutate {label}",
                    m.name
                );
            }
            let calls: Vec<_> = all.iter().zip(&payloads).map(|(m, p)| call(m, p)).collect();
            let times = measure(&calls.iter().map(|c| c as &dyn Fn()).collect::<Vec<_>>());
            for (m, t) in mutating.iter().zip(&times[2..]) {
                println!(
                    "    {:<28} mutation path: total {:>8.1}  own {:>8.1}  ratio {:.2}",
                    m.name,
                    t / 1e3,
                    (t - times[0]) / 1e3,
                    (t - times[0]) / (times[1] - times[0])
                );
            }
        }
    }

    println!(
        "\nprofiles: every rule of the profile in turn on each request, µs; own = total - rules x noop; vs floor = own / floor own"
    );
    let profiles = Profile::load_all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles"))
        .expect("profiles/");
    let loaded: Vec<(String, Vec<Module>)> = profiles
        .iter()
        .map(|p| (p.name.clone(), profile_modules(&dir, p)))
        .collect();
    for (label, request) in &requests {
        let noop_payload = payload(request, &json!({}));
        let floor_payload = noop_payload.clone();
        let payloads: Vec<Vec<Vec<u8>>> = loaded
            .iter()
            .map(|(_, modules)| {
                modules
                    .iter()
                    .map(|m| payload(request, &m.settings))
                    .collect()
            })
            .collect();
        let noop_call = call(&noop, &noop_payload);
        let floor_call = call(&floor, &floor_payload);
        let profile_calls: Vec<_> = loaded
            .iter()
            .zip(&payloads)
            .map(|((_, modules), payloads)| {
                move || {
                    for (m, p) in modules.iter().zip(payloads) {
                        std::hint::black_box(m.policy.validate_raw(p).expect("call"));
                    }
                }
            })
            .collect();
        let mut calls: Vec<&dyn Fn()> = vec![&noop_call, &floor_call];
        calls.extend(profile_calls.iter().map(|c| c as &dyn Fn()));
        let times = measure(&calls);
        let (noop_t, floor_own) = (times[0], times[1] - times[0]);
        println!("  {label}: floor own {:.1}", floor_own / 1e3);
        for ((name, modules), t) in loaded.iter().zip(&times[2..]) {
            let own = t - noop_t * modules.len() as f64;
            println!(
                "    {name:<28} {:>2} rules  total {:>8.1}  own {:>8.1}  vs floor {:.2}",
                modules.len(),
                t / 1e3,
                own / 1e3,
                own / floor_own
            );
        }
    }

    println!(
        "\nlinear memory (64 KiB pages) after warm-up and after {LEAK_CHECK_CALLS} more evaluations of deploy-10"
    );
    let (_, request) = &requests[1];
    for m in [&floor].into_iter().chain(&policies) {
        let p = payload(request, &m.settings);
        for _ in 0..1_000 {
            m.policy.validate_raw(&p).expect("call");
        }
        let before = memory_pages(m);
        for _ in 0..LEAK_CHECK_CALLS {
            m.policy.validate_raw(&p).expect("call");
        }
        let after = memory_pages(m);
        println!(
            "  {:<28} {before} -> {after}{}",
            m.name,
            if before == after { "  flat" } else { "  GROWS" }
        );
        if after != before {
            failures.push(format!(
                "{}: memory grew from {before} to {after} pages",
                m.name
            ));
        }
    }
    if failures.is_empty() {
        println!("\nevery target met");
    } else {
        println!("\ntargets missed:\n  {}", failures.join("\n  "));
    }
}

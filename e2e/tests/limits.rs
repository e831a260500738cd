//! Bounded cost: every module runs under fuel and memory limits in the
//! runner; cost grows linearly with the pod; the largest object the API
//! server accepts is judged within the default limits; a request beyond
//! the limits is a 500 naming the limit, never a hang or a trap.

mod common;

use palisade_cli::host::{Limits, Policy, ValidationResponse};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The API server's limit on a request body: 3 MiB.
const API_SERVER_MAX_BYTES: usize = 3 << 20;

/// Every module: each rule (its defaults), and the bundle under the
/// strictest profiles.
fn modules() -> Vec<(String, PathBuf, Value)> {
    let mut modules: Vec<(String, PathBuf, Value)> = common::policy_dirs()
        .iter()
        .map(|dir| (common::name(dir), common::module_path(dir), json!({})))
        .collect();
    for profile in ["pss-restricted", "aks-deployment-safeguards"] {
        let path = common::workspace().join(format!("profiles/{profile}.yml"));
        let settings: Value =
            serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let module = common::artifacts().join("bundle/policy.wasm");
        modules.push((format!("bundle ({profile})"), module, settings));
    }
    modules
}

/// One container as `kubectl apply` sends it after defaulting: image,
/// ports, env, resources, probes, mounts and a security context.
fn container(i: usize) -> Value {
    json!({
        "name": format!("app-{i}"),
        "image": format!("registry.example.com/team/app-{i}:1.{i}.0"),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "MODE", "value": "production"}, {"name": "INDEX", "value": i.to_string()}],
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                      "limits": {"cpu": "500m", "memory": "256Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
                           "periodSeconds": 10, "timeoutSeconds": 1},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080, "scheme": "HTTP"},
                          "periodSeconds": 10, "timeoutSeconds": 1},
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true, "runAsUser": 10001,
                            "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"
    })
}

/// A Pod CREATE with `n` containers, its manifest also in kubectl's
/// last-applied annotation (as `kubectl apply` sends it).
fn pod_request(n: usize) -> Value {
    let containers: Vec<Value> = (0..n).map(container).collect();
    let spec = json!({"containers": containers, "automountServiceAccountToken": false,
        "volumes": [{"name": "data", "emptyDir": {}}],
        "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst"});
    let manifest = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "big", "namespace": "prod"}, "spec": spec});
    let object = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "big", "namespace": "prod", "labels": {"app": "big"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                manifest.to_string()}},
        "spec": spec});
    json!({"uid": "limits", "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "name": "big", "namespace": "prod", "operation": "CREATE",
        "userInfo": {"username": "kubernetes-admin"}, "object": object})
}

fn payload(request: &Value, settings: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"request": request, "settings": settings})).unwrap()
}

/// Not a 500, not a trap: the module judged the request.
fn judged(name: &str, response: &ValidationResponse) {
    assert_ne!(response.code, Some(500), "{name}: {:?}", response.message);
}

#[test]
fn a_pod_with_1000_containers_costs_at_most_11_times_the_100_container_pod() {
    let small = pod_request(100);
    let large = pod_request(1000);
    let mut worst = 0.0f64;
    let mut lines = Vec::new();
    for (name, module, settings) in modules() {
        let policy = Policy::load_metered(&module).unwrap();
        let (small, large) = (payload(&small, &settings), payload(&large, &settings));
        // Warm up (the first calls grow memory and fill caches).
        for p in [&small, &large, &small, &large] {
            judged(&name, &policy.validate_raw(p).unwrap());
        }
        let fuel_small = policy.fuel_used(&small).unwrap();
        let fuel_large = policy.fuel_used(&large).unwrap();
        let ratio = fuel_large as f64 / fuel_small as f64;
        worst = worst.max(ratio);
        lines.push(format!(
            "  {name:<40} {fuel_small:>13} {fuel_large:>14} {ratio:>7.2}x"
        ));
        assert!(
            ratio <= 11.0,
            "{name}: 1000 containers cost {fuel_large} fuel, {ratio:.2} times the {fuel_small} of 100"
        );
    }
    eprintln!(
        "fuel per request, 100 and 1000 containers (worst ratio {worst:.2}):\n  {:<40} {:>13} {:>14} {:>8}\n{}",
        "module",
        "100",
        "1000",
        "ratio",
        lines.join("\n")
    );
}

#[test]
fn the_largest_object_the_api_server_accepts_is_judged_within_the_default_limits() {
    // Containers until the request is just under the API server's limit.
    let mut n = 1000;
    while serde_json::to_vec(&pod_request(n + 100)).unwrap().len() < API_SERVER_MAX_BYTES - 4096 {
        n += 100;
    }
    let request = pod_request(n);
    let size = serde_json::to_vec(&request).unwrap().len();
    assert!(size > API_SERVER_MAX_BYTES * 9 / 10, "{size} bytes");
    let limits = Limits::default();
    let mut lines = Vec::new();
    for (name, module, settings) in modules() {
        let policy = Policy::load_limited(&module, limits).unwrap();
        let p = payload(&request, &settings);
        let response = policy.validate_raw(&p).unwrap();
        judged(&name, &response);
        let fuel = policy.fuel_used(&p).unwrap();
        let pages: u64 = String::from_utf8(policy.call("memory_pages", b"").unwrap())
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        lines.push(format!(
            "  {name:<40} {fuel:>14} fuel ({:>5.2}% of the limit), {:>4} MiB",
            fuel as f64 * 100.0 / limits.fuel as f64,
            pages * 64 / 1024
        ));
    }
    eprintln!(
        "a Pod of {n} containers, {size} bytes, under the default limits ({} fuel, {} MiB):\n{}",
        limits.fuel,
        limits.memory >> 20,
        lines.join("\n")
    );
}

#[test]
fn a_request_beyond_the_limits_is_a_500_naming_the_limit_and_the_module_recovers() {
    let dir = common::workspace().join("policies/no-privilege");
    let module = common::module_path(&dir);
    let small = payload(&pod_request(1), &json!({}));
    let large = payload(&pod_request(1500), &json!({}));
    // Fuel: a budget far below what the large pod needs.
    let policy = Policy::load_limited(
        &module,
        Limits {
            fuel: 20_000_000,
            ..Limits::default()
        },
    )
    .unwrap();
    let out = policy.validate_raw(&large).unwrap();
    assert_eq!(out.code, Some(500), "{out:?}");
    assert!(!out.accepted);
    let message = out.message.unwrap_or_default();
    assert!(message.contains("fuel limit of 20000000"), "{message}");
    // The next request is judged by a fresh instance.
    let out = policy.validate_raw(&small).unwrap();
    assert!(out.accepted && out.code.is_none(), "{out:?}");
    // Memory: a cap the large payload cannot fit in.
    let policy = Policy::load_limited(
        &module,
        Limits {
            memory: 4 << 20,
            ..Limits::default()
        },
    )
    .unwrap();
    let out = policy.validate_raw(&large).unwrap();
    assert_eq!(out.code, Some(500), "{out:?}");
    let message = out.message.unwrap_or_default();
    assert!(message.contains("memory limit"), "{message}");
    let out = policy.validate_raw(&small).unwrap();
    assert!(out.accepted && out.code.is_none(), "{out:?}");
    // An endless guest is stopped by fuel too: the runner's defaults bound
    // every call, and `palisade run --help` prints them.
    let help = std::process::Command::new(common::runner())
        .args(["run", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains(&format!("[default: {}]", Limits::DEFAULT_FUEL)),
        "{help}"
    );
    assert!(
        help.contains(&format!("[default: {}]", Limits::DEFAULT_MEMORY >> 20)),
        "{help}"
    );
}

//! `make bench`: per-request cost of every policy module beside two
//! reference modules, measured side by side in one run.
//!
//! - noop: accepts without reading its payload, the host's own cost of a call;
//! - floor: parses the ValidationRequest into `serde_json::Value` and accepts.
//!
//! Cost is measured two ways:
//! - wall time: each module is compiled once and its instance reused. Rounds
//!   interleave the modules, so machine noise hits all of them alike; each
//!   figure is the median over rounds;
//! - fuel: wasmtime fuel metering on a second instance of each module
//!   (`Policy::load_metered`): the wasm operators the guest executes per
//!   call. Deterministic, so it compares across runs and machines where
//!   times do not, but blind to what the operators cost.
//!
//! A module's own cost is its total minus noop's (per module called); its
//! ratio is its own cost over the floor's own cost.

use palisade_cli::host::{Policy, ValidationResponse};
use palisade_cli::profile::Profile;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

const ROUNDS: usize = 15;
const TARGET_ROUND_NANOS: u128 = 20_000_000;
const LEAK_CHECK_CALLS: usize = 10_000;
/// Size limits: a single-rule module, and the bundle that links them all.
const SIZE_LIMIT: u64 = 300 * 1024;
const BUNDLE_SIZE_LIMIT: u64 = 400 * 1024;
const OWN_TIME_LIMIT: f64 = 0.5;
/// Calls before fuel is read: the first calls of an instance grow its heap
/// and fill its caches, which later calls do not pay.
const FUEL_WARM_UP: usize = 3;
/// Calls whose fuel is read; the median is reported. A call's fuel can
/// differ from the next's: the guest seeds each new hash map differently
/// (serde_json's maps are hashed), which moves its collisions.
const FUEL_CALLS: usize = 5;
/// The module that runs a whole profile, given the profile as settings.
const BUNDLE: &str = "bundle";

// --- reference requests ----------------------------------------------------
//
// What the API server sends a validating webhook for `kubectl apply` (client
// side): the stored object with its server defaults, admission-injected
// fields, `managedFields` and the last-applied annotation. The pods carry the
// status of a running pod and the Deployment its controller's status, as the
// API server holds them on an UPDATE; the operation stays CREATE so every
// rule takes its full path (some skip checks on updates). Everything is fixed:
// the payloads are the same bytes on every run.

/// When the objects were applied, and when their containers started.
const APPLIED_AT: &str = "2025-06-02T09:14:07Z";
const STARTED_AT: &str = "2025-06-02T09:14:12Z";

/// Deterministic hex digits from a seed (uids, image digests, container ids).
fn hex(seed: u64, digits: usize) -> String {
    let mut x = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut out = String::new();
    while out.len() < digits {
        // splitmix64
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.push_str(&format!("{:016x}", z ^ (z >> 31)));
    }
    out.truncate(digits);
    out
}

fn uid(seed: u64) -> String {
    let h = hex(seed, 32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A container as its author writes it: everything a real manifest carries,
/// most of which a pod-security rule never reads.
fn container_manifest(i: usize) -> Value {
    let mut env: Vec<Value> = (0..8)
        .map(|e| json!({"name": format!("VAR_{e}"), "value": format!("value-{e}")}))
        .collect();
    env.push(
        json!({"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}),
    );
    env.push(json!({"name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}));
    json!({
        "name": format!("app-{i}"),
        "image": format!("registry.example.com/team/service-{i}:1.{i}.0"),
        "command": ["/bin/server"], "args": ["--port=8080", "--log-level=info", "--metrics"],
        "env": env,
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
    })
}

fn pod_spec_manifest(containers: usize) -> Value {
    json!({
        "containers": (0..containers).map(container_manifest).collect::<Vec<_>>(),
        "volumes": [{"name": "config", "configMap": {"name": "app-config"}}, {"name": "cache", "emptyDir": {}}],
        "securityContext": {"fsGroup": 2000, "supplementalGroups": [3000], "runAsNonRoot": true},
        "serviceAccountName": "app", "terminationGracePeriodSeconds": 30,
        "nodeSelector": {"kubernetes.io/os": "linux"},
    })
}

/// Fills in what `value` lacks from `defaults`, recursively: the fields the
/// API server defaults.
fn with_defaults(mut value: Value, defaults: &Value) -> Value {
    if let (Some(target), Some(defaults)) = (value.as_object_mut(), defaults.as_object()) {
        for (key, default) in defaults {
            let merged = match target.remove(key) {
                Some(given) => with_defaults(given, default),
                None => default.clone(),
            };
            target.insert(key.clone(), merged);
        }
    }
    value
}

/// A pod spec (or pod template spec) as stored: with the API server's defaults.
fn defaulted_pod_spec(manifest: &Value) -> Value {
    let probe = json!({"httpGet": {"scheme": "HTTP"}, "timeoutSeconds": 1, "successThreshold": 1,
                       "failureThreshold": 3});
    let container_defaults = json!({"terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
        "livenessProbe": probe, "readinessProbe": probe});
    let mut spec = with_defaults(
        manifest.clone(),
        &json!({"restartPolicy": "Always", "dnsPolicy": "ClusterFirst",
                "schedulerName": "default-scheduler", "serviceAccount": manifest["serviceAccountName"],
                "enableServiceLinks": true, "terminationGracePeriodSeconds": 30}),
    );
    spec["containers"] = Value::Array(
        spec["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| with_defaults(c.clone(), &container_defaults))
            .collect(),
    );
    spec["volumes"][0]["configMap"]["defaultMode"] = json!(420);
    spec
}

/// What pod admission adds to a pod (not to a template): the service
/// account token volume in every container, the default tolerations, the
/// priority, and the node the scheduler chose.
fn admitted_pod_spec(mut spec: Value) -> Value {
    let token = "kube-api-access-x7k2p";
    for container in spec["containers"].as_array_mut().into_iter().flatten() {
        if let Some(mounts) = container["volumeMounts"].as_array_mut() {
            mounts.push(json!({"name": token, "readOnly": true,
                               "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}));
        }
    }
    if let Some(volumes) = spec["volumes"].as_array_mut() {
        volumes.push(json!({"name": token, "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}));
    }
    let toleration = |key: &str| json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300});
    spec["tolerations"] = json!([
        toleration("node.kubernetes.io/not-ready"),
        toleration("node.kubernetes.io/unreachable")
    ]);
    spec["priority"] = json!(0);
    spec["preemptionPolicy"] = json!("PreemptLowerPriority");
    spec["nodeName"] = json!("worker-3");
    spec
}

/// A running pod's status, as the kubelet reports it.
fn pod_status(spec: &Value) -> Value {
    let condition = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": STARTED_AT});
    let statuses: Vec<Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| container_status(i, c))
        .collect();
    let conditions = [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    .map(condition);
    json!({
        "phase": "Running",
        "conditions": conditions,
        "hostIP": "10.0.3.17", "hostIPs": [{"ip": "10.0.3.17"}],
        "podIP": "10.244.3.41", "podIPs": [{"ip": "10.244.3.41"}],
        "startTime": APPLIED_AT, "qosClass": "Burstable",
        "containerStatuses": statuses,
    })
}

fn container_status(i: usize, container: &Value) -> Value {
    let image = container["image"].as_str().unwrap_or_default();
    let repository = image.split(':').next().unwrap_or_default();
    let mounts: Vec<Value> = container["volumeMounts"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let mut status = m.clone();
            if m["readOnly"] == json!(true) {
                status["recursiveReadOnly"] = json!("Disabled");
            }
            status
        })
        .collect();
    json!({
        "name": container["name"], "image": image,
        "imageID": format!("{repository}@sha256:{}", hex(i as u64, 64)),
        "containerID": format!("containerd://{}", hex(1000 + i as u64, 64)),
        "state": {"running": {"startedAt": STARTED_AT}}, "lastState": {},
        "ready": true, "restartCount": 0, "started": true,
        "allocatedResources": container["resources"]["requests"],
        "resources": container["resources"],
        "user": {"linux": {"uid": 1000, "gid": 1000, "supplementalGroups": [1000, 2000, 3000]}},
        "volumeMounts": mounts,
    })
}

fn deployment_status() -> Value {
    let condition = |kind: &str, reason: &str, message: &str| {
        json!({"type": kind, "status": "True", "lastUpdateTime": STARTED_AT,
               "lastTransitionTime": STARTED_AT, "reason": reason, "message": message})
    };
    json!({
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
        "availableReplicas": 3,
        "conditions": [
            condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability."),
            condition("Progressing", "NewReplicaSetAvailable",
                      "ReplicaSet \"web-7c9f8d5b6d\" has successfully progressed."),
        ],
    })
}

/// A JSON value with its keys sorted, as Go's encoder writes maps.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(key, _)| *key);
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A document as kubectl writes it into the last-applied annotation: keys
/// sorted, no spaces, a final newline.
fn go_json(value: &Value) -> String {
    format!("{}\n", sorted(value))
}

/// The key a merge list names its items by in `fieldsV1` (`k:{...}`); other
/// lists are atomic, owned whole.
fn list_item_key(list: &str, item: &Value) -> Option<Value> {
    let key = |fields: &[&str]| {
        Value::Object(
            fields
                .iter()
                .map(|f| ((*f).to_owned(), item[*f].clone()))
                .collect(),
        )
    };
    match list {
        "containers" | "env" | "volumes" => Some(key(&["name"])),
        "ports" => Some(key(&["containerPort", "protocol"])),
        "volumeMounts" => Some(key(&["mountPath"])),
        "conditions" => Some(key(&["type"])),
        "hostIPs" | "podIPs" => Some(key(&["ip"])),
        _ => None,
    }
}

/// The `fieldsV1` set of a value's fields: `f:<field>` per map key,
/// `k:<key>` per merge-list item, `.` for a map or item that is itself owned.
fn fields_v1(value: &Value) -> Value {
    let Some(map) = value.as_object() else {
        return json!({});
    };
    Value::Object(
        map.iter()
            .map(|(field, child)| (format!("f:{field}"), field_set(field, child)))
            .collect(),
    )
}

fn field_set(field: &str, value: &Value) -> Value {
    let mut set = Map::new();
    match value {
        Value::Object(map) if !map.is_empty() => {
            set.insert(".".into(), json!({}));
            set.extend(fields_v1(value).as_object().cloned().unwrap_or_default());
        }
        Value::Array(items)
            if items
                .first()
                .and_then(|i| list_item_key(field, i))
                .is_some() =>
        {
            set.insert(".".into(), json!({}));
            for item in items {
                let key = list_item_key(field, item).unwrap_or_default();
                let mut item_set = Map::from_iter([(".".to_owned(), json!({}))]);
                item_set.extend(fields_v1(item).as_object().cloned().unwrap_or_default());
                set.insert(format!("k:{key}"), Value::Object(item_set));
            }
        }
        _ => {}
    }
    Value::Object(set)
}

/// One `managedFields` entry: what a field manager last wrote.
fn managed(
    manager: &str,
    api_version: &str,
    subresource: Option<&str>,
    time: &str,
    fields: Value,
) -> Value {
    let mut entry = json!({"manager": manager, "operation": "Update", "apiVersion": api_version,
                           "time": time, "fieldsType": "FieldsV1", "fieldsV1": sorted(&fields)});
    if let Some(subresource) = subresource {
        entry["subresource"] = json!(subresource);
    }
    entry
}

/// An object as `kubectl apply` creates it and the API server then stores
/// it: `manifest` is what was applied; `spec` and `status` as stored;
/// `others` the field managers besides kubectl (controllers, kubelet).
fn applied_object(manifest: &Value, spec: Value, status: Value, others: Vec<Value>) -> Value {
    let name = manifest["metadata"]["name"].as_str().unwrap_or_default();
    let mut applied = manifest.clone();
    applied["metadata"]["annotations"] = json!({});
    let mut metadata = manifest["metadata"].clone();
    metadata["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": go_json(&applied)});
    let kubectl_fields = json!({
        "f:metadata": {"f:annotations": field_set("annotations", &metadata["annotations"]),
                       "f:labels": field_set("labels", &metadata["labels"])},
        "f:spec": fields_v1(&spec),
    });
    let api_version = manifest["apiVersion"].as_str().unwrap_or_default();
    let mut managed_fields = vec![managed(
        "kubectl-client-side-apply",
        api_version,
        None,
        APPLIED_AT,
        kubectl_fields,
    )];
    managed_fields.extend(others);
    metadata["uid"] = json!(uid(name.bytes().fold(17, |h, b| h * 31 + u64::from(b))));
    metadata["resourceVersion"] = json!("48213");
    metadata["creationTimestamp"] = json!(APPLIED_AT);
    metadata["managedFields"] = json!(managed_fields);
    json!({"apiVersion": manifest["apiVersion"], "kind": manifest["kind"], "metadata": metadata,
           "spec": spec, "status": status})
}

fn manifest_metadata(name: &str) -> Value {
    json!({"name": name, "namespace": "default",
           "labels": {"app": name, "team": "payments", "tier": "backend"}})
}

fn pod(name: &str, containers: usize) -> Value {
    let manifest = json!({"apiVersion": "v1", "kind": "Pod", "metadata": manifest_metadata(name),
                          "spec": pod_spec_manifest(containers)});
    let spec = admitted_pod_spec(defaulted_pod_spec(&manifest["spec"]));
    let status = pod_status(&spec);
    let kubelet = managed(
        "kubelet",
        "v1",
        Some("status"),
        STARTED_AT,
        json!({"f:status": fields_v1(&status)}),
    );
    applied_object(&manifest, spec, status, vec![kubelet])
}

fn deployment(name: &str, containers: usize) -> Value {
    let labels = json!({"app": name});
    let manifest = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": manifest_metadata(name),
        "spec": {"replicas": 3, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": pod_spec_manifest(containers)}}});
    let mut spec = with_defaults(
        manifest["spec"].clone(),
        &json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}),
    );
    spec["template"]["spec"] = defaulted_pod_spec(&spec["template"]["spec"]);
    let status = deployment_status();
    let revision =
        json!({"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}}});
    let controller = [
        managed(
            "kube-controller-manager",
            "apps/v1",
            None,
            APPLIED_AT,
            revision,
        ),
        managed(
            "kube-controller-manager",
            "apps/v1",
            Some("status"),
            STARTED_AT,
            json!({"f:status": fields_v1(&status)}),
        ),
    ];
    let mut object = applied_object(&manifest, spec, status, controller.to_vec());
    object["metadata"]["generation"] = json!(1);
    object["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("1");
    object
}

/// A LoadBalancer Service as `kubectl apply` leaves it: allocated cluster IP
/// and node ports, the cloud controller's status.
fn service(name: &str) -> Value {
    let ports = json!([{"name": "https", "protocol": "TCP", "port": 443, "targetPort": 8443},
                       {"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]);
    let manifest = json!({"apiVersion": "v1", "kind": "Service", "metadata": manifest_metadata(name),
        "spec": {"type": "LoadBalancer", "selector": {"app": name}, "ports": ports}});
    let mut spec = with_defaults(
        manifest["spec"].clone(),
        &json!({"clusterIP": "10.0.171.239", "clusterIPs": ["10.0.171.239"], "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
                "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
                "allocateLoadBalancerNodePorts": true}),
    );
    for (i, port) in [31443, 30080].into_iter().enumerate() {
        spec["ports"][i]["nodePort"] = json!(port);
    }
    let status = json!({"loadBalancer": {"ingress": [{"ip": "20.31.8.77", "ipMode": "VIP"}]}});
    let controller = managed(
        "cloud-controller-manager",
        "v1",
        Some("status"),
        STARTED_AT,
        json!({"f:status": fields_v1(&status)}),
    );
    applied_object(&manifest, spec, status, vec![controller])
}

/// An Ingress with TLS for two hosts, as `kubectl apply` leaves it.
fn ingress(name: &str) -> Value {
    let rule = |host: &str| {
        json!({"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix",
            "backend": {"service": {"name": name, "port": {"number": 443}}}}]}})
    };
    let mut manifest = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": manifest_metadata(name),
        "spec": {"ingressClassName": "nginx",
                 "tls": [{"hosts": ["shop.example.com", "api.example.com"], "secretName": "shop-tls"}],
                 "rules": [rule("shop.example.com"), rule("api.example.com")]}});
    manifest["metadata"]["annotations"] = json!({"kubernetes.io/ingress.allow-http": "false"});
    let status = json!({"loadBalancer": {"ingress": [{"ip": "20.31.8.78"}]}});
    let mut object = applied_object(&manifest, manifest["spec"].clone(), status, vec![]);
    object["metadata"]["annotations"]["kubernetes.io/ingress.allow-http"] = json!("false");
    object
}

/// The AdmissionRequest around an object, as the API server sends it.
fn request(kind: &str, group: &str, object: Value) -> Value {
    let version = object["apiVersion"]
        .as_str()
        .unwrap_or("v1")
        .rsplit('/')
        .next()
        .unwrap_or("v1")
        .to_owned();
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let kind_lower = kind.to_lowercase();
    let plural = if kind_lower.ends_with('s') { "es" } else { "s" };
    let gvr =
        json!({"group": group, "version": version, "resource": format!("{kind_lower}{plural}")});
    json!({"uid": uid(7), "kind": gvk, "resource": gvr, "requestKind": gvk, "requestResource": gvr,
           "name": object["metadata"]["name"], "namespace": "default", "operation": "CREATE",
           "userInfo": {"username": "kubernetes-admin", "groups": ["kubeadm:cluster-admins", "system:authenticated"]},
           "object": object, "oldObject": null, "dryRun": false,
           "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1",
                       "fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict"}})
}

fn reference_requests() -> Vec<(&'static str, Value)> {
    vec![
        ("pod-1", request("Pod", "", pod("one", 1))),
        (
            "deploy-10",
            request("Deployment", "apps", deployment("web", 10)),
        ),
        ("pod-100", request("Pod", "", pod("hundred", 100))),
        ("service", request("Service", "", service("storefront"))),
        (
            "ingress",
            request("Ingress", "networking.k8s.io", ingress("storefront")),
        ),
    ]
}

/// Settings for the rules that need some to do anything (and refuse none).
fn bench_settings(policy: &str) -> Value {
    match policy {
        "allowed-images" => json!({"allowed_registries": ["docker.io", "registry.example.com"]}),
        "required-labels" => json!({"required_labels": ["app", "team"]}),
        "service-allowed-ports" => json!({"allowed_ports": [80, 443]}),
        "container-allowed-ports" => json!({"allowed_ports": ["8000-9100"]}),
        _ => json!({}),
    }
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

// --- modules -----------------------------------------------------------------

/// A module with its settings, loaded twice: an instance to time and a
/// fuel-metered one (metering slows the code it instruments).
struct Module {
    name: String,
    size: u64,
    timed: Policy,
    metered: Policy,
    settings: Value,
}

fn module_file(policy: &str) -> String {
    format!("{}.wasm", policy.replace('-', "_"))
}

fn load(dir: &Path, file: &str, name: &str, settings: Value) -> anyhow::Result<Module> {
    let path = dir.join(file);
    Ok(Module {
        name: name.to_owned(),
        size: std::fs::metadata(&path)?.len(),
        timed: Policy::load(&path)?,
        metered: Policy::load_metered(&path)?,
        settings,
    })
}

/// Loads a module that `make wasm` builds; without it the bench cannot run.
fn load_built(dir: &Path, file: &str, name: &str, settings: Value) -> Module {
    load(dir, file, name, settings)
        .unwrap_or_else(|e| panic!("{}: {e:#}; run `make wasm`", dir.join(file).display()))
}

/// The bundle module for a profile, or why there is none.
fn load_bundle(dir: &Path, profile: &Profile) -> Result<Module, String> {
    let file = module_file(BUNDLE);
    if !dir.join(&file).exists() {
        return Err(format!("{file} is not built"));
    }
    let module =
        load(dir, &file, BUNDLE, profile.bundle_settings()).map_err(|e| format!("{e:#}"))?;
    match module.timed.validate_settings(&module.settings) {
        Ok(v) if v.valid => Ok(module),
        Ok(v) => Err(format!(
            "refuses the profile: {}",
            v.message.unwrap_or_default()
        )),
        Err(e) => Err(format!("validate_settings failed: {e:#}")),
    }
}

/// A profile's rules loaded with their settings: the modules policy-server
/// would run, one after the other, on each request.
fn profile_modules(dir: &Path, profile: &Profile) -> Vec<Module> {
    profile
        .rules
        .iter()
        .map(|rule| {
            let settings = profile.settings(rule, false);
            load_built(dir, &module_file(&rule.policy), rule.name(), settings)
        })
        .collect()
}

fn payload(request: &Value, settings: &Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"request": request, "settings": settings})).expect("json")
}

// --- measuring -----------------------------------------------------------------

/// Modules called in turn, each on its payload: one module, or a profile's
/// rules as separate modules.
struct Run<'a> {
    calls: Vec<(&'a Module, Vec<u8>)>,
}

impl<'a> Run<'a> {
    fn new(modules: impl IntoIterator<Item = &'a Module>, request: &Value) -> Self {
        let calls = modules
            .into_iter()
            .map(|m| (m, payload(request, &m.settings)))
            .collect();
        Self { calls }
    }

    /// Every call once on both instances, checking they answer alike: the
    /// combined verdict, or why the run cannot be measured.
    fn verdict(&self) -> Result<&'static str, String> {
        let mut verdicts = Vec::new();
        for (module, payload) in &self.calls {
            let timed = module.timed.validate_raw(payload);
            let metered = module.metered.validate_raw(payload);
            match (timed, metered) {
                (Ok(t), Ok(m)) if t == m => verdicts.push(verdict(&t)),
                (Ok(_), Ok(_)) => return Err(format!("{}: metered answer differs", module.name)),
                (Err(e), _) | (_, Err(e)) => return Err(format!("{}: {e:#}", module.name)),
            }
        }
        Ok(["reject", "mutate", "accept"]
            .into_iter()
            .find(|v| verdicts.contains(v))
            .unwrap_or("accept"))
    }

    fn call(&self) {
        for (module, payload) in &self.calls {
            std::hint::black_box(module.timed.validate_raw(payload).expect("call"));
        }
    }

    /// Fuel of a pass over the calls: the median of `FUEL_CALLS` passes
    /// after warm-up, and how far apart they were.
    fn fuel(&self) -> Fuel {
        let pass = || -> u64 {
            self.calls
                .iter()
                .map(|(m, p)| m.metered.fuel_used(p).expect("metered call"))
                .sum()
        };
        for _ in 0..FUEL_WARM_UP {
            pass();
        }
        let mut passes: Vec<u64> = (0..FUEL_CALLS).map(|_| pass()).collect();
        passes.sort_unstable();
        let median = passes[passes.len() / 2];
        let spread = (passes[passes.len() - 1] - passes[0]) as f64 / median.max(1) as f64;
        Fuel { median, spread }
    }
}

fn verdict(response: &ValidationResponse) -> &'static str {
    match (response.accepted, response.mutated_object.is_some()) {
        (false, _) => "reject",
        (true, true) => "mutate",
        (true, false) => "accept",
    }
}

/// Fuel per pass: the median, and (max - min) / median over the passes.
struct Fuel {
    median: u64,
    spread: f64,
}

impl Fuel {
    /// `~` after a count whose passes differed.
    fn mark(&self) -> &'static str {
        if self.spread > 0.0 { "~" } else { "" }
    }
}

/// A run's cost per request.
struct Cost {
    nanos: f64,
    fuel: Fuel,
    /// Modules called: own cost subtracts noop's once per module.
    calls: usize,
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

/// Times (side by side) and fuel of runs that answer.
fn costs(runs: &[&Run]) -> Vec<Cost> {
    let calls: Vec<Box<dyn Fn() + '_>> = runs
        .iter()
        .map(|run| Box::new(move || run.call()) as Box<dyn Fn()>)
        .collect();
    let times = measure(&calls.iter().map(|c| c.as_ref()).collect::<Vec<_>>());
    runs.iter()
        .zip(times)
        .map(|(run, nanos)| Cost {
            nanos,
            fuel: run.fuel(),
            calls: run.calls.len(),
        })
        .collect()
}

/// noop's and the floor's cost on a request: what other costs compare with.
struct Baseline {
    noop: Cost,
    floor: Cost,
}

impl Baseline {
    fn own_nanos(&self, cost: &Cost) -> f64 {
        cost.nanos - self.noop.nanos * cost.calls as f64
    }

    fn own_fuel(&self, cost: &Cost) -> i64 {
        cost.fuel.median as i64 - self.noop.fuel.median as i64 * cost.calls as i64
    }

    fn time_ratio(&self, cost: &Cost) -> f64 {
        self.own_nanos(cost) / self.own_nanos(&self.floor)
    }

    fn fuel_ratio(&self, cost: &Cost) -> f64 {
        self.own_fuel(cost) as f64 / self.own_fuel(&self.floor) as f64
    }

    fn describe(&self) -> String {
        format!(
            "noop {:.1} µs, {}{} fuel; floor {:.1} µs (own {:.1}), {}{} fuel (own {})",
            self.noop.nanos / 1e3,
            thousands(self.noop.fuel.median as i64),
            self.noop.fuel.mark(),
            self.floor.nanos / 1e3,
            self.own_nanos(&self.floor) / 1e3,
            thousands(self.floor.fuel.median as i64),
            self.floor.fuel.mark(),
            thousands(self.own_fuel(&self.floor)),
        )
    }

    /// A cost's columns: total and own time, time ratio; the same for fuel.
    fn columns(&self, cost: &Cost) -> String {
        format!(
            "{:>9.1} {:>9.1} {:>6.2}  {:>13}{:1} {:>13} {:>6.2}",
            cost.nanos / 1e3,
            self.own_nanos(cost) / 1e3,
            self.time_ratio(cost),
            thousands(cost.fuel.median as i64),
            cost.fuel.mark(),
            thousands(self.own_fuel(cost)),
            self.fuel_ratio(cost),
        )
    }
}

const COLUMNS: &str = "       µs    own µs  ratio           fuel       own fuel  ratio";

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// What the bench found besides its tables.
#[derive(Default)]
struct Findings {
    missed: Vec<String>,
    /// The widest fuel spread between passes of one run, and where.
    widest_spread: Option<(f64, String)>,
}

impl Findings {
    fn spread(&mut self, spread: f64, run: &str, request: &str) {
        if self.widest_spread.as_ref().is_none_or(|(s, _)| spread > *s) {
            self.widest_spread = Some((spread, format!("{run} on {request}")));
        }
    }
}

/// Costs of `runs` on one request beside noop's and the floor's. Runs that
/// fail or answer differently metered are reported and skipped.
fn measure_with_baseline<'a>(
    (noop, floor): (&Module, &Module),
    (request_label, request): (&str, &Value),
    runs: &'a [(String, Run)],
    findings: &mut Findings,
) -> (Baseline, Vec<(&'a str, &'static str, Cost)>) {
    let reference = [Run::new([noop], request), Run::new([floor], request)];
    let mut measured: Vec<(&str, &'static str, &Run)> = Vec::new();
    for (label, run) in runs {
        match run.verdict() {
            Ok(verdict) => measured.push((label, verdict, run)),
            Err(e) => findings
                .missed
                .push(format!("{label} on {request_label}: {e}")),
        }
    }
    let all: Vec<&Run> = reference
        .iter()
        .chain(measured.iter().map(|(_, _, r)| *r))
        .collect();
    let mut costs = costs(&all).into_iter();
    let (noop, floor) = (costs.next().expect("noop"), costs.next().expect("floor"));
    let results: Vec<_> = measured
        .into_iter()
        .zip(costs)
        .map(|((label, verdict, _), cost)| (label, verdict, cost))
        .collect();
    findings.spread(noop.fuel.spread, "noop", request_label);
    findings.spread(floor.fuel.spread, "floor", request_label);
    for (label, _, cost) in &results {
        findings.spread(cost.fuel.spread, label, request_label);
    }
    (Baseline { noop, floor }, results)
}

// --- report sections -------------------------------------------------------------

fn report_sizes(modules: &[&Module], artifacts: &Path, findings: &mut Findings) {
    println!(
        "module sizes (bytes; annotated = what users pull, limit {SIZE_LIMIT}, bundle {BUNDLE_SIZE_LIMIT})"
    );
    for m in modules {
        let annotated = std::fs::metadata(artifacts.join(&m.name).join("policy.wasm"))
            .map(|m| m.len())
            .ok();
        let shown = annotated.map_or("-".to_owned(), |a| a.to_string());
        println!("  {:<28} {:>8} raw  {:>8} annotated", m.name, m.size, shown);
        let limit = if m.name == "bundle" {
            BUNDLE_SIZE_LIMIT
        } else {
            SIZE_LIMIT
        };
        if annotated.unwrap_or(m.size) > limit {
            findings
                .missed
                .push(format!("{} is over {limit} bytes", m.name));
        }
    }
}

/// Every policy on each request with default settings, then the mutating
/// ones with settings that make them mutate.
fn report_policies(
    reference: (&Module, &Module),
    policies: &[Module],
    mutating: &[Module],
    requests: &[(&str, Value)],
    findings: &mut Findings,
) {
    println!(
        "\nper-request cost: time (median of {ROUNDS} interleaved rounds) and fuel (wasm operators executed, median of {FUEL_CALLS} calls; ~ = calls differ)"
    );
    println!("own = total - noop; ratio = own / floor own (time target <= {OWN_TIME_LIMIT})");
    for (label, request) in requests {
        let runs = single_runs(policies, request, "");
        let (baseline, results) =
            measure_with_baseline(reference, (label, request), &runs, findings);
        let size = payload(request, &json!({})).len();
        println!(
            "  {label} ({} KB payload): {}",
            size / 1024,
            baseline.describe()
        );
        println!("    {:<32} {:<7}{COLUMNS}", "module", "verdict");
        for (name, verdict, cost) in &results {
            println!("    {name:<32} {verdict:<7}{}", baseline.columns(cost));
            let ratio = baseline.time_ratio(cost);
            if ratio > OWN_TIME_LIMIT {
                findings.missed.push(format!(
                    "{name} on {label}: own time {ratio:.2}x the floor's"
                ));
            }
        }
        // The mutating rules are pod rules: a Service or Ingress has
        // nothing for them to mutate.
        if !matches!(
            request["kind"]["kind"].as_str(),
            Some("Service" | "Ingress")
        ) {
            report_mutations(reference, mutating, (label, request), findings);
        }
    }
}

/// Each module alone on a request, labelled by its name and `suffix`.
fn single_runs<'a>(modules: &'a [Module], request: &Value, suffix: &str) -> Vec<(String, Run<'a>)> {
    modules
        .iter()
        .map(|m| (format!("{}{suffix}", m.name), Run::new([m], request)))
        .collect()
}

/// The mutating policies with settings that make them mutate: the costlier
/// path, which serialises the patched object.
fn report_mutations(
    reference: (&Module, &Module),
    mutating: &[Module],
    (label, request): (&str, &Value),
    findings: &mut Findings,
) {
    let runs = single_runs(mutating, request, " (mutation)");
    let (baseline, results) = measure_with_baseline(reference, (label, request), &runs, findings);
    for (name, verdict, cost) in &results {
        println!("    {name:<32} {verdict:<7}{}", baseline.columns(cost));
        if *verdict != "mutate" {
            findings
                .missed
                .push(format!("{name}: the settings did not mutate {label}"));
        }
    }
}

/// A profile as policy-server runs it today (its rules as separate modules,
/// in turn) and, when built, as the bundle module running the whole profile.
struct ProfileModules {
    name: String,
    rules: Vec<Module>,
    bundle: Result<Module, String>,
}

/// How a bundle run's label ends (and a separate modules' run's does not).
const BUNDLED: &str = " (bundle)";

impl ProfileModules {
    /// The runs to compare on a request: separate modules, then the bundle.
    fn runs(&self, request: &Value) -> Vec<(String, Run<'_>)> {
        let mut runs = vec![(self.name.clone(), Run::new(&self.rules, request))];
        if let Ok(bundle) = &self.bundle {
            runs.push((
                format!("{}{BUNDLED}", self.name),
                Run::new([bundle], request),
            ));
        }
        runs
    }
}

fn report_profiles(
    reference: (&Module, &Module),
    profiles: &[ProfileModules],
    requests: &[(&str, Value)],
    findings: &mut Findings,
) {
    println!(
        "\nprofiles: the rules as separate modules in turn, and the bundle module with the profile as its settings"
    );
    println!("own = total - modules x noop; ratio = own / floor own");
    report_missing_bundles(profiles);
    for (label, request) in requests {
        let runs: Vec<(String, Run)> = profiles.iter().flat_map(|p| p.runs(request)).collect();
        let (baseline, results) =
            measure_with_baseline(reference, (label, request), &runs, findings);
        println!("  {label}: {}", baseline.describe());
        println!(
            "    {:<22} {:<10} {:<7}{COLUMNS}",
            "profile", "modules", "verdict"
        );
        for (run, verdict, cost) in &results {
            let (profile, modules) = match run.strip_suffix(BUNDLED) {
                Some(profile) => (profile, "bundle".to_owned()),
                None => (*run, format!("{} rules", cost.calls)),
            };
            println!(
                "    {profile:<22} {modules:<10} {verdict:<7}{}",
                baseline.columns(cost)
            );
        }
    }
}

/// One line per reason the bundle could not run profiles (one line in all
/// when it is not built).
fn report_missing_bundles(profiles: &[ProfileModules]) {
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in profiles {
        let Err(why) = &p.bundle else { continue };
        match reasons.iter_mut().find(|(reason, _)| reason == why) {
            Some((_, names)) => names.push(&p.name),
            None => reasons.push((why, vec![&p.name])),
        }
    }
    for (why, names) in reasons {
        println!("  bundle not measured ({}): {why}", names.join(", "));
    }
}

fn memory_pages(module: &Module) -> anyhow::Result<u64> {
    let out = module.timed.call("memory_pages", b"")?;
    Ok(String::from_utf8_lossy(&out).parse()?)
}

/// Linear memory must not grow over many evaluations of one request.
fn report_memory(modules: &[(String, &Module)], request: &Value, findings: &mut Findings) {
    println!(
        "\nlinear memory (64 KiB pages) after warm-up and after {LEAK_CHECK_CALLS} more evaluations of deploy-10"
    );
    for (label, m) in modules {
        match memory_growth(m, request) {
            Ok((before, after)) => {
                let flat = before == after;
                let verdict = if flat { "flat" } else { "GROWS" };
                println!("  {label:<28} {before} -> {after}  {verdict}");
                if !flat {
                    findings.missed.push(format!(
                        "{label}: memory grew from {before} to {after} pages"
                    ));
                }
            }
            Err(e) => {
                println!("  {label:<28} cannot tell: {e:#}");
                findings
                    .missed
                    .push(format!("{label}: memory not checked: {e:#}"));
            }
        }
    }
}

fn memory_growth(module: &Module, request: &Value) -> anyhow::Result<(u64, u64)> {
    let p = payload(request, &module.settings);
    for _ in 0..1_000 {
        module.timed.validate_raw(&p)?;
    }
    let before = memory_pages(module)?;
    for _ in 0..LEAK_CHECK_CALLS {
        module.timed.validate_raw(&p)?;
    }
    Ok((before, memory_pages(module)?))
}

fn report_findings(findings: &Findings) {
    if let Some((spread, run)) = &findings.widest_spread {
        println!(
            "\nfuel: widest difference between calls {:.3}% ({run})",
            spread * 100.0
        );
    }
    if findings.missed.is_empty() {
        println!("\nevery target met");
    } else {
        println!("\ntargets missed:\n  {}", findings.missed.join("\n  "));
    }
}

fn main() {
    let dir = PathBuf::from(
        std::env::var("PALISADE_WASM").unwrap_or_else(|_| "../target/wasm/modules".into()),
    );
    let artifacts = PathBuf::from(
        std::env::var("PALISADE_ARTIFACTS").unwrap_or_else(|_| "../target/artifacts".into()),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Were the bundle under policies/, it would still be measured with the
    // profiles it runs, not alone with default settings.
    let mut names: Vec<String> = std::fs::read_dir(root.join("policies"))
        .expect("policies/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name != BUNDLE)
        .collect();
    names.sort();
    let noop = load_built(&dir, "palisade_noop.wasm", "noop", json!({}));
    let floor = load_built(&dir, "palisade_floor.wasm", "floor", json!({}));
    let policies: Vec<Module> = names
        .iter()
        .map(|n| load_built(&dir, &module_file(n), n, bench_settings(n)))
        .collect();
    let mutating: Vec<Module> = names
        .iter()
        .filter_map(|n| Some(load_built(&dir, &module_file(n), n, mutation_settings(n)?)))
        .collect();
    let profiles: Vec<ProfileModules> = Profile::load_all(&root.join("profiles"))
        .expect("profiles/")
        .iter()
        .map(|p| ProfileModules {
            name: p.name.clone(),
            rules: profile_modules(&dir, p),
            bundle: load_bundle(&dir, p),
        })
        .collect();
    let bundles: Vec<(String, &Module)> = profiles
        .iter()
        .filter_map(|p| Some((format!("bundle ({})", p.name), p.bundle.as_ref().ok()?)))
        .collect();
    let requests = reference_requests();
    let reference = (&noop, &floor);
    let mut findings = Findings::default();

    let mut sized: Vec<&Module> = [&noop, &floor].into_iter().chain(&policies).collect();
    sized.extend(bundles.first().map(|(_, m)| *m));
    report_sizes(&sized, &artifacts, &mut findings);
    report_policies(reference, &policies, &mutating, &requests, &mut findings);
    report_profiles(reference, &profiles, &requests, &mut findings);
    let mut checked: Vec<(String, &Module)> = [&floor]
        .into_iter()
        .chain(&policies)
        .map(|m| (m.name.clone(), m))
        .collect();
    checked.extend(bundles);
    report_memory(&checked, &requests[1].1, &mut findings);
    report_findings(&findings);
}

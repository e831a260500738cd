//! Generated admission requests: every workload kind, every container kind,
//! security contexts, volumes, annotations, Services and Ingresses, UPDATEs
//! with old objects, and fields no schema knows. Every choice comes from a
//! [`Source`]: libFuzzer's bytes (through `arbitrary::Unstructured`) in the
//! fuzz targets, a seeded PRNG in the e2e property tests
//! (`e2e/tests/properties.rs` includes this file).

#![allow(dead_code)]

use serde_json::{Map, Value, json};

/// Where choices come from.
pub trait Source {
    /// A number below `n` (`n` > 0); 0 when the source runs dry.
    fn below(&mut self, n: usize) -> usize;

    fn coin(&mut self) -> bool {
        self.below(2) == 1
    }

    /// True about one time in `n`.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }

    /// A string from a dictionary, or now and then one of random characters.
    fn text(&mut self, dictionary: &[&str]) -> String {
        if self.one_in(12) {
            let len = self.below(12);
            (0..len)
                .map(|_| {
                    let c = CHARS.get(self.below(CHARS.len())).copied().unwrap_or(b'a');
                    c as char
                })
                .collect()
        } else {
            self.pick(dictionary).to_owned()
        }
    }

    fn int(&mut self) -> i64 {
        match self.below(8) {
            0 => -1,
            1 => 0,
            2 => i64::from(u32::MAX) + 1,
            3 => 65535,
            4 => 65536,
            _ => self.below(70000) as i64,
        }
    }
}

const CHARS: &[u8] = b"abcXYZ019-_./:*@,  \\\"\xc3\xa9";

/// Every kind the generator makes, as `(kind, group, version, resource)`.
pub const KINDS: &[(&str, &str, &str, &str)] = &[
    ("Pod", "", "v1", "pods"),
    ("Deployment", "apps", "v1", "deployments"),
    ("ReplicaSet", "apps", "v1", "replicasets"),
    ("StatefulSet", "apps", "v1", "statefulsets"),
    ("DaemonSet", "apps", "v1", "daemonsets"),
    ("Job", "batch", "v1", "jobs"),
    ("CronJob", "batch", "v1", "cronjobs"),
    ("ReplicationController", "", "v1", "replicationcontrollers"),
    ("PodTemplate", "", "v1", "podtemplates"),
    ("Service", "", "v1", "services"),
    ("Ingress", "networking.k8s.io", "v1", "ingresses"),
    ("ConfigMap", "", "v1", "configmaps"),
];

/// The workload kinds: their pod spec sits at [`template_prefix`].
pub const WORKLOADS: &[&str] = &[
    "Pod",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
    "PodTemplate",
];

/// Where a workload kind keeps its pod (`metadata` and `spec`).
pub fn template_prefix(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        _ => &["spec", "template"],
    }
}

pub const NAMESPACES: &[&str] = &["default", "kube-system", "prod", "team-a", "exempt"];
const NAMES: &[&str] = &["web", "app", "sidecar", "init", "debug", "db", "web", ""];
const IMAGES: &[&str] = &[
    "nginx",
    "nginx:latest",
    "nginx:1.27",
    "docker.io/library/nginx:1.27",
    "registry.k8s.io/pause:3.9",
    "mcr.microsoft.com/aks/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ghcr.io/org/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "localhost:5000/app",
    "myregistry.azurecr.io/team/app:2",
    "busybox:latest",
    "UPPER/Case",
    "a//b",
    ":tag",
    "",
];
const CAPABILITIES: &[&str] = &[
    "NET_RAW",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "SYS_ADMIN",
    "SYS_TIME",
    "CHOWN",
    "ALL",
    "all",
    "cap_net_raw",
    "CAP_SYS_ADMIN",
    "KILL",
    "",
];
const PROFILE_TYPES: &[&str] = &["RuntimeDefault", "Unconfined", "Localhost", "bogus", ""];
const LOCALHOST_PROFILES: &[&str] = &["profiles/audit.json", "my-profile", "", "../x"];
const ANNOTATION_PROFILES: &[&str] = &[
    "runtime/default",
    "docker/default",
    "unconfined",
    "localhost/profiles/audit.json",
    "localhost/",
    "bogus",
    "",
];
const SELINUX_USERS: &[&str] = &["system_u", "user_u", "", "x"];
const SELINUX_ROLES: &[&str] = &["system_r", "object_r", "", "x"];
const SELINUX_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
    "spc_t",
    "",
];
const SELINUX_LEVELS: &[&str] = &[
    "s0",
    "s0:c123,c456",
    "s0-s0:c0.c1023",
    "s0:c0.c5",
    "s1:c1",
    "s0:",
    ":",
    "",
];
const PROC_MOUNTS: &[&str] = &["Default", "Unmasked", "default", ""];
const SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ping_group_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ip_unprivileged_port_start",
    "kernel.msgmax",
    "net.core.somaxconn",
    "net/ipv4/ip_forward",
    "kernel.*",
    "",
];
const QUANTITIES: &[&str] = &[
    "100m",
    "250m",
    "1",
    "2",
    "0.5",
    "1.5",
    "0",
    "1Gi",
    "512Mi",
    "64M",
    "1e3",
    "1E3",
    "-1",
    "1.5.5",
    "1Ki",
    "1k",
    "9Ei",
    "12345678901234567890",
    "m",
    "",
];
const PULL_POLICIES: &[&str] = &["Always", "IfNotPresent", "Never", "always", ""];
const HOSTS: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "example.com",
    "10.0.0.1",
    "::1",
    "",
];
const RUNTIME_CLASSES: &[&str] = &["gvisor", "kata", "runc", ""];
const PATHS: &[&str] = &[
    "/var/log",
    "/var/run/docker.sock",
    "/",
    "/etc",
    "/data/x",
    "",
];
const DRIVERS: &[&str] = &[
    "secrets-store.csi.k8s.io",
    "disk.csi.azure.com",
    "example/flex",
    "",
];
const LABEL_KEYS: &[&str] = &["app", "team", "env", "owner", "app.kubernetes.io/name", ""];
const LABEL_VALUES: &[&str] = &["web", "prod", "dev", "alice", ""];
const IPS: &[&str] = &[
    "203.0.113.10",
    "10.0.0.5",
    "192.168.1.1",
    "::1",
    "2001:db8::1",
    "x",
    "",
];

/// A value now and then replaced by one of the wrong type.
fn odd(src: &mut dyn Source) -> Option<Value> {
    if src.one_in(40) {
        Some(match src.below(4) {
            0 => Value::Null,
            1 => json!("x"),
            2 => json!(7),
            _ => json!({}),
        })
    } else {
        None
    }
}

fn maybe_bool(src: &mut dyn Source, object: &mut Map<String, Value>, key: &str) {
    if src.coin() {
        let value = odd(src).unwrap_or_else(|| Value::Bool(src.coin()));
        object.insert(key.into(), value);
    }
}

fn maybe_int(src: &mut dyn Source, object: &mut Map<String, Value>, key: &str) {
    if src.one_in(3) {
        let value = odd(src).unwrap_or_else(|| json!(src.int()));
        object.insert(key.into(), value);
    }
}

fn maybe_text(src: &mut dyn Source, object: &mut Map<String, Value>, key: &str, dict: &[&str]) {
    if src.one_in(3) {
        let value = odd(src).unwrap_or_else(|| Value::String(src.text(dict)));
        object.insert(key.into(), value);
    }
}

/// A field no schema knows, for the property that untouched fields stay.
fn unknown(src: &mut dyn Source, object: &mut Map<String, Value>) {
    if src.one_in(6) {
        let value = match src.below(3) {
            0 => json!("kept"),
            1 => json!({"nested": [1, "two", null], "deep": {"x": true}}),
            _ => json!(12.5),
        };
        object.insert(format!("x-unknown-{}", src.below(3)), value);
    }
}

fn list<T>(src: &mut dyn Source, max: usize, mut item: impl FnMut(&mut dyn Source) -> T) -> Vec<T> {
    let n = src.below(max + 1);
    (0..n).map(|_| item(src)).collect()
}

fn profile_ref(src: &mut dyn Source) -> Value {
    let mut p = Map::new();
    maybe_text(src, &mut p, "type", PROFILE_TYPES);
    if src.coin() {
        p.insert("type".into(), json!(src.pick(PROFILE_TYPES)));
    }
    maybe_text(src, &mut p, "localhostProfile", LOCALHOST_PROFILES);
    Value::Object(p)
}

fn se_linux(src: &mut dyn Source) -> Value {
    let mut s = Map::new();
    maybe_text(src, &mut s, "user", SELINUX_USERS);
    maybe_text(src, &mut s, "role", SELINUX_ROLES);
    maybe_text(src, &mut s, "type", SELINUX_TYPES);
    maybe_text(src, &mut s, "level", SELINUX_LEVELS);
    Value::Object(s)
}

fn windows(src: &mut dyn Source) -> Value {
    let mut w = Map::new();
    maybe_bool(src, &mut w, "hostProcess");
    if src.coin() {
        w.insert("runAsUserName".into(), json!("ContainerUser"));
    }
    Value::Object(w)
}

/// A container's securityContext.
pub fn security_context(src: &mut dyn Source) -> Value {
    let mut sc = Map::new();
    maybe_bool(src, &mut sc, "privileged");
    maybe_bool(src, &mut sc, "allowPrivilegeEscalation");
    maybe_bool(src, &mut sc, "readOnlyRootFilesystem");
    maybe_bool(src, &mut sc, "runAsNonRoot");
    maybe_int(src, &mut sc, "runAsUser");
    maybe_int(src, &mut sc, "runAsGroup");
    if src.coin() {
        let mut caps = Map::new();
        if src.coin() {
            let add = list(src, 3, |s| json!(s.text(CAPABILITIES)));
            caps.insert("add".into(), Value::Array(add));
        }
        if src.coin() {
            let drop = list(src, 3, |s| json!(s.text(CAPABILITIES)));
            caps.insert("drop".into(), Value::Array(drop));
        }
        sc.insert(
            "capabilities".into(),
            odd(src).unwrap_or(Value::Object(caps)),
        );
    }
    if src.one_in(3) {
        sc.insert("seccompProfile".into(), profile_ref(src));
    }
    if src.one_in(4) {
        sc.insert("appArmorProfile".into(), profile_ref(src));
    }
    if src.one_in(4) {
        sc.insert("seLinuxOptions".into(), se_linux(src));
    }
    maybe_text(src, &mut sc, "procMount", PROC_MOUNTS);
    if src.one_in(6) {
        sc.insert("windowsOptions".into(), windows(src));
    }
    unknown(src, &mut sc);
    Value::Object(sc)
}

/// A pod's securityContext.
pub fn pod_security_context(src: &mut dyn Source) -> Value {
    let mut sc = Map::new();
    maybe_bool(src, &mut sc, "runAsNonRoot");
    maybe_int(src, &mut sc, "runAsUser");
    maybe_int(src, &mut sc, "runAsGroup");
    maybe_int(src, &mut sc, "fsGroup");
    if src.one_in(3) {
        let groups = list(src, 3, |s| json!(s.int()));
        sc.insert("supplementalGroups".into(), Value::Array(groups));
    }
    if src.one_in(3) {
        sc.insert("seccompProfile".into(), profile_ref(src));
    }
    if src.one_in(4) {
        sc.insert("appArmorProfile".into(), profile_ref(src));
    }
    if src.one_in(4) {
        sc.insert("seLinuxOptions".into(), se_linux(src));
    }
    if src.one_in(3) {
        let sysctls = list(src, 3, |s| json!({"name": s.text(SYSCTLS), "value": "1"}));
        sc.insert("sysctls".into(), Value::Array(sysctls));
    }
    if src.one_in(6) {
        sc.insert("windowsOptions".into(), windows(src));
    }
    unknown(src, &mut sc);
    Value::Object(sc)
}

fn resources(src: &mut dyn Source) -> Value {
    let mut r = Map::new();
    for part in ["limits", "requests"] {
        if src.coin() {
            let mut l = Map::new();
            for key in ["cpu", "memory"] {
                if src.coin() {
                    let value = if src.one_in(8) {
                        json!(src.below(4))
                    } else {
                        json!(src.text(QUANTITIES))
                    };
                    l.insert(key.into(), value);
                }
            }
            if src.one_in(8) {
                l.insert("nvidia.com/gpu".into(), json!("1"));
            }
            r.insert(part.into(), Value::Object(l));
        }
    }
    Value::Object(r)
}

fn handler(src: &mut dyn Source) -> Value {
    let mut port = Map::new();
    port.insert("port".into(), json!(8080));
    if src.coin() {
        port.insert("host".into(), json!(src.text(HOSTS)));
    }
    match src.below(3) {
        0 => json!({"httpGet": Value::Object(port)}),
        1 => json!({"tcpSocket": Value::Object(port)}),
        _ => json!({"exec": {"command": ["true"]}}),
    }
}

/// A container, init container or ephemeral container.
pub fn container(src: &mut dyn Source, name: String) -> Value {
    let mut c = Map::new();
    c.insert("name".into(), json!(name));
    if !src.one_in(12) {
        c.insert("image".into(), json!(src.text(IMAGES)));
    }
    maybe_text(src, &mut c, "imagePullPolicy", PULL_POLICIES);
    if src.coin() {
        c.insert("resources".into(), resources(src));
    }
    if src.coin() {
        c.insert("securityContext".into(), security_context(src));
    }
    if src.one_in(3) {
        let ports = list(src, 3, |s| {
            let mut p = Map::new();
            p.insert("containerPort".into(), json!(s.int()));
            if s.coin() {
                p.insert("hostPort".into(), json!(s.int()));
            }
            if s.coin() {
                p.insert("protocol".into(), json!("TCP"));
            }
            Value::Object(p)
        });
        c.insert("ports".into(), Value::Array(ports));
    }
    if src.one_in(3) {
        let mounts = list(src, 2, |s| {
            let mut m = Map::new();
            m.insert("name".into(), json!(format!("v{}", s.below(4))));
            m.insert("mountPath".into(), json!(s.text(PATHS)));
            maybe_bool(s, &mut m, "readOnly");
            Value::Object(m)
        });
        c.insert("volumeMounts".into(), Value::Array(mounts));
    }
    for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if src.one_in(3) {
            c.insert(probe.into(), handler(src));
        }
    }
    if src.one_in(6) {
        c.insert(
            "lifecycle".into(),
            json!({"postStart": handler(src), "preStop": handler(src)}),
        );
    }
    if src.one_in(8) {
        c.insert("command".into(), json!(["sh", "-c", "sleep 3600"]));
    }
    unknown(src, &mut c);
    Value::Object(c)
}

pub fn volume(src: &mut dyn Source) -> Value {
    let name = format!("v{}", src.below(4));
    let source = match src.below(14) {
        0 => ("configMap", json!({"name": "cm"})),
        1 => ("secret", json!({"secretName": "s"})),
        2 => ("emptyDir", json!({})),
        3 | 4 => {
            let mut h = Map::new();
            h.insert("path".into(), json!(src.text(PATHS)));
            if src.coin() {
                h.insert("type".into(), json!("Directory"));
            }
            ("hostPath", Value::Object(h))
        }
        5 => ("csi", json!({"driver": src.text(DRIVERS)})),
        6 => ("flexVolume", json!({"driver": src.text(DRIVERS)})),
        7 => ("persistentVolumeClaim", json!({"claimName": "data"})),
        8 => (
            "projected",
            json!({"sources": [{"serviceAccountToken": {"path": "t"}}]}),
        ),
        9 => ("downwardAPI", json!({"items": []})),
        10 => ("ephemeral", json!({"volumeClaimTemplate": {"spec": {}}})),
        11 => ("nfs", json!({"server": "nfs", "path": "/"})),
        12 => (
            "gitRepo",
            json!({"repository": "https://example.com/r.git"}),
        ),
        _ => ("azureFile", json!({"secretName": "s", "shareName": "x"})),
    };
    let mut v = Map::new();
    v.insert("name".into(), json!(name));
    v.insert(source.0.into(), source.1);
    Value::Object(v)
}

/// Pod (template) annotations: the seccomp and AppArmor ones the kubelet
/// reads, kubectl's last-applied copy, and others.
pub fn pod_annotations(src: &mut dyn Source, containers: &[String]) -> Value {
    let mut a = Map::new();
    if src.one_in(4) {
        a.insert(
            "seccomp.security.alpha.kubernetes.io/pod".into(),
            json!(src.text(ANNOTATION_PROFILES)),
        );
    }
    for name in containers {
        if src.one_in(6) {
            a.insert(
                format!("container.seccomp.security.alpha.kubernetes.io/{name}"),
                json!(src.text(ANNOTATION_PROFILES)),
            );
        }
        if src.one_in(6) {
            a.insert(
                format!("container.apparmor.security.beta.kubernetes.io/{name}"),
                json!(src.text(ANNOTATION_PROFILES)),
            );
        }
    }
    if src.one_in(12) {
        a.insert(
            "container.apparmor.security.beta.kubernetes.io/no-such-container".into(),
            json!("unconfined"),
        );
    }
    if src.one_in(5) {
        a.insert(
            "kubectl.kubernetes.io/last-applied-configuration".into(),
            json!("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}"),
        );
    }
    if src.one_in(5) {
        a.insert("example.com/note".into(), json!(src.text(LABEL_VALUES)));
    }
    Value::Object(a)
}

fn labels(src: &mut dyn Source) -> Value {
    let mut l = Map::new();
    for _ in 0..src.below(4) {
        l.insert(src.text(LABEL_KEYS), json!(src.text(LABEL_VALUES)));
    }
    Value::Object(l)
}

/// A pod spec and its pod annotations.
pub fn pod(src: &mut dyn Source) -> (Value, Value) {
    let mut names = Vec::new();
    let mut spec = Map::new();
    for (field, max, prefix) in [
        ("containers", 3, "c"),
        ("initContainers", 2, "init"),
        ("ephemeralContainers", 1, "debug"),
    ] {
        let n = if field == "containers" {
            1 + src.below(max)
        } else if src.one_in(3) {
            src.below(max + 1)
        } else {
            0
        };
        if n == 0 {
            continue;
        }
        let mut items = Vec::new();
        for i in 0..n {
            let name = if src.one_in(6) {
                src.text(NAMES)
            } else {
                format!("{prefix}{i}")
            };
            items.push(container(src, name.clone()));
            names.push(name);
        }
        spec.insert(field.into(), Value::Array(items));
    }
    if src.coin() {
        spec.insert("securityContext".into(), pod_security_context(src));
    }
    if src.coin() {
        let volumes = list(src, 3, volume);
        spec.insert("volumes".into(), Value::Array(volumes));
    }
    maybe_bool(src, &mut spec, "hostPID");
    maybe_bool(src, &mut spec, "hostIPC");
    maybe_bool(src, &mut spec, "hostNetwork");
    maybe_bool(src, &mut spec, "hostUsers");
    maybe_bool(src, &mut spec, "automountServiceAccountToken");
    if src.one_in(5) {
        spec.insert(
            "os".into(),
            json!({"name": src.pick(&["linux", "windows", ""])}),
        );
    }
    maybe_text(src, &mut spec, "runtimeClassName", RUNTIME_CLASSES);
    if src.one_in(4) {
        spec.insert("restartPolicy".into(), json!("Always"));
    }
    unknown(src, &mut spec);
    let annotations = pod_annotations(src, &names);
    (Value::Object(spec), annotations)
}

fn metadata(
    src: &mut dyn Source,
    name: &str,
    namespace: Option<&str>,
    annotations: Value,
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        m.insert("namespace".into(), json!(ns));
    }
    if src.coin() {
        m.insert("labels".into(), labels(src));
    }
    if annotations.as_object().is_some_and(|a| !a.is_empty()) {
        m.insert("annotations".into(), annotations);
    }
    unknown(src, &mut m);
    Value::Object(m)
}

/// A workload of `kind` around a pod spec and its annotations.
pub fn workload(
    src: &mut dyn Source,
    kind: &str,
    namespace: Option<&str>,
    spec: Value,
    annotations: Value,
) -> Value {
    let (group, version) = KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map_or(("", "v1"), |(_, g, v, _)| (*g, *v));
    let api_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let pod_metadata = metadata(src, "web", None, annotations);
    let mut template = Map::new();
    template.insert("metadata".into(), pod_metadata.clone());
    template.insert("spec".into(), spec.clone());
    let template = Value::Object(template);
    let body = match kind {
        "Pod" => {
            return json!({"apiVersion": api_version, "kind": kind,
                "metadata": metadata_with(pod_metadata, namespace), "spec": spec});
        }
        "PodTemplate" => {
            return json!({"apiVersion": api_version, "kind": kind,
                "metadata": metadata(src, "web", namespace, json!({})), "template": template});
        }
        "CronJob" => json!({"schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template}}}),
        "Job" => json!({"template": template}),
        _ => json!({"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
            "template": template}),
    };
    json!({"apiVersion": api_version, "kind": kind,
        "metadata": metadata(src, "web", namespace, json!({})), "spec": body})
}

fn metadata_with(mut metadata: Value, namespace: Option<&str>) -> Value {
    if let (Some(m), Some(ns)) = (metadata.as_object_mut(), namespace) {
        m.insert("namespace".into(), json!(ns));
    }
    metadata
}

pub fn service(src: &mut dyn Source, namespace: Option<&str>) -> Value {
    let mut annotations = Map::new();
    if src.coin() {
        let (key, value) = *[
            (
                "service.beta.kubernetes.io/azure-load-balancer-internal",
                "true",
            ),
            (
                "service.beta.kubernetes.io/aws-load-balancer-internal",
                "true",
            ),
            ("networking.gke.io/load-balancer-type", "Internal"),
            (
                "service.beta.kubernetes.io/azure-load-balancer-internal",
                "false",
            ),
        ]
        .get(src.below(4))
        .unwrap_or(&("a", "b"));
        annotations.insert(key.into(), json!(value));
    }
    let mut spec = Map::new();
    spec.insert(
        "type".into(),
        json!(src.pick(&["ClusterIP", "NodePort", "LoadBalancer", "ExternalName", ""])),
    );
    if src.coin() {
        let ports = list(src, 3, |s| {
            let mut p = Map::new();
            p.insert("port".into(), json!(s.int()));
            if s.coin() {
                p.insert("nodePort".into(), json!(s.int()));
            }
            if s.coin() {
                p.insert("targetPort".into(), json!(8080));
            }
            Value::Object(p)
        });
        spec.insert("ports".into(), Value::Array(ports));
    }
    if src.one_in(3) {
        let ips = list(src, 2, |s| json!(s.text(IPS)));
        spec.insert("externalIPs".into(), Value::Array(ips));
    }
    if src.one_in(6) {
        spec.insert("clusterIP".into(), json!("None"));
    }
    unknown(src, &mut spec);
    let metadata = metadata(src, "web", namespace, Value::Object(annotations));
    json!({"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec})
}

pub fn ingress(src: &mut dyn Source, namespace: Option<&str>) -> Value {
    let mut annotations = Map::new();
    if src.coin() {
        annotations.insert(
            "kubernetes.io/ingress.allow-http".into(),
            json!(src.pick(&["false", "true", "False", ""])),
        );
    }
    let hosts = list(src, 2, |s| {
        s.text(&["shop.example.com", "api.example.com", "", "*.example.com"])
    });
    let mut spec = Map::new();
    if src.coin() {
        let tls_hosts: Vec<&String> = hosts.iter().filter(|_| src.coin()).collect();
        spec.insert(
            "tls".into(),
            json!([{"hosts": tls_hosts, "secretName": "tls"}]),
        );
    }
    let rules: Vec<Value> = hosts
        .iter()
        .map(|h| json!({"host": h, "http": {"paths": []}}))
        .collect();
    spec.insert("rules".into(), Value::Array(rules));
    unknown(src, &mut spec);
    let metadata = metadata(src, "shop", namespace, Value::Object(annotations));
    json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata,
        "spec": spec})
}

/// An object of `kind`.
pub fn object(src: &mut dyn Source, kind: &str, namespace: Option<&str>) -> Value {
    match kind {
        "Service" => service(src, namespace),
        "Ingress" => ingress(src, namespace),
        "ConfigMap" => {
            let metadata = metadata(src, "cm", namespace, json!({}));
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
                "data": {"k": "v"}})
        }
        _ => {
            let (spec, annotations) = pod(src);
            workload(src, kind, namespace, spec, annotations)
        }
    }
}

/// An AdmissionRequest around an object (and an old object on UPDATE).
pub fn admission_request(
    kind: &str,
    operation: &str,
    namespace: Option<&str>,
    object: Option<&Value>,
    old_object: Option<&Value>,
) -> Value {
    let (group, version, resource) = KINDS
        .iter()
        .find(|(k, ..)| *k == kind)
        .map_or(("", "v1", "things"), |(_, g, v, r)| (*g, *v, *r));
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": group, "version": version, "resource": resource});
    let mut r = Map::new();
    r.insert("uid".into(), json!("705ab4f5-6393-11e8-b7cc-42010a800002"));
    r.insert("kind".into(), gvk.clone());
    r.insert("resource".into(), gvr.clone());
    r.insert("requestKind".into(), gvk);
    r.insert("requestResource".into(), gvr);
    r.insert("name".into(), json!("web"));
    if let Some(ns) = namespace {
        r.insert("namespace".into(), json!(ns));
    }
    r.insert("operation".into(), json!(operation));
    r.insert(
        "userInfo".into(),
        json!({"username": "kubernetes-admin", "groups": ["system:masters"]}),
    );
    if let Some(o) = object {
        r.insert("object".into(), o.clone());
    }
    if let Some(o) = old_object {
        r.insert("oldObject".into(), o.clone());
    }
    r.insert("dryRun".into(), json!(false));
    Value::Object(r)
}

/// A whole request: a kind, an operation, an object, on UPDATE an old
/// object (now and then the same one).
pub fn request(src: &mut dyn Source) -> Value {
    let kind = KINDS.get(src.below(KINDS.len())).map_or("Pod", |k| k.0);
    let namespace = if src.one_in(10) {
        None
    } else {
        Some(src.pick(NAMESPACES))
    };
    let operation = src.pick(&["CREATE", "CREATE", "UPDATE", "UPDATE", "DELETE", "CONNECT"]);
    let object = object(src, kind, namespace);
    let old = match operation {
        "UPDATE" if src.coin() => Some(object.clone()),
        "UPDATE" => Some(self::object(src, kind, namespace)),
        "DELETE" => Some(object.clone()),
        _ => None,
    };
    let object = if operation == "DELETE" {
        None
    } else {
        Some(object)
    };
    admission_request(kind, operation, namespace, object.as_ref(), old.as_ref())
}

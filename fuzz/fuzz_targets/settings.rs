//! Settings of every rule: one-member profiles with generated settings
//! (every key any rule reads, values of every shape), checked by
//! `validate_settings`; settings it accepts then judge a generated request.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use palisade_fuzz::requests::{self, Source};
use palisade_fuzz::{Bytes, check_response, check_settings_response};
use serde_json::{Map, Value, json};

/// Every settings key some rule reads (from the rules' cases and profiles).
const KEYS: &[&str] = &[
    "allowHostNetwork",
    "allowedCSIDrivers",
    "allowedCapabilities",
    "allowedContainerImagesRegex",
    "allowedContainerPortsList",
    "allowedExternalIPs",
    "allowedFlexVolumeDrivers",
    "allowedFlexVolumes",
    "allowedHostPath",
    "allowedHostPaths",
    "allowedHostPorts",
    "allowedLocalhostFiles",
    "allowedProfiles",
    "allowedPullPolicy",
    "allowedRuntimeClassNames",
    "allowedSELinuxOptions",
    "allowedSELinuxTypes",
    "allowedServicePortsList",
    "allowedSysctls",
    "allowedTypes",
    "allowedUnsafeSysctls",
    "allowedVolumeTypes",
    "allow_host_ipc",
    "allow_host_network",
    "allow_host_pid",
    "allow_host_ports",
    "allow_host_process",
    "allow_latest",
    "allow_node_port_type",
    "allow_privilege_escalation",
    "allow_root_in_user_namespace",
    "allow_unmasked",
    "allow_unmasked_in_user_namespace",
    "allow_unmasked_proc_mount_type",
    "allowed_capabilities",
    "allowed_caps",
    "allowed_container_ports",
    "allowed_csi_drivers",
    "allowed_external_ips",
    "allowed_flex_volume_drivers",
    "allowed_host",
    "allowed_host_paths",
    "allowed_hosts",
    "allowed_node_ports",
    "allowed_ports",
    "allowed_proc_mount_types",
    "allowed_profiles",
    "allowed_pull_policies",
    "allowed_registries",
    "allowed_repositories",
    "allowed_runtime_class_names",
    "allowed_seccomp_profiles",
    "allowed_types",
    "allowed_unsafe_sysctls",
    "allowed_values",
    "allowed_volume_types",
    "cpu",
    "cpuLimit",
    "cpu_limit",
    "cpu_request",
    "defaultAllowPrivilegeEscalation",
    "defaultRuntimeClassName",
    "default_add_capabilities",
    "default_allow_privilege_escalation",
    "default_limits",
    "default_profile",
    "default_pull_policy",
    "default_read_only_root_filesystem",
    "default_requests",
    "default_runtime_class_name",
    "disallowedCapabilities",
    "disallowed_capabilities",
    "disallowed_caps",
    "driver",
    "enforcePSS",
    "env",
    "excludedContainers",
    "excludedImages",
    "excludedNamespaces",
    "exempt_container_names",
    "exempt_images",
    "exempt_namespaces",
    "exempt_windows_pods",
    "forbiddenSysctls",
    "forbidden_sysctls",
    "forcePrivilegeEscalationToBeFalse",
    "fsGroup",
    "fs_group",
    "labelsList",
    "legacy_annotations",
    "level",
    "localhost_profiles",
    "max",
    "maxPort",
    "max_cpu_limit",
    "max_cpu_request",
    "max_memory_limit",
    "max_memory_request",
    "memory",
    "memoryLimit",
    "min",
    "minPort",
    "min_cpu_request",
    "min_memory_request",
    "mutate",
    "name",
    "namespaces",
    "overwrite",
    "pathPrefix",
    "procMount",
    "procMountType",
    "profile_types",
    "providers",
    "ranges",
    "readOnly",
    "readOnlyRootFilesystem",
    "read_only_root_filesystem",
    "readonly",
    "reject_tags",
    "rejected_registries",
    "require_allow_http_annotation",
    "require_digest",
    "require_explicit_false",
    "require_profile",
    "require_run_as_non_root",
    "require_tls_for_every_host",
    "requiredDropCapabilities",
    "requiredProbes",
    "required_drop_capabilities",
    "required_labels",
    "required_probes",
    "role",
    "rule",
    "runAsGroup",
    "runAsUser",
    "run_as_group",
    "run_as_user",
    "runtime_class_names",
    "set_false_when_unset",
    "skip_ephemeral_containers",
    "skip_init",
    "skip_init_containers",
    "supplementalGroups",
    "supplemental_groups",
    "typ",
    "type",
    "user",
    "validate_only",
    "volumes",
];

/// Values settings are made of.
const WORDS: &[&str] = &[
    "*",
    "ALL",
    "NET_RAW",
    "cap_sys_admin",
    "RuntimeDefault",
    "runtime/default",
    "Localhost",
    "localhost/*",
    "localhost/p.json",
    "unconfined",
    "Unconfined",
    "docker/default",
    "100m",
    "1Gi",
    "-1",
    "1e3",
    "0",
    "80",
    "8000-8080",
    "9000-8000",
    "0-65536",
    "443",
    "hostPath",
    "configMap",
    "csi",
    "MustRunAs",
    "MustRunAsNonRoot",
    "RunAsAny",
    "MayRunAs",
    "s0:c1,c2",
    "s0-s0:c0.c1023",
    "container_t",
    "kernel.*",
    "net.core.somaxconn",
    "Default",
    "Unmasked",
    "Always",
    "IfNotPresent",
    "docker.io",
    "ghcr.io/org",
    "registry.k8s.io/",
    "^nginx.*$",
    "([",
    "default",
    "kube-system",
    "livenessProbe",
    "readinessProbe",
    "azure",
    "aws",
    "gcp",
    "10.0.0.0/8",
    "203.0.113.10",
    "::/0",
    "/var/log",
    "true",
    "",
];

fn value(src: &mut dyn Source, depth: usize) -> Value {
    match src.below(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(src.coin()),
        2 => json!(src.int()),
        3 | 4 => Value::String(src.text(WORDS)),
        5 => json!(0.5),
        6 => Value::Array((0..src.below(4)).map(|_| value(src, depth + 1)).collect()),
        _ => Value::Object(object(src, depth + 1)),
    }
}

fn object(src: &mut dyn Source, depth: usize) -> Map<String, Value> {
    (0..src.below(4))
        .map(|_| (src.text(KEYS), value(src, depth)))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut src = Bytes(&mut u);
    let policies = bundle::CATALOGUE;
    let policy = policies
        .get(src.below(policies.len()))
        .map_or("", |(p, _)| *p);
    let mut member = Map::new();
    member.insert("policy".into(), json!(policy));
    member.insert("settings".into(), Value::Object(object(&mut src, 0)));
    let mut profile = Map::new();
    profile.insert("rules".into(), json!([Value::Object(member)]));
    if src.one_in(4) {
        profile.insert("exempt_namespaces".into(), json!(["exempt"]));
    }
    let profile = Value::Object(profile);
    let Ok(text) = serde_json::to_vec(&profile) else {
        return;
    };
    let valid = check_settings_response(&palisade_sdk::bundle::validate_settings(
        &text,
        bundle::CATALOGUE,
    ));
    let request = requests::request(&mut src);
    let payload = json!({"request": request, "settings": profile});
    let Ok(bytes) = serde_json::to_vec(&payload) else {
        return;
    };
    let out = palisade_sdk::bundle::validate(&bytes, bundle::CATALOGUE);
    check_response(&out);
    if !valid {
        // Settings validate_settings refuses are a 400 at validate too.
        let response: Value = serde_json::from_slice(&out).unwrap_or_default();
        assert_eq!(
            response["code"], 400,
            "refused settings judged a request: {response}"
        );
    }
});

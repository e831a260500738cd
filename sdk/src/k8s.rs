//! The parts of a Kubernetes pod that pod-security rules read, and nothing else.
//!
//! Every other field is skipped by the parser without being built, which is
//! what keeps a rule cheaper than parsing the whole object. Field names
//! follow the Kubernetes JSON (camelCase). `null` is read as "unset" wherever
//! Kubernetes allows it, so that `"initContainers": null` cannot fail a parse
//! that `"initContainers": []` passes.

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;

#[derive(Debug, Default)]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    pub ephemeral_containers: Vec<Container>,
    pub security_context: Option<PodSecurityContext>,
    pub volumes: Vec<Volume>,
    pub host_pid: Option<bool>,
    pub host_ipc: Option<bool>,
    pub host_network: Option<bool>,
    /// `false` runs the pod in a user namespace (Kubernetes 1.33+).
    pub host_users: Option<bool>,
    pub os: Option<PodOs>,
    pub runtime_class_name: Option<String>,
    pub automount_service_account_token: Option<bool>,
    /// A workload's pod template (`spec.template`): read in the same pass,
    /// so that any kind is unwrapped without parsing its object twice.
    pub(crate) template: Option<Box<PodTemplate>>,
    /// A CronJob's job template (`spec.jobTemplate`).
    pub(crate) job_template: Option<Box<PodTemplate>>,
}

crate::lean_deserialize! { PodSpec {
    containers: "containers" nullable,
    init_containers: "initContainers" nullable,
    ephemeral_containers: "ephemeralContainers" nullable,
    security_context: "securityContext",
    volumes: "volumes" nullable,
    host_pid: "hostPID",
    host_ipc: "hostIPC",
    host_network: "hostNetwork",
    host_users: "hostUsers",
    os: "os",
    runtime_class_name: "runtimeClassName",
    automount_service_account_token: "automountServiceAccountToken",
    template: "template",
    job_template: "jobTemplate",
} }

/// `{metadata, spec}`: a pod template, or a CronJob's job template.
#[derive(Debug, Default)]
pub(crate) struct PodTemplate {
    pub(crate) metadata: crate::pod::SecurityAnnotations,
    pub(crate) spec: Option<PodSpec>,
}

crate::lean_deserialize! { PodTemplate {
    metadata: "metadata",
    spec: "spec",
} }

#[derive(Debug, Default)]
pub struct PodOs {
    pub name: String,
}

crate::lean_deserialize! { PodOs {
    name: "name",
} }

#[derive(Debug, Default)]
pub struct Container {
    pub name: String,
    pub image: Option<String>,
    pub image_pull_policy: Option<String>,
    pub resources: Option<ResourceRequirements>,
    pub security_context: Option<SecurityContext>,
    pub ports: Vec<ContainerPort>,
    pub volume_mounts: Vec<VolumeMount>,
    pub liveness_probe: Option<Handler>,
    pub readiness_probe: Option<Handler>,
    pub startup_probe: Option<Handler>,
    pub lifecycle: Option<Lifecycle>,
}

crate::lean_deserialize! { Container {
    name: "name",
    image: "image",
    image_pull_policy: "imagePullPolicy",
    resources: "resources",
    security_context: "securityContext",
    ports: "ports" nullable,
    volume_mounts: "volumeMounts" nullable,
    liveness_probe: "livenessProbe",
    readiness_probe: "readinessProbe",
    startup_probe: "startupProbe",
    lifecycle: "lifecycle",
} }

#[derive(Debug, Default)]
pub struct SecurityContext {
    pub privileged: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub capabilities: Option<Capabilities>,
    pub seccomp_profile: Option<ProfileRef>,
    pub app_armor_profile: Option<ProfileRef>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub proc_mount: Option<String>,
    pub windows_options: Option<WindowsOptions>,
}

crate::lean_deserialize! { SecurityContext {
    privileged: "privileged",
    allow_privilege_escalation: "allowPrivilegeEscalation",
    read_only_root_filesystem: "readOnlyRootFilesystem",
    run_as_non_root: "runAsNonRoot",
    run_as_user: "runAsUser",
    run_as_group: "runAsGroup",
    capabilities: "capabilities",
    seccomp_profile: "seccompProfile",
    app_armor_profile: "appArmorProfile",
    se_linux_options: "seLinuxOptions",
    proc_mount: "procMount",
    windows_options: "windowsOptions",
} }

#[derive(Debug, Default)]
pub struct PodSecurityContext {
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub fs_group: Option<i64>,
    pub supplemental_groups: Vec<i64>,
    pub seccomp_profile: Option<ProfileRef>,
    pub app_armor_profile: Option<ProfileRef>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub sysctls: Vec<Sysctl>,
    pub windows_options: Option<WindowsOptions>,
}

crate::lean_deserialize! { PodSecurityContext {
    run_as_non_root: "runAsNonRoot",
    run_as_user: "runAsUser",
    run_as_group: "runAsGroup",
    fs_group: "fsGroup",
    supplemental_groups: "supplementalGroups" nullable,
    seccomp_profile: "seccompProfile",
    app_armor_profile: "appArmorProfile",
    se_linux_options: "seLinuxOptions",
    sysctls: "sysctls" nullable,
    windows_options: "windowsOptions",
} }

#[derive(Debug, Default)]
pub struct Capabilities {
    pub add: Vec<String>,
    pub drop: Vec<String>,
}

crate::lean_deserialize! { Capabilities {
    add: "add" nullable,
    drop: "drop" nullable,
} }

/// A seccomp or AppArmor profile field: `{type, localhostProfile}`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfileRef {
    pub kind: String,
    pub localhost_profile: Option<String>,
}

crate::lean_deserialize! { ProfileRef {
    kind: "type",
    localhost_profile: "localhostProfile",
} }

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeLinuxOptions {
    pub user: Option<String>,
    pub role: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
}

crate::lean_deserialize! { SeLinuxOptions {
    user: "user",
    role: "role",
    kind: "type",
    level: "level",
} }

#[derive(Debug, Default)]
pub struct WindowsOptions {
    pub host_process: Option<bool>,
}

crate::lean_deserialize! { WindowsOptions {
    host_process: "hostProcess",
} }

#[derive(Debug, Default)]
pub struct Sysctl {
    pub name: String,
}

crate::lean_deserialize! { Sysctl {
    name: "name",
} }

#[derive(Debug, Default)]
pub struct ContainerPort {
    pub container_port: Option<i64>,
    pub host_port: Option<i64>,
}

crate::lean_deserialize! { ContainerPort {
    container_port: "containerPort",
    host_port: "hostPort",
} }

/// A container's `resources`: CPU and memory only.
#[derive(Debug, Default)]
pub struct ResourceRequirements {
    pub limits: Option<ResourceList>,
    pub requests: Option<ResourceList>,
}

crate::lean_deserialize! { ResourceRequirements {
    limits: "limits",
    requests: "requests",
} }

#[derive(Debug, Default)]
pub struct ResourceList {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
}

crate::lean_deserialize! { ResourceList {
    cpu: "cpu",
    memory: "memory",
} }

/// The resources rules judge: the ones a [`ResourceList`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceName {
    Cpu,
    Memory,
}

impl ResourceName {
    pub const ALL: [ResourceName; 2] = [ResourceName::Cpu, ResourceName::Memory];

    /// The key in `resources.limits` and `resources.requests`, and the
    /// noun in messages.
    pub fn key(self) -> &'static str {
        match self {
            ResourceName::Cpu => "cpu",
            ResourceName::Memory => "memory",
        }
    }
}

impl ResourceList {
    pub fn get(&self, resource: ResourceName) -> Option<&Quantity> {
        match resource {
            ResourceName::Cpu => self.cpu.as_ref(),
            ResourceName::Memory => self.memory.as_ref(),
        }
    }
}

/// A resource quantity as written (`500m`, `1Gi`). The API server sends
/// strings; a bare JSON number is kept as its text, to be judged by the
/// quantity parser rather than fail the whole request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QuantityVisitor;

        impl Visitor<'_> for QuantityVisitor {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity (string or number)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity(v.to_string()))
            }
        }

        deserializer.deserialize_any(QuantityVisitor)
    }
}

#[derive(Debug, Default)]
pub struct VolumeMount {
    pub name: String,
    pub read_only: Option<bool>,
    pub mount_path: String,
}

crate::lean_deserialize! { VolumeMount {
    name: "name",
    read_only: "readOnly",
    mount_path: "mountPath",
} }

/// A probe or lifecycle hook; only the parts that can name a host.
#[derive(Debug, Default)]
pub struct Handler {
    pub http_get: Option<HostRef>,
    pub tcp_socket: Option<HostRef>,
}

crate::lean_deserialize! { Handler {
    http_get: "httpGet",
    tcp_socket: "tcpSocket",
} }

#[derive(Debug, Default)]
pub struct HostRef {
    pub host: Option<String>,
}

crate::lean_deserialize! { HostRef {
    host: "host",
} }

#[derive(Debug, Default)]
pub struct Lifecycle {
    pub post_start: Option<Handler>,
    pub pre_stop: Option<Handler>,
}

crate::lean_deserialize! { Lifecycle {
    post_start: "postStart",
    pre_stop: "preStop",
} }

/// A pod volume. Its type is the key of its source (`hostPath`, `emptyDir`,
/// ...). Every non-null source key is kept, so a volume that names two
/// sources (invalid, but possible before API validation) is judged by both.
#[derive(Debug, Default)]
pub struct Volume {
    pub name: String,
    pub sources: Vec<String>,
    pub host_path: Option<HostPathSource>,
    pub flex_volume: Option<DriverRef>,
    pub csi: Option<DriverRef>,
}

#[derive(Debug, Default)]
pub struct HostPathSource {
    pub path: String,
}

crate::lean_deserialize! { HostPathSource {
    path: "path",
} }

#[derive(Debug, Default)]
pub struct DriverRef {
    pub driver: String,
}

crate::lean_deserialize! { DriverRef {
    driver: "driver",
} }

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;

        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a volume object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Volume, A::Error> {
                let mut volume = Volume::default();
                let mut seen_name = false;
                while let Some(key) = map.next_key::<String>()? {
                    if volume.sources.contains(&key) || (key == "name" && seen_name) {
                        return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
                    }
                    let present = match key.as_str() {
                        "name" => {
                            seen_name = true;
                            volume.name = map.next_value::<Option<String>>()?.unwrap_or_default();
                            continue;
                        }
                        "hostPath" => {
                            volume.host_path = map.next_value()?;
                            volume.host_path.is_some()
                        }
                        "flexVolume" => {
                            volume.flex_volume = map.next_value()?;
                            volume.flex_volume.is_some()
                        }
                        "csi" => {
                            volume.csi = map.next_value()?;
                            volume.csi.is_some()
                        }
                        _ => map.next_value::<Option<IgnoredAny>>()?.is_some(),
                    };
                    if present {
                        volume.sources.push(key);
                    }
                }
                Ok(volume)
            }
        }

        deserializer.deserialize_map(VolumeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_read_as_unset() {
        let spec: PodSpec = serde_json::from_str(
            r#"{"containers":[{"name":"a","securityContext":null,"ports":null}],
                "initContainers":null,"volumes":null}"#,
        )
        .unwrap();
        assert_eq!(spec.containers.len(), 1);
        assert!(spec.containers[0].security_context.is_none());
        assert!(spec.init_containers.is_empty());
    }

    #[test]
    fn quantities_read_as_text_from_strings_and_numbers() {
        let c: Container = serde_json::from_str(
            r#"{"name":"a","resources":{"limits":{"cpu":"500m","memory":1024,"nvidia.com/gpu":"1"},
                "requests":{"cpu":0.5}},"imagePullPolicy":"Always"}"#,
        )
        .unwrap();
        let resources = c.resources.unwrap();
        let limits = resources.limits.unwrap();
        assert_eq!(limits.cpu, Some(Quantity("500m".into())));
        assert_eq!(limits.memory, Some(Quantity("1024".into())));
        assert_eq!(
            resources.requests.unwrap().cpu,
            Some(Quantity("0.5".into()))
        );
        assert_eq!(c.image_pull_policy.as_deref(), Some("Always"));
        assert!(
            serde_json::from_str::<Container>(r#"{"resources":{"limits":{"cpu":[]}}}"#).is_err()
        );
    }

    #[test]
    fn volume_sources_are_every_non_null_key_but_name() {
        let volume: Volume = serde_json::from_str(
            r#"{"name":"v","emptyDir":null,"hostPath":{"path":"/etc"},"configMap":{"name":"c"}}"#,
        )
        .unwrap();
        assert_eq!(volume.name, "v");
        assert_eq!(volume.sources, ["hostPath", "configMap"]);
        assert_eq!(volume.host_path.unwrap().path, "/etc");
    }

    #[test]
    fn duplicate_volume_source_is_an_error() {
        let err = serde_json::from_str::<Volume>(
            r#"{"name":"v","hostPath":{"path":"/ok"},"hostPath":{"path":"/etc"}}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("duplicate field `hostPath`"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_security_field_is_an_error() {
        // serde's derive refuses duplicate keys: `{"privileged":false,"privileged":true}`
        // cannot smuggle a value past a rule that reads the first one.
        let err =
            serde_json::from_str::<SecurityContext>(r#"{"privileged":false,"privileged":true}"#)
                .unwrap_err();
        assert!(err.to_string().contains("duplicate field"), "{err}");
    }
}

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

/// Reads `null` as the type's default (an empty list, mostly).
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default, deserialize_with = "nullable")]
    pub containers: Vec<Container>,
    #[serde(default, deserialize_with = "nullable")]
    pub init_containers: Vec<Container>,
    #[serde(default, deserialize_with = "nullable")]
    pub ephemeral_containers: Vec<Container>,
    pub security_context: Option<PodSecurityContext>,
    #[serde(default, deserialize_with = "nullable")]
    pub volumes: Vec<Volume>,
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
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

/// `{metadata, spec}`: a pod template, or a CronJob's job template.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PodTemplate {
    #[serde(default)]
    pub(crate) metadata: crate::pod::SecurityAnnotations,
    pub(crate) spec: Option<PodSpec>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PodOs {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    #[serde(default)]
    pub name: String,
    pub image: Option<String>,
    pub image_pull_policy: Option<String>,
    pub resources: Option<ResourceRequirements>,
    pub security_context: Option<SecurityContext>,
    #[serde(default, deserialize_with = "nullable")]
    pub ports: Vec<ContainerPort>,
    #[serde(default, deserialize_with = "nullable")]
    pub volume_mounts: Vec<VolumeMount>,
    pub liveness_probe: Option<Handler>,
    pub readiness_probe: Option<Handler>,
    pub startup_probe: Option<Handler>,
    pub lifecycle: Option<Lifecycle>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
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
    #[serde(rename = "seLinuxOptions")]
    pub se_linux_options: Option<SeLinuxOptions>,
    pub proc_mount: Option<String>,
    pub windows_options: Option<WindowsOptions>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityContext {
    pub run_as_non_root: Option<bool>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub fs_group: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub supplemental_groups: Vec<i64>,
    pub seccomp_profile: Option<ProfileRef>,
    pub app_armor_profile: Option<ProfileRef>,
    #[serde(rename = "seLinuxOptions")]
    pub se_linux_options: Option<SeLinuxOptions>,
    #[serde(default, deserialize_with = "nullable")]
    pub sysctls: Vec<Sysctl>,
    pub windows_options: Option<WindowsOptions>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Capabilities {
    #[serde(default, deserialize_with = "nullable")]
    pub add: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub drop: Vec<String>,
}

/// A seccomp or AppArmor profile field: `{type, localhostProfile}`.
#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRef {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub localhost_profile: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize)]
pub struct SeLinuxOptions {
    pub user: Option<String>,
    pub role: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowsOptions {
    pub host_process: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Sysctl {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub container_port: Option<i64>,
    pub host_port: Option<i64>,
}

/// A container's `resources`: CPU and memory only.
#[derive(Debug, Default, Deserialize)]
pub struct ResourceRequirements {
    pub limits: Option<ResourceList>,
    pub requests: Option<ResourceList>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResourceList {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    #[serde(default)]
    pub name: String,
    pub read_only: Option<bool>,
    #[serde(default)]
    pub mount_path: String,
}

/// A probe or lifecycle hook; only the parts that can name a host.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Handler {
    pub http_get: Option<HostRef>,
    pub tcp_socket: Option<HostRef>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HostRef {
    pub host: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Lifecycle {
    pub post_start: Option<Handler>,
    pub pre_stop: Option<Handler>,
}

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

#[derive(Debug, Default, Deserialize)]
pub struct HostPathSource {
    #[serde(default)]
    pub path: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct DriverRef {
    #[serde(default)]
    pub driver: String,
}

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

//! `palisade convert azure`: Azure Policy assignments (as `az policy
//! assignment show` / `list` print them) into profiles.
//!
//! An assignment names a single Kubernetes definition or one of the three
//! initiatives (pod security baseline, restricted, Deployment Safeguards) by
//! its GUID. Its parameters are resolved as Azure resolves them (assigned
//! value, else the default; for an initiative, through the member wiring),
//! and each definition becomes the Palisade rule the README maps it to,
//! with its parameters as settings (every rule accepts Azure's names).
//! Azure audits or denies and never mutates: every rule validates only.

use crate::profile::{Grant, Mode, Profile, ProfileRule, Scope, Subject};
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::path::Path;

/// The namespaces most definitions exclude by default.
const EXCLUDED_4: &str =
    r#"["kube-system", "gatekeeper-system", "azure-arc", "azure-extensions-usage-system"]"#;
/// ... and those some newer (Safeguards) definitions exclude.
const EXCLUDED_3: &str = r#"["kube-system", "gatekeeper-system", "azure-arc"]"#;

/// A Kubernetes built-in definition: its GUID, file stem, the Palisade rule
/// that judges it (None: none does), its default effect, the namespaces it
/// excludes by default, and its own parameters with their defaults (JSON;
/// None: required).
pub struct Definition {
    pub guid: &'static str,
    pub stem: &'static str,
    pub rule: Option<&'static str>,
    effect: &'static str,
    excluded: &'static str,
    params: &'static [(&'static str, Option<&'static str>)],
}

const fn def(
    guid: &'static str,
    stem: &'static str,
    rule: Option<&'static str>,
    effect: &'static str,
    excluded: &'static str,
    params: &'static [(&'static str, Option<&'static str>)],
) -> Definition {
    Definition {
        guid,
        stem,
        rule,
        effect,
        excluded,
        params,
    }
}

const RANGES: Option<&str> = Some(r#"{"ranges": []}"#);
const PATHS: Option<&str> = Some(r#"{"paths": []}"#);

/// Every definition of /work/shared/spec/azure-definitions.md §3 (Azure
/// Policy snapshot 3.2026.0417.1), GUID to rule.
#[rustfmt::skip]
pub const DEFINITIONS: &[Definition] = &[
    def("95edb821-ddaf-4404-9732-666045e056b4", "ContainerNoPrivilege", Some("no-privilege"), "Deny", EXCLUDED_4, &[]),
    def("82985f06-dc18-4a48-bc1c-b9f4f0098cfe", "HostNetworkPorts", Some("host-networking-ports"), "Audit", EXCLUDED_4,
        &[("allowHostNetwork", Some("false")), ("allowedHostPorts", Some("[]")),
          // The 6.x parameters the pod-security initiatives still fix.
          ("minPort", Some("null")), ("maxPort", Some("null"))]),
    def("47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", "BlockHostNamespace", Some("block-host-namespace"), "Audit", EXCLUDED_4, &[]),
    def("c26596ff-4d70-4e6a-9a30-c2506bd2f80c", "ContainerAllowedCapabilities", Some("allowed-capabilities"), "Audit", EXCLUDED_4,
        &[("allowedCapabilities", Some("[]")), ("requiredDropCapabilities", Some("[]"))]),
    def("098fc59e-46c7-4d99-9b16-64990e543d75", "AllowedHostPaths", Some("host-filesystem"), "Audit", EXCLUDED_4,
        &[("allowedHostPaths", PATHS), ("windowsAllowedHostPaths", PATHS)]),
    def("1c6e92c9-99f0-4e55-9cf2-0c234dc48f99", "ContainerNoPrivilegeEscalation", Some("no-privilege-escalation"), "Audit", EXCLUDED_4,
        &[("forcePrivilegeEscalationToBeFalse", Some("false"))]),
    def("16697877-1118-4fb1-9b65-9898ec2509ec", "AllowedVolumeTypes", Some("allowed-volume-types"), "Audit", EXCLUDED_4,
        &[("allowedVolumeTypes", Some("[]"))]),
    def("f06ddb64-5fa3-4b77-b166-acb36f7f6042", "AllowedUsersGroups", Some("allowed-users-groups"), "Audit", EXCLUDED_4,
        &[("runAsUserRule", Some(r#""MustRunAsNonRoot""#)), ("runAsUserRanges", RANGES),
          ("runAsGroupRule", Some(r#""RunAsAny""#)), ("runAsGroupRanges", RANGES),
          ("supplementalGroupsRule", Some(r#""RunAsAny""#)), ("supplementalGroupsRanges", RANGES),
          ("fsGroupRule", Some(r#""RunAsAny""#)), ("fsGroupRanges", RANGES)]),
    def("975ce327-682c-4f2e-aa46-b9598289b86c", "AllowedSeccompProfile", Some("allowed-seccomp"), "Audit", EXCLUDED_4,
        &[("allowedProfiles", Some("[]"))]),
    def("53a4a537-990c-495a-92e0-7c21a465442c", "CannotEditIndividualNodes", None, "Audit", EXCLUDED_3,
        &[("allowedUsers", Some("[]")), ("allowedGroups", Some("[]"))]),
    def("03a4ecdb-0684-4039-be91-2762979e1bc8", "ContainerResourceRequests", Some("container-requests"), "Deny", EXCLUDED_4, &[]),
    def("34c88cd4-5d72-4dbb-bf77-12c3cafe8791", "MustHaveAntiAffinityRulesSet", None, "Audit", EXCLUDED_3, &[]),
    def("a22123bd-b9da-4c86-9424-24903e91fd55", "NoAKSSpecificLabels", None, "Audit", EXCLUDED_3,
        &[("labels", None), ("allowedUsers", None), ("allowedGroups", None)]),
    def("febd0533-8e55-448f-b837-bd0e06f16469", "ContainerAllowedImages", Some("allowed-images"), "Deny", EXCLUDED_4,
        &[("allowedContainerImagesRegex", None)]),
    def("48940d92-ff05-449e-9111-e742d9280451", "ReservedSystemPoolTaints", None, "Audit", EXCLUDED_3, &[("reservedTaints", None)]),
    def("b1a9997f-2883-4f12-bdff-2280f99b5915", "ContainerEnforceProbes", Some("required-probes"), "Audit", EXCLUDED_4,
        &[("requiredProbes", Some(r#"["readinessProbe", "livenessProbe"]"#))]),
    def("4f3823b6-6dac-4b5a-9c61-ce1afb829f17", "EnforceCSIDriver", None, "Audit", EXCLUDED_4, &[]),
    def("b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01", "UniqueServiceSelectors", None, "Audit", EXCLUDED_3, &[]),
    def("021f8078-41a0-40e6-81b6-c6597da9f3ee", "ImagesDoNotUseLatest", Some("no-latest-tag"), "Audit", EXCLUDED_3, &[]),
    def("e16d171b-bfe5-4d79-a525-19736b396e92", "MutateReservedSystemPoolTaints", None, "Mutate", EXCLUDED_3, &[]),
    def("e24df237-32cb-4a6c-a2f6-85b499cda9f2", "PrintMutationsAnnotations", None, "Audit", EXCLUDED_3, &[("messages", None)]),
    def("5e5a0673-649e-4d50-bf9d-5a387a4e2081", "AllowedSysctlInterfaces", Some("sysctls"), "Audit", EXCLUDED_4,
        &[("allowedSysctls", None)]),
    def("5485eac0-7e8f-4964-998b-a44f4f0c1e75", "WindowsBlockContainerAdmin", None, "Audit", EXCLUDED_4, &[]),
    def("511f5417-5d12-434d-ab2e-816901e72a5e", "EnforceAppArmorProfile", Some("enforce-apparmor"), "Audit", EXCLUDED_4,
        &[("allowedProfiles", Some(r#"["runtime/default"]"#))]),
    def("e1e6c427-07d9-46ab-9689-bfa85431e636", "SELinux", Some("selinux"), "Audit", EXCLUDED_4,
        &[("enforcePSS", Some("false")),
          ("allowedSELinuxTypes", Some(r#"["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]"#)),
          ("allowedSELinuxOptions", Some(r#"{"options": []}"#))]),
    def("077f0ce1-86d6-4058-bc60-de05067e8622", "WindowsBlockHostProcess", Some("host-process"), "Audit", EXCLUDED_4, &[]),
    def("f85eb0dd-92ee-40e9-8a76-db25a507d6d3", "AllowedProcMountType", Some("proc-mount"), "Audit", EXCLUDED_4,
        &[("procMountType", Some(r#""Default""#))]),
    def("e345eecc-fa47-480f-9e88-67dcc122b164", "ContainerResourceLimits", Some("container-limits"), "Deny", EXCLUDED_4,
        &[("cpuLimit", None), ("memoryLimit", None)]),
    def("440b515e-a580-421e-abeb-b159a61ddcbc", "ContainerAllowedPorts", Some("container-allowed-ports"), "Deny", EXCLUDED_3,
        &[("allowedContainerPortsList", None)]),
    def("233a2a17-77ca-4fb1-9b6b-69223d272a44", "ServiceAllowedPorts", Some("service-allowed-ports"), "Deny", EXCLUDED_4,
        &[("allowedServicePortsList", None)]),
    def("423dd1ba-798e-40e4-9c4d-b6902674b423", "BlockAutomountToken", Some("block-automount-token"), "Audit", EXCLUDED_4, &[]),
    def("9f061a12-e40d-4183-a00e-171812443373", "BlockDefaultNamespace", Some("block-default-namespace"), "Audit", EXCLUDED_4, &[]),
    def("3fc4dc25-5baf-40d8-9b05-7fe74c1bc64e", "LoadbalancerNoPublicIPs", Some("internal-load-balancer"), "Deny", EXCLUDED_4, &[]),
    def("d46c275d-1680-448d-b2ec-e495a3b6cc89", "AllowedExternalIPs", Some("allowed-external-ips"), "Audit", EXCLUDED_4,
        &[("allowedExternalIPs", Some("[]"))]),
    def("1a5b4dca-0b6f-4cf5-907c-56316bc1bf3d", "IngressHttpsOnly", Some("ingress-https-only"), "Deny", EXCLUDED_4, &[]),
    def("46592696-4c7b-4bf3-9e45-6c2763bdc0a6", "PodEnforceLabels", Some("required-labels"), "Deny", EXCLUDED_4,
        &[("labelsList", None)]),
    def("50c83470-d2f0-4dda-a716-1938a4825f62", "ContainerAllowedPullPolicy", Some("image-pull-policy"), "Audit", EXCLUDED_4,
        &[("allowedPullPolicy", Some(r#"["IfNotPresent", "Never"]"#))]),
];

/// An initiative: its parameters with their defaults (None: required) and
/// its members as (reference ID, definition GUID, wiring). A wiring entry is
/// `param` (the initiative parameter of that name), `param<-other` (the
/// initiative parameter `other`) or `param=JSON` (a fixed value).
pub struct Initiative {
    pub guid: &'static str,
    pub name: &'static str,
    /// The hand-written profile it is equivalent to.
    pub profile: &'static str,
    params: &'static [(&'static str, Option<&'static str>)],
    members: &'static [(&'static str, &'static str, &'static [&'static str])],
}

const POD_SECURITY: &[&str] = &["effect", "excludedNamespaces", "namespaces"];
const CAPS_14: &str = r#"allowedCapabilities=["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]"#;
const SAFEGUARDS: &[&str] = &["effect", "excludedNamespaces", "source", "warn"];

#[rustfmt::skip]
pub const INITIATIVES: &[Initiative] = &[
    Initiative {
        guid: "a8640138-9b0a-4a28-b8cb-1666c838647d",
        name: "Kubernetes cluster pod security baseline standards for Linux-based workloads",
        profile: "azure-baseline",
        params: &[
            ("effect", Some(r#""Audit""#)),
            ("excludedNamespaces", Some(EXCLUDED_4)),
            ("namespaces", Some("[]")),
            ("allowedHostPaths", PATHS),
        ],
        members: &[
            ("NoPrivilegedContainers", "95edb821-ddaf-4404-9732-666045e056b4", POD_SECURITY),
            ("BlockUsingHostNetwork", "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
             &["effect", "excludedNamespaces", "namespaces", "allowHostNetwork=false", "minPort=0", "maxPort=0"]),
            ("BlockUsingHostProcessIDAndIPC", "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", POD_SECURITY),
            ("ContainerCapabilities", "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
             &["effect", "excludedNamespaces", "namespaces", CAPS_14, "requiredDropCapabilities=[]"]),
            ("NoHostPathVolume", "098fc59e-46c7-4d99-9b16-64990e543d75",
             &["effect", "excludedNamespaces", "namespaces", "allowedHostPaths"]),
        ],
    },
    Initiative {
        guid: "42b8ef37-b724-4e24-bbc8-7a7708edfe00",
        name: "Kubernetes cluster pod security restricted standards for Linux-based workloads",
        profile: "azure-restricted",
        params: &[
            ("effect", Some(r#""Audit""#)),
            ("excludedNamespaces", Some(EXCLUDED_4)),
            ("namespaces", Some("[]")),
            ("allowedCapabilities", Some(r#"["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]"#)),
            ("requiredDropCapabilities", Some("[]")),
        ],
        members: &[
            ("NoPrivilegedContainers", "95edb821-ddaf-4404-9732-666045e056b4", POD_SECURITY),
            // Pinned at 7.*.*, which only admits an explicit false (8.x made
            // that a parameter, default false).
            ("NoPrivilegeEscalation", "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
             &["effect", "excludedNamespaces", "namespaces", "forcePrivilegeEscalationToBeFalse=true"]),
            ("BlockUsingHostNetwork", "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
             &["effect", "excludedNamespaces", "namespaces", "allowHostNetwork=false", "minPort=0", "maxPort=0"]),
            ("BlockUsingHostProcessIDAndIPC", "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", POD_SECURITY),
            ("ContainerCapabilities", "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
             &["effect", "excludedNamespaces", "namespaces", "allowedCapabilities", "requiredDropCapabilities"]),
            ("AllowedVolumeTypes", "16697877-1118-4fb1-9b65-9898ec2509ec",
             &["effect", "excludedNamespaces", "namespaces",
               r#"allowedVolumeTypes=["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]"#]),
            ("AllowedUsersGroups", "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
             &["effect", "excludedNamespaces", "namespaces",
               r#"runAsUserRule="MustRunAsNonRoot""#, r#"runAsUserRanges={"ranges": []}"#,
               r#"runAsGroupRule="MustRunAs""#, r#"runAsGroupRanges={"ranges": [{"min": 1, "max": 65535}]}"#,
               r#"supplementalGroupsRule="MustRunAs""#, r#"supplementalGroupsRanges={"ranges": [{"min": 1, "max": 65535}]}"#,
               r#"fsGroupRule="MustRunAs""#, r#"fsGroupRanges={"ranges": [{"min": 1, "max": 65535}]}"#]),
            ("AllowedSeccompProfiles", "975ce327-682c-4f2e-aa46-b9598289b86c",
             &["effect", "excludedNamespaces", "namespaces", r#"allowedProfiles=["runtime/default", "docker/default"]"#]),
        ],
    },
    Initiative {
        guid: "c047ea8e-9c78-49b2-958b-37e56d291a44",
        name: "Deployment safeguards should help guide developers towards AKS recommended best practices",
        profile: "aks-deployment-safeguards",
        params: &[
            ("source", Some(r#""All""#)),
            ("warn", Some("false")),
            ("effect", Some(r#""Audit""#)),
            ("excludedNamespaces", Some(EXCLUDED_3)),
            ("allowedUsers", None),
            ("allowedGroups", None),
            ("excludedContainers", Some("[]")),
            ("excludedImages", Some("[]")),
            ("labels", None),
            ("allowedContainerImagesRegex", None),
            ("reservedTaints", None),
            ("requiredProbes", Some(r#"["readinessProbe", "livenessProbe"]"#)),
            ("effectForMutationPolicies", Some(r#""Disabled""#)),
            ("messages", Some("{}")),
            ("allowedHostPorts", Some("[]")),
            ("allowedSysctls", Some(r#"["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]"#)),
            ("forcePrivilegeEscalationToBeFalse", Some("false")),
            ("windowsAllowedHostPaths", PATHS),
            ("allowedHostPaths", PATHS),
            ("allowedAppArmorProfiles", Some(r#"["runtime/default"]"#)),
            ("allowedCapabilities", Some("[]")),
            ("requiredDropCapabilities", Some("[]")),
            ("allowedSeccompProfiles", Some(r#"["RuntimeDefault", "Localhost"]"#)),
            ("runAsUserRule", Some(r#""MustRunAsNonRoot""#)),
            ("runAsUserRanges", RANGES),
            ("allowedVolumeTypes", Some("[]")),
        ],
        members: &[
            ("restrictedNodeEditsInKubernetesCluster", "53a4a537-990c-495a-92e0-7c21a465442c",
             &["warn", "effect", "excludedNamespaces", "allowedUsers", "allowedGroups", "source"]),
            ("containerResourceRequests", "03a4ecdb-0684-4039-be91-2762979e1bc8",
             &["warn", "effect", "excludedNamespaces", "excludedImages", "source"]),
            ("podEnforceAntiaffinityInKubernetesCluster", "34c88cd4-5d72-4dbb-bf77-12c3cafe8791", SAFEGUARDS),
            ("restrictedLabelsInKubernetesCluster", "a22123bd-b9da-4c86-9424-24903e91fd55",
             &["warn", "effect", "excludedNamespaces", "allowedUsers", "allowedGroups", "labels", "source"]),
            ("ensureAllowedContainerImagesInKubernetesCluster", "febd0533-8e55-448f-b837-bd0e06f16469",
             &["warn", "effect", "excludedNamespaces", "allowedContainerImagesRegex", "excludedContainers", "source"]),
            ("restrictedTaintsInKubernetesCluster", "48940d92-ff05-449e-9111-e742d9280451",
             &["warn", "effect", "excludedNamespaces", "reservedTaints", "source"]),
            ("ensureProbesConfiguredInKubernetesCluster", "b1a9997f-2883-4f12-bdff-2280f99b5915",
             &["warn", "effect", "excludedNamespaces", "requiredProbes", "excludedContainers", "excludedImages", "source"]),
            ("ensureCsiDriverStorageClass", "4f3823b6-6dac-4b5a-9c61-ce1afb829f17", SAFEGUARDS),
            ("uniqueServiceSelectors", "b0fdedee-7b9e-4a17-9f5d-5e8e912d2f01", SAFEGUARDS),
            ("imagesDoNotUseLatest", "021f8078-41a0-40e6-81b6-c6597da9f3ee", SAFEGUARDS),
            ("mutateReservedSystemPoolTaints", "e16d171b-bfe5-4d79-a525-19736b396e92",
             &["effect<-effectForMutationPolicies", "excludedNamespaces", "source"]),
            ("printMutationsAnnotations", "e24df237-32cb-4a6c-a2f6-85b499cda9f2",
             &["effect", "source", "warn", "excludedNamespaces", "messages"]),
            ("blockHostNamespaces", "47a1ee2f-2a2a-4576-bf2a-e0e36709c2b8", SAFEGUARDS),
            ("hostNetworkPorts", "82985f06-dc18-4a48-bc1c-b9f4f0098cfe",
             &["effect", "excludedNamespaces", "source", "warn", "allowedHostPorts"]),
            ("allowedSysctls", "5e5a0673-649e-4d50-bf9d-5a387a4e2081",
             &["effect", "excludedNamespaces", "source", "warn", "allowedSysctls"]),
            ("allowedUsersGroups", "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "runAsUserRule", "runAsUserRanges"]),
            ("windowsBlockContainerAdmin", "5485eac0-7e8f-4964-998b-a44f4f0c1e75",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages"]),
            ("containerNoPrivilegeEscalation", "1c6e92c9-99f0-4e55-9cf2-0c234dc48f99",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "forcePrivilegeEscalationToBeFalse"]),
            ("allowedHostPaths", "098fc59e-46c7-4d99-9b16-64990e543d75",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "allowedHostPaths", "windowsAllowedHostPaths"]),
            ("enforceAppArmorProfile", "511f5417-5d12-434d-ab2e-816901e72a5e",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "allowedProfiles<-allowedAppArmorProfiles"]),
            ("enforceSELinux", "e1e6c427-07d9-46ab-9689-bfa85431e636",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "enforcePSS=true"]),
            ("windowsBlockHostProcess", "077f0ce1-86d6-4058-bc60-de05067e8622",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages"]),
            ("privilegedContainers", "95edb821-ddaf-4404-9732-666045e056b4",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers"]),
            ("allowedProcMountType", "f85eb0dd-92ee-40e9-8a76-db25a507d6d3",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers"]),
            ("containerAllowedCapabilities", "c26596ff-4d70-4e6a-9a30-c2506bd2f80c",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "allowedCapabilities", "requiredDropCapabilities"]),
            ("allowedSeccompProfiles", "975ce327-682c-4f2e-aa46-b9598289b86c",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "excludedContainers", "allowedProfiles<-allowedSeccompProfiles"]),
            ("allowedVolumeTypes", "16697877-1118-4fb1-9b65-9898ec2509ec",
             &["effect", "excludedNamespaces", "source", "warn", "excludedImages", "allowedVolumeTypes"]),
        ],
    },
];

/// Parameters every definition has, handled by the converter itself.
const COMMON: [&str; 8] = [
    "effect",
    "excludedNamespaces",
    "namespaces",
    "labelSelector",
    "excludedContainers",
    "excludedImages",
    "source",
    "warn",
];

pub fn definition(guid: &str) -> Option<&'static Definition> {
    DEFINITIONS
        .iter()
        .find(|d| d.guid.eq_ignore_ascii_case(guid))
}

pub fn initiative(guid: &str) -> Option<&'static Initiative> {
    INITIATIVES
        .iter()
        .find(|i| i.guid.eq_ignore_ascii_case(guid))
}

fn parse_default(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

impl Definition {
    /// A parameter's default: the common ones, then the definition's own.
    fn default(&self, name: &str) -> Option<Value> {
        match name {
            "effect" => Some(json!(self.effect)),
            "excludedNamespaces" => Some(parse_default(self.excluded)),
            // BlockDefaultNamespace's `namespaces` names what it refuses.
            "namespaces" if self.stem == "BlockDefaultNamespace" => Some(json!(["default"])),
            "namespaces" | "excludedContainers" | "excludedImages" => Some(json!([])),
            "labelSelector" => Some(json!({})),
            "source" => Some(json!("Original")),
            "warn" => Some(json!(false)),
            _ => self
                .params
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, d)| d.map(parse_default)),
        }
    }

    /// Whether the definition has a parameter of that name.
    pub fn knows(&self, name: &str) -> bool {
        COMMON.contains(&name) || self.params.iter().any(|(n, _)| *n == name)
    }

    /// Every parameter with its value: given, else the default; a missing
    /// required one is an error naming it.
    fn resolve(&self, given: &Map<String, Value>, what: &str) -> Result<Map<String, Value>> {
        for name in given.keys() {
            if !self.knows(name) {
                bail!(
                    "{what}: parameters.{name}: not a parameter of {} ({})",
                    self.stem,
                    self.guid
                );
            }
        }
        let mut values = Map::new();
        let names = COMMON
            .iter()
            .copied()
            .chain(self.params.iter().map(|p| p.0));
        for name in names {
            let value = match given.get(name) {
                Some(value) => value.clone(),
                None => self.default(name).with_context(|| {
                    format!(
                        "{what}: parameters.{name}: required by {}, not given",
                        self.stem
                    )
                })?,
            };
            values.insert(name.to_owned(), value);
        }
        Ok(values)
    }
}

/// What an assignment's (or member's) effect makes of its rule.
fn effect_mode(effect: &Value, enforce: bool, what: &str) -> Result<Option<Mode>> {
    let text = effect.as_str().unwrap_or("");
    match text.to_ascii_lowercase().as_str() {
        "audit" => Ok(Some(Mode::Monitor)),
        "deny" if enforce => Ok(Some(Mode::Protect)),
        "deny" => Ok(Some(Mode::Monitor)),
        "disabled" => Ok(None),
        _ => bail!("{what}: parameters.effect: {effect} is not Audit, Deny or Disabled"),
    }
}

fn strings(value: &Value, what: &str, name: &str) -> Result<Vec<String>> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().map(str::to_owned).with_context(|| {
                    format!("{what}: parameters.{name}[{i}]: must be a string, not {item}")
                })
            })
            .collect(),
        other => bail!("{what}: parameters.{name}: must be a list, not {other}"),
    }
}

/// `{"paths": [...]}`, `{"ranges": [...]}`, `{"options": [...]}`: the list.
fn wrapped(value: &Value, key: &str, what: &str, name: &str) -> Result<Value> {
    match value {
        Value::Object(map) => map
            .get(key)
            .cloned()
            .with_context(|| format!("{what}: parameters.{name}: must be {{\"{key}\": [...]}}")),
        other => bail!("{what}: parameters.{name}: must be {{\"{key}\": [...]}}, not {other}"),
    }
}

/// A definition's rule settings from its resolved parameters; Azure
/// parameter names are the rules' aliases, so most pass as they are.
fn rule_settings(
    def: &Definition,
    values: &Map<String, Value>,
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Map<String, Value>> {
    let get = |name: &str| values.get(name).cloned().unwrap_or(Value::Null);
    let mut settings = Map::new();
    for (name, _) in def.params {
        settings.insert((*name).to_owned(), get(name));
    }
    match def.rule.unwrap_or("") {
        "host-networking-ports" => {
            // One shape: the 6.x range when an initiative fixes it.
            if settings.get("minPort").is_some_and(|v| !v.is_null()) {
                settings.remove("allowedHostPorts");
            } else {
                settings.remove("minPort");
                settings.remove("maxPort");
            }
        }
        // hostNetwork is host-networking-ports' (BlockHostNamespace 6.x).
        "block-host-namespace" => {
            settings.insert("allow_host_network".into(), json!(true));
        }
        "allowed-capabilities" => {
            let drops = strings(
                &get("requiredDropCapabilities"),
                what,
                "requiredDropCapabilities",
            )?;
            if !drops.is_empty() {
                // Azure refuses a missing drop; it never adds it.
                settings.insert("validate_only".into(), json!(true));
            }
        }
        "host-filesystem" => {
            let paths = wrapped(&get("allowedHostPaths"), "paths", what, "allowedHostPaths")?;
            settings.insert("allowedHostPaths".into(), paths);
            let windows = get("windowsAllowedHostPaths");
            settings.remove("windowsAllowedHostPaths");
            let windows = wrapped(&windows, "paths", what, "windowsAllowedHostPaths")?;
            if windows.as_array().is_some_and(|w| !w.is_empty()) {
                notes.push(format!(
                    "{what}: windowsAllowedHostPaths not converted: host-filesystem judges Linux paths only"
                ));
            }
        }
        "allowed-users-groups" => {
            settings.clear();
            for field in ["runAsUser", "runAsGroup", "supplementalGroups", "fsGroup"] {
                let rule = get(&format!("{field}Rule"));
                if rule == json!("RunAsAny") {
                    continue;
                }
                let ranges_name = format!("{field}Ranges");
                let ranges = wrapped(&get(&ranges_name), "ranges", what, &ranges_name)?;
                let mut strategy = Map::new();
                strategy.insert("rule".into(), rule.clone());
                if ranges.as_array().is_some_and(|r| !r.is_empty())
                    && rule != json!("MustRunAsNonRoot")
                {
                    strategy.insert("ranges".into(), ranges);
                }
                settings.insert(field.to_owned(), Value::Object(strategy));
            }
            if !settings.is_empty() {
                // Azure judges IDs; it never sets them.
                settings.insert("validate_only".into(), json!(true));
            }
        }
        "allowed-seccomp" => {
            // Azure's `Localhost` means any Localhost profile.
            let profiles: Vec<String> = strings(&get("allowedProfiles"), what, "allowedProfiles")?
                .into_iter()
                .map(|p| {
                    if p == "Localhost" {
                        "localhost/*".to_owned()
                    } else {
                        p
                    }
                })
                .collect();
            if profiles.is_empty() {
                bail!(
                    "{what}: parameters.allowedProfiles: [] (the default) allows no seccomp profile, so no pod passes; give the profiles to allow"
                );
            }
            settings.insert("allowedProfiles".into(), json!(profiles));
            settings.insert("require_profile".into(), json!(true));
        }
        "enforce-apparmor" => {
            settings.insert("require_profile".into(), json!(true));
        }
        "selinux" => {
            let default_types = def.default("allowedSELinuxTypes");
            if get("enforcePSS") == json!(true) {
                settings.remove("allowedSELinuxOptions");
                if Some(get("allowedSELinuxTypes")) == default_types {
                    settings.remove("allowedSELinuxTypes");
                }
            } else {
                let options = wrapped(
                    &get("allowedSELinuxOptions"),
                    "options",
                    what,
                    "allowedSELinuxOptions",
                )?;
                settings.insert("allowedSELinuxOptions".into(), options);
                settings.remove("allowedSELinuxTypes");
            }
        }
        "block-default-namespace" => {
            settings.insert("namespaces".into(), get("namespaces"));
        }
        _ => {}
    }
    for (azure, ours) in [
        ("excludedContainers", "exempt_container_names"),
        ("excludedImages", "exempt_images"),
    ] {
        let list = strings(&get(azure), what, azure)?;
        if !list.is_empty() {
            settings.insert(ours.into(), json!(list));
        }
    }
    Ok(settings)
}

/// One assignment as read: where it came from and its fields.
struct Assignment<'a> {
    what: String,
    name: String,
    value: &'a Map<String, Value>,
}

impl Assignment<'_> {
    /// `parameters`: {name: {value}} → {name: value}.
    fn parameters(&self) -> Result<Map<String, Value>> {
        let mut out = Map::new();
        let Some(params) = self.value.get("parameters").filter(|p| !p.is_null()) else {
            return Ok(out);
        };
        let params = params
            .as_object()
            .with_context(|| format!("{}: parameters: must be an object", self.what))?;
        for (name, entry) in params {
            let value = entry.get("value").with_context(|| {
                format!(
                    "{}: parameters.{name}: must be {{\"value\": ...}}",
                    self.what
                )
            })?;
            out.insert(name.clone(), value.clone());
        }
        Ok(out)
    }

    fn enforce(&self) -> Result<bool> {
        match self.value.get("enforcementMode").and_then(Value::as_str) {
            None | Some("Default") => Ok(true),
            Some("DoNotEnforce") => Ok(false),
            Some(other) => bail!(
                "{}: enforcementMode: {other:?} is not Default or DoNotEnforce",
                self.what
            ),
        }
    }
}

/// A profile name from an assignment name: lowercase letters, digits, `-`.
fn profile_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// The scope of `namespaces` (a namespace selector) and `labelSelector`
/// (an object selector); None when both are empty.
fn scope(values: &Map<String, Value>, what: &str, with_namespaces: bool) -> Result<Option<Scope>> {
    let namespaces = if with_namespaces {
        strings(
            values.get("namespaces").unwrap_or(&Value::Null),
            what,
            "namespaces",
        )?
    } else {
        Vec::new()
    };
    let selector = values
        .get("labelSelector")
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()));
    if let Some(selector) = selector {
        for key in selector.as_object().into_iter().flatten().map(|(k, _)| k) {
            if key != "matchLabels" && key != "matchExpressions" {
                bail!(
                    "{what}: parameters.labelSelector.{key}: not matchLabels or matchExpressions"
                );
            }
        }
    }
    if namespaces.is_empty() && selector.is_none() {
        return Ok(None);
    }
    // Every pod's service account is in system:serviceaccounts: a grant to
    // it is the namespace alone.
    let everyone = vec![Subject::Group {
        name: "system:serviceaccounts".into(),
    }];
    let grants = if namespaces.is_empty() {
        vec![Grant {
            namespace: None,
            subjects: vec![Subject::Group {
                name: "system:authenticated".into(),
            }],
        }]
    } else {
        namespaces
            .into_iter()
            .map(|ns| Grant {
                namespace: Some(ns),
                subjects: everyone.clone(),
            })
            .collect()
    };
    Ok(Some(Scope {
        grants,
        object_selector: selector.cloned(),
    }))
}

/// One assignment's profile, or None when everything in it is Disabled.
fn assignment_profile(
    assignment: &Assignment,
    origin: &str,
    notes: &mut Vec<String>,
) -> Result<Option<Profile>> {
    let what = &assignment.what;
    let id = assignment
        .value
        .get("policyDefinitionId")
        .and_then(Value::as_str)
        .with_context(|| format!("{what}: policyDefinitionId: required"))?;
    let guid = id.rsplit('/').next().unwrap_or(id);
    let given = assignment.parameters()?;
    let enforce = assignment.enforce()?;
    if let Some(not_scopes) = assignment.value.get("notScopes").and_then(Value::as_array)
        && !not_scopes.is_empty()
    {
        notes.push(format!(
            "{what}: notScopes ignored: they are Azure resources, not Kubernetes namespaces"
        ));
    }
    let display = assignment
        .value
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or(&assignment.name);
    let mut profile = Profile {
        name: profile_name(&assignment.name),
        title: format!("Azure Policy assignment {display}"),
        source: format!("converted by `palisade convert azure` from {origin} ({id})"),
        description: String::new(),
        exempt_namespaces: Vec::new(),
        rules: Vec::new(),
        scope: None,
    };
    if profile.name.is_empty() {
        bail!("{what}: name: required (the profile's name)");
    }
    let is_set = id.to_ascii_lowercase().contains("/policysetdefinitions/");
    let values_of_members: Vec<Member> = if is_set {
        let init = initiative(guid).with_context(|| {
            format!("{what}: policyDefinitionId: initiative {guid} is not one Palisade converts (pod security baseline, restricted, Deployment Safeguards)")
        })?;
        profile.description = format!(
            "Azure initiative \"{}\" ({}) as assigned.",
            init.name, init.guid
        );
        initiative_members(init, &given, what, notes)?
    } else {
        let def = definition(guid).with_context(|| {
            format!("{what}: policyDefinitionId: definition {guid} is not a Kubernetes definition Palisade knows")
        })?;
        if def.rule.is_none() {
            bail!(
                "{what}: policyDefinitionId: {} ({guid}) has no Palisade rule",
                def.stem
            );
        }
        profile.description = format!("Azure definition {} ({}) as assigned.", def.stem, def.guid);
        let values = def.resolve(&given, what)?;
        vec![(def.stem.to_owned(), def, values)]
    };
    let mut exempt: Option<Vec<String>> = None;
    for (reference, def, values) in &values_of_members {
        let member_what = if is_set {
            format!("{what}: member {reference}")
        } else {
            what.clone()
        };
        let Some(policy) = def.rule else { continue };
        let Some(mode) = effect_mode(&values["effect"], enforce, &member_what)? else {
            notes.push(format!("{member_what}: effect Disabled, left out"));
            continue;
        };
        let excluded = strings(
            &values["excludedNamespaces"],
            &member_what,
            "excludedNamespaces",
        )?;
        match &exempt {
            None => exempt = Some(excluded),
            Some(first) if *first != excluded => bail!(
                "{member_what}: excludedNamespaces differ between members; a profile has one list"
            ),
            Some(_) => {}
        }
        let member_scope = scope(values, &member_what, def.stem != "BlockDefaultNamespace")?;
        if profile.scope.is_none() {
            profile.scope = member_scope;
        } else if member_scope.is_some() && profile.scope != member_scope {
            bail!("{member_what}: namespaces or labelSelector differ between members");
        }
        if is_set && policy == "allowed-volume-types" && values["allowedVolumeTypes"] == json!([]) {
            notes.push(format!(
                "{member_what}: allowedVolumeTypes [] refuses every volume (the service account token's too): left out; give the types to keep it"
            ));
            continue;
        }
        let settings = rule_settings(def, values, &member_what, notes)?;
        profile.rules.push(ProfileRule {
            policy: policy.to_owned(),
            name: None,
            settings: Value::Object(settings),
            mode: Some(mode),
        });
    }
    if let Some(init) = initiative(guid).filter(|_| is_set)
        && init.profile == "aks-deployment-safeguards"
        && let Some(mode) = effect_mode(&given_or_default(init, &given, "effect"), enforce, what)?
    {
        // Safeguards 1.x and 2.x required limits; AKS documents them.
        notes.push(format!(
            "{what}: container-limits (no maxima) added, as Deployment Safeguards 1.x/2.x and AKS's documentation require limits"
        ));
        let at = profile.rules.len().min(1);
        profile.rules.insert(
            at,
            ProfileRule {
                policy: "container-limits".into(),
                name: None,
                settings: json!({}),
                mode: Some(mode),
            },
        );
    }
    if profile.rules.is_empty() {
        notes.push(format!(
            "{what}: nothing left to convert (every member Disabled or without a rule)"
        ));
        return Ok(None);
    }
    profile.exempt_namespaces = exempt.unwrap_or_default();
    Ok(Some(profile))
}

fn given_or_default(init: &Initiative, given: &Map<String, Value>, name: &str) -> Value {
    given.get(name).cloned().unwrap_or_else(|| {
        init.params
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, d)| d.map(parse_default))
            .unwrap_or(Value::Null)
    })
}

/// A member (or the single definition): its reference ID, its definition
/// and its resolved parameters.
type Member = (String, &'static Definition, Map<String, Value>);

/// Each member's resolved parameters, through the initiative's wiring.
/// Members without a rule, or wired to a required parameter not given, are
/// listed in a note and left out.
fn initiative_members(
    init: &'static Initiative,
    given: &Map<String, Value>,
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Member>> {
    for name in given.keys() {
        if !init.params.iter().any(|(n, _)| n == name) {
            bail!(
                "{what}: parameters.{name}: not a parameter of initiative {}",
                init.guid
            );
        }
    }
    let mut members = Vec::new();
    let mut without_rule = Vec::new();
    for (reference, guid, wiring) in init.members {
        let def = definition(guid).with_context(|| format!("initiative table: {guid}"))?;
        if def.rule.is_none() {
            without_rule.push(*reference);
            continue;
        }
        let mut params = Map::new();
        let mut missing = None;
        for wire in *wiring {
            let (name, value) = if let Some((name, fixed)) = wire.split_once('=') {
                (name, parse_default(fixed))
            } else {
                let (name, from) = wire.split_once("<-").unwrap_or((wire, wire));
                let value = given_or_default(init, given, from);
                if value.is_null() {
                    missing = Some(from);
                }
                (name, value)
            };
            params.insert(name.to_owned(), value);
        }
        if let Some(from) = missing {
            notes.push(format!(
                "{what}: member {reference} left out: its parameter {from} has no default and is not given"
            ));
            continue;
        }
        let member_what = format!("{what}: member {reference}");
        members.push((
            (*reference).to_owned(),
            def,
            def.resolve(&params, &member_what)?,
        ));
    }
    if !without_rule.is_empty() {
        notes.push(format!(
            "{what}: members without a Palisade rule, left out: {}",
            without_rule.join(", ")
        ));
    }
    Ok(members)
}

/// Every assignment of `text` (one object, or an array as `az policy
/// assignment list` prints) as a profile.
pub fn convert_text(text: &str, origin: &str, notes: &mut Vec<String>) -> Result<Vec<Profile>> {
    let value: Value = serde_json::from_str(text)
        .or_else(|_| crate::manifest::from_yaml(text))
        .with_context(|| format!("{origin}: not an assignment in JSON"))?;
    let items = match &value {
        Value::Array(items) => items.iter().collect(),
        _ => vec![&value],
    };
    let mut profiles = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let map = item
            .as_object()
            .with_context(|| format!("{origin}: item {}: not an assignment object", index + 1))?;
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let what = if name.is_empty() {
            format!("{origin}: assignment {}", index + 1)
        } else {
            format!("{origin}: assignment {name}")
        };
        let assignment = Assignment {
            what,
            name,
            value: map,
        };
        if let Some(profile) = assignment_profile(&assignment, origin, notes)? {
            if profiles.iter().any(|p: &Profile| p.name == profile.name) {
                bail!(
                    "{}: name: a second assignment named {}",
                    assignment.what,
                    profile.name
                );
            }
            profiles.push(profile);
        }
    }
    Ok(profiles)
}

/// Every assignment of the files (`-`: stdin).
pub fn convert_files(files: &[impl AsRef<Path>], notes: &mut Vec<String>) -> Result<Vec<Profile>> {
    let mut profiles: Vec<Profile> = Vec::new();
    for file in files {
        let file = file.as_ref();
        let origin = file.display().to_string();
        let text = if origin == "-" {
            std::io::read_to_string(std::io::stdin()).context("reading stdin")?
        } else {
            std::fs::read_to_string(file).with_context(|| format!("reading {origin}"))?
        };
        for profile in convert_text(&text, &origin, notes)? {
            if profiles.iter().any(|p| p.name == profile.name) {
                bail!(
                    "{origin}: assignment {}: a second assignment of that name",
                    profile.name
                );
            }
            profiles.push(profile);
        }
    }
    Ok(profiles)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn convert(value: Value) -> Result<(Vec<Profile>, Vec<String>)> {
        let mut notes = Vec::new();
        let profiles = convert_text(&value.to_string(), "a.json", &mut notes)?;
        Ok((profiles, notes))
    }

    fn single(guid: &str, parameters: Value) -> Value {
        json!({"name": "one", "policyDefinitionId": format!("/providers/Microsoft.Authorization/policyDefinitions/{guid}"),
            "parameters": parameters})
    }

    fn set(guid: &str, parameters: Value) -> Value {
        json!({"name": "set", "policyDefinitionId": format!("/providers/Microsoft.Authorization/policySetDefinitions/{guid}"),
            "parameters": parameters})
    }

    #[test]
    fn every_definition_and_member_is_in_the_tables_once() {
        let mut guids: Vec<&str> = DEFINITIONS.iter().map(|d| d.guid).collect();
        guids.sort_unstable();
        guids.dedup();
        assert_eq!(guids.len(), DEFINITIONS.len());
        assert_eq!(DEFINITIONS.len(), 37);
        for init in INITIATIVES {
            for (reference, guid, _) in init.members {
                assert!(definition(guid).is_some(), "{reference}");
            }
        }
        // Every mapped rule is a policy of the repository.
        let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
        for def in DEFINITIONS {
            if let Some(rule) = def.rule {
                assert!(policies.join(rule).join("README.md").exists(), "{rule}");
            }
        }
        assert_eq!(
            INITIATIVES
                .iter()
                .map(|i| i.members.len())
                .collect::<Vec<_>>(),
            [5, 8, 27]
        );
    }

    #[test]
    fn a_single_definition_maps_its_parameters_and_effect() {
        let (profiles, _) = convert(single(
            "95edb821-ddaf-4404-9732-666045e056b4",
            json!({"effect": {"value": "Deny"}, "excludedNamespaces": {"value": ["tools"]},
                   "excludedImages": {"value": ["debug/*"]}}),
        ))
        .unwrap();
        let profile = &profiles[0];
        assert_eq!(profile.name, "one");
        assert_eq!(profile.exempt_namespaces, ["tools"]);
        assert_eq!(profile.rules[0].policy, "no-privilege");
        assert_eq!(profile.rules[0].mode, Some(Mode::Protect));
        assert_eq!(
            profile.rules[0].settings,
            json!({"exempt_images": ["debug/*"]})
        );
        // The default effect of ContainerNoPrivilege is Deny; DoNotEnforce
        // makes it monitor.
        let mut assignment = single("95edb821-ddaf-4404-9732-666045e056b4", json!({}));
        assignment["enforcementMode"] = json!("DoNotEnforce");
        let (profiles, _) = convert(assignment).unwrap();
        assert_eq!(profiles[0].rules[0].mode, Some(Mode::Monitor));
        assert_eq!(profiles[0].exempt_namespaces.len(), 4);
        // Audit is monitor; Disabled leaves it out.
        let (profiles, _) = convert(single(
            "95edb821-ddaf-4404-9732-666045e056b4",
            json!({"effect": {"value": "audit"}}),
        ))
        .unwrap();
        assert_eq!(profiles[0].rules[0].mode, Some(Mode::Monitor));
        let (profiles, notes) = convert(single(
            "95edb821-ddaf-4404-9732-666045e056b4",
            json!({"effect": {"value": "Disabled"}}),
        ))
        .unwrap();
        assert!(profiles.is_empty());
        assert!(notes.iter().any(|n| n.contains("Disabled")), "{notes:?}");
    }

    #[test]
    fn shapes_azure_wraps_are_unwrapped() {
        let (profiles, _) = convert(single(
            "098fc59e-46c7-4d99-9b16-64990e543d75",
            json!({"allowedHostPaths": {"value": {"paths": [{"pathPrefix": "/var/log", "readOnly": true}]}}}),
        ))
        .unwrap();
        assert_eq!(
            profiles[0].rules[0].settings,
            json!({"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": true}]})
        );
        let (profiles, _) = convert(single(
            "f06ddb64-5fa3-4b77-b166-acb36f7f6042",
            json!({"runAsUserRule": {"value": "MustRunAs"}, "runAsUserRanges": {"value": {"ranges": [{"min": 100, "max": 200}]}}}),
        ))
        .unwrap();
        assert_eq!(
            profiles[0].rules[0].settings,
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 100, "max": 200}]}, "validate_only": true})
        );
        let (profiles, _) = convert(single(
            "975ce327-682c-4f2e-aa46-b9598289b86c",
            json!({"allowedProfiles": {"value": ["RuntimeDefault", "Localhost"]}}),
        ))
        .unwrap();
        assert_eq!(
            profiles[0].rules[0].settings,
            json!({"allowedProfiles": ["RuntimeDefault", "localhost/*"], "require_profile": true})
        );
        // BlockDefaultNamespace's namespaces are what it refuses, not a scope.
        let (profiles, _) =
            convert(single("9f061a12-e40d-4183-a00e-171812443373", json!({}))).unwrap();
        assert_eq!(
            profiles[0].rules[0].settings,
            json!({"namespaces": ["default"]})
        );
        assert!(profiles[0].scope.is_none());
    }

    #[test]
    fn namespaces_and_label_selectors_scope_the_profile() {
        let (profiles, _) = convert(single(
            "95edb821-ddaf-4404-9732-666045e056b4",
            json!({"namespaces": {"value": ["team-a"]},
                   "labelSelector": {"value": {"matchLabels": {"tier": "web"}}}}),
        ))
        .unwrap();
        let scope = profiles[0].scope.as_ref().unwrap();
        let request = |ns: &str, tier: &str| json!({"namespace": ns, "object": {"metadata": {"labels": {"tier": tier}}}});
        assert!(scope.matches(&request("team-a", "web")));
        assert!(!scope.matches(&request("team-b", "web")));
        assert!(!scope.matches(&request("team-a", "db")));
        let mut spec = json!({});
        scope.apply(&mut spec);
        assert_eq!(
            spec["objectSelector"],
            json!({"matchLabels": {"tier": "web"}})
        );
        assert_eq!(
            spec["namespaceSelector"]["matchExpressions"][0]["values"],
            json!(["team-a"])
        );
        assert!(spec.get("matchConditions").is_none(), "{spec}");
    }

    #[test]
    fn initiatives_resolve_through_their_wiring() {
        let (profiles, notes) = convert(set(
            "c047ea8e-9c78-49b2-958b-37e56d291a44",
            json!({"effect": {"value": "Deny"}}),
        ))
        .unwrap();
        let policies: Vec<&str> = profiles[0]
            .rules
            .iter()
            .map(|r| r.policy.as_str())
            .collect();
        assert_eq!(policies.len(), 17, "{policies:?}");
        assert!(!policies.contains(&"allowed-images"));
        assert!(!policies.contains(&"allowed-volume-types"));
        assert!(
            profiles[0]
                .rules
                .iter()
                .all(|r| r.mode == Some(Mode::Protect))
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("podEnforceAntiaffinityInKubernetesCluster")),
            "{notes:?}"
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("ensureAllowedContainerImagesInKubernetesCluster left out")),
            "{notes:?}"
        );
        // Given, the regex brings allowed-images in.
        let (profiles, _) = convert(set(
            "c047ea8e-9c78-49b2-958b-37e56d291a44",
            json!({"allowedContainerImagesRegex": {"value": "^myacr\\.azurecr\\.io/"}, "excludedContainers": {"value": ["istio-proxy"]}}),
        ))
        .unwrap();
        let images = profiles[0]
            .rules
            .iter()
            .find(|r| r.policy == "allowed-images")
            .unwrap();
        assert_eq!(
            images.settings,
            json!({"allowedContainerImagesRegex": "^myacr\\.azurecr\\.io/", "exempt_container_names": ["istio-proxy"]})
        );
        let (profiles, _) =
            convert(set("42b8ef37-b724-4e24-bbc8-7a7708edfe00", json!({}))).unwrap();
        assert_eq!(profiles[0].rules.len(), 8);
        assert!(
            profiles[0]
                .rules
                .iter()
                .all(|r| r.mode == Some(Mode::Monitor))
        );
    }

    #[test]
    fn errors_name_the_file_the_assignment_and_the_field() {
        let error = |value: Value| format!("{:#}", convert(value).unwrap_err());
        assert_eq!(
            error(single("53a4a537-990c-495a-92e0-7c21a465442c", json!({}))),
            "a.json: assignment one: policyDefinitionId: CannotEditIndividualNodes (53a4a537-990c-495a-92e0-7c21a465442c) has no Palisade rule"
        );
        assert_eq!(
            error(single("00000000-0000-0000-0000-000000000000", json!({}))),
            "a.json: assignment one: policyDefinitionId: definition 00000000-0000-0000-0000-000000000000 is not a Kubernetes definition Palisade knows"
        );
        assert_eq!(
            error(single(
                "95edb821-ddaf-4404-9732-666045e056b4",
                json!({"privileged": {"value": true}})
            )),
            "a.json: assignment one: parameters.privileged: not a parameter of ContainerNoPrivilege (95edb821-ddaf-4404-9732-666045e056b4)"
        );
        assert_eq!(
            error(single("febd0533-8e55-448f-b837-bd0e06f16469", json!({}))),
            "a.json: assignment one: parameters.allowedContainerImagesRegex: required by ContainerAllowedImages, not given"
        );
        assert_eq!(
            error(single(
                "95edb821-ddaf-4404-9732-666045e056b4",
                json!({"effect": {"value": "Mutate"}})
            )),
            "a.json: assignment one: parameters.effect: \"Mutate\" is not Audit, Deny or Disabled"
        );
        assert_eq!(
            error(set(
                "c047ea8e-9c78-49b2-958b-37e56d291a44",
                json!({"namespaces": {"value": []}})
            )),
            "a.json: assignment set: parameters.namespaces: not a parameter of initiative c047ea8e-9c78-49b2-958b-37e56d291a44"
        );
        assert_eq!(
            error(single("975ce327-682c-4f2e-aa46-b9598289b86c", json!({}))),
            "a.json: assignment one: parameters.allowedProfiles: [] (the default) allows no seccomp profile, so no pod passes; give the profiles to allow"
        );
    }
}

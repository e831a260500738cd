//! `palisade convert psp`: PodSecurityPolicies (policy/v1beta1) into
//! profiles, field by field, with the RBAC that grants their use as the
//! profile's scope.
//!
//! Every field of a PSP spec is either mapped to a rule's settings or is an
//! error naming it: nothing is dropped. A field left at a value that admits
//! everything (`privileged: true`, `RunAsAny`, `volumes: ['*']`) needs no
//! rule.

pub use crate::manifest::{Document, parse_documents, read_documents};
use crate::profile::{Grant, Profile, ProfileRule, Subject};
use anyhow::{Context, Result, bail};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

fn kind(value: &Value) -> &str {
    value.get("kind").and_then(Value::as_str).unwrap_or("")
}

fn name_of(value: &Value) -> &str {
    value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn namespace_of(value: &Value) -> Option<&str> {
    value.pointer("/metadata/namespace").and_then(Value::as_str)
}

/// The PSP annotations that carry seccomp and AppArmor settings.
const SECCOMP_ALLOWED: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
const APPARMOR_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";

/// Every field of `PodSecurityPolicySpec` (policy/v1beta1).
const SPEC_FIELDS: [&str; 24] = [
    "privileged",
    "defaultAddCapabilities",
    "requiredDropCapabilities",
    "allowedCapabilities",
    "volumes",
    "hostNetwork",
    "hostPorts",
    "hostPID",
    "hostIPC",
    "seLinux",
    "runAsUser",
    "runAsGroup",
    "supplementalGroups",
    "fsGroup",
    "readOnlyRootFilesystem",
    "defaultAllowPrivilegeEscalation",
    "allowPrivilegeEscalation",
    "allowedHostPaths",
    "allowedFlexVolumes",
    "allowedCSIDrivers",
    "allowedUnsafeSysctls",
    "forbiddenSysctls",
    "allowedProcMountTypes",
    "runtimeClass",
];

/// A PSP spec being read: each accessor names the field in its errors.
struct Spec<'a> {
    psp: &'a str,
    spec: &'a Map<String, Value>,
}

impl Spec<'_> {
    fn field(&self, name: &str) -> String {
        format!("PodSecurityPolicy {}: spec.{name}", self.psp)
    }

    fn bool(&self, name: &str) -> Result<Option<bool>> {
        match self.spec.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => bail!("{}: must be true or false, not {other}", self.field(name)),
        }
    }

    fn strings(&self, name: &str) -> Result<Option<Vec<String>>> {
        self.strings_of(name, self.spec.get(name))
    }

    fn strings_of(&self, name: &str, value: Option<&Value>) -> Result<Option<Vec<String>>> {
        match value {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    item.as_str().map(str::to_owned).with_context(|| {
                        format!("{}[{i}]: must be a string, not {item}", self.field(name))
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(other) => bail!("{}: must be a list, not {other}", self.field(name)),
        }
    }

    /// A list of objects whose `key` is a string (`allowedFlexVolumes[].driver`).
    fn keyed(&self, name: &str, key: &str) -> Result<Option<Vec<String>>> {
        let Some(value) = self.spec.get(name).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let items = value
            .as_array()
            .with_context(|| format!("{}: must be a list, not {value}", self.field(name)))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .with_context(|| {
                        format!("{}[{i}].{key}: a string is required", self.field(name))
                    })
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    fn object(&self, name: &str) -> Result<Option<&Map<String, Value>>> {
        match self.spec.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => bail!("{}: must be an object, not {other}", self.field(name)),
        }
    }

    /// `runAsUser`, `runAsGroup`, `supplementalGroups`, `fsGroup`: the
    /// allowed-users-groups setting, or None for RunAsAny.
    fn id_strategy(&self, name: &str, rules: &[&str]) -> Result<Option<Value>> {
        let Some(strategy) = self.object(name)? else {
            return Ok(None);
        };
        for key in strategy.keys() {
            if key != "rule" && key != "ranges" {
                bail!("{}.{key}: unknown field", self.field(name));
            }
        }
        let rule = strategy
            .get("rule")
            .and_then(Value::as_str)
            .with_context(|| format!("{}.rule: required", self.field(name)))?;
        if !rules.contains(&rule) {
            bail!(
                "{}.rule: {rule:?} is not one of {}",
                self.field(name),
                rules.join(", ")
            );
        }
        if rule == "RunAsAny" {
            return Ok(None);
        }
        let mut setting = Map::new();
        setting.insert("rule".into(), json!(rule));
        // MustRunAsNonRoot ignores ranges, as PSP did.
        let ranges = strategy
            .get("ranges")
            .filter(|r| !r.is_null() && rule != "MustRunAsNonRoot");
        if let Some(ranges) = ranges {
            let ranges = ranges.as_array().with_context(|| {
                format!(
                    "{}.ranges: must be a list of {{min, max}}",
                    self.field(name)
                )
            })?;
            let mut out = Vec::new();
            for (i, range) in ranges.iter().enumerate() {
                let bound = |key: &str| {
                    range.get(key).and_then(Value::as_i64).with_context(|| {
                        format!(
                            "{}.ranges[{i}].{key}: an integer is required",
                            self.field(name)
                        )
                    })
                };
                out.push(json!({"min": bound("min")?, "max": bound("max")?}));
            }
            if !out.is_empty() {
                setting.insert("ranges".into(), json!(out));
            }
        }
        if matches!(rule, "MustRunAs" | "MayRunAs") && setting.get("ranges").is_none() {
            bail!(
                "{}.ranges: {rule} needs at least one range",
                self.field(name)
            );
        }
        Ok(Some(Value::Object(setting)))
    }
}

fn rule(policy: &str, settings: Value) -> ProfileRule {
    ProfileRule {
        policy: policy.to_owned(),
        name: None,
        settings,
        mode: None,
    }
}

fn has_star(list: &[String]) -> bool {
    list.iter().any(|item| item == "*")
}

/// A PSP's profile: one rule per field that constrains anything. Where the
/// rules cannot say exactly what the PSP said, `notes` says how they differ
/// (the profile's description says it too).
pub fn psp_profile(psp: &Value, origin: &str, notes: &mut Vec<String>) -> Result<Profile> {
    let name = name_of(psp);
    if name.is_empty() {
        bail!("{origin}: PodSecurityPolicy without metadata.name");
    }
    let api_version = psp.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !matches!(api_version, "policy/v1beta1" | "extensions/v1beta1") {
        bail!(
            "{origin}: PodSecurityPolicy {name}: apiVersion {api_version:?} is not policy/v1beta1"
        );
    }
    let spec = psp
        .get("spec")
        .and_then(Value::as_object)
        .with_context(|| format!("{origin}: PodSecurityPolicy {name}: spec is missing"))?;
    for key in spec.keys() {
        if !SPEC_FIELDS.contains(&key.as_str()) {
            bail!("{origin}: PodSecurityPolicy {name}: spec.{key}: unknown field, not converted");
        }
    }
    let spec = Spec { psp: name, spec };
    let annotations = psp
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let first_note = notes.len();
    let rules = psp_rules(&spec, &annotations, notes).with_context(|| origin.to_owned())?;
    let mut description = format!(
        "What the PodSecurityPolicy {name} admits, field by field, with its defaults as mutations."
    );
    for note in notes.iter().skip(first_note) {
        description.push_str(" Differs: ");
        description.push_str(note);
        description.push('.');
    }
    Ok(Profile {
        name: name.to_owned(),
        title: format!("PodSecurityPolicy {name}"),
        source: format!("converted by `palisade convert psp` from {origin}"),
        description,
        exempt_namespaces: Vec::new(),
        rules,
        scope: None,
    })
}

fn psp_rules(
    spec: &Spec,
    annotations: &Map<String, Value>,
    notes: &mut Vec<String>,
) -> Result<Vec<ProfileRule>> {
    let mut rules = Vec::new();

    // privileged (default false).
    if !spec.bool("privileged")?.unwrap_or(false) {
        rules.push(rule("no-privilege", json!({})));
    }

    // allowPrivilegeEscalation (default true), defaultAllowPrivilegeEscalation.
    let allow_escalation = spec.bool("allowPrivilegeEscalation")?.unwrap_or(true);
    let default_escalation = spec.bool("defaultAllowPrivilegeEscalation")?;
    match (allow_escalation, default_escalation) {
        (false, Some(true)) => bail!(
            "{}: true is refused by Kubernetes when allowPrivilegeEscalation is false",
            spec.field("defaultAllowPrivilegeEscalation")
        ),
        (false, _) => rules.push(rule(
            "no-privilege-escalation",
            json!({"default_allow_privilege_escalation": false}),
        )),
        (true, Some(false)) => bail!(
            "{}: false with allowPrivilegeEscalation true (a default that does not forbid) has no \
             Palisade rule: no-privilege-escalation's default also refuses an explicit true; \
             set allowPrivilegeEscalation: false or drop the default",
            spec.field("defaultAllowPrivilegeEscalation")
        ),
        (true, _) => {}
    }

    // Capabilities. PSP: nothing may be added unless allowed; the default
    // adds are allowed implicitly.
    let allowed = spec.strings("allowedCapabilities")?.unwrap_or_default();
    let drops = spec
        .strings("requiredDropCapabilities")?
        .unwrap_or_default();
    let default_add = spec.strings("defaultAddCapabilities")?.unwrap_or_default();
    if !has_star(&allowed) || !drops.is_empty() || !default_add.is_empty() {
        let mut settings = Map::new();
        let mut allowed_all = allowed.clone();
        if !has_star(&allowed) {
            for cap in &default_add {
                if !allowed_all.contains(cap) {
                    allowed_all.push(cap.clone());
                }
            }
        }
        if !allowed_all.is_empty() {
            settings.insert("allowed_capabilities".into(), json!(allowed_all));
        }
        if !drops.is_empty() {
            settings.insert("required_drop_capabilities".into(), json!(drops));
        }
        if !default_add.is_empty() {
            settings.insert("default_add_capabilities".into(), json!(default_add));
        }
        rules.push(rule("allowed-capabilities", Value::Object(settings)));
    }

    // Volumes (none unless listed), flex and CSI drivers.
    let volumes = spec.strings("volumes")?.unwrap_or_default();
    let flex = spec.keyed("allowedFlexVolumes", "driver")?;
    let csi = spec.keyed("allowedCSIDrivers", "name")?;
    let mut volume_settings = Map::new();
    if !has_star(&volumes) {
        let types: Vec<&String> = volumes.iter().filter(|v| *v != "none").collect();
        volume_settings.insert("allowed_types".into(), json!(types));
    }
    if let Some(flex) = flex.filter(|f| !f.is_empty()) {
        volume_settings.insert("allowed_flex_volume_drivers".into(), json!(flex));
    }
    if let Some(csi) = csi.filter(|c| !c.is_empty()) {
        volume_settings.insert("allowed_csi_drivers".into(), json!(csi));
    }
    if !volume_settings.is_empty() {
        if has_star(&volumes) {
            volume_settings.insert("allowed_types".into(), json!(["*"]));
        }
        rules.push(rule("allowed-volume-types", Value::Object(volume_settings)));
    }

    // allowedHostPaths: PSP allows every path when the list is empty (the
    // volumes list decides whether hostPath is allowed at all).
    if let Some(paths) = spec.spec.get("allowedHostPaths").filter(|v| !v.is_null()) {
        let list = paths
            .as_array()
            .with_context(|| format!("{}: must be a list", spec.field("allowedHostPaths")))?;
        if !list.is_empty() {
            let mut out = Vec::new();
            for (i, entry) in list.iter().enumerate() {
                let prefix = entry
                    .get("pathPrefix")
                    .and_then(Value::as_str)
                    .with_context(|| {
                        format!(
                            "{}[{i}].pathPrefix: a string is required",
                            spec.field("allowedHostPaths")
                        )
                    })?;
                let read_only = entry
                    .get("readOnly")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                out.push(json!({"pathPrefix": prefix, "readOnly": read_only}));
            }
            rules.push(rule("host-filesystem", json!({"allowedHostPaths": out})));
        }
    }

    // Host namespaces: hostPID and hostIPC here; hostNetwork with the ports.
    let host_pid = spec.bool("hostPID")?.unwrap_or(false);
    let host_ipc = spec.bool("hostIPC")?.unwrap_or(false);
    if !host_pid || !host_ipc {
        let mut settings = Map::new();
        if host_pid {
            settings.insert("allow_host_pid".into(), json!(true));
        }
        if host_ipc {
            settings.insert("allow_host_ipc".into(), json!(true));
        }
        // hostNetwork is judged by host-networking-ports, once.
        settings.insert("allow_host_network".into(), json!(true));
        rules.push(rule("block-host-namespace", Value::Object(settings)));
    }
    let host_network = spec.bool("hostNetwork")?.unwrap_or(false);
    let mut ports = Vec::new();
    if let Some(list) = spec.spec.get("hostPorts").filter(|v| !v.is_null()) {
        let list = list
            .as_array()
            .with_context(|| format!("{}: must be a list", spec.field("hostPorts")))?;
        for (i, range) in list.iter().enumerate() {
            let bound = |key: &str| {
                range.get(key).and_then(Value::as_i64).with_context(|| {
                    format!(
                        "{}[{i}].{key}: an integer is required",
                        spec.field("hostPorts")
                    )
                })
            };
            ports.push((bound("min")?, bound("max")?));
        }
    }
    let every_port = ports.iter().any(|&(min, max)| min <= 1 && max >= 65535);
    if !host_network || !every_port {
        let mut settings = Map::new();
        if host_network {
            settings.insert("allow_host_network".into(), json!(true));
        }
        if !ports.is_empty() {
            // Port 0 means no host port, which the rule always allows.
            let ranges: Vec<Value> = ports
                .iter()
                .filter(|&&(_, max)| max >= 1)
                .map(|&(min, max)| json!({"min": min.max(1), "max": max}))
                .collect();
            if !ranges.is_empty() {
                settings.insert("allow_host_ports".into(), json!(ranges));
            }
        }
        rules.push(rule("host-networking-ports", Value::Object(settings)));
    }

    // User and group IDs.
    let mut ids = Map::new();
    let strategies = [
        (
            "runAsUser",
            "run_as_user",
            &["MustRunAs", "MustRunAsNonRoot", "RunAsAny"][..],
        ),
        (
            "runAsGroup",
            "run_as_group",
            &["MustRunAs", "MayRunAs", "RunAsAny"][..],
        ),
        (
            "supplementalGroups",
            "supplemental_groups",
            &["MustRunAs", "MayRunAs", "RunAsAny"][..],
        ),
        (
            "fsGroup",
            "fs_group",
            &["MustRunAs", "MayRunAs", "RunAsAny"][..],
        ),
    ];
    for (field, setting, allowed_rules) in strategies {
        if field != "runAsGroup" && spec.spec.get(field).is_none() {
            bail!("{}: required in a PodSecurityPolicy", spec.field(field));
        }
        if let Some(value) = spec.id_strategy(field, allowed_rules)? {
            ids.insert(setting.into(), value);
        }
    }
    if !ids.is_empty() {
        rules.push(rule("allowed-users-groups", Value::Object(ids)));
    }

    // readOnlyRootFilesystem: PSP set it on containers that omit it.
    if spec.bool("readOnlyRootFilesystem")?.unwrap_or(false) {
        rules.push(rule(
            "read-only-rootfs",
            json!({"default_read_only_root_filesystem": true}),
        ));
    }

    // seLinux.
    let selinux = spec
        .object("seLinux")?
        .with_context(|| format!("{}: required in a PodSecurityPolicy", spec.field("seLinux")))?;
    for key in selinux.keys() {
        if key != "rule" && key != "seLinuxOptions" {
            bail!("{}.{key}: unknown field", spec.field("seLinux"));
        }
    }
    match selinux.get("rule").and_then(Value::as_str) {
        Some("RunAsAny") => {}
        Some("MustRunAs") => {
            let options = selinux
                .get("seLinuxOptions")
                .and_then(Value::as_object)
                .filter(|o| !o.is_empty())
                .with_context(|| {
                    format!(
                        "{}.seLinuxOptions: MustRunAs needs options",
                        spec.field("seLinux")
                    )
                })?;
            let mut settings = Map::new();
            settings.insert("rule".into(), json!("MustRunAs"));
            for (key, value) in options {
                if !matches!(key.as_str(), "user" | "role" | "type" | "level") {
                    bail!(
                        "{}.seLinuxOptions.{key}: unknown field",
                        spec.field("seLinux")
                    );
                }
                settings.insert(key.clone(), value.clone());
            }
            rules.push(rule("selinux", Value::Object(settings)));
        }
        other => bail!(
            "{}.rule: {} is not MustRunAs or RunAsAny",
            spec.field("seLinux"),
            other.map_or("missing".to_owned(), |o| format!("{o:?}"))
        ),
    }

    // allowedProcMountTypes: Default only unless Unmasked is listed.
    let proc_mounts = spec.strings("allowedProcMountTypes")?.unwrap_or_default();
    if !proc_mounts
        .iter()
        .any(|t| t.eq_ignore_ascii_case("Unmasked"))
    {
        rules.push(rule("proc-mount", json!({})));
    }

    // Sysctls: the safe set, plus the allowed unsafe ones, minus the forbidden.
    let unsafe_sysctls = spec.strings("allowedUnsafeSysctls")?.unwrap_or_default();
    let forbidden = spec.strings("forbiddenSysctls")?.unwrap_or_default();
    if !has_star(&unsafe_sysctls) || !forbidden.is_empty() {
        let mut settings = Map::new();
        if !unsafe_sysctls.is_empty() {
            settings.insert("allowed_unsafe_sysctls".into(), json!(unsafe_sysctls));
        }
        if !forbidden.is_empty() {
            settings.insert("forbidden_sysctls".into(), json!(forbidden));
        }
        rules.push(rule("sysctls", Value::Object(settings)));
    }

    // runtimeClass.
    if let Some(runtime) = spec.object("runtimeClass")? {
        for key in runtime.keys() {
            if key != "allowedRuntimeClassNames" && key != "defaultRuntimeClassName" {
                bail!("{}.{key}: unknown field", spec.field("runtimeClass"));
            }
        }
        let allowed = spec
            .strings_of(
                "runtimeClass.allowedRuntimeClassNames",
                runtime.get("allowedRuntimeClassNames"),
            )?
            .unwrap_or_default();
        let default = runtime
            .get("defaultRuntimeClassName")
            .and_then(Value::as_str);
        if !has_star(&allowed) || default.is_some() {
            let mut settings = Map::new();
            settings.insert("allowed_runtime_class_names".into(), json!(allowed));
            if let Some(default) = default {
                settings.insert("default_runtime_class_name".into(), json!(default));
            }
            rules.push(rule("runtime-class", Value::Object(settings)));
        }
    }

    // Seccomp (annotations): without an allowed list, PSP let no pod set a
    // profile other than the default; with one, the profile must be listed.
    let annotation_list = |key: &str| {
        annotations.get(key).and_then(Value::as_str).map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
    };
    let annotation = |key: &str| annotations.get(key).and_then(Value::as_str);
    let seccomp_allowed = annotation_list(SECCOMP_ALLOWED);
    let seccomp_default = annotation(SECCOMP_DEFAULT);
    if seccomp_allowed.is_none() && seccomp_default.is_none() {
        // PSP let no pod set a profile at all; no rule refuses every
        // profile, so the converted profile refuses Unconfined only.
        notes.push(format!(
            "PodSecurityPolicy {}: without the {SECCOMP_ALLOWED} annotation PSP refused every seccomp \
             profile; the profile refuses Unconfined and admits RuntimeDefault and Localhost profiles",
            spec.psp
        ));
        rules.push(rule("allowed-seccomp", json!({})));
    } else if !seccomp_allowed.as_deref().is_some_and(has_star) {
        let mut settings = Map::new();
        let mut allowed = seccomp_allowed.clone().unwrap_or_default();
        if let Some(default) = seccomp_default
            && !allowed.iter().any(|a| a == default)
        {
            allowed.push(default.to_owned());
        }
        settings.insert("allowed_profiles".into(), json!(allowed));
        if seccomp_allowed.is_some() {
            settings.insert("require_profile".into(), json!(true));
        }
        if let Some(default) = seccomp_default {
            settings.insert("default_profile".into(), json!(default));
        }
        rules.push(rule("allowed-seccomp", Value::Object(settings)));
    } else if let Some(default) = seccomp_default {
        rules.push(rule(
            "allowed-seccomp",
            json!({"allowed_profiles": ["*"], "default_profile": default}),
        ));
    }

    // AppArmor (annotations): without an allowed list, any profile.
    let apparmor_allowed = annotation_list(APPARMOR_ALLOWED);
    let apparmor_default = annotation(APPARMOR_DEFAULT);
    if apparmor_allowed.is_some() || apparmor_default.is_some() {
        let mut settings = Map::new();
        let allowed = apparmor_allowed.unwrap_or_else(|| vec!["*".to_owned()]);
        if !has_star(&allowed) {
            settings.insert("require_profile".into(), json!(true));
        }
        settings.insert("allowed_profiles".into(), json!(allowed));
        if let Some(default) = apparmor_default {
            settings.insert("default_profile".into(), json!(default));
        }
        rules.push(rule("enforce-apparmor", Value::Object(settings)));
    }
    Ok(rules)
}

/// Who may use which PSP, from Roles, ClusterRoles and their bindings.
#[derive(Default)]
pub struct Rbac {
    /// (namespace of the Role or None for a ClusterRole, role name) → the
    /// PSP names it grants `use` of (None: every PSP).
    roles: Vec<(Option<String>, String, Option<BTreeSet<String>>)>,
    /// (binding namespace or None for a ClusterRoleBinding, roleRef kind, roleRef name, subjects).
    bindings: Vec<(Option<String>, String, String, Vec<Subject>)>,
}

fn grants_use(rule: &Value) -> Option<Option<BTreeSet<String>>> {
    let has = |key: &str, wanted: &[&str]| {
        rule.get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|item| item == "*" || wanted.contains(&item))
            })
    };
    if !(has("verbs", &["use"])
        && has("resources", &["podsecuritypolicies"])
        && has("apiGroups", &["policy", "extensions"]))
    {
        return None;
    }
    let names: BTreeSet<String> = rule
        .get("resourceNames")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    Some((!names.is_empty()).then_some(names))
}

impl Rbac {
    /// Reads the RBAC objects of `documents`; anything else is an error.
    pub fn add(&mut self, documents: &[Document]) -> Result<()> {
        for document in documents {
            let value = &document.value;
            let origin = &document.origin;
            let what = format!("{origin}: {} {}", kind(value), name_of(value));
            match kind(value) {
                kind @ ("Role" | "ClusterRole") => {
                    let namespace = (kind == "Role")
                        .then(|| namespace_of(value).unwrap_or("default").to_owned());
                    let rules = value.get("rules").and_then(Value::as_array);
                    let mut all = false;
                    let mut names = BTreeSet::new();
                    let mut any = false;
                    for rule in rules.into_iter().flatten() {
                        match grants_use(rule) {
                            Some(None) => {
                                all = true;
                                any = true;
                            }
                            Some(Some(n)) => {
                                names.extend(n);
                                any = true;
                            }
                            None => {}
                        }
                    }
                    if any {
                        self.roles.push((
                            namespace,
                            name_of(value).to_owned(),
                            (!all).then_some(names),
                        ));
                    }
                }
                kind @ ("RoleBinding" | "ClusterRoleBinding") => {
                    let namespace = (kind == "RoleBinding")
                        .then(|| namespace_of(value).unwrap_or("default").to_owned());
                    let role_kind = value
                        .pointer("/roleRef/kind")
                        .and_then(Value::as_str)
                        .with_context(|| format!("{what}: roleRef.kind is required"))?;
                    let role_name = value
                        .pointer("/roleRef/name")
                        .and_then(Value::as_str)
                        .with_context(|| format!("{what}: roleRef.name is required"))?;
                    let mut subjects = Vec::new();
                    let listed = value.get("subjects").and_then(Value::as_array);
                    for (i, subject) in listed.into_iter().flatten().enumerate() {
                        let field = |key: &str| subject.get(key).and_then(Value::as_str);
                        let name = field("name")
                            .with_context(|| format!("{what}: subjects[{i}].name is required"))?;
                        subjects.push(match field("kind") {
                            Some("User") => Subject::User {
                                name: name.to_owned(),
                            },
                            Some("Group") => Subject::Group {
                                name: name.to_owned(),
                            },
                            Some("ServiceAccount") => Subject::ServiceAccount {
                                namespace: field("namespace")
                                    .or(namespace.as_deref())
                                    .with_context(|| {
                                        format!("{what}: subjects[{i}].namespace is required")
                                    })?
                                    .to_owned(),
                                name: name.to_owned(),
                            },
                            other => bail!(
                                "{what}: subjects[{i}].kind: {other:?} is not User, Group or ServiceAccount"
                            ),
                        });
                    }
                    self.bindings.push((
                        namespace,
                        role_kind.to_owned(),
                        role_name.to_owned(),
                        subjects,
                    ));
                }
                other => bail!(
                    "{origin}: kind {other:?} is not a Role, ClusterRole, RoleBinding or ClusterRoleBinding (--rbac)"
                ),
            }
        }
        Ok(())
    }

    /// Where and to whom `psp` is granted: every binding of a role that
    /// grants its use.
    pub fn grants(&self, psp: &str) -> Vec<Grant> {
        let mut grants = Vec::new();
        for (binding_ns, role_kind, role_name, subjects) in &self.bindings {
            let granted = self.roles.iter().any(|(role_ns, name, names)| {
                name == role_name
                    && match role_kind.as_str() {
                        "ClusterRole" => role_ns.is_none(),
                        _ => role_ns.is_some() && role_ns == binding_ns,
                    }
                    && names.as_ref().is_none_or(|n| n.contains(psp))
            });
            if granted {
                grants.push(Grant {
                    namespace: binding_ns.clone(),
                    subjects: subjects.clone(),
                });
            }
        }
        grants
    }
}

/// Every PSP of the documents as a profile, scoped by `rbac` when given;
/// `notes` collects where a profile differs from its PSP.
pub fn convert_psps(
    documents: &[Document],
    rbac: Option<&Rbac>,
    notes: &mut Vec<String>,
) -> Result<Vec<Profile>> {
    let mut profiles: Vec<Profile> = Vec::new();
    for document in documents {
        match kind(&document.value) {
            "PodSecurityPolicy" => {}
            other => bail!(
                "{}: kind {other:?} is not a PodSecurityPolicy (RBAC objects go to --rbac)",
                document.origin
            ),
        }
        let mut profile = psp_profile(&document.value, &document.origin, notes)?;
        if profiles.iter().any(|p| p.name == profile.name) {
            bail!(
                "{}: PodSecurityPolicy {} is given twice",
                document.origin,
                profile.name
            );
        }
        if let Some(rbac) = rbac {
            profile.scope = Some(crate::profile::Scope {
                grants: rbac.grants(&profile.name),
                object_selector: None,
            });
        }
        profiles.push(profile);
    }
    if profiles.is_empty() {
        bail!("no PodSecurityPolicy in the files given");
    }
    Ok(profiles)
}

/// Several PSPs as one ClusterAdmissionPolicyGroup: a pod is admitted when
/// any PSP's rules all admit it, as the PSP admission controller did. A
/// group only validates: the PSPs' defaults are not applied.
pub fn any_of_group(
    profiles: &[Profile],
    policies_dir: &Path,
    modules: &crate::profile::ModuleRef,
    mode: crate::profile::Mode,
) -> Result<Value> {
    let mut members = Map::new();
    let mut alternatives = Vec::new();
    let mut rules: Vec<Value> = Vec::new();
    for profile in profiles {
        let group = crate::profile::group_manifest(profile, policies_dir, modules, mode)?;
        let prefix = identifier(&profile.name);
        let mut terms = Vec::new();
        if let Some(policies) = group.pointer("/spec/policies").and_then(Value::as_object) {
            for (member, policy) in policies {
                let name = format!("{prefix}_{member}");
                terms.push(format!("{name}()"));
                members.insert(name, policy.clone());
            }
        }
        for rule in group
            .pointer("/spec/rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !rules.contains(rule) {
                rules.push(rule.clone());
            }
        }
        alternatives.push(if terms.is_empty() {
            "true".to_owned()
        } else {
            format!("({})", terms.join(" && "))
        });
    }
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    let mut spec = json!({
        "mode": mode.as_str(),
        "rules": rules,
        "backgroundAudit": true,
        "policies": members,
        "expression": alternatives.join(" || "),
        "message": format!("no PodSecurityPolicy admits the object (tried {})", names.join(", ")),
    });
    // One scope for the group: only when every PSP has the same one.
    if let Some(first) = profiles.first()
        && profiles.iter().all(|p| p.scope == first.scope)
        && let Some(scope) = &first.scope
    {
        scope.apply(&mut spec);
    }
    Ok(json!({
        "apiVersion": "policies.kubewarden.io/v1",
        "kind": "ClusterAdmissionPolicyGroup",
        "metadata": {"name": "palisade-psp-any-of"},
        "spec": spec,
    }))
}

/// A CEL and Kubewarden-safe identifier.
fn identifier(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    fn profile_of(yaml: &str) -> Result<Profile> {
        let documents = parse_documents(yaml, "psp.yaml")?;
        Ok(convert_psps(&documents, None, &mut Vec::new())?.remove(0))
    }

    fn settings<'p>(profile: &'p Profile, policy: &str) -> Option<&'p Value> {
        profile
            .rules
            .iter()
            .find(|r| r.policy == policy)
            .map(|r| &r.settings)
    }

    const PERMISSIVE: &str = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: open}\nspec:\n  privileged: true\n  allowPrivilegeEscalation: true\n  allowedCapabilities: ['*']\n  volumes: ['*']\n  hostNetwork: true\n  hostPorts: [{min: 0, max: 65535}]\n  hostIPC: true\n  hostPID: true\n  runAsUser: {rule: RunAsAny}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n  allowedUnsafeSysctls: ['*']\n  allowedProcMountTypes: [Default, Unmasked]\n";

    #[test]
    fn a_psp_that_admits_everything_needs_only_seccomp() {
        let profile = profile_of(PERMISSIVE).unwrap();
        let policies: Vec<&str> = profile.rules.iter().map(|r| r.policy.as_str()).collect();
        // Without the seccomp annotation PSP let no pod choose a profile;
        // the closest rule refuses Unconfined, and the description says so.
        assert_eq!(policies, ["allowed-seccomp"]);
        assert_eq!(profile.rules[0].settings, json!({}));
        assert!(
            profile
                .description
                .contains("Differs: PodSecurityPolicy open: without the")
        );
        let with_any_seccomp = PERMISSIVE.replace(
            "metadata: {name: open}",
            "metadata: {name: open, annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'}}",
        );
        assert!(profile_of(&with_any_seccomp).unwrap().rules.is_empty());
    }

    #[test]
    fn the_restricted_psp_maps_field_by_field_with_defaults() {
        let yaml = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: restricted
  annotations:
    seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'docker/default,runtime/default'
    apparmor.security.beta.kubernetes.io/allowedProfileNames: 'runtime/default'
    seccomp.security.alpha.kubernetes.io/defaultProfileName:  'runtime/default'
    apparmor.security.beta.kubernetes.io/defaultProfileName:  'runtime/default'
spec:
  privileged: false
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  volumes: [configMap, emptyDir, projected, secret, downwardAPI, csi, persistentVolumeClaim, ephemeral]
  hostNetwork: false
  hostIPC: false
  hostPID: false
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  readOnlyRootFilesystem: false
"#;
        let profile = profile_of(yaml).unwrap();
        assert_eq!(profile.name, "restricted");
        assert_eq!(
            settings(&profile, "no-privilege-escalation").unwrap(),
            &json!({"default_allow_privilege_escalation": false})
        );
        assert_eq!(
            settings(&profile, "allowed-capabilities").unwrap(),
            &json!({"required_drop_capabilities": ["ALL"]})
        );
        assert_eq!(
            settings(&profile, "allowed-users-groups").unwrap()["fs_group"],
            json!({"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]})
        );
        assert_eq!(
            settings(&profile, "allowed-seccomp").unwrap(),
            &json!({"allowed_profiles": ["docker/default", "runtime/default"], "require_profile": true, "default_profile": "runtime/default"})
        );
        assert_eq!(
            settings(&profile, "host-networking-ports").unwrap(),
            &json!({})
        );
        assert!(settings(&profile, "read-only-rootfs").is_none());
        assert!(settings(&profile, "selinux").is_none());
        assert!(settings(&profile, "proc-mount").is_some());
        assert!(settings(&profile, "sysctls").is_some());
    }

    #[test]
    fn unknown_and_unmappable_fields_are_errors_naming_them() {
        let error = |yaml: String| format!("{:#}", profile_of(&yaml).err().unwrap());
        let message =
            error(PERMISSIVE.replace("privileged: true", "privileged: true\n  hostUsers: false"));
        assert!(
            message.contains("PodSecurityPolicy open: spec.hostUsers: unknown field"),
            "{message}"
        );
        let message = error(PERMISSIVE.replace(
            "allowPrivilegeEscalation: true",
            "allowPrivilegeEscalation: true\n  defaultAllowPrivilegeEscalation: false",
        ));
        assert!(
            message.contains("spec.defaultAllowPrivilegeEscalation"),
            "{message}"
        );
        let non_root = PERMISSIVE.replace(
            "runAsUser: {rule: RunAsAny}",
            "runAsUser: {rule: MustRunAsNonRoot, ranges: [{min: 0, max: 10}]}",
        );
        assert_eq!(
            settings(&profile_of(&non_root).unwrap(), "allowed-users-groups").unwrap(),
            &json!({"run_as_user": {"rule": "MustRunAsNonRoot"}})
        );
        let message = error(PERMISSIVE.replace("  runAsUser: {rule: RunAsAny}\n", ""));
        assert!(message.contains("spec.runAsUser: required"), "{message}");
        let message =
            error(PERMISSIVE.replace("fsGroup: {rule: RunAsAny}", "fsGroup: {rule: MustRunAs}"));
        assert!(message.contains("spec.fsGroup.ranges"), "{message}");
        let message = error(PERMISSIVE.replace("kind: PodSecurityPolicy", "kind: Pod"));
        assert!(
            message.contains("psp.yaml: document 1: kind \"Pod\""),
            "{message}"
        );
    }

    #[test]
    fn lists_json_and_several_documents_are_read() {
        let list = format!(
            "apiVersion: v1\nkind: List\nitems:\n- {}\n",
            serde_json::to_string(&serde_norway::from_str::<Value>(PERMISSIVE).unwrap()).unwrap()
        );
        let documents = parse_documents(&list, "list.yaml").unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0].origin, "list.yaml: document 1, item 1");
        let two = format!(
            "{PERMISSIVE}---\n{}",
            PERMISSIVE.replace("name: open", "name: other")
        );
        let profiles = convert_psps(
            &parse_documents(&two, "two.yaml").unwrap(),
            None,
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(profiles.len(), 2);
    }

    #[test]
    fn rbac_grants_become_scopes() {
        let rbac_yaml = r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: psp-deny-privileged-clusterrole}
rules:
- apiGroups: [extensions]
  resources: [podsecuritypolicies]
  resourceNames: [psp-deny-privileged]
  verbs: [use]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: psp-deny-privileged-rolebinding, namespace: psp-aks}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: psp-deny-privileged-clusterrole}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:serviceaccounts"}
"#;
        let mut rbac = Rbac::default();
        rbac.add(&parse_documents(rbac_yaml, "rbac.yaml").unwrap())
            .unwrap();
        let grants = rbac.grants("psp-deny-privileged");
        assert_eq!(grants.len(), 1);
        assert_eq!(grants[0].namespace.as_deref(), Some("psp-aks"));
        assert!(rbac.grants("other").is_empty());
    }
}

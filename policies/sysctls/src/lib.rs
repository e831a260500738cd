//! sysctls: the pod's `securityContext.sysctls` must be safe or allowed, and
//! never forbidden. Azure `k8sazureforbiddensysctls` and allowed sysctls, PSP
//! `allowedUnsafeSysctls` and `forbiddenSysctls`, PSS baseline "Sysctls".

use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;
use std::fmt;

/// The Pod Security Standards' safe sysctls (Kubernetes 1.32 and later;
/// unchanged at 1.35), as Pod Security Admission compares them: literally.
pub const SAFE_SYSCTLS: [&str; 12] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
];

/// A sysctl name in Kubernetes' canonical form: when the first separator is
/// `/`, slashes and dots swap (`net/ipv4/conf/eth0.100/rp_filter` is
/// `net.ipv4.conf.eth0/100.rp_filter`), as the kubelet reads it.
pub fn normalize(name: &str) -> String {
    match name.find(['.', '/']).map(|i| name.get(i..=i)) {
        Some(Some("/")) => name
            .chars()
            .map(|c| match c {
                '/' => '.',
                '.' => '/',
                other => other,
            })
            .collect(),
        _ => name.to_owned(),
    }
}

/// `name`, `prefix*`, or `*` for every sysctl; stored normalised, so a
/// settings entry may use either separator.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Pattern {
    prefix: String,
    wildcard: bool,
}

impl TryFrom<String> for Pattern {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let (prefix, wildcard) = match text.strip_suffix('*') {
            Some(prefix) => (prefix, true),
            None => (text.as_str(), false),
        };
        if text.is_empty() || prefix.contains('*') {
            return Err(format!("{text:?} is not a sysctl name, `prefix*` or `*`"));
        }
        Ok(Self {
            prefix: normalize(prefix),
            wildcard,
        })
    }
}

impl Pattern {
    /// Whether the (normalised) sysctl `name` is this name, or starts with
    /// this prefix.
    pub fn matches(&self, name: &str) -> bool {
        match self.wildcard {
            true => name.starts_with(&self.prefix),
            false => name == self.prefix,
        }
    }

    /// Whether every name this pattern matches is also matched by `other`.
    pub fn covered_by(&self, other: &Pattern) -> bool {
        match other.wildcard {
            true => self.prefix.starts_with(&other.prefix),
            false => !self.wildcard && self.prefix == other.prefix,
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = if self.wildcard { "*" } else { "" };
        write!(f, "{}{star}", self.prefix)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Unsafe sysctls allowed besides the safe set.
    #[serde(default, alias = "allowedUnsafeSysctls")]
    pub allowed_unsafe_sysctls: Vec<Pattern>,
    /// Never allowed, safe or not; wins over every allow list.
    #[serde(default, alias = "forbiddenSysctls")]
    pub forbidden_sysctls: Vec<Pattern>,
    /// Azure: the complete allow list, replacing the safe set; `[]` allows none.
    #[serde(default, rename = "allowedSysctls")]
    pub allowed_sysctls: Option<Vec<Pattern>>,
}

impl Settings {
    /// `None` when the pod's sysctl `name` is allowed, else why not.
    ///
    /// Forbidden entries match the name as the kubelet reads it (normalised,
    /// so `kernel/msgmax` is `kernel.msgmax`): a deny-list fails closed.
    /// The safe set and the allow lists admit the name only as written, as
    /// Pod Security Admission compares it: `net/ipv4/tcp_syncookies` is not
    /// the safe `net.ipv4.tcp_syncookies`.
    pub fn refusal(&self, name: &str) -> Option<String> {
        let canonical = normalize(name);
        if let Some(forbidden) = self
            .forbidden_sysctls
            .iter()
            .find(|p| p.matches(&canonical))
        {
            return Some(format!("is forbidden by \"{forbidden}\""));
        }
        if self.allows(name) {
            return None;
        }
        let allowed = self.describe_allowed();
        if canonical == name {
            return Some(format!("is not allowed (allowed: {allowed})"));
        }
        // A `/` spelling: say how to write it, and whether that would pass.
        Some(if self.allows(&canonical) {
            format!(
                "is not allowed as written (names are compared as written): \
                 write it with dots, {canonical:?}"
            )
        } else {
            format!(
                "is not allowed (allowed: {allowed}); names are compared as written, \
                 and written with dots, {canonical:?}, it is not allowed either"
            )
        })
    }

    /// Whether an allow list admits `name` as written.
    fn allows(&self, name: &str) -> bool {
        match &self.allowed_sysctls {
            Some(list) => list.iter().any(|p| p.matches(name)),
            None => {
                SAFE_SYSCTLS.contains(&name)
                    || self.allowed_unsafe_sysctls.iter().any(|p| p.matches(name))
            }
        }
    }

    fn describe_allowed(&self) -> String {
        let (mut listed, extra) = match &self.allowed_sysctls {
            Some(list) => (Vec::new(), list),
            None => (
                vec!["the safe sysctls".to_owned()],
                &self.allowed_unsafe_sysctls,
            ),
        };
        listed.extend(extra.iter().map(ToString::to_string));
        if listed.is_empty() {
            "none".to_owned()
        } else {
            listed.join(", ")
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        let (field, allowed) = match &self.allowed_sysctls {
            Some(_) if !self.allowed_unsafe_sysctls.is_empty() => {
                return Err(SettingsError::new(
                    "allowedSysctls",
                    "cannot be combined with `allowed_unsafe_sysctls`: allowedSysctls is the \
                     complete allow list; add the safe sysctls you want to it",
                ));
            }
            Some(list) => ("allowedSysctls", list),
            None => ("allowed_unsafe_sysctls", &self.allowed_unsafe_sysctls),
        };
        for (i, pattern) in allowed.iter().enumerate() {
            if let Some(forbidden) = self
                .forbidden_sysctls
                .iter()
                .find(|f| pattern.covered_by(f))
            {
                return Err(SettingsError::new(
                    format!("{field}[{i}]"),
                    format!(
                        "\"{pattern}\" is also forbidden by \"{forbidden}\", so it could never be allowed"
                    ),
                ));
            }
        }
        Ok(())
    }
}

pub struct Sysctls;

impl Rule for Sysctls {
    const NAME: &'static str = "sysctls";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let Some(context) = pod.security_context() else {
            return;
        };
        for (i, sysctl) in context.sysctls.iter().enumerate() {
            if let Some(refusal) = settings.refusal(&sysctl.name) {
                report.violation(
                    pod.security_context_path("sysctls").index(i).key("name"),
                    format!("sysctl {:?} {refusal}", sysctl.name),
                );
            }
        }
    }
}

export_rule!(Sysctls);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, run, run_update, settings_error, violation_paths};
    use serde_json::{Value, json};

    fn pod(names: &[&str]) -> Value {
        let sysctls: Vec<Value> = names
            .iter()
            .map(|n| json!({"name": n, "value": "1"}))
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
            "spec": {"securityContext": {"sysctls": sysctls},
                "containers": [{"name": "db", "image": "postgres:17"}]}})
    }

    fn paths(indices: &[usize]) -> Vec<String> {
        indices
            .iter()
            .map(|i| format!("spec.securityContext.sysctls[{i}].name"))
            .collect()
    }

    /// Each row: settings, the pod's sysctl names, the indices rejected, and
    /// a text the message must contain (`""` when accepted).
    #[test]
    fn verdicts() {
        let rows = json!([
            [{}, SAFE_SYSCTLS, [], ""],
            [{}, ["net.ipv4.tcp_syncookies", "kernel.msgmax"], [1],
                "spec.securityContext.sysctls[1].name: sysctl \"kernel.msgmax\" is not allowed (allowed: the safe sysctls)"],
            [{}, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"], [], ""],
            [{"allowedUnsafeSysctls": ["kernel.msg*", "net.core.somaxconn"]},
                ["kernel.msgmax", "net.core.somaxconn", "net.core.rmem_max", "kernel.shm_rmid_forced"], [2],
                "allowed: the safe sysctls, kernel.msg*, net.core.somaxconn"],
            [{"allowed_unsafe_sysctls": ["*"]}, ["kernel.msgmax", "net.core.rmem_max"], [], ""],
            [{"forbiddenSysctls": ["kernel.msgmax", "net.ipv4.tcp_syncookies"], "allowed_unsafe_sysctls": ["kernel.*"]},
                ["kernel.msgmax", "net.ipv4.tcp_syncookies", "kernel.sem", "net.ipv4.ping_group_range"], [0, 1],
                "\"kernel.msgmax\" is forbidden by \"kernel.msgmax\""],
            [{"forbidden_sysctls": ["*"]}, ["kernel.shm_rmid_forced"], [0], "forbidden by \"*\""],
            [{"allowedSysctls": ["net.core.*", "net.ipv4.tcp_syncookies"], "forbiddenSysctls": ["net.core.rmem_max"]},
                ["net.core.somaxconn", "net.ipv4.tcp_syncookies", "kernel.shm_rmid_forced", "net.core.rmem_max"], [2, 3],
                "allowed: net.core.*, net.ipv4.tcp_syncookies"],
            [{"allowedSysctls": []}, ["kernel.shm_rmid_forced"], [0], "allowed: none"],
            [{"allowedSysctls": ["*"], "forbiddenSysctls": ["kernel.*"]}, ["net.core.somaxconn", "kernel.sem"], [1], ""],
            // Allow direction, as written: a `/` spelling of a safe or allowed
            // name is not that name (Pod Security Admission compares the text).
            [{}, ["net/ipv4/tcp_syncookies", "net.ipv4.tcp_syncookies"], [0],
                "sysctl \"net/ipv4/tcp_syncookies\" is not allowed as written (names are compared as written): write it with dots, \"net.ipv4.tcp_syncookies\""],
            [{}, ["net/ipv4/tcp_rmem"], [0], "write it with dots, \"net.ipv4.tcp_rmem\""],
            [{}, ["net/core/somaxconn"], [0],
                "sysctl \"net/core/somaxconn\" is not allowed (allowed: the safe sysctls); names are compared as written, and written with dots, \"net.core.somaxconn\", it is not allowed either"],
            [{"allowed_unsafe_sysctls": ["net/core/*"]}, ["net.core.somaxconn", "net/core/somaxconn"], [1],
                "write it with dots, \"net.core.somaxconn\""],
            [{"allowedUnsafeSysctls": ["net.core.somaxconn"]}, ["net/core/somaxconn"], [0], "write it with dots"],
            [{"allowedSysctls": ["net.ipv4.tcp_syncookies", "kernel.*"]}, ["net/ipv4/tcp_syncookies", "kernel/sem", "kernel.sem"], [0, 1],
                "sysctl \"kernel/sem\" is not allowed as written"],
            [{"allowed_unsafe_sysctls": ["*"]}, ["net/core/somaxconn", "kernel/sem"], [], ""],
            // Deny direction, normalised as the kubelet reads the name.
            [{"allowed_unsafe_sysctls": ["*"], "forbidden_sysctls": ["kernel.msg*"]}, ["kernel/msgmax", "kernel/sem"], [0],
                "sysctl \"kernel/msgmax\" is forbidden by \"kernel.msg*\""],
            [{"allowedSysctls": ["*"], "forbiddenSysctls": ["kernel/msg*"]}, ["kernel/msgmax", "kernel.msgmni"], [0, 1],
                "sysctl \"kernel.msgmni\" is forbidden by \"kernel.msg*\""],
            [{"forbidden_sysctls": ["kernel.shm_rmid_forced", "net.ipv4.conf.*"], "allowed_unsafe_sysctls": ["net/*"]},
                ["kernel/shm_rmid_forced", "net/ipv4/conf/eth0.100/rp_filter", "net/core/somaxconn", "net.core.somaxconn"], [0, 1, 2],
                "sysctl \"kernel/shm_rmid_forced\" is forbidden by \"kernel.shm_rmid_forced\""],
            [{"allowed_unsafe_sysctls": ["*"], "forbidden_sysctls": ["net.ipv4.conf.eth0/100.rp_filter"]},
                ["net/ipv4/conf/eth0.100/rp_filter", "net/ipv4/conf/eth0/rp_filter"], [0],
                "sysctl \"net/ipv4/conf/eth0.100/rp_filter\" is forbidden by \"net.ipv4.conf.eth0/100.rp_filter\""],
            [{"exempt_container_names": ["db"], "exempt_images": ["postgres:*"]}, ["kernel.msgmax"], [0], ""],
            [{"exempt_namespaces": ["default"]}, ["kernel.msgmax"], [], ""]
        ]);
        for row in rows.as_array().unwrap() {
            let names: Vec<&str> = row[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            let indices: Vec<usize> = row[2]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap() as usize)
                .collect();
            let out = run::<Sysctls>(row[0].clone(), pod(&names));
            assert_eq!(violation_paths::<Sysctls>(&out), paths(&indices), "{row}");
            assert_eq!(out["accepted"], indices.is_empty(), "{row}");
            assert!(
                indices.is_empty() || message(&out).contains(row[3].as_str().unwrap()),
                "{row}: {out}"
            );
        }
    }

    #[test]
    fn no_sysctls_is_accepted() {
        let bare = json!({"kind": "Pod", "spec": {"containers": [{"name": "a"}]}});
        assert_eq!(run::<Sysctls>(json!({}), bare)["accepted"], true);
        let null = json!({"kind": "Pod", "spec": {"securityContext": {"sysctls": null},
            "containers": [{"name": "a"}]}});
        assert_eq!(run::<Sysctls>(json!({}), null)["accepted"], true);
    }

    #[test]
    fn slash_spellings_normalise_as_the_kubelet_does() {
        for (name, canonical) in [
            ("net/ipv4/tcp_syncookies", "net.ipv4.tcp_syncookies"),
            (
                "net/ipv4/conf/eth0.100/rp_filter",
                "net.ipv4.conf.eth0/100.rp_filter",
            ),
            (
                "net.ipv4.conf.eth0/100.rp_filter",
                "net.ipv4.conf.eth0/100.rp_filter",
            ),
            ("kernel", "kernel"),
        ] {
            assert_eq!(normalize(name), canonical);
        }
    }

    #[test]
    fn update_with_an_unchanged_sysctl_warns() {
        let old = pod(&["kernel.msgmax"]);
        let mut new = old.clone();
        new["metadata"]["labels"] = json!({"tier": "db"});
        assert_eq!(
            run_update::<Sysctls>(json!({}), new, old.clone())["accepted"],
            true
        );
        let out = run_update::<Sysctls>(json!({}), pod(&["kernel.msgmax", "kernel.sem"]), old);
        assert_eq!(violation_paths::<Sysctls>(&out), paths(&[1]));
    }

    /// Each row: settings, then texts the refusal must contain (none: accepted).
    #[test]
    fn settings_checks() {
        let rows = json!([
            [{"allowed_unsafe_sysctls": ["kernel.msgmax"], "forbidden_sysctls": ["kernel.msgmax"]}, "allowed_unsafe_sysctls[0]", "also forbidden"],
            [{"allowedUnsafeSysctls": ["net.core.somaxconn", "kernel.msg*"], "forbiddenSysctls": ["kernel.*"]},
                "allowed_unsafe_sysctls[1]: \"kernel.msg*\" is also forbidden by \"kernel.*\", so it could never be allowed"],
            [{"allowed_unsafe_sysctls": ["kernel/msgmax"], "forbidden_sysctls": ["kernel.msgmax"]}, "allowed_unsafe_sysctls[0]"],
            [{"allowedSysctls": ["kernel.sem"], "forbiddenSysctls": ["*"]}, "allowedSysctls[0]", "also forbidden"],
            [{"allowedSysctls": ["*"], "allowed_unsafe_sysctls": ["kernel.sem"]}, "allowedSysctls: cannot be combined"],
            [{"forbidden_sysctls": ["kernel.*.max"]}, "forbidden_sysctls[0]", "prefix*"],
            [{"allowed_unsafe_sysctls": [""]}, "allowed_unsafe_sysctls[0]", "not a sysctl"],
            [{"allowedSysctls": ["**"]}, "allowedSysctls[0]", "not a sysctl"],
            [{"forbidden_sysctls": "kernel.*"}, "forbidden_sysctls"],
            [{"forbiddenSysctls": [], "forbidden_sysctls": []}, "duplicate field `forbidden_sysctls`"],
            [{"allowed_sysctls": []}, "unknown field `allowed_sysctls`"],
            [{"allowed_unsafe_sysctls": ["kernel.*"], "forbidden_sysctls": ["kernel.msgmax"]}],
            [{"forbidden_sysctls": ["net.ipv4.tcp_syncookies"], "allowedSysctls": []}],
            [{}]
        ]);
        for row in rows.as_array().unwrap() {
            let refusal = settings_error::<Sysctls>(row[0].clone());
            let texts = &row.as_array().unwrap()[1..];
            assert_eq!(refusal.is_some(), !texts.is_empty(), "{row}: {refusal:?}");
            let refusal = refusal.unwrap_or_default();
            assert!(
                texts.iter().all(|t| refusal.contains(t.as_str().unwrap())),
                "{row}: {refusal}"
            );
        }
    }
}

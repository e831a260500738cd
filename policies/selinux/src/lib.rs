//! selinux: the SELinux options of the pod and of every container.
//! Azure `k8sazureselinux`, PSP `seLinux`; settings as Kubewarden's
//! selinux-psp, plus Azure's `allowedSELinuxOptions` and PSS baseline modes.

use palisade_sdk::k8s::SeLinuxOptions;
use palisade_sdk::{
    Change, ContainerRef, FieldPath, Pod, Report, Rule, RuleSettings, SettingsError, export_rule,
};
use serde::Deserialize;
use serde_json::json;
use std::fmt;

/// The SELinux types the PSS baseline "SELinux" control allows.
pub const PSS_TYPES: [&str; 4] = [
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

/// The four options in a fixed order; `""` is unset, as in Kubernetes.
type Fields<'a> = [(&'static str, Option<&'a str>); 4];

fn fields<'a>(
    user: &'a Option<String>,
    role: &'a Option<String>,
    kind: &'a Option<String>,
    level: &'a Option<String>,
) -> Fields<'a> {
    let set = |v: &'a Option<String>| v.as_deref().filter(|v| !v.is_empty());
    [
        ("user", set(user)),
        ("role", set(role)),
        ("type", set(kind)),
        ("level", set(level)),
    ]
}

fn pod_fields(o: &SeLinuxOptions) -> Fields<'_> {
    fields(&o.user, &o.role, &o.kind, &o.level)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SeLinuxRule {
    /// The configured options are required: missing ones are set,
    /// different ones are rejected.
    MustRunAs,
    /// Anything goes.
    RunAsAny,
}

/// One entry of Azure's `allowedSELinuxOptions`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedOptions {
    pub user: Option<String>,
    pub role: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub level: Option<String>,
}

impl AllowedOptions {
    /// Every option set on the pod is the entry's (levels by meaning).
    fn allows(&self, found: &Fields) -> bool {
        let own = fields(&self.user, &self.role, &self.kind, &self.level);
        found
            .iter()
            .zip(own)
            .all(|((field, have), (_, allowed))| match (have, allowed) {
                (None, _) => true,
                (Some(have), Some(allowed)) => same(field, have, allowed),
                (Some(_), None) => false,
            })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Kubewarden selinux-psp: `MustRunAs` with `user`, `role`, `type`, `level`, or `RunAsAny`.
    #[serde(default)]
    pub rule: Option<SeLinuxRule>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    /// Azure: every options object must match one entry.
    #[serde(default, alias = "allowedSELinuxOptions")]
    pub allowed_selinux_options: Option<Vec<AllowedOptions>>,
    /// Azure: the PSS baseline check (the mode used when nothing else is set).
    #[serde(default, alias = "enforcePSS")]
    pub enforce_pss: Option<bool>,
    /// Azure: the types PSS mode allows instead of [`PSS_TYPES`].
    #[serde(default, alias = "allowedSELinuxTypes")]
    pub allowed_selinux_types: Option<Vec<String>>,
    /// MustRunAs: reject instead of setting missing options.
    #[serde(default)]
    pub validate_only: bool,
}

/// What the settings ask for.
enum Mode<'a> {
    MustRunAs(Fields<'a>),
    RunAsAny,
    Allowed(&'a [AllowedOptions]),
    Pss(Vec<&'a str>),
}

impl Settings {
    fn configured(&self) -> Fields<'_> {
        fields(&self.user, &self.role, &self.kind, &self.level)
    }

    fn mode(&self) -> Mode<'_> {
        match (self.rule, &self.allowed_selinux_options) {
            (Some(SeLinuxRule::MustRunAs), _) => Mode::MustRunAs(self.configured()),
            (Some(SeLinuxRule::RunAsAny), _) => Mode::RunAsAny,
            (None, Some(entries)) => Mode::Allowed(entries),
            (None, None) => Mode::Pss(match &self.allowed_selinux_types {
                Some(types) => types.iter().map(String::as_str).collect(),
                None => PSS_TYPES.to_vec(),
            }),
        }
    }
}

fn refuse<T>(field: impl Into<String>, message: impl Into<String>) -> Result<T, SettingsError> {
    Err(SettingsError::new(field, message))
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        // `fields` reads "" as unset: an option given but unset is empty.
        let given = [&self.user, &self.role, &self.kind, &self.level];
        let mut options = self.configured().into_iter().zip(given);
        if let Some(((field, _), _)) =
            options.find(|((_, v), given)| v.is_none() && given.is_some())
        {
            return refuse(field, "cannot be empty; leave it out instead");
        }
        let set = self.configured().into_iter().find(|(_, v)| v.is_some());
        let azure = self.allowed_selinux_options.is_some()
            || self.enforce_pss.is_some()
            || self.allowed_selinux_types.is_some();
        match (self.rule, set) {
            (Some(_), _) if azure => {
                return refuse(
                    "rule",
                    "cannot be combined with allowed_selinux_options, enforce_pss or allowed_selinux_types; use one mode",
                );
            }
            (Some(SeLinuxRule::MustRunAs), None) => {
                return refuse(
                    "rule",
                    "MustRunAs needs at least one of user, role, type and level",
                );
            }
            (Some(SeLinuxRule::RunAsAny), Some((field, _))) => {
                return refuse(field, "is only used with rule: MustRunAs");
            }
            (None, Some((field, _))) => return refuse(field, "needs rule: MustRunAs"),
            _ => {}
        }
        if let Some(level) = &self.level {
            check_level("level", level)?;
        }
        if let Some(entries) = &self.allowed_selinux_options {
            if self.enforce_pss == Some(true) || self.allowed_selinux_types.is_some() {
                return refuse(
                    "allowed_selinux_options",
                    "cannot be combined with enforce_pss: true or allowed_selinux_types; use one mode",
                );
            }
            for (i, entry) in entries.iter().enumerate() {
                if let Some(level) = &entry.level {
                    check_level(&format!("allowed_selinux_options[{i}].level"), level)?;
                }
            }
        } else if self.rule.is_none() && self.enforce_pss == Some(false) {
            return refuse(
                "enforce_pss",
                "false leaves nothing to check: set rule or allowed_selinux_options, or leave enforce_pss unset or true",
            );
        }
        let types = self.allowed_selinux_types.iter().flatten();
        if let Some(i) = types.into_iter().position(String::is_empty) {
            return refuse(
                format!("allowed_selinux_types[{i}]"),
                "a type cannot be empty",
            );
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

fn check_level(field: &str, level: &str) -> Result<(), SettingsError> {
    match parse_level(level) {
        Some(_) => Ok(()),
        None => refuse(
            field,
            format!(
                "{level:?} is not an SELinux level (sN, sN:cA,cB or sN:cA.cB, or a range low-high of those)"
            ),
        ),
    }
}

pub struct SeLinux;

impl Rule for SeLinux {
    const NAME: &'static str = "selinux";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        let pod_place = Place {
            options: pod
                .security_context()
                .and_then(|sc| sc.se_linux_options.as_ref()),
            container: None,
            pod,
        };
        let container_places = pod.containers().map(|c| Place {
            options: c
                .security_context()
                .and_then(|sc| sc.se_linux_options.as_ref()),
            container: Some(c),
            pod,
        });
        let mode = settings.mode();
        for place in std::iter::once(pod_place).chain(container_places) {
            match &mode {
                Mode::RunAsAny => {}
                Mode::MustRunAs(want) => must_run_as(want, &place, pod.is_windows(), report),
                Mode::Allowed(entries) => allowed(entries, &place, report),
                Mode::Pss(types) => pss(types, &place, report),
            }
        }
    }
}

/// One seLinuxOptions object: the pod's, or a container's own. Where it is
/// and whose it is are worked out only for a message.
struct Place<'p> {
    options: Option<&'p SeLinuxOptions>,
    /// `None` for the pod's own options.
    container: Option<ContainerRef<'p>>,
    pod: &'p Pod<'p>,
}

impl Place<'_> {
    fn fields(&self) -> Fields<'_> {
        self.options.map_or(
            [
                ("user", None),
                ("role", None),
                ("type", None),
                ("level", None),
            ],
            pod_fields,
        )
    }

    fn is_pod(&self) -> bool {
        self.container.is_none()
    }

    fn at(&self) -> FieldPath {
        match &self.container {
            Some(c) => c.field_path(&["securityContext", "seLinuxOptions"]),
            None => self.pod.security_context_path("seLinuxOptions"),
        }
    }

    fn who(&self) -> String {
        self.container
            .map_or_else(|| "the pod".to_owned(), |c| c.describe())
    }
}

/// MustRunAs: each configured option must be there with its value. A
/// missing one is set, at the pod and in a container's own options; a
/// container without options of its own runs with the pod's. Nothing is
/// set on a Windows pod: the API server refuses seLinuxOptions there.
fn must_run_as(want: &Fields, place: &Place, windows: bool, report: &mut Report) {
    let settable = !windows && (place.is_pod() || place.options.is_some());
    for ((field, want), (_, have)) in want.iter().zip(place.fields()) {
        let Some(want) = want else { continue };
        if matches!(have, Some(have) if same(field, have, want)) {
            continue;
        }
        let (at, who) = (place.at().key(*field), place.who());
        match have {
            Some(have) if same(field, have, want) => {}
            Some(have) => report.violation(
                at,
                format!("{who} has seLinuxOptions.{field} {have:?}, expected {want:?}"),
            ),
            None if settable => report.fix(
                at,
                Change::Set(json!(want)),
                format!("{who} must set seLinuxOptions.{field} to {want:?}"),
            ),
            None => {}
        }
    }
}

/// Azure allowedSELinuxOptions: options that set anything must match an entry.
fn allowed(entries: &[AllowedOptions], place: &Place, report: &mut Report) {
    let found = place.fields();
    let set: Vec<String> = found
        .iter()
        .filter_map(|(f, v)| Some(format!("{f} {:?}", (*v)?)))
        .collect();
    if !set.is_empty() && !entries.iter().any(|e| e.allows(&found)) {
        let message = format!(
            "{} has seLinuxOptions {}, which match no entry of allowed_selinux_options",
            place.who(),
            set.join(", ")
        );
        report.violation(place.at(), message);
    }
}

/// PSS baseline: user and role unset, type unset or allowed; level free.
fn pss(types: &[&str], place: &Place, report: &mut Report) {
    for (field, value) in place.fields() {
        let Some(value) = value else { continue };
        let why = match field {
            "user" | "role" => "must be unset".to_owned(),
            "type" if !types.contains(&value) => {
                format!("must be unset or one of {}", types.join(", "))
            }
            _ => continue,
        };
        let message = format!(
            "{} has seLinuxOptions.{field} {value:?}; it {why}",
            place.who()
        );
        report.violation(place.at().key(field), message);
    }
}

/// Options compare exactly, except levels, which compare by meaning.
pub fn same(field: &str, a: &str, b: &str) -> bool {
    a == b
        || (field == "level"
            && matches!((parse_level(a), parse_level(b)), (Some(a), Some(b)) if a == b))
}

/// An MLS/MCS level by meaning: low and high parts (equal for a single level).
#[derive(Debug, PartialEq, Eq)]
pub struct MlsLevel {
    low: MlsPart,
    high: MlsPart,
}

impl MlsLevel {
    /// The low part (the whole level when it is not a range).
    pub fn low(&self) -> &MlsPart {
        &self.low
    }

    /// The high part (the low part when the level is not a range).
    pub fn high(&self) -> &MlsPart {
        &self.high
    }
}

/// Canonical: `low` alone when low and high are equal, else `low-high`.
impl fmt::Display for MlsLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.low)?;
        if self.high != self.low {
            write!(f, "-{}", self.high)?;
        }
        Ok(())
    }
}

/// A sensitivity and its categories, as sorted, merged inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MlsPart {
    sensitivity: u32,
    categories: Vec<(u32, u32)>,
}

impl MlsPart {
    /// The `N` of `sN`.
    pub fn sensitivity(&self) -> u32 {
        self.sensitivity
    }

    /// Sorted, non-overlapping, non-adjacent inclusive ranges `(first, last)`.
    pub fn categories(&self) -> &[(u32, u32)] {
        &self.categories
    }
}

/// Canonical: `sN`, then `:` and the ranges, `cA` or `cA.cB`, by commas.
impl fmt::Display for MlsPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.sensitivity)?;
        for (i, &(first, last)) in self.categories.iter().enumerate() {
            let sep = if i == 0 { ':' } else { ',' };
            match first == last {
                true => write!(f, "{sep}c{first}")?,
                false => write!(f, "{sep}c{first}.c{last}")?,
            }
        }
        Ok(())
    }
}

/// `s0`, `s0:c1,c2`, `s0:c0.c1023`, `s0-s0:c0.c1023`; `None` if not a level.
pub fn parse_level(text: &str) -> Option<MlsLevel> {
    let (low, high) = match text.split_once('-') {
        Some((low, high)) => (parse_part(low)?, parse_part(high)?),
        None => {
            let part = parse_part(text)?;
            (part.clone(), part)
        }
    };
    Some(MlsLevel { low, high })
}

fn parse_part(text: &str) -> Option<MlsPart> {
    let (sensitivity, categories) = match text.split_once(':') {
        Some((s, c)) => (s, Some(c)),
        None => (text, None),
    };
    let sensitivity = number(sensitivity.strip_prefix('s')?)?;
    let mut ranges = Vec::new();
    for item in categories.into_iter().flat_map(|c| c.split(',')) {
        let (first, last) = item.split_once('.').unwrap_or((item, item));
        let (first, last) = (
            number(first.strip_prefix('c')?)?,
            number(last.strip_prefix('c')?)?,
        );
        if first > last {
            return None;
        }
        ranges.push((first, last));
    }
    ranges.sort_unstable();
    let mut categories: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match categories.last_mut() {
            Some(prev) if first <= prev.1.saturating_add(1) => prev.1 = prev.1.max(last),
            _ => categories.push((first, last)),
        }
    }
    Some(MlsPart {
        sensitivity,
        categories,
    })
}

/// A decimal number as SELinux writes it: digits, no leading zero.
fn number(digits: &str) -> Option<u32> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| digits.parse().ok()).flatten()
}

export_rule!(SeLinux);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        EACH_CONTAINER_KIND, message, mutated, pod_with_each_container_kind, run, run_update,
        settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<SeLinux>(out)
    }

    /// A pod with pod-level options `pod_level` and one container with `container`.
    fn pod(pod_level: Value, container: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"securityContext": {"seLinuxOptions": pod_level},
                "containers": [{"name": "app", "image": "nginx",
                    "securityContext": {"seLinuxOptions": container}}]}})
    }

    /// Each container kind with these options, and none at pod level.
    fn each_kind(options: Value) -> Value {
        pod_with_each_container_kind(json!({ "seLinuxOptions": options }))
    }

    /// The sorted paths of these seLinuxOptions fields (`""`: the object) in each container kind.
    fn at_each_kind(fields: &[&str]) -> Vec<String> {
        let paths = EACH_CONTAINER_KIND.iter().flat_map(|c| {
            fields
                .iter()
                .map(move |f| format!("{c}.securityContext.seLinuxOptions{f}"))
        });
        let sorted: std::collections::BTreeSet<String> = paths.collect();
        sorted.into_iter().collect()
    }

    fn must_run_as() -> Value {
        json!({"rule": "MustRunAs", "user": "system_u", "role": "system_r",
            "type": "container_t", "level": "s0:c1,c2"})
    }

    #[test]
    fn levels_print_canonically() {
        for (text, printed) in [
            ("s0", "s0"),
            ("s0-s0", "s0"),
            ("s0:c2,c0,c1,c5", "s0:c0.c2,c5"),
            ("s0:c1,c1", "s0:c1"),
            ("s0-s1:c0.c511,c512.c1023", "s0-s1:c0.c1023"),
        ] {
            let level = parse_level(text).unwrap();
            assert_eq!(level.to_string(), printed, "{text}");
            assert_eq!(parse_level(printed), Some(level), "{text}");
        }
    }

    #[test]
    fn levels_compare_by_meaning() {
        let same_level = |a, b| same("level", a, b);
        assert!(same_level("s0:c1,c2", "s0:c2,c1"));
        assert!(same_level("s0:c0.c2", "s0:c2,c0,c1"));
        assert!(same_level("s0:c1,c1", "s0:c1"));
        assert!(same_level("s0-s0", "s0"));
        assert!(same_level("s0-s0:c0.c1023", "s0-s0:c0.c511,c512.c1023"));
        assert!(!same_level("s0", "s1"));
        assert!(!same_level("s0", "s0:c0"));
        assert!(!same_level("s0:c1", "s0:c1,c2"));
        assert!(!same_level("s0-s1", "s0"));
        assert!(!same_level("s0:c1", "s00:c1"));
        assert!(!same("type", "container_t", "Container_t"));
        for bad in [
            "",
            "s",
            "0",
            "s0:",
            "s0:c",
            "s0:c2.c1",
            "s0:c1.c2.c3",
            "s0-",
            "s0-s1-s2",
            "s0:c1:c2",
            "s-1",
            "S0",
            "s01",
            "s0:1",
            "s4294967296",
            " s0",
        ] {
            assert!(parse_level(bad).is_none(), "{bad}");
        }
        assert!(parse_level("s0:c0.c4294967295").is_some());
    }

    #[test]
    fn must_run_as_accepts_matching_options_everywhere() {
        let options = json!({"user": "system_u", "role": "system_r", "type": "container_t", "level": "s0:c2,c1"});
        let out = run::<SeLinux>(must_run_as(), pod(options.clone(), options));
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null(), "{out}");
    }

    #[test]
    fn must_run_as_never_mutates_a_windows_pod() {
        let mut object = pod_with_each_container_kind(json!(null));
        object["spec"]["os"] = json!({"name": "windows"});
        let out = run::<SeLinux>(must_run_as(), object);
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null(), "{out}");
        // A value that is set is still checked.
        let mut object = pod_with_each_container_kind(json!({"seLinuxOptions": {"type": "spc_t"}}));
        object["spec"]["os"] = json!({"name": "windows"});
        let out = run::<SeLinux>(must_run_as(), object);
        assert_eq!(
            violation_paths::<SeLinux>(&out).len(),
            3,
            "one per container: {out}"
        );
    }

    #[test]
    fn must_run_as_sets_missing_options_at_pod_level() {
        let object = pod_with_each_container_kind(json!(null));
        let out = run::<SeLinux>(must_run_as(), object);
        assert_eq!(
            mutated(&out)["spec"]["securityContext"],
            json!({"seLinuxOptions": {"user": "system_u", "role": "system_r", "type": "container_t", "level": "s0:c1,c2"}})
        );
        assert_eq!(
            mutated(&out)["spec"]["containers"][0]["securityContext"],
            json!(null)
        );
        // Only the configured options are required, and "" is unset.
        let settings = json!({"rule": "MustRunAs", "level": "s0:c1,c2"});
        let out = run::<SeLinux>(
            settings,
            pod(json!({"type": "spc_t", "level": ""}), json!(null)),
        );
        assert_eq!(
            mutated(&out)["spec"]["securityContext"]["seLinuxOptions"],
            json!({"type": "spc_t", "level": "s0:c1,c2"})
        );
    }

    #[test]
    fn must_run_as_completes_a_container_s_own_options() {
        // Kubernetes takes a container's seLinuxOptions whole, ignoring the pod's.
        let out = run::<SeLinux>(must_run_as(), each_kind(json!({"level": "s0:c1,c2"})));
        let object = mutated(&out);
        for kind in ["containers", "initContainers", "ephemeralContainers"] {
            assert_eq!(
                object["spec"][kind][0]["securityContext"]["seLinuxOptions"],
                json!({"level": "s0:c1,c2", "user": "system_u", "role": "system_r", "type": "container_t"}),
                "{kind}"
            );
        }
        assert_eq!(
            object["spec"]["securityContext"]["seLinuxOptions"]["type"],
            "container_t"
        );
    }

    #[test]
    fn must_run_as_rejects_different_options() {
        let out = run::<SeLinux>(
            must_run_as(),
            each_kind(json!({"type": "spc_t", "level": "s0:c1,c3"})),
        );
        assert_eq!(paths(&out), at_each_kind(&[".level", ".type"]));
        assert!(message(&out).contains(
            "spec.initContainers[0].securityContext.seLinuxOptions.type: init container \"init\" has seLinuxOptions.type \"spc_t\", expected \"container_t\""
        ), "{out}");
        let out = run::<SeLinux>(
            must_run_as(),
            pod(json!({"level": "s1:c1,c2"}), json!(null)),
        );
        assert_eq!(paths(&out), ["spec.securityContext.seLinuxOptions.level"]);
    }

    #[test]
    fn validate_only_rejects_instead_of_setting() {
        let mut settings = must_run_as();
        settings["validate_only"] = json!(true);
        let out = run::<SeLinux>(
            settings,
            pod(json!(null), json!({"user": "system_u", "role": "system_r"})),
        );
        assert_eq!(
            paths(&out),
            [
                "spec.containers[0].securityContext.seLinuxOptions.level",
                "spec.containers[0].securityContext.seLinuxOptions.type",
                "spec.securityContext.seLinuxOptions.level",
                "spec.securityContext.seLinuxOptions.role",
                "spec.securityContext.seLinuxOptions.type",
                "spec.securityContext.seLinuxOptions.user",
            ]
        );
        assert!(message(&out).contains("the pod must set seLinuxOptions.user to \"system_u\""));
    }

    #[test]
    fn run_as_any_accepts_anything() {
        let out = run::<SeLinux>(
            json!({"rule": "RunAsAny"}),
            each_kind(json!({"user": "unconfined_u", "type": "spc_t"})),
        );
        assert_eq!(out["accepted"], true);
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn pss_baseline_is_the_default_and_enforce_pss() {
        for settings in [
            json!({}),
            json!({"enforcePSS": true}),
            json!({"enforce_pss": true, "validate_only": true}),
        ] {
            for kind in PSS_TYPES.iter().chain([&""]) {
                let options =
                    json!({"type": kind, "level": "s0:c123,c456", "user": "", "role": ""});
                let out = run::<SeLinux>(settings.clone(), pod(options.clone(), options));
                assert_eq!(out["accepted"], true, "{kind}");
            }
            let out = run::<SeLinux>(
                settings,
                each_kind(json!({"type": "spc_t", "user": "system_u", "role": "system_r"})),
            );
            assert_eq!(paths(&out), at_each_kind(&[".type", ".user", ".role"]));
            assert!(message(&out).contains(
                "container \"app\" has seLinuxOptions.type \"spc_t\"; it must be unset or one of container_t, container_init_t, container_kvm_t, container_engine_t"
            ), "{out}");
            assert!(
                message(&out).contains("has seLinuxOptions.user \"system_u\"; it must be unset")
            );
        }
        let out = run::<SeLinux>(json!({}), pod(json!({"type": "unconfined_t"}), json!(null)));
        assert_eq!(paths(&out), ["spec.securityContext.seLinuxOptions.type"]);
    }

    #[test]
    fn allowed_selinux_types_replace_the_pss_list() {
        let settings =
            json!({"enforcePSS": true, "allowedSELinuxTypes": ["container_t", "svirt_lxc_net_t"]});
        let out = run::<SeLinux>(
            settings.clone(),
            pod(
                json!({"type": "svirt_lxc_net_t"}),
                json!({"type": "container_init_t"}),
            ),
        );
        assert_eq!(
            paths(&out),
            ["spec.containers[0].securityContext.seLinuxOptions.type"]
        );
        let out = run::<SeLinux>(
            json!({"allowed_selinux_types": []}),
            pod(json!({"type": "container_t"}), json!({"level": "s0"})),
        );
        assert_eq!(paths(&out), ["spec.securityContext.seLinuxOptions.type"]);
    }

    #[test]
    fn allowed_selinux_options_need_a_matching_entry() {
        let settings = json!({"allowedSELinuxOptions": [
            {"type": "container_t", "level": "s0:c1,c2"},
            {"user": "system_u", "role": "system_r", "type": "spc_t"}]});
        let accepted = [
            json!({"type": "container_t"}),
            json!({"level": "s0:c2,c1"}),
            json!({"type": "container_t", "level": "s0:c1,c2"}),
            json!({"user": "system_u", "type": "spc_t"}),
            json!({"user": "", "role": ""}),
            json!({}),
            json!(null),
        ];
        for options in accepted {
            let out = run::<SeLinux>(settings.clone(), pod(options.clone(), options.clone()));
            assert_eq!(out["accepted"], true, "{options}");
        }
        // Each field must come from one entry: type spc_t with level s0:c1,c2 matches neither.
        let out = run::<SeLinux>(
            settings.clone(),
            each_kind(json!({"type": "spc_t", "level": "s0:c1,c2"})),
        );
        assert_eq!(paths(&out), at_each_kind(&[""]));
        assert!(message(&out).contains(
            "container \"app\" has seLinuxOptions type \"spc_t\", level \"s0:c1,c2\", which match no entry of allowed_selinux_options"
        ), "{out}");
        let out = run::<SeLinux>(settings, pod(json!({"role": "sysadm_r"}), json!(null)));
        assert_eq!(paths(&out), ["spec.securityContext.seLinuxOptions"]);
        // An empty list allows no option at all.
        let out = run::<SeLinux>(
            json!({"allowed_selinux_options": [], "enforcePSS": false}),
            pod(json!({"level": "s0"}), json!({})),
        );
        assert_eq!(paths(&out), ["spec.securityContext.seLinuxOptions"]);
    }

    #[test]
    fn workloads_updates_and_exemptions() {
        let spec = pod(json!({"type": "spc_t"}), json!(null))["spec"].clone();
        let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": spec}}});
        let out = run::<SeLinux>(json!({}), deployment.clone());
        assert_eq!(
            paths(&out),
            ["spec.template.spec.securityContext.seLinuxOptions.type"]
        );
        let out = run_update::<SeLinux>(json!({}), deployment.clone(), deployment);
        assert_eq!(out["accepted"], true);
        let unset = pod_with_each_container_kind(json!(null));
        let out = run_update::<SeLinux>(must_run_as(), unset.clone(), unset);
        assert!(out["mutated_object"].is_null(), "{out}");
        let object = each_kind(json!({"type": "spc_t"}));
        let exempt =
            json!({"exempt_container_names": ["app", "init"], "excludedImages": ["busybox"]});
        assert_eq!(run::<SeLinux>(exempt, object.clone())["accepted"], true);
        assert_eq!(
            run::<SeLinux>(json!({"excludedNamespaces": ["default"]}), object)["accepted"],
            true
        );
    }

    #[test]
    fn settings_are_checked() {
        let refusal = |s: Value| settings_error::<SeLinux>(s).unwrap_or_default();
        for (settings, expected) in [
            (
                json!({"rule": "MustRunAs"}),
                "rule: MustRunAs needs at least one",
            ),
            (
                json!({"rule": "MustRunAs", "level": "s0:c1,"}),
                "level: \"s0:c1,\" is not an SELinux level",
            ),
            (
                json!({"rule": "MustRunAs", "user": ""}),
                "user: cannot be empty",
            ),
            (
                json!({"rule": "RunAsAny", "type": "container_t"}),
                "type: is only used with rule: MustRunAs",
            ),
            (
                json!({"type": "container_t"}),
                "type: needs rule: MustRunAs",
            ),
            (
                json!({"rule": "MustRunAs", "type": "t", "enforcePSS": true}),
                "rule: cannot be combined",
            ),
            (json!({"rule": "Never"}), "rule"),
            (
                json!({"allowedSELinuxOptions": [], "enforcePSS": true}),
                "allowed_selinux_options: cannot be combined",
            ),
            (
                json!({"allowedSELinuxOptions": [], "allowedSELinuxTypes": ["a"]}),
                "allowed_selinux_options: cannot be combined",
            ),
            (
                json!({"allowedSELinuxOptions": [{"level": "s0:c9.c1"}]}),
                "allowed_selinux_options[0].level",
            ),
            (json!({"allowedSELinuxOptions": [{"lvl": "s0"}]}), "lvl"),
            (
                json!({"enforcePSS": false}),
                "enforce_pss: false leaves nothing to check",
            ),
            (
                json!({"allowedSELinuxTypes": ["container_t", ""]}),
                "allowed_selinux_types[1]",
            ),
            (
                json!({"enforcePSS": true, "enforce_pss": true}),
                "duplicate field",
            ),
        ] {
            let m = refusal(settings.clone());
            assert!(m.contains(expected), "{settings}: {m}");
        }
        for valid in [
            json!({}),
            json!({"rule": "RunAsAny"}),
            json!({"rule": "MustRunAs", "level": "s0-s0:c0.c1023"}),
            json!({"allowedSELinuxOptions": [{"level": "s0:c1"}], "enforcePSS": false}),
        ] {
            assert_eq!(settings_error::<SeLinux>(valid.clone()), None, "{valid}");
        }
    }
}

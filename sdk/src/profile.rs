//! Seccomp and AppArmor profiles, shared by the rules that restrict them.
//!
//! Kubernetes spells a profile two ways: the `seccompProfile` /
//! `appArmorProfile` field (`{type: Localhost, localhostProfile: p}`) and the
//! older annotations (`localhost/p`). Both are read into one [`Profile`];
//! settings may use either spelling ([`Allowed`]). Localhost profiles match
//! exactly or through `localhost/*`, never by prefix, suffix or pattern.
//!
//! [`ProfilePolicy::check`] is the walk both rules share: every profile that is set (pod
//! field, pod annotation, container field, container annotation) must be
//! allowed, so a field and an annotation that disagree are both judged;
//! `require_profile` rejects a container with no profile at either level;
//! a default profile is set at pod level when some container has none (on
//! an ephemeral container itself, since `kubectl debug` can change nothing
//! else). Which annotations count is the rule's choice ([`Annotations`]):
//! none, those of the pod and its containers, or also those naming a
//! container the pod does not have. A Windows pod is never required to have
//! a seccomp or AppArmor profile, nor given one: the API server forbids both
//! fields there.

use crate::k8s::ProfileRef;
use crate::path::FieldPath;
use crate::pod::{ContainerKind, ContainerRef, Pod};
use crate::report::{Change, Report};
use crate::settings::SettingsError;
use serde::Deserialize;
use serde_json::{Value, json};
use std::fmt;
use std::ops::Bound;

/// A profile as Kubernetes applies it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Profile {
    RuntimeDefault,
    Localhost(String),
    Unconfined,
    /// A value Kubernetes does not know (an unknown type, a Localhost
    /// profile without its path): never allowed, except by `*`.
    Invalid(String),
}

impl Profile {
    /// An annotation value: `runtime/default` and `docker/default`,
    /// `localhost/<path>`, `unconfined`. `None` for an empty value (unset).
    pub fn from_annotation(value: &str) -> Option<Self> {
        Some(match value {
            "" => return None,
            "runtime/default" | "docker/default" => Profile::RuntimeDefault,
            "unconfined" => Profile::Unconfined,
            _ => match value.strip_prefix("localhost/") {
                Some(path) if !path.is_empty() => Profile::Localhost(path.to_owned()),
                _ => Profile::Invalid(value.to_owned()),
            },
        })
    }

    /// A `{type, localhostProfile}` field.
    pub fn from_field(field: &ProfileRef) -> Self {
        match (field.kind.as_str(), field.localhost_profile.as_deref()) {
            ("RuntimeDefault", _) => Profile::RuntimeDefault,
            ("Unconfined", _) => Profile::Unconfined,
            ("Localhost", Some(path)) if !path.is_empty() => Profile::Localhost(path.to_owned()),
            (kind, _) => Profile::Invalid(kind.to_owned()),
        }
    }

    /// The field value that selects this profile.
    pub fn to_field(&self) -> Value {
        match self {
            Profile::RuntimeDefault => json!({"type": "RuntimeDefault"}),
            Profile::Unconfined => json!({"type": "Unconfined"}),
            Profile::Localhost(path) => json!({"type": "Localhost", "localhostProfile": path}),
            Profile::Invalid(kind) => json!({"type": kind}),
        }
    }
}

/// Settings spell one profile as an annotation value or a field type.
impl TryFrom<String> for Profile {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        match value.as_str() {
            "RuntimeDefault" => Ok(Profile::RuntimeDefault),
            "Unconfined" => Ok(Profile::Unconfined),
            _ => match Profile::from_annotation(&value) {
                Some(Profile::Localhost(path)) if path.contains('*') => Err(format!(
                    "{value:?} is a pattern; name one profile: runtime/default, \
                     localhost/<path> or unconfined"
                )),
                Some(Profile::Invalid(_)) | None => Err(format!(
                    "{value:?} is not a profile; expected runtime/default (RuntimeDefault), \
                     localhost/<path> or unconfined (Unconfined)"
                )),
                Some(profile) => Ok(profile),
            },
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Profile::RuntimeDefault => f.write_str("RuntimeDefault"),
            Profile::Unconfined => f.write_str("Unconfined"),
            Profile::Localhost(path) => write!(f, "Localhost {path:?}"),
            Profile::Invalid(value) => write!(f, "{value:?} (not a valid profile)"),
        }
    }
}

/// One entry of an allowed-profiles list, in either spelling.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Allowed {
    /// `*`: every profile, even an invalid one.
    Any,
    /// `runtime/default`, `docker/default`, `RuntimeDefault`.
    RuntimeDefault,
    /// `unconfined`, `Unconfined`.
    Unconfined,
    /// `localhost/*`: every Localhost profile.
    AnyLocalhost,
    /// `localhost/<path>`: this Localhost profile, exactly.
    Localhost(String),
    /// `Localhost`: the Localhost profiles a separate list names
    /// (Kubewarden `localhost_profiles`, Azure `allowedLocalhostFiles`).
    Listed,
}

impl TryFrom<String> for Allowed {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        match value.as_str() {
            "*" => Ok(Allowed::Any),
            "localhost/*" => Ok(Allowed::AnyLocalhost),
            "Localhost" => Ok(Allowed::Listed),
            _ if value.contains('*') => Err(format!(
                "{value:?}: `*` stands alone (`*` or `localhost/*`); profiles are never \
                 matched by prefix, suffix or pattern"
            )),
            _ => match Profile::try_from(value)? {
                Profile::RuntimeDefault => Ok(Allowed::RuntimeDefault),
                Profile::Localhost(path) => Ok(Allowed::Localhost(path)),
                Profile::Unconfined => Ok(Allowed::Unconfined),
                Profile::Invalid(value) => Err(format!("{value:?} is not a profile")),
            },
        }
    }
}

/// What is allowed when no list is given: the Pod Security Standards
/// baseline, every profile but Unconfined (and invalid ones).
pub static BASELINE: [Allowed; 2] = [Allowed::RuntimeDefault, Allowed::AnyLocalhost];

/// The profiles a rule's settings allow.
#[derive(Debug)]
pub struct AllowedProfiles<'s> {
    entries: Vec<&'s Allowed>,
    /// The paths `Localhost` stands for; `*` is every path.
    localhost_files: &'s [String],
}

impl<'s> AllowedProfiles<'s> {
    /// The union of the lists given; [`BASELINE`] when none is.
    pub fn new(lists: &[Option<&'s [Allowed]>], localhost_files: &'s [String]) -> Self {
        let entries: Vec<&'s Allowed> = if lists.iter().all(Option::is_none) {
            BASELINE.iter().collect()
        } else {
            lists
                .iter()
                .flatten()
                .flat_map(|list| list.iter())
                .collect()
        };
        Self {
            entries,
            localhost_files,
        }
    }

    pub fn allows(&self, profile: &Profile) -> bool {
        self.entries.iter().any(|entry| match (entry, profile) {
            (Allowed::Any, _)
            | (Allowed::RuntimeDefault, Profile::RuntimeDefault)
            | (Allowed::Unconfined, Profile::Unconfined)
            | (Allowed::AnyLocalhost, Profile::Localhost(_)) => true,
            (Allowed::Localhost(allowed), Profile::Localhost(path)) => allowed == path,
            (Allowed::Listed, Profile::Localhost(path)) => {
                self.localhost_files.iter().any(|f| f == "*" || f == path)
            }
            _ => false,
        })
    }
}

/// The settings a profile rule shares, checked together.
#[derive(Debug)]
pub struct ProfileSettings<'s> {
    /// Each allowed list with its setting name; `None` when not given.
    pub lists: &'s [(&'static str, Option<&'s [Allowed]>)],
    /// The setting naming the paths `Localhost` stands for, and its value;
    /// `None` for a rule without one.
    pub localhost_files: Option<(&'static str, &'s [String])>,
    pub default_profile: Option<&'s Profile>,
    pub validate_only: bool,
}

impl ProfileSettings<'_> {
    /// Refuses empty lists, `Localhost` without paths (and paths without
    /// `Localhost`), a default profile the lists forbid, and `validate_only`
    /// without a default profile.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let (files_name, files) = self.localhost_files.unwrap_or(("", &[]));
        let mut listed = false;
        for (name, list) in self.lists {
            let Some(list) = list else { continue };
            if list.is_empty() {
                return Err(SettingsError::new(
                    *name,
                    "is empty, which would allow no profile at all; leave it out for the \
                     default (RuntimeDefault and any Localhost profile)",
                ));
            }
            if list.contains(&Allowed::Listed) {
                if files.is_empty() {
                    let hint = match self.localhost_files {
                        Some(_) => format!("list the allowed paths in `{files_name}`, or "),
                        None => String::new(),
                    };
                    return Err(SettingsError::new(
                        *name,
                        format!(
                            "`Localhost` names no profile: {hint}use localhost/<path> or localhost/*"
                        ),
                    ));
                }
                listed = true;
            }
        }
        if !files.is_empty() && !listed {
            return Err(SettingsError::new(
                files_name,
                "has no effect without `Localhost` in the allowed profiles",
            ));
        }
        if let Some((i, file)) = files
            .iter()
            .enumerate()
            .find(|(_, f)| f.is_empty() || (f.contains('*') && *f != "*"))
        {
            return Err(SettingsError::new(
                format!("{files_name}[{i}]"),
                format!("{file:?}: expected a profile path or `*` alone"),
            ));
        }
        let allowed = AllowedProfiles::new(
            &self.lists.iter().map(|(_, list)| *list).collect::<Vec<_>>(),
            files,
        );
        match self.default_profile {
            Some(profile) if !allowed.allows(profile) => Err(SettingsError::new(
                "default_profile",
                format!("{profile} is not an allowed profile"),
            )),
            None if self.validate_only => Err(SettingsError::new(
                "validate_only",
                "has no effect without default_profile: nothing is mutated",
            )),
            _ => Ok(()),
        }
    }
}

/// Which profile a rule restricts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Seccomp,
    AppArmor,
}

impl Control {
    /// The security context field, at pod and container level.
    pub fn field(self) -> &'static str {
        match self {
            Control::Seccomp => "seccompProfile",
            Control::AppArmor => "appArmorProfile",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Control::Seccomp => "seccomp",
            Control::AppArmor => "AppArmor",
        }
    }

    /// The pod-wide annotation; AppArmor has none.
    pub fn pod_annotation(self) -> Option<&'static str> {
        match self {
            Control::Seccomp => Some("seccomp.security.alpha.kubernetes.io/pod"),
            Control::AppArmor => None,
        }
    }

    /// The prefix of the per-container annotations; the container's name follows.
    pub fn container_annotation_prefix(self) -> &'static str {
        match self {
            Control::Seccomp => "container.seccomp.security.alpha.kubernetes.io/",
            Control::AppArmor => "container.apparmor.security.beta.kubernetes.io/",
        }
    }

    /// The annotation for one container.
    pub fn container_annotation(self, container: &str) -> String {
        format!("{}{container}", self.container_annotation_prefix())
    }

    /// The profiles set at pod level: field, then annotation (when read).
    fn pod_profiles(self, pod: &Pod, annotations: bool) -> Vec<(Profile, FieldPath)> {
        let field = pod.security_context().and_then(|sc| match self {
            Control::Seccomp => sc.seccomp_profile.as_ref(),
            Control::AppArmor => sc.app_armor_profile.as_ref(),
        });
        let field = field.map(|f| {
            (
                Profile::from_field(f),
                pod.security_context_path(self.field()),
            )
        });
        let annotation = self
            .pod_annotation()
            .filter(|_| annotations)
            .and_then(|key| self.annotated(pod, key.to_owned()));
        field.into_iter().chain(annotation).collect()
    }

    /// The profiles set on one container: field, then annotation (when read).
    fn container_profiles(
        self,
        pod: &Pod,
        container: &ContainerRef,
        annotations: bool,
    ) -> Vec<(Profile, FieldPath)> {
        let field = container.security_context().and_then(|sc| match self {
            Control::Seccomp => sc.seccomp_profile.as_ref(),
            Control::AppArmor => sc.app_armor_profile.as_ref(),
        });
        let path = container.field_path(&["securityContext", self.field()]);
        let field = field.map(|f| (Profile::from_field(f), path));
        let annotation = if annotations {
            self.annotated(pod, self.container_annotation(container.name()))
        } else {
            None
        };
        field.into_iter().chain(annotation).collect()
    }

    /// The profile an annotation sets, with the annotation's path.
    fn annotated(self, pod: &Pod, key: String) -> Option<(Profile, FieldPath)> {
        let profile = self.annotation_profile(pod.annotations.get(&key)?)?;
        Some((profile, annotation_path(pod, key)))
    }

    /// The profile an annotation value sets; `None` for `""` (unset).
    /// `docker/default` is a seccomp spelling only: the API server refuses
    /// it as an AppArmor value, and so does PSS. For AppArmor, PSS (and the
    /// API server) take any `localhost/` value, even one naming no profile,
    /// which the kubelet then refuses to run: it is a Localhost profile
    /// with an empty name, allowed by `localhost/*` and `*` only.
    pub fn annotation_profile(self, value: &str) -> Option<Profile> {
        match (self, value) {
            (Control::AppArmor, "docker/default") => Some(Profile::Invalid(value.to_owned())),
            (Control::AppArmor, "localhost/") => Some(Profile::Localhost(String::new())),
            _ => Profile::from_annotation(value),
        }
    }
}

/// The path of a pod (template) annotation.
fn annotation_path(pod: &Pod, key: String) -> FieldPath {
    pod.location.metadata_path().key("annotations").key(key)
}

/// Whether the pod has a container, of any kind and exempt or not, of this name.
fn has_container(pod: &Pod, name: &str) -> bool {
    let spec = &pod.spec;
    [
        &spec.containers,
        &spec.init_containers,
        &spec.ephemeral_containers,
    ]
    .into_iter()
    .flatten()
    .any(|c| c.name == name)
}

/// Which annotations a rule reads besides the fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Annotations {
    /// None: the fields alone, as Pod Security Admission reads seccomp (the
    /// alpha annotations have had no effect since Kubernetes 1.27).
    Ignored,
    /// The pod's annotation and those of the containers the pod has; an
    /// annotation naming another container sets nothing and is ignored.
    Containers,
    /// Also every container annotation naming a container the pod does not
    /// have, as Pod Security Admission judges AppArmor's.
    Every,
}

/// How a rule judges the profiles of one pod.
#[derive(Debug)]
pub struct ProfilePolicy<'s> {
    pub control: Control,
    pub allowed: AllowedProfiles<'s>,
    /// The annotations read besides the fields.
    pub annotations: Annotations,
    /// A container without a profile, at its level or the pod's, is a violation.
    pub require_profile: bool,
    /// Set at pod level when neither the pod nor every container sets a profile.
    pub default_profile: Option<&'s Profile>,
}

impl ProfilePolicy<'_> {
    /// Reports every disallowed profile at the field or annotation that set
    /// it, and each container without one (or sets the default profile).
    pub fn check(&self, pod: &Pod, report: &mut Report) {
        let mut containers = pod.containers().peekable();
        // Pod-level profiles are checked when some container is; a pod whose
        // containers are all exempt is left alone.
        if containers.peek().is_none() {
            return;
        }
        let noun = self.control.noun();
        let read_annotations = self.annotations != Annotations::Ignored;
        let pod_profiles = self.control.pod_profiles(pod, read_annotations);
        for (profile, path) in &pod_profiles {
            if !self.allowed.allows(profile) {
                report.violation(
                    path.clone(),
                    format!("the pod's {noun} profile {profile} is not allowed"),
                );
            }
        }
        let mut unset = Vec::new();
        for container in containers {
            let own = self
                .control
                .container_profiles(pod, &container, read_annotations);
            for (profile, path) in &own {
                if !self.allowed.allows(profile) {
                    let who = container.describe();
                    report.violation(
                        path.clone(),
                        format!("{who}: {noun} profile {profile} is not allowed"),
                    );
                }
            }
            if own.is_empty() && pod_profiles.is_empty() {
                unset.push(container);
            }
        }
        if self.annotations == Annotations::Every {
            self.check_other_annotations(pod, report);
        }
        // The API server forbids `seccompProfile` and `appArmorProfile` on
        // Windows pods: none is required of them or set on them (a profile
        // they do carry was judged above).
        if pod.is_windows() {
            return;
        }
        match self.default_profile {
            Some(profile) => {
                // On `pods/ephemeralcontainers` the API server keeps only the
                // ephemeral containers' changes, so a pod-level default would
                // be dropped: an ephemeral container gets its own field.
                let (ephemeral, others): (Vec<_>, Vec<_>) = unset
                    .into_iter()
                    .partition(|c| c.kind == ContainerKind::EphemeralContainer);
                if !others.is_empty() {
                    report.fix(
                        pod.security_context_path(self.control.field()),
                        Change::Set(profile.to_field()),
                        format!("the pod sets no {noun} profile (default {profile})"),
                    );
                }
                for container in ephemeral {
                    report.fix(
                        container.field_path(&["securityContext", self.control.field()]),
                        Change::Set(profile.to_field()),
                        format!(
                            "{}: has no {noun} profile (default {profile})",
                            container.describe()
                        ),
                    );
                }
            }
            None if self.require_profile => {
                for container in unset {
                    report.violation(
                        container.field_path(&["securityContext"]),
                        format!("{}: has no {noun} profile", container.describe()),
                    );
                }
            }
            None => {}
        }
    }

    /// Judges each container annotation naming a container the pod does not
    /// have. (Those of the pod's own containers, exempt ones included, are
    /// the container walk's.)
    fn check_other_annotations(&self, pod: &Pod, report: &mut Report) {
        let noun = self.control.noun();
        let prefix = self.control.container_annotation_prefix();
        let from: (Bound<&str>, Bound<&str>) = (Bound::Included(prefix), Bound::Unbounded);
        for (key, value) in pod.annotations.range::<str, _>(from) {
            let Some(name) = key.strip_prefix(prefix) else {
                break;
            };
            if has_container(pod, name) || pod.exempts_container_name(name) {
                continue;
            }
            let Some(profile) = self.control.annotation_profile(value) else {
                continue;
            };
            if !self.allowed.allows(&profile) {
                report.violation(
                    annotation_path(pod, key.clone()),
                    format!(
                        "annotation for container {name:?}, which the pod does not have: \
                         {noun} profile {profile} is not allowed"
                    ),
                );
            }
        }
    }
}

/// For rules' unit tests: the pod of
/// [`pod_with_each_container_kind`](crate::testing::pod_with_each_container_kind)
/// with `field` as every container's profile field (none when null),
/// `pod_field` as the pod's (none when null) and `annotations` on the pod.
#[cfg(feature = "testing")]
pub fn test_pod(control: Control, field: Value, pod_field: Value, annotations: Value) -> Value {
    let name = control.field();
    let sc = if field.is_null() {
        Value::Null
    } else {
        json!({ name: field })
    };
    let mut pod = crate::testing::pod_with_each_container_kind(sc);
    if let Some(pod) = pod.as_object_mut() {
        if !pod_field.is_null()
            && let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut)
        {
            spec.insert("securityContext".into(), json!({ name: pod_field }));
        }
        if let Some(metadata) = pod.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("annotations".into(), annotations);
        }
    }
    pod
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(entries: &[&str]) -> Vec<Allowed> {
        entries
            .iter()
            .map(|e| Allowed::try_from((*e).to_owned()).unwrap())
            .collect()
    }

    fn field(kind: &str, path: Option<&str>) -> ProfileRef {
        ProfileRef {
            kind: kind.into(),
            localhost_profile: path.map(Into::into),
        }
    }

    fn local(path: &str) -> Profile {
        Profile::Localhost(path.into())
    }

    #[test]
    fn annotation_values_map_to_profiles() {
        assert_eq!(
            Profile::from_annotation("runtime/default"),
            Some(Profile::RuntimeDefault)
        );
        assert_eq!(
            Profile::from_annotation("docker/default"),
            Some(Profile::RuntimeDefault)
        );
        assert_eq!(
            Profile::from_annotation("unconfined"),
            Some(Profile::Unconfined)
        );
        assert_eq!(
            Profile::from_annotation("localhost/a/b.json"),
            Some(local("a/b.json"))
        );
        assert_eq!(Profile::from_annotation(""), None);
        for bad in [
            "localhost/",
            "Unconfined",
            "runtime/Default",
            "docker/unconfined",
        ] {
            assert_eq!(
                Profile::from_annotation(bad),
                Some(Profile::Invalid(bad.into()))
            );
        }
    }

    #[test]
    fn each_control_reads_annotation_values_its_own_way() {
        use Control::{AppArmor, Seccomp};
        for control in [Seccomp, AppArmor] {
            assert_eq!(control.annotation_profile(""), None);
            assert_eq!(
                control.annotation_profile("runtime/default"),
                Some(Profile::RuntimeDefault)
            );
            assert_eq!(
                control.annotation_profile("unconfined"),
                Some(Profile::Unconfined)
            );
            assert_eq!(control.annotation_profile("localhost/p"), Some(local("p")));
            let key = control.container_annotation("app");
            assert_eq!(
                key.strip_prefix(control.container_annotation_prefix()),
                Some("app")
            );
        }
        assert_eq!(
            Seccomp.annotation_profile("docker/default"),
            Some(Profile::RuntimeDefault)
        );
        assert_eq!(
            AppArmor.annotation_profile("docker/default"),
            Some(Profile::Invalid("docker/default".into()))
        );
        // PSA takes any `localhost/` AppArmor value; only `localhost/*` (and
        // `*`) allow the one naming no profile.
        assert_eq!(AppArmor.annotation_profile("localhost/"), Some(local("")));
        assert_eq!(
            Seccomp.annotation_profile("localhost/"),
            Some(Profile::Invalid("localhost/".into()))
        );
        let any = allowed(&["localhost/*"]);
        assert!(AllowedProfiles::new(&[Some(&any)], &[]).allows(&local("")));
        let exact = allowed(&["localhost/p", "runtime/default"]);
        assert!(!AllowedProfiles::new(&[Some(&exact)], &[]).allows(&local("")));
    }

    #[test]
    fn field_values_map_to_profiles_and_back() {
        assert_eq!(
            Profile::from_field(&field("RuntimeDefault", None)),
            Profile::RuntimeDefault
        );
        assert_eq!(
            Profile::from_field(&field("Unconfined", None)),
            Profile::Unconfined
        );
        assert_eq!(
            Profile::from_field(&field("Localhost", Some("p.json"))),
            local("p.json")
        );
        assert_eq!(
            Profile::from_field(&field("Localhost", None)),
            Profile::Invalid("Localhost".into())
        );
        assert_eq!(
            Profile::from_field(&field("Localhost", Some(""))),
            Profile::Invalid("Localhost".into())
        );
        assert_eq!(
            Profile::from_field(&field("", None)),
            Profile::Invalid(String::new())
        );
        assert_eq!(
            Profile::from_field(&field("runtime/default", None)),
            Profile::Invalid("runtime/default".into())
        );
        assert_eq!(
            local("p.json").to_field(),
            json!({"type": "Localhost", "localhostProfile": "p.json"})
        );
        assert_eq!(
            Profile::RuntimeDefault.to_field(),
            json!({"type": "RuntimeDefault"})
        );
        assert_eq!(
            Profile::Unconfined.to_field(),
            json!({"type": "Unconfined"})
        );
    }

    #[test]
    fn settings_name_one_profile_in_either_spelling() {
        for (text, profile) in [
            ("RuntimeDefault", Profile::RuntimeDefault),
            ("runtime/default", Profile::RuntimeDefault),
            ("docker/default", Profile::RuntimeDefault),
            ("Unconfined", Profile::Unconfined),
            ("unconfined", Profile::Unconfined),
            ("localhost/p.json", local("p.json")),
        ] {
            assert_eq!(Profile::try_from(text.to_owned()), Ok(profile), "{text}");
        }
        for bad in ["Localhost", "localhost/*", "localhost/", "*", "", "runtime"] {
            assert!(Profile::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn allowed_entries_in_either_spelling() {
        assert_eq!(
            allowed(&[
                "*",
                "runtime/default",
                "RuntimeDefault",
                "docker/default",
                "unconfined",
                "Unconfined",
                "localhost/*",
                "localhost/a.json",
                "Localhost"
            ]),
            [
                Allowed::Any,
                Allowed::RuntimeDefault,
                Allowed::RuntimeDefault,
                Allowed::RuntimeDefault,
                Allowed::Unconfined,
                Allowed::Unconfined,
                Allowed::AnyLocalhost,
                Allowed::Localhost("a.json".into()),
                Allowed::Listed
            ]
        );
        for bad in [
            "localhost/profiles/*",
            "*.json",
            "localhost/",
            "runtime",
            "",
            "Runtime/Default",
        ] {
            assert!(Allowed::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn localhost_profiles_match_exactly_never_by_prefix_or_suffix() {
        let list = allowed(&["localhost/profiles/audit.json"]);
        let set = AllowedProfiles::new(&[Some(&list)], &[]);
        assert!(set.allows(&local("profiles/audit.json")));
        for other in [
            "profiles/audit.json.bak",
            "x/profiles/audit.json",
            "profiles/audit",
            "audit.json",
        ] {
            assert!(!set.allows(&local(other)), "{other}");
        }
        assert!(!set.allows(&Profile::RuntimeDefault));
        let any = allowed(&["localhost/*"]);
        let set = AllowedProfiles::new(&[Some(&any)], &[]);
        assert!(set.allows(&local("anything")));
        assert!(!set.allows(&Profile::Invalid("Localhost".into())));
    }

    #[test]
    fn listed_localhost_uses_the_paths_list() {
        let types = allowed(&["Localhost"]);
        let files = vec!["a.json".to_owned()];
        let set = AllowedProfiles::new(&[None, Some(&types)], &files);
        assert!(set.allows(&local("a.json")));
        assert!(!set.allows(&local("b.json")));
        assert!(!set.allows(&Profile::RuntimeDefault));
        let star = vec!["*".to_owned()];
        assert!(AllowedProfiles::new(&[Some(&types)], &star).allows(&local("b.json")));
    }

    #[test]
    fn default_is_baseline_and_lists_add_up() {
        let set = AllowedProfiles::new(&[None, None], &[]);
        assert!(set.allows(&Profile::RuntimeDefault));
        assert!(set.allows(&local("x")));
        assert!(!set.allows(&Profile::Unconfined));
        assert!(!set.allows(&Profile::Invalid("Bogus".into())));
        let a = allowed(&["unconfined"]);
        let b = allowed(&["RuntimeDefault"]);
        let set = AllowedProfiles::new(&[Some(&a), Some(&b)], &[]);
        assert!(set.allows(&Profile::Unconfined) && set.allows(&Profile::RuntimeDefault));
        assert!(!set.allows(&local("x")));
        let any = allowed(&["*"]);
        assert!(AllowedProfiles::new(&[Some(&any)], &[]).allows(&Profile::Invalid("Bogus".into())));
    }

    fn validate(
        lists: &[(&'static str, Option<&[Allowed]>)],
        files: Option<(&'static str, &[String])>,
        default: Option<&Profile>,
        validate_only: bool,
    ) -> Result<(), SettingsError> {
        ProfileSettings {
            lists,
            localhost_files: files,
            default_profile: default,
            validate_only,
        }
        .validate()
    }

    #[test]
    fn contradictory_settings_are_refused_by_name() {
        let err = |r: Result<(), SettingsError>| r.unwrap_err().field;
        assert_eq!(
            validate(&[("allowed_profiles", None)], None, None, false),
            Ok(())
        );
        assert_eq!(
            err(validate(
                &[("allowed_profiles", Some(&[]))],
                None,
                None,
                false
            )),
            "allowed_profiles"
        );
        let listed = allowed(&["Localhost"]);
        assert_eq!(
            err(validate(
                &[("profile_types", Some(&listed))],
                Some(("localhost_profiles", &[])),
                None,
                false
            )),
            "profile_types"
        );
        assert_eq!(
            err(validate(
                &[("allowed_profiles", Some(&listed))],
                None,
                None,
                false
            )),
            "allowed_profiles"
        );
        let files = vec!["a.json".to_owned()];
        assert_eq!(
            validate(
                &[("profile_types", Some(&listed))],
                Some(("localhost_profiles", &files)),
                None,
                false
            ),
            Ok(())
        );
        assert_eq!(
            err(validate(
                &[("allowed_profiles", None)],
                Some(("localhost_profiles", &files)),
                None,
                false
            )),
            "localhost_profiles"
        );
        let pattern = vec!["profiles/*".to_owned()];
        assert_eq!(
            err(validate(
                &[("p", Some(&listed))],
                Some(("localhost_profiles", &pattern)),
                None,
                false
            )),
            "localhost_profiles[0]"
        );
        assert_eq!(
            err(validate(
                &[("allowed_profiles", None)],
                None,
                Some(&Profile::Unconfined),
                false
            )),
            "default_profile"
        );
        assert_eq!(
            validate(
                &[("allowed_profiles", None)],
                None,
                Some(&Profile::RuntimeDefault),
                true
            ),
            Ok(())
        );
        assert_eq!(
            err(validate(&[("allowed_profiles", None)], None, None, true)),
            "validate_only"
        );
    }
}

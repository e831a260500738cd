//! Finding the pod inside any workload, and walking its containers.

use crate::de::Key;
use crate::k8s::{
    Container, PodSecurityContext, PodSpec, PodTemplate, ProfileRef, SeLinuxOptions,
    SecurityContext,
};
use crate::path::FieldPath;
use crate::settings::Exemptions;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// Where the pod spec sits in the admitted object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodLocation {
    /// A Pod: `spec`.
    Pod,
    /// Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
    /// ReplicationController and any other kind with `spec.template`.
    Template,
    /// CronJob: `spec.jobTemplate.spec.template`.
    CronJob,
    /// PodTemplate: `template`.
    PodTemplate,
}

impl PodLocation {
    /// Where a kind that carries a pod keeps it; `None` for other kinds.
    pub fn of_kind(kind: &str) -> Option<Self> {
        match kind {
            "Pod" => Some(PodLocation::Pod),
            "PodTemplate" => Some(PodLocation::PodTemplate),
            "CronJob" => Some(PodLocation::CronJob),
            _ => TEMPLATE_KINDS
                .contains(&kind)
                .then_some(PodLocation::Template),
        }
    }

    fn prefix(self) -> &'static [&'static str] {
        match self {
            PodLocation::Pod => &[],
            PodLocation::Template => &["spec", "template"],
            PodLocation::CronJob => &["spec", "jobTemplate", "spec", "template"],
            PodLocation::PodTemplate => &["template"],
        }
    }

    /// Path of the pod spec, e.g. `spec.template.spec`.
    pub fn spec_path(self) -> FieldPath {
        FieldPath::root().keys(self.prefix()).key("spec")
    }

    /// Path of the pod metadata, e.g. `spec.template.metadata`.
    pub fn metadata_path(self) -> FieldPath {
        FieldPath::root().keys(self.prefix()).key("metadata")
    }
}

/// The pod found in an admitted object: its spec, annotations and location,
/// parsed once per request however many rules then look at it.
#[derive(Debug)]
pub struct LocatedPod {
    pub spec: PodSpec,
    /// Pod (template) annotations; read only when some rule asks for them.
    pub annotations: BTreeMap<String, String>,
    pub location: PodLocation,
}

/// One rule's view of a pod: the located pod with that rule's exemptions,
/// which decide the containers it walks.
#[derive(Clone, Copy, Debug)]
pub struct Pod<'s> {
    pub spec: &'s PodSpec,
    pub annotations: &'s BTreeMap<String, String>,
    pub location: PodLocation,
    exemptions: &'s Exemptions,
}

/// Any admitted object, parsed in one pass: a Pod's `spec`, a workload's
/// `spec.template`, a CronJob's `spec.jobTemplate` and a PodTemplate's
/// `template` all land in the same shape; the kind then says which to use.
#[derive(Debug, Default)]
pub struct Workload {
    pub(crate) kind: Option<String>,
    pub(crate) metadata: SecurityAnnotations,
    pub(crate) spec: Option<PodSpec>,
    pub(crate) template: Option<PodTemplate>,
}

crate::lean_deserialize! { Workload {
    kind: "kind",
    metadata: "metadata",
    spec: "spec",
    template: "template",
} }

/// What the parse keeps of an object's (or a pod template's) metadata: the
/// annotations the kubelet reads for seccomp and AppArmor, in the same single
/// pass as the spec. Every other annotation, kubectl's last-applied copy of
/// the whole object among them, is skipped without being built.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SecurityAnnotations(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for SecurityAnnotations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seed = AnnotationsSeed {
            prefixes: SECURITY_ANNOTATIONS,
            metadata: true,
        };
        seed.deserialize(deserializer).map(SecurityAnnotations)
    }
}

/// Kinds whose pod template sits at `spec.template`: a missing template is
/// an error for these (fail closed), and merely "no pod" for unknown kinds.
const TEMPLATE_KINDS: [&str; 6] = [
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "ReplicationController",
];

/// Every built-in kind that carries a pod: what a rule about pods judges
/// (and what its metadata's `rules` list).
pub const POD_KINDS: [&str; 9] = [
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

impl LocatedPod {
    /// Finds the pod in an object of the given kind. `Ok(None)` means the
    /// object carries no pod (a ConfigMap, say): there is nothing to check.
    pub fn locate(
        kind: &str,
        object: Workload,
        annotation_prefixes: &[&str],
    ) -> Result<Option<Self>, String> {
        let (metadata, spec, location, required) = match kind {
            "Pod" => (object.metadata, object.spec, PodLocation::Pod, true),
            "PodTemplate" => {
                let (metadata, spec) = unpack(object.template);
                (metadata, spec, PodLocation::PodTemplate, true)
            }
            "CronJob" => {
                let job = object
                    .spec
                    .and_then(|s| s.job_template)
                    .and_then(|j| j.spec);
                let (metadata, spec) = unpack(job.and_then(|s| s.template).map(|t| *t));
                (metadata, spec, PodLocation::CronJob, true)
            }
            _ => {
                let (metadata, spec) = unpack(object.spec.and_then(|s| s.template).map(|t| *t));
                (
                    metadata,
                    spec,
                    PodLocation::Template,
                    TEMPLATE_KINDS.contains(&kind),
                )
            }
        };
        let Some(spec) = spec else {
            return if required {
                Err(format!(
                    "{kind} has no pod spec at {}",
                    location.spec_path()
                ))
            } else {
                Ok(None)
            };
        };
        // Rules see only the annotations they name.
        let mut annotations = metadata.0;
        annotations.retain(|key, _| annotation_prefixes.iter().any(|p| key.starts_with(p)));
        Ok(Some(LocatedPod {
            spec,
            annotations,
            location,
        }))
    }

    /// The pod as a rule with these exemptions sees it.
    pub fn view<'s>(&'s self, exemptions: &'s Exemptions) -> Pod<'s> {
        Pod {
            spec: &self.spec,
            annotations: &self.annotations,
            location: self.location,
            exemptions,
        }
    }
}

impl<'s> Pod<'s> {
    /// Path of a field of the pod spec, e.g. `spec.hostPID`.
    pub fn spec_path(&self, keys: &[&'static str]) -> FieldPath {
        self.location.spec_path().keys(keys)
    }

    /// Path of a pod-level security context field.
    pub fn security_context_path(&self, field: &'static str) -> FieldPath {
        self.spec_path(&["securityContext", field])
    }

    pub fn security_context(&self) -> Option<&PodSecurityContext> {
        self.spec.security_context.as_ref()
    }

    /// `spec.os.name: windows`: Linux-only controls skip such pods, as Pod
    /// Security Admission does (the name is compared as the API spells it).
    pub fn is_windows(&self) -> bool {
        self.spec.os.as_ref().is_some_and(|os| os.name == "windows")
    }

    /// `spec.hostUsers: false`: the pod runs in its own user namespace, where
    /// root in the container is not root on the node. PSA (1.35) relaxes its
    /// non-root and `/proc` mount controls for such pods.
    pub fn in_user_namespace(&self) -> bool {
        self.spec.host_users == Some(false)
    }

    /// Whether `exempt_container_names` names this container name, for
    /// what refers to a container by name alone (an annotation naming a
    /// container the pod does not have).
    pub fn exempts_container_name(&self, name: &str) -> bool {
        self.exemptions.container(name, None)
    }

    /// Every non-exempt container of every kind: containers, then init
    /// containers, then ephemeral containers.
    pub fn containers(&self) -> impl Iterator<Item = ContainerRef<'_>> {
        let spec = self.spec;
        [
            (ContainerKind::Container, &spec.containers),
            (ContainerKind::InitContainer, &spec.init_containers),
            (
                ContainerKind::EphemeralContainer,
                &spec.ephemeral_containers,
            ),
        ]
        .into_iter()
        .flat_map(move |(kind, list)| {
            list.iter()
                .enumerate()
                .map(move |(index, container)| ContainerRef {
                    kind,
                    index,
                    container,
                    pod: self,
                })
        })
        .filter(|c| {
            !self
                .exemptions
                .container(&c.container.name, c.container.image.as_deref())
        })
    }
}

/// Whether a Pod UPDATE can change what runs, as Pod Security Admission
/// decides it: a container of any kind added, removed, renamed or given
/// another image, or a seccomp or AppArmor annotation changed. A missing
/// spec cannot be compared and counts as a change.
pub(crate) fn changes_what_runs(new: &Workload, old: &Workload) -> bool {
    let (Some(new_spec), Some(old_spec)) = (&new.spec, &old.spec) else {
        return true;
    };
    let containers_changed = container_lists(new_spec)
        .into_iter()
        .zip(container_lists(old_spec))
        .any(|(new, old)| {
            new.len() != old.len()
                || new
                    .iter()
                    .zip(old)
                    .any(|(a, b)| a.name != b.name || a.image != b.image)
        });
    containers_changed || new.metadata != old.metadata
}

fn container_lists(spec: &PodSpec) -> [&Vec<Container>; 3] {
    [
        &spec.containers,
        &spec.init_containers,
        &spec.ephemeral_containers,
    ]
}

/// The annotation prefixes the kubelet reads for seccomp and AppArmor: the
/// only annotations the parse keeps, so a rule's `ANNOTATIONS` lie within.
pub const SECURITY_ANNOTATIONS: &[&str] = &[
    "seccomp.security.alpha.kubernetes.io/pod",
    "container.seccomp.security.alpha.kubernetes.io/",
    "container.apparmor.security.beta.kubernetes.io/",
];

/// A template's metadata and spec.
fn unpack(template: Option<PodTemplate>) -> (SecurityAnnotations, Option<PodSpec>) {
    match template {
        Some(t) => (t.metadata, t.spec),
        None => (SecurityAnnotations::default(), None),
    }
}

/// Reads an object's `metadata`, or within it its `annotations` (either may
/// be null), keeping the annotations whose keys start with one of `prefixes`.
#[derive(Clone, Copy)]
struct AnnotationsSeed<'p> {
    prefixes: &'p [&'p str],
    /// At `metadata`: only its `annotations` are read.
    metadata: bool,
}

impl<'de> DeserializeSeed<'de> for AnnotationsSeed<'_> {
    type Value = BTreeMap<String, String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for AnnotationsSeed<'_> {
    type Value = BTreeMap<String, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.metadata {
            "object metadata"
        } else {
            "a map of annotations"
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(BTreeMap::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kept = None;
        while let Some(Key(key)) = map.next_key()? {
            if self.metadata {
                if key != "annotations" {
                    map.next_value::<IgnoredAny>()?;
                } else if kept.is_some() {
                    return Err(de::Error::duplicate_field("annotations"));
                } else {
                    let annotations = Self {
                        metadata: false,
                        ..self
                    };
                    kept = Some(map.next_value_seed(annotations)?);
                }
            } else if self.prefixes.iter().any(|prefix| key.starts_with(prefix)) {
                let value: String = map.next_value()?;
                if kept
                    .get_or_insert_with(BTreeMap::new)
                    .insert(key.into_owned(), value)
                    .is_some()
                {
                    return Err(de::Error::custom("an annotation is given twice"));
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(kept.unwrap_or_default())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Container,
    InitContainer,
    EphemeralContainer,
}

impl ContainerKind {
    /// The pod spec field that lists containers of this kind.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Container => "containers",
            ContainerKind::InitContainer => "initContainers",
            ContainerKind::EphemeralContainer => "ephemeralContainers",
        }
    }

    /// How messages name a container of this kind.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Container => "container",
            ContainerKind::InitContainer => "init container",
            ContainerKind::EphemeralContainer => "ephemeral container",
        }
    }
}

/// Whether an effective value came from the container or the pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Container,
    Pod,
}

/// One container of a pod, with where it is.
#[derive(Clone, Copy, Debug)]
pub struct ContainerRef<'p> {
    pub kind: ContainerKind,
    pub index: usize,
    pub container: &'p Container,
    pod: &'p Pod<'p>,
}

impl<'p> ContainerRef<'p> {
    pub fn name(&self) -> &'p str {
        &self.container.name
    }

    /// e.g. `init container "setup"`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {:?}", self.kind.noun(), self.container.name)
    }

    /// Path of this container, e.g. `spec.template.spec.initContainers[1]`.
    pub fn path(&self) -> FieldPath {
        self.pod
            .location
            .spec_path()
            .key(self.kind.field())
            .index(self.index)
    }

    /// Path of a field below this container, e.g. `["securityContext", "privileged"]`.
    pub fn field_path(&self, keys: &[&'static str]) -> FieldPath {
        self.path().keys(keys)
    }

    /// Path of a security context field at the given level.
    pub fn security_context_path(&self, level: Level, field: &'static str) -> FieldPath {
        match level {
            Level::Container => self.field_path(&["securityContext", field]),
            Level::Pod => self.pod.security_context_path(field),
        }
    }

    pub fn security_context(&self) -> Option<&'p SecurityContext> {
        self.container.security_context.as_ref()
    }

    /// The container's value if set, else the pod's: Kubernetes' precedence.
    pub fn effective<T>(
        &self,
        container: impl FnOnce(&'p SecurityContext) -> Option<T>,
        pod: impl FnOnce(&'p PodSecurityContext) -> Option<T>,
    ) -> Option<(T, Level)> {
        if let Some(value) = self.security_context().and_then(container) {
            return Some((value, Level::Container));
        }
        self.pod
            .spec
            .security_context
            .as_ref()
            .and_then(pod)
            .map(|value| (value, Level::Pod))
    }

    pub fn run_as_user(&self) -> Option<(i64, Level)> {
        self.effective(|c| c.run_as_user, |p| p.run_as_user)
    }

    pub fn run_as_group(&self) -> Option<(i64, Level)> {
        self.effective(|c| c.run_as_group, |p| p.run_as_group)
    }

    pub fn run_as_non_root(&self) -> Option<(bool, Level)> {
        self.effective(|c| c.run_as_non_root, |p| p.run_as_non_root)
    }

    pub fn seccomp_profile(&self) -> Option<(&'p ProfileRef, Level)> {
        self.effective(
            |c| c.seccomp_profile.as_ref(),
            |p| p.seccomp_profile.as_ref(),
        )
    }

    pub fn app_armor_profile(&self) -> Option<(&'p ProfileRef, Level)> {
        self.effective(
            |c| c.app_armor_profile.as_ref(),
            |p| p.app_armor_profile.as_ref(),
        )
    }

    pub fn se_linux_options(&self) -> Option<(&'p SeLinuxOptions, Level)> {
        self.effective(
            |c| c.se_linux_options.as_ref(),
            |p| p.se_linux_options.as_ref(),
        )
    }

    pub fn windows_host_process(&self) -> Option<(bool, Level)> {
        self.effective(
            |c| c.windows_options.as_ref().and_then(|w| w.host_process),
            |p| p.windows_options.as_ref().and_then(|w| w.host_process),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(json: &str) -> Workload {
        serde_json::from_str(json).unwrap()
    }

    const SPEC: &str = r#"{"containers":[{"name":"app","image":"nginx"}],
        "initContainers":[{"name":"init","image":"busybox"}],
        "ephemeralContainers":[{"name":"debug","image":"registry.example.com/debug/sh"}]}"#;

    #[test]
    fn finds_the_pod_in_every_workload_kind() {
        let none = Exemptions::default();
        let cases = [
            ("Pod", format!(r#"{{"spec":{SPEC}}}"#), "spec"),
            (
                "Deployment",
                format!(r#"{{"spec":{{"template":{{"spec":{SPEC}}}}}}}"#),
                "spec.template.spec",
            ),
            (
                "Rollout",
                format!(r#"{{"spec":{{"template":{{"spec":{SPEC}}}}}}}"#),
                "spec.template.spec",
            ),
            (
                "CronJob",
                format!(
                    r#"{{"spec":{{"jobTemplate":{{"spec":{{"template":{{"spec":{SPEC}}}}}}}}}}}"#
                ),
                "spec.jobTemplate.spec.template.spec",
            ),
            (
                "PodTemplate",
                format!(r#"{{"template":{{"spec":{SPEC}}}}}"#),
                "template.spec",
            ),
        ];
        for (kind, json, path) in cases {
            let object = raw(&json);
            let located = LocatedPod::locate(kind, object, &[]).unwrap().unwrap();
            let pod = located.view(&none);
            let names: Vec<_> = pod.containers().map(|c| c.path().to_string()).collect();
            assert_eq!(
                names,
                [
                    format!("{path}.containers[0]"),
                    format!("{path}.initContainers[0]"),
                    format!("{path}.ephemeralContainers[0]")
                ],
                "{kind}"
            );
        }
    }

    #[test]
    fn every_pod_kind_has_a_location_and_locate_agrees() {
        for kind in POD_KINDS {
            let location = PodLocation::of_kind(kind).unwrap();
            // An empty object of a pod kind is an error naming where the pod should be.
            let err = LocatedPod::locate(kind, Workload::default(), &[]).unwrap_err();
            assert!(
                err.contains(&location.spec_path().to_string()),
                "{kind}: {err}"
            );
        }
        assert_eq!(
            PodLocation::of_kind("CronJob").map(|l| l.metadata_path().to_string()),
            Some("spec.jobTemplate.spec.template.metadata".into())
        );
        for kind in ["ConfigMap", "Rollout", "pod", ""] {
            assert_eq!(PodLocation::of_kind(kind), None, "{kind}");
        }
    }

    #[test]
    fn objects_without_pods() {
        let config_map = raw(r#"{"kind":"ConfigMap","data":{"a":"b"}}"#);
        assert!(
            LocatedPod::locate("ConfigMap", config_map, &[])
                .unwrap()
                .is_none()
        );
        // A known workload kind without its template is malformed: refuse it.
        let broken = raw(r#"{"spec":{"replicas":1}}"#);
        let err = LocatedPod::locate("Deployment", broken, &[]).unwrap_err();
        assert!(err.contains("spec.template.spec"), "{err}");
        assert!(LocatedPod::locate("Pod", raw("{}"), &[]).is_err());
        assert!(serde_json::from_str::<Workload>(r#"{"spec":"x"}"#).is_err());
    }

    #[test]
    fn exempt_containers_are_skipped() {
        let exemptions = Exemptions {
            container_names: vec!["init".into()],
            images: vec![glob::Pattern::new("registry.example.com/debug/*").unwrap()],
            ..Default::default()
        };
        let json = format!(r#"{{"spec":{SPEC}}}"#);
        let located = LocatedPod::locate("Pod", raw(&json), &[]).unwrap().unwrap();
        let pod = located.view(&exemptions);
        let names: Vec<_> = pod.containers().map(|c| c.name()).collect();
        assert_eq!(names, ["app"]);
    }

    #[test]
    fn container_settings_override_pod_settings() {
        let none = Exemptions::default();
        let object = raw(
            r#"{"spec":{"securityContext":{"runAsUser":1000,"runAsNonRoot":true},
               "containers":[{"name":"a","securityContext":{"runAsUser":0}},{"name":"b"}]}}"#,
        );
        let located = LocatedPod::locate("Pod", object, &[]).unwrap().unwrap();
        let pod = located.view(&none);
        let users: Vec<_> = pod.containers().map(|c| c.run_as_user()).collect();
        assert_eq!(
            users,
            [Some((0, Level::Container)), Some((1000, Level::Pod))]
        );
        let a = pod.containers().next().unwrap();
        assert_eq!(a.run_as_non_root(), Some((true, Level::Pod)));
        assert_eq!(
            a.security_context_path(Level::Pod, "runAsNonRoot")
                .to_string(),
            "spec.securityContext.runAsNonRoot"
        );
    }

    #[test]
    fn a_rule_sees_only_the_annotations_it_names() {
        let none = Exemptions::default();
        let json = r#"{"spec":{"template":{"metadata":{"annotations":{
            "container.apparmor.security.beta.kubernetes.io/app":"runtime/default",
            "seccomp.security.alpha.kubernetes.io/pod":"unconfined","team":"a"}},
            "spec":{"containers":[]}}}}"#;
        let apparmor = ["container.apparmor.security.beta.kubernetes.io/"];
        let located = LocatedPod::locate("Deployment", raw(json), &apparmor)
            .unwrap()
            .unwrap();
        let pod = located.view(&none);
        let keys: Vec<&str> = pod.annotations.keys().map(String::as_str).collect();
        assert_eq!(keys, ["container.apparmor.security.beta.kubernetes.io/app"]);
        let located = LocatedPod::locate("Deployment", raw(json), &[])
            .unwrap()
            .unwrap();
        assert!(located.view(&none).annotations.is_empty());
    }

    fn annotations(metadata: &str) -> serde_json::Result<SecurityAnnotations> {
        serde_json::from_str(metadata)
    }

    #[test]
    fn only_annotations_with_the_wanted_prefixes_are_built() {
        let last_applied = serde_json::to_string(&"{\"kind\":\"Pod\",\"spec\":{}}").unwrap();
        let metadata = format!(
            r#"{{"name":"p","labels":{{"a":"b"}},"annotations":{{
                "kubectl.kubernetes.io/last-applied-configuration":{last_applied},
                "container.apparmor.security.beta.kubernetes.io/app":"runtime/default",
                "odd":{{"not":"a string"}}}},"managedFields":[{{"manager":"kubectl"}}]}}"#
        );
        let kept = annotations(&metadata).unwrap();
        assert_eq!(
            kept.0.into_iter().collect::<Vec<_>>(),
            [(
                "container.apparmor.security.beta.kubernetes.io/app".to_owned(),
                "runtime/default".to_owned()
            )]
        );
        for empty in ["null", "{}", r#"{"annotations":null}"#] {
            assert!(annotations(empty).unwrap().0.is_empty());
        }
        // A kept annotation given twice, or not a string, is refused.
        let key = "seccomp.security.alpha.kubernetes.io/pod";
        let twice = format!(r#"{{"annotations":{{"{key}":"a","{key}":"b"}}}}"#);
        assert!(annotations(&twice).is_err());
        let number = format!(r#"{{"annotations":{{"{key}":1}}}}"#);
        assert!(annotations(&number).is_err());
        let again = r#"{"annotations":{},"annotations":{}}"#;
        assert!(annotations(again).is_err());
    }
}

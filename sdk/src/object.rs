//! Rules over any object, not only pods: Services, Ingresses,
//! ServiceAccounts, ConfigMaps, Secrets, and the metadata of pods and
//! workloads.
//!
//! An [`ObjectRule`] names the kinds it judges and the typed view it reads
//! (its own `Deserialize` struct with just the fields it needs; every other
//! field is skipped unbuilt, as for pods). The engine gives it an [`Object`]:
//! the kind, namespace and name as the API server means them, and that view.
//! Exemptions, the UPDATE rule, fixes and responses are the pod rules' own.

use crate::engine::{self, Finding, GroupVersionKind, Member, accept, bad_request, respond, sort};
use crate::pod::Pod;
use crate::report::Report;
use crate::settings::{Exemptions, RuleSettings, Settings, SettingsError, parse_settings};
use kubewarden_policy_sdk::response::ValidationResponse;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::rc::Rc;

/// A rule over whole objects of the kinds it names.
pub trait ObjectRule {
    /// The rule's name, as it appears in messages (`service-allowed-ports`).
    const NAME: &'static str;
    /// The kinds it judges (`Service`); any other kind is admitted untouched.
    const KINDS: &'static [&'static str];
    type Settings: RuleSettings + 'static;
    /// What the rule reads of the object: a struct with `metadata` and the
    /// fields it needs, every other field skipped by the parse.
    type Object: KubeObject + 'static;

    /// Reports every violation and fix for one object.
    fn check(settings: &Self::Settings, object: &Object<Self::Object>, report: &mut Report);
}

/// A typed view of an object that has Kubernetes metadata.
pub trait KubeObject: DeserializeOwned {
    fn metadata(&self) -> &ObjectMeta;
}

/// The metadata every object carries. `null` maps read as empty.
#[derive(Debug, Default)]
pub struct ObjectMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

crate::lean_deserialize! { ObjectMeta {
    name: "name",
    namespace: "namespace",
    labels: "labels" nullable,
    annotations: "annotations" nullable,
} }

/// `{metadata, spec}`: the view most rules need, with the rule's own spec type.
#[derive(Debug)]
pub struct Resource<S> {
    pub metadata: ObjectMeta,
    pub spec: Option<S>,
}

impl<S> Default for Resource<S> {
    fn default() -> Self {
        Self {
            metadata: ObjectMeta::default(),
            spec: None,
        }
    }
}

crate::lean_deserialize! { impl['de, S: Deserialize<'de>] Resource<S> {
    metadata: "metadata",
    spec: "spec",
} }

impl<S: DeserializeOwned> KubeObject for Resource<S> {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// One object as a rule sees it.
#[derive(Debug)]
pub struct Object<'a, T> {
    /// The kind, from the request (the API server's word) or the object.
    pub kind: &'a str,
    /// The namespace the object is created in: the request's, which the API
    /// server fills from the URL when the object leaves it out.
    pub namespace: &'a str,
    /// `metadata.name`, or the request's name.
    pub name: &'a str,
    pub object: &'a T,
}

impl<T: KubeObject> Object<'_, T> {
    pub fn metadata(&self) -> &ObjectMeta {
        self.object.metadata()
    }
}

/// What an object rule reads of a ValidationRequest: one parse of the
/// object into the rule's view, the rest skipped.
struct ObjectValidationRequest<'a, T> {
    request: ObjectRequest<T>,
    settings: Option<&'a RawValue>,
}

impl<T> Default for ObjectValidationRequest<'_, T> {
    fn default() -> Self {
        Self {
            request: ObjectRequest::default(),
            settings: None,
        }
    }
}

crate::lean_deserialize! { impl['de: 'a, 'a, T: Deserialize<'de>] ObjectValidationRequest<'a, T> {
    request: "request" required,
    settings: "settings",
} }

struct ObjectRequest<T> {
    kind: Option<GroupVersionKind>,
    operation: String,
    namespace: Option<String>,
    name: Option<String>,
    object: Option<T>,
    old_object: Option<T>,
}

impl<T> Default for ObjectRequest<T> {
    fn default() -> Self {
        Self {
            kind: None,
            operation: String::new(),
            namespace: None,
            name: None,
            object: None,
            old_object: None,
        }
    }
}

crate::lean_deserialize! { impl['de, T: Deserialize<'de>] ObjectRequest<T> {
    kind: "kind",
    operation: "operation",
    namespace: "namespace",
    name: "name",
    object: "object",
    old_object: "oldObject",
} }

/// `validate` of an object rule's own module.
pub fn validate<R: ObjectRule>(payload: &[u8]) -> Vec<u8> {
    engine::to_json(&validate_response::<R>(payload))
}

/// `validate_settings` of an object rule's own module.
pub fn validate_settings<R: ObjectRule>(payload: &[u8]) -> Vec<u8> {
    let parsed = std::str::from_utf8(payload)
        .map_err(|e| SettingsError::new("", e.to_string()))
        .and_then(|raw| parse_settings::<R::Settings>(raw).map(|_| ()));
    engine::settings_response(R::NAME, parsed)
}

/// An object rule's whole evaluation, as a response value.
pub fn validate_response<R: ObjectRule>(payload: &[u8]) -> ValidationResponse {
    let parsed: ObjectValidationRequest<R::Object> = match serde_json::from_slice(payload) {
        Ok(parsed) => parsed,
        Err(e) => return bad_request(format!("{}: cannot read the request: {e}", R::NAME)),
    };
    let raw_settings = parsed.settings.map_or("{}", RawValue::get);
    let settings = match engine::cached_settings::<R::Settings>(raw_settings) {
        Ok(settings) => settings,
        Err(e) => return bad_request(format!("{}: {e}", R::NAME)),
    };
    let request = parsed.request;
    if request
        .namespace
        .as_deref()
        .is_some_and(|ns| settings.exemptions.namespace(ns))
    {
        return accept(Vec::new());
    }
    if request.object.is_none() && !matches!(request.operation.as_str(), "DELETE" | "CONNECT") {
        return bad_request(format!("{}: the request has no object", R::NAME));
    }
    // The API server always names the kind; without it the rule cannot
    // know whether the object is one it judges, so it refuses.
    let Some(kind) = request.kind.as_ref().map(|gvk| gvk.kind.clone()) else {
        return bad_request(format!("{}: the request has no kind", R::NAME));
    };
    match judge::<R>(&settings, &kind, request) {
        Some(finding) => respond(&[finding], payload),
        None => accept(Vec::new()),
    }
}

/// Runs the rule on the request's object (and on UPDATE, to sort what the
/// old object already had, on its old object). `None`: nothing to say.
fn judge<R: ObjectRule>(
    settings: &Settings<R::Settings>,
    kind: &str,
    request: ObjectRequest<R::Object>,
) -> Option<Finding> {
    let object = request.object.as_ref()?;
    if !R::KINDS.contains(&kind) {
        return None;
    }
    let report = check::<R>(settings, kind, &request, object);
    if report.is_clean() {
        return None;
    }
    let old = match (request.operation.as_str(), &request.old_object) {
        ("UPDATE", Some(old)) => Some(check::<R>(settings, kind, &request, old)),
        _ => None,
    };
    let preexisting = format!("preexisting in this {kind}, not blocking this update");
    Some(sort(R::NAME, report, old, false, &preexisting))
}

fn check<R: ObjectRule>(
    settings: &Settings<R::Settings>,
    kind: &str,
    request: &ObjectRequest<R::Object>,
    object: &R::Object,
) -> Report {
    let metadata = object.metadata();
    let view = Object {
        kind,
        namespace: request
            .namespace
            .as_deref()
            .or(metadata.namespace.as_deref())
            .unwrap_or_default(),
        name: metadata
            .name
            .as_deref()
            .or(request.name.as_deref())
            .unwrap_or_default(),
        object,
    };
    let mut report = Report::new(!settings.rule.validate_only());
    R::check(&settings.rule, &view, &mut report);
    report
}

/// An object rule with its settings, as a bundle member.
pub struct BoundObject<R: ObjectRule> {
    settings: Rc<Settings<R::Settings>>,
    rule: PhantomData<fn() -> R>,
}

impl<R: ObjectRule + 'static> BoundObject<R> {
    /// The rule with settings parsed from JSON text, for a bundle.
    pub fn parse(raw: &str) -> Result<Box<dyn Member>, SettingsError> {
        Ok(Box::new(Self {
            settings: Rc::new(parse_settings(raw)?),
            rule: PhantomData,
        }))
    }
}

/// The request alone, as an object rule reads it inside a bundle.
struct RequestOnly<T> {
    request: ObjectRequest<T>,
}

impl<T> Default for RequestOnly<T> {
    fn default() -> Self {
        Self {
            request: ObjectRequest::default(),
        }
    }
}

crate::lean_deserialize! { impl['de, T: Deserialize<'de>] RequestOnly<T> {
    request: "request" required,
} }

impl<R: ObjectRule> Member for BoundObject<R> {
    fn name(&self) -> &'static str {
        R::NAME
    }

    fn annotations(&self) -> &'static [&'static str] {
        &[]
    }

    fn exemptions(&self) -> &Exemptions {
        &self.settings.exemptions
    }

    fn check(&self, _: &Pod) -> Report {
        Report::new(false)
    }

    fn judges_pods(&self) -> bool {
        false
    }

    fn check_object(&self, kind: &str, payload: &[u8]) -> Option<Result<Finding, String>> {
        if !R::KINDS.contains(&kind) {
            return None;
        }
        // The bundle's one parse reads pods; this member reads its own view.
        match serde_json::from_slice::<RequestOnly<R::Object>>(payload) {
            Ok(only) => judge::<R>(&self.settings, kind, only.request).map(Ok),
            Err(e) => Some(Err(format!("{}: cannot read the object: {e}", R::NAME))),
        }
    }
}

/// Registers the waPC functions for an object rule, as [`export_rule!`]
/// does for a pod rule, and lets the SDK's test helpers run it.
///
/// [`export_rule!`]: crate::export_rule
#[macro_export]
macro_rules! export_object_rule {
    ($rule:ty) => {
        impl $crate::Module for $rule {
            const NAME: &'static str = <$rule as $crate::ObjectRule>::NAME;
            fn validate(payload: &[u8]) -> Vec<u8> {
                $crate::object::validate::<$rule>(payload)
            }
            fn validate_settings(payload: &[u8]) -> Vec<u8> {
                $crate::object::validate_settings::<$rule>(payload)
            }
        }

        #[cfg(all(target_arch = "wasm32", feature = "wapc-export"))]
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            use $crate::wapc_guest::register_function;
            register_function("validate", |payload: &[u8]| {
                Ok($crate::object::validate::<$rule>(payload))
            });
            register_function("validate_settings", |payload: &[u8]| {
                Ok($crate::object::validate_settings::<$rule>(payload))
            });
            $crate::register_common();
        }
    };
}

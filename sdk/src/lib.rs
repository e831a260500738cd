//! The Palisade SDK: everything a pod-security rule shares.
//!
//! Rules over other objects (Services, Ingresses, metadata) implement
//! [`ObjectRule`] instead and export with [`export_object_rule!`].
//!
//! A rule is a type implementing [`Rule`]: its settings and a `check` over
//! one [`Pod`]. The SDK reads the request, finds the pod in any workload
//! kind, applies exemptions, compares with the old object on UPDATE, turns
//! fixes into mutations and builds the response. [`export_rule!`] registers
//! the waPC entry points in one line.

pub mod bundle;
pub mod capabilities;
pub mod de;
mod engine;
pub mod image;
pub mod k8s;
pub mod object;
pub mod path;
pub mod pod;
pub mod ports;
pub mod profile;
pub mod quantity;
pub mod report;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;

pub use engine::{Bound, Member, validate, validate_response, validate_settings};
pub use object::{KubeObject, Object, ObjectMeta, ObjectRule, Resource};
pub use path::FieldPath;
pub use pod::{
    ContainerKind, ContainerRef, Level, LocatedPod, POD_KINDS, Pod, PodLocation,
    SECURITY_ANNOTATIONS,
};
pub use report::{Change, Report};
pub use settings::{Exemptions, RuleSettings, Settings, SettingsError, parse_settings};

#[doc(hidden)]
pub use kubewarden_policy_sdk;
#[doc(hidden)]
pub use wapc_guest;

/// A pod-security rule.
pub trait Rule {
    /// The rule's name, as it appears in messages (`no-privilege`).
    const NAME: &'static str;
    /// Prefixes of the pod annotations the rule reads (seccomp, AppArmor);
    /// only those are parsed, and only for rules that name some.
    const ANNOTATIONS: &'static [&'static str] = &[];
    type Settings: RuleSettings + 'static;

    /// Reports every violation and fix for one pod.
    fn check(settings: &Self::Settings, pod: &Pod, report: &mut Report);
}

/// A module's two entry points, for every pod rule and, through
/// [`export_object_rule!`], every object rule: what tests and the bundle's
/// one-member runs call.
pub trait Module {
    const NAME: &'static str;
    fn validate(payload: &[u8]) -> Vec<u8>;
    fn validate_settings(payload: &[u8]) -> Vec<u8>;
}

impl<R: Rule> Module for R {
    const NAME: &'static str = R::NAME;
    fn validate(payload: &[u8]) -> Vec<u8> {
        validate::<R>(payload)
    }
    fn validate_settings(payload: &[u8]) -> Vec<u8> {
        validate_settings::<R>(payload)
    }
}

/// Registers the waPC functions for a rule. Expands to nothing unless the
/// crate is built for wasm32 with its `wapc-export` feature (on by default),
/// so rules can also be linked together as plain libraries.
#[macro_export]
macro_rules! export_rule {
    ($rule:ty) => {
        #[cfg(all(target_arch = "wasm32", feature = "wapc-export"))]
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            use $crate::wapc_guest::register_function;
            register_function("validate", |payload: &[u8]| {
                Ok($crate::validate::<$rule>(payload))
            });
            register_function("validate_settings", |payload: &[u8]| {
                Ok($crate::validate_settings::<$rule>(payload))
            });
            $crate::register_common();
        }
    };
}

/// The waPC functions every module registers besides its own `validate`
/// and `validate_settings`: Kubewarden's `protocol_version`, and
/// `memory_pages` (linear memory size, for the benchmark's leak check).
#[doc(hidden)]
#[cfg(target_arch = "wasm32")]
pub fn register_common() {
    wapc_guest::register_function(
        "protocol_version",
        kubewarden_policy_sdk::protocol_version_guest,
    );
    wapc_guest::register_function("memory_pages", |_: &[u8]| {
        Ok(core::arch::wasm32::memory_size(0).to_string().into_bytes())
    });
}

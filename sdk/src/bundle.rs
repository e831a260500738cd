//! A bundle: a whole profile in one module. Its settings are the profile
//! (`profiles/<name>.yml` as JSON); every request is parsed once and every
//! member rule runs on that one parse, answering as the separate modules
//! would together.

use crate::engine::{
    Member, ValidationRequest, accept, bad_request, evaluate, settings_response, to_json,
};
use crate::settings::SettingsError;
use kubewarden_policy_sdk::response::ValidationResponse;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Builds a rule from its settings text: `Bound::<Rule>::parse`.
pub type Binder = fn(&str) -> Result<Box<dyn Member>, SettingsError>;

/// The rules a bundle can run, by policy name.
pub type Catalogue = [(&'static str, Binder)];

/// How the bundle names itself in messages.
const NAME: &str = "bundle";

/// A profile, as the bundle's settings give it. `name`, `title`, `source`
/// and `description` are accepted (and not used) so that a profile file
/// works unchanged.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ProfileSettings {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    description: Option<String>,
    /// Given to every member as its `exempt_namespaces`.
    #[serde(default)]
    exempt_namespaces: Vec<String>,
    rules: Vec<MemberSettings>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberSettings {
    policy: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    settings: Option<Map<String, Value>>,
    /// The rule's deployment mode in a converted profile (`monitor` or
    /// `protect`): the manifests' business, accepted and not used here.
    #[serde(default)]
    #[allow(dead_code)]
    mode: Option<String>,
}

/// The members of a bundle, in profile order, with their settings parsed.
pub struct Bundle {
    members: Vec<Box<dyn Member>>,
}

impl Bundle {
    /// Parses a profile; an error names the member (`rules[3]`, its name)
    /// and the field.
    pub fn parse(raw: &str, catalogue: &Catalogue) -> Result<Self, SettingsError> {
        let mut reader = serde_json::Deserializer::from_str(raw);
        let profile: ProfileSettings = serde_path_to_error::deserialize(&mut reader)
            .map_err(|e| SettingsError::new(e.path().to_string(), e.into_inner().to_string()))?;
        if profile.rules.is_empty() {
            return Err(SettingsError::new(
                "rules",
                "a bundle needs at least one rule",
            ));
        }
        let mut names: Vec<&str> = Vec::new();
        let mut members = Vec::with_capacity(profile.rules.len());
        for (i, rule) in profile.rules.iter().enumerate() {
            let name = rule.name.as_deref().unwrap_or(&rule.policy);
            if names.contains(&name) {
                return Err(SettingsError::new(
                    format!("rules[{i}].name"),
                    format!("{name:?} names two members; give one a distinct `name`"),
                ));
            }
            names.push(name);
            let Some((_, bind)) = catalogue.iter().find(|(policy, _)| *policy == rule.policy)
            else {
                let known: Vec<&str> = catalogue.iter().map(|(policy, _)| *policy).collect();
                return Err(SettingsError::new(
                    format!("rules[{i}].policy"),
                    format!(
                        "unknown policy {:?}; known: {}",
                        rule.policy,
                        known.join(", ")
                    ),
                ));
            };
            let settings = member_settings(i, rule, &profile.exempt_namespaces)?;
            // `rules[1].settings (proc-mount): procMount: ...`: where, which
            // member, then the member's own error as its module gives it.
            let member = bind(&Value::Object(settings).to_string()).map_err(|e| {
                let message = match e.field.as_str() {
                    "" | "." => e.message,
                    field => format!("{field}: {}", e.message),
                };
                SettingsError::new(format!("rules[{i}].settings ({name})"), message)
            })?;
            members.push(member);
        }
        Ok(Self { members })
    }

    pub fn members(&self) -> Vec<&dyn Member> {
        self.members.iter().map(AsRef::as_ref).collect()
    }
}

/// A member's settings with the profile-wide exempt namespaces added, as
/// `palisade run --profile` and the generated manifests give them.
fn member_settings(
    i: usize,
    rule: &MemberSettings,
    exempt_namespaces: &[String],
) -> Result<Map<String, Value>, SettingsError> {
    let mut settings = rule.settings.clone().unwrap_or_default();
    if !exempt_namespaces.is_empty() {
        if let Some(key) = ["exempt_namespaces", "excludedNamespaces"]
            .into_iter()
            .find(|key| settings.contains_key(*key))
        {
            return Err(SettingsError::new(
                format!("rules[{i}].settings.{key}"),
                "the profile sets exempt_namespaces for every member; set them in one place",
            ));
        }
        let namespaces = exempt_namespaces.iter().cloned().map(Value::String);
        settings.insert(
            "exempt_namespaces".into(),
            Value::Array(namespaces.collect()),
        );
    }
    Ok(settings)
}

thread_local! {
    /// The last bundle parsed: the host sends the same settings every time.
    static CACHE: RefCell<Option<(Box<str>, Rc<Bundle>)>> = const { RefCell::new(None) };
}

fn cached(raw: &str, catalogue: &Catalogue) -> Result<Rc<Bundle>, SettingsError> {
    let hit = CACHE.with_borrow(|cache| {
        cache
            .as_ref()
            .filter(|(text, _)| **text == *raw)
            .map(|(_, bundle)| Rc::clone(bundle))
    });
    if let Some(bundle) = hit {
        return Ok(bundle);
    }
    let bundle = Rc::new(Bundle::parse(raw, catalogue)?);
    CACHE.set(Some((raw.into(), Rc::clone(&bundle))));
    Ok(bundle)
}

/// waPC `validate` of a bundle.
pub fn validate(payload: &[u8], catalogue: &Catalogue) -> Vec<u8> {
    to_json(&validate_response(payload, catalogue))
}

/// The bundle's whole evaluation, as a response value.
pub fn validate_response(payload: &[u8], catalogue: &Catalogue) -> ValidationResponse {
    let request: ValidationRequest = match serde_json::from_slice(payload) {
        Ok(request) => request,
        Err(e) => return bad_request(format!("{NAME}: cannot read the request: {e}")),
    };
    let raw_settings = request.settings.map_or("{}", RawValue::get);
    let bundle = match cached(raw_settings, catalogue) {
        Ok(bundle) => bundle,
        Err(e) => return bad_request(format!("{NAME}: {e}")),
    };
    let members = bundle.members();
    if members.is_empty() {
        return accept(Vec::new());
    }
    evaluate(request.request, &members, NAME, payload)
}

/// waPC `validate_settings` of a bundle: every member's settings checked.
pub fn validate_settings(payload: &[u8], catalogue: &Catalogue) -> Vec<u8> {
    let parsed = std::str::from_utf8(payload)
        .map_err(|e| SettingsError::new("", e.to_string()))
        .and_then(|raw| Bundle::parse(raw, catalogue).map(|_| ()));
    settings_response(NAME, parsed)
}

/// Registers the waPC functions of a bundle over a catalogue of rules.
#[macro_export]
macro_rules! export_bundle {
    ($catalogue:expr) => {
        #[cfg(target_arch = "wasm32")]
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn wapc_init() {
            use $crate::wapc_guest::register_function;
            register_function("validate", |payload: &[u8]| {
                Ok($crate::bundle::validate(payload, $catalogue))
            });
            register_function("validate_settings", |payload: &[u8]| {
                Ok($crate::bundle::validate_settings(payload, $catalogue))
            });
            $crate::register_common();
        }
    };
}

//! Settings: strict parsing, errors that name the field, and the exemptions
//! every rule accepts.

use glob::Pattern;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt;

/// A rule's own settings. Rule settings structs derive `Deserialize` with
/// `#[serde(deny_unknown_fields)]`, so a misspelt setting is refused rather
/// than silently ignored.
pub trait RuleSettings: DeserializeOwned + Default {
    /// Checks that need more than one field (ranges, conflicts).
    fn validate(&self) -> Result<(), SettingsError> {
        Ok(())
    }

    /// True when the user asked the rule to reject instead of mutating.
    fn validate_only(&self) -> bool {
        false
    }
}

/// A settings error that names the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    pub field: String,
    pub message: String,
}

impl SettingsError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() || self.field == "." {
            write!(f, "invalid settings: {}", self.message)
        } else {
            write!(f, "invalid settings: {}: {}", self.field, self.message)
        }
    }
}

/// The exemptions shared by every rule. An exempt namespace accepts the
/// whole request; an exempt container is skipped by the container walk.
#[derive(Debug, Default)]
pub struct Exemptions {
    pub namespaces: Vec<String>,
    pub container_names: Vec<String>,
    pub images: Vec<Pattern>,
    /// `exempt_windows_pods`: pods with `spec.os.name: windows` are not
    /// checked, for Linux-only controls (PSS restricted skips them so).
    pub windows_pods: bool,
}

impl Exemptions {
    pub fn namespace(&self, namespace: &str) -> bool {
        self.namespaces.iter().any(|n| n == namespace)
    }

    /// Names compare exactly; image patterns are anchored globs over the
    /// image reference as written in the pod (`registry.example.com/debug/*`).
    pub fn container(&self, name: &str, image: Option<&str>) -> bool {
        self.container_names.iter().any(|n| n == name)
            || image.is_some_and(|image| self.images.iter().any(|p| p.matches(image)))
    }
}

/// A rule's settings together with the common exemptions.
#[derive(Debug, Default)]
pub struct Settings<S> {
    pub rule: S,
    pub exemptions: Exemptions,
}

/// (Kubewarden-style name, Azure parameter name) of each exemption.
const NAMESPACES: (&str, &str) = ("exempt_namespaces", "excludedNamespaces");
const CONTAINER_NAMES: (&str, &str) = ("exempt_container_names", "excludedContainers");
const IMAGES: (&str, &str) = ("exempt_images", "excludedImages");
const WINDOWS_PODS: &str = "exempt_windows_pods";

/// Parses settings JSON (`null` or `{}` mean defaults) into the rule's
/// settings and the exemptions, then runs the rule's own checks.
pub fn parse_settings<S: RuleSettings>(raw: &str) -> Result<Settings<S>, SettingsError> {
    let value: Value = serde_json::from_slice(raw.as_bytes())
        .map_err(|e| SettingsError::new("", e.to_string()))?;
    let mut map = match value {
        Value::Null => Map::new(),
        Value::Object(map) => map,
        other => {
            return Err(SettingsError::new(
                "",
                format!("settings must be an object, not {}", kind_of(&other)),
            ));
        }
    };
    let namespaces = take_strings(&mut map, NAMESPACES)?;
    let container_names = take_strings(&mut map, CONTAINER_NAMES)?;
    let image_patterns = take_strings(&mut map, IMAGES)?;
    let windows_pods = match map.remove(WINDOWS_PODS) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            let found = kind_of(&other);
            return Err(SettingsError::new(
                WINDOWS_PODS,
                format!("expected a boolean, found {found}"),
            ));
        }
    };
    let mut images = Vec::with_capacity(image_patterns.len());
    for (i, pattern) in image_patterns.iter().enumerate() {
        let compiled = Pattern::new(pattern).map_err(|e| {
            SettingsError::new(
                format!("{}[{i}]", IMAGES.0),
                format!("bad pattern {pattern:?}: {e}"),
            )
        })?;
        images.push(compiled);
    }
    let rule: S = serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let field = e.path().to_string();
        SettingsError::new(field, e.into_inner().to_string())
    })?;
    rule.validate()?;
    Ok(Settings {
        rule,
        exemptions: Exemptions {
            namespaces,
            container_names,
            images,
            windows_pods,
        },
    })
}

/// Removes an exemption list from the settings map, under either spelling.
fn take_strings(
    map: &mut Map<String, Value>,
    (name, azure_name): (&str, &str),
) -> Result<Vec<String>, SettingsError> {
    let value = match (map.remove(name), map.remove(azure_name)) {
        (Some(_), Some(_)) => {
            return Err(SettingsError::new(
                name,
                format!("set both `{name}` and `{azure_name}`; use one"),
            ));
        }
        (Some(v), None) => v,
        (None, Some(v)) => return strings(azure_name, v),
        (None, None) => return Ok(Vec::new()),
    };
    strings(name, value)
}

fn strings(field: &str, value: Value) -> Result<Vec<String>, SettingsError> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.is_empty() => Ok(s),
                other => Err(SettingsError::new(
                    format!("{field}[{i}]"),
                    format!("expected a non-empty string, found {}", kind_of(&other)),
                )),
            })
            .collect(),
        other => Err(SettingsError::new(
            field,
            format!("expected a list of strings, found {}", kind_of(&other)),
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Demo {
        #[serde(default)]
        flag: bool,
        #[serde(default)]
        names: Vec<String>,
    }

    impl RuleSettings for Demo {
        fn validate(&self) -> Result<(), SettingsError> {
            if self.names.iter().any(|n| n == "bad") {
                return Err(SettingsError::new("names", "`bad` is not allowed"));
            }
            Ok(())
        }
    }

    #[test]
    fn empty_and_null_settings_are_defaults() {
        for raw in ["{}", "null"] {
            let s = parse_settings::<Demo>(raw).unwrap();
            assert!(!s.rule.flag);
            assert!(s.exemptions.namespaces.is_empty());
        }
    }

    #[test]
    fn unknown_setting_is_refused_by_name() {
        let err = parse_settings::<Demo>(r#"{"flga": true}"#).unwrap_err();
        assert!(err.to_string().contains("flga"), "{err}");
    }

    #[test]
    fn type_error_names_the_field() {
        let err = parse_settings::<Demo>(r#"{"names": ["a", 3]}"#).unwrap_err();
        assert_eq!(err.field, "names[1]");
        let err = parse_settings::<Demo>(r#"{"exempt_namespaces": "kube-system"}"#).unwrap_err();
        assert_eq!(err.field, "exempt_namespaces");
    }

    #[test]
    fn rule_validation_runs() {
        let err = parse_settings::<Demo>(r#"{"names": ["bad"]}"#).unwrap_err();
        assert_eq!(err.field, "names");
    }

    #[test]
    fn non_object_settings_are_refused() {
        assert!(parse_settings::<Demo>("[]").is_err());
        assert!(parse_settings::<Demo>("{").is_err());
    }

    #[test]
    fn exemptions_in_both_spellings() {
        let s = parse_settings::<Demo>(
            r#"{"excludedNamespaces": ["kube-system"], "exempt_container_names": ["debug"],
                "excludedImages": ["registry.example.com/debug/*"]}"#,
        )
        .unwrap();
        assert!(s.exemptions.namespace("kube-system"));
        assert!(!s.exemptions.namespace("default"));
        assert!(s.exemptions.container("debug", None));
        assert!(
            s.exemptions
                .container("x", Some("registry.example.com/debug/tool:1"))
        );
        assert!(
            !s.exemptions
                .container("x", Some("registry.example.com.evil.io/debug/tool"))
        );
        assert!(!s.exemptions.container("x", Some("nginx")));
        let err =
            parse_settings::<Demo>(r#"{"excludedNamespaces": ["a"], "exempt_namespaces": ["b"]}"#)
                .unwrap_err();
        assert!(err.to_string().contains("excludedNamespaces"), "{err}");
    }

    #[test]
    fn bad_image_pattern_is_refused() {
        let err = parse_settings::<Demo>(r#"{"exempt_images": ["[abc"]}"#).unwrap_err();
        assert_eq!(err.field, "exempt_images[0]");
    }
}

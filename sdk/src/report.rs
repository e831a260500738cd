//! What a rule finds: violations, and fixes the SDK applies as mutations.

use crate::path::{FieldPath, Segment};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub path: FieldPath,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A denial's message: the rule, then each violation as `path: message`,
/// separated by `; `.
pub fn rejection_message(rule: &str, violations: &[Violation]) -> String {
    let listed: Vec<String> = violations.iter().map(ToString::to_string).collect();
    format!("{rule}: {}", listed.join("; "))
}

/// The field paths a [`rejection_message`] names, in order: for tests and
/// tools that read a denial back. A path is the text before the first `: `
/// of a listed violation: it holds no space and has more than one segment
/// (every place in an object does), so text after a `; ` inside a
/// violation's own message (`...; allowed: x`) is not taken for a path.
pub fn rejection_paths<'m>(rule: &str, message: &'m str) -> Vec<&'m str> {
    let Some(listed) = message
        .strip_prefix(rule)
        .and_then(|rest| rest.strip_prefix(": "))
    else {
        return Vec::new();
    };
    listed
        .split("; ")
        .filter_map(|item| item.split_once(": ").map(|(path, _)| path))
        .filter(|path| {
            path.starts_with(|c: char| c.is_ascii_alphabetic())
                && path.contains(['.', '['])
                && !path.contains(char::is_whitespace)
        })
        .collect()
}

/// An edit of the admitted object.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Set the field, creating missing parent objects.
    Set(Value),
    /// Append to the list unless an equal item is there, creating the list.
    Append(Value),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub path: FieldPath,
    pub change: Change,
    /// Why; becomes the violation message when mutation is off.
    pub reason: String,
}

impl std::fmt::Display for Fix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.change {
            Change::Set(value) => write!(f, "set {} to {value}", self.path),
            Change::Append(value) => write!(f, "added {value} to {}", self.path),
        }
    }
}

/// Collects a rule's findings.
#[derive(Debug, Default)]
pub struct Report {
    pub violations: Vec<Violation>,
    pub fixes: Vec<Fix>,
    mutate: bool,
}

impl Report {
    /// `mutate: false` (the rule's `validate_only`) turns every fix into a violation.
    pub fn new(mutate: bool) -> Self {
        Self {
            mutate,
            ..Self::default()
        }
    }

    pub fn violation(&mut self, path: FieldPath, message: impl Into<String>) {
        self.violations.push(Violation {
            path,
            message: message.into(),
        });
    }

    pub fn fix(&mut self, path: FieldPath, change: Change, reason: impl Into<String>) {
        let reason = reason.into();
        if self.mutate {
            self.fixes.push(Fix {
                path,
                change,
                reason,
            });
        } else {
            self.violation(path, reason);
        }
    }

    pub fn is_clean(&self) -> bool {
        self.violations.is_empty() && self.fixes.is_empty()
    }
}

/// Applies fixes to the object in place; every other field is left as it was.
pub fn apply_fixes(object: &mut Value, fixes: &[Fix]) -> Result<(), String> {
    for fix in fixes {
        apply(object, fix).map_err(|e| format!("cannot {fix}: {e}"))?;
    }
    Ok(())
}

fn apply(object: &mut Value, fix: &Fix) -> Result<(), String> {
    let Some((last, parents)) = fix.path.segments().split_last() else {
        return Err("empty path".into());
    };
    let mut node = object;
    for segment in parents {
        node = child(node, segment)?;
    }
    let Segment::Key(key) = last else {
        return Err("a fix must name a field".into());
    };
    let parent = as_object(node)?;
    match &fix.change {
        Change::Set(value) => {
            parent.insert(key.to_string(), value.clone());
        }
        Change::Append(value) => {
            let list = parent
                .entry(key.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if list.is_null() {
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else {
                return Err(format!("{key} is not a list"));
            };
            if !items.contains(value) {
                items.push(value.clone());
            }
        }
    }
    Ok(())
}

/// The child at `segment`, creating an empty object for a missing or null key.
fn child<'v>(node: &'v mut Value, segment: &Segment) -> Result<&'v mut Value, String> {
    match segment {
        Segment::Key(key) => {
            let entry = as_object(node)?
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if entry.is_null() {
                *entry = Value::Object(Map::new());
            }
            Ok(entry)
        }
        Segment::Index(index) => match node {
            Value::Array(items) => items
                .get_mut(*index)
                .ok_or_else(|| format!("index {index} is out of range")),
            _ => Err(format!("expected a list at index {index}")),
        },
    }
}

fn as_object(node: &mut Value) -> Result<&mut Map<String, Value>, String> {
    if node.is_null() {
        *node = Value::Object(Map::new());
    }
    match node {
        Value::Object(map) => Ok(map),
        _ => Err("expected an object".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn container_path() -> FieldPath {
        FieldPath::root().keys(&["spec", "containers"]).index(0)
    }

    #[test]
    fn set_creates_parents_and_keeps_everything_else() {
        let mut object = json!({"spec": {"containers": [{"name": "a", "x-unknown": {"k": 1},
            "securityContext": null}]}, "status": {"z": true}});
        let fix = Fix {
            path: container_path().keys(&["securityContext", "runAsNonRoot"]),
            change: Change::Set(json!(true)),
            reason: String::new(),
        };
        apply_fixes(&mut object, &[fix]).unwrap();
        assert_eq!(
            object,
            json!({"spec": {"containers": [{"name": "a", "x-unknown": {"k": 1},
                "securityContext": {"runAsNonRoot": true}}]}, "status": {"z": true}})
        );
    }

    #[test]
    fn append_adds_once() {
        let mut object = json!({"spec": {"containers": [{"securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}]}});
        let path = container_path().keys(&["securityContext", "capabilities", "drop"]);
        let fixes = [
            Fix {
                path: path.clone(),
                change: Change::Append(json!("NET_RAW")),
                reason: String::new(),
            },
            Fix {
                path: path.clone(),
                change: Change::Append(json!("ALL")),
                reason: String::new(),
            },
        ];
        apply_fixes(&mut object, &fixes).unwrap();
        assert_eq!(
            object["spec"]["containers"][0]["securityContext"]["capabilities"]["drop"],
            json!(["NET_RAW", "ALL"])
        );
    }

    #[test]
    fn impossible_fix_is_an_error_not_a_panic() {
        let mut object = json!({"spec": {"containers": "oops"}});
        let fix = Fix {
            path: container_path().key("x"),
            change: Change::Set(json!(1)),
            reason: String::new(),
        };
        assert!(apply_fixes(&mut object, &[fix]).is_err());
    }

    #[test]
    fn rejection_paths_read_back_every_path_and_nothing_else() {
        let violations = [
            Violation {
                path: container_path().key("procMount"),
                message: "must not use \"Unmasked\"; allowed: Default".into(),
            },
            Violation {
                path: FieldPath::root()
                    .keys(&["metadata", "annotations"])
                    .key("container.apparmor.security.beta.kubernetes.io/app"),
                message: "Allowed profiles: [runtime/default]".into(),
            },
        ];
        let message = rejection_message("rule", &violations);
        let paths = rejection_paths("rule", &message);
        assert_eq!(paths.len(), 2, "{message}");
        assert_eq!(paths[0], "spec.containers[0].procMount");
        assert!(paths[1].starts_with("metadata.annotations"), "{paths:?}");
        assert!(rejection_paths("other", &message).is_empty());
    }

    #[test]
    fn validate_only_turns_fixes_into_violations() {
        let mut report = Report::new(false);
        report.fix(container_path(), Change::Set(json!(1)), "must be set");
        assert!(report.fixes.is_empty());
        assert_eq!(report.violations[0].message, "must be set");
    }
}

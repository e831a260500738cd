//! YAML out: block style, as kubectl prints it, for the mutation diff and
//! the settings editor. A string that plain YAML could read as something
//! else (a number, a boolean, null, a flow or block indicator) is written
//! double-quoted, as JSON writes it, which YAML reads the same.

use serde_json::Value;

/// A value as a YAML document (ending in a newline).
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => mapping(map, 0, &mut out),
        Value::Array(items) if !items.is_empty() => sequence(items, 0, &mut out),
        other => {
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
    out
}

fn pad(indent: usize, out: &mut String) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A mapping's entries, each on its own line at `indent`.
fn mapping(map: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (i, (key, value)) in map.iter().enumerate() {
        // The first entry of a list item follows its dash.
        if i > 0 || !out.ends_with("- ") {
            pad(indent, out);
        }
        out.push_str(&string(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                mapping(inner, indent + 2, out);
            }
            // kubectl's style: a list at its key's indent.
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                sequence(items, indent, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

/// A sequence's items, each `- ` at `indent`.
fn sequence(items: &[Value], indent: usize, out: &mut String) {
    for item in items {
        if !out.ends_with("- ") {
            pad(indent, out);
        }
        out.push_str("- ");
        match item {
            Value::Object(inner) if !inner.is_empty() => mapping(inner, indent + 2, out),
            Value::Array(inner) if !inner.is_empty() => sequence(inner, indent + 2, out),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => string(text),
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}

/// A string, plain when YAML reads it back as this string, else quoted.
fn string(text: &str) -> String {
    let plain = !text.is_empty()
        && text.trim() == text
        && !text
            .starts_with(|c: char| c.is_ascii_digit() || "-+.?:,[]{}#&*!|>'\"%@`~=<".contains(c))
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !text.contains(|c: char| c.is_control())
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "null"
        );
    if plain {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_back_as_written() {
        let value = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "labels": {}, "annotations": {"a.b/c": "yes", "n": "0755"}},
            "spec": {"containers": [
                {"name": "a", "image": "nginx:1.14.2", "args": ["-c", "echo: hi", "# not a comment", ""],
                 "securityContext": {"runAsUser": 0, "privileged": true, "capabilities": {"drop": ["ALL"]}}},
                {"name": "b", "ports": [], "env": [{"name": "X", "value": "line\nbreak"}]}
            ], "nested": [[1, 2], [], [{"k": null}]], "f": 1.5, "t": "True", "s": " padded"}
        });
        let text = to_string(&value);
        let back: Value = serde_norway::from_str(&text).unwrap_or_default();
        assert_eq!(back, value, "{text}");
        assert!(
            text.contains("\n  containers:\n  - name: a\n    image: nginx:1.14.2\n"),
            "{text}"
        );
        assert_eq!(to_string(&json!({})), "{}\n");
    }
}

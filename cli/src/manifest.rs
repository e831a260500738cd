//! Kubernetes objects read from manifest files: multi-document YAML, JSON,
//! and `List` kinds (as `kubectl get -o yaml` prints them), each with the
//! file and line it starts at.

use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;

/// One object read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    /// `FILE: document N` (`, item M` inside a List).
    pub origin: String,
    /// `FILE:LINE`, the line the document's content starts at (with
    /// ` items[i]` inside a List).
    pub location: String,
    /// The file (`stdin` for `-`) and that line.
    pub file: String,
    pub line: usize,
}

/// Every object of a multi-document YAML or JSON file (`-` is stdin); a
/// `List` (or `*List`) is replaced by its items. A document that is not
/// YAML fails the whole file.
pub fn read_documents(path: &Path) -> Result<Vec<Document>> {
    let (text, name) = read_text(path)?;
    parse_documents(&text, &name)
}

/// Like [`read_documents`], but each document stands alone: one that is not
/// YAML is an [`Unreadable`] in its place and the others are still read.
pub fn read_each_document(path: &Path) -> Result<Vec<Result<Document, Unreadable>>> {
    let (text, name) = read_text(path)?;
    Ok(parse_each_document(&text, &name))
}

/// The text of a file (`-` is stdin) and the name to give it in messages.
fn read_text(path: &Path) -> Result<(String, String)> {
    Ok(if path == Path::new("-") {
        (
            std::io::read_to_string(std::io::stdin()).context("reading stdin")?,
            "stdin".to_owned(),
        )
    } else {
        (
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
            path.display().to_string(),
        )
    })
}

/// A document that is not YAML (or is nested too deep): where it starts and
/// why it was refused.
#[derive(Debug)]
pub struct Unreadable {
    /// `FILE:LINE`, as [`Document::location`].
    pub location: String,
    pub file: String,
    pub line: usize,
    /// `FILE:LINE: document N: parsing`, with the parser's reason as cause.
    pub error: anyhow::Error,
}

/// The YAML documents of `text` with the line (1-based) each starts at:
/// split at `---` lines, the first line counted that is neither blank nor
/// a comment.
fn split(text: &str) -> Vec<(usize, String)> {
    let mut documents = Vec::new();
    let mut current = String::new();
    let mut start = None;
    for (index, line) in text.lines().enumerate() {
        let separator = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        if separator {
            documents.push((start.unwrap_or(index + 1), std::mem::take(&mut current)));
            start = None;
            continue;
        }
        let trimmed = line.trim();
        if start.is_none() && !trimmed.is_empty() && !trimmed.starts_with('#') {
            start = Some(index + 1);
        }
        current.push_str(line);
        current.push('\n');
    }
    documents.push((start.unwrap_or(1), current));
    documents
}

/// Flow nesting (`[` and `{`) beyond which a document is refused unread:
/// the YAML scanner's time grows with the square of the depth (200,000
/// levels took two minutes), and the parser refuses anything deeper than
/// 128 levels anyway.
const MAX_FLOW_DEPTH: usize = 1000;

/// The deepest run of unclosed brackets in `text`, strings included: an
/// upper bound on its flow nesting, cheap to take before parsing.
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in text.bytes() {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// One YAML (or JSON) document from outside, refused unread when nested
/// deeper than [`MAX_FLOW_DEPTH`].
pub fn from_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    if flow_depth(text) > MAX_FLOW_DEPTH {
        anyhow::bail!("nested deeper than {MAX_FLOW_DEPTH} levels of [ and {{");
    }
    Ok(serde_norway::from_str(text)?)
}

/// [`read_documents`] on text already read; `name` names it in errors.
pub fn parse_documents(text: &str, name: &str) -> Result<Vec<Document>> {
    parse_each_document(text, name)
        .into_iter()
        .map(|parsed| parsed.map_err(|unreadable| unreadable.error))
        .collect()
}

/// [`read_each_document`] on text already read.
pub fn parse_each_document(text: &str, name: &str) -> Vec<Result<Document, Unreadable>> {
    let mut out = Vec::new();
    let mut number = 0;
    for (line, document) in split(text) {
        let location = format!("{name}:{line}");
        let value: Value = match from_yaml(&document) {
            Ok(value) => value,
            Err(error) => {
                number += 1;
                out.push(Err(Unreadable {
                    error: error.context(format!("{location}: document {number}: parsing")),
                    location,
                    file: name.to_owned(),
                    line,
                }));
                continue;
            }
        };
        if value.is_null() {
            continue;
        }
        number += 1;
        let origin = format!("{name}: document {number}");
        if is_list(&value) {
            let items = value
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, item) in items.into_iter().enumerate() {
                out.push(Ok(Document {
                    value: item,
                    origin: format!("{origin}, item {}", i + 1),
                    location: format!("{location} items[{i}]"),
                    file: name.to_owned(),
                    line,
                }));
            }
        } else {
            out.push(Ok(Document {
                value,
                origin,
                location,
                file: name.to_owned(),
                line,
            }));
        }
    }
    out
}

fn is_list(value: &Value) -> bool {
    value
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k == "List" || k.ends_with("List"))
        && value.get("items").is_some_and(Value::is_array)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn documents_know_their_line_and_lists_their_items() {
        let text = "# a comment\napiVersion: v1\nkind: Pod\n---\n\n---\n# the list\nkind: List\napiVersion: v1\nitems:\n- {kind: Pod}\n- {kind: Service}\n--- # trailing\n{\"kind\": \"Deployment\"}\n";
        let documents = parse_documents(text, "f.yaml").unwrap();
        let found: Vec<(&str, &str, &str)> = documents
            .iter()
            .map(|d| {
                (
                    d.value["kind"].as_str().unwrap(),
                    d.location.as_str(),
                    d.origin.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("Pod", "f.yaml:2", "f.yaml: document 1"),
                ("Pod", "f.yaml:8 items[0]", "f.yaml: document 2, item 1"),
                ("Service", "f.yaml:8 items[1]", "f.yaml: document 2, item 2"),
                ("Deployment", "f.yaml:14", "f.yaml: document 3"),
            ]
        );
        let error = parse_documents("a: [", "bad.yaml").unwrap_err();
        assert!(format!("{error:#}").starts_with("bad.yaml:1: document 1: parsing"));
    }

    /// Read one by one, a document that is not YAML takes its place in the
    /// order and the documents after it are still read.
    #[test]
    fn each_document_stands_alone() {
        let text = "kind: Pod\n---\na: [\n---\nkind: Service\n";
        let parsed = parse_each_document(text, "f.yaml");
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].as_ref().unwrap().value["kind"], "Pod");
        let unreadable = parsed[1].as_ref().unwrap_err();
        assert_eq!(
            (unreadable.location.as_str(), unreadable.line),
            ("f.yaml:3", 3)
        );
        assert!(
            format!("{:#}", unreadable.error).starts_with("f.yaml:3: document 2: parsing: "),
            "{:#}",
            unreadable.error
        );
        let service = parsed[2].as_ref().unwrap();
        assert_eq!(
            (service.value["kind"].as_str(), service.origin.as_str()),
            (Some("Service"), "f.yaml: document 3")
        );
        let error = parse_documents(text, "f.yaml").unwrap_err();
        assert!(format!("{error:#}").starts_with("f.yaml:3: document 2: parsing: "));
    }

    /// Deep nesting is refused before the YAML scanner, whose time grows
    /// with the square of the depth; wide documents are read.
    #[test]
    fn deeply_nested_documents_are_refused_at_once() {
        let deep = format!(
            "kind: Pod
---
a: {}{}
",
            "[".repeat(200_000),
            "]".repeat(200_000)
        );
        let start = std::time::Instant::now();
        let error = parse_documents(&deep, "deep.yaml").unwrap_err();
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(
            format!("{error:#}"),
            "deep.yaml:3: document 2: parsing: nested deeper than 1000 levels of [ and {"
        );
        let wide = format!(
            "a: [{}0]
",
            "[], {}, ".repeat(100_000)
        );
        assert_eq!(parse_documents(&wide, "wide.yaml").unwrap().len(), 1);
        // Brackets in strings count too: an upper bound, closed ones drop out.
        assert_eq!(flow_depth("a: '[['\nb: [x]"), 3);
        assert_eq!(flow_depth("a: '[]'\nb: [x]"), 1);
    }
}

//! Text in and out: YAML and JSON documents, the AdmissionRequest a
//! manifest makes, the mutation as a line diff, and the README settings
//! tables.

use crate::locate::Segment;
use serde_json::{Map, Value, json};

/// One YAML or JSON document; empty text is `null`.
pub fn parse_one(text: &str) -> Result<Value, String> {
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_norway::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// The 0-based line a YAML error names (`at line 3 column 5`).
pub fn error_line(message: &str) -> Option<usize> {
    let rest = message.split("line ").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<usize>().ok()?.checked_sub(1)
}

/// An AdmissionReview's request, or the value itself.
pub fn unwrap_review(value: Value) -> Value {
    match value {
        Value::Object(mut review) if review.get("kind") == Some(&json!("AdmissionReview")) => {
            review.remove("request").unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// A document of a manifest.
pub struct Document {
    pub kind: String,
    pub name: String,
    pub object: Value,
    /// A whole AdmissionRequest (or AdmissionReview) pasted as the document.
    pub request: Option<Value>,
    /// Its text and first line in the manifest (0-based).
    pub text: String,
    pub first_line: usize,
    /// Where the object sits in the document (`request.object` of a review).
    pub prefix: Vec<Segment>,
}

/// Every document of a manifest: `---` separated YAML, or JSON; a `List`
/// gives its items. Empty documents are skipped.
pub fn documents(manifest: &str) -> Result<Vec<Document>, String> {
    let mut chunks: Vec<(usize, String)> = vec![(0, String::new())];
    for (i, line) in manifest.lines().enumerate() {
        if line.starts_with("---")
            && line
                .get(3..)
                .is_none_or(|r| r.trim().is_empty() || r.starts_with(" #"))
        {
            chunks.push((i + 1, String::new()));
        } else if let Some((_, chunk)) = chunks.last_mut() {
            chunk.push_str(line);
            chunk.push('\n');
        }
    }
    let mut out = Vec::new();
    for (first_line, text) in chunks {
        let value = parse_one(&text).map_err(|e| match error_line(&e) {
            Some(line) => format!("line {}: {e}", first_line + line + 1),
            None => e,
        })?;
        match value {
            Value::Null => {}
            Value::Object(ref map) if map.get("kind") == Some(&json!("List")) => {
                for item in map
                    .get("items")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    out.push(document(
                        item.clone(),
                        String::new(),
                        first_line,
                        Vec::new(),
                    ));
                }
            }
            Value::Object(ref map) if map.get("kind") == Some(&json!("AdmissionReview")) => {
                let request = map.get("request").cloned().unwrap_or(Value::Null);
                let object = request.get("object").cloned().unwrap_or(Value::Null);
                let mut doc = document(
                    object,
                    text,
                    first_line,
                    vec![
                        Segment::Key("request".into()),
                        Segment::Key("object".into()),
                    ],
                );
                doc.request = Some(request);
                out.push(doc);
            }
            Value::Object(ref map)
                if map.contains_key("operation") && map.contains_key("object") =>
            {
                let object = map.get("object").cloned().unwrap_or(Value::Null);
                let mut doc = document(
                    object,
                    text,
                    first_line,
                    vec![Segment::Key("object".into())],
                );
                doc.request = Some(value.clone());
                out.push(doc);
            }
            object => out.push(document(object, text, first_line, Vec::new())),
        }
    }
    if out.is_empty() {
        return Err("the manifest has no document".into());
    }
    Ok(out)
}

fn document(object: Value, text: String, first_line: usize, prefix: Vec<Segment>) -> Document {
    let field = |path: &[&str]| {
        path.iter()
            .try_fold(&object, |v, k| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Document {
        kind: field(&["kind"]),
        name: field(&["metadata", "name"]),
        object: object.clone(),
        request: None,
        text,
        first_line,
        prefix,
    }
}

/// API groups and resources of the kinds the rules read; any other kind is
/// sent as the API server would name it, lower-case plural.
const KINDS: [(&str, &str, &str); 10] = [
    ("Pod", "", "pods"),
    ("ReplicationController", "", "replicationcontrollers"),
    ("PodTemplate", "", "podtemplates"),
    ("Deployment", "apps", "deployments"),
    ("ReplicaSet", "apps", "replicasets"),
    ("StatefulSet", "apps", "statefulsets"),
    ("DaemonSet", "apps", "daemonsets"),
    ("Job", "batch", "jobs"),
    ("CronJob", "batch", "cronjobs"),
    ("ConfigMap", "", "configmaps"),
];

/// The AdmissionRequest the API server sends for a manifest.
pub fn request_for(
    object: &Value,
    old_object: Option<&Value>,
    update: bool,
    namespace: Option<&str>,
) -> Value {
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let resource = KINDS.iter().find(|(k, _, _)| *k == kind).map_or_else(
        || format!("{}s", kind.to_lowercase()),
        |(_, _, r)| (*r).to_owned(),
    );
    let metadata = object.get("metadata");
    let namespace = metadata
        .and_then(|m| m.get("namespace"))
        .and_then(Value::as_str)
        .or(namespace)
        .unwrap_or("default");
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": group, "version": version, "resource": resource});
    let mut request = Map::new();
    request.insert("uid".into(), json!("00000000-0000-0000-0000-playground00"));
    request.insert("kind".into(), gvk.clone());
    request.insert("resource".into(), gvr.clone());
    request.insert("requestKind".into(), gvk);
    request.insert("requestResource".into(), gvr);
    request.insert("name".into(), json!(name));
    request.insert("namespace".into(), json!(namespace));
    request.insert(
        "operation".into(),
        json!(if update { "UPDATE" } else { "CREATE" }),
    );
    request.insert(
        "userInfo".into(),
        json!({"username": "playground", "groups": ["system:authenticated"]}),
    );
    request.insert("object".into(), object.clone());
    if update {
        request.insert(
            "oldObject".into(),
            old_object.cloned().unwrap_or(Value::Null),
        );
    }
    request.insert("dryRun".into(), json!(false));
    Value::Object(request)
}

/// The largest diff worked out line by line (old lines times new lines).
const DIFF_CELLS: usize = 4_000_000;

/// The object before and after its mutation, both as YAML, as a line diff:
/// `[[" ", line], ["-", line], ["+", line], ...]`.
pub fn yaml_diff(before: &Value, after: &Value) -> Value {
    let before = crate::yaml::to_string(before);
    let after = crate::yaml::to_string(after);
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    // Common head and tail first: mutations touch a few places.
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
        .min(a.len().saturating_sub(head))
        .min(b.len().saturating_sub(head));
    let (a_mid, b_mid) = (
        a.get(head..a.len() - tail).unwrap_or_default(),
        b.get(head..b.len() - tail).unwrap_or_default(),
    );
    let mut out: Vec<Value> = a.iter().take(head).map(|l| json!([" ", l])).collect();
    if a_mid.len().saturating_mul(b_mid.len()) > DIFF_CELLS {
        out.extend(a_mid.iter().map(|l| json!(["-", l])));
        out.extend(b_mid.iter().map(|l| json!(["+", l])));
    } else {
        out.extend(lcs_diff(a_mid, b_mid));
    }
    out.extend(a.iter().skip(a.len() - tail).map(|l| json!([" ", l])));
    Value::Array(out)
}

/// A longest-common-subsequence line diff.
fn lcs_diff(a: &[&str], b: &[&str]) -> Vec<Value> {
    let (n, m) = (a.len(), b.len());
    let width = m + 1;
    // table[i * width + j]: LCS length of a[i..] and b[j..].
    let mut table = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let value = if a.get(i) == b.get(j) {
                table.get((i + 1) * width + j + 1).copied().unwrap_or(0) + 1
            } else {
                let down = table.get((i + 1) * width + j).copied().unwrap_or(0);
                let right = table.get(i * width + j + 1).copied().unwrap_or(0);
                down.max(right)
            };
            if let Some(cell) = table.get_mut(i * width + j) {
                *cell = value;
            }
        }
    }
    let at = |i: usize, j: usize| table.get(i * width + j).copied().unwrap_or(0);
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                out.push(json!([" ", x]));
                i += 1;
                j += 1;
            }
            (Some(x), Some(_)) if at(i + 1, j) >= at(i, j + 1) => {
                out.push(json!(["-", x]));
                i += 1;
            }
            (_, Some(y)) => {
                out.push(json!(["+", y]));
                j += 1;
            }
            (Some(x), None) => {
                out.push(json!(["-", x]));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// A row of a README's settings table.
#[derive(serde::Serialize)]
pub struct SettingRow {
    pub name: String,
    #[serde(skip)]
    pub default: Option<Value>,
    /// The default and meaning columns, as written (Markdown).
    pub default_text: String,
    pub meaning: String,
}

/// The `## Settings` table of a rule's README: each setting's name (the
/// first spelling), its documented default (when it is one YAML value in
/// backquotes) and its meaning.
pub fn settings_table(readme: &str) -> Vec<SettingRow> {
    let Some((_, section)) = readme.split_once("\n## Settings") else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        let (Some(first), Some(default), Some(_)) = (cells.first(), cells.get(1), cells.get(2))
        else {
            continue;
        };
        let Some(name) = first.split('`').nth(1) else {
            continue;
        };
        if name.contains(['.', '[', ' ']) || *first == "setting" {
            continue;
        }
        let value = default
            .strip_prefix('`')
            .and_then(|d| d.strip_suffix('`'))
            .filter(|d| !d.contains('`'))
            .and_then(|d| parse_one(d).ok())
            .filter(|v| !v.is_null());
        rows.push(SettingRow {
            name: name.to_owned(),
            default: value,
            default_text: (*default).to_owned(),
            meaning: cells.get(2..).map_or_else(String::new, |c| c.join(" | ")),
        });
    }
    rows
}

/// The `settings:` of the first YAML example in a README's settings section.
pub fn settings_example(readme: &str) -> Option<Value> {
    let (_, section) = readme.split_once("\n## Settings")?;
    let (_, rest) = section.split_once("```yaml\n")?;
    let (example, _) = rest.split_once("```")?;
    let value = parse_one(example).ok()?;
    value.get("settings").cloned()
}

/// The README's first paragraph after its title.
pub fn summary(readme: &str) -> String {
    readme
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

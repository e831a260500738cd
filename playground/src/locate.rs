//! The line of a field path (`spec.containers[0].securityContext`) in YAML
//! or JSON text, read from its indentation: block YAML and indented JSON,
//! as people write and tools print them. Flow style on one line gives the
//! line where it starts; a path that cannot be followed gives `None`.

/// A step of a field path.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A field path as the SDK prints it: `a.b[0]["c.d/e"]`.
pub fn segments(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix('.') {
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("[\"") {
            // A quoted key, as Rust's Debug prints a string.
            let end = tail.find("\"]").unwrap_or(tail.len());
            out.push(Segment::Key(
                tail.get(..end).unwrap_or_default().replace("\\\"", "\""),
            ));
            rest = tail.get(end + 2..).unwrap_or_default();
        } else if let Some(tail) = rest.strip_prefix('[') {
            let end = tail.find(']').unwrap_or(tail.len());
            let index = tail.get(..end).unwrap_or_default();
            match index.parse() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => out.push(Segment::Key(index.to_owned())),
            }
            rest = tail.get(end + 1..).unwrap_or_default();
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Segment::Key(rest.get(..end).unwrap_or_default().to_owned()));
            rest = rest.get(end..).unwrap_or_default();
        }
    }
    out
}

/// A line of a block: its number, the column its content starts at, and
/// the content (for a list item's line, what follows the dash).
#[derive(Clone, Copy)]
struct Row<'a> {
    line: usize,
    indent: usize,
    text: &'a str,
}

fn rows(text: &str) -> Vec<Row<'_>> {
    text.lines()
        .enumerate()
        .filter_map(|(line, raw)| {
            let text = raw.trim_start();
            if text.is_empty() || text.starts_with('#') {
                return None;
            }
            Some(Row {
                line,
                indent: raw.len() - text.len(),
                text,
            })
        })
        .collect()
}

/// The key a row starts with (`name:`, `"name":`, `'name':`) and its
/// value's text on the same row.
fn key_of(text: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(tail) = text.strip_prefix('"') {
        let end = tail.find('"')?;
        (tail.get(..end)?, tail.get(end + 1..)?)
    } else if let Some(tail) = text.strip_prefix('\'') {
        let end = tail.find('\'')?;
        (tail.get(..end)?, tail.get(end + 1..)?)
    } else {
        let end = text.find(':')?;
        (text.get(..end)?, text.get(end..)?)
    };
    let value = rest.trim_start().strip_prefix(':')?;
    if !(value.is_empty() || value.starts_with(' ')) {
        return None;
    }
    Some((key.trim().to_owned(), value.trim()))
}

/// The 0-based line of a path in the text.
pub fn line(text: &str, path: &[Segment]) -> Option<usize> {
    place(text, path)
        .filter(|(_, exact)| *exact)
        .map(|(line, _)| line)
}

/// The 0-based line of a path, or of its deepest ancestor in the text
/// (`false`): a violation about a missing field points at its parent.
pub fn place(text: &str, path: &[Segment]) -> Option<(usize, bool)> {
    let all = rows(text);
    // The block being searched: rows of one node's children.
    let first = *all.first()?;
    let mut found = first.line;
    // A JSON document's keys are inside its outer brace.
    let mut block: Vec<Row<'_>> = if first.text == "{" {
        children(&all, first.line, first.indent, false)
    } else {
        all.clone()
    };
    for (step, segment) in path.iter().enumerate() {
        let child_indent = block.first()?.indent;
        let last = step + 1 == path.len();
        match segment {
            Segment::Key(key) => {
                let at = block.iter().position(|r| {
                    r.indent == child_indent && key_of(r.text).is_some_and(|(k, _)| k == *key)
                });
                let Some(row) = at.and_then(|at| block.get(at).copied()) else {
                    return (step > 0).then_some((found, false));
                };
                found = row.line;
                if last {
                    return Some((found, true));
                }
                let value = key_of(row.text).map(|(_, v)| v).unwrap_or_default();
                let opens = value.is_empty() || value == "{" || value == "[";
                if !opens {
                    // Flow style or a scalar: the path ends on this line.
                    return Some((found, true));
                }
                block = children(&all, row.line, row.indent, value.is_empty());
            }
            Segment::Index(index) => {
                let items: Vec<Row<'_>> = block
                    .iter()
                    .filter(|r| r.indent == child_indent && !r.text.starts_with([']', '}']))
                    .copied()
                    .collect();
                let Some(row) = items.get(*index).copied() else {
                    return (step > 0).then_some((found, false));
                };
                found = row.line;
                if last {
                    return Some((found, true));
                }
                block = match row.text.strip_prefix('-') {
                    Some(rest) => {
                        // The item's first key is on the dash's line.
                        let content = rest.trim_start();
                        let mut item = vec![Row {
                            line: row.line,
                            indent: row.indent + row.text.len() - content.len(),
                            text: content,
                        }];
                        item.extend(children(&all, row.line, row.indent, false));
                        item.retain(|r| !r.text.is_empty());
                        item
                    }
                    None => children(&all, row.line, row.indent, false),
                };
            }
        }
        if block.is_empty() {
            return Some((found, false));
        }
    }
    Some((found, true))
}

/// The rows below `line` indented deeper than `indent`; a YAML key's list
/// items may also sit at its own indent (`containers:\n- name: a`).
fn children<'a>(all: &[Row<'a>], line: usize, indent: usize, yaml_key: bool) -> Vec<Row<'a>> {
    all.iter()
        .skip_while(|r| r.line <= line)
        .take_while(|r| {
            r.indent > indent || (yaml_key && r.indent == indent && r.text.starts_with('-'))
        })
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  initContainers:
  - name: init
    image: busybox
  containers:
  - name: a
    image: nginx
  - name: b
    image: nginx
    securityContext:
      # a comment
      privileged: true
";

    fn at(text: &str, path: &str) -> Option<usize> {
        line(text, &segments(path))
    }

    #[test]
    fn block_yaml_paths_find_their_line() {
        assert_eq!(
            at(POD, "spec.containers[1].securityContext.privileged"),
            Some(17)
        );
        assert_eq!(at(POD, "spec.containers[1].image"), Some(14));
        assert_eq!(at(POD, "spec.containers[0].image"), Some(12));
        assert_eq!(at(POD, "spec.containers[0]"), Some(11));
        assert_eq!(at(POD, "spec.initContainers[0].image"), Some(9));
        assert_eq!(
            at(
                POD,
                "metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/app\"]"
            ),
            Some(5)
        );
        assert_eq!(at(POD, "spec.volumes[0]"), None);
        assert_eq!(
            place(
                POD,
                &segments("spec.containers[0].securityContext.runAsNonRoot")
            ),
            Some((11, false))
        );
        assert_eq!(place(POD, &segments("status.phase")), None);
    }

    #[test]
    fn indented_lists_and_json_find_their_line() {
        let yaml = "spec:\n  containers:\n    - name: a\n    - name: b\n      securityContext: {privileged: true}\n";
        assert_eq!(
            at(yaml, "spec.containers[1].securityContext.privileged"),
            Some(4)
        );
        let json = serde_json::to_string_pretty(&serde_json::json!({"spec": {"containers": [
            {"name": "a"}, {"name": "b", "securityContext": {"privileged": true}}]}}))
        .unwrap_or_default();
        let expected = json.lines().position(|l| l.contains("privileged"));
        assert_eq!(
            at(&json, "spec.containers[1].securityContext.privileged"),
            expected
        );
    }

    #[test]
    fn quoted_keys_and_indices_are_segments() {
        assert_eq!(
            segments("a.b[2][\"x.y/z\"].c"),
            vec![
                Segment::Key("a".into()),
                Segment::Key("b".into()),
                Segment::Index(2),
                Segment::Key("x.y/z".into()),
                Segment::Key("c".into())
            ]
        );
    }
}

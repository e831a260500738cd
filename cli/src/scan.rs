//! `palisade scan`: every object of manifest trees (or `helm template`
//! output on stdin) through a profile, as the CREATE request the API server
//! would send, on the bundle module: one compiled module, one instance,
//! one evaluation per object.

use crate::examples::admission_request;
use crate::host::{Policy, ValidationResponse};
use crate::manifest::{Document, Unreadable, read_each_document};
use crate::profile::Profile;
use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// One violation: the rule that found it and its message (field path first).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Violation {
    pub rule: String,
    pub message: String,
}

/// The verdict on one object.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub location: String,
    #[serde(skip)]
    pub file: String,
    #[serde(skip)]
    pub line: usize,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// `admitted`, `mutated`, `denied`, `out of scope` (the profile's scope
    /// does not select it), `invalid` (not YAML, or not a Kubernetes object) or `error`
    /// (the evaluation failed: it exceeded `--fuel` or `--max-memory`).
    pub verdict: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Finding {
    /// A document that is not YAML: invalid, with the parser's reason.
    pub fn unreadable(document: &Unreadable) -> Self {
        Finding {
            location: document.location.clone(),
            file: document.file.clone(),
            line: document.line,
            kind: String::new(),
            namespace: String::new(),
            name: String::new(),
            verdict: "invalid".into(),
            allowed: false,
            violations: vec![Violation {
                rule: "scan".into(),
                message: format!("not YAML: {}", document.error.root_cause()),
            }],
            warnings: Vec::new(),
        }
    }

    /// Whether the object fails the scan: denied, not an object at all, or
    /// not judged because its evaluation failed.
    pub fn fails(&self) -> bool {
        !self.allowed
    }
}

/// A profile on the bundle module, ready to scan.
pub struct Scanner {
    profile: Profile,
    settings: Value,
    module: Policy,
}

impl Scanner {
    /// Loads the bundle module and checks that it accepts the profile.
    pub fn new(profile: Profile, module: &Path) -> Result<Self> {
        let policy = Policy::load(module)
            .with_context(|| format!("{}: loading the bundle module", module.display()))?;
        let settings = profile.bundle_settings();
        let verdict = policy.validate_settings(&settings)?;
        if !verdict.valid {
            bail!(
                "profile {}: {}",
                profile.name,
                verdict.message.unwrap_or_default()
            );
        }
        Ok(Self {
            profile,
            settings,
            module: policy,
        })
    }

    /// The verdict on one object.
    pub fn scan(&self, document: &Document) -> Result<Finding> {
        let object = &document.value;
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let mut finding = Finding {
            location: document.location.clone(),
            file: document.file.clone(),
            line: document.line,
            kind: text("/kind"),
            namespace: object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_owned(),
            name: text("/metadata/name"),
            verdict: String::new(),
            allowed: false,
            violations: Vec::new(),
            warnings: Vec::new(),
        };
        let missing: Vec<&str> = [
            ("kind", finding.kind.is_empty()),
            ("apiVersion", text("/apiVersion").is_empty()),
            ("metadata.name", finding.name.is_empty()),
        ]
        .into_iter()
        .filter_map(|(field, missing)| missing.then_some(field))
        .collect();
        if !missing.is_empty() {
            finding.verdict = "invalid".into();
            finding.violations.push(Violation {
                rule: "scan".into(),
                message: format!("not a Kubernetes object: no {}", missing.join(", ")),
            });
            return Ok(finding);
        }
        let mut request = admission_request(object)?;
        if let Some(fields) = request.as_object_mut() {
            fields.insert("namespace".into(), json!(finding.namespace));
            fields.insert("uid".into(), json!(format!("scan-{}", document.location)));
        }
        if let Some(scope) = &self.profile.scope
            && !scope.matches(&request)
        {
            finding.verdict = "out of scope".into();
            finding.allowed = true;
            return Ok(finding);
        }
        let response = self
            .module
            .validate(&request, &self.settings)
            .with_context(|| format!("{}: evaluating", document.location))?;
        finding.allowed = response.accepted;
        // A 500 is the evaluation failing (a limit exceeded), not a verdict.
        if !response.accepted && response.code.is_some_and(|code| code >= 500) {
            finding.verdict = "error".into();
            finding.violations.push(Violation {
                rule: "scan".into(),
                message: response.message.unwrap_or_default(),
            });
            return Ok(finding);
        }
        finding.verdict = match (response.accepted, &response.mutated_object) {
            (false, _) => "denied",
            (true, Some(_)) => "mutated",
            (true, None) => "admitted",
        }
        .into();
        finding.violations = self.violations(&response);
        finding.warnings = response.warnings.unwrap_or_default();
        Ok(finding)
    }

    /// The message split into each rule's violation: it lists them as
    /// `rule: path: text`, joined by `; `.
    fn violations(&self, response: &ValidationResponse) -> Vec<Violation> {
        let Some(message) = response.message.as_deref().filter(|_| !response.accepted) else {
            return Vec::new();
        };
        let names: Vec<&str> = self.profile.rules.iter().map(|r| r.name()).collect();
        let rule_of = |part: &str| {
            names.iter().copied().find(|name| {
                part.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(": "))
            })
        };
        let mut out: Vec<Violation> = Vec::new();
        for part in message.split("; ") {
            match (rule_of(part), out.last_mut()) {
                (Some(rule), _) => out.push(Violation {
                    rule: rule.to_owned(),
                    message: part.get(rule.len() + 2..).unwrap_or_default().to_owned(),
                }),
                // A `; ` inside a message: it continues the last one.
                (None, Some(last)) => {
                    last.message.push_str("; ");
                    last.message.push_str(part);
                }
                (None, None) => out.push(Violation {
                    rule: String::new(),
                    message: part.to_owned(),
                }),
            }
        }
        out
    }
}

/// The manifest files under `paths`: files as given, directories walked
/// for `.yaml`, `.yml` and `.json` files in name order; `-` is stdin.
pub fn manifest_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut out)?;
        } else if path == Path::new("-") || path.exists() {
            out.push(path.clone());
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, out)?;
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// Every object of the files through the scanner, in file order;
/// `progress` hears of each file done (its index) and the objects so far.
pub fn scan_files(
    scanner: &Scanner,
    files: &[PathBuf],
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (index, file) in files.iter().enumerate() {
        // A document that is not YAML is reported, not fatal: the rest of
        // the file is still judged.
        for parsed in read_each_document(file)? {
            findings.push(match parsed {
                Ok(document) => scanner.scan(&document)?,
                Err(unreadable) => Finding::unreadable(&unreadable),
            });
        }
        progress(index, findings.len());
    }
    Ok(findings)
}

/// The readable report: one line per object, its violations under it, and
/// a count.
pub fn render_table(findings: &[Finding]) -> String {
    let rows: Vec<(String, String, &str)> = findings
        .iter()
        .map(|f| {
            (
                f.location.clone(),
                format!("{} {}/{}", f.kind, f.namespace, f.name),
                f.verdict.as_str(),
            )
        })
        .collect();
    let width =
        |column: fn(&(String, String, &str)) -> usize| rows.iter().map(column).max().unwrap_or(0);
    let (location_width, object_width) = (width(|r| r.0.len()), width(|r| r.1.len()));
    let mut out = String::new();
    for (finding, (location, object, verdict)) in findings.iter().zip(&rows) {
        out.push_str(&format!(
            "{location:<location_width$}  {object:<object_width$}  {verdict}\n"
        ));
        for violation in &finding.violations {
            out.push_str(&format!("    {}: {}\n", violation.rule, violation.message));
        }
    }
    let count = |verdict: &str| findings.iter().filter(|f| f.verdict == verdict).count();
    out.push_str(&format!(
        "{} objects: {} admitted, {} mutated, {} denied, {} out of scope, {} invalid",
        findings.len(),
        count("admitted"),
        count("mutated"),
        count("denied"),
        count("out of scope"),
        count("invalid")
    ));
    // Only when it happened: an evaluation beyond the limits is rare.
    match count("error") {
        0 => out.push('\n'),
        errors => out.push_str(&format!(", {errors} not evaluated (limits exceeded)\n")),
    }
    out
}

/// The JSON report: every object, and the counts.
pub fn render_json(findings: &[Finding]) -> Result<String> {
    let failed = findings.iter().filter(|f| f.fails()).count();
    Ok(serde_json::to_string_pretty(&json!({
        "objects": findings,
        "failed": failed,
    }))?)
}

/// Text for XML: the five special characters escaped.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// A JUnit report (for CI test reports): one test case per object, a
/// failure per denied, invalid or unevaluated object listing its violations.
pub fn render_junit(findings: &[Finding]) -> String {
    let failures = findings.iter().filter(|f| f.fails()).count();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"palisade scan\" tests=\"{}\" failures=\"{failures}\">\n<testsuite name=\"palisade scan\" tests=\"{}\" failures=\"{failures}\">\n",
        findings.len(),
        findings.len()
    );
    for f in findings {
        let name = xml(&format!("{} {}/{}", f.kind, f.namespace, f.name));
        out.push_str(&format!(
            "<testcase classname=\"{}\" name=\"{name}\">",
            xml(&f.location)
        ));
        if f.fails() {
            let lines: Vec<String> = f
                .violations
                .iter()
                .map(|v| format!("{}: {}", v.rule, v.message))
                .collect();
            out.push_str(&format!(
                "<failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(lines.first().map_or("", String::as_str)),
                xml(&f.verdict),
                xml(&lines.join("\n"))
            ));
        }
        out.push_str("</testcase>\n");
    }
    out.push_str("</testsuite>\n</testsuites>\n");
    out
}

/// A SARIF 2.1.0 log (for code-scanning UIs): one result per violation, at
/// the object's file and line, its rule the Palisade rule.
pub fn render_sarif(findings: &[Finding]) -> Result<String> {
    let mut rules: Vec<&str> = findings
        .iter()
        .flat_map(|f| f.violations.iter().map(|v| v.rule.as_str()))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let results: Vec<Value> = findings
        .iter()
        .filter(|f| f.fails())
        .flat_map(|f| {
            f.violations.iter().map(move |v| {
                json!({
                    "ruleId": v.rule,
                    "level": "error",
                    "message": {"text": format!("{} {}/{}: {}", f.kind, f.namespace, f.name, v.message)},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": {"uri": f.file},
                        "region": {"startLine": f.line},
                    }}],
                })
            })
        })
        .collect();
    Ok(serde_json::to_string_pretty(&json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "palisade",
                "informationUri": "https://github.com/palisade-policies/palisade",
                "rules": rules.iter().map(|r| json!({"id": r})).collect::<Vec<_>>(),
            }},
            "results": results,
        }],
    }))?)
}

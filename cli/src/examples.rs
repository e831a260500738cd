//! `palisade examples`: every manifest under `examples/` through every built
//! policy, as a verdict table a newcomer can read, checked against
//! `examples/expected.yml`.

use crate::host::{Policy, ValidationResponse};
use crate::profile::{LoadedProfile, Profile};
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Admitted,
    Mutated,
    Denied,
}

impl Verdict {
    pub fn of(response: &ValidationResponse) -> Self {
        match (response.accepted, &response.mutated_object) {
            (false, _) => Verdict::Denied,
            (true, Some(_)) => Verdict::Mutated,
            (true, None) => Verdict::Admitted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Admitted => "admitted",
            Verdict::Mutated => "mutated",
            Verdict::Denied => "denied",
        }
    }
}

/// Wraps a manifest in the AdmissionRequest the API server would send on CREATE.
pub fn admission_request(object: &Value) -> Result<Value> {
    let kind = object["kind"].as_str().context("manifest has no kind")?;
    let api_version = object["apiVersion"]
        .as_str()
        .context("manifest has no apiVersion")?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let kind_lower = kind.to_ascii_lowercase();
    let resource = if kind_lower.ends_with('s') {
        format!("{kind_lower}es")
    } else {
        format!("{kind_lower}s")
    };
    let name = object.pointer("/metadata/name");
    let gvk = json!({"group": group, "version": version, "kind": kind});
    let gvr = json!({"group": group, "version": version, "resource": resource});
    Ok(json!({
        "uid": format!("example-{}", name.and_then(Value::as_str).unwrap_or("unnamed")),
        "kind": gvk, "requestKind": gvk, "resource": gvr, "requestResource": gvr,
        "name": name, "namespace": "default", "operation": "CREATE",
        "userInfo": {"username": "example-user", "groups": ["system:authenticated"]},
        "object": object, "oldObject": null, "dryRun": false,
    }))
}

pub struct Outcome {
    pub example: String,
    pub policy: String,
    pub verdict: Verdict,
    pub message: Option<String>,
}

/// The string at `pointer`, or "".
fn text<'v>(object: &'v Value, pointer: &str) -> &'v str {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Every manifest under `examples`, by file name, labelled `name (Kind)`.
fn manifests(examples: &Path) -> Result<Vec<(String, Value)>> {
    let mut paths: Vec<_> = std::fs::read_dir(examples)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let object: Value = serde_norway::from_str(&std::fs::read_to_string(path)?)
                .with_context(|| format!("parsing {}", path.display()))?;
            let label = format!(
                "{} ({})",
                text(&object, "/metadata/name"),
                text(&object, "/kind")
            );
            Ok((label, object))
        })
        .collect()
}

/// Evaluates every example with every policy found under `artifacts`.
pub fn evaluate(artifacts: &Path, examples: &Path) -> Result<Vec<Outcome>> {
    let settings: BTreeMap<String, Value> =
        match std::fs::read_to_string(examples.join("settings.yml")) {
            Ok(text) => serde_norway::from_str::<Option<_>>(&text)?.unwrap_or_default(),
            Err(_) => BTreeMap::new(),
        };
    let mut policies = Vec::new();
    for entry in
        std::fs::read_dir(artifacts).with_context(|| format!("reading {}", artifacts.display()))?
    {
        let dir = entry?.path();
        let module = dir.join("policy.wasm");
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        // The bundle runs profiles; their verdicts are the profile columns.
        if module.exists() && name != "bundle" {
            policies.push((name, Policy::load(&module)?));
        }
    }
    policies.sort_by(|a, b| a.0.cmp(&b.0));
    let mut outcomes = Vec::new();
    for (example, object) in manifests(examples)? {
        let request = admission_request(&object)?;
        for (name, policy) in &policies {
            let settings = settings.get(name).cloned().unwrap_or_else(|| json!({}));
            let response = policy.validate(&request, &settings)?;
            outcomes.push(Outcome {
                example: example.clone(),
                policy: name.clone(),
                verdict: Verdict::of(&response),
                message: response.message,
            });
        }
    }
    Ok(outcomes)
}

/// Evaluates every example with every profile under `profiles`; an
/// outcome's `policy` is the profile's name.
pub fn evaluate_profiles(
    artifacts: &Path,
    examples: &Path,
    profiles: &Path,
) -> Result<Vec<Outcome>> {
    let loaded: Vec<LoadedProfile> = Profile::load_all(profiles)?
        .into_iter()
        .map(|p| LoadedProfile::load(p, artifacts))
        .collect::<Result<_>>()?;
    let mut outcomes = Vec::new();
    for (example, object) in manifests(examples)? {
        let request = admission_request(&object)?;
        for profile in &loaded {
            let outcome = profile.evaluate(&request)?;
            outcomes.push(Outcome {
                example: example.clone(),
                policy: profile.profile.name.clone(),
                verdict: outcome.verdict,
                message: outcome.response().message,
            });
        }
    }
    Ok(outcomes)
}

/// The verdict table, then the denial messages.
pub fn render(outcomes: &[Outcome]) -> String {
    let mut policies: Vec<&str> = outcomes.iter().map(|o| o.policy.as_str()).collect();
    policies.sort();
    policies.dedup();
    let mut examples: Vec<&str> = Vec::new();
    for o in outcomes {
        if !examples.contains(&o.example.as_str()) {
            examples.push(&o.example);
        }
    }
    let first = examples.iter().map(|e| e.len()).max().unwrap_or(7).max(7);
    let mut out = String::new();
    let _ = write!(out, "{:<first$}", "example");
    for p in &policies {
        let _ = write!(out, "  {p:<w$}", w = p.len().max(8));
    }
    out.push('\n');
    for example in &examples {
        let _ = write!(out, "{example:<first$}");
        for p in &policies {
            let verdict = outcomes
                .iter()
                .find(|o| o.example == *example && o.policy == *p)
                .map_or("-", |o| o.verdict.as_str());
            let _ = write!(out, "  {verdict:<w$}", w = p.len().max(8));
        }
        out.push('\n');
    }
    out.push('\n');
    for o in outcomes.iter().filter(|o| o.verdict == Verdict::Denied) {
        let _ = writeln!(
            out,
            "{} denied by {}",
            o.example,
            o.message.as_deref().unwrap_or("?")
        );
    }
    out
}

/// Compares with `expected.yml` (example name -> policy -> verdict).
pub fn check_expected(examples: &Path, outcomes: &[Outcome]) -> Result<()> {
    let text = std::fs::read_to_string(examples.join("expected.yml"))
        .context("reading examples/expected.yml")?;
    let expected: BTreeMap<String, BTreeMap<String, String>> = serde_norway::from_str(&text)?;
    let mut wrong = Vec::new();
    for o in outcomes {
        let name = o.example.split(' ').next().unwrap_or_default();
        match expected.get(name).and_then(|e| e.get(&o.policy)) {
            Some(v) if v == o.verdict.as_str() => {}
            Some(v) => wrong.push(format!(
                "{name} / {}: {} but expected {v}",
                o.policy,
                o.verdict.as_str()
            )),
            None => wrong.push(format!(
                "{name} / {}: no expectation in examples/expected.yml",
                o.policy
            )),
        }
    }
    if !wrong.is_empty() {
        bail!(
            "examples disagree with examples/expected.yml:\n{}",
            wrong.join("\n")
        );
    }
    Ok(())
}

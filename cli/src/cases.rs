//! A policy's end-to-end cases (`test_data/cases.yml`): checked by the Rust
//! e2e suite through the built module, and rendered as `e2e.bats` for users
//! who run `kwctl`.

use crate::host::{Policy, ValidationResponse};
use crate::run::patch;
use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// A file under `test_data/`.
    pub request: String,
    #[serde(default = "empty_object")]
    pub settings: Value,
    /// Expected verdict; absent when the settings are expected to be refused.
    pub accepted: Option<bool>,
    /// Exactly the field paths the rejection names.
    #[serde(default)]
    pub violations: Vec<String>,
    /// Exactly the JSON patch of the mutation; absent means no mutation.
    pub patch: Option<Value>,
    /// Texts that must each appear in the rejection message.
    #[serde(default)]
    pub message: Vec<String>,
    /// Texts that must each appear in some warning.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// The settings must be refused with a message containing this.
    pub settings_error: Option<String>,
}

fn empty_object() -> Value {
    json!({})
}

pub fn load(policy_dir: &Path) -> Result<Vec<Case>> {
    let path = policy_dir.join("test_data/cases.yml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_norway::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The paths a rejection names, read back from its message.
pub fn violation_paths(rule: &str, response: &ValidationResponse) -> BTreeSet<String> {
    let message = response.message.as_deref().unwrap_or_default();
    palisade_sdk::report::rejection_paths(rule, message)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Runs one case through the module and checks every expectation.
pub fn check(policy: &Policy, rule: &str, policy_dir: &Path, case: &Case) -> Result<()> {
    let verdict = policy.validate_settings(&case.settings)?;
    if let Some(expected) = &case.settings_error {
        ensure!(
            !verdict.valid,
            "settings were accepted, expected an error about {expected:?}"
        );
        let message = verdict.message.unwrap_or_default();
        ensure!(
            message.contains(expected.as_str()),
            "settings error {message:?} does not mention {expected:?}"
        );
        return Ok(());
    }
    ensure!(verdict.valid, "settings refused: {:?}", verdict.message);
    let request = crate::run::load_request(&policy_dir.join("test_data").join(&case.request))?;
    let response = policy.validate(&request, &case.settings)?;
    let Some(accepted) = case.accepted else {
        bail!("case has neither `accepted` nor `settings_error`");
    };
    ensure!(
        response.accepted == accepted,
        "accepted is {}, expected {accepted}: {:?}",
        response.accepted,
        response.message
    );
    if !accepted {
        ensure!(
            response.code.is_none(),
            "a policy rejection must not be a 400: {:?}",
            response.message
        );
        let found = violation_paths(rule, &response);
        let expected: BTreeSet<String> = case.violations.iter().cloned().collect();
        ensure!(
            found == expected,
            "violations {found:?}, expected {expected:?}"
        );
        let message = response.message.clone().unwrap_or_default();
        for path in &expected {
            ensure!(
                message.contains(path.as_str()),
                "message does not name {path}: {message}"
            );
            // kubectl prints the message and every warning: a violation
            // that denies is said once, in the message.
            let repeated = format!("{path}: ");
            ensure!(
                !response
                    .warnings
                    .iter()
                    .flatten()
                    .any(|w| w.contains(&repeated)),
                "a warning repeats the violation at {path}: {:?}",
                response.warnings
            );
        }
    }
    for text in &case.message {
        let message = response.message.as_deref().unwrap_or_default();
        ensure!(
            message.contains(text.as_str()),
            "the message does not contain {text:?}: {message}"
        );
    }
    match (&case.patch, &response.mutated_object) {
        (None, None) => {}
        (Some(expected), Some(mutated)) => {
            let object = request.get("object").unwrap_or(&Value::Null);
            let found = patch(object, mutated);
            ensure!(&found == expected, "patch {found}, expected {expected}");
        }
        (None, Some(mutated)) => bail!("unexpected mutation: {mutated}"),
        (Some(_), None) => bail!("expected a mutation, got none"),
    }
    for text in &case.warnings {
        ensure!(
            response
                .warnings
                .iter()
                .flatten()
                .any(|w| w.contains(text.as_str())),
            "no warning contains {text:?}: {:?}",
            response.warnings
        );
    }
    Ok(())
}

/// `e2e.bats` for kwctl users, from the cases.
pub fn render_bats(policy: &str, cases: &[Case]) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "#!/usr/bin/env bats")?;
    writeln!(
        out,
        "# Generated from test_data/cases.yml by `palisade bats`; do not edit."
    )?;
    writeln!(
        out,
        "# Run with kwctl: POLICY_WASM=annotated-policy.wasm bats e2e.bats"
    )?;
    writeln!(out)?;
    writeln!(out, "bats_require_minimum_version 1.5.0")?;
    writeln!(out)?;
    writeln!(
        out,
        "policy() {{ echo \"${{POLICY_WASM:-annotated-policy.wasm}}\"; }}"
    )?;
    for case in cases {
        let settings = shell_quote(&serde_json::to_string(&case.settings)?);
        writeln!(out)?;
        writeln!(
            out,
            "@test {} {{",
            shell_quote(&format!("{policy}: {}", case.name))
        )?;
        writeln!(
            out,
            "  run --separate-stderr kwctl run --request-path test_data/{} --settings-json {settings} \"$(policy)\"",
            case.request
        )?;
        if let Some(expected) = &case.settings_error {
            writeln!(out, "  [ \"$status\" -ne 0 ]")?;
            writeln!(out, "  [[ \"$stderr\" == *{}* ]]", shell_quote(expected))?;
            writeln!(out, "}}")?;
            continue;
        }
        writeln!(out, "  [ \"$status\" -eq 0 ]")?;
        if let Some(accepted) = case.accepted {
            writeln!(
                out,
                "  [ \"$(jq -r .allowed <<<\"$output\")\" = {accepted} ]"
            )?;
        }
        for text in case.violations.iter().chain(&case.message) {
            writeln!(
                out,
                "  [[ \"$(jq -r .status.message <<<\"$output\")\" == *{}* ]]",
                shell_quote(text)
            )?;
        }
        match &case.patch {
            Some(patch) => writeln!(
                out,
                "  [ \"$(jq -r .patch <<<\"$output\" | base64 -d | jq -cS .)\" = {} ]",
                shell_quote(&canonical(patch)?)
            )?,
            None => writeln!(out, "  [ \"$(jq -r .patch <<<\"$output\")\" = null ]")?,
        }
        for text in &case.warnings {
            writeln!(
                out,
                "  jq -e --arg t {} 'any(.warnings[]; contains($t))' <<<\"$output\"",
                shell_quote(text)
            )?;
        }
        writeln!(out, "}}")?;
    }
    Ok(out)
}

/// Compact JSON with sorted keys, as `jq -cS` prints it.
fn canonical(value: &Value) -> Result<String> {
    fn sort(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let sorted: std::collections::BTreeMap<_, _> =
                    map.iter().map(|(k, v)| (k.clone(), sort(v))).collect();
                json!(sorted)
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    Ok(serde_json::to_string(&sort(value))?)
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

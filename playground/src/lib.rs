//! The playground: every Palisade rule and profile in the browser.
//!
//! Nothing here judges a pod. A manifest becomes the AdmissionRequest the
//! API server would send, a rule becomes a one-member profile, and both go
//! to `palisade_sdk::bundle::validate` over the bundle's catalogue: the
//! payload, code path and answer of the bundle module. What this crate adds
//! is for people: YAML and multi-document input, violations split per rule
//! and placed on their manifest line, the mutation as a JSON patch and a
//! line diff, and each rule's documented settings (from its README, which
//! the page serves beside the module).
//!
//! The JavaScript API takes and returns JSON text (see `web/playground.js`).

mod locate;
mod text;
mod yaml;

use bundle::CATALOGUE;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::wasm_bindgen;

/// The texts the page serves beside the module (`make playground` copies
/// them; the module stays smaller): each rule's README, for its summary,
/// settings table, defaults and example, and each profile's file.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sources {
    /// README text by policy name.
    #[serde(default)]
    pub readmes: std::collections::BTreeMap<String, String>,
    /// `profiles/<name>.yml` text by profile name.
    #[serde(default)]
    pub profiles: std::collections::BTreeMap<String, String>,
}

/// The seed manifests the page opens with: `examples/` of the repository.
pub const EXAMPLES: [(&str, &str); 3] = [
    (
        "nginx-privileged",
        include_str!("../../examples/01-nginx-privileged.yaml"),
    ),
    (
        "nginx-unprivileged",
        include_str!("../../examples/02-nginx-unprivileged.yaml"),
    ),
    (
        "log-shipper (Deployment)",
        include_str!("../../examples/04-log-shipper-deployment.yaml"),
    ),
];

/// What to evaluate against: a rule with its settings, or a profile.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// A rule's policy name; absent for a profile.
    #[serde(default)]
    pub rule: Option<String>,
    /// The rule's settings, or the whole profile, as YAML or JSON text.
    #[serde(default)]
    pub settings: String,
}

/// The bundle settings for a target: the profile itself, or a one-member
/// profile for a rule. `Err` is the settings check's answer.
pub fn profile_of(target: &Target) -> Result<Value, SettingsCheck> {
    let parsed = match text::parse_one(&target.settings) {
        Ok(value) => value,
        Err(message) => {
            return Err(SettingsCheck {
                valid: false,
                message: Some(format!("cannot read the settings: {message}")),
                field: None,
                line: text::error_line(&message),
            });
        }
    };
    let profile = match &target.rule {
        Some(rule) => {
            let settings = match parsed {
                Value::Null => json!({}),
                other => other,
            };
            json!({"rules": [{"policy": rule, "settings": settings}]})
        }
        None => parsed,
    };
    Ok(profile)
}

/// `validate_settings`' answer, with the field it names and its line.
#[derive(Debug, serde::Serialize)]
pub struct SettingsCheck {
    pub valid: bool,
    pub message: Option<String>,
    pub field: Option<String>,
    pub line: Option<usize>,
}

/// Checks a target's settings as the bundle module checks them.
pub fn check_settings(target: &Target) -> SettingsCheck {
    let profile = match profile_of(target) {
        Ok(profile) => profile,
        Err(check) => return check,
    };
    let out = palisade_sdk::bundle::validate_settings(profile.to_string().as_bytes(), CATALOGUE);
    let answer: Value = serde_json::from_slice(&out).unwrap_or(Value::Null);
    let valid = answer.get("valid") == Some(&Value::Bool(true));
    let message = answer
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let field = message
        .as_deref()
        .and_then(|m| settings_field(m, target.rule.is_some()));
    let line = field
        .as_deref()
        .and_then(|f| locate::line(&target.settings, &locate::segments(f)));
    SettingsCheck {
        valid,
        message: if valid { None } else { message },
        field,
        line,
    }
}

/// The field a settings refusal names, relative to what the editor holds:
/// `bundle: invalid settings: rules[0].settings (no-privilege): skip: ...`
/// is `skip` for a rule; a profile keeps the whole path. An unknown field
/// is named by serde at the end of the message.
fn settings_field(message: &str, rule: bool) -> Option<String> {
    let mut tail = message.strip_prefix("bundle: invalid settings: ")?;
    let mut segments: Vec<&str> = Vec::new();
    while let Some((head, rest)) = tail.split_once(": ") {
        // `rules[1].settings (caps)`: the member's name is not a field.
        let head = match head.find(" (") {
            Some(at) if head.ends_with(')') => head.get(..at).unwrap_or(head),
            _ => head,
        };
        if head.is_empty() || head.contains(char::is_whitespace) || head.contains('`') {
            break;
        }
        segments.push(head);
        tail = rest;
    }
    let unknown = tail
        .split("unknown field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next());
    if let Some(name) = unknown
        && segments.last() != Some(&name)
    {
        segments.push(name);
    }
    let path = segments.join(".");
    let path = if rule {
        path.strip_prefix("rules[0].settings")?
            .trim_start_matches('.')
            .to_owned()
    } else {
        path
    };
    (!path.is_empty()).then_some(path)
}

/// Runs one AdmissionRequest through the bundle, as the module runs it.
pub fn run(request: &Value, profile: &Value) -> Value {
    let payload = json!({"request": request, "settings": profile});
    let out = palisade_sdk::bundle::validate(payload.to_string().as_bytes(), CATALOGUE);
    serde_json::from_slice(&out).unwrap_or(Value::Null)
}

/// A response read for people: the verdict, the denying rules, each
/// violation with its path, and the mutation as a JSON patch.
pub fn outcome(request: &Value, response: &Value) -> Map<String, Value> {
    let accepted = response.get("accepted") == Some(&Value::Bool(true));
    let message = response
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mutated = response.get("mutated_object").filter(|m| !m.is_null());
    let verdict = if response.get("code").is_some_and(|c| !c.is_null()) {
        "error"
    } else if !accepted {
        "denied"
    } else if mutated.is_some() {
        "mutated"
    } else {
        "admitted"
    };
    let mut denied_by = Vec::new();
    let mut violations = Vec::new();
    if verdict == "denied" {
        for (rule, text) in denials(message) {
            let paths = palisade_sdk::report::rejection_paths(rule, text);
            for item in text
                .strip_prefix(rule)
                .and_then(|t| t.strip_prefix(": "))
                .unwrap_or(text)
                .split("; ")
            {
                let path = item
                    .split_once(": ")
                    .map(|(p, _)| p)
                    .filter(|p| paths.contains(p));
                match path {
                    Some(path) => violations.push(json!({"rule": rule, "path": path,
                        "message": item.split_once(": ").map_or(item, |(_, m)| m)})),
                    // The rest of a violation whose own message holds "; ".
                    None => {
                        if let Some(Value::Object(last)) = violations.last_mut()
                            && let Some(Value::String(m)) = last.get_mut("message")
                        {
                            m.push_str("; ");
                            m.push_str(item);
                        } else {
                            violations.push(json!({"rule": rule, "path": null, "message": item}));
                        }
                    }
                }
            }
            denied_by.push(rule);
        }
    }
    let mut out = Map::new();
    out.insert("verdict".into(), json!(verdict));
    out.insert("response".into(), response.clone());
    out.insert("denied_by".into(), json!(denied_by));
    out.insert("violations".into(), Value::Array(violations));
    if let Some(mutated) = mutated {
        let original = request.get("object").unwrap_or(&Value::Null);
        let patch = serde_json::to_value(json_patch::diff(original, mutated)).unwrap_or_default();
        out.insert("patch".into(), patch);
        out.insert("diff".into(), text::yaml_diff(original, mutated));
    }
    out
}

/// A denial message split per rule: `rule: path: msg; path: msg; rule2: ...`,
/// as the engine joins each denying member's rejection.
fn denials(message: &str) -> Vec<(&'static str, &str)> {
    let mut starts: Vec<(usize, &'static str)> = Vec::new();
    let mut offset = 0;
    for item in message.split("; ") {
        if let Some((name, _)) = CATALOGUE
            .iter()
            .filter(|(name, _)| {
                item.strip_prefix(*name)
                    .is_some_and(|rest| rest.starts_with(": "))
            })
            .max_by_key(|(name, _)| name.len())
        {
            starts.push((offset, name));
        }
        offset += item.len() + 2;
    }
    let mut out = Vec::new();
    for (i, (start, name)) in starts.iter().enumerate() {
        let end = starts
            .get(i + 1)
            .map_or(message.len(), |(next, _)| next.saturating_sub(2));
        if let Some(text) = message.get(*start..end) {
            out.push((*name, text));
        }
    }
    out
}

/// One call from the page: every document of a manifest against a target.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub manifest: String,
    /// The object before the change: the request is an UPDATE.
    #[serde(default)]
    pub old_manifest: String,
    /// The request's namespace when a document names none.
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(flatten)]
    pub target: Target,
}

/// Evaluates every document of the manifest; the JSON the page renders.
pub fn evaluate_input(input: &Input) -> Value {
    let settings = check_settings(&input.target);
    if !settings.valid {
        return json!({"settings": settings, "documents": []});
    }
    let profile = match profile_of(&input.target) {
        Ok(profile) => profile,
        Err(check) => return json!({"settings": check, "documents": []}),
    };
    let documents = match text::documents(&input.manifest) {
        Ok(documents) => documents,
        Err(e) => return json!({"settings": settings, "error": e, "documents": []}),
    };
    let old = if input.old_manifest.trim().is_empty() {
        Vec::new()
    } else {
        match text::documents(&input.old_manifest) {
            Ok(old) => old,
            Err(e) => {
                return json!({"settings": settings, "error": format!("old manifest: {e}"), "documents": []});
            }
        }
    };
    let update = !old.is_empty();
    let mut out = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        let old_object = old
            .iter()
            .find(|o| o.kind == doc.kind && o.name == doc.name && !doc.name.is_empty())
            .or_else(|| old.get(i))
            .map(|o| o.object.clone());
        let request = match &doc.request {
            Some(request) => request.clone(),
            None => text::request_for(
                &doc.object,
                old_object.as_ref(),
                update,
                input.namespace.as_deref(),
            ),
        };
        let response = run(&request, &profile);
        let mut result = outcome(&request, &response);
        if let Some(Value::Array(violations)) = result.get_mut("violations") {
            for violation in violations {
                let place = violation
                    .get("path")
                    .and_then(Value::as_str)
                    .and_then(|path| {
                        let mut segments = doc.prefix.clone();
                        segments.extend(locate::segments(path));
                        locate::place(&doc.text, &segments)
                    });
                if let Value::Object(v) = violation {
                    v.insert("line".into(), json!(place.map(|(l, _)| l + doc.first_line)));
                    // false: the field is missing; the line is its parent's.
                    v.insert("exact".into(), json!(place.map(|(_, exact)| exact)));
                }
            }
        }
        result.insert("kind".into(), json!(doc.kind));
        result.insert("name".into(), json!(doc.name));
        result.insert("line".into(), json!(doc.first_line));
        result.insert("operation".into(), json!(request.get("operation")));
        out.push(Value::Object(result));
    }
    json!({"settings": settings, "documents": out})
}

/// Every rule with its documented settings, and every profile.
pub fn catalogue(sources: &Sources) -> Value {
    let rules: Vec<Value> = CATALOGUE
        .iter()
        .map(|(name, bind)| {
            let readme = sources.readmes.get(*name).map_or("", String::as_str);
            let table = text::settings_table(readme);
            let summary = text::summary(readme);
            // The documented defaults the rule itself accepts, one by one.
            let mut defaults = Map::new();
            for row in &table {
                let Some(value) = &row.default else { continue };
                let mut candidate = defaults.clone();
                candidate.insert(row.name.clone(), value.clone());
                if bind(&Value::Object(candidate.clone()).to_string()).is_ok() {
                    defaults = candidate;
                }
            }
            // A rule that needs settings gets its README's example.
            let prefill = match text::settings_example(readme) {
                Some(example) if bind(&Value::Object(defaults.clone()).to_string()).is_err() => {
                    example
                }
                _ => Value::Object(defaults),
            };
            let defaults_yaml = yaml::to_string(&prefill);
            json!({"name": name, "summary": summary, "settings": table,
                "defaults": defaults_yaml})
        })
        .collect();
    let profiles: Vec<Value> = sources
        .profiles
        .iter()
        .map(|(name, yaml)| {
            let parsed = text::parse_one(yaml).unwrap_or(Value::Null);
            json!({"name": name,
                "title": parsed.get("title"),
                "description": parsed.get("description"),
                "yaml": yaml})
        })
        .collect();
    let examples: Vec<Value> = EXAMPLES
        .iter()
        .map(|(name, yaml)| json!({"name": name, "yaml": yaml}))
        .collect();
    json!({"rules": rules, "profiles": profiles, "examples": examples})
}

fn from_js<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("playground: bad call: {e}"))
}

/// `{readmes: {policy: text}, profiles: {name: text}}` in; the rules
/// (with their documented settings), profiles and examples out.
#[wasm_bindgen(js_name = catalogue)]
pub fn catalogue_js(sources: &str) -> String {
    match from_js::<Sources>(sources) {
        Ok(sources) => catalogue(&sources).to_string(),
        Err(e) => json!({"error": e}).to_string(),
    }
}

/// `{rule?, settings}` in; `{valid, message, field, line}` out.
#[wasm_bindgen(js_name = checkSettings)]
pub fn check_settings_js(target: &str) -> String {
    match from_js::<Target>(target) {
        Ok(target) => json!(check_settings(&target)).to_string(),
        Err(e) => json!({"valid": false, "message": e}).to_string(),
    }
}

/// `{manifest, old_manifest?, namespace?, rule?, settings}` in; the
/// settings check and one outcome per document out.
#[wasm_bindgen]
pub fn evaluate(input: &str) -> String {
    match from_js::<Input>(input) {
        Ok(input) => evaluate_input(&input).to_string(),
        Err(e) => json!({"error": e, "documents": []}).to_string(),
    }
}

/// A whole AdmissionRequest (JSON or YAML text, or an AdmissionReview)
/// against `{rule?, settings}`: the outcome, as the e2e suite checks it.
#[wasm_bindgen(js_name = evaluateRequest)]
pub fn evaluate_request(request: &str, target: &str) -> String {
    let target = match from_js::<Target>(target) {
        Ok(target) => target,
        Err(e) => return json!({"error": e}).to_string(),
    };
    let settings = check_settings(&target);
    if !settings.valid {
        return json!({"settings": settings}).to_string();
    }
    let (profile, request) = match (profile_of(&target), text::parse_one(request)) {
        (Ok(profile), Ok(request)) => (profile, text::unwrap_review(request)),
        (Err(check), _) => return json!({"settings": check}).to_string(),
        (_, Err(e)) => return json!({"error": e}).to_string(),
    };
    let response = run(&request, &profile);
    let mut out = outcome(&request, &response);
    out.insert("settings".into(), json!(settings));
    Value::Object(out).to_string()
}

/// YAML or JSON text, one document, as JSON text (`{"error": ...}` when it
/// does not parse): the test page reads the case files with it.
#[wasm_bindgen(js_name = yamlToJson)]
pub fn yaml_to_json(text: &str) -> String {
    match text::parse_one(text) {
        Ok(value) => value.to_string(),
        Err(e) => json!({"error": e}).to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// The texts as `make playground` serves them, from the repository.
    fn sources() -> Sources {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut sources = Sources::default();
        for entry in std::fs::read_dir(root.join("policies")).unwrap() {
            let dir = entry.unwrap().path();
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
            sources.readmes.insert(name, readme);
        }
        for entry in std::fs::read_dir(root.join("profiles")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yml") {
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                sources
                    .profiles
                    .insert(name, std::fs::read_to_string(&path).unwrap());
            }
        }
        sources
    }

    #[test]
    fn every_rule_has_its_readme_and_every_profile_is_listed() {
        let sources = sources();
        let readmes: Vec<&String> = sources.readmes.keys().collect();
        let mut rules: Vec<&str> = CATALOGUE.iter().map(|(n, _)| *n).collect();
        rules.sort_unstable();
        assert_eq!(readmes, rules);
        let catalogue = catalogue(&sources);
        let listed = catalogue["profiles"].as_array().unwrap().len();
        assert_eq!(listed, sources.profiles.len());
        assert!(listed >= 5, "{listed} profiles");
        assert!(catalogue["profiles"][0]["title"].is_string(), "{catalogue}");
    }

    fn input(manifest: &str, rule: Option<&str>, settings: &str) -> Value {
        evaluate_input(&Input {
            manifest: manifest.into(),
            old_manifest: String::new(),
            namespace: None,
            target: Target {
                rule: rule.map(str::to_owned),
                settings: settings.into(),
            },
        })
    }

    const PRIVILEGED: &str = include_str!("../../examples/01-nginx-privileged.yaml");

    #[test]
    fn a_privileged_pod_is_denied_at_its_line() {
        let out = input(PRIVILEGED, Some("no-privilege"), "{}");
        let doc = &out["documents"][0];
        assert_eq!(doc["verdict"], "denied", "{out}");
        assert_eq!(doc["denied_by"], json!(["no-privilege"]));
        let violation = &doc["violations"][0];
        assert_eq!(
            violation["path"],
            "spec.containers[0].securityContext.privileged"
        );
        // 0-based: `privileged: true` is the file's 11th line.
        assert_eq!(violation["line"], 10, "{violation}");
    }

    #[test]
    fn a_profile_names_every_denying_rule_and_documents_are_separate() {
        let profile = include_str!("../../profiles/pss-restricted.yml");
        let two = format!(
            "{PRIVILEGED}---\n{}",
            include_str!("../../examples/02-nginx-unprivileged.yaml")
        );
        let out = input(&two, None, profile);
        let docs = out["documents"].as_array().unwrap();
        assert_eq!(docs.len(), 2, "{out}");
        let mut denied: Vec<&str> = docs[0]["denied_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        denied.sort_unstable();
        assert_eq!(
            denied,
            [
                "allowed-capabilities",
                "allowed-seccomp",
                "allowed-users-groups",
                "no-privilege",
                "no-privilege-escalation"
            ]
        );
        assert!(docs[1]["line"].as_u64().unwrap() > 10);
    }

    #[test]
    fn a_mutation_is_a_patch_and_a_diff() {
        let out = input(
            PRIVILEGED,
            Some("read-only-rootfs"),
            "default_read_only_root_filesystem: true",
        );
        let doc = &out["documents"][0];
        assert_eq!(doc["verdict"], "mutated", "{out}");
        assert_eq!(
            doc["patch"][0]["path"],
            "/spec/containers/0/securityContext/readOnlyRootFilesystem"
        );
        let diff = doc["diff"].as_array().unwrap();
        assert!(diff.iter().any(|l| {
            l[0] == "+"
                && l[1]
                    .as_str()
                    .unwrap()
                    .contains("readOnlyRootFilesystem: true")
        }));
    }

    #[test]
    fn settings_are_checked_as_the_module_checks_them() {
        let check = check_settings(&Target {
            rule: Some("no-privilege".into()),
            settings: "skip_init_containers: false\nskip_everything: true\n".into(),
        });
        assert!(!check.valid);
        assert!(check.message.unwrap().contains("skip_everything"));
        assert_eq!(check.line, Some(1));
        let check = check_settings(&Target {
            rule: Some("no-privilege".into()),
            settings: String::new(),
        });
        assert!(check.valid, "{check:?}");
    }

    #[test]
    fn every_rule_documents_defaults_it_accepts() {
        let catalogue = catalogue(&sources());
        for rule in catalogue["rules"].as_array().unwrap() {
            let check = check_settings(&Target {
                rule: Some(rule["name"].as_str().unwrap().to_owned()),
                settings: rule["defaults"].as_str().unwrap().to_owned(),
            });
            assert!(check.valid, "{}: {check:?}", rule["name"]);
            assert!(!rule["settings"].as_array().unwrap().is_empty(), "{rule}");
        }
    }

    #[test]
    fn lists_reviews_and_json_are_documents() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [
            serde_norway::from_str::<Value>(PRIVILEGED).unwrap(),
            serde_norway::from_str::<Value>(PRIVILEGED).unwrap()]});
        let out = input(&list.to_string(), Some("no-privilege"), "");
        assert_eq!(out["documents"].as_array().unwrap().len(), 2, "{out}");
        // A request as the e2e fixtures hold it, pasted whole: its namespace
        // and operation are the request's.
        let fixture = include_str!("../../profiles/test_data/nginx-privileged-kube-system.json");
        let out = input(
            fixture,
            None,
            r#"{"exempt_namespaces": [kube-system], "rules": [{"policy": "no-privilege"}]}"#,
        );
        assert_eq!(out["documents"][0]["verdict"], "admitted", "{out}");
        let out = input(fixture, Some("no-privilege"), "{}");
        let doc = &out["documents"][0];
        assert_eq!(doc["verdict"], "denied", "{out}");
        let line = doc["violations"][0]["line"].as_u64().unwrap() as usize;
        assert!(
            fixture.lines().nth(line).unwrap().contains("privileged"),
            "{line}"
        );
        let out = input("kind: [", Some("no-privilege"), "{}");
        assert!(
            out["error"].as_str().unwrap().starts_with("line 2: "),
            "{out}"
        );
    }

    #[test]
    fn a_profile_settings_error_names_its_line() {
        let profile = "rules:\n  - policy: no-privilege\n  - policy: proc-mount\n    settings:\n      procMount: Masked\n";
        let check = check_settings(&Target {
            rule: None,
            settings: profile.into(),
        });
        assert!(!check.valid);
        assert_eq!(
            check.field.as_deref(),
            Some("rules[1].settings.procMount"),
            "{check:?}"
        );
        assert_eq!(check.line, Some(4), "{check:?}");
    }

    #[test]
    fn an_update_against_an_old_manifest() {
        let out = evaluate_input(&Input {
            manifest: PRIVILEGED.into(),
            old_manifest: PRIVILEGED.into(),
            namespace: None,
            target: Target {
                rule: Some("no-privilege".into()),
                settings: "{}".into(),
            },
        });
        let doc = &out["documents"][0];
        assert_eq!(doc["operation"], "UPDATE", "{out}");
        // The old pod was privileged already: a warning, not a denial.
        assert_eq!(doc["verdict"], "admitted", "{out}");
        assert!(
            doc["response"]["warnings"]
                .to_string()
                .contains("preexisting")
        );
    }
}

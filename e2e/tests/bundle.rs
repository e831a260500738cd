//! The bundle module against the separate modules it stands for: the same
//! verdict, message, warnings and mutation on every request of the profile
//! table (under every profile) and on every rule's e2e cases (as a
//! one-member profile).

mod common;

use palisade_cli::cases;
use palisade_cli::host::{Policy, ValidationResponse};
use palisade_cli::profile::{LoadedProfile, Profile};
use palisade_cli::run::load_request;
use serde::Deserialize;
use serde_json::{Value, json};

fn bundle() -> Policy {
    Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap()
}

#[derive(Deserialize)]
struct TableCase {
    request: String,
}

/// What must be equal: everything a module answers.
fn differences(bundle: &ValidationResponse, separate: &ValidationResponse) -> Option<String> {
    let fields = [
        ("accepted", json!(bundle.accepted), json!(separate.accepted)),
        ("message", json!(bundle.message), json!(separate.message)),
        ("code", json!(bundle.code), json!(separate.code)),
        ("warnings", json!(bundle.warnings), json!(separate.warnings)),
        (
            "mutated_object",
            json!(bundle.mutated_object),
            json!(separate.mutated_object),
        ),
    ];
    let differing: Vec<String> = fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| format!("{field}: bundle {a} / separate {b}"))
        .collect();
    (!differing.is_empty()).then(|| differing.join("; "))
}

#[test]
fn the_bundle_equals_each_profile_on_every_table_request() {
    let bundle = bundle();
    let dir = common::workspace().join("profiles/test_data");
    let table: Vec<TableCase> =
        serde_norway::from_str(&std::fs::read_to_string(dir.join("cases.yml")).unwrap()).unwrap();
    let profiles = Profile::load_all(&common::workspace().join("profiles")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for profile in profiles {
        let settings = profile.bundle_settings();
        let verdict = bundle.validate_settings(&settings).unwrap();
        assert!(verdict.valid, "{}: {:?}", profile.name, verdict.message);
        let loaded = LoadedProfile::load(profile, &common::artifacts()).unwrap();
        for case in &table {
            count += 1;
            let request = load_request(&dir.join(&case.request)).unwrap();
            let separate = loaded.evaluate(&request).unwrap().response();
            let together = bundle.validate(&request, &settings).unwrap();
            if let Some(diff) = differences(&together, &separate) {
                let name = &loaded.profile.name;
                failures.push(format!("{} under {name}: {diff}", case.request));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} profile requests equal");
}

#[test]
fn the_bundle_equals_each_rule_on_its_e2e_cases() {
    let bundle = bundle();
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in common::policy_dirs() {
        let name = common::name(&dir);
        let module = Policy::load(&common::module_path(&dir)).unwrap();
        for case in cases::load(&dir).unwrap() {
            count += 1;
            let settings = json!({"rules": [{"policy": name, "settings": case.settings}]});
            let verdict = bundle.validate_settings(&settings).unwrap();
            if let Some(expected) = &case.settings_error {
                let message = verdict.message.unwrap_or_default();
                if verdict.valid || !message.contains(expected.as_str()) {
                    failures.push(format!(
                        "{name}: {}: settings error {message:?}, expected one about {expected:?}",
                        case.name
                    ));
                }
                continue;
            }
            assert!(
                verdict.valid,
                "{name}: {}: {:?}",
                case.name, verdict.message
            );
            let request = load_request(&dir.join("test_data").join(&case.request)).unwrap();
            let separate = module.validate(&request, &case.settings).unwrap();
            let together = bundle.validate(&request, &settings).unwrap();
            if let Some(diff) = differences(&together, &separate) {
                failures.push(format!("{name}: {}: {diff}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} rule cases equal");
}

#[test]
fn the_bundle_refuses_bad_settings_naming_the_member_and_field() {
    let bundle = bundle();
    let refused = |settings: Value| {
        let verdict = bundle.validate_settings(&settings).unwrap();
        assert!(!verdict.valid, "accepted {settings}");
        verdict.message.unwrap_or_default()
    };
    let message = refused(json!({"rules": [{"policy": "sysctls"},
        {"policy": "proc-mount", "settings": {"procMount": "Masked"}}]}));
    assert!(
        message
            .starts_with("bundle: invalid settings: rules[1].settings (proc-mount): procMount: "),
        "{message}"
    );
    let message = refused(json!({"rules": [{"policy": "no-such-rule"}]}));
    assert!(message.contains("rules[0].policy"), "{message}");
    assert!(refused(json!({})).contains("rules"));
    // Malformed requests are a 400 from the bundle too, never a trap.
    let out = bundle
        .validate_raw(br#"{"request": {"operation": "CREATE"}, "settings": {"rules": [{"policy": "no-privilege"}]}}"#)
        .unwrap();
    assert_eq!(out.code, Some(400), "{out:?}");
}

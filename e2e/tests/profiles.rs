//! Every profile through the built modules: each rule accepts the profile's
//! settings, the verdict table in `profiles/test_data/cases.yml` holds rule
//! for rule, mutated objects are then admitted as they are, and the
//! generated manifests deploy exactly the profile.

mod common;

use palisade_cli::examples::Verdict;
use palisade_cli::profile::{
    LoadedProfile, Mode, ModuleRef, Profile, bundle_manifest, group_manifest, policy_manifests,
};
use palisade_cli::run::load_request;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

const PROFILES: [&str; 6] = [
    "aks-deployment-safeguards",
    "aks-psp-restricted",
    "azure-baseline",
    "azure-restricted",
    "pss-baseline",
    "pss-restricted",
];

fn profiles_dir() -> PathBuf {
    common::workspace().join("profiles")
}

fn load(name: &str) -> LoadedProfile {
    let profile = Profile::load(&profiles_dir().join(format!("{name}.yml"))).unwrap();
    LoadedProfile::load(profile, &common::artifacts()).unwrap()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    request: String,
    expect: BTreeMap<String, Expected>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Expected {
    Verdict(String),
    DeniedBy(Vec<String>),
}

#[test]
fn the_six_profiles_exist_and_name_only_built_policies() {
    let profiles = Profile::load_all(&profiles_dir()).unwrap();
    let names: Vec<_> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, PROFILES);
    let policies: Vec<String> = common::policy_dirs()
        .iter()
        .map(|d| common::name(d))
        .collect();
    for profile in &profiles {
        let mut seen = Vec::new();
        for rule in &profile.rules {
            assert!(
                policies.contains(&rule.policy),
                "{}: {}",
                profile.name,
                rule.policy
            );
            let name = rule.name().to_owned();
            assert!(!seen.contains(&name), "{name} twice in {}", profile.name);
            seen.push(name);
        }
    }
}

#[test]
fn every_rule_accepts_its_profile_settings_in_both_deployments() {
    let (policies, refs) = modules(false);
    let dir = profiles_dir().join("test_data");
    let requests: Vec<Value> = json_files(&dir)
        .iter()
        .map(|p| load_request(p).unwrap())
        .collect();
    let mut modules = BTreeMap::new();
    for name in PROFILES {
        // LoadedProfile::load checks the settings the policy set runs with.
        let loaded = load(name);
        // The group's members: valid settings, and never a mutation, since
        // a group cannot mutate.
        let group = group_manifest(&loaded.profile, &policies, &refs, Mode::Protect).unwrap();
        for (member, spec) in group["spec"]["policies"].as_object().unwrap() {
            // The module a member runs: its reference names the policy.
            let reference = spec["module"].as_str().unwrap();
            let policy_name = reference
                .rsplit('/')
                .next()
                .unwrap()
                .split(':')
                .next()
                .unwrap();
            let policy = modules.entry(policy_name.to_owned()).or_insert_with(|| {
                let module = common::artifacts().join(policy_name).join("policy.wasm");
                palisade_cli::host::Policy::load(&module).unwrap()
            });
            let settings = &spec["settings"];
            let verdict = policy.validate_settings(settings).unwrap();
            assert!(verdict.valid, "{name}/{member}: {:?}", verdict.message);
            for request in &requests {
                let response = policy.validate(request, settings).unwrap();
                assert!(
                    response.mutated_object.is_none(),
                    "{name}/{member} mutates {} in the group",
                    request["name"]
                );
            }
        }
    }
}

fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn profile_verdicts_match_the_table() {
    let dir = profiles_dir().join("test_data");
    let cases: Vec<Case> =
        serde_norway::from_str(&std::fs::read_to_string(dir.join("cases.yml")).unwrap()).unwrap();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let loaded: Vec<LoadedProfile> = PROFILES.iter().map(|name| load(name)).collect();
    let mut failures = Vec::new();
    for case in &cases {
        let request = load_request(&dir.join(&case.request)).unwrap();
        let listed: Vec<&str> = case.expect.keys().map(String::as_str).collect();
        assert_eq!(
            listed, PROFILES,
            "{}: every profile needs a verdict",
            case.request
        );
        for profile in &loaded {
            let name = &profile.profile.name;
            let outcome = profile.evaluate(&request).unwrap();
            let mut denied_by: Vec<String> = outcome
                .rules
                .iter()
                .filter(|r| !r.response.accepted)
                .map(|r| r.policy.clone())
                .collect();
            denied_by.sort();
            let got = match outcome.verdict {
                Verdict::Denied => format!("{denied_by:?}"),
                other => other.as_str().to_owned(),
            };
            let want = match &case.expect[name] {
                Expected::Verdict(v) => v.clone(),
                Expected::DeniedBy(rules) => {
                    let mut rules = rules.clone();
                    rules.sort();
                    format!("{rules:?}")
                }
            };
            if got != want {
                let messages = outcome.violations().join(" | ");
                failures.push(format!(
                    "{} under {name}: got {got}, want {want} ({messages})",
                    case.request
                ));
                continue;
            }
            // A mutated object is one the profile then admits unchanged.
            if let Some(mutated) = outcome.mutated_object {
                let mut again = request.clone();
                again["object"] = mutated;
                let second = profile.evaluate(&again).unwrap();
                if second.verdict != Verdict::Admitted {
                    failures.push(format!(
                        "{} under {name}: the mutated object is {} again: {:?}",
                        case.request,
                        second.verdict.as_str(),
                        second.violations()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_walkthrough_nonroot_pod_gets_the_psp_defaults() {
    let dir = profiles_dir().join("test_data");
    let request = load_request(&dir.join("nginx-unprivileged-nonroot.json")).unwrap();
    let outcome = load("aks-psp-restricted").evaluate(&request).unwrap();
    assert_eq!(outcome.verdict, Verdict::Mutated);
    let pod = outcome.mutated_object.unwrap();
    let sc = &pod["spec"]["securityContext"];
    assert_eq!(sc["fsGroup"], json!(1));
    assert_eq!(sc["supplementalGroups"], json!([1]));
    assert_eq!(sc["seccompProfile"]["type"], json!("RuntimeDefault"));
    assert_eq!(sc["appArmorProfile"]["type"], json!("RuntimeDefault"));
    let container = &pod["spec"]["containers"][0]["securityContext"];
    assert_eq!(container["runAsUser"], json!(2000), "the user is kept");
    assert_eq!(container["allowPrivilegeEscalation"], json!(false));
    assert_eq!(container["capabilities"]["drop"], json!(["ALL"]));
    // The plain walkthrough pod also gets runAsNonRoot.
    let request = load_request(&dir.join("nginx-unprivileged.json")).unwrap();
    let outcome = load("aks-psp-restricted").evaluate(&request).unwrap();
    let pod = outcome.mutated_object.unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["securityContext"]["runAsNonRoot"],
        json!(true)
    );
    assert_eq!(
        pod["metadata"], request["object"]["metadata"],
        "metadata is untouched"
    );
}

#[test]
fn a_denial_names_every_rule_and_path() {
    let dir = profiles_dir().join("test_data");
    let request = load_request(&dir.join("cronjob-privileged-debug.json")).unwrap();
    let response = load("pss-restricted")
        .evaluate(&request)
        .unwrap()
        .response();
    assert!(!response.accepted);
    let message = response.message.unwrap();
    for needle in [
        "no-privilege: spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged",
        "block-host-namespace: spec.jobTemplate.spec.template.spec.hostPID",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
}

fn modules(pin: bool) -> (PathBuf, ModuleRef<'static>) {
    let artifacts: &'static PathBuf = Box::leak(Box::new(common::artifacts()));
    (
        common::workspace().join("policies"),
        ModuleRef {
            registry: "registry.example.com/palisade",
            artifacts,
            pin,
        },
    )
}

#[test]
fn the_group_manifest_requires_every_rule_and_only_validates() {
    let (policies, refs) = modules(false);
    for name in PROFILES {
        let profile = Profile::load(&profiles_dir().join(format!("{name}.yml"))).unwrap();
        let group = group_manifest(&profile, &policies, &refs, Mode::Monitor).unwrap();
        assert_eq!(group["kind"], "ClusterAdmissionPolicyGroup");
        assert_eq!(group["spec"]["mode"], "monitor");
        let members = group["spec"]["policies"].as_object().unwrap();
        assert_eq!(members.len(), profile.rules.len(), "{name}");
        let expression = group["spec"]["expression"].as_str().unwrap();
        assert_eq!(expression.matches("&&").count(), profile.rules.len() - 1);
        for rule in &profile.rules {
            let member = rule.name().replace('-', "_");
            assert!(expression.contains(&format!("{member}()")), "{expression}");
            let spec = &members[&member];
            let module = spec["module"].as_str().unwrap();
            assert!(module.starts_with(&format!(
                "registry://registry.example.com/palisade/{}:v",
                rule.policy
            )));
            // Groups cannot mutate: rules that mutate under the profile's
            // settings run with validate_only there.
            let mutates = [
                "default_profile",
                "default_allow_privilege_escalation",
                "required_drop_capabilities",
                "fs_group",
            ]
            .iter()
            .any(|key| rule.settings.get(key).is_some() && name == "aks-psp-restricted");
            if mutates {
                assert_eq!(
                    spec["settings"]["validate_only"],
                    json!(true),
                    "{name}/{}",
                    rule.policy
                );
            }
            assert_eq!(
                spec["settings"]["exempt_namespaces"],
                if profile.exempt_namespaces.is_empty() {
                    Value::Null
                } else {
                    json!(profile.exempt_namespaces)
                }
            );
        }
        let rules = group["spec"]["rules"].as_array().unwrap();
        assert!(
            rules
                .iter()
                .any(|r| r["resources"].as_array().unwrap().contains(&json!("pods")))
        );
    }
}

#[test]
fn the_policy_set_keeps_mutations_and_pins_digests() {
    let (policies, refs) = modules(true);
    for name in PROFILES {
        let profile = Profile::load(&profiles_dir().join(format!("{name}.yml"))).unwrap();
        let set = policy_manifests(&profile, &policies, &refs, Mode::Protect).unwrap();
        assert_eq!(set.len(), profile.rules.len());
        for (manifest, rule) in set.iter().zip(&profile.rules) {
            assert_eq!(manifest["kind"], "ClusterAdmissionPolicy");
            assert_eq!(manifest["spec"]["mode"], "protect");
            assert_eq!(manifest["metadata"]["labels"]["palisade.dev/profile"], name);
            let digest =
                std::fs::read_to_string(common::artifacts().join(&rule.policy).join("digest"))
                    .unwrap();
            let module = manifest["spec"]["module"].as_str().unwrap();
            assert_eq!(
                module,
                format!(
                    "registry://registry.example.com/palisade/{}@{}",
                    rule.policy,
                    digest.trim()
                )
            );
            assert!(
                digest
                    .trim()
                    .strip_prefix("sha256:")
                    .is_some_and(|h| h.len() == 64)
            );
            // The set runs each rule with the profile's settings, mutations included.
            let mut settings = rule.settings.clone();
            if !profile.exempt_namespaces.is_empty() {
                settings["exempt_namespaces"] = json!(profile.exempt_namespaces);
            }
            assert_eq!(manifest["spec"]["settings"], settings);
        }
    }
    let aks = Profile::load(&profiles_dir().join("aks-psp-restricted.yml")).unwrap();
    let set = policy_manifests(&aks, &policies, &refs, Mode::Protect).unwrap();
    assert!(set.iter().any(|m| m["spec"]["mutating"] == json!(true)));
}

#[test]
fn the_bundle_manifest_runs_the_whole_profile_in_one_pinned_policy() {
    let (policies, refs) = modules(true);
    let bundle_dir = common::workspace().join("bundle");
    let bundle =
        palisade_cli::host::Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    let digest = std::fs::read_to_string(common::artifacts().join("bundle/digest")).unwrap();
    for name in PROFILES {
        let profile = Profile::load(&profiles_dir().join(format!("{name}.yml"))).unwrap();
        let manifest =
            bundle_manifest(&profile, &policies, &bundle_dir, &refs, Mode::Monitor).unwrap();
        assert_eq!(manifest["kind"], "ClusterAdmissionPolicy");
        assert_eq!(
            manifest["metadata"]["name"],
            format!("palisade-{name}-bundle")
        );
        assert_eq!(manifest["spec"]["mode"], "monitor");
        assert_eq!(
            manifest["spec"]["module"],
            format!(
                "registry://registry.example.com/palisade/bundle@{}",
                digest.trim()
            )
        );
        // The settings are the profile, and the bundle module accepts them.
        let settings = &manifest["spec"]["settings"];
        assert_eq!(
            settings["rules"].as_array().unwrap().len(),
            profile.rules.len()
        );
        let verdict = bundle.validate_settings(settings).unwrap();
        assert!(verdict.valid, "{name}: {:?}", verdict.message);
        // It is a mutating policy exactly when a member's module is.
        let mutating = profile.rules.iter().any(|rule| {
            let metadata =
                std::fs::read_to_string(policies.join(&rule.policy).join("metadata.yml")).unwrap();
            metadata.contains("\nmutating: true")
        });
        assert_eq!(manifest["spec"]["mutating"], json!(mutating), "{name}");
        let rules = manifest["spec"]["rules"].as_array().unwrap();
        for resource in [
            "pods",
            "pods/ephemeralcontainers",
            "deployments",
            "cronjobs",
        ] {
            assert!(
                rules.iter().any(|r| r["resources"]
                    .as_array()
                    .unwrap()
                    .contains(&json!(resource))),
                "{name}: {resource}"
            );
        }
    }
}

//! `palisade convert azure` through the built modules: the three
//! initiatives assigned with their default parameters agree with the
//! hand-written azure-baseline, azure-restricted and
//! aks-deployment-safeguards profiles on the profile table; a single
//! definition assigned with Deny and an excluded namespace denies the
//! privileged nginx pod and exempts the namespace; Audit and DoNotEnforce
//! become monitor in the manifests; a definition without a rule is an
//! error naming it.

mod common;

use common::{TempDir, example_request, palisade, succeeds};

use palisade_cli::examples::Verdict;
use palisade_cli::profile::{LoadedProfile, Profile};
use palisade_cli::run::load_request;
use serde_json::{Value, json};
use std::path::PathBuf;

fn assignment(name: &str) -> PathBuf {
    common::workspace().join("e2e/tests/azure").join(name)
}

/// The profiles `convert azure FILE` prints, and its stderr.
fn convert(file: &str) -> (Vec<Profile>, String) {
    let output = palisade(&["convert", "azure", assignment(file).to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let stdout = succeeds(output);
    let profiles = stdout
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_norway::from_str(d).unwrap())
        .collect();
    (profiles, stderr)
}

/// `only_written`: the hand-written profile's rules the initiative does
/// not have (their verdicts must still agree).
fn agrees_with(file: &str, hand_written: &str, only_written: &[&str]) {
    let (mut profiles, _) = convert(file);
    assert_eq!(profiles.len(), 1);
    let converted = LoadedProfile::load(profiles.remove(0), &common::artifacts()).unwrap();
    let written =
        Profile::load(&common::workspace().join(format!("profiles/{hand_written}.yml"))).unwrap();
    assert_eq!(
        converted.profile.exempt_namespaces,
        written.exempt_namespaces
    );
    let mut converted_policies: Vec<&str> = converted
        .profile
        .rules
        .iter()
        .map(|r| r.policy.as_str())
        .collect();
    let mut written_policies: Vec<&str> = written
        .rules
        .iter()
        .map(|r| r.policy.as_str())
        .filter(|p| !only_written.contains(p))
        .collect();
    converted_policies.sort_unstable();
    written_policies.sort_unstable();
    assert_eq!(converted_policies, written_policies);
    let written = LoadedProfile::load(written, &common::artifacts()).unwrap();
    let mut compared = 0;
    let mut denied = 0;
    let mut differences = Vec::new();
    for path in common::profile_table_requests() {
        let request = load_request(&path).unwrap();
        let ours = converted.evaluate(&request).unwrap();
        let theirs = written.evaluate(&request).unwrap();
        if ours.verdict != theirs.verdict || ours.mutated_object != theirs.mutated_object {
            differences.push(format!(
                "{}: converted {:?} ({:?}), {hand_written} {:?} ({:?})",
                path.display(),
                ours.verdict,
                ours.violations(),
                theirs.verdict,
                theirs.violations()
            ));
        }
        denied += usize::from(theirs.verdict == Verdict::Denied);
        compared += 1;
    }
    assert!(
        differences.is_empty(),
        "{} of {compared} differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(
        compared > 20 && denied > 5,
        "{compared} compared, {denied} denied"
    );
}

#[test]
fn the_baseline_initiative_agrees_with_azure_baseline() {
    agrees_with("baseline.json", "azure-baseline", &[]);
}

#[test]
fn the_restricted_initiative_agrees_with_azure_restricted() {
    // Restricted 2.5.0 has no hostPath member (its volume types refuse
    // hostPath); the hand-written profile keeps host-filesystem from
    // earlier versions.
    agrees_with("restricted.json", "azure-restricted", &["host-filesystem"]);
}

#[test]
fn the_safeguards_initiative_agrees_with_aks_deployment_safeguards() {
    agrees_with("safeguards.json", "aks-deployment-safeguards", &[]);
}

fn read_yaml(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .split("---\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_norway::from_str(d).unwrap())
        .collect()
}

#[test]
fn a_denying_definition_denies_the_privileged_pod_outside_its_excluded_namespaces() {
    let out = TempDir::new("azure-deny");
    let written = succeeds(palisade(&[
        "convert",
        "azure",
        assignment("no-privilege-deny.json").to_str().unwrap(),
        "--out",
        out.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]));
    assert!(
        written.contains("no-privileged-containers.yml"),
        "{written}"
    );
    let profile = Profile::load(&out.0.join("no-privileged-containers.yml")).unwrap();
    let loaded = LoadedProfile::load(profile.clone(), &common::artifacts()).unwrap();
    let verdict = |example: &str, namespace: &str| {
        loaded
            .evaluate(&example_request(example, namespace))
            .unwrap()
            .verdict
    };
    assert_eq!(
        verdict("01-nginx-privileged.yaml", "default"),
        Verdict::Denied
    );
    assert_eq!(
        verdict("01-nginx-privileged.yaml", "tools"),
        Verdict::Admitted
    );
    assert_eq!(
        verdict("02-nginx-unprivileged.yaml", "default"),
        Verdict::Admitted
    );
    // Deny: the policy protects; the monitor manifests only log.
    let policies = read_yaml(&out.0.join("no-privileged-containers/policies.yaml"));
    assert_eq!(policies.len(), 1);
    assert_eq!(policies[0]["spec"]["mode"], "protect");
    assert_eq!(
        policies[0]["spec"]["settings"]["exempt_namespaces"],
        json!(["kube-system", "gatekeeper-system", "azure-arc", "tools"])
    );
    let monitor = read_yaml(&out.0.join("no-privileged-containers/policies-monitor.yaml"));
    assert_eq!(monitor[0]["spec"]["mode"], "monitor");
    // The bundle runs the converted profile as the separate module does.
    let bundle = read_yaml(&out.0.join("no-privileged-containers/bundle.yaml"));
    assert_eq!(bundle[0]["spec"]["mode"], "protect");
    let settings = &bundle[0]["spec"]["settings"];
    assert!(settings["rules"][0].get("mode").is_none(), "{settings}");
    let module =
        palisade_cli::host::Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    assert!(module.validate_settings(settings).unwrap().valid);
    let response = module
        .validate(
            &example_request("01-nginx-privileged.yaml", "default"),
            settings,
        )
        .unwrap();
    assert!(!response.accepted);
}

#[test]
fn audit_and_do_not_enforce_become_monitor_in_the_manifests() {
    let out = TempDir::new("azure-audit");
    let output = palisade(&[
        "convert",
        "azure",
        assignment("audit.json").to_str().unwrap(),
        assignment("restricted.json").to_str().unwrap(),
        "--out",
        out.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    succeeds(output);
    assert!(stderr.contains("notScopes ignored"), "{stderr}");
    for name in [
        "no-privilege-audit",
        "pull-policy-deny-not-enforced",
        "psp-restricted-team-a",
    ] {
        let dir = out.0.join(name);
        for policy in read_yaml(&dir.join("policies.yaml")) {
            assert_eq!(policy["spec"]["mode"], "monitor", "{name}: {policy}");
        }
        for file in ["group.yaml", "bundle.yaml"] {
            let manifest = &read_yaml(&dir.join(file))[0];
            assert_eq!(manifest["spec"]["mode"], "monitor", "{name}/{file}");
        }
    }
    let restricted = read_yaml(&out.0.join("psp-restricted-team-a/policies.yaml"));
    assert_eq!(restricted.len(), 8);
}

#[test]
fn a_definition_without_a_rule_is_an_error_naming_it() {
    let file = assignment("unknown.json");
    let output = palisade(&["convert", "azure", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        format!(
            "Error: {}: assignment no-node-edits: policyDefinitionId: CannotEditIndividualNodes (53a4a537-990c-495a-92e0-7c21a465442c) has no Palisade rule",
            file.display()
        )
    );
    // Inside an initiative, such members are a note.
    let (_, stderr) = convert("safeguards.json");
    assert!(
        stderr.contains(
            "members without a Palisade rule, left out: restrictedNodeEditsInKubernetesCluster"
        ),
        "{stderr}"
    );
}

/// Every definition with a rule, assigned with its defaults (and a value
/// for each required parameter), converts to settings its built module
/// accepts; so do the excluded containers and images.
#[test]
fn every_mapped_definition_converts_to_settings_its_module_accepts() {
    use palisade_cli::convert_azure::DEFINITIONS;
    let required = json!({
        "allowedContainerImagesRegex": "^myacr\\.azurecr\\.io/",
        "allowedSysctls": ["kernel.shm_rmid_forced"],
        "cpuLimit": "500m",
        "memoryLimit": "1Gi",
        "allowedContainerPortsList": ["80", "8000-8080"],
        "allowedServicePortsList": ["443"],
        "labelsList": ["team"],
        "allowedProfiles": ["runtime/default"],
    });
    let mut converted = 0;
    let mut failures = Vec::new();
    for def in DEFINITIONS.iter().filter(|d| d.rule.is_some()) {
        for extra in [
            json!({}),
            json!({"excludedContainers": {"value": ["debug"]}, "excludedImages": {"value": ["debug/*"]}}),
        ] {
            let mut parameters = extra.as_object().unwrap().clone();
            for (name, value) in required.as_object().unwrap() {
                if def.knows(name) {
                    parameters.insert(name.clone(), json!({"value": value}));
                }
            }
            let assignment = json!({"name": "x", "parameters": parameters,
                "policyDefinitionId": format!("/providers/Microsoft.Authorization/policyDefinitions/{}", def.guid)});
            let mut notes = Vec::new();
            match palisade_cli::convert_azure::convert_text(
                &assignment.to_string(),
                "t",
                &mut notes,
            ) {
                Ok(mut profiles) => {
                    let profile = profiles.remove(0);
                    let settings = profile.rules[0].settings.clone();
                    if let Err(error) = LoadedProfile::load(profile, &common::artifacts()) {
                        failures.push(format!("{}: {settings}: {error:#}", def.stem));
                    }
                }
                Err(error) => failures.push(format!("{}: {error:#}", def.stem)),
            }
            converted += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(converted, 2 * 28);
}

/// `namespaces` and `labelSelector` scope the profile: the manifests carry
/// a namespace and an object selector, and `palisade run` applies them.
#[test]
fn namespaces_and_label_selectors_scope_the_converted_policy() {
    let out = TempDir::new("azure-scoped");
    succeeds(palisade(&[
        "convert",
        "azure",
        assignment("scoped.json").to_str().unwrap(),
        "--out",
        out.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]));
    let profile_path = out.0.join("no-privilege-team-a-web.yml");
    for file in ["policies.yaml", "group.yaml", "bundle.yaml"] {
        let manifest = &read_yaml(&out.0.join("no-privilege-team-a-web").join(file))[0];
        let spec = &manifest["spec"];
        assert_eq!(
            spec["namespaceSelector"]["matchExpressions"][0]["values"],
            json!(["team-a"]),
            "{file}"
        );
        assert_eq!(
            spec["objectSelector"]["matchExpressions"][0]["key"], "tier",
            "{file}"
        );
        assert!(spec.get("matchConditions").is_none(), "{file}");
    }
    let run = |namespace: &str, tier: &str| {
        let mut request = example_request("01-nginx-privileged.yaml", namespace);
        request["object"]["metadata"]["labels"] = json!({"tier": tier});
        let path = out.0.join("request.json");
        std::fs::write(&path, serde_json::to_vec(&request).unwrap()).unwrap();
        let answer: Value = serde_json::from_str(&succeeds(palisade(&[
            "run",
            "--profile",
            profile_path.to_str().unwrap(),
            "--artifacts",
            common::artifacts().to_str().unwrap(),
            "-r",
            path.to_str().unwrap(),
        ])))
        .unwrap();
        answer["allowed"].as_bool().or(answer["accepted"].as_bool())
    };
    assert_eq!(run("team-a", "web"), Some(false));
    assert_eq!(run("team-b", "web"), Some(true));
    assert_eq!(run("team-a", "db"), Some(true));
}

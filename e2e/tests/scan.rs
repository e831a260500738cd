//! `palisade scan` through the built bundle module: every example under
//! every profile gets the verdict of examples/expected.yml, objects on
//! stdin are found with their lines, what is not a Kubernetes object is
//! reported, and the exit status says whether anything was denied.

mod common;

use palisade_cli::profile::Profile;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn scan(args: &[&str], stdin: Option<&str>) -> Output {
    let bundle = common::artifacts().join("bundle/policy.wasm");
    let mut child = Command::new(common::runner())
        .arg("scan")
        .args(args)
        .args(["--module", bundle.to_str().unwrap()])
        .current_dir(common::workspace())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn objects(output: &Output) -> Vec<Value> {
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    report["objects"].as_array().unwrap().clone()
}

#[test]
fn every_example_under_every_profile_gets_its_expected_verdict() {
    let expected: BTreeMap<String, BTreeMap<String, String>> = serde_norway::from_str(
        &std::fs::read_to_string(common::workspace().join("examples/expected.yml")).unwrap(),
    )
    .unwrap();
    let mut compared = 0;
    for profile in Profile::load_all(&common::workspace().join("profiles")).unwrap() {
        let output = scan(
            &["examples", "--profile", &profile.name, "--format", "json"],
            None,
        );
        // Every profile denies some example.
        assert_eq!(output.status.code(), Some(1), "{}", profile.name);
        let objects = objects(&output);
        let named = |name: &Value| objects.iter().filter(|o| &o["name"] == name).count();
        for object in &objects {
            let location = object["location"].as_str().unwrap();
            if object["kind"] == "" {
                // expected.yml and settings.yml are not Kubernetes objects.
                assert_eq!(object["verdict"], "invalid", "{object}");
                assert!(
                    location.ends_with(".yml:3") || location.ends_with(".yml:2"),
                    "{location}"
                );
                continue;
            }
            // The table names examples by metadata.name: a name two
            // examples share cannot be told apart.
            let Some(verdicts) = object["name"]
                .as_str()
                .and_then(|n| expected.get(n))
                .filter(|_| named(&object["name"]) == 1)
            else {
                continue; // an example the table does not cover yet
            };
            let Some(verdict) = verdicts.get(&profile.name) else {
                continue; // a profile the table does not cover yet
            };
            assert_eq!(
                object["verdict"],
                verdict.as_str(),
                "{location} under {}: {object}",
                profile.name
            );
            assert!(
                location.starts_with("examples/") && location.contains(".yaml:"),
                "{location}"
            );
            if verdict == "denied" {
                let violations = object["violations"].as_array().unwrap();
                assert!(!violations.is_empty(), "{object}");
                for violation in violations {
                    let rule = violation["rule"].as_str().unwrap();
                    assert!(
                        profile.rules.iter().any(|r| r.name() == rule),
                        "{violation}"
                    );
                    // Field path first.
                    let message = violation["message"].as_str().unwrap();
                    assert!(
                        message.starts_with("spec.") || message.starts_with("metadata."),
                        "{violation}"
                    );
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 17 * 5, "{compared}");
}

const STDIN: &str = "# helm template output
---
# Source: chart/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
# Source: chart/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: web
        image: nginx
        securityContext:
          privileged: true
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: plain}
  spec:
    containers: [{name: c, image: nginx}]
---
just: a map
";

#[test]
fn stdin_documents_are_found_with_their_lines_and_non_objects_reported() {
    let output = scan(
        &["-", "--profile", "pss-baseline", "--format", "json"],
        Some(STDIN),
    );
    assert_eq!(output.status.code(), Some(1));
    let found: Vec<(String, String, String)> = objects(&output)
        .iter()
        .map(|o| {
            (
                o["location"].as_str().unwrap().to_owned(),
                format!(
                    "{} {}/{}",
                    o["kind"].as_str().unwrap(),
                    o["namespace"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                ),
                o["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("stdin:4", "ConfigMap default/settings", "admitted"),
        ("stdin:12", "Deployment shop/web", "denied"),
        ("stdin:26 items[0]", "Pod default/plain", "admitted"),
        ("stdin:35", " default/", "invalid"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(found, expected);
    let web = &objects(&output)[1];
    assert_eq!(web["violations"][0]["rule"], "no-privilege");
    assert!(
        web["violations"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("spec.template.spec.containers[0].securityContext.privileged: ")
    );

    // The readable table: a row per object, the violation under it, a count.
    let output = scan(&["-", "--profile", "pss-baseline"], Some(STDIN));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.contains("stdin:12           Deployment shop/web"),
        "{table}"
    );
    assert!(
        table.contains(
            "\n    no-privilege: spec.template.spec.containers[0].securityContext.privileged: "
        ),
        "{table}"
    );
    assert!(
        table.ends_with("4 objects: 2 admitted, 0 mutated, 1 denied, 0 out of scope, 1 invalid\n"),
        "{table}"
    );

    // JUnit for CI test reports: a test case per object, a failure per
    // denied or invalid one.
    let output = scan(
        &["-", "--profile", "pss-baseline", "--format", "junit"],
        Some(STDIN),
    );
    let junit = String::from_utf8(output.stdout).unwrap();
    assert!(
        junit.contains("<testsuite name=\"palisade scan\" tests=\"4\" failures=\"2\">"),
        "{junit}"
    );
    assert_eq!(junit.matches("<testcase ").count(), 4, "{junit}");
    assert!(junit.contains("<testcase classname=\"stdin:12\" name=\"Deployment shop/web\"><failure message=\"no-privilege: spec.template.spec.containers[0].securityContext.privileged: container &quot;web&quot;"), "{junit}");

    // SARIF for code scanning: a result per violation at its file and line.
    let output = scan(
        &["-", "--profile", "pss-baseline", "--format", "sarif"],
        Some(STDIN),
    );
    let sarif: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let places: Vec<(&str, &str, u64)> = results
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap(),
                location["artifactLocation"]["uri"].as_str().unwrap(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [("no-privilege", "stdin", 12), ("scan", "stdin", 35)]
    );
    let rules: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["no-privilege", "scan"]);

    // Monitor mode reports and succeeds.
    let output = scan(
        &["-", "--profile", "pss-baseline", "--mode", "monitor"],
        Some(STDIN),
    );
    assert_eq!(output.status.code(), Some(0));
}

/// A document that is not YAML is one invalid object at its line, and the
/// documents after it are still judged: one typo does not hide the rest.
#[test]
fn a_document_that_is_not_yaml_is_invalid_and_the_rest_are_judged() {
    let stdin = "\
apiVersion: v1
kind: Pod
metadata: {name: first}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: broken
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: last}
spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true}}]}
";
    let output = scan(
        &["-", "--profile", "pss-baseline", "--format", "json"],
        Some(stdin),
    );
    assert_eq!(output.status.code(), Some(1));
    let objects = objects(&output);
    let found: Vec<(&str, &str, &str)> = objects
        .iter()
        .map(|o| {
            (
                o["location"].as_str().unwrap(),
                o["name"].as_str().unwrap(),
                o["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("stdin:1", "first", "admitted"),
            ("stdin:6", "", "invalid"),
            ("stdin:11", "last", "denied"),
        ]
    );
    let reason = objects[1]["violations"][0]["message"].as_str().unwrap();
    assert!(reason.starts_with("not YAML: "), "{reason}");
    let output = scan(&["-", "--profile", "pss-baseline"], Some(stdin));
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(
        table.ends_with("3 objects: 1 admitted, 0 mutated, 1 denied, 0 out of scope, 1 invalid\n"),
        "{table}"
    );
}

#[test]
fn single_rules_and_clean_trees() {
    let dir = common::TempDir::new("scan");
    std::fs::write(
        dir.0.join("settings.yml"),
        "allowed_capabilities: [SYS_ADMIN]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.0.join("nested")).unwrap();
    std::fs::copy(
        common::workspace().join("examples/05-backup-cronjob.yaml"),
        dir.0.join("nested/backup.yaml"),
    )
    .unwrap();
    let file = dir.0.join("nested/backup.yaml");
    let settings = format!(
        "allowed-capabilities:{}",
        dir.0.join("settings.yml").display()
    );
    // The CronJob adds SYS_ADMIN: allowed with the settings, denied without.
    let output = scan(
        &[
            file.to_str().unwrap(),
            "--policy",
            &settings,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(objects(&output)[0]["verdict"], "admitted");
    let output = scan(
        &[
            dir.0.join("nested").to_str().unwrap(),
            "--policy",
            "allowed-capabilities",
            "--policy",
            "no-privilege",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    // A file that does not exist and a profile that does not are one-line errors.
    let output = scan(&["no/such/dir", "--profile", "pss-baseline"], None);
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "Error: no/such/dir: no such file or directory"
    );
    let output = scan(&["examples", "--policy", "no-such-rule"], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Error: profile scan: ") && stderr.contains("rules[0].policy"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

/// A Pod of `containers` containers as a manifest, in JSON (which is YAML).
fn pod_manifest(name: &str, containers: usize) -> String {
    let containers: Vec<Value> = (0..containers)
        .map(|i| serde_json::json!({"name": format!("c{i}"), "image": "nginx:1.27"}))
        .collect();
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": containers},
    })
    .to_string()
}

#[test]
fn an_object_beyond_the_limits_is_an_error_and_the_scan_goes_on() {
    let stream = format!(
        "{}\n---\n{}\n",
        pod_manifest("huge", 3000),
        pod_manifest("small", 1)
    );
    for (limit, value, message) in [
        (
            "--fuel",
            "20000000",
            "fuel limit of 20000000 wasm operators",
        ),
        ("--max-memory", "2", "memory limit"),
    ] {
        let output = scan(
            &[
                "-",
                "--profile",
                "pss-baseline",
                "--format",
                "json",
                limit,
                value,
            ],
            Some(&stream),
        );
        assert_eq!(output.status.code(), Some(1), "{limit}");
        let found = objects(&output);
        assert_eq!(found[0]["name"], "huge");
        assert_eq!(found[0]["verdict"], "error", "{limit}: {}", found[0]);
        assert_eq!(found[0]["violations"][0]["rule"], "scan");
        let text = found[0]["violations"][0]["message"].as_str().unwrap();
        assert!(text.contains(message), "{limit}: {text}");
        // The next object is judged by a fresh instance.
        assert_eq!(found[1]["name"], "small");
        assert_eq!(found[1]["verdict"], "admitted", "{limit}: {}", found[1]);

        let output = scan(
            &["-", "--profile", "pss-baseline", limit, value],
            Some(&stream),
        );
        let table = String::from_utf8(output.stdout).unwrap();
        assert!(
            table.ends_with(
                "2 objects: 1 admitted, 0 mutated, 0 denied, 0 out of scope, 0 invalid, \
                 1 not evaluated (limits exceeded)\n"
            ),
            "{table}"
        );
    }
    // Under the default limits the same pod is judged.
    let output = scan(
        &["-", "--profile", "pss-baseline", "--format", "json"],
        Some(&stream),
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(objects(&output)[0]["verdict"], "admitted");
    // `--help` prints the defaults.
    let help = Command::new(common::runner())
        .args(["scan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let limits = palisade_cli::host::Limits::default();
    assert!(
        help.contains(&format!("[default: {}]", limits.fuel)),
        "{help}"
    );
    assert!(
        help.contains(&format!("[default: {}]", limits.memory >> 20)),
        "{help}"
    );
}

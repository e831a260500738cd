//! Fixtures are real Kubernetes objects in real AdmissionRequests, and every
//! policy's metadata covers every workload kind.

mod common;

use serde_json::Value;

/// Checks one fixture file: a whole AdmissionRequest whose objects parse as
/// their Kubernetes type. Answers the object's kind.
fn check_request_file(path: &std::path::Path) -> String {
    let request: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for field in ["uid", "kind", "resource", "operation", "object", "userInfo"] {
        assert!(
            request.get(field).is_some(),
            "{}: no {field}",
            path.display()
        );
    }
    let kind = request["kind"]["kind"].as_str().unwrap();
    assert_eq!(request["object"]["kind"], kind, "{}", path.display());
    for object in [&request["object"], &request["oldObject"]] {
        if !object.is_null() {
            common::parse_as_kubernetes(kind, object)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
    kind.to_owned()
}

fn json_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// Kinds other than pods and workloads, with their API group and resource.
const OBJECT_KINDS: [(&str, &str, &str); 5] = [
    ("Service", "", "services"),
    ("ServiceAccount", "", "serviceaccounts"),
    ("ConfigMap", "", "configmaps"),
    ("Secret", "", "secrets"),
    ("Ingress", "networking.k8s.io", "ingresses"),
];

/// Rules that read only an object's metadata: an ephemeral container
/// changes none, so they need not see `pods/ephemeralcontainers`.
const METADATA_ONLY: [&str; 2] = ["block-default-namespace", "required-labels"];

#[test]
fn fixtures_are_admission_requests_for_real_kubernetes_objects() {
    let mut seen_kinds = std::collections::BTreeSet::new();
    for dir in common::policy_dirs() {
        let kinds: std::collections::BTreeSet<String> = json_files(&dir.join("test_data"))
            .iter()
            .map(|p| check_request_file(p))
            .collect();
        let judged = common::judged_kinds(&dir);
        // A pod rule: a Pod, a workload and a CronJob; any other kind it
        // judges: one of its own.
        let workloads = ["Pod", "Deployment", "CronJob"];
        let pod_rule = judged.iter().any(|k| k == "Pod");
        let object_kinds = judged
            .iter()
            .map(String::as_str)
            .filter(|k| OBJECT_KINDS.iter().any(|(kind, _, _)| kind == k));
        let required: Vec<&str> = workloads
            .into_iter()
            .filter(|_| pod_rule)
            .chain(object_kinds)
            .collect();
        assert!(
            !required.is_empty(),
            "{}: judges no known kind",
            dir.display()
        );
        for required in required {
            assert!(
                kinds.contains(required),
                "{}: no {required} fixture",
                dir.display()
            );
        }
        seen_kinds.extend(kinds);
    }
    eprintln!("fixture kinds: {seen_kinds:?}");
}

#[test]
fn profile_fixtures_are_real_requests_and_all_used() {
    let dir = common::workspace().join("profiles/test_data");
    let cases = std::fs::read_to_string(dir.join("cases.yml")).unwrap();
    let files = json_files(&dir);
    assert!(files.len() >= 30, "{} profile fixtures", files.len());
    for path in files {
        check_request_file(&path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            cases.contains(&format!("request: {name}")),
            "{name} is in no case"
        );
    }
}

#[test]
fn metadata_rules_cover_every_judged_kind_create_and_update() {
    let required = [
        ("", "pods"),
        ("", "pods/ephemeralcontainers"),
        ("", "replicationcontrollers"),
        ("", "podtemplates"),
        ("apps", "deployments"),
        ("apps", "replicasets"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    ];
    for dir in common::policy_dirs() {
        let text = std::fs::read_to_string(dir.join("metadata.yml")).unwrap();
        let metadata = palisade_cli::annotate::load_metadata(&text).unwrap();
        let rules = metadata["rules"].as_array().unwrap();
        let judged = common::judged_kinds(&dir);
        let name = common::name(&dir);
        let workloads = required
            .iter()
            .filter(|_| judged.iter().any(|k| k == "Pod"))
            .filter(|(_, r)| {
                *r != "pods/ephemeralcontainers" || !METADATA_ONLY.contains(&name.as_str())
            })
            .copied();
        let objects = OBJECT_KINDS
            .iter()
            .filter(|(kind, _, _)| judged.iter().any(|k| k == kind))
            .map(|(_, group, resource)| (*group, *resource));
        for (group, resource) in workloads.chain(objects) {
            let covered = rules.iter().any(|rule| {
                let has = |key: &str, want: &str| {
                    rule[key]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|x| x == want || x == "*"))
                };
                has("apiGroups", group)
                    && has("resources", resource)
                    && has("operations", "CREATE")
                    && has("operations", "UPDATE")
            });
            assert!(
                covered,
                "{}: metadata.yml does not cover {group}/{resource} CREATE+UPDATE",
                dir.display()
            );
        }
        let version = palisade_cli::package::version(&metadata).unwrap();
        let cargo = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(
            cargo.contains(&format!("version = \"{version}\"")),
            "{}: metadata version {version} is not the crate's",
            dir.display()
        );
    }
}

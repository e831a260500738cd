//! `palisade convert psp` through the built modules: the AKS walkthrough's
//! PSP and RBAC deny the privileged pod in `psp-aks` and leave other
//! namespaces alone; Kubernetes' restricted PSP gives the verdicts and the
//! defaults the PSP admission controller gave; the AKS restricted PSP
//! agrees with the aks-psp-restricted profile on the profile table.

mod common;

use common::{TempDir, example_request, palisade, succeeds};

use palisade_cli::examples::{Verdict, admission_request};
use palisade_cli::host::Policy;
use palisade_cli::profile::{LoadedProfile, Profile};
use palisade_cli::run::load_request;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn psp_file(name: &str) -> PathBuf {
    common::workspace().join("e2e/tests/psp").join(name)
}

fn pod_request(spec: Value, namespace: &str) -> Value {
    admission_request(&json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "pod", "namespace": namespace},
        "spec": spec,
    }))
    .map(|mut r| {
        r["namespace"] = json!(namespace);
        r
    })
    .unwrap()
}

/// `palisade run --profile FILE` on a request: the AdmissionResponse.
fn run_profile(profile: &Path, request: &Value, dir: &Path) -> Value {
    let path = dir.join("request.json");
    std::fs::write(&path, serde_json::to_vec(request).unwrap()).unwrap();
    let out = succeeds(palisade(&[
        "run",
        "--profile",
        profile.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
        "-r",
        path.to_str().unwrap(),
    ]));
    serde_json::from_str(&out).unwrap()
}

#[test]
fn the_walkthrough_psp_denies_the_privileged_pod_only_where_rbac_grants_it() {
    let out = TempDir::new("walkthrough");
    let written = succeeds(palisade(&[
        "convert",
        "psp",
        // `--rbac` takes one file: the PSP file after it is a PSP file.
        "--rbac",
        psp_file("psp-deny-privileged-rbac.yaml").to_str().unwrap(),
        psp_file("psp-deny-privileged.yaml").to_str().unwrap(),
        "--out",
        out.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]));
    let profile_path = out.0.join("psp-deny-privileged.yml");
    assert!(
        written.contains(profile_path.to_str().unwrap()),
        "{written}"
    );
    let profile = Profile::load(&profile_path).unwrap();
    let policies: Vec<&str> = profile.rules.iter().map(|r| r.policy.as_str()).collect();
    // privileged: false, and what the PSP leaves at its restrictive default:
    // no added capabilities, host namespaces or ports, Unmasked /proc,
    // unsafe sysctls, or seccomp profile other than the (absent) default.
    assert_eq!(
        policies,
        [
            "no-privilege",
            "allowed-capabilities",
            "block-host-namespace",
            "host-networking-ports",
            "proc-mount",
            "sysctls",
            "allowed-seccomp"
        ]
    );

    // Through the runner: denied in psp-aks, by no-privilege alone.
    let privileged = example_request("01-nginx-privileged.yaml", "psp-aks");
    let response = run_profile(&profile_path, &privileged, &out.0);
    assert_eq!(response["allowed"], false, "{response}");
    let message = response["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("no-privilege: spec.containers[0].securityContext.privileged"),
        "{message}"
    );
    assert!(!message.contains("; "), "one violation only: {message}");
    // Other namespaces are out of the PSP's scope.
    for namespace in ["default", "kube-system", "psp-aks-other"] {
        let request = example_request("01-nginx-privileged.yaml", namespace);
        let response = run_profile(&profile_path, &request, &out.0);
        assert_eq!(response["allowed"], true, "{namespace}: {response}");
        assert!(response.get("patch").is_none(), "{namespace}: {response}");
    }
    // The unprivileged pod is admitted in psp-aks, unchanged.
    let plain = example_request("02-nginx-unprivileged.yaml", "psp-aks");
    let response = run_profile(&profile_path, &plain, &out.0);
    assert_eq!(response["allowed"], true, "{response}");
    assert!(response.get("patch").is_none(), "{response}");

    // The bundle module, with the profile as its settings, says the same.
    let bundle = Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    let settings = profile.bundle_settings();
    assert!(settings.get("scope").is_none());
    assert!(bundle.validate_settings(&settings).unwrap().valid);
    let answer = bundle.validate(&privileged, &settings).unwrap();
    assert!(!answer.accepted);
    assert_eq!(answer.message.as_deref(), Some(message));

    // Every manifest is scoped to psp-aks; the grant covers every pod there,
    // so no match conditions.
    for file in [
        "group.yaml",
        "group-monitor.yaml",
        "bundle.yaml",
        "bundle-monitor.yaml",
        "policies.yaml",
    ] {
        let text = std::fs::read_to_string(out.0.join("psp-deny-privileged").join(file)).unwrap();
        for document in text.split("---\n") {
            let manifest: Value = serde_norway::from_str(document).unwrap();
            assert_eq!(
                manifest["spec"]["namespaceSelector"],
                json!({"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["psp-aks"]}]}),
                "{file}"
            );
            assert!(manifest["spec"].get("matchConditions").is_none(), "{file}");
            assert!(
                manifest["spec"]["settings"].get("scope").is_none(),
                "{file}"
            );
        }
    }
    let group: Value = serde_norway::from_str(
        &std::fs::read_to_string(out.0.join("psp-deny-privileged/group.yaml")).unwrap(),
    )
    .unwrap();
    assert_eq!(group["spec"]["mode"], "protect");
}

#[test]
fn grants_to_users_and_service_accounts_become_match_conditions() {
    let dir = TempDir::new("subjects");
    let rbac = dir.0.join("rbac.yaml");
    std::fs::write(
        &rbac,
        r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: use-psp, namespace: team-a}
rules:
- {apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [psp-deny-privileged]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: use-psp, namespace: team-a}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: use-psp}
subjects:
- {kind: ServiceAccount, name: builder}
- {kind: User, name: alice}
"#,
    )
    .unwrap();
    succeeds(palisade(&[
        "convert",
        "psp",
        psp_file("psp-deny-privileged.yaml").to_str().unwrap(),
        "--rbac",
        rbac.to_str().unwrap(),
        "--out",
        dir.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]));
    let profile_path = dir.0.join("psp-deny-privileged.yml");
    let privileged = json!({"containers": [{"name": "c", "image": "nginx", "securityContext": {"privileged": true}}]});
    // The builder service account's pod in team-a: in scope, denied.
    let mut spec = privileged.clone();
    spec["serviceAccountName"] = json!("builder");
    let response = run_profile(&profile_path, &pod_request(spec, "team-a"), &dir.0);
    assert_eq!(response["allowed"], false, "{response}");
    // The default service account's pod created by someone else: out of scope.
    let response = run_profile(
        &profile_path,
        &pod_request(privileged.clone(), "team-a"),
        &dir.0,
    );
    assert_eq!(response["allowed"], true, "{response}");
    // Created by alice: in scope.
    let mut request = pod_request(privileged, "team-a");
    request["userInfo"] = json!({"username": "alice", "groups": ["system:authenticated"]});
    let response = run_profile(&profile_path, &request, &dir.0);
    assert_eq!(response["allowed"], false, "{response}");
    let bundle: Value = serde_norway::from_str(
        &std::fs::read_to_string(dir.0.join("psp-deny-privileged/bundle.yaml")).unwrap(),
    )
    .unwrap();
    let expression = bundle["spec"]["matchConditions"][0]["expression"]
        .as_str()
        .unwrap();
    assert!(
        expression.starts_with("(request.namespace == 'team-a' && "),
        "{expression}"
    );
    assert!(
        expression.contains("request.userInfo.username == 'system:serviceaccount:team-a:builder'"),
        "{expression}"
    );
    assert!(
        expression.contains("request.userInfo.username == 'alice'"),
        "{expression}"
    );
}

fn convert_to_stdout(file: &str) -> LoadedProfile {
    let out = succeeds(palisade(&[
        "convert",
        "psp",
        psp_file(file).to_str().unwrap(),
    ]));
    let profile: Profile = serde_norway::from_str(&out).unwrap();
    LoadedProfile::load(profile, &common::artifacts()).unwrap()
}

#[test]
fn the_restricted_psp_denies_and_defaults_as_psp_did() {
    let restricted = convert_to_stdout("restricted.yaml");
    let evaluate = |spec: Value| restricted.evaluate(&pod_request(spec, "default")).unwrap();
    let denied_by = |spec: Value| {
        let outcome = evaluate(spec);
        assert_eq!(outcome.verdict, Verdict::Denied);
        outcome
            .rules
            .iter()
            .filter(|r| !r.response.accepted)
            .map(|r| r.policy.clone())
            .collect::<Vec<_>>()
    };
    let nginx = json!({"name": "nginx", "image": "nginx"});

    // A plain pod gets the PSP's defaults.
    let outcome = evaluate(json!({"containers": [nginx]}));
    assert_eq!(outcome.verdict, Verdict::Mutated);
    let mutated = outcome.mutated_object.unwrap();
    let spec = &mutated["spec"];
    let context = &spec["containers"][0]["securityContext"];
    assert_eq!(context["allowPrivilegeEscalation"], false, "{mutated}");
    assert_eq!(context["capabilities"]["drop"], json!(["ALL"]), "{mutated}");
    assert_eq!(context["runAsNonRoot"], true, "{mutated}");
    assert_eq!(spec["securityContext"]["fsGroup"], 1, "{mutated}");
    assert_eq!(
        spec["securityContext"]["supplementalGroups"],
        json!([1]),
        "{mutated}"
    );
    assert_eq!(
        spec["securityContext"]["seccompProfile"],
        json!({"type": "RuntimeDefault"}),
        "{mutated}"
    );
    assert_eq!(
        spec["securityContext"]["appArmorProfile"],
        json!({"type": "RuntimeDefault"}),
        "{mutated}"
    );
    // ... and the defaulted pod is then admitted as it is.
    let mut again = pod_request(json!({}), "default");
    again["object"] = mutated;
    assert_eq!(
        restricted.evaluate(&again).unwrap().verdict,
        Verdict::Admitted
    );

    // What the PSP refused.
    let privileged = json!({"containers": [{"name": "nginx", "image": "nginx", "securityContext": {"privileged": true}}]});
    assert!(denied_by(privileged).contains(&"no-privilege".to_owned()));
    let root = json!({"containers": [{"name": "nginx", "image": "nginx", "securityContext": {"runAsUser": 0}}]});
    assert_eq!(denied_by(root), ["allowed-users-groups"]);
    let host_network = json!({"hostNetwork": true, "containers": [nginx]});
    assert_eq!(denied_by(host_network), ["host-networking-ports"]);
    let host_path =
        json!({"containers": [nginx], "volumes": [{"name": "h", "hostPath": {"path": "/"}}]});
    assert_eq!(denied_by(host_path), ["allowed-volume-types"]);
    let escalation = json!({"containers": [{"name": "nginx", "image": "nginx", "securityContext": {"allowPrivilegeEscalation": true}}]});
    assert_eq!(denied_by(escalation), ["no-privilege-escalation"]);
    let cap = json!({"containers": [{"name": "nginx", "image": "nginx", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}]});
    assert_eq!(denied_by(cap), ["allowed-capabilities"]);
    let group_root = json!({"securityContext": {"fsGroup": 0}, "containers": [nginx]});
    assert_eq!(denied_by(group_root), ["allowed-users-groups"]);
    let unconfined = json!({"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [nginx]});
    assert_eq!(denied_by(unconfined), ["allowed-seccomp"]);
    // A pod that sets everything the PSP asks for passes unchanged.
    let compliant = json!({
        "securityContext": {"runAsNonRoot": true, "fsGroup": 2000, "supplementalGroups": [2000],
            "seccompProfile": {"type": "RuntimeDefault"}, "appArmorProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "app", "securityContext": {
            "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}],
        "volumes": [{"name": "cache", "emptyDir": {}}],
    });
    assert_eq!(evaluate(compliant).verdict, Verdict::Admitted);
}

/// The AKS restricted PSP converted agrees with the hand-written
/// aks-psp-restricted profile on every request of the profile table
/// (outside kube-system, which that profile exempts for AKS's privileged
/// PSP): the same verdict and the same mutated object.
#[test]
fn the_aks_restricted_psp_agrees_with_the_aks_psp_restricted_profile() {
    let converted = convert_to_stdout("aks-restricted.json");
    let written =
        Profile::load(&common::workspace().join("profiles/aks-psp-restricted.yml")).unwrap();
    let written = LoadedProfile::load(written, &common::artifacts()).unwrap();
    let requests = common::profile_table_requests();
    let mut compared = 0;
    let mut differences = Vec::new();
    for path in &requests {
        let request = load_request(path).unwrap();
        if request["namespace"] == "kube-system" {
            continue;
        }
        let ours = converted.evaluate(&request).unwrap();
        let theirs = written.evaluate(&request).unwrap();
        if ours.verdict != theirs.verdict || ours.mutated_object != theirs.mutated_object {
            differences.push(format!(
                "{}: converted {:?} ({:?}), aks-psp-restricted {:?} ({:?})",
                path.display(),
                ours.verdict,
                ours.violations(),
                theirs.verdict,
                theirs.violations()
            ));
        }
        compared += 1;
    }
    assert!(
        differences.is_empty(),
        "{} of {compared} differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(compared > 20, "{compared}");
}

#[test]
fn several_psps_become_a_group_admitting_what_any_of_them_admits() {
    let out = TempDir::new("any-of");
    succeeds(palisade(&[
        "convert",
        "psp",
        psp_file("psp-deny-privileged.yaml").to_str().unwrap(),
        psp_file("restricted.yaml").to_str().unwrap(),
        "--out",
        out.0.to_str().unwrap(),
        "--artifacts",
        common::artifacts().to_str().unwrap(),
    ]));
    let group: Value =
        serde_norway::from_str(&std::fs::read_to_string(out.0.join("any-of/group.yaml")).unwrap())
            .unwrap();
    let expression = group["spec"]["expression"].as_str().unwrap();
    assert!(
        expression.starts_with("(psp_deny_privileged_no_privilege() && ")
            && expression.contains(") || (restricted_no_privilege() && "),
        "{expression}"
    );
    let members = group["spec"]["policies"].as_object().unwrap();
    assert_eq!(
        members.len(),
        expression.matches("()").count(),
        "{expression}"
    );
    // Mutating members only validate in a group.
    assert_eq!(
        members["restricted_allowed_users_groups"]["settings"]["validate_only"],
        true
    );
}

#[test]
fn errors_name_the_file_the_object_and_the_field() {
    let dir = TempDir::new("errors");
    let file = dir.0.join("bad.yaml");
    let text = std::fs::read_to_string(psp_file("psp-deny-privileged.yaml"))
        .unwrap()
        .replace("privileged: false", "privileged: false\n  hostUsers: true");
    std::fs::write(&file, text).unwrap();
    let output = palisade(&["convert", "psp", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr.trim(),
        format!(
            "Error: {}: document 1: PodSecurityPolicy psp-deny-privileged: spec.hostUsers: unknown field, not converted",
            file.display()
        )
    );
    assert_eq!(stderr.lines().count(), 1);
}

/// One PSP field: the spec fields it sets (on a PSP that otherwise admits
/// everything), a pod it admits (`Admitted` or `Mutated`) and a pod it
/// denies, with the rule that must deny it.
struct FieldCase {
    field: &'static str,
    spec: Value,
    annotations: Value,
    admits: Value,
    admitted_as: Verdict,
    denies: Value,
    denied_by: &'static str,
}

fn container(security_context: Value) -> Value {
    json!({"containers": [{"name": "c", "image": "nginx", "securityContext": security_context}]})
}

fn with(mut pod: Value, key: &str, value: Value) -> Value {
    pod[key] = value;
    pod
}

fn field_cases() -> Vec<FieldCase> {
    let plain = container(json!({}));
    let case =
        |field, spec: Value, admits: Value, admitted_as, denies: Value, denied_by| FieldCase {
            field,
            spec,
            annotations: json!({}),
            admits,
            admitted_as,
            denies,
            denied_by,
        };
    let volume = |volume: Value| with(container(json!({})), "volumes", json!([volume]));
    let host_path = |path: &str, read_only: bool| {
        json!({
            "containers": [{"name": "c", "image": "nginx",
                "volumeMounts": [{"name": "h", "mountPath": "/h", "readOnly": read_only}]}],
            "volumes": [{"name": "h", "hostPath": {"path": path}}],
        })
    };
    let port = |port: u16| {
        json!({"containers": [{"name": "c", "image": "nginx",
            "ports": [{"containerPort": port, "hostPort": port}]}]})
    };
    let sysctl = |name: &str| {
        with(
            container(json!({})),
            "securityContext",
            json!({"sysctls": [{"name": name, "value": "1"}]}),
        )
    };
    use Verdict::{Admitted, Mutated};
    vec![
        case(
            "privileged",
            json!({"privileged": false}),
            plain.clone(),
            Admitted,
            container(json!({"privileged": true})),
            "no-privilege",
        ),
        case(
            "allowPrivilegeEscalation",
            json!({"allowPrivilegeEscalation": false}),
            plain.clone(),
            Mutated,
            container(json!({"allowPrivilegeEscalation": true})),
            "no-privilege-escalation",
        ),
        case(
            "allowedCapabilities",
            json!({"allowedCapabilities": ["NET_ADMIN"]}),
            container(json!({"capabilities": {"add": ["NET_ADMIN"]}})),
            Admitted,
            container(json!({"capabilities": {"add": ["SYS_TIME"]}})),
            "allowed-capabilities",
        ),
        case(
            "defaultAddCapabilities",
            json!({"allowedCapabilities": [], "defaultAddCapabilities": ["CHOWN"]}),
            plain.clone(),
            Mutated,
            container(json!({"capabilities": {"add": ["NET_ADMIN"]}})),
            "allowed-capabilities",
        ),
        case(
            "requiredDropCapabilities",
            json!({"requiredDropCapabilities": ["NET_RAW"]}),
            container(json!({"capabilities": {"drop": ["NET_RAW"]}})),
            Admitted,
            container(json!({"capabilities": {"add": ["NET_RAW"]}})),
            "allowed-capabilities",
        ),
        case(
            "volumes",
            json!({"volumes": ["configMap"]}),
            volume(json!({"name": "v", "configMap": {"name": "x"}})),
            Admitted,
            volume(json!({"name": "v", "emptyDir": {}})),
            "allowed-volume-types",
        ),
        case(
            "allowedFlexVolumes",
            json!({"allowedFlexVolumes": [{"driver": "example/lvm"}]}),
            volume(json!({"name": "v", "flexVolume": {"driver": "example/lvm"}})),
            Admitted,
            volume(json!({"name": "v", "flexVolume": {"driver": "example/other"}})),
            "allowed-volume-types",
        ),
        case(
            "allowedCSIDrivers",
            json!({"allowedCSIDrivers": [{"name": "csi.example.com"}]}),
            volume(json!({"name": "v", "csi": {"driver": "csi.example.com"}})),
            Admitted,
            volume(json!({"name": "v", "csi": {"driver": "other.example.com"}})),
            "allowed-volume-types",
        ),
        case(
            "allowedHostPaths",
            json!({"allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": true}]}),
            host_path("/var/log/app", true),
            Admitted,
            host_path("/etc", true),
            "host-filesystem",
        ),
        case(
            "hostPID",
            json!({"hostPID": false}),
            plain.clone(),
            Admitted,
            with(plain.clone(), "hostPID", json!(true)),
            "block-host-namespace",
        ),
        case(
            "hostIPC",
            json!({"hostIPC": false}),
            plain.clone(),
            Admitted,
            with(plain.clone(), "hostIPC", json!(true)),
            "block-host-namespace",
        ),
        case(
            "hostNetwork",
            json!({"hostNetwork": false}),
            plain.clone(),
            Admitted,
            with(plain.clone(), "hostNetwork", json!(true)),
            "host-networking-ports",
        ),
        case(
            "hostPorts",
            json!({"hostPorts": [{"min": 8000, "max": 8080}]}),
            port(8080),
            Admitted,
            port(9090),
            "host-networking-ports",
        ),
        case(
            "runAsUser",
            json!({"runAsUser": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}}),
            container(json!({"runAsUser": 1500})),
            Admitted,
            container(json!({"runAsUser": 3000})),
            "allowed-users-groups",
        ),
        case(
            "runAsUser MustRunAsNonRoot",
            json!({"runAsUser": {"rule": "MustRunAsNonRoot"}}),
            container(json!({"runAsUser": 1500})),
            Admitted,
            container(json!({"runAsUser": 0})),
            "allowed-users-groups",
        ),
        case(
            "runAsGroup",
            json!({"runAsGroup": {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}}),
            plain.clone(),
            Mutated,
            container(json!({"runAsGroup": 0})),
            "allowed-users-groups",
        ),
        case(
            "supplementalGroups",
            json!({"supplementalGroups": {"rule": "MayRunAs", "ranges": [{"min": 1, "max": 100}]}}),
            plain.clone(),
            Admitted,
            with(
                plain.clone(),
                "securityContext",
                json!({"supplementalGroups": [500]}),
            ),
            "allowed-users-groups",
        ),
        case(
            "fsGroup",
            json!({"fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 100}]}}),
            plain.clone(),
            Mutated,
            with(plain.clone(), "securityContext", json!({"fsGroup": 500})),
            "allowed-users-groups",
        ),
        case(
            "readOnlyRootFilesystem",
            json!({"readOnlyRootFilesystem": true}),
            plain.clone(),
            Mutated,
            container(json!({"readOnlyRootFilesystem": false})),
            "read-only-rootfs",
        ),
        case(
            "seLinux",
            json!({"seLinux": {"rule": "MustRunAs", "seLinuxOptions": {"level": "s0:c1,c2"}}}),
            plain.clone(),
            Mutated,
            container(json!({"seLinuxOptions": {"level": "s0:c9"}})),
            "selinux",
        ),
        case(
            "allowedProcMountTypes",
            json!({"allowedProcMountTypes": ["Default"]}),
            plain.clone(),
            Admitted,
            container(json!({"procMount": "Unmasked"})),
            "proc-mount",
        ),
        case(
            "allowedUnsafeSysctls",
            json!({"allowedUnsafeSysctls": ["kernel.msgmax"]}),
            sysctl("kernel.msgmax"),
            Admitted,
            sysctl("net.core.somaxconn"),
            "sysctls",
        ),
        case(
            "forbiddenSysctls",
            json!({"forbiddenSysctls": ["kernel.shm_rmid_forced"]}),
            sysctl("net.ipv4.tcp_syncookies"),
            Admitted,
            sysctl("kernel.shm_rmid_forced"),
            "sysctls",
        ),
        case(
            "runtimeClass",
            json!({"runtimeClass": {"allowedRuntimeClassNames": ["gvisor"]}}),
            with(plain.clone(), "runtimeClassName", json!("gvisor")),
            Admitted,
            with(plain.clone(), "runtimeClassName", json!("kata")),
            "runtime-class",
        ),
        FieldCase {
            annotations: json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default"}),
            ..case(
                "seccomp allowedProfileNames",
                json!({}),
                container(json!({"seccompProfile": {"type": "RuntimeDefault"}})),
                Admitted,
                container(json!({"seccompProfile": {"type": "Unconfined"}})),
                "allowed-seccomp",
            )
        },
        FieldCase {
            annotations: json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*",
                "seccomp.security.alpha.kubernetes.io/defaultProfileName": "runtime/default"}),
            ..case(
                "seccomp defaultProfileName",
                json!({}),
                plain.clone(),
                Mutated,
                // '*' admits every profile: nothing to deny, so the case
                // checks the default only (the denial is the previous case's).
                json!(null),
                "",
            )
        },
        FieldCase {
            annotations: json!({"apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default"}),
            ..case(
                "apparmor allowedProfileNames",
                json!({}),
                container(json!({"appArmorProfile": {"type": "RuntimeDefault"}})),
                Admitted,
                container(json!({"appArmorProfile": {"type": "Unconfined"}})),
                "enforce-apparmor",
            )
        },
    ]
}

/// Every PSP field on a PSP that admits everything else, converted and run
/// on the bundle: a pod the PSP admitted is admitted (or given the PSP's
/// default), a pod it refused is denied by the field's rule.
#[test]
fn every_psp_field_admits_and_denies_as_the_psp_did() {
    let base: Value = serde_norway::from_str(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: field}\nspec:\n  privileged: true\n  allowPrivilegeEscalation: true\n  allowedCapabilities: ['*']\n  volumes: ['*']\n  hostNetwork: true\n  hostPorts: [{min: 0, max: 65535}]\n  hostIPC: true\n  hostPID: true\n  runAsUser: {rule: RunAsAny}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n  allowedUnsafeSysctls: ['*']\n  allowedProcMountTypes: [Default, Unmasked]\n",
    )
    .unwrap();
    let bundle = Policy::load(&common::artifacts().join("bundle/policy.wasm")).unwrap();
    let mut failures = Vec::new();
    let cases = field_cases();
    for case in &cases {
        let mut psp = base.clone();
        for (key, value) in case.spec.as_object().unwrap() {
            psp["spec"][key] = value.clone();
        }
        let mut annotations =
            json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "*"});
        for (key, value) in case.annotations.as_object().unwrap() {
            annotations[key] = value.clone();
        }
        psp["metadata"]["annotations"] = annotations;
        let mut notes = Vec::new();
        let documents = palisade_cli::manifest::parse_documents(
            &serde_json::to_string(&psp).unwrap(),
            case.field,
        )
        .unwrap();
        let profile = palisade_cli::convert::convert_psps(&documents, None, &mut notes)
            .unwrap()
            .remove(0);
        let settings = profile.bundle_settings();
        let verdict = bundle.validate_settings(&settings).unwrap();
        if !verdict.valid {
            failures.push(format!(
                "{}: settings refused: {:?}",
                case.field, verdict.message
            ));
            continue;
        }
        let admitted = bundle
            .validate(&pod_request(case.admits.clone(), "default"), &settings)
            .unwrap();
        let got = match (admitted.accepted, &admitted.mutated_object) {
            (false, _) => Verdict::Denied,
            (true, Some(_)) => Verdict::Mutated,
            (true, None) => Verdict::Admitted,
        };
        if got != case.admitted_as {
            failures.push(format!(
                "{}: the admitted pod is {got:?}, expected {:?}: {:?}",
                case.field, case.admitted_as, admitted.message
            ));
        }
        if case.denies.is_null() {
            continue;
        }
        let denied = bundle
            .validate(&pod_request(case.denies.clone(), "default"), &settings)
            .unwrap();
        let message = denied.message.clone().unwrap_or_default();
        if denied.accepted || !message.starts_with(&format!("{}: ", case.denied_by)) {
            failures.push(format!(
                "{}: the denied pod: accepted {}, message {message:?}, expected a denial by {}",
                case.field, denied.accepted, case.denied_by
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fields:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

//! The bundle: every Palisade rule in one module, run as a profile. Its
//! settings are a profile (`profiles/<name>.yml` as JSON); each request is
//! parsed once and answered once, as the profile's separate modules would
//! answer together. The SDK's `bundle` module does the work; this crate only
//! names the rules.

use palisade_sdk::Bound;
use palisade_sdk::bundle::Catalogue;
use palisade_sdk::object::BoundObject;

/// Every rule, by policy name. The e2e suite checks that every crate under
/// `policies/` is here.
pub static CATALOGUE: &Catalogue = &[
    (
        "allowed-capabilities",
        Bound::<allowed_capabilities::AllowedCapabilities>::parse,
    ),
    (
        "allowed-external-ips",
        BoundObject::<allowed_external_ips::AllowedExternalIps>::parse,
    ),
    (
        "allowed-images",
        Bound::<allowed_images::AllowedImages>::parse,
    ),
    (
        "allowed-seccomp",
        Bound::<allowed_seccomp::AllowedSeccomp>::parse,
    ),
    (
        "allowed-users-groups",
        Bound::<allowed_users_groups::AllowedUsersGroups>::parse,
    ),
    (
        "allowed-volume-types",
        Bound::<allowed_volume_types::AllowedVolumeTypes>::parse,
    ),
    (
        "block-automount-token",
        Bound::<block_automount_token::BlockAutomountToken>::parse,
    ),
    (
        "block-default-namespace",
        BoundObject::<block_default_namespace::BlockDefaultNamespace>::parse,
    ),
    (
        "block-host-namespace",
        Bound::<block_host_namespace::BlockHostNamespace>::parse,
    ),
    (
        "container-allowed-ports",
        Bound::<container_allowed_ports::ContainerAllowedPorts>::parse,
    ),
    (
        "container-limits",
        Bound::<container_limits::ContainerLimits>::parse,
    ),
    (
        "container-requests",
        Bound::<container_requests::ContainerRequests>::parse,
    ),
    (
        "disallowed-capabilities",
        Bound::<disallowed_capabilities::DisallowedCapabilities>::parse,
    ),
    (
        "enforce-apparmor",
        Bound::<enforce_apparmor::EnforceApparmor>::parse,
    ),
    (
        "host-filesystem",
        Bound::<host_filesystem::HostFilesystem>::parse,
    ),
    (
        "host-networking-ports",
        Bound::<host_networking_ports::HostNetworkingPorts>::parse,
    ),
    ("host-probes", Bound::<host_probes::HostProbes>::parse),
    ("host-process", Bound::<host_process::HostProcess>::parse),
    (
        "image-pull-policy",
        Bound::<image_pull_policy::ImagePullPolicy>::parse,
    ),
    (
        "ingress-https-only",
        BoundObject::<ingress_https_only::IngressHttpsOnly>::parse,
    ),
    (
        "internal-load-balancer",
        BoundObject::<internal_load_balancer::InternalLoadBalancer>::parse,
    ),
    ("no-latest-tag", Bound::<no_latest_tag::NoLatestTag>::parse),
    (
        "no-privilege-escalation",
        Bound::<no_privilege_escalation::NoPrivilegeEscalation>::parse,
    ),
    ("no-privilege", Bound::<no_privilege::NoPrivilege>::parse),
    ("proc-mount", Bound::<proc_mount::ProcMount>::parse),
    (
        "read-only-rootfs",
        Bound::<read_only_rootfs::ReadOnlyRootfs>::parse,
    ),
    (
        "required-labels",
        BoundObject::<required_labels::RequiredLabels>::parse,
    ),
    (
        "required-probes",
        Bound::<required_probes::RequiredProbes>::parse,
    ),
    ("runtime-class", Bound::<runtime_class::RuntimeClass>::parse),
    ("selinux", Bound::<selinux::SeLinux>::parse),
    (
        "service-allowed-ports",
        BoundObject::<service_allowed_ports::ServiceAllowedPorts>::parse,
    ),
    ("sysctls", Bound::<sysctls::Sysctls>::parse),
];

#[cfg(feature = "wapc-export")]
palisade_sdk::export_bundle!(CATALOGUE);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use palisade_sdk::testing::request;
    use serde_json::{Value, json};

    fn run(profile: Value, request: Value) -> Value {
        let payload = json!({"request": request, "settings": profile});
        let out = palisade_sdk::bundle::validate(payload.to_string().as_bytes(), CATALOGUE);
        serde_json::from_slice(&out).unwrap()
    }

    fn settings_error(profile: Value) -> Option<String> {
        let out =
            palisade_sdk::bundle::validate_settings(profile.to_string().as_bytes(), CATALOGUE);
        let out: Value = serde_json::from_slice(&out).unwrap();
        (out["valid"] != true).then(|| out["message"].as_str().unwrap_or_default().to_owned())
    }

    fn privileged_pod() -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "nginx",
                "securityContext": {"privileged": true, "capabilities": {"add": ["SYS_ADMIN"]}}}]}})
    }

    #[test]
    fn every_denying_member_is_named_once_in_profile_order() {
        let profile = json!({"rules": [
            {"policy": "no-privilege"},
            {"policy": "read-only-rootfs"},
            {"policy": "allowed-capabilities", "settings": {"allowed_capabilities": ["CHOWN"]}},
        ]});
        let out = run(profile, request("CREATE", privileged_pod(), Value::Null));
        assert_eq!(out["accepted"], false, "{out}");
        let message = out["message"].as_str().unwrap();
        let no_privilege =
            message.find("no-privilege: spec.containers[0].securityContext.privileged");
        let capabilities = message
            .find("allowed-capabilities: spec.containers[0].securityContext.capabilities.add[0]");
        assert!(no_privilege.unwrap() < capabilities.unwrap(), "{message}");
        assert!(message.contains("read-only-rootfs: "), "{message}");
        assert!(out["warnings"].is_null(), "a denial repeats nothing: {out}");
    }

    #[test]
    fn mutations_of_every_member_make_one_object() {
        let profile = json!({"rules": [
            {"policy": "read-only-rootfs", "settings": {"readOnlyRootFilesystem": true}},
            {"policy": "allowed-capabilities", "settings": {"required_drop_capabilities": ["ALL"]}},
        ]});
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app", "image": "nginx", "x-unknown": 1}]}});
        let out = run(profile, request("CREATE", pod, Value::Null));
        assert_eq!(out["accepted"], true, "{out}");
        let container = &out["mutated_object"]["spec"]["containers"][0];
        assert_eq!(
            container["securityContext"],
            json!({"readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}})
        );
        assert_eq!(container["x-unknown"], 1);
        let warnings = out["warnings"].to_string();
        assert!(
            warnings.contains("read-only-rootfs: mutated")
                && warnings.contains("allowed-capabilities: mutated"),
            "{warnings}"
        );
    }

    #[test]
    fn pod_and_object_members_each_judge_their_kinds_in_one_bundle() {
        let profile = json!({"rules": [
            {"policy": "no-privilege"},
            {"policy": "service-allowed-ports", "settings": {"allowed_ports": [443]}},
            {"policy": "block-default-namespace"},
        ]});
        let out = run(
            profile.clone(),
            request("CREATE", privileged_pod(), Value::Null),
        );
        let message = out["message"].as_str().unwrap();
        let pod_first = message.find("no-privilege: ").unwrap();
        let namespace = message
            .find("block-default-namespace: metadata.namespace")
            .unwrap();
        assert!(pod_first < namespace, "{message}");
        assert!(!message.contains("service-allowed-ports"), "{message}");
        let service = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}});
        let out = run(
            profile.clone(),
            request("CREATE", service.clone(), Value::Null),
        );
        let message = out["message"].as_str().unwrap();
        assert!(
            message.starts_with("service-allowed-ports: spec.ports[0].port"),
            "{message}"
        );
        assert!(message.contains("block-default-namespace: "), "{message}");
        assert!(!message.contains("no-privilege"), "{message}");
        // Exempting the namespace exempts both kinds of member.
        let mut exempt = profile;
        exempt["exempt_namespaces"] = json!(["default"]);
        assert_eq!(
            run(exempt, request("CREATE", service, Value::Null))["accepted"],
            true
        );
    }

    #[test]
    fn exemptions_are_per_member_and_profile_wide() {
        let profile =
            json!({"exempt_namespaces": ["default"], "rules": [{"policy": "no-privilege"}]});
        let out = run(profile, request("CREATE", privileged_pod(), Value::Null));
        assert_eq!(out["accepted"], true, "{out}");
        // One member exempts the container, the other still judges it.
        let profile = json!({"rules": [
            {"policy": "no-privilege", "settings": {"exempt_container_names": ["app"]}},
            {"policy": "disallowed-capabilities", "settings": {"disallowed_capabilities": ["SYS_ADMIN"]}},
        ]});
        let out = run(profile, request("CREATE", privileged_pod(), Value::Null));
        let message = out["message"].as_str().unwrap();
        assert!(
            message.starts_with("disallowed-capabilities: "),
            "{message}"
        );
        assert!(!message.contains("no-privilege"), "{message}");
    }

    /// A converted Azure assignment gives each rule a mode: the bundle
    /// accepts it and judges as without it.
    #[test]
    fn a_rule_mode_is_accepted_and_changes_nothing() {
        let profile = json!({"rules": [{"policy": "no-privilege", "mode": "monitor"}]});
        assert_eq!(settings_error(profile.clone()), None);
        let out = run(profile, request("CREATE", privileged_pod(), Value::Null));
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn settings_errors_name_the_member_and_the_field() {
        let error = settings_error(json!({"rules": [{"policy": "no-privilege"},
            {"policy": "allowed-capabilities", "name": "caps", "settings": {"allowed_caps": ["CHOWN"]}}]}))
        .unwrap();
        assert!(
            error.contains("rules[1].settings (caps): allowed_caps: unknown field `allowed_caps`"),
            "{error}"
        );
        let error = settings_error(json!({"rules": [{"policy": "no-such-rule"}]})).unwrap();
        assert!(
            error.contains("rules[0].policy") && error.contains("no-such-rule"),
            "{error}"
        );
        let error = settings_error(json!({"rules": []})).unwrap();
        assert!(
            error.contains("rules: a bundle needs at least one rule"),
            "{error}"
        );
        assert!(settings_error(json!({})).unwrap().contains("rules"));
        let error = settings_error(
            json!({"rules": [{"policy": "no-privilege"}, {"policy": "no-privilege"}]}),
        )
        .unwrap();
        assert!(error.contains("rules[1].name"), "{error}");
        let error = settings_error(json!({"exempt_namespaces": ["a"],
            "rules": [{"policy": "no-privilege", "settings": {"excludedNamespaces": ["b"]}}]}))
        .unwrap();
        assert!(
            error.contains("rules[0].settings.excludedNamespaces"),
            "{error}"
        );
        let error =
            settings_error(json!({"rules": [{"policy": "no-privilege"}], "rulez": 1})).unwrap();
        assert!(error.contains("rulez"), "{error}");
        // A request with bad settings is a 400 naming them.
        let out = run(
            json!({"rules": []}),
            request("CREATE", privileged_pod(), Value::Null),
        );
        assert_eq!(out["code"], 400, "{out}");
        // A whole profile file is valid settings.
        assert_eq!(
            settings_error(
                json!({"name": "x", "title": "t", "source": "s", "description": "d",
            "exempt_namespaces": ["kube-system"], "rules": [{"policy": "sysctls"}]})
            ),
            None
        );
    }

    #[test]
    fn every_rule_reads_only_annotations_the_parse_keeps() {
        // The request parse keeps only the seccomp and AppArmor annotations;
        // a rule naming others would silently see none of them.
        for (policy, bind) in CATALOGUE {
            let Ok(member) = bind("{}") else { continue };
            for prefix in member.annotations() {
                assert!(
                    palisade_sdk::SECURITY_ANNOTATIONS
                        .iter()
                        .any(|kept| prefix.starts_with(kept)),
                    "{policy} reads {prefix:?}, which the parse does not keep"
                );
            }
        }
    }

    #[test]
    fn every_policy_crate_is_in_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
        let mut policies: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        policies.sort();
        let mut listed: Vec<&str> = CATALOGUE.iter().map(|(name, _)| *name).collect();
        listed.sort();
        assert_eq!(listed, policies);
    }
}

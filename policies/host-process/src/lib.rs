//! host-process: no pod or container may run as a Windows HostProcess
//! (`windowsOptions.hostProcess: true`). Azure `WindowsBlockHostProcess`,
//! PSS baseline "HostProcess".

use palisade_sdk::{Pod, Report, Rule, RuleSettings, export_rule};
use serde::Deserialize;

/// No settings of its own: only the SDK's exemptions.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {}

impl RuleSettings for Settings {}

pub struct HostProcess;

impl Rule for HostProcess {
    const NAME: &'static str = "host-process";
    type Settings = Settings;

    fn check(_: &Settings, pod: &Pod, report: &mut Report) {
        // The pod-level field is judged whatever the containers say, and
        // exempt containers do not excuse it: it applies to the whole pod.
        let pod_level = pod
            .security_context()
            .and_then(|sc| sc.windows_options.as_ref())
            .and_then(|w| w.host_process);
        if pod_level == Some(true) {
            report.violation(
                pod.spec_path(&["securityContext", "windowsOptions", "hostProcess"]),
                "the pod must not run as a Windows HostProcess",
            );
        }
        // Each container is reported only for what it sets itself.
        for container in pod.containers() {
            let own = container
                .security_context()
                .and_then(|sc| sc.windows_options.as_ref())
                .and_then(|w| w.host_process);
            if own == Some(true) {
                report.violation(
                    container.field_path(&["securityContext", "windowsOptions", "hostProcess"]),
                    format!(
                        "{} must not run as a Windows HostProcess",
                        container.describe()
                    ),
                );
            }
        }
    }
}

export_rule!(HostProcess);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        each_container_kind_paths, message, pod_with_each_container_kind, refusal, request, run,
        run_request, settings_error, violation_paths,
    };
    use serde_json::{Value, json};

    /// A CREATE of `object` in `namespace` rather than `default`.
    fn run_in(namespace: &str, settings: Value, object: Value) -> Value {
        let mut request = request("CREATE", object, Value::Null);
        request["namespace"] = json!(namespace);
        request["object"]["metadata"]["namespace"] = json!(namespace);
        run_request::<HostProcess>(settings, request)
    }

    fn host_process(value: Value) -> Value {
        json!({"windowsOptions": {"hostProcess": value}})
    }

    /// A pod with the security context `pod_sc`, and one container of each
    /// kind with `sc`.
    fn pod(pod_sc: Value, sc: Value) -> Value {
        let mut pod = pod_with_each_container_kind(sc);
        pod["spec"]["securityContext"] = pod_sc;
        pod
    }

    /// Rejected for the pod-level hostProcess alone.
    fn assert_rejected_at_pod_level(out: &Value) {
        let path = "spec.securityContext.windowsOptions.hostProcess";
        assert_eq!(out["accepted"], false);
        assert!(out["warnings"].is_null(), "{out}");
        assert_eq!(violation_paths::<HostProcess>(out), [path]);
        assert!(message(out).contains(path));
    }

    #[test]
    fn rejects_pod_level_host_process_once() {
        let out = run::<HostProcess>(json!({}), pod(host_process(json!(true)), json!(null)));
        assert_eq!(out["accepted"], false);
        assert_eq!(
            message(&out),
            "host-process: spec.securityContext.windowsOptions.hostProcess: \
             the pod must not run as a Windows HostProcess"
        );
    }

    #[test]
    fn rejects_every_container_kind_at_once() {
        let out = run::<HostProcess>(json!({}), pod(json!(null), host_process(json!(true))));
        assert_eq!(out["accepted"], false);
        let expected = each_container_kind_paths("securityContext.windowsOptions.hostProcess");
        for path in &expected {
            assert!(message(&out).contains(path), "{}", message(&out));
        }
        assert_eq!(violation_paths::<HostProcess>(&out), expected);
        assert!(!message(&out).contains("spec.securityContext"));
        assert!(out["warnings"].is_null(), "{out}");
    }

    #[test]
    fn container_false_does_not_excuse_pod_true() {
        let out = run::<HostProcess>(
            json!({}),
            pod(host_process(json!(true)), host_process(json!(false))),
        );
        assert_rejected_at_pod_level(&out);
    }

    #[test]
    fn accepts_false_and_unset() {
        let f = host_process(json!(false));
        assert_eq!(
            run::<HostProcess>(json!({}), pod(f.clone(), f))["accepted"],
            true
        );
        assert_eq!(
            run::<HostProcess>(json!({}), pod(json!(null), json!(null)))["accepted"],
            true
        );
        let empty = json!({"windowsOptions": {"runAsUserName": "ContainerUser"}});
        assert_eq!(
            run::<HostProcess>(json!({}), pod(empty.clone(), empty))["accepted"],
            true
        );
    }

    #[test]
    fn exempt_containers_skip_only_container_checks() {
        let settings = json!({"exempt_container_names": ["app", "init", "debug"]});
        let out = run::<HostProcess>(
            settings.clone(),
            pod(json!(null), host_process(json!(true))),
        );
        assert_eq!(out["accepted"], true);
        let both = pod(host_process(json!(true)), host_process(json!(true)));
        let out = run::<HostProcess>(settings, both);
        assert_rejected_at_pod_level(&out);
    }

    #[test]
    fn exempt_namespace_is_accepted() {
        let both = pod(host_process(json!(true)), host_process(json!(true)));
        let out = run_in(
            "kube-system",
            json!({"excludedNamespaces": ["kube-system"]}),
            both,
        );
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn unknown_setting_is_refused() {
        let refused = refusal::<HostProcess>(json!({"allow_host_process": true}));
        assert!(refused.contains("allow_host_process"));
        let images = json!({"exempt_images": ["a/*"]});
        assert_eq!(settings_error::<HostProcess>(images), None);
    }
}

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
    use serde_json::{Value, json};

    fn run_in(namespace: &str, settings: Value, object: Value) -> Value {
        let payload = json!({
            "request": {"uid": "1", "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "operation": "CREATE", "namespace": namespace, "object": object},
            "settings": settings,
        });
        let out = palisade_sdk::validate::<HostProcess>(payload.to_string().as_bytes());
        serde_json::from_slice(&out).unwrap()
    }

    fn run(settings: Value, object: Value) -> Value {
        run_in("default", settings, object)
    }

    fn host_process(value: Value) -> Value {
        json!({"windowsOptions": {"hostProcess": value}})
    }

    fn pod(pod_sc: Value, sc: Value) -> Value {
        json!({"kind": "Pod", "spec": {"securityContext": pod_sc,
            "containers": [{"name": "app", "image": "agent", "securityContext": sc.clone()}],
            "initContainers": [{"name": "init", "image": "setup", "securityContext": sc.clone()}],
            "ephemeralContainers": [{"name": "debug", "image": "shell", "securityContext": sc}]}})
    }

    fn message(out: &Value) -> &str {
        out["message"].as_str().unwrap()
    }

    #[test]
    fn rejects_pod_level_host_process_once() {
        let out = run(json!({}), pod(host_process(json!(true)), json!(null)));
        assert_eq!(out["accepted"], false);
        assert_eq!(
            message(&out),
            "host-process: spec.securityContext.windowsOptions.hostProcess: \
             the pod must not run as a Windows HostProcess"
        );
    }

    #[test]
    fn rejects_every_container_kind_at_once() {
        let out = run(json!({}), pod(json!(null), host_process(json!(true))));
        assert_eq!(out["accepted"], false);
        for path in [
            "spec.containers[0].securityContext.windowsOptions.hostProcess",
            "spec.initContainers[0].securityContext.windowsOptions.hostProcess",
            "spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess",
        ] {
            assert!(message(&out).contains(path), "{}", message(&out));
        }
        assert!(!message(&out).contains("spec.securityContext"));
        assert_eq!(out["warnings"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn container_false_does_not_excuse_pod_true() {
        let out = run(
            json!({}),
            pod(host_process(json!(true)), host_process(json!(false))),
        );
        assert_eq!(out["accepted"], false);
        assert_eq!(out["warnings"].as_array().unwrap().len(), 1);
        assert!(message(&out).contains("spec.securityContext.windowsOptions.hostProcess"));
    }

    #[test]
    fn accepts_false_and_unset() {
        let f = host_process(json!(false));
        assert_eq!(run(json!({}), pod(f.clone(), f))["accepted"], true);
        assert_eq!(
            run(json!({}), pod(json!(null), json!(null)))["accepted"],
            true
        );
        let empty = json!({"windowsOptions": {"runAsUserName": "ContainerUser"}});
        assert_eq!(run(json!({}), pod(empty.clone(), empty))["accepted"], true);
    }

    #[test]
    fn exempt_containers_skip_only_container_checks() {
        let settings = json!({"exempt_container_names": ["app", "init", "debug"]});
        let out = run(
            settings.clone(),
            pod(json!(null), host_process(json!(true))),
        );
        assert_eq!(out["accepted"], true);
        let both = pod(host_process(json!(true)), host_process(json!(true)));
        let out = run(settings, both);
        assert_eq!(out["accepted"], false);
        assert_eq!(out["warnings"].as_array().unwrap().len(), 1);
        assert!(message(&out).contains("spec.securityContext.windowsOptions.hostProcess"));
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
        let out =
            palisade_sdk::validate_settings::<HostProcess>(br#"{"allow_host_process": true}"#);
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], false);
        assert!(message(&out).contains("allow_host_process"));
        let out = palisade_sdk::validate_settings::<HostProcess>(br#"{"exempt_images": ["a/*"]}"#);
        let out: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(out["valid"], true);
    }
}

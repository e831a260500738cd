//! container-requests: every container and init container requests CPU and
//! memory, each between a configured minimum and maximum.
//! Azure ContainerResourceRequests ("Kubernetes cluster containers CPU and
//! memory resource requests must be defined", AKS Deployment Safeguards).

use palisade_sdk::k8s::{Quantity, ResourceName as Resource};
use palisade_sdk::quantity::{Amount, QuantitySetting};
use palisade_sdk::{
    ContainerKind, ContainerRef, Pod, Report, Rule, RuleSettings, SettingsError, export_rule,
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The smallest CPU request allowed; absent: any.
    #[serde(default)]
    pub min_cpu_request: Option<QuantitySetting>,
    /// The largest CPU request allowed; absent: any.
    #[serde(default)]
    pub max_cpu_request: Option<QuantitySetting>,
    /// The smallest memory request allowed; absent: any.
    #[serde(default)]
    pub min_memory_request: Option<QuantitySetting>,
    /// The largest memory request allowed; absent: any.
    #[serde(default)]
    pub max_memory_request: Option<QuantitySetting>,
}

impl Settings {
    /// (minimum, maximum) for a resource.
    fn range(&self, resource: Resource) -> (Option<&QuantitySetting>, Option<&QuantitySetting>) {
        match resource {
            Resource::Cpu => (self.min_cpu_request.as_ref(), self.max_cpu_request.as_ref()),
            Resource::Memory => (
                self.min_memory_request.as_ref(),
                self.max_memory_request.as_ref(),
            ),
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        for resource in Resource::ALL {
            if let (Some(min), Some(max)) = self.range(resource)
                && min.amount > max.amount
            {
                let key = resource.key();
                return Err(SettingsError::new(
                    format!("min_{key}_request"),
                    format!("{min} is higher than max_{key}_request {max}"),
                ));
            }
        }
        Ok(())
    }
}

pub struct ContainerRequests;

impl Rule for ContainerRequests {
    const NAME: &'static str = "container-requests";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            // The API server refuses resources on ephemeral containers.
            if container.kind == ContainerKind::EphemeralContainer {
                continue;
            }
            for resource in Resource::ALL {
                check_resource(settings, &container, resource, report);
            }
        }
    }
}

/// The request a message is about: written, or the limit Kubernetes copies.
enum Judged<'a> {
    Request(&'static str, &'a Quantity),
    CopiedLimit(&'static str, &'a Quantity),
}

impl std::fmt::Display for Judged<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Judged::Request(key, request) => write!(f, "{key} request {:?}", request.0),
            Judged::CopiedLimit(key, limit) => write!(
                f,
                "{key} request (unset, so Kubernetes copies the {key} limit {:?})",
                limit.0
            ),
        }
    }
}

/// Paths and messages are built only for a finding: this runs for every
/// container, once per resource.
fn check_resource(
    settings: &Settings,
    container: &ContainerRef,
    resource: Resource,
    report: &mut Report,
) {
    let key = resource.key();
    let resources = container.container.resources.as_ref();
    let request = resources
        .and_then(|r| r.requests.as_ref())
        .and_then(|l| l.get(resource));
    let limit = resources
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.get(resource));
    let request_path = || container.field_path(&["resources", "requests"]).key(key);
    // Kubernetes copies a set limit into a missing request: on a Pod before
    // admission, on a workload's pods when they are created.
    let (quantity, what) = match (request, limit) {
        (Some(request), _) => (request, Judged::Request(key, request)),
        (None, Some(limit)) => (limit, Judged::CopiedLimit(key, limit)),
        (None, None) => {
            let describe = container.describe();
            report.violation(request_path(), format!("{describe} has no {key} request"));
            return;
        }
    };
    let at = || match what {
        Judged::Request(..) => request_path(),
        Judged::CopiedLimit(..) => container.field_path(&["resources", "limits"]).key(key),
    };
    let amount: Amount = match Amount::parse(&quantity.0) {
        Ok(amount) if amount.is_negative() => {
            let describe = container.describe();
            report.violation(at(), format!("{describe} {what} is negative"));
            return;
        }
        Ok(amount) => amount,
        Err(e) => {
            let describe = container.describe();
            report.violation(at(), format!("{describe} {what} could not be parsed: {e}"));
            return;
        }
    };
    let (min, max) = settings.range(resource);
    if let Some(min) = min
        && amount < min.amount
    {
        report.violation(
            request_path(),
            format!(
                "{} {what} is lower than the minimum allowed of {min}",
                container.describe()
            ),
        );
    } else if let Some(max) = max
        && amount > max.amount
    {
        report.violation(
            request_path(),
            format!(
                "{} {what} is higher than the maximum allowed of {max}",
                container.describe()
            ),
        );
    }
}

export_rule!(ContainerRequests);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, run, run_update, settings_error, violation_paths};
    use serde_json::{Value, json};

    type R = ContainerRequests;

    /// A pod with an app container and an init container, both with
    /// `resources`, and an ephemeral container without any.
    fn pod(resources: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {
                "containers": [{"name": "app", "image": "nginx", "resources": resources.clone()}],
                "initContainers": [{"name": "init", "image": "busybox", "resources": resources}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}})
    }

    fn requests(cpu: &str, memory: &str) -> Value {
        json!({"requests": {"cpu": cpu, "memory": memory}})
    }

    fn both(field: &str) -> Vec<String> {
        vec![
            format!("spec.containers[0].resources.{field}"),
            format!("spec.initContainers[0].resources.{field}"),
        ]
    }

    fn range() -> Value {
        json!({"min_cpu_request": "100m", "max_cpu_request": "1",
               "min_memory_request": "64Mi", "max_memory_request": "1Gi"})
    }

    fn accepted(settings: Value, object: Value) -> bool {
        run::<R>(settings, object)["accepted"] == true
    }

    #[test]
    fn requests_in_range_are_accepted_in_any_notation() {
        for (cpu, memory) in [
            ("100m", "64Mi"),
            ("0.1", "67108864"),
            ("1", "1Gi"),
            ("1e-1", "1G"),
            ("500m", "129M"),
        ] {
            assert!(
                accepted(range(), pod(requests(cpu, memory))),
                "{cpu} {memory}"
            );
        }
        // Without settings any request is accepted, "0" included.
        assert!(accepted(json!({}), pod(requests("0", "1"))));
    }

    #[test]
    fn missing_requests_are_rejected_per_resource() {
        let mut expected = both("requests.cpu");
        expected.extend(both("requests.memory"));
        expected.sort();
        for resources in [
            json!(null),
            json!({}),
            json!({"requests": {}}),
            json!({"requests": null}),
        ] {
            let out = run::<R>(json!({}), pod(resources.clone()));
            assert_eq!(violation_paths::<R>(&out), expected, "{resources}");
            assert!(message(&out).contains("container \"app\" has no cpu request"));
            assert!(message(&out).contains("init container \"init\" has no memory request"));
        }
        let out = run::<R>(json!({}), pod(json!({"requests": {"cpu": "1"}})));
        assert_eq!(violation_paths::<R>(&out), both("requests.memory"));
    }

    #[test]
    fn requests_outside_the_range_are_rejected_exactly() {
        let out = run::<R>(range(), pod(requests("99m", "1073741825")));
        let mut expected = both("requests.cpu");
        expected.extend(both("requests.memory"));
        expected.sort();
        assert_eq!(violation_paths::<R>(&out), expected);
        assert!(message(&out).contains(
            "spec.containers[0].resources.requests.cpu: container \"app\" cpu request \"99m\" is lower than the minimum allowed of 100m"
        ));
        assert!(message(&out).contains(
            "init container \"init\" memory request \"1073741825\" is higher than the maximum allowed of 1Gi"
        ));
        let out = run::<R>(range(), pod(requests("1001m", "64Mi")));
        assert_eq!(violation_paths::<R>(&out), both("requests.cpu"));
    }

    #[test]
    fn a_missing_request_is_the_limit_kubernetes_copies_into_it() {
        let limits_only = json!({"limits": {"cpu": "500m", "memory": "2Gi"}});
        let out = run::<R>(range(), pod(limits_only));
        assert_eq!(violation_paths::<R>(&out), both("requests.memory"));
        assert!(message(&out).contains(
            "memory request (unset, so Kubernetes copies the memory limit \"2Gi\") is higher than the maximum allowed of 1Gi"
        ));
        let fine = json!({"limits": {"cpu": "500m", "memory": "512Mi"}});
        assert!(accepted(range(), pod(fine)));
        let bad_limit = json!({"limits": {"cpu": "lots"}, "requests": {"memory": "64Mi"}});
        let out = run::<R>(range(), pod(bad_limit));
        assert_eq!(violation_paths::<R>(&out), both("limits.cpu"));
        assert!(message(&out).contains("copies the cpu limit \"lots\") could not be parsed"));
    }

    #[test]
    fn malformed_and_negative_requests_are_violations_that_say_so() {
        let out = run::<R>(json!({}), pod(requests("1gi", "-1")));
        let mut expected = both("requests.cpu");
        expected.extend(both("requests.memory"));
        expected.sort();
        assert_eq!(violation_paths::<R>(&out), expected);
        assert!(message(&out).contains("cpu request \"1gi\" could not be parsed: not a quantity"));
        assert!(message(&out).contains("memory request \"-1\" is negative"));
        let out = run::<R>(json!({}), pod(requests("1e999", " 1")));
        assert!(message(&out).contains("cpu request \"1e999\" could not be parsed: larger than"));
    }

    #[test]
    fn templates_are_checked_at_their_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1",
                "resources": {"requests": {"cpu": "4", "memory": "64Mi"}}}]}}}});
        let out = run::<R>(range(), deployment);
        assert_eq!(
            violation_paths::<R>(&out),
            ["spec.template.spec.containers[0].resources.requests.cpu"]
        );
    }

    #[test]
    fn exemptions_apply() {
        for settings in [
            json!({"exempt_container_names": ["app", "init"]}),
            json!({"excludedImages": ["nginx", "busybox"]}),
            json!({"excludedNamespaces": ["default"]}),
        ] {
            assert!(accepted(settings.clone(), pod(json!(null))), "{settings}");
        }
    }

    #[test]
    fn update_keeps_preexisting_findings_and_refuses_a_resize_out_of_range() {
        let old = pod(requests("2", "64Mi"));
        let mut relabelled = old.clone();
        relabelled["metadata"]["labels"] = json!({"tier": "web"});
        let out = run_update::<R>(range(), relabelled, old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        let out = run_update::<R>(range(), pod(requests("3", "64Mi")), old);
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn bad_settings_are_refused_naming_the_field() {
        let refusal = |s: Value| settings_error::<R>(s).unwrap_or_default();
        for (settings, text) in [
            (json!({"min_cpu_request": "1 core"}), "min_cpu_request: "),
            (json!({"max_memory_request": "1gi"}), "max_memory_request: "),
            (json!({"max_cpu_request": "-1"}), "must not be negative"),
            (
                json!({"min_cpu_request": "2", "max_cpu_request": "1"}),
                "min_cpu_request: 2 is higher than max_cpu_request 1",
            ),
            (
                json!({"min_memory_request": "1Gi", "max_memory_request": "1G"}),
                "min_memory_request: 1Gi is higher than max_memory_request 1G",
            ),
            (json!({"cpu_request": "1"}), "cpu_request"),
        ] {
            let got = refusal(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        for ok in [
            json!({}),
            range(),
            json!({"min_cpu_request": 1, "max_cpu_request": 1}),
            json!({"min_memory_request": "0"}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

//! container-limits: every container and init container sets CPU and memory
//! limits, at most the configured maxima, and requests no more than its
//! limits; missing limits (and then requests) can be filled with defaults.
//! Azure `k8sazurecontainerlimits` (`cpuLimit`, `memoryLimit`), Kubewarden
//! container-resources.

use palisade_sdk::k8s::{Quantity, ResourceName as Resource};
use palisade_sdk::quantity::{Amount, QuantitySetting};
use palisade_sdk::{
    Change, ContainerKind, ContainerRef, Pod, Report, Rule, RuleSettings, SettingsError,
    export_rule,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The largest CPU limit a container may set; absent: any.
    #[serde(default, alias = "cpuLimit")]
    pub max_cpu_limit: Option<QuantitySetting>,
    /// The largest memory limit a container may set; absent: any.
    #[serde(default, alias = "memoryLimit")]
    pub max_memory_limit: Option<QuantitySetting>,
    /// Limits set (by mutation) on containers that have none.
    #[serde(default)]
    pub default_limits: Resources,
    /// Requests set (by mutation) on containers that have neither the
    /// request nor the limit; needs the matching default limit.
    #[serde(default)]
    pub default_requests: Resources,
    /// Reject a container that needs a default instead of setting it.
    #[serde(default)]
    pub validate_only: bool,
}

/// A CPU and a memory quantity, each optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub cpu: Option<QuantitySetting>,
    #[serde(default)]
    pub memory: Option<QuantitySetting>,
}

impl Resources {
    fn get(&self, resource: Resource) -> Option<&QuantitySetting> {
        match resource {
            Resource::Cpu => self.cpu.as_ref(),
            Resource::Memory => self.memory.as_ref(),
        }
    }
}

impl Settings {
    fn max(&self, resource: Resource) -> Option<&QuantitySetting> {
        match resource {
            Resource::Cpu => self.max_cpu_limit.as_ref(),
            Resource::Memory => self.max_memory_limit.as_ref(),
        }
    }

    fn max_field(resource: Resource) -> &'static str {
        match resource {
            Resource::Cpu => "max_cpu_limit",
            Resource::Memory => "max_memory_limit",
        }
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        for resource in Resource::ALL {
            let key = resource.key();
            let max = self.max(resource);
            let limit = self.default_limits.get(resource);
            let request = self.default_requests.get(resource);
            if let (Some(limit), Some(max)) = (limit, max)
                && limit.amount > max.amount
            {
                return Err(SettingsError::new(
                    format!("default_limits.{key}"),
                    format!("{limit} is higher than {} {max}", Self::max_field(resource)),
                ));
            }
            if let Some(request) = request {
                let Some(limit) = limit else {
                    return Err(SettingsError::new(
                        format!("default_requests.{key}"),
                        format!(
                            "needs default_limits.{key}: a request is defaulted only where the limit is (Kubernetes copies a set limit into a missing request)"
                        ),
                    ));
                };
                if request.amount > limit.amount {
                    return Err(SettingsError::new(
                        format!("default_requests.{key}"),
                        format!("{request} is higher than default_limits.{key} {limit}"),
                    ));
                }
            }
        }
        let no_default = [&self.default_limits, &self.default_requests]
            .iter()
            .all(|r| r.cpu.is_none() && r.memory.is_none());
        if self.validate_only && no_default {
            return Err(SettingsError::new(
                "validate_only",
                "has no effect without default_limits: nothing is mutated",
            ));
        }
        Ok(())
    }

    fn validate_only(&self) -> bool {
        self.validate_only
    }
}

pub struct ContainerLimits;

impl Rule for ContainerLimits {
    const NAME: &'static str = "container-limits";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        for container in pod.containers() {
            // The API server refuses resources on ephemeral containers:
            // they cannot set limits, and a mutation could not give them any.
            if container.kind == ContainerKind::EphemeralContainer {
                continue;
            }
            for resource in Resource::ALL {
                check_resource(settings, &container, resource, report);
            }
        }
    }
}

/// A container's quantity, parsed; a malformed or negative one is reported.
/// Reads a written quantity; a malformed or negative one is a violation.
/// Paths and messages are built only for a finding: this runs for every
/// container, twice per resource.
fn parsed(
    container: &ContainerRef,
    what: (&str, &str),
    quantity: &Quantity,
    at: impl FnOnce() -> palisade_sdk::FieldPath,
    report: &mut Report,
) -> Option<Amount> {
    let text = &quantity.0;
    let (key, kind) = what;
    match Amount::parse(text) {
        Err(e) => {
            let describe = container.describe();
            report.violation(
                at(),
                format!("{describe} {key} {kind} {text:?} could not be parsed: {e}"),
            );
            None
        }
        Ok(amount) if amount.is_negative() => {
            let describe = container.describe();
            report.violation(
                at(),
                format!("{describe} {key} {kind} {text:?} is negative"),
            );
            None
        }
        Ok(amount) => Some(amount),
    }
}

/// How a limit is shown in a message about the request above it.
enum Shown<'a> {
    Written(&'a Quantity),
    Default(&'a QuantitySetting),
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shown::Written(quantity) => write!(f, "{:?}", quantity.0),
            Shown::Default(default) => write!(f, "{:?} (the default)", default.text),
        }
    }
}

fn check_resource(
    settings: &Settings,
    container: &ContainerRef,
    resource: Resource,
    report: &mut Report,
) {
    let key = resource.key();
    let resources = container.container.resources.as_ref();
    let written_limit = resources
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.get(resource));
    let written_request = resources
        .and_then(|r| r.requests.as_ref())
        .and_then(|r| r.get(resource));
    let limit_path = || container.field_path(&["resources", "limits"]).key(key);
    let request_path = || container.field_path(&["resources", "requests"]).key(key);
    // The limit the container has, or gets by mutation.
    let limit: Option<(Amount, Shown)> = match written_limit {
        Some(quantity) => {
            let amount = parsed(container, (key, "limit"), quantity, limit_path, report);
            if let (Some(amount), Some(max)) = (amount, settings.max(resource))
                && amount > max.amount
            {
                report.violation(
                    limit_path(),
                    format!(
                        "{} {key} limit {:?} is higher than the maximum allowed of {max}",
                        container.describe(),
                        quantity.0
                    ),
                );
            }
            amount.map(|a| (a, Shown::Written(quantity)))
        }
        None => match settings.default_limits.get(resource) {
            Some(default) => {
                report.fix(
                    limit_path(),
                    Change::Set(json!(default.text)),
                    format!(
                        "{} has no {key} limit (default {default})",
                        container.describe()
                    ),
                );
                Some((default.amount, Shown::Default(default)))
            }
            None => {
                report.violation(
                    limit_path(),
                    format!("{} has no {key} limit", container.describe()),
                );
                None
            }
        },
    };
    match written_request {
        Some(quantity) => {
            let request = parsed(container, (key, "request"), quantity, request_path, report);
            if let (Some(request), Some((limit, shown))) = (request, &limit)
                && request > *limit
            {
                report.violation(
                    request_path(),
                    format!(
                        "{} {key} request {:?} is higher than its {key} limit {shown}",
                        container.describe(),
                        quantity.0
                    ),
                );
            }
        }
        // Kubernetes copies a set limit into a missing request (on the pod;
        // a template's pods get it when they are created): a default request
        // is for a container whose limit is defaulted too.
        None => {
            if let (None, Some(default)) = (written_limit, settings.default_requests.get(resource))
            {
                report.fix(
                    request_path(),
                    Change::Set(json!(default.text)),
                    format!(
                        "{} has no {key} request (default {default})",
                        container.describe()
                    ),
                );
            }
        }
    }
}

export_rule!(ContainerLimits);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{
        message, mutated, run, run_update, settings_error, violation_paths,
    };
    use serde_json::Value;

    type R = ContainerLimits;

    /// A pod with an app container and an init container, both with `resources`,
    /// and an ephemeral container without any.
    fn pod(resources: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {
                "containers": [{"name": "app", "image": "nginx", "resources": resources.clone()}],
                "initContainers": [{"name": "init", "image": "busybox", "resources": resources}],
                "ephemeralContainers": [{"name": "debug", "image": "busybox"}]}})
    }

    fn limits(cpu: &str, memory: &str) -> Value {
        json!({"limits": {"cpu": cpu, "memory": memory}})
    }

    fn both(field: &str) -> Vec<String> {
        vec![
            format!("spec.containers[0].resources.{field}"),
            format!("spec.initContainers[0].resources.{field}"),
        ]
    }

    fn accepted_unchanged(settings: Value, object: Value) -> bool {
        let out = run::<R>(settings, object);
        out["accepted"] == true && out["mutated_object"].is_null()
    }

    fn warned(out: &Value, text: &str) -> bool {
        let warnings = out["warnings"].as_array().into_iter().flatten();
        warnings.filter_map(Value::as_str).any(|w| w.contains(text))
    }

    const MAX: &str = r#"{"max_cpu_limit": "2", "max_memory_limit": "1Gi"}"#;

    fn max() -> Value {
        serde_json::from_str(MAX).unwrap_or_default()
    }

    #[test]
    fn limits_within_the_maxima_are_accepted_in_any_notation() {
        for (cpu, memory) in [
            ("2", "1Gi"),
            ("500m", "128974848"),
            ("0.5", "129M"),
            ("2000m", "1073741824"),
            ("1e-1", "123Mi"),
            ("1.5", "1G"),
            ("0", "0.5Gi"),
        ] {
            assert!(
                accepted_unchanged(max(), pod(limits(cpu, memory))),
                "{cpu} {memory}"
            );
        }
        let azure = json!({"cpuLimit": "200m", "memoryLimit": "1Gi"});
        assert!(accepted_unchanged(azure, pod(limits("0.2", "1Gi"))));
    }

    #[test]
    fn limits_above_the_maxima_are_rejected_exactly() {
        let out = run::<R>(max(), pod(limits("2001m", "1073741825")));
        let mut expected = both("limits.cpu");
        expected.extend(both("limits.memory"));
        expected.sort();
        assert_eq!(violation_paths::<R>(&out), expected);
        assert!(message(&out).contains(
            "spec.containers[0].resources.limits.cpu: container \"app\" cpu limit \"2001m\" is higher than the maximum allowed of 2"
        ));
        assert!(message(&out).contains(
            "init container \"init\" memory limit \"1073741825\" is higher than the maximum allowed of 1Gi"
        ));
        // 1G < 1Gi but 1.1G > 1Gi.
        let out = run::<R>(max(), pod(limits("1", "1.1G")));
        assert_eq!(violation_paths::<R>(&out), both("limits.memory"));
        let azure = json!({"cpuLimit": "200m", "memoryLimit": "1Gi"});
        let out = run::<R>(azure, pod(limits("0.3", "1Gi")));
        assert!(message(&out).contains("is higher than the maximum allowed of 200m"));
    }

    #[test]
    fn missing_limits_are_rejected_per_resource() {
        let mut expected = both("limits.cpu");
        expected.extend(both("limits.memory"));
        expected.sort();
        for resources in [
            json!(null),
            json!({}),
            json!({"limits": null}),
            json!({"limits": {}}),
        ] {
            let out = run::<R>(json!({}), pod(resources.clone()));
            assert_eq!(violation_paths::<R>(&out), expected, "{resources}");
            assert!(message(&out).contains("container \"app\" has no cpu limit"));
            assert!(message(&out).contains("init container \"init\" has no memory limit"));
        }
        let out = run::<R>(max(), pod(json!({"limits": {"cpu": "1", "memory": null}})));
        assert_eq!(violation_paths::<R>(&out), both("limits.memory"));
        // The ephemeral container is never asked for limits.
        assert!(accepted_unchanged(json!({}), pod(limits("1", "1Gi"))));
    }

    #[test]
    fn malformed_and_negative_quantities_are_violations_that_say_so() {
        let out = run::<R>(json!({}), pod(limits("1gi", " 1Gi")));
        let mut expected = both("limits.cpu");
        expected.extend(both("limits.memory"));
        expected.sort();
        assert_eq!(violation_paths::<R>(&out), expected);
        assert!(message(&out).contains("container \"app\" cpu limit \"1gi\" could not be parsed"));
        assert!(message(&out).contains("memory limit \" 1Gi\" could not be parsed"));
        let out = run::<R>(max(), pod(limits("-1", "1e999")));
        assert!(message(&out).contains("cpu limit \"-1\" is negative"));
        assert!(message(&out).contains("memory limit \"1e999\" could not be parsed: larger than"));
        let bad_request = json!({"limits": {"cpu": "1", "memory": "1Gi"},
                                 "requests": {"cpu": "lots", "memory": "1Gi"}});
        let out = run::<R>(max(), pod(bad_request));
        assert_eq!(violation_paths::<R>(&out), both("requests.cpu"));
        assert!(message(&out).contains("cpu request \"lots\" could not be parsed"));
    }

    #[test]
    fn a_number_in_place_of_a_string_is_read_as_its_text() {
        let numbers = json!({"limits": {"cpu": 0.5, "memory": 1024}});
        assert!(accepted_unchanged(max(), pod(numbers)));
        let too_much = json!({"limits": {"cpu": 3, "memory": 1024}});
        let out = run::<R>(max(), pod(too_much));
        assert_eq!(violation_paths::<R>(&out), both("limits.cpu"));
    }

    #[test]
    fn requests_above_limits_are_rejected() {
        let resources = json!({"limits": {"cpu": "500m", "memory": "1Gi"},
                               "requests": {"cpu": "0.6", "memory": "1Gi"}});
        let out = run::<R>(json!({}), pod(resources));
        assert_eq!(violation_paths::<R>(&out), both("requests.cpu"));
        assert!(message(&out).contains(
            "container \"app\" cpu request \"0.6\" is higher than its cpu limit \"500m\""
        ));
        let equal = json!({"limits": {"cpu": "500m", "memory": "1Gi"},
                           "requests": {"cpu": "0.5", "memory": "1073741824"}});
        assert!(accepted_unchanged(json!({}), pod(equal)));
    }

    fn defaults() -> Value {
        json!({"max_cpu_limit": "2", "max_memory_limit": "1Gi",
               "default_limits": {"cpu": "500m", "memory": "256Mi"},
               "default_requests": {"cpu": "100m", "memory": "128Mi"}})
    }

    #[test]
    fn defaults_fill_missing_limits_and_requests() {
        let out = run::<R>(defaults(), pod(json!(null)));
        let object = mutated(&out);
        for list in ["containers", "initContainers"] {
            let resources = &object["spec"][list][0]["resources"];
            assert_eq!(
                resources,
                &json!({"limits": {"cpu": "500m", "memory": "256Mi"},
                        "requests": {"cpu": "100m", "memory": "128Mi"}}),
                "{list}"
            );
        }
        assert!(object["spec"]["ephemeralContainers"][0]["resources"].is_null());
        assert!(warned(
            &out,
            "mutated: set spec.containers[0].resources.limits.cpu to \"500m\""
        ));
        // Only what is missing is set; a set limit keeps its missing request
        // unset (Kubernetes copies the limit into it).
        let partial = json!({"limits": {"cpu": "1"}, "requests": {"memory": "64Mi"}});
        let out = run::<R>(defaults(), pod(partial));
        let resources = &mutated(&out)["spec"]["containers"][0]["resources"];
        assert_eq!(
            resources,
            &json!({"limits": {"cpu": "1", "memory": "256Mi"},
                    "requests": {"memory": "64Mi"}})
        );
    }

    #[test]
    fn a_request_above_the_default_limit_is_rejected_not_mutated() {
        let out = run::<R>(
            defaults(),
            pod(json!({"requests": {"cpu": "1", "memory": "1Mi"}})),
        );
        assert_eq!(violation_paths::<R>(&out), both("requests.cpu"));
        assert!(message(&out).contains("is higher than its cpu limit \"500m\" (the default)"));
        assert!(out["mutated_object"].is_null());
    }

    #[test]
    fn defaults_do_not_excuse_a_limit_above_the_maximum() {
        let out = run::<R>(defaults(), pod(json!({"limits": {"cpu": "4"}})));
        assert_eq!(violation_paths::<R>(&out), both("limits.cpu"));
    }

    #[test]
    fn validate_only_rejects_what_a_default_would_fill() {
        let mut settings = defaults();
        settings["validate_only"] = json!(true);
        let out = run::<R>(settings, pod(json!({"limits": {"cpu": "1"}})));
        let mut expected = both("limits.memory");
        expected.extend(both("requests.memory"));
        expected.sort();
        assert_eq!(violation_paths::<R>(&out), expected);
        assert!(message(&out).contains("container \"app\" has no memory limit (default 256Mi)"));
    }

    #[test]
    fn templates_are_checked_and_mutated_at_their_path() {
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api"},
            "spec": {"template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}}}});
        let out = run::<R>(json!({}), deployment.clone());
        assert_eq!(
            violation_paths::<R>(&out),
            [
                "spec.template.spec.containers[0].resources.limits.cpu",
                "spec.template.spec.containers[0].resources.limits.memory"
            ]
        );
        let out = run::<R>(defaults(), deployment);
        assert_eq!(
            mutated(&out)["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"],
            "500m"
        );
    }

    #[test]
    fn exemptions_apply() {
        let names = json!({"exempt_container_names": ["app", "init"]});
        assert!(accepted_unchanged(names, pod(json!(null))));
        let images = json!({"excludedImages": ["nginx", "busybox"]});
        assert!(accepted_unchanged(images, pod(json!(null))));
        let namespaces = json!({"excludedNamespaces": ["default"]});
        assert!(accepted_unchanged(namespaces, pod(json!(null))));
    }

    #[test]
    fn update_keeps_preexisting_findings_and_refuses_a_raise() {
        let old = pod(limits("4", "1Gi"));
        let relabelled = {
            let mut p = old.clone();
            p["metadata"]["labels"] = json!({"tier": "web"});
            p
        };
        let out = run_update::<R>(max(), relabelled, old.clone());
        assert!(
            out["accepted"] == true && warned(&out, "preexisting"),
            "{out}"
        );
        // An in-place resize to a higher limit is a new violation.
        let out = run_update::<R>(max(), pod(limits("8", "1Gi")), old);
        assert_eq!(out["accepted"], false, "{out}");
        // A running pod without limits is not rewritten.
        let bare = pod(json!(null));
        let out = run_update::<R>(defaults(), bare.clone(), bare);
        assert!(
            out["mutated_object"].is_null() && warned(&out, "left unchanged"),
            "{out}"
        );
    }

    #[test]
    fn bad_settings_are_refused_naming_the_field() {
        let refusal = |s: Value| settings_error::<R>(s).unwrap_or_default();
        for (settings, text) in [
            (json!({"max_cpu_limit": "2 cores"}), "max_cpu_limit: "),
            (json!({"cpuLimit": "1gi"}), "cpuLimit: "),
            (json!({"memoryLimit": "-1Gi"}), "must not be negative"),
            (json!({"max_memory_limit": ""}), "an empty quantity"),
            (
                json!({"default_limits": {"cpu": "x"}}),
                "default_limits.cpu",
            ),
            (
                json!({"max_cpu_limit": "1", "default_limits": {"cpu": "2"}}),
                "default_limits.cpu: 2 is higher than max_cpu_limit 1",
            ),
            (
                json!({"default_limits": {"memory": "1Gi"}, "default_requests": {"memory": "2Gi"}}),
                "default_requests.memory: 2Gi is higher than default_limits.memory 1Gi",
            ),
            (
                json!({"default_requests": {"cpu": "100m"}}),
                "default_requests.cpu: needs default_limits.cpu",
            ),
            (
                json!({"validate_only": true}),
                "validate_only: has no effect",
            ),
            (json!({"default_limits": {"gpu": "1"}}), "gpu"),
            (json!({"max_limits": {"cpu": "1"}}), "max_limits"),
        ] {
            let got = refusal(settings.clone());
            assert!(got.contains(text), "{settings}: {got}");
        }
        for ok in [
            json!({}),
            max(),
            defaults(),
            json!({"cpuLimit": "200m", "memoryLimit": "1Gi", "excludedContainers": ["x"]}),
            json!({"max_cpu_limit": 2, "default_limits": {"cpu": 0.5}, "validate_only": true}),
        ] {
            assert_eq!(settings_error::<R>(ok.clone()), None, "{ok}");
        }
    }
}

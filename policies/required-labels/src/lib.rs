//! required-labels: pods carry the labels an organisation relies on.
//! Azure `k8sazurepodenforcelabels` (`labelsList`).

use glob::Pattern;
use palisade_sdk::{FieldPath, KubeObject, Object, ObjectMeta, ObjectRule, Report, RuleSettings};
use palisade_sdk::{POD_KINDS, PodLocation, SettingsError, export_object_rule};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Label keys every pod must carry.
    #[serde(default, alias = "labelsList")]
    pub required_labels: Vec<String>,
    /// Glob patterns a label's value must match, when the label is present.
    #[serde(default)]
    pub allowed_values: BTreeMap<String, Vec<String>>,
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.required_labels.is_empty() && self.allowed_values.is_empty() {
            return Err(SettingsError::new(
                "required_labels",
                "name at least one label (required_labels or allowed_values)",
            ));
        }
        if let Some(i) = self.required_labels.iter().position(|k| k.is_empty()) {
            return Err(SettingsError::new(
                format!("required_labels[{i}]"),
                "a label key cannot be empty",
            ));
        }
        for (key, patterns) in &self.allowed_values {
            if patterns.is_empty() {
                return Err(SettingsError::new(
                    format!("allowed_values.{key}"),
                    "an empty list would refuse every value; remove the key instead",
                ));
            }
            for (i, pattern) in patterns.iter().enumerate() {
                Pattern::new(pattern).map_err(|e| {
                    SettingsError::new(format!("allowed_values.{key}[{i}]"), e.to_string())
                })?;
            }
        }
        Ok(())
    }
}

/// The labels of a pod, or of a workload's pod template: what pods get.
#[derive(Debug, Default)]
pub struct Labelled {
    pub metadata: ObjectMeta,
    pub spec: Option<TemplateHolder>,
    /// A PodTemplate's `template`.
    pub template: Option<Template>,
}

palisade_sdk::lean_deserialize! { Labelled {
    metadata: "metadata",
    spec: "spec",
    template: "template",
} }

#[derive(Debug, Default)]
pub struct TemplateHolder {
    pub template: Option<Template>,
    pub job_template: Option<Box<JobTemplate>>,
}

palisade_sdk::lean_deserialize! { TemplateHolder {
    template: "template",
    job_template: "jobTemplate",
} }

#[derive(Debug, Default)]
pub struct JobTemplate {
    pub spec: Option<TemplateHolder>,
}

palisade_sdk::lean_deserialize! { JobTemplate {
    spec: "spec",
} }

#[derive(Debug, Default)]
pub struct Template {
    pub metadata: ObjectMeta,
}

palisade_sdk::lean_deserialize! { Template {
    metadata: "metadata",
} }

impl KubeObject for Labelled {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

impl Labelled {
    /// The pod's labels and their path, for the object's kind (one of
    /// `POD_KINDS`, the only kinds the engine gives this rule).
    fn pod_labels(&self, kind: &str) -> (&BTreeMap<String, String>, FieldPath) {
        let location = PodLocation::of_kind(kind).unwrap_or(PodLocation::Template);
        let template = match location {
            PodLocation::Pod => return (&self.metadata.labels, labels_path(location)),
            PodLocation::PodTemplate => self.template.as_ref(),
            PodLocation::CronJob => self
                .spec
                .as_ref()
                .and_then(|s| s.job_template.as_ref())
                .and_then(|j| j.spec.as_ref())
                .and_then(|s| s.template.as_ref()),
            PodLocation::Template => self.spec.as_ref().and_then(|s| s.template.as_ref()),
        };
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        let labels = template.map_or(&EMPTY, |t| &t.metadata.labels);
        (labels, labels_path(location))
    }
}

fn labels_path(location: PodLocation) -> FieldPath {
    location.metadata_path().key("labels")
}

pub struct RequiredLabels;

impl ObjectRule for RequiredLabels {
    const NAME: &'static str = "required-labels";
    const KINDS: &'static [&'static str] = &POD_KINDS;
    type Settings = Settings;
    type Object = Labelled;

    fn check(settings: &Settings, object: &Object<Labelled>, report: &mut Report) {
        let (labels, path) = object.object.pod_labels(object.kind);
        let missing: Vec<&str> = settings
            .required_labels
            .iter()
            .filter(|key| !labels.contains_key(*key))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            report.violation(
                path.clone(),
                format!("missing required labels: {}", missing.join(", ")),
            );
        }
        for (key, patterns) in &settings.allowed_values {
            let Some(value) = labels.get(key) else {
                continue;
            };
            let allowed = patterns
                .iter()
                .any(|p| Pattern::new(p).is_ok_and(|p| p.matches(value)));
            if !allowed {
                report.violation(
                    path.key(key.clone()),
                    format!(
                        "label {key}={value:?} is not allowed (allowed: {})",
                        patterns.join(", ")
                    ),
                );
            }
        }
    }
}

export_object_rule!(RequiredLabels);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, violation_paths};
    use serde_json::{Value, json};

    fn pod(labels: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": labels},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]}})
    }

    fn deployment(own: Value, template: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": own},
            "spec": {"template": {"metadata": {"labels": template},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    }

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<RequiredLabels>(out)
    }

    #[test]
    fn missing_labels_are_named_together() {
        let settings = json!({"labelsList": ["app", "team", "cost-center"]});
        let out = run::<RequiredLabels>(settings.clone(), pod(json!({"app": "web"})));
        assert_eq!(paths(&out), ["metadata.labels"]);
        assert!(
            message(&out).contains("missing required labels: team, cost-center"),
            "{out}"
        );
        let all = json!({"app": "web", "team": "shop", "cost-center": "42"});
        assert_eq!(run::<RequiredLabels>(settings, pod(all))["accepted"], true);
    }

    #[test]
    fn a_workload_is_judged_on_its_pod_template() {
        let settings = json!({"required_labels": ["team"]});
        // The Deployment's own labels do not reach its pods.
        let out = run::<RequiredLabels>(
            settings.clone(),
            deployment(json!({"team": "shop"}), json!(null)),
        );
        assert_eq!(paths(&out), ["spec.template.metadata.labels"]);
        let ok = deployment(json!(null), json!({"team": "shop"}));
        assert_eq!(
            run::<RequiredLabels>(settings.clone(), ok)["accepted"],
            true
        );
        let cron = json!({"kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec":
            {"template": {"metadata": {"labels": {"app": "c"}}, "spec": {"containers": []}}}}}});
        assert_eq!(
            paths(&run::<RequiredLabels>(settings, cron)),
            ["spec.jobTemplate.spec.template.metadata.labels"]
        );
    }

    #[test]
    fn allowed_values_are_globs_checked_when_present() {
        let settings = json!({"allowed_values": {"env": ["prod", "staging-*"]}});
        assert_eq!(
            run::<RequiredLabels>(settings.clone(), pod(json!({"env": "staging-2"})))["accepted"],
            true
        );
        assert_eq!(
            run::<RequiredLabels>(settings.clone(), pod(json!({"app": "x"})))["accepted"],
            true
        );
        let out = run::<RequiredLabels>(settings, pod(json!({"env": "Prod"})));
        assert_eq!(paths(&out), ["metadata.labels.env"]);
    }

    #[test]
    fn keys_compare_exactly() {
        let settings = json!({"required_labels": ["app.kubernetes.io/name"]});
        let out = run::<RequiredLabels>(settings, pod(json!({"App.kubernetes.io/name": "web"})));
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn other_kinds_are_accepted() {
        let settings = json!({"required_labels": ["team"]});
        let svc = json!({"kind": "Service", "metadata": {"name": "s"}, "spec": {}});
        assert_eq!(run::<RequiredLabels>(settings, svc)["accepted"], true);
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert!(refusal::<RequiredLabels>(json!({})).contains("required_labels"));
        assert!(
            refusal::<RequiredLabels>(json!({"required_labels": ["app", ""]}))
                .contains("required_labels[1]")
        );
        assert!(
            refusal::<RequiredLabels>(json!({"allowed_values": {"env": []}}))
                .contains("allowed_values.env")
        );
        assert!(
            refusal::<RequiredLabels>(json!({"allowed_values": {"env": ["[a"]}}))
                .contains("allowed_values.env[0]")
        );
        assert!(refusal::<RequiredLabels>(json!({"labelsList": "app"})).contains("labelsList"));
    }
}

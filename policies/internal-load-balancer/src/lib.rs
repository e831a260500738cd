//! internal-load-balancer: a LoadBalancer Service gets no public IP.
//! Azure `k8sazureloadbalancernopublicips`.

use palisade_sdk::{FieldPath, Object, ObjectRule, Report, Resource, RuleSettings};
use palisade_sdk::{SettingsError, export_object_rule};
use serde::Deserialize;

/// The annotation each cloud's load-balancer controller reads to make a
/// Service's load balancer internal, and the value that does it.
const PROVIDERS: &[(&str, &str, &str)] = &[
    (
        "azure",
        "service.beta.kubernetes.io/azure-load-balancer-internal",
        "true",
    ),
    // The in-tree AWS provider; the AWS Load Balancer Controller reads `aws-lbc`.
    (
        "aws",
        "service.beta.kubernetes.io/aws-load-balancer-internal",
        "true",
    ),
    (
        "aws-lbc",
        "service.beta.kubernetes.io/aws-load-balancer-scheme",
        "internal",
    ),
    ("gcp", "networking.gke.io/load-balancer-type", "Internal"),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Clouds whose internal annotation satisfies the rule (any one does).
    #[serde(default = "azure")]
    pub providers: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { providers: azure() }
    }
}

fn azure() -> Vec<String> {
    vec!["azure".to_owned()]
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        if self.providers.is_empty() {
            return Err(SettingsError::new(
                "providers",
                "name at least one provider, or do not deploy the rule",
            ));
        }
        for (i, name) in self.providers.iter().enumerate() {
            if !PROVIDERS.iter().any(|(known, _, _)| known == name) {
                let known: Vec<&str> = PROVIDERS.iter().map(|(known, _, _)| *known).collect();
                return Err(SettingsError::new(
                    format!("providers[{i}]"),
                    format!("unknown provider {name:?}; known: {}", known.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct ServiceSpec {
    pub kind: Option<String>,
}

palisade_sdk::lean_deserialize! { ServiceSpec {
    kind: "type",
} }

pub struct InternalLoadBalancer;

impl ObjectRule for InternalLoadBalancer {
    const NAME: &'static str = "internal-load-balancer";
    const KINDS: &'static [&'static str] = &["Service"];
    type Settings = Settings;
    type Object = Resource<ServiceSpec>;

    fn check(settings: &Settings, service: &Object<Self::Object>, report: &mut Report) {
        let spec = service.object.spec.as_ref();
        if spec.and_then(|s| s.kind.as_deref()) != Some("LoadBalancer") {
            return;
        }
        let annotations = &service.metadata().annotations;
        let wanted = PROVIDERS
            .iter()
            .filter(|(name, _, _)| settings.providers.iter().any(|p| p == name));
        // Values compare exactly, as the cloud controllers read them.
        let internal = wanted
            .clone()
            .any(|(_, key, value)| annotations.get(*key).is_some_and(|v| v == value));
        if !internal {
            // The path names the first accepted annotation; the message all.
            let mut wanted = wanted.peekable();
            let path = FieldPath::root().keys(&["metadata", "annotations"]);
            let path = match wanted.peek() {
                Some((_, key, _)) => path.key(*key),
                None => path,
            };
            let wanted: Vec<String> = wanted
                .map(|(_, key, value)| format!("{key}: {value:?}"))
                .collect();
            report.violation(
                path,
                format!(
                    "LoadBalancer Service {:?} would get a public IP; annotate it {}",
                    service.name,
                    wanted.join(" or ")
                ),
            );
        }
    }
}

export_object_rule!(InternalLoadBalancer);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, run_update};
    use serde_json::{Value, json};

    fn service(kind: &str, annotations: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "shop", "annotations": annotations},
            "spec": {"type": kind, "ports": [{"port": 443}]}})
    }

    const AZURE: &str = "service.beta.kubernetes.io/azure-load-balancer-internal";

    #[test]
    fn a_public_load_balancer_is_refused() {
        let out = run::<InternalLoadBalancer>(json!({}), service("LoadBalancer", json!(null)));
        let path = format!("metadata.annotations[{AZURE:?}]");
        assert!(message(&out).contains(&path), "{out}");
        assert!(message(&out).contains(AZURE), "{out}");
    }

    #[test]
    fn the_internal_annotation_must_say_true_exactly() {
        let ok = service("LoadBalancer", json!({AZURE: "true"}));
        assert_eq!(run::<InternalLoadBalancer>(json!({}), ok)["accepted"], true);
        for value in ["false", "True", "yes", ""] {
            let out = run::<InternalLoadBalancer>(
                json!({}),
                service("LoadBalancer", json!({AZURE: value})),
            );
            assert_eq!(out["accepted"], false, "{value}: {out}");
        }
    }

    #[test]
    fn other_service_types_are_accepted() {
        for kind in ["ClusterIP", "NodePort", "ExternalName"] {
            let out = run::<InternalLoadBalancer>(json!({}), service(kind, json!(null)));
            assert_eq!(out["accepted"], true, "{kind}");
        }
        let headless = json!({"kind": "Service", "metadata": {"name": "h"}, "spec": null});
        assert_eq!(
            run::<InternalLoadBalancer>(json!({}), headless)["accepted"],
            true
        );
    }

    #[test]
    fn another_clouds_annotation_counts_only_when_its_provider_is_chosen() {
        let gke = service(
            "LoadBalancer",
            json!({"networking.gke.io/load-balancer-type": "Internal"}),
        );
        assert_eq!(
            run::<InternalLoadBalancer>(json!({}), gke.clone())["accepted"],
            false
        );
        let both = json!({"providers": ["azure", "gcp"]});
        assert_eq!(run::<InternalLoadBalancer>(both, gke)["accepted"], true);
        let lbc = service(
            "LoadBalancer",
            json!({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}),
        );
        assert_eq!(
            run::<InternalLoadBalancer>(json!({"providers": ["aws-lbc"]}), lbc)["accepted"],
            true
        );
    }

    #[test]
    fn removing_the_annotation_on_update_is_refused() {
        let old = service("LoadBalancer", json!({AZURE: "true"}));
        let new = service("LoadBalancer", json!({}));
        assert_eq!(
            run_update::<InternalLoadBalancer>(json!({}), new, old)["accepted"],
            false
        );
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert!(refusal::<InternalLoadBalancer>(json!({"providers": []})).contains("providers"));
        assert!(
            refusal::<InternalLoadBalancer>(json!({"providers": ["azure", "oci"]}))
                .contains("providers[1]")
        );
    }
}

//! block-default-namespace: nothing of a team's goes in namespace `default`.
//! Azure `k8sazureblockdefault`.

use palisade_sdk::{FieldPath, KubeObject, Object, ObjectMeta, ObjectRule, Report, RuleSettings};
use palisade_sdk::{SettingsError, export_object_rule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The namespaces refused; `default` unless given.
    #[serde(default = "default_namespaces")]
    pub namespaces: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            namespaces: default_namespaces(),
        }
    }
}

fn default_namespaces() -> Vec<String> {
    vec!["default".to_owned()]
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        match self.namespaces.iter().position(|n| n.is_empty()) {
            Some(i) => Err(SettingsError::new(
                format!("namespaces[{i}]"),
                "a namespace name cannot be empty",
            )),
            None => Ok(()),
        }
    }
}

/// What the rule reads: the metadata, and a Secret's `type`.
#[derive(Debug, Default)]
pub struct Named {
    pub metadata: ObjectMeta,
    pub secret_type: Option<String>,
}

palisade_sdk::lean_deserialize! { Named {
    metadata: "metadata",
    secret_type: "type",
} }

impl KubeObject for Named {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// What Kubernetes itself keeps in `default`: refusing these would break the
/// cluster, and no team creates them.
fn kept_by_kubernetes(object: &Object<Named>) -> bool {
    let metadata = object.metadata();
    match object.kind {
        "ServiceAccount" => object.name == "default",
        "Service" => object.name == "kubernetes",
        "ConfigMap" => object.name == "kube-root-ca.crt",
        "Secret" => {
            object.object.secret_type.as_deref() == Some("kubernetes.io/service-account-token")
                && metadata
                    .annotations
                    .get("kubernetes.io/service-account.name")
                    .is_some_and(|account| account == "default")
        }
        _ => false,
    }
}

pub struct BlockDefaultNamespace;

impl ObjectRule for BlockDefaultNamespace {
    const NAME: &'static str = "block-default-namespace";
    // Azure's kinds: every kind that carries a pod (`POD_KINDS`; a test
    // keeps the two lists together) and four more.
    const KINDS: &'static [&'static str] = &[
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "ReplicationController",
        "PodTemplate",
        "Service",
        "ServiceAccount",
        "ConfigMap",
        "Secret",
    ];
    type Settings = Settings;
    type Object = Named;

    fn check(settings: &Settings, object: &Object<Named>, report: &mut Report) {
        // An object that names no namespace is created in the request's
        // (`Object::namespace`); one with none at all would land in default.
        let namespace = if object.namespace.is_empty() {
            "default"
        } else {
            object.namespace
        };
        if settings.namespaces.iter().any(|n| n == namespace) && !kept_by_kubernetes(object) {
            report.violation(
                FieldPath::root().keys(&["metadata", "namespace"]),
                format!(
                    "{} {:?} may not be created in namespace {namespace:?}; use a namespace of its own",
                    object.kind, object.name
                ),
            );
        }
    }
}

export_object_rule!(BlockDefaultNamespace);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, run_request, run_update};
    use serde_json::{Value, json};

    fn object(kind: &str, name: &str, namespace: &str) -> Value {
        json!({"apiVersion": "v1", "kind": kind,
            "metadata": {"name": name, "namespace": namespace}})
    }

    fn in_namespace(object: Value, namespace: &str) -> Value {
        json!({"kind": {"kind": object["kind"]}, "operation": "CREATE",
            "namespace": namespace, "object": object})
    }

    #[test]
    fn every_kind_that_carries_a_pod_is_judged() {
        for kind in palisade_sdk::POD_KINDS {
            assert!(BlockDefaultNamespace::KINDS.contains(&kind), "{kind}");
        }
    }

    #[test]
    fn every_judged_kind_in_default_is_refused_at_the_namespace() {
        for kind in BlockDefaultNamespace::KINDS {
            let out = run::<BlockDefaultNamespace>(json!({}), object(kind, "web", "default"));
            assert!(
                message(&out).contains("metadata.namespace"),
                "{kind}: {out}"
            );
            assert!(message(&out).contains(&format!("{kind} \"web\"")), "{out}");
        }
    }

    #[test]
    fn other_namespaces_and_other_kinds_are_accepted() {
        let out = run_request::<BlockDefaultNamespace>(
            json!({}),
            in_namespace(object("Pod", "web", "shop"), "shop"),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let role = object("Role", "reader", "default");
        assert_eq!(
            run::<BlockDefaultNamespace>(json!({}), role)["accepted"],
            true
        );
    }

    #[test]
    fn the_request_namespace_counts_when_the_object_names_none() {
        let mut pod = object("Pod", "web", "default");
        pod["metadata"].as_object_mut().unwrap().remove("namespace");
        let out =
            run_request::<BlockDefaultNamespace>(json!({}), in_namespace(pod.clone(), "default"));
        assert_eq!(out["accepted"], false, "{out}");
        let out = run_request::<BlockDefaultNamespace>(json!({}), in_namespace(pod, "shop"));
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn what_kubernetes_keeps_in_default_is_accepted() {
        for (kind, name) in [
            ("ServiceAccount", "default"),
            ("Service", "kubernetes"),
            ("ConfigMap", "kube-root-ca.crt"),
        ] {
            let out = run::<BlockDefaultNamespace>(json!({}), object(kind, name, "default"));
            assert_eq!(out["accepted"], true, "{kind} {name}: {out}");
        }
        let mut token = object("Secret", "default-token", "default");
        token["type"] = json!("kubernetes.io/service-account-token");
        token["metadata"]["annotations"] = json!({"kubernetes.io/service-account.name": "default"});
        assert_eq!(
            run::<BlockDefaultNamespace>(json!({}), token.clone())["accepted"],
            true
        );
        // The same names as other kinds, or another account's token, are not.
        token["metadata"]["annotations"] = json!({"kubernetes.io/service-account.name": "builder"});
        assert_eq!(
            run::<BlockDefaultNamespace>(json!({}), token)["accepted"],
            false
        );
        let impostor = object("ConfigMap", "kubernetes", "default");
        assert_eq!(
            run::<BlockDefaultNamespace>(json!({}), impostor)["accepted"],
            false
        );
    }

    #[test]
    fn more_namespaces_can_be_refused_and_exemptions_still_apply() {
        let settings = json!({"namespaces": ["default", "kube-public"]});
        let out = run_request::<BlockDefaultNamespace>(
            settings.clone(),
            in_namespace(object("ConfigMap", "c", "kube-public"), "kube-public"),
        );
        assert_eq!(out["accepted"], false, "{out}");
        let exempt = json!({"exempt_namespaces": ["default"]});
        let out = run::<BlockDefaultNamespace>(exempt, object("Pod", "web", "default"));
        assert_eq!(out["accepted"], true, "{out}");
    }

    #[test]
    fn an_update_of_something_already_in_default_warns() {
        let old = object("ConfigMap", "settings", "default");
        let mut new = old.clone();
        new["data"] = json!({"k": "v"});
        let out = run_update::<BlockDefaultNamespace>(json!({}), new, old);
        assert_eq!(out["accepted"], true, "{out}");
        assert!(
            out["warnings"][0].as_str().unwrap().contains("preexisting"),
            "{out}"
        );
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert!(
            refusal::<BlockDefaultNamespace>(json!({"namespaces": [""]})).contains("namespaces[0]")
        );
        assert!(
            refusal::<BlockDefaultNamespace>(json!({"namespaces": "default"}))
                .contains("namespaces")
        );
        assert!(
            refusal::<BlockDefaultNamespace>(json!({"namespace": ["x"]})).contains("namespace")
        );
    }
}

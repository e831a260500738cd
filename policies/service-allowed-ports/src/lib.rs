//! service-allowed-ports: a Service may listen only on allowed ports.
//! Azure `k8sazureserviceallowedports` (`allowedServicePortsList`).

use palisade_sdk::export_object_rule;
use palisade_sdk::ports::PortRanges;
use palisade_sdk::{FieldPath, Object, ObjectRule, Report, Resource, RuleSettings};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `spec.ports[].port` must be one of these; absent: any port.
    #[serde(default, alias = "allowedServicePortsList")]
    pub allowed_ports: Option<PortRanges>,
    /// `spec.ports[].nodePort`, when set, must be one of these; absent: any.
    #[serde(default)]
    pub allowed_node_ports: Option<PortRanges>,
    /// `false` refuses `type: NodePort` Services.
    #[serde(default = "yes")]
    pub allow_node_port_type: bool,
}

fn yes() -> bool {
    true
}

impl RuleSettings for Settings {}

#[derive(Debug, Default)]
pub struct ServiceSpec {
    pub kind: Option<String>,
    pub ports: Option<Vec<ServicePort>>,
}

palisade_sdk::lean_deserialize! { ServiceSpec {
    kind: "type",
    ports: "ports",
} }

#[derive(Debug, Default)]
pub struct ServicePort {
    pub port: Option<i64>,
    pub node_port: Option<i64>,
}

palisade_sdk::lean_deserialize! { ServicePort {
    port: "port",
    node_port: "nodePort",
} }

pub struct ServiceAllowedPorts;

impl ObjectRule for ServiceAllowedPorts {
    const NAME: &'static str = "service-allowed-ports";
    const KINDS: &'static [&'static str] = &["Service"];
    type Settings = Settings;
    type Object = Resource<ServiceSpec>;

    fn check(settings: &Settings, service: &Object<Self::Object>, report: &mut Report) {
        // The API server's own Service, which every cluster needs.
        if service.namespace == "default" && service.name == "kubernetes" {
            return;
        }
        let Some(spec) = &service.object.spec else {
            return;
        };
        let spec_path = FieldPath::root().key("spec");
        if !settings.allow_node_port_type && spec.kind.as_deref() == Some("NodePort") {
            report.violation(spec_path.key("type"), "type NodePort is not allowed");
        }
        let checks = [
            ("port", "port", &settings.allowed_ports),
            ("nodePort", "node port", &settings.allowed_node_ports),
        ];
        for (i, port) in spec.ports.iter().flatten().enumerate() {
            for (field, noun, allowed) in checks {
                let number = if field == "port" {
                    port.port
                } else {
                    port.node_port
                };
                if let (Some(allowed), Some(number)) = (allowed, number)
                    && !allowed.contains(number)
                {
                    report.violation(
                        spec_path.key("ports").index(i).key(field),
                        format!("{noun} {number} is not allowed (allowed: {allowed})"),
                    );
                }
            }
        }
    }
}

export_object_rule!(ServiceAllowedPorts);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{refusal, run, run_update, violation_paths};
    use serde_json::{Value, json};

    fn service(name: &str, kind: &str, ports: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"type": kind, "selector": {"app": "web"}, "ports": ports}})
    }

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<ServiceAllowedPorts>(out)
    }

    #[test]
    fn ports_outside_the_list_are_refused_each_at_its_path() {
        let settings = json!({"allowedServicePortsList": ["443", "8000-8080"]});
        let svc = service(
            "web",
            "ClusterIP",
            json!([{"port": 443}, {"port": 80}, {"port": 8080}, {"port": 9000}]),
        );
        let out = run::<ServiceAllowedPorts>(settings, svc);
        assert_eq!(paths(&out), ["spec.ports[1].port", "spec.ports[3].port"]);
        assert!(
            out["message"]
                .as_str()
                .unwrap()
                .contains("port 80 is not allowed (allowed: 443, 8000-8080)")
        );
    }

    #[test]
    fn allowed_ports_and_no_settings_accept() {
        let svc = || service("web", "ClusterIP", json!([{"port": 443}]));
        assert_eq!(
            run::<ServiceAllowedPorts>(json!({"allowed_ports": [443]}), svc())["accepted"],
            true
        );
        assert_eq!(
            run::<ServiceAllowedPorts>(json!({}), svc())["accepted"],
            true
        );
    }

    #[test]
    fn the_api_servers_own_service_is_exempt_only_in_default() {
        let settings = json!({"allowed_ports": []});
        let kubernetes = service("kubernetes", "ClusterIP", json!([{"port": 443}]));
        assert_eq!(
            run::<ServiceAllowedPorts>(settings.clone(), kubernetes.clone())["accepted"],
            true
        );
        let mut elsewhere = kubernetes;
        elsewhere["metadata"]["namespace"] = json!("team-a");
        let payload = json!({"request": {"kind": {"kind": "Service"}, "operation": "CREATE",
            "namespace": "team-a", "object": elsewhere}, "settings": settings});
        let out: Value = serde_json::from_slice(&palisade_sdk::object::validate::<
            ServiceAllowedPorts,
        >(payload.to_string().as_bytes()))
        .unwrap();
        assert_eq!(out["accepted"], false, "{out}");
    }

    #[test]
    fn node_port_type_and_node_ports() {
        let svc = service(
            "web",
            "NodePort",
            json!([{"port": 80, "nodePort": 30080}, {"port": 81, "nodePort": 31000}]),
        );
        let out = run::<ServiceAllowedPorts>(
            json!({"allow_node_port_type": false,
            "allowed_node_ports": ["30000-30100"]}),
            svc.clone(),
        );
        assert_eq!(paths(&out), ["spec.ports[1].nodePort", "spec.type"]);
        assert_eq!(run::<ServiceAllowedPorts>(json!({}), svc)["accepted"], true);
    }

    #[test]
    fn other_kinds_and_portless_services_are_accepted() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a", "image": "nginx", "ports": [{"containerPort": 1}]}]}});
        assert_eq!(
            run::<ServiceAllowedPorts>(json!({"allowed_ports": []}), pod)["accepted"],
            true
        );
        let headless =
            json!({"kind": "Service", "metadata": {"name": "h"}, "spec": {"clusterIP": "None"}});
        assert_eq!(
            run::<ServiceAllowedPorts>(json!({"allowed_ports": []}), headless)["accepted"],
            true
        );
    }

    #[test]
    fn an_update_keeps_a_preexisting_port_as_a_warning() {
        let old = service("web", "ClusterIP", json!([{"port": 80}]));
        let mut new = old.clone();
        new["metadata"]["labels"] = json!({"tier": "front"});
        let out =
            run_update::<ServiceAllowedPorts>(json!({"allowed_ports": [443]}), new, old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(
            out["warnings"][0].as_str().unwrap().contains("preexisting"),
            "{out}"
        );
        let added = service("web", "ClusterIP", json!([{"port": 80}, {"port": 22}]));
        let out = run_update::<ServiceAllowedPorts>(json!({"allowed_ports": [443]}), added, old);
        assert_eq!(paths(&out), ["spec.ports[1].port"]);
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert!(
            refusal::<ServiceAllowedPorts>(json!({"allowed_ports": ["http"]}))
                .contains("allowed_ports[0]")
        );
        assert!(
            refusal::<ServiceAllowedPorts>(json!({"allowedServicePortsList": ["90-80"]}))
                .contains("allowedServicePortsList[0]")
        );
        assert!(
            refusal::<ServiceAllowedPorts>(json!({"allowed_node_port": [1]}))
                .contains("allowed_node_port")
        );
        assert!(
            refusal::<ServiceAllowedPorts>(json!({"allow_node_port_type": "no"}))
                .contains("allow_node_port_type")
        );
    }

    #[test]
    fn a_malformed_service_is_a_400() {
        let svc = service("web", "ClusterIP", json!([{"port": "eighty"}]));
        let out = run::<ServiceAllowedPorts>(json!({}), svc);
        assert_eq!(out["code"], 400, "{out}");
    }
}

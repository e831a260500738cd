//! ingress-https-only: an Ingress serves HTTPS only.
//! Azure `k8sazureingresshttpsonly`.

use palisade_sdk::export_object_rule;
use palisade_sdk::{FieldPath, Object, ObjectRule, Report, Resource, RuleSettings};
use serde::Deserialize;

const ALLOW_HTTP: &str = "kubernetes.io/ingress.allow-http";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Require `kubernetes.io/ingress.allow-http: "false"`, as Azure does.
    #[serde(default = "yes")]
    pub require_allow_http_annotation: bool,
    /// Every rule's host must be covered by a `tls` entry's hosts.
    #[serde(default)]
    pub require_tls_for_every_host: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            require_allow_http_annotation: true,
            require_tls_for_every_host: false,
        }
    }
}

fn yes() -> bool {
    true
}

impl RuleSettings for Settings {}

/// `networking.k8s.io/v1` and `extensions/v1beta1` agree on these fields.
#[derive(Debug, Default)]
pub struct IngressSpec {
    pub tls: Option<Vec<IngressTls>>,
    pub rules: Option<Vec<IngressRule>>,
}

palisade_sdk::lean_deserialize! { IngressSpec {
    tls: "tls",
    rules: "rules",
} }

#[derive(Debug, Default)]
pub struct IngressTls {
    pub hosts: Option<Vec<String>>,
}

palisade_sdk::lean_deserialize! { IngressTls {
    hosts: "hosts",
} }

#[derive(Debug, Default)]
pub struct IngressRule {
    pub host: Option<String>,
}

palisade_sdk::lean_deserialize! { IngressRule {
    host: "host",
} }

/// Whether a TLS host covers a rule host: equal (DNS names ignore case), or
/// a `*.` wildcard covering exactly one more label, as certificates do.
fn covers(tls_host: &str, host: &str) -> bool {
    let (tls_host, host) = (tls_host.to_ascii_lowercase(), host.to_ascii_lowercase());
    if tls_host == host {
        return true;
    }
    match (tls_host.strip_prefix("*."), host.split_once('.')) {
        (Some(domain), Some((label, rest))) => !label.is_empty() && label != "*" && rest == domain,
        _ => false,
    }
}

pub struct IngressHttpsOnly;

impl ObjectRule for IngressHttpsOnly {
    const NAME: &'static str = "ingress-https-only";
    const KINDS: &'static [&'static str] = &["Ingress"];
    type Settings = Settings;
    type Object = Resource<IngressSpec>;

    fn check(settings: &Settings, ingress: &Object<Self::Object>, report: &mut Report) {
        let spec = ingress.object.spec.as_ref();
        let tls: &[IngressTls] = spec.and_then(|s| s.tls.as_deref()).unwrap_or_default();
        if tls.is_empty() {
            report.violation(
                FieldPath::root().keys(&["spec", "tls"]),
                format!("Ingress {:?} has no TLS configuration", ingress.name),
            );
        }
        let allow_http = ingress.metadata().annotations.get(ALLOW_HTTP);
        if settings.require_allow_http_annotation && allow_http.is_none_or(|v| v != "false") {
            report.violation(
                FieldPath::root()
                    .keys(&["metadata", "annotations"])
                    .key(ALLOW_HTTP),
                format!(
                    "Ingress {:?} must set {ALLOW_HTTP}: \"false\"",
                    ingress.name
                ),
            );
        }
        if !settings.require_tls_for_every_host || tls.is_empty() {
            return;
        }
        let rules = spec.and_then(|s| s.rules.as_deref()).unwrap_or_default();
        for (i, rule) in rules.iter().enumerate() {
            let host = rule.host.as_deref().unwrap_or_default();
            // A rule without a host serves every host: only a TLS entry
            // without hosts (the default certificate) covers it.
            let covered = tls.iter().any(|entry| match entry.hosts.as_deref() {
                None | Some([]) => host.is_empty(),
                Some(hosts) => !host.is_empty() && hosts.iter().any(|h| covers(h, host)),
            });
            if !covered {
                let shown = if host.is_empty() { "any host" } else { host };
                report.violation(
                    FieldPath::root()
                        .keys(&["spec", "rules"])
                        .index(i)
                        .key("host"),
                    format!("{shown} is served without TLS: no tls entry covers it"),
                );
            }
        }
    }
}

export_object_rule!(IngressHttpsOnly);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{refusal, run, violation_paths};
    use serde_json::{Value, json};

    fn ingress(annotations: Value, tls: Value, hosts: &[&str]) -> Value {
        let rules: Vec<Value> = hosts
            .iter()
            .map(|h| {
                let mut rule = json!({"http": {"paths": [{"path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}});
                if !h.is_empty() {
                    rule["host"] = json!(h);
                }
                rule
            })
            .collect();
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "annotations": annotations},
            "spec": {"tls": tls, "rules": rules}})
    }

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<IngressHttpsOnly>(out)
    }

    fn off() -> Value {
        json!({ALLOW_HTTP: "false"})
    }

    #[test]
    fn tls_and_the_annotation_are_both_required() {
        let tls = json!([{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]);
        assert_eq!(
            run::<IngressHttpsOnly>(
                json!({}),
                ingress(off(), tls.clone(), &["shop.example.com"])
            )["accepted"],
            true
        );
        let out = run::<IngressHttpsOnly>(
            json!({}),
            ingress(json!(null), json!(null), &["shop.example.com"]),
        );
        assert_eq!(
            paths(&out),
            [
                r#"metadata.annotations["kubernetes.io/ingress.allow-http"]"#,
                "spec.tls"
            ]
        );
        let out = run::<IngressHttpsOnly>(
            json!({}),
            ingress(json!({ALLOW_HTTP: "true"}), tls, &["a.example.com"]),
        );
        assert_eq!(
            paths(&out),
            [r#"metadata.annotations["kubernetes.io/ingress.allow-http"]"#]
        );
        let out = run::<IngressHttpsOnly>(json!({}), ingress(off(), json!([]), &["a.example.com"]));
        assert_eq!(paths(&out), ["spec.tls"]);
    }

    #[test]
    fn the_annotation_can_be_left_to_the_controller() {
        let tls = json!([{"hosts": ["a.example.com"]}]);
        let settings = json!({"require_allow_http_annotation": false});
        assert_eq!(
            run::<IngressHttpsOnly>(settings, ingress(json!(null), tls, &["a.example.com"]))["accepted"],
            true
        );
    }

    #[test]
    fn every_host_covered_when_asked() {
        let settings = json!({"require_tls_for_every_host": true});
        let tls = json!([{"hosts": ["*.example.com", "Shop.Example.org"]}]);
        let hosts = [
            "a.example.com",
            "shop.example.org",
            "a.b.example.com",
            "example.com",
            "other.net",
            "",
        ];
        let out = run::<IngressHttpsOnly>(settings.clone(), ingress(off(), tls, &hosts));
        assert_eq!(
            paths(&out),
            [
                "spec.rules[2].host",
                "spec.rules[3].host",
                "spec.rules[4].host",
                "spec.rules[5].host"
            ]
        );
        let default_cert = json!([{"secretName": "default"}]);
        assert_eq!(
            run::<IngressHttpsOnly>(settings, ingress(off(), default_cert, &[""]))["accepted"],
            true
        );
    }

    #[test]
    fn the_old_extensions_shape_is_judged_the_same() {
        let mut old = ingress(json!(null), json!(null), &["a.example.com"]);
        old["apiVersion"] = json!("extensions/v1beta1");
        old["spec"]["rules"][0]["http"]["paths"][0]["backend"] =
            json!({"serviceName": "web", "servicePort": 80});
        assert_eq!(run::<IngressHttpsOnly>(json!({}), old)["accepted"], false);
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", ".example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
    }

    #[test]
    fn bad_settings_name_the_field() {
        assert!(
            refusal::<IngressHttpsOnly>(json!({"require_tls_for_every_host": "yes"}))
                .contains("require_tls_for_every_host")
        );
        assert!(refusal::<IngressHttpsOnly>(json!({"allow_http": false})).contains("allow_http"));
    }
}

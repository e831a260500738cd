//! host-filesystem: hostPath volumes only under allowed path prefixes, and
//! mounted read-only where the most specific matching prefix says so.
//! Azure `k8sazurehostfilesystem`, PSP `allowedHostPaths`.

use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The host paths hostPath volumes may use. Missing, `null` or empty:
    /// no hostPath volume is allowed at all.
    #[serde(default, rename = "allowedHostPaths", alias = "allowed_host_paths")]
    pub allowed_host_paths: Option<Vec<AllowedHostPath>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllowedHostPath {
    /// An absolute path; it matches itself and everything below it, by
    /// whole path segments.
    #[serde(default)]
    pub path_prefix: String,
    /// Every mount of a volume whose most specific prefix is this one must
    /// be read-only.
    #[serde(default)]
    pub read_only: bool,
}

impl Settings {
    fn allowed(&self) -> &[AllowedHostPath] {
        self.allowed_host_paths.as_deref().unwrap_or_default()
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        for (i, allowed) in self.allowed().iter().enumerate() {
            if let Err(why) = segments(&allowed.path_prefix) {
                return Err(SettingsError::new(
                    format!("allowedHostPaths[{i}].pathPrefix"),
                    format!("{:?} {why}", allowed.path_prefix),
                ));
            }
        }
        Ok(())
    }
}

/// The segments of an absolute path, with empty and `.` segments dropped,
/// so that `/foo//./bar/` is `["foo", "bar"]` and `/` is `[]`. Relative
/// paths and paths with a `..` segment are refused.
fn segments(path: &str) -> Result<Vec<&str>, &'static str> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err("must be an absolute path (starting with /)");
    };
    let segments: Vec<&str> = rest
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    if segments.contains(&"..") {
        return Err("must not contain .. segments");
    }
    Ok(segments)
}

fn join(segments: &[&str]) -> String {
    format!("/{}", segments.join("/"))
}

pub struct HostFilesystem;

impl Rule for HostFilesystem {
    const NAME: &'static str = "host-filesystem";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        // Prefixes were validated with the settings; normalise them once.
        let allowed: Vec<(Vec<&str>, bool)> = settings
            .allowed()
            .iter()
            .filter_map(|a| Some((segments(&a.path_prefix).ok()?, a.read_only)))
            .collect();
        let listed: Vec<String> = allowed.iter().map(|(p, _)| join(p)).collect();
        for (i, volume) in pod.spec.volumes.iter().enumerate() {
            let Some(host_path) = &volume.host_path else {
                continue;
            };
            let at = pod
                .spec_path(&["volumes"])
                .index(i)
                .keys(&["hostPath", "path"]);
            let what = format!("hostPath volume {:?} ({:?})", volume.name, host_path.path);
            let path = match segments(&host_path.path) {
                Ok(path) => path,
                Err(why) => {
                    report.violation(at, format!("{what}: path {why}"));
                    continue;
                }
            };
            // The most specific prefix decides; on a tie, read-only wins.
            let best = allowed
                .iter()
                .filter(|(prefix, _)| path.starts_with(prefix))
                .max_by_key(|(prefix, read_only)| (prefix.len(), *read_only));
            let Some((prefix, read_only)) = best else {
                let why = if listed.is_empty() {
                    "not allowed: allowedHostPaths is empty, which allows no host path".to_owned()
                } else {
                    format!("not under an allowed prefix ({})", listed.join(", "))
                };
                report.violation(at, format!("{what} is {why}"));
                continue;
            };
            if !read_only {
                continue;
            }
            for container in pod.containers() {
                let mounts = container.container.volume_mounts.iter().enumerate();
                for (j, _) in
                    mounts.filter(|(_, m)| m.name == volume.name && m.read_only != Some(true))
                {
                    report.violation(
                        container.field_path(&["volumeMounts"]).index(j).key("readOnly"),
                        format!(
                            "{} mounts {what} writable; the allowed prefix {} is read-only, so readOnly must be true",
                            container.describe(),
                            join(prefix)
                        ),
                    );
                }
            }
        }
    }
}

export_rule!(HostFilesystem);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, refusal, run, violation_paths};
    use serde_json::{Value, json};

    /// A pod with one hostPath volume `host` mounted by `app` with `read_only`.
    fn pod(path: &str, read_only: Value) -> Value {
        json!({"kind": "Pod", "spec": {
            "volumes": [{"name": "host", "hostPath": {"path": path}}],
            "containers": [{"name": "app", "image": "nginx",
                "volumeMounts": [{"name": "host", "mountPath": "/host", "readOnly": read_only}]}]}})
    }

    fn allow(prefixes: &[(&str, bool)]) -> Value {
        let list: Vec<Value> = prefixes
            .iter()
            .map(|(p, ro)| json!({"pathPrefix": p, "readOnly": ro}))
            .collect();
        json!({ "allowedHostPaths": list })
    }

    #[test]
    fn segments_normalise_and_refuse() {
        assert_eq!(segments("/foo//bar/").unwrap(), ["foo", "bar"]);
        assert_eq!(segments("//foo/./bar").unwrap(), ["foo", "bar"]);
        assert!(segments("/").unwrap().is_empty());
        assert_eq!(segments("/a/..b").unwrap(), ["a", "..b"]);
        assert!(segments("/foo/../etc").unwrap_err().contains(".."));
        assert!(segments("foo/bar").unwrap_err().contains("absolute"));
        assert!(segments("").unwrap_err().contains("absolute"));
        assert!(segments(r"C:\logs").unwrap_err().contains("absolute"));
    }

    #[test]
    fn prefixes_match_by_whole_segments() {
        let settings = allow(&[("/foo", false)]);
        for path in ["/foo", "/foo/", "/foo/bar", "/foo//bar/", "//foo"] {
            let out = run::<HostFilesystem>(settings.clone(), pod(path, json!(false)));
            assert_eq!(out["accepted"], true, "{path}: {out}");
        }
        let out = run::<HostFilesystem>(settings, pod("/foobar", json!(false)));
        assert_eq!(out["accepted"], false);
        assert_eq!(
            violation_paths::<HostFilesystem>(&out),
            ["spec.volumes[0].hostPath.path"]
        );
        assert!(message(&out).contains("spec.volumes[0].hostPath.path"));
        assert!(message(&out).contains("\"host\""), "{}", message(&out));
        assert!(message(&out).contains("not under an allowed prefix (/foo)"));
    }

    #[test]
    fn settings_prefixes_are_normalised_and_root_allows_all() {
        let out = run::<HostFilesystem>(
            allow(&[("//foo//bar/", false)]),
            pod("/foo/bar/baz", json!(null)),
        );
        assert_eq!(out["accepted"], true);
        let out =
            run::<HostFilesystem>(allow(&[("/", false)]), pod("/etc/kubernetes", json!(null)));
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn dot_dot_and_relative_paths_are_rejected_even_under_root() {
        let out = run::<HostFilesystem>(allow(&[("/", false)]), pod("/foo/../etc", json!(true)));
        assert!(
            message(&out).contains("must not contain .."),
            "{}",
            message(&out)
        );
        let out = run::<HostFilesystem>(allow(&[("/", false)]), pod("var/log", json!(true)));
        assert!(
            message(&out).contains("must be an absolute path"),
            "{}",
            message(&out)
        );
        assert!(message(&out).contains("spec.volumes[0].hostPath.path"));
    }

    #[test]
    fn empty_or_missing_list_allows_no_host_path() {
        for settings in [
            json!({}),
            json!({"allowedHostPaths": []}),
            json!({"allowedHostPaths": null}),
        ] {
            let out = run::<HostFilesystem>(settings, pod("/tmp", json!(true)));
            assert_eq!(out["accepted"], false);
            assert!(
                message(&out).contains("allowedHostPaths is empty, which allows no host path"),
                "{}",
                message(&out)
            );
        }
        let no_host_path = json!({"kind": "Pod", "spec": {
            "volumes": [{"name": "cache", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c"}}],
            "containers": [{"name": "app", "volumeMounts": [{"name": "cache", "mountPath": "/c"}]}]}});
        assert_eq!(
            run::<HostFilesystem>(json!({}), no_host_path)["accepted"],
            true
        );
    }

    #[test]
    fn read_only_prefix_requires_read_only_mounts() {
        let settings = allow(&[("/var/lib", true)]);
        for read_only in [json!(false), json!(null)] {
            let out = run::<HostFilesystem>(settings.clone(), pod("/var/lib/data", read_only));
            assert_eq!(out["accepted"], false);
            assert_eq!(
                violation_paths::<HostFilesystem>(&out),
                ["spec.containers[0].volumeMounts[0].readOnly"]
            );
            assert!(message(&out).contains("spec.containers[0].volumeMounts[0].readOnly"));
            assert!(message(&out).contains("prefix /var/lib is read-only"));
        }
        assert_eq!(
            run::<HostFilesystem>(settings, pod("/var/lib/data", json!(true)))["accepted"],
            true
        );
    }

    #[test]
    fn most_specific_prefix_wins_and_read_only_wins_ties() {
        for (prefixes, path, accepted) in [
            ([("/var", false), ("/var/lib", true)], "/var/log", true),
            ([("/var", false), ("/var/lib", true)], "/var/lib/x", false),
            ([("/var/lib", true), ("/var", false)], "/var/lib/x", false),
            ([("/var", true), ("/var/lib", false)], "/var/lib/x", true),
            ([("/var/", false), ("/var", true)], "/var/x", false),
        ] {
            let out = run::<HostFilesystem>(allow(&prefixes), pod(path, json!(false)));
            assert_eq!(out["accepted"], accepted, "{prefixes:?} {path}: {out}");
        }
    }

    #[test]
    fn every_container_kind_and_only_mounts_of_the_volume_are_checked() {
        let object = json!({"kind": "Pod", "spec": {
            "volumes": [{"name": "cache", "emptyDir": {}}, {"name": "host", "hostPath": {"path": "/data"}}],
            "containers": [{"name": "app", "volumeMounts": [
                {"name": "cache", "mountPath": "/c"}, {"name": "host", "mountPath": "/h", "readOnly": true}]}],
            "initContainers": [{"name": "init", "volumeMounts": [{"name": "host", "mountPath": "/h"}]}],
            "ephemeralContainers": [{"name": "debug", "volumeMounts": [
                {"name": "host", "mountPath": "/h", "readOnly": false}]}]}});
        let out = run::<HostFilesystem>(allow(&[("/data", true)]), object.clone());
        assert_eq!(
            violation_paths::<HostFilesystem>(&out),
            [
                "spec.ephemeralContainers[0].volumeMounts[0].readOnly",
                "spec.initContainers[0].volumeMounts[0].readOnly",
            ]
        );
        let msg = message(&out);
        assert!(
            msg.contains("spec.initContainers[0].volumeMounts[0].readOnly"),
            "{msg}"
        );
        assert!(
            msg.contains("spec.ephemeralContainers[0].volumeMounts[0].readOnly"),
            "{msg}"
        );
        assert!(msg.contains("init container \"init\""), "{msg}");
        assert!(!msg.contains("spec.containers"), "{msg}");
        assert!(out["warnings"].is_null(), "{out}");
        // Exempt containers skip the mount check...
        let exempt = json!({"allowedHostPaths": [{"pathPrefix": "/data", "readOnly": true}],
            "exempt_container_names": ["init", "debug"]});
        assert_eq!(
            run::<HostFilesystem>(exempt, object.clone())["accepted"],
            true
        );
        // ...but never the volume itself.
        let out = run::<HostFilesystem>(
            json!({"exempt_container_names": ["app", "init", "debug"]}),
            object,
        );
        assert!(message(&out).contains("spec.volumes[1].hostPath.path"));
    }

    #[test]
    fn workload_paths() {
        let template = json!({"spec": pod("/etc", json!(true))["spec"].clone()});
        let deployment = json!({"kind": "Deployment", "spec": {"template": template.clone()}});
        let out = run::<HostFilesystem>(json!({}), deployment);
        assert!(message(&out).contains("spec.template.spec.volumes[0].hostPath.path"));
        let cron =
            json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": template}}}});
        let out = run::<HostFilesystem>(allow(&[("/etc", true)]), cron.clone());
        assert_eq!(out["accepted"], true);
        let out = run::<HostFilesystem>(json!({}), cron);
        assert!(
            message(&out).contains("spec.jobTemplate.spec.template.spec.volumes[0].hostPath.path")
        );
    }

    #[test]
    fn namespace_exemption_applies() {
        let out = run::<HostFilesystem>(
            json!({"excludedNamespaces": ["default"]}),
            pod("/", json!(false)),
        );
        assert_eq!(out["accepted"], true);
    }

    #[test]
    fn alias_is_accepted() {
        let settings = json!({"allowed_host_paths": [{"pathPrefix": "/opt"}]});
        assert_eq!(
            run::<HostFilesystem>(settings, pod("/opt/x", json!(false)))["accepted"],
            true
        );
    }

    #[test]
    fn bad_settings_are_refused_by_name() {
        let refusal = refusal::<HostFilesystem>;
        let msg = refusal(
            json!({"allowedHostPaths": [{"pathPrefix": "/ok"}, {"pathPrefix": "var/log"}]}),
        );
        assert!(
            msg.contains("allowedHostPaths[1].pathPrefix") && msg.contains("absolute"),
            "{msg}"
        );
        let msg = refusal(json!({"allowedHostPaths": [{"pathPrefix": "/var/../etc"}]}));
        assert!(
            msg.contains("allowedHostPaths[0].pathPrefix") && msg.contains(".."),
            "{msg}"
        );
        let msg = refusal(json!({"allowedHostPaths": [{"readOnly": true}]}));
        assert!(msg.contains("allowedHostPaths[0].pathPrefix"), "{msg}");
        let msg = refusal(json!({"allowed_host_paths": [{"pathPrefix": ""}]}));
        assert!(msg.contains("allowedHostPaths[0].pathPrefix"), "{msg}");
        let msg = refusal(json!({"allowedHostPath": []}));
        assert!(msg.contains("allowedHostPath"), "{msg}");
        let msg = refusal(json!({"allowedHostPaths": [{"pathPrefix": "/a", "readonly": true}]}));
        assert!(msg.contains("readonly"), "{msg}");
        let msg = refusal(json!({"allowedHostPaths": [], "allowed_host_paths": []}));
        assert!(msg.contains("duplicate"), "{msg}");
    }
}

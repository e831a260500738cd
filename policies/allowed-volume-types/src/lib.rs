//! allowed-volume-types: only the listed volume types, flexVolume drivers
//! and inline CSI drivers. Azure `k8sazurevolumetypes` and
//! `k8sazureflexvolumes`; PSP `volumes`, `allowedFlexVolumes` and
//! `allowedCSIDrivers`; settings as Kubewarden's volumes-psp and
//! flexvolume-drivers-psp.

use palisade_sdk::{Pod, Report, Rule, RuleSettings, SettingsError, export_rule};
use serde::Deserialize;

/// The Pod Security Standards restricted "Volume Types" list: the default.
pub const PSS_RESTRICTED: [&str; 9] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

/// Every volume source of the Kubernetes API, spelt as in its JSON. Only
/// used to refuse a setting that differs from one of these in case alone.
const KNOWN_TYPES: [&str; 30] = [
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "fc",
    "flexVolume",
    "flocker",
    "gcePersistentDisk",
    "gitRepo",
    "glusterfs",
    "hostPath",
    "image",
    "iscsi",
    "nfs",
    "persistentVolumeClaim",
    "photonPersistentDisk",
    "portworxVolume",
    "projected",
    "quobyte",
    "rbd",
    "scaleIO",
    "secret",
    "storageos",
    "vsphereVolume",
];

/// A driver name, written `name`, `{driver: name}` (PSP flex volumes) or
/// `{name: name}` (PSP CSI drivers).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Driver {
    Name(String),
    Object(DriverObject),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverObject {
    #[serde(alias = "name")]
    pub driver: String,
}

impl Driver {
    fn name(&self) -> &str {
        match self {
            Driver::Name(name) | Driver::Object(DriverObject { driver: name }) => name,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Allowed volume types; `*` allows any. Missing or `null`: the PSS
    /// restricted list. `[]`: no volume at all.
    #[serde(
        default,
        alias = "allowedTypes",
        alias = "volumes",
        alias = "allowedVolumeTypes"
    )]
    pub allowed_types: Option<Vec<String>>,
    /// When set, flexVolume volumes must use one of these drivers.
    #[serde(
        default,
        alias = "allowedFlexVolumes",
        alias = "allowedFlexVolumeDrivers"
    )]
    pub allowed_flex_volume_drivers: Option<Vec<Driver>>,
    /// When set, inline csi volumes must use one of these drivers.
    #[serde(default, alias = "allowedCSIDrivers")]
    pub allowed_csi_drivers: Option<Vec<Driver>>,
}

impl Settings {
    /// The allowed types, as Kubernetes spells them (PSP's `cephFS` is `cephfs`).
    fn types(&self) -> Vec<&str> {
        match &self.allowed_types {
            None => PSS_RESTRICTED.to_vec(),
            Some(list) => list
                .iter()
                .map(|t| if t == "cephFS" { "cephfs" } else { t })
                .collect(),
        }
    }

    fn allows(types: &[&str], kind: &str) -> bool {
        types.iter().any(|t| *t == "*" || *t == kind)
    }
}

impl RuleSettings for Settings {
    fn validate(&self) -> Result<(), SettingsError> {
        for (i, name) in self.types().into_iter().enumerate() {
            let field = format!("allowed_types[{i}]");
            if name.is_empty() {
                return Err(SettingsError::new(field, "a volume type cannot be empty"));
            }
            let near = KNOWN_TYPES
                .iter()
                .find(|k| k.eq_ignore_ascii_case(name) && **k != name);
            if let Some(known) = near {
                let message = format!("unknown volume type {name:?}; did you mean {known:?}?");
                return Err(SettingsError::new(field, message));
            }
        }
        let types = self.types();
        let drivers = [
            (
                "allowed_flex_volume_drivers",
                "flexVolume",
                &self.allowed_flex_volume_drivers,
            ),
            ("allowed_csi_drivers", "csi", &self.allowed_csi_drivers),
        ];
        for (field, kind, list) in drivers {
            let Some(list) = list else { continue };
            if !Self::allows(&types, kind) {
                let message = format!(
                    "is set, but allowed_types does not allow {kind} volumes (the default list allows configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret); add {kind:?} or \"*\" to allowed_types"
                );
                return Err(SettingsError::new(field, message));
            }
            if let Some(i) = list.iter().position(|d| d.name().is_empty()) {
                let message = "a driver name cannot be empty";
                return Err(SettingsError::new(format!("{field}[{i}]"), message));
            }
        }
        Ok(())
    }
}

pub struct AllowedVolumeTypes;

impl Rule for AllowedVolumeTypes {
    const NAME: &'static str = "allowed-volume-types";
    type Settings = Settings;

    fn check(settings: &Settings, pod: &Pod, report: &mut Report) {
        if pod.spec.volumes.is_empty() {
            return;
        }
        let types = settings.types();
        // Named in messages only, so built only for one.
        let listed = || match types.is_empty() {
            true => "none: allowed_types is empty, which allows no volume".to_owned(),
            false => types.join(", "),
        };
        for (i, volume) in pod.spec.volumes.iter().enumerate() {
            let at = pod.spec_path(&["volumes"]).index(i);
            // A volume without a source is an emptyDir: the API server defaults it so.
            let sources: Vec<&str> = match volume.sources.is_empty() {
                true => vec!["emptyDir"],
                false => volume.sources.iter().map(String::as_str).collect(),
            };
            let refused: Vec<&str> = sources
                .into_iter()
                .filter(|s| !Settings::allows(&types, s))
                .collect();
            if !refused.is_empty() {
                let message = format!(
                    "volume {:?} is of type {}, which is not allowed (allowed: {})",
                    volume.name,
                    refused.join(" and "),
                    listed()
                );
                report.violation(at, message);
                continue;
            }
            let drivers = [
                (
                    "flexVolume",
                    &volume.flex_volume,
                    &settings.allowed_flex_volume_drivers,
                ),
                ("csi", &volume.csi, &settings.allowed_csi_drivers),
            ];
            for (kind, source, allowed) in drivers {
                let (Some(source), Some(allowed)) = (source, allowed) else {
                    continue;
                };
                if !allowed.iter().any(|d| d.name() == source.driver) {
                    let names: Vec<&str> = allowed.iter().map(Driver::name).collect();
                    report.violation(
                        at.keys(&[kind, "driver"]),
                        format!(
                            "{kind} volume {:?} uses driver {:?}, which is not allowed (allowed: {})",
                            volume.name,
                            source.driver,
                            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                        ),
                    );
                }
            }
        }
    }
}

export_rule!(AllowedVolumeTypes);

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_sdk::testing::{message, run, run_update, settings_error, violation_paths};
    use serde_json::{Value, json};

    /// A pod with these volumes, mounted by one container.
    fn pod(volumes: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], "volumes": volumes}})
    }

    fn paths(out: &Value) -> Vec<String> {
        violation_paths::<AllowedVolumeTypes>(out)
    }

    /// One volume of each of the 30 types, named after its type.
    fn every_type() -> Value {
        let volumes: Vec<Value> = KNOWN_TYPES
            .iter()
            .map(|t| json!({"name": t.to_lowercase(), *t: {}}))
            .collect();
        pod(Value::Array(volumes))
    }

    fn refused_types(out: &Value) -> Vec<&'static str> {
        let refused = paths(out);
        KNOWN_TYPES
            .iter()
            .enumerate()
            .filter(|(i, _)| refused.contains(&format!("spec.volumes[{i}]")))
            .map(|(_, t)| *t)
            .collect()
    }

    #[test]
    fn default_is_the_pss_restricted_list() {
        let out = run::<AllowedVolumeTypes>(json!({}), every_type());
        let allowed: Vec<&str> = KNOWN_TYPES
            .iter()
            .filter(|t| !refused_types(&out).contains(t))
            .copied()
            .collect();
        assert_eq!(allowed, PSS_RESTRICTED);
        assert!(
            message(&out).contains(
                "spec.volumes[16]: volume \"hostpath\" is of type hostPath, which is not allowed (allowed: configMap, csi,"
            ),
            "{out}"
        );
        // null is the same as absent.
        let out = run::<AllowedVolumeTypes>(json!({"volumes": null}), every_type());
        assert_eq!(refused_types(&out).len(), 21);
    }

    #[test]
    fn star_allows_any_and_empty_allows_none() {
        let out = run::<AllowedVolumeTypes>(json!({"allowedTypes": ["*"]}), every_type());
        assert_eq!(out["accepted"], true);
        let out = run::<AllowedVolumeTypes>(json!({"allowed_types": []}), every_type());
        assert_eq!(refused_types(&out), KNOWN_TYPES);
        assert!(message(&out).contains("allowed_types is empty, which allows no volume"));
        // A pod without volumes is always accepted.
        for volumes in [json!([]), json!(null)] {
            let out = run::<AllowedVolumeTypes>(json!({"allowed_types": []}), pod(volumes));
            assert_eq!(out["accepted"], true);
        }
    }

    #[test]
    fn explicit_list_in_every_spelling() {
        for name in [
            "allowed_types",
            "allowedTypes",
            "volumes",
            "allowedVolumeTypes",
        ] {
            let settings = json!({ name: ["hostPath", "secret"] });
            let out = run::<AllowedVolumeTypes>(settings, every_type());
            let allowed: Vec<&str> = KNOWN_TYPES
                .iter()
                .filter(|t| !refused_types(&out).contains(t))
                .copied()
                .collect();
            assert_eq!(allowed, ["hostPath", "secret"], "{name}");
        }
    }

    #[test]
    fn psp_cephfs_spelling_and_unknown_future_types() {
        let volumes = json!([{"name": "c", "cephfs": {"monitors": ["10.0.0.1:6789"]}},
            {"name": "i", "image": {"reference": "registry.example.com/data:1"}}]);
        let out = run::<AllowedVolumeTypes>(json!({"volumes": ["cephFS"]}), pod(volumes.clone()));
        assert_eq!(paths(&out), ["spec.volumes[1]"]);
        let settings = json!({"volumes": ["cephfs", "image", "futureVolume"]});
        assert_eq!(
            run::<AllowedVolumeTypes>(settings, pod(volumes))["accepted"],
            true
        );
    }

    #[test]
    fn a_volume_without_source_is_an_empty_dir() {
        let volumes = json!([{"name": "scratch"}]);
        let out = run::<AllowedVolumeTypes>(json!({}), pod(volumes.clone()));
        assert_eq!(out["accepted"], true);
        let out = run::<AllowedVolumeTypes>(json!({"volumes": ["secret"]}), pod(volumes));
        assert!(message(&out).contains("volume \"scratch\" is of type emptyDir"));
    }

    #[test]
    fn every_disallowed_source_of_a_volume_is_named() {
        let volumes = json!([{"name": "two", "hostPath": {"path": "/etc"}, "nfs": {"server": "n", "path": "/"},
            "secret": {"secretName": "s"}}]);
        let out = run::<AllowedVolumeTypes>(json!({}), pod(volumes));
        assert_eq!(paths(&out), ["spec.volumes[0]"]);
        assert!(message(&out).contains("of type hostPath and nfs,"), "{out}");
    }

    #[test]
    fn flex_volume_drivers_when_set() {
        let volumes = json!([{"name": "a", "flexVolume": {"driver": "example.com/lvm"}},
            {"name": "b", "flexVolume": {"driver": "example.com/cifs"}}]);
        let out =
            run::<AllowedVolumeTypes>(json!({"volumes": ["flexVolume"]}), pod(volumes.clone()));
        assert_eq!(out["accepted"], true);
        for drivers in [
            json!({"allowedFlexVolumes": [{"driver": "example.com/lvm"}]}),
            json!({"allowedFlexVolumeDrivers": ["example.com/lvm"]}),
            json!({"allowed_flex_volume_drivers": ["example.com/lvm"]}),
        ] {
            let mut settings = drivers;
            settings["volumes"] = json!(["flexVolume"]);
            let out = run::<AllowedVolumeTypes>(settings, pod(volumes.clone()));
            assert_eq!(paths(&out), ["spec.volumes[1].flexVolume.driver"]);
            assert!(message(&out).contains(
                "flexVolume volume \"b\" uses driver \"example.com/cifs\", which is not allowed (allowed: example.com/lvm)"
            ));
        }
        let settings = json!({"volumes": ["*"], "allowedFlexVolumes": []});
        let out = run::<AllowedVolumeTypes>(settings, pod(volumes.clone()));
        assert_eq!(paths(&out).len(), 2);
        assert!(message(&out).contains("(allowed: none)"));
        // The default list refuses the flexVolume type itself.
        let out = run::<AllowedVolumeTypes>(json!({}), pod(volumes));
        assert_eq!(paths(&out), ["spec.volumes[0]", "spec.volumes[1]"]);
    }

    #[test]
    fn a_refused_type_is_reported_without_its_driver() {
        let volumes = json!([{"name": "x", "csi": {"driver": "other"}, "hostPath": {"path": "/"}}]);
        let out = run::<AllowedVolumeTypes>(json!({"allowedCSIDrivers": ["inline"]}), pod(volumes));
        assert_eq!(paths(&out), ["spec.volumes[0]"]);
        assert!(message(&out).contains("of type hostPath,"), "{out}");
    }

    #[test]
    fn csi_drivers_when_set() {
        let volumes = json!([{"name": "a", "csi": {"driver": "secrets-store.csi.k8s.io"}},
            {"name": "b", "csi": {"driver": "inline.example.com"}},
            {"name": "c", "persistentVolumeClaim": {"claimName": "data"}}]);
        let out = run::<AllowedVolumeTypes>(json!({}), pod(volumes.clone()));
        assert_eq!(out["accepted"], true);
        for drivers in [
            json!([{"name": "secrets-store.csi.k8s.io"}]),
            json!(["secrets-store.csi.k8s.io"]),
        ] {
            let out = run::<AllowedVolumeTypes>(
                json!({"allowedCSIDrivers": drivers}),
                pod(volumes.clone()),
            );
            assert_eq!(paths(&out), ["spec.volumes[1].csi.driver"]);
        }
    }

    #[test]
    fn workload_paths_and_updates() {
        let spec = pod(json!([{"name": "h", "hostPath": {"path": "/var/log"}}]))["spec"].clone();
        let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": spec}}});
        let out = run::<AllowedVolumeTypes>(json!({}), deployment.clone());
        assert_eq!(paths(&out), ["spec.template.spec.volumes[0]"]);
        let out = run_update::<AllowedVolumeTypes>(json!({}), deployment.clone(), deployment);
        assert_eq!(out["accepted"], true);
        assert!(
            out["warnings"][0]
                .as_str()
                .unwrap_or_default()
                .contains("preexisting")
        );
    }

    #[test]
    fn image_volumes_are_in_the_default_list() {
        let volumes = json!([{"name": "models",
            "image": {"reference": "registry.example.com/models/llama:1", "pullPolicy": "IfNotPresent"}}]);
        let out = run::<AllowedVolumeTypes>(json!({}), pod(volumes.clone()));
        assert_eq!(out["accepted"], true, "{out}");
        let out = run::<AllowedVolumeTypes>(json!({"volumes": ["secret"]}), pod(volumes));
        assert_eq!(paths(&out), ["spec.volumes[0]"]);
        assert!(message(&out).contains("volume \"models\" is of type image"));
        let m = settings_error::<AllowedVolumeTypes>(json!({"volumes": ["Image"]}));
        assert!(
            m.as_deref()
                .is_some_and(|m| m.contains("did you mean \"image\"")),
            "{m:?}"
        );
        let m = settings_error::<AllowedVolumeTypes>(json!({"allowedFlexVolumes": ["x"]}));
        assert!(
            m.as_deref()
                .is_some_and(|m| m.contains("ephemeral, image, persistentVolumeClaim")),
            "{m:?}"
        );
    }

    #[test]
    fn an_update_is_preexisting_per_index_name_and_refused_types() {
        let deployment = |volumes: Value| {
            let spec = pod(volumes)["spec"].clone();
            json!({"kind": "Deployment", "spec": {"template": {"spec": spec}}})
        };
        let old = deployment(json!([{"name": "logs", "hostPath": {"path": "/var/log"}}]));
        // Another path under the same name, at the same index: the type is
        // what this rule judges, and it is unchanged (the path is
        // host-filesystem's to judge).
        let new = deployment(json!([{"name": "logs", "hostPath": {"path": "/etc"}}]));
        let out = run_update::<AllowedVolumeTypes>(json!({}), new, old.clone());
        assert_eq!(out["accepted"], true, "{out}");
        assert!(
            out["warnings"][0]
                .as_str()
                .unwrap_or_default()
                .contains("preexisting"),
            "{out}"
        );
        // A new name, a new index or another refused type blocks.
        for volumes in [
            json!([{"name": "etc", "hostPath": {"path": "/var/log"}}]),
            json!([{"name": "tmp", "emptyDir": {}}, {"name": "logs", "hostPath": {"path": "/var/log"}}]),
            json!([{"name": "logs", "nfs": {"server": "nfs.example.com", "path": "/var/log"}}]),
        ] {
            let out = run_update::<AllowedVolumeTypes>(
                json!({}),
                deployment(volumes.clone()),
                old.clone(),
            );
            assert_eq!(out["accepted"], false, "{volumes}");
        }
        // A driver violation is the same only with the same driver.
        let settings = json!({"volumes": ["csi"], "allowedCSIDrivers": ["a.example.com"]});
        let csi = |driver: &str| deployment(json!([{"name": "c", "csi": {"driver": driver}}]));
        let out = run_update::<AllowedVolumeTypes>(
            settings.clone(),
            csi("b.example.com"),
            csi("b.example.com"),
        );
        assert_eq!(out["accepted"], true, "{out}");
        let out =
            run_update::<AllowedVolumeTypes>(settings, csi("c.example.com"), csi("b.example.com"));
        assert_eq!(paths(&out), ["spec.template.spec.volumes[0].csi.driver"]);
    }

    #[test]
    fn exemptions() {
        let volumes = json!([{"name": "h", "hostPath": {"path": "/var/log"}}]);
        let out = run::<AllowedVolumeTypes>(
            json!({"excludedNamespaces": ["default"]}),
            pod(volumes.clone()),
        );
        assert_eq!(out["accepted"], true);
        // Volumes belong to the pod: exempting every container does not exempt them.
        let out =
            run::<AllowedVolumeTypes>(json!({"exempt_container_names": ["app"]}), pod(volumes));
        assert_eq!(paths(&out), ["spec.volumes[0]"]);
    }

    #[test]
    fn bad_settings_are_refused_by_name() {
        let refusal = |s: Value| settings_error::<AllowedVolumeTypes>(s).unwrap_or_default();
        let m = refusal(json!({"volumes": ["secret", "configmap"]}));
        assert!(
            m.contains("allowed_types[1]") && m.contains("did you mean \"configMap\""),
            "{m}"
        );
        assert!(refusal(json!({"volumes": [""]})).contains("allowed_types[0]"));
        let m = refusal(json!({"allowedFlexVolumes": [{"driver": "x"}]}));
        assert!(
            m.contains("allowed_flex_volume_drivers") && m.contains("add \"flexVolume\""),
            "{m}"
        );
        let m = refusal(json!({"volumes": ["secret"], "allowedCSIDrivers": ["x"]}));
        assert!(m.contains("allowed_csi_drivers: is set"), "{m}");
        let m = refusal(json!({"volumes": ["*"], "allowedCSIDrivers": [{"name": ""}]}));
        assert!(m.contains("allowed_csi_drivers[0]"), "{m}");
        let m = refusal(json!({"volumes": ["*"], "allowedFlexVolumes": [{"drivr": "x"}]}));
        assert!(m.contains("allowedFlexVolumes[0]"), "{m}");
        let m = refusal(json!({"volumes": ["*"], "allowedTypes": ["*"]}));
        assert!(m.contains("duplicate field"), "{m}");
        assert!(refusal(json!({"volume": ["*"]})).contains("volume"));
        assert_eq!(settings_error::<AllowedVolumeTypes>(json!({})), None);
    }
}

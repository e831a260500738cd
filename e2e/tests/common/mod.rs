//! Where the e2e suite finds the policies and their built artifacts.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every policy directory under `policies/`, sorted.
pub fn policy_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(workspace().join("policies"))
        .expect("policies/ is readable")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.join("Cargo.toml").exists())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no policies found");
    dirs
}

/// Every module that is packaged and published: the policies, then the
/// bundle (every rule in one module, run as a profile).
pub fn published_dirs() -> Vec<PathBuf> {
    let mut dirs = policy_dirs();
    dirs.push(workspace().join("bundle"));
    dirs
}

pub fn name(policy_dir: &Path) -> String {
    policy_dir
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

/// `make artifacts` output: `<artifacts>/<policy>/policy.wasm` and `oci/`.
pub fn artifacts() -> PathBuf {
    std::env::var_os("PALISADE_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/artifacts"))
}

pub fn module_path(policy_dir: &Path) -> PathBuf {
    let path = artifacts().join(name(policy_dir)).join("policy.wasm");
    assert!(
        path.exists(),
        "{} is missing: run `make artifacts` first",
        path.display()
    );
    path
}

/// The `palisade` binary of the cli crate, built with the same profile as
/// this test (`cargo build --release -p palisade-cli`; `make runner`).
pub fn runner() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/<test> -> target/<profile>/palisade
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is under target/<profile>/deps")
        .join(format!("palisade{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --release -p palisade-cli` (`make runner`)",
        path.display()
    );
    path
}

/// A temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> Self {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "palisade-{what}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every request of the profile table (`profiles/test_data/*.json`), sorted.
pub fn profile_table_requests() -> Vec<PathBuf> {
    let table = workspace().join("profiles/test_data");
    let mut requests: Vec<PathBuf> = std::fs::read_dir(&table)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    requests.sort();
    requests
}

/// `palisade ARGS` in the workspace.
pub fn palisade(args: &[&str]) -> std::process::Output {
    std::process::Command::new(runner())
        .args(args)
        .current_dir(workspace())
        .output()
        .unwrap()
}

/// An example manifest as the CREATE request the API server sends, in `namespace`.
pub fn example_request(example: &str, namespace: &str) -> serde_json::Value {
    let path = workspace().join("examples").join(example);
    let object: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut request = palisade_cli::examples::admission_request(&object).unwrap();
    request["namespace"] = serde_json::json!(namespace);
    request["object"]["metadata"]["namespace"] = serde_json::json!(namespace);
    request
}

/// The stdout of a `palisade` run that must succeed.
pub fn succeeds(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "palisade failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The kinds a policy judges, from its metadata (`io.artifacthub.resources`).
pub fn judged_kinds(policy_dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(policy_dir.join("metadata.yml")).unwrap();
    let metadata = palisade_cli::annotate::load_metadata(&text).unwrap();
    metadata["annotations"]["io.artifacthub.resources"]
        .as_str()
        .unwrap()
        .split(',')
        .map(|k| k.trim().to_owned())
        .collect()
}

/// Settings a policy accepts and works with: those of the verdict table
/// (`examples/settings.yml`), else its defaults (`{}`).
pub fn working_settings(policy: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(workspace().join("examples/settings.yml")).unwrap();
    let all: serde_json::Value = serde_norway::from_str(&text).unwrap();
    all.get(policy)
        .cloned()
        .unwrap_or_else(|| serde_json::json!({}))
}

/// Parses an object with the Kubernetes types (k8s-openapi) of its kind.
pub fn parse_as_kubernetes(kind: &str, object: &serde_json::Value) -> Result<(), String> {
    use k8s_openapi::api::{
        apps::v1 as apps, batch::v1 as batch, core::v1 as core, networking::v1 as networking,
    };
    let object = object.clone();
    let result = match kind {
        "Pod" => serde_json::from_value::<core::Pod>(object).map(drop),
        "PodTemplate" => serde_json::from_value::<core::PodTemplate>(object).map(drop),
        "ReplicationController" => {
            serde_json::from_value::<core::ReplicationController>(object).map(drop)
        }
        "ConfigMap" => serde_json::from_value::<core::ConfigMap>(object).map(drop),
        "Secret" => serde_json::from_value::<core::Secret>(object).map(drop),
        "Service" => serde_json::from_value::<core::Service>(object).map(drop),
        "ServiceAccount" => serde_json::from_value::<core::ServiceAccount>(object).map(drop),
        // extensions/v1beta1 Ingresses (removed in 1.22) have no type left.
        "Ingress" if object["apiVersion"] == "extensions/v1beta1" => return Ok(()),
        "Ingress" => serde_json::from_value::<networking::Ingress>(object).map(drop),
        "Deployment" => serde_json::from_value::<apps::Deployment>(object).map(drop),
        "ReplicaSet" => serde_json::from_value::<apps::ReplicaSet>(object).map(drop),
        "StatefulSet" => serde_json::from_value::<apps::StatefulSet>(object).map(drop),
        "DaemonSet" => serde_json::from_value::<apps::DaemonSet>(object).map(drop),
        "Job" => serde_json::from_value::<batch::Job>(object).map(drop),
        "CronJob" => serde_json::from_value::<batch::CronJob>(object).map(drop),
        _ => return Ok(()), // custom kinds (Argo Rollouts, ...) have no upstream type
    };
    result.map_err(|e| e.to_string())
}

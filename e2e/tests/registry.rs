//! Publishing: every built policy pushed to a real registry and pulled back.
//!
//! Each test starts Debian's `docker-registry` (distribution v2) on
//! 127.0.0.1 at a free port, with TLS from a CA the test makes and htpasswd
//! basic auth, storing into a temporary directory; the registry is killed by
//! its PID when the test ends, pass or fail. `make publish-test` runs this
//! file (`make test-tools` installs `docker-registry`).
//!
//! Test names start with `publish_`: `make e2e` skips them, `make
//! publish-test` runs them.

mod common;

use common::{TempDir, succeeds};

use base64::Engine;
use palisade_cli::profile::Profile;
use palisade_cli::registry::{DockerConfig, Registry, RegistryRef, Sources};
use palisade_cli::{annotate, cases, host::Policy, oci, run, signing};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "palisade";
const PASSWORD: &str = "correct-horse-battery";

/// A CA and a certificate it signed for 127.0.0.1 and localhost.
struct Pki {
    ca_pem: String,
    server_pem: String,
    server_key: String,
}

fn make_pki(name: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::from_params(&ca, &ca_key);
    let server_key = KeyPair::generate().unwrap();
    let mut server =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    server
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server.signed_by(&server_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        server_pem: server_cert.pem(),
        server_key: server_key.serialize_pem(),
    }
}

/// `docker-registry serve`, TLS and htpasswd, killed by PID on drop.
struct TestRegistry {
    child: Child,
    host: String,
    ca_pem: String,
    log: PathBuf,
    dir: TempDir,
}

impl TestRegistry {
    fn start() -> Self {
        Self::start_with(true)
    }

    /// `tls: false`: plain HTTP, the case `insecure_sources` exists for.
    fn start_with(tls: bool) -> Self {
        let started = Instant::now();
        match Command::new("docker-registry")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
        {
            Ok(status) if status.success() => {}
            other => panic!(
                "docker-registry is not installed or does not run ({other:?}): run `make test-tools`"
            ),
        }
        let dir = TempDir::new("registry");
        let path = |name: &str| dir.0.join(name);
        let pki = make_pki("registry");
        std::fs::write(path("ca.pem"), &pki.ca_pem).unwrap();
        std::fs::write(path("server.pem"), &pki.server_pem).unwrap();
        std::fs::write(path("server.key"), &pki.server_key).unwrap();
        // bcrypt, the only scheme distribution's htpasswd accepts; lowest cost:
        // the registry checks the password on every request.
        let hash = bcrypt::hash(PASSWORD, 4).unwrap();
        std::fs::write(path("htpasswd"), format!("{USER}:{hash}\n")).unwrap();
        let port = free_port();
        let host = format!("127.0.0.1:{port}");
        std::fs::write(
            path("config.yml"),
            format!(
                "version: 0.1\n\
                 log:\n  level: warn\n  accesslog:\n    disabled: true\n\
                 storage:\n  filesystem:\n    rootdirectory: {storage}\n\
                 http:\n  addr: {host}\n{tls}\
                 auth:\n  htpasswd:\n    realm: palisade-test\n    path: {htpasswd}\n",
                storage = path("storage").display(),
                tls = if tls {
                    format!(
                        "  tls:\n    certificate: {}\n    key: {}\n",
                        path("server.pem").display(),
                        path("server.key").display()
                    )
                } else {
                    String::new()
                },
                htpasswd = path("htpasswd").display(),
            ),
        )
        .unwrap();
        let log = path("registry.log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(path("config.yml"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(path("registry.err")).unwrap())
            .spawn()
            .unwrap();
        let mut registry = Self {
            child,
            host,
            ca_pem: pki.ca_pem,
            log,
            dir,
        };
        registry.wait_until_it_answers();
        eprintln!(
            "registry {} (pid {}) up in {:?}",
            registry.host,
            registry.child.id(),
            started.elapsed()
        );
        registry
    }

    fn wait_until_it_answers(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "docker-registry exited ({status}) before answering:\n{}",
                    self.logs()
                );
            }
            if std::net::TcpStream::connect(&self.host).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {} within 20 s:\n{}",
                self.host,
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn logs(&self) -> String {
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        format!(
            "{}{}",
            read(&self.log),
            read(&self.dir.0.join("registry.err"))
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }

    /// A Docker config dir whose `auths` hold `user:password` for this registry.
    fn docker_config(&self, name: &str, user: &str, password: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let config = json!({"auths": {self.host.clone(): {"auth": auth}}});
        std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
        dir
    }

    fn good_docker(&self) -> DockerConfig {
        DockerConfig::load(
            &self
                .docker_config("docker-good", USER, PASSWORD)
                .join("config.json"),
        )
        .unwrap()
    }

    /// A kwctl sources file trusting this registry's CA, by path.
    fn sources_file(&self) -> PathBuf {
        let path = self.path("sources.yaml");
        std::fs::write(
            &path,
            format!(
                "source_authorities:\n  \"{}\":\n  - type: Path\n    path: ca.pem\n",
                self.host
            ),
        )
        .unwrap();
        path
    }

    /// The same, with the CA inline (`type: Data`).
    fn sources_file_with_data(&self) -> PathBuf {
        let path = self.path("sources-data.yaml");
        let sources = json!({
            "source_authorities": {self.host.clone(): [{"type": "Data", "data": self.ca_pem}]}
        });
        std::fs::write(&path, serde_norway::to_string(&sources).unwrap()).unwrap();
        path
    }

    fn client(&self) -> Registry {
        Registry::new(
            Sources::load(&self.sources_file()).unwrap(),
            self.good_docker(),
        )
        .unwrap()
    }

    fn reference(&self, repository: &str) -> String {
        format!("registry://{}/{repository}", self.host)
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        // Child::kill signals the registry's PID (SIGKILL); reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn parse(reference: &str) -> RegistryRef {
    RegistryRef::parse(reference).unwrap()
}

struct Local {
    name: String,
    dir: PathBuf,
    artifact: PathBuf,
    digest: String,
    version: String,
    module: Vec<u8>,
    layout_manifest: Vec<u8>,
    layout_config: Vec<u8>,
    annotations: HashMap<String, String>,
}

/// What `make artifacts` wrote for a policy, and the annotations its
/// metadata.yml asks the manifest to carry.
fn local(dir: &Path) -> Local {
    let name = common::name(dir);
    let artifact = common::artifacts().join(&name);
    let module = std::fs::read(common::module_path(dir)).unwrap();
    let digest = std::fs::read_to_string(artifact.join("digest"))
        .unwrap()
        .trim()
        .to_owned();
    let blob = |digest: &str| {
        std::fs::read(
            artifact
                .join("oci/blobs/sha256")
                .join(digest.strip_prefix("sha256:").unwrap()),
        )
        .unwrap()
    };
    let layout_manifest = blob(&digest);
    let manifest: Value = serde_json::from_slice(&layout_manifest).unwrap();
    let layout_config = blob(manifest["config"]["digest"].as_str().unwrap());
    let metadata =
        annotate::load_metadata(&std::fs::read_to_string(dir.join("metadata.yml")).unwrap())
            .unwrap();
    let version = palisade_cli::package::version(&metadata).unwrap();
    let annotations = metadata["annotations"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.starts_with("io.kubewarden.policy.") && *k != annotate::USAGE_ANNOTATION)
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Local {
        name,
        dir: dir.to_owned(),
        artifact,
        digest,
        version,
        module,
        layout_manifest,
        layout_config,
        annotations,
    }
}

/// Every case of the policy through both modules: the same settings
/// verdicts and the same responses, and the pulled one meets cases.yml.
fn same_verdicts(local: &Local, pulled_module: &[u8]) -> usize {
    let built = Policy::from_bytes(&local.module).unwrap();
    let pulled = Policy::from_bytes(pulled_module).unwrap();
    let cases = cases::load(&local.dir).unwrap();
    for case in &cases {
        let what = format!("{}: {}", local.name, case.name);
        let settings_verdict = |p: &Policy| {
            let v = p.validate_settings(&case.settings).unwrap();
            (v.valid, v.message)
        };
        let verdict = settings_verdict(&built);
        assert_eq!(settings_verdict(&pulled), verdict, "{what}");
        if verdict.0 {
            let request =
                run::load_request(&local.dir.join("test_data").join(&case.request)).unwrap();
            let respond = |p: &Policy| {
                serde_json::to_value(p.validate(&request, &case.settings).unwrap()).unwrap()
            };
            assert_eq!(respond(&pulled), respond(&built), "{what}");
        }
        cases::check(&pulled, &local.name, &local.dir, case)
            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
    }
    cases.len()
}

/// The bundle has no cases of its own: it runs the profile its settings
/// give. Every profile on every request of the profile table through the
/// built and the pulled bundle gives the same answer, and the pulled one
/// denies the privileged walkthrough pod under pss-baseline (the profile
/// its default ClusterAdmissionPolicy runs).
fn same_bundle_verdicts(local: &Local, pulled_module: &[u8]) -> usize {
    let built = Policy::from_bytes(&local.module).unwrap();
    let pulled = Policy::from_bytes(pulled_module).unwrap();
    let requests = common::profile_table_requests();
    let mut count = 0;
    for profile in Profile::load_all(&common::workspace().join("profiles")).unwrap() {
        let settings = profile.bundle_settings();
        let verdict = pulled.validate_settings(&settings).unwrap();
        assert!(
            verdict.valid,
            "bundle under {}: {:?}",
            profile.name, verdict.message
        );
        for path in &requests {
            let request = run::load_request(path).unwrap();
            let respond = |p: &Policy| {
                serde_json::to_value(p.validate(&request, &settings).unwrap()).unwrap()
            };
            let answer = respond(&pulled);
            assert_eq!(
                answer,
                respond(&built),
                "bundle under {}: {}",
                profile.name,
                path.display()
            );
            if profile.name == "pss-baseline" && path.ends_with("nginx-privileged.json") {
                assert_eq!(answer["accepted"], false, "{answer}");
                assert!(
                    answer["message"].as_str().unwrap().contains("no-privilege"),
                    "{answer}"
                );
            }
            count += 1;
        }
    }
    count
}

#[test]
fn publish_every_policy_round_trips_by_tag_and_by_digest() {
    let registry = TestRegistry::start();
    let client = registry.client();
    let started = Instant::now();
    let mut verdicts = 0;
    let policies = common::published_dirs();
    for dir in &policies {
        let local = local(dir);
        let tag = format!("v{}", local.version);
        let repository = format!("palisade/{}", local.name);
        let (artifact, layout_tag) = palisade_cli::registry::artifact_for(&local.artifact).unwrap();
        assert_eq!(
            layout_tag, tag,
            "{}: the layout is tagged with the version",
            local.name
        );
        let pushed = client
            .push(
                &artifact,
                &parse(&registry.reference(&repository)),
                &layout_tag,
            )
            .unwrap();
        assert_eq!(
            pushed,
            format!("{}:{tag}@{}", registry.reference(&repository), local.digest),
            "{}: push reports the digest `make artifacts` recorded",
            local.name
        );
        let by_tag = client
            .pull(&parse(&format!(
                "{}:{tag}",
                registry.reference(&repository)
            )))
            .unwrap();
        let by_digest = client
            .pull(&parse(&format!(
                "{}@{}",
                registry.reference(&repository),
                local.digest
            )))
            .unwrap();
        for pulled in [&by_tag, &by_digest] {
            assert_eq!(pulled.digest, local.digest, "{}", local.name);
            assert_eq!(
                pulled.manifest_bytes, local.layout_manifest,
                "{}",
                local.name
            );
            assert_eq!(pulled.config, local.layout_config, "{}", local.name);
            assert!(
                pulled.module == local.module,
                "{}: module bytes differ",
                local.name
            );
            let manifest: Value = serde_json::from_slice(&pulled.manifest_bytes).unwrap();
            assert_eq!(
                manifest["mediaType"],
                "application/vnd.oci.image.manifest.v1+json"
            );
            assert_eq!(manifest["config"]["mediaType"], oci::CONFIG_MEDIA_TYPE);
            assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
            assert_eq!(manifest["layers"][0]["mediaType"], oci::LAYER_MEDIA_TYPE);
            let annotations: HashMap<String, String> =
                serde_json::from_value(manifest["annotations"].clone()).unwrap();
            assert_eq!(annotations, local.annotations, "{}", local.name);
            assert_eq!(annotations["io.kubewarden.policy.version"], local.version);
            assert_eq!(annotations["io.kubewarden.policy.title"], local.name);
        }
        assert_eq!(
            by_tag.reference,
            format!("{}:{tag}@{}", registry.reference(&repository), local.digest)
        );
        verdicts += if local.name == "bundle" {
            same_bundle_verdicts(&local, &by_digest.module)
        } else {
            same_verdicts(&local, &by_digest.module)
        };
    }
    eprintln!(
        "{} policies pushed, pulled by tag and by digest, {verdicts} cases compared, in {:?}",
        policies.len(),
        started.elapsed()
    );
}

/// The runner, with the registry's credentials in `DOCKER_CONFIG` and a
/// home of its own (so no sources file of the user's is read).
fn palisade(registry: &TestRegistry, docker: &Path, args: &[&str]) -> Output {
    palisade_with(registry, docker, args, &[])
}

/// `palisade`, with more environment (`COSIGN_PASSWORD`); none is inherited.
fn palisade_with(
    registry: &TestRegistry,
    docker: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Output {
    let home = registry.path("home");
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new(common::runner())
        .args(args)
        .env_remove(signing::PASSWORD_ENV)
        .envs(env.iter().copied())
        .env("DOCKER_CONFIG", docker)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .current_dir(common::workspace())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "palisade panicked: {stderr}");
    output
}

fn fails(output: Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "expected a failure, got {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("Error: "), "{stderr}");
    eprint!("expected failure: {stderr}");
    stderr
}

#[test]
fn publish_the_cli_pushes_pulls_and_runs_registry_references() {
    let registry = TestRegistry::start();
    let docker = registry.docker_config("docker-good", USER, PASSWORD);
    let sources = registry.sources_file();
    let sources = sources.to_str().unwrap();
    let dirs = common::policy_dirs();
    let dir = dirs
        .iter()
        .find(|d| common::name(d) == "no-privilege")
        .unwrap();
    let policy = local(dir);
    let repository = registry.reference("cli/no-privilege");
    let tag = format!("v{}", policy.version);

    // push: the tag defaults to the version; the reference is pinned.
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "push",
            policy.artifact.to_str().unwrap(),
            &repository,
            "--sources-path",
            sources,
        ],
    ));
    let pinned = format!("{repository}:{tag}@{}", policy.digest);
    assert_eq!(out.trim(), pinned);

    // push policy.wasm to an explicit tag, trusting the CA given inline: the
    // layout beside it is what goes, so the digest is the same.
    let other = dirs
        .iter()
        .find(|d| common::name(d) == "allowed-capabilities")
        .map(|d| local(d))
        .unwrap();
    let other_repository = registry.reference("cli/allowed-capabilities");
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "push",
            other.artifact.join("policy.wasm").to_str().unwrap(),
            &format!("{other_repository}:edge"),
            "--sources-path",
            registry.sources_file_with_data().to_str().unwrap(),
        ],
    ));
    assert_eq!(
        out.trim(),
        format!("{other_repository}:edge@{}", other.digest)
    );

    // A policy.wasm on its own: the artifact is built from its metadata, as
    // `kwctl push` does; the tag defaults to its version.
    let lonely = TempDir::new("lonely");
    let wasm = lonely.0.join("policy.wasm");
    std::fs::write(&wasm, &other.module).unwrap();
    let lonely_repository = registry.reference("cli/lonely");
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "push",
            wasm.to_str().unwrap(),
            &lonely_repository,
            "--sources-path",
            sources,
        ],
    ));
    let lonely_ref = format!("{lonely_repository}:v{}@", other.version);
    assert!(out.starts_with(&lonely_ref), "{out}");
    let pulled = registry.client().pull(&parse(out.trim())).unwrap();
    assert!(pulled.module == other.module);
    let manifest: Value = serde_json::from_slice(&pulled.manifest_bytes).unwrap();
    let annotations: HashMap<String, String> =
        serde_json::from_value(manifest["annotations"].clone()).unwrap();
    assert_eq!(annotations, other.annotations);
    assert_eq!(manifest["config"]["mediaType"], oci::CONFIG_MEDIA_TYPE);
    assert_eq!(manifest["layers"][0]["mediaType"], oci::LAYER_MEDIA_TYPE);

    // pull by the printed reference, by tag, by digest.
    for (i, reference) in [
        pinned.clone(),
        format!("{repository}:{tag}"),
        format!("{repository}@{}", policy.digest),
    ]
    .iter()
    .enumerate()
    {
        let file = registry.path(&format!("pulled-{i}.wasm"));
        let out = succeeds(palisade(
            &registry,
            &docker,
            &[
                "pull",
                reference,
                "-o",
                file.to_str().unwrap(),
                "--sources-path",
                sources,
            ],
        ));
        assert!(out.contains(&policy.digest), "{out}");
        assert!(std::fs::read(&file).unwrap() == policy.module);
    }

    // run registry://: the same AdmissionResponse as the local module.
    let module = common::module_path(dir);
    for fixture in ["pod_privileged.json", "pod_unprivileged.json"] {
        let request = dir.join("test_data").join(fixture);
        let request = request.to_str().unwrap();
        let local_run = succeeds(palisade(
            &registry,
            &docker,
            &["run", module.to_str().unwrap(), "-r", request],
        ));
        let remote_run = succeeds(palisade(
            &registry,
            &docker,
            &[
                "run",
                &format!("{repository}:{tag}"),
                "-r",
                request,
                "--sources-path",
                sources,
            ],
        ));
        assert_eq!(remote_run, local_run, "{fixture}");
    }
    // Settings travel as with a local module.
    let settings = r#"{"exempt_namespaces": ["default"]}"#;
    let request = dir.join("test_data/pod_privileged.json");
    let request = request.to_str().unwrap();
    let run_with_settings = |module: &str| {
        succeeds(palisade(
            &registry,
            &docker,
            &[
                "run",
                module,
                "-r",
                request,
                "--settings-json",
                settings,
                "--sources-path",
                sources,
            ],
        ))
    };
    assert_eq!(
        run_with_settings(&pinned),
        run_with_settings(module.to_str().unwrap())
    );

    // kwctl's default sources file is read when no --sources-path is given.
    let default_sources = registry.path("home/.config/kubewarden/sources.yaml");
    std::fs::create_dir_all(default_sources.parent().unwrap()).unwrap();
    std::fs::copy(registry.sources_file_with_data(), &default_sources).unwrap();
    let file = registry.path("pulled-default.wasm");
    succeeds(palisade(
        &registry,
        &docker,
        &["pull", &pinned, "-o", file.to_str().unwrap()],
    ));
    assert!(std::fs::read(&file).unwrap() == policy.module);
    std::fs::remove_file(&default_sources).unwrap();

    // insecure_sources: no CA, no verification; an explicit opt-in.
    let insecure = registry.path("insecure.yaml");
    std::fs::write(
        &insecure,
        format!("insecure_sources: [\"{}\"]\n", registry.host),
    )
    .unwrap();
    let file = registry.path("pulled-insecure.wasm");
    succeeds(palisade(
        &registry,
        &docker,
        &[
            "pull",
            &pinned,
            "-o",
            file.to_str().unwrap(),
            "--sources-path",
            insecure.to_str().unwrap(),
        ],
    ));
    assert!(std::fs::read(&file).unwrap() == policy.module);
}

#[test]
fn publish_failures_are_clear_errors_and_push_nothing() {
    let registry = TestRegistry::start();
    let sources_path = registry.sources_file();
    let sources = sources_path.to_str().unwrap();
    let good = registry.docker_config("docker-good", USER, PASSWORD);
    let wrong = registry.docker_config("docker-wrong", USER, "not-the-password");
    let empty = registry.path("docker-empty");
    std::fs::create_dir_all(&empty).unwrap();
    let dirs = common::policy_dirs();
    let dir = dirs.first().unwrap();
    let policy = local(dir);
    let artifact = policy.artifact.to_str().unwrap();
    let repository = registry.reference(&format!("failures/{}", policy.name));
    let tagged = format!("{repository}:v{}", policy.version);
    let out_file = registry.path("out.wasm");
    let out = out_file.to_str().unwrap();

    // Nothing is under the tag: every failed push below must leave it so.
    let nothing_pushed = |why: &str| {
        let err = fails(palisade(
            &registry,
            &good,
            &["pull", &tagged, "-o", out, "--sources-path", sources],
        ));
        assert!(err.contains("not found"), "{why}: {err}");
        assert!(!out_file.exists(), "{why}: a failed pull wrote {out}");
    };
    nothing_pushed("before any push");

    // Wrong password.
    let err = fails(palisade(
        &registry,
        &wrong,
        &["push", artifact, &repository, "--sources-path", sources],
    ));
    assert!(
        err.contains("refused the credentials") && err.contains("user \"palisade\""),
        "{err}"
    );
    assert!(
        !err.contains(PASSWORD) && !err.contains("not-the-password"),
        "{err}"
    );
    nothing_pushed("wrong password");
    let err = fails(palisade(
        &registry,
        &wrong,
        &["pull", &tagged, "-o", out, "--sources-path", sources],
    ));
    assert!(err.contains("refused the credentials"), "{err}");

    // No credentials at all.
    let err = fails(palisade(
        &registry,
        &empty,
        &["push", artifact, &repository, "--sources-path", sources],
    ));
    assert!(
        err.contains("refused the credentials") && err.contains("no credentials"),
        "{err}"
    );
    nothing_pushed("no credentials");

    // A CA we were not told about: system roots only, then another CA.
    let err = fails(palisade(&registry, &good, &["push", artifact, &repository]));
    assert!(
        err.contains("not trusted") && err.contains("source_authorities"),
        "{err}"
    );
    let other_ca = registry.path("other-ca.yaml");
    let other = make_pki("other");
    std::fs::write(
        &other_ca,
        serde_norway::to_string(&json!({
            "source_authorities": {registry.host.clone(): [{"type": "Data", "data": other.ca_pem}]}
        }))
        .unwrap(),
    )
    .unwrap();
    let err = fails(palisade(
        &registry,
        &good,
        &[
            "push",
            artifact,
            &repository,
            "--sources-path",
            other_ca.to_str().unwrap(),
        ],
    ));
    assert!(err.contains("not trusted"), "{err}");
    nothing_pushed("unknown CA");

    // A missing tag, a missing digest, a missing repository.
    for missing in [
        format!("{repository}:v999.0.0"),
        format!("{repository}@sha256:{}", "0".repeat(64)),
        registry.reference("failures/no-such-policy:v1"),
    ] {
        let err = fails(palisade(
            &registry,
            &good,
            &["pull", &missing, "-o", out, "--sources-path", sources],
        ));
        assert!(err.contains("not found"), "{missing}: {err}");
        assert!(!out_file.exists());
        let err = fails(palisade(
            &registry,
            &good,
            &[
                "run",
                &missing,
                "-r",
                dir.join("test_data")
                    .join(&cases::load(dir).unwrap()[0].request)
                    .to_str()
                    .unwrap(),
                "--sources-path",
                sources,
            ],
        ));
        assert!(err.contains("not found"), "{missing}: {err}");
    }

    // Malformed input is refused before anything is sent.
    let err = fails(palisade(
        &registry,
        &good,
        &["push", artifact, "ghcr.io/x/y:v1"],
    ));
    assert!(err.contains("registry://"), "{err}");
    let err = fails(palisade(
        &registry,
        &good,
        &[
            "push",
            common::workspace().join("policies").to_str().unwrap(),
            &repository,
        ],
    ));
    assert!(err.contains("make artifacts"), "{err}");

    // The same registry, once it is down (killed by PID): a clear error.
    let pinned = succeeds(palisade(
        &registry,
        &good,
        &["push", artifact, &repository, "--sources-path", sources],
    ));
    let host = registry.host.clone();
    let work = TempDir::new("down");
    std::fs::copy(registry.path("ca.pem"), work.0.join("ca.pem")).unwrap();
    std::fs::copy(&sources_path, work.0.join("sources.yaml")).unwrap();
    let docker = work.0.join("docker");
    std::fs::create_dir_all(&docker).unwrap();
    std::fs::copy(good.join("config.json"), docker.join("config.json")).unwrap();
    let client = Registry::new(
        Sources::load(&work.0.join("sources.yaml")).unwrap(),
        DockerConfig::load(&docker.join("config.json")).unwrap(),
    )
    .unwrap();
    drop(registry);
    let err = format!("{:#}", client.pull(&parse(pinned.trim())).err().unwrap());
    eprintln!("expected failure: {err}");
    assert!(
        err.contains("cannot reach registry") && err.contains(&host),
        "{err}"
    );
    let (artifact, tag) = palisade_cli::registry::artifact_for(&policy.artifact).unwrap();
    let err = format!(
        "{:#}",
        client
            .push(
                &artifact,
                &parse(&format!("registry://{host}/down/x")),
                &tag
            )
            .err()
            .unwrap()
    );
    assert!(err.contains("cannot reach registry"), "{err}");
}

#[test]
fn publish_a_plain_http_registry_needs_insecure_sources() {
    let registry = TestRegistry::start_with(false);
    let docker = registry.docker_config("docker-good", USER, PASSWORD);
    let dirs = common::policy_dirs();
    let policy = local(dirs.last().unwrap());
    let artifact = policy.artifact.to_str().unwrap();
    let repository = registry.reference(&format!("plain/{}", policy.name));

    // TLS by default: a clear error that names the opt-in.
    let err = fails(palisade(
        &registry,
        &docker,
        &["push", artifact, &repository],
    ));
    assert!(
        err.contains("TLS handshake") && err.contains("insecure_sources"),
        "{err}"
    );
    assert!(!registry.path("storage/docker").exists());

    // Listed under insecure_sources: TLS without verification fails, then
    // plain HTTP, as kwctl does.
    let insecure = registry.path("insecure.yaml");
    std::fs::write(
        &insecure,
        format!("insecure_sources: [\"{}\"]\n", registry.host),
    )
    .unwrap();
    let insecure = insecure.to_str().unwrap();
    let out = succeeds(palisade(
        &registry,
        &docker,
        &["push", artifact, &repository, "--sources-path", insecure],
    ));
    let pinned = format!("{repository}:v{}@{}", policy.version, policy.digest);
    assert_eq!(out.trim(), pinned);
    let file = registry.path("pulled.wasm");
    succeeds(palisade(
        &registry,
        &docker,
        &[
            "pull",
            &pinned,
            "-o",
            file.to_str().unwrap(),
            "--sources-path",
            insecure,
        ],
    ));
    assert!(std::fs::read(&file).unwrap() == policy.module);

    // Signatures go the same way: signed and verified over plain HTTP.
    let keys = registry.path("keys");
    succeeds(palisade(
        &registry,
        &docker,
        &["keygen", "--out", keys.to_str().unwrap()],
    ));
    let key = keys.join("cosign.key");
    let public = keys.join("cosign.pub");
    succeeds(palisade(
        &registry,
        &docker,
        &[
            "sign",
            &pinned,
            "--key",
            key.to_str().unwrap(),
            "--sources-path",
            insecure,
        ],
    ));
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "verify",
            &format!("{repository}:v{}", policy.version),
            "--key",
            public.to_str().unwrap(),
            "--sources-path",
            insecure,
        ],
    ));
    assert!(
        out.contains(&policy.digest) && out.contains("verified"),
        "{out}"
    );
}

/// Raw access to the test registry, beside the runner: to look at the
/// signature images and to tamper with what is stored.
struct Raw {
    runtime: tokio::runtime::Runtime,
    client: oci_client::Client,
    auth: oci_client::secrets::RegistryAuth,
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

impl Raw {
    fn new(registry: &TestRegistry) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = oci_client::client::ClientConfig {
            extra_root_certificates: vec![oci_client::client::Certificate {
                encoding: oci_client::client::CertificateEncoding::Pem,
                data: registry.ca_pem.as_bytes().to_vec(),
            }],
            ..Default::default()
        };
        Self {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: oci_client::Client::try_from(config).unwrap(),
            auth: oci_client::secrets::RegistryAuth::Basic(USER.into(), PASSWORD.into()),
        }
    }

    fn reference(text: &str) -> oci_client::Reference {
        text.trim_start_matches("registry://").parse().unwrap()
    }

    fn manifest(&self, reference: &str) -> Value {
        let reference = Self::reference(reference);
        let (bytes, _) = self
            .runtime
            .block_on(
                self.client
                    .pull_manifest_raw(&reference, &self.auth, &[OCI_MANIFEST]),
            )
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn blob(&self, reference: &str, digest: &str) -> Vec<u8> {
        let reference = Self::reference(reference);
        let mut out = Vec::new();
        self.runtime
            .block_on(self.client.pull_blob(&reference, digest, &mut out))
            .unwrap();
        out
    }

    fn push_blob(&self, reference: &str, data: &[u8]) -> String {
        let reference = Self::reference(reference);
        let digest = format!("sha256:{}", oci::sha256(data));
        self.runtime
            .block_on(async {
                self.client
                    .auth(&reference, &self.auth, oci_client::RegistryOperation::Push)
                    .await?;
                self.client
                    .push_blob(&reference, data.to_vec(), &digest)
                    .await
            })
            .unwrap();
        digest
    }

    fn push_manifest(&self, reference: &str, manifest: &Value) {
        let reference = Self::reference(reference);
        self.runtime
            .block_on(async {
                self.client
                    .auth(&reference, &self.auth, oci_client::RegistryOperation::Push)
                    .await?;
                self.client
                    .push_manifest_raw(
                        &reference,
                        serde_json::to_vec(manifest).unwrap(),
                        http::HeaderValue::from_static(OCI_MANIFEST),
                    )
                    .await
            })
            .unwrap();
    }
}

/// The signature image of `digest` in `repository` is cosign's: one simple
/// signing layer naming the digest, its signature in the layer annotation,
/// verifiable with `public_key` and with no other.
fn check_signature_image(
    raw: &Raw,
    repository: &str,
    digest: &str,
    public_key: &str,
    other_key: &str,
) {
    let signature_ref = format!("{repository}:{}", signing::signature_tag(digest));
    let manifest = raw.manifest(&signature_ref);
    assert_eq!(manifest["mediaType"], OCI_MANIFEST, "{manifest}");
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{manifest}");
    let layer = &layers[0];
    assert_eq!(
        layer["mediaType"], "application/vnd.dev.cosign.simplesigning.v1+json",
        "{manifest}"
    );
    let signature = layer["annotations"]["dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap();
    let payload = raw.blob(&signature_ref, layer["digest"].as_str().unwrap());
    let simple: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(
        simple["critical"]["type"],
        "cosign container image signature"
    );
    assert_eq!(
        simple["critical"]["image"]["docker-manifest-digest"],
        digest
    );
    assert_eq!(
        simple["critical"]["identity"]["docker-reference"],
        repository.trim_start_matches("registry://")
    );
    let verify = |pem: &str| {
        sigstore::crypto::CosignVerificationKey::try_from_pem(pem.as_bytes())
            .unwrap()
            .verify_signature(
                sigstore::crypto::Signature::Base64Encoded(signature.as_bytes()),
                &payload,
            )
    };
    assert!(verify(public_key).is_ok(), "{signature_ref}");
    assert!(verify(other_key).is_err(), "{signature_ref}");
}

/// The module with one more custom section: valid wasm, same metadata,
/// other bytes (so another digest).
fn tampered(module: &[u8]) -> Vec<u8> {
    let name = b"tampered";
    let payload = b"not what was signed";
    let mut out = module.to_vec();
    out.push(0); // custom section
    out.push(u8::try_from(1 + name.len() + payload.len()).unwrap());
    out.push(u8::try_from(name.len()).unwrap());
    out.extend_from_slice(name);
    out.extend_from_slice(payload);
    out
}

#[test]
fn publish_signatures_verify_and_tampering_fails() {
    let registry = TestRegistry::start();
    let client = registry.client();
    let raw = Raw::new(&registry);
    let docker = registry.docker_config("docker-good", USER, PASSWORD);
    let sources_path = registry.sources_file();
    let sources = sources_path.to_str().unwrap();
    let started = Instant::now();

    // A fresh key pair in cosign's format, and another one (empty password).
    let keys = registry.path("keys");
    let other_keys = registry.path("other-keys");
    let key_password = [(signing::PASSWORD_ENV, "key-password")];
    let out = succeeds(palisade_with(
        &registry,
        &docker,
        &["keygen", "--out", keys.to_str().unwrap()],
        &key_password,
    ));
    assert!(
        out.contains("cosign.key") && out.contains("cosign.pub"),
        "{out}"
    );
    succeeds(palisade_with(
        &registry,
        &docker,
        &["keygen", "--out", other_keys.to_str().unwrap()],
        &[(signing::PASSWORD_ENV, "")],
    ));
    let private_key = keys.join("cosign.key");
    let private = private_key.to_str().unwrap();
    let public_key = keys.join("cosign.pub");
    let public = public_key.to_str().unwrap();
    let other_public_key = other_keys.join("cosign.pub");
    let other_public = other_public_key.to_str().unwrap();
    let private_pem = std::fs::read_to_string(&private_key).unwrap();
    assert!(
        private_pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"),
        "{private_pem}"
    );
    let public_pem = std::fs::read_to_string(&public_key).unwrap();
    assert!(public_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
    let other_public_pem = std::fs::read_to_string(&other_public_key).unwrap();
    assert_ne!(public_pem, other_public_pem);
    // keygen never overwrites a key.
    let err = fails(palisade_with(
        &registry,
        &docker,
        &["keygen", "--out", keys.to_str().unwrap()],
        &key_password,
    ));
    assert!(err.contains("not overwriting"), "{err}");
    assert_eq!(std::fs::read_to_string(&private_key).unwrap(), private_pem);

    // Every policy pushed, signed by digest, verified by tag with the key,
    // and refused with the other key; the bundle too.
    let policies = common::published_dirs();
    let mut signed = Vec::new();
    for dir in &policies {
        let local = local(dir);
        let repository = registry.reference(&format!("signed/{}", local.name));
        let (artifact, tag) = palisade_cli::registry::artifact_for(&local.artifact).unwrap();
        let pinned = client.push(&artifact, &parse(&repository), &tag).unwrap();
        assert_eq!(pinned, format!("{repository}:{tag}@{}", local.digest));
        let out = succeeds(palisade_with(
            &registry,
            &docker,
            &["sign", &pinned, "--key", private, "--sources-path", sources],
            &key_password,
        ));
        assert_eq!(
            out.trim(),
            format!(
                "{pinned}  {repository}:{}",
                signing::signature_tag(&local.digest)
            )
        );
        check_signature_image(
            &raw,
            &repository,
            &local.digest,
            &public_pem,
            &other_public_pem,
        );
        let by_tag = format!("{repository}:{tag}");
        let out = succeeds(palisade(
            &registry,
            &docker,
            &[
                "verify",
                &by_tag,
                "--key",
                public,
                "--sources-path",
                sources,
            ],
        ));
        assert_eq!(
            out.trim(),
            format!("{pinned}  verified: 1 signature(s) by {public}")
        );
        let err = fails(palisade(
            &registry,
            &docker,
            &[
                "verify",
                &by_tag,
                "--key",
                other_public,
                "--sources-path",
                sources,
            ],
        ));
        assert!(err.contains("none of the 1 signature(s) of"), "{err}");
        signed.push((local, repository, tag, pinned));
    }
    eprintln!(
        "{} policies pushed, signed and verified in {:?}",
        signed.len(),
        started.elapsed()
    );

    // Kubewarden's verificationConfig for the key.
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "verification-config",
            "--key",
            public,
            "--owner",
            "palisade",
        ],
    ));
    let config: Value = serde_norway::from_str(&out).unwrap();
    assert_eq!(
        config,
        json!({"apiVersion": "v1", "allOf": [{"kind": "pubKey", "owner": "palisade", "key": public_pem}]})
    );

    // Tampering: a modified module re-pushed under the same tag.
    let (local, repository, tag, pinned) = signed.first().unwrap();
    let by_tag = format!("{repository}:{tag}");
    let work = TempDir::new("tamper");
    let wasm = work.0.join("policy.wasm");
    std::fs::write(&wasm, tampered(&local.module)).unwrap();
    let (artifact, _) = palisade_cli::registry::artifact_for(&wasm).unwrap();
    assert_ne!(artifact.manifest_digest, local.digest);
    let repushed = client.push(&artifact, &parse(repository), tag).unwrap();
    let new_digest = artifact.manifest_digest.clone();
    assert_eq!(repushed, format!("{by_tag}@{new_digest}"));
    let verify_tag = || {
        fails(palisade(
            &registry,
            &docker,
            &[
                "verify",
                &by_tag,
                "--key",
                public,
                "--sources-path",
                sources,
            ],
        ))
    };
    // 1. The new digest has no signature.
    let err = verify_tag();
    assert!(
        err.contains(&format!("verifying {by_tag}: {new_digest} is not signed"))
            && err.contains(&signing::signature_tag(&new_digest)),
        "{err}"
    );
    // 2. The old signature image replayed under the new digest's tag: its
    //    payload names the old digest, so it counts for nothing.
    let old_signature_ref = format!("{repository}:{}", signing::signature_tag(&local.digest));
    let new_signature_ref = format!("{repository}:{}", signing::signature_tag(&new_digest));
    let old_signature = raw.manifest(&old_signature_ref);
    raw.push_manifest(&new_signature_ref, &old_signature);
    let err = verify_tag();
    assert!(err.contains("holds no signature of this digest"), "{err}");
    // 3. A payload naming the new digest, carrying the old signature: the
    //    key does not verify it.
    let old_layer = &old_signature["layers"][0];
    let old_payload = raw.blob(&old_signature_ref, old_layer["digest"].as_str().unwrap());
    let forged_payload = String::from_utf8(old_payload)
        .unwrap()
        .replace(&local.digest, &new_digest);
    let forged_digest = raw.push_blob(repository, forged_payload.as_bytes());
    let mut forged = old_signature.clone();
    forged["layers"][0]["digest"] = json!(forged_digest);
    forged["layers"][0]["size"] = json!(forged_payload.len());
    raw.push_manifest(&new_signature_ref, &forged);
    let err = verify_tag();
    assert!(err.contains("none of the 1 signature(s) of"), "{err}");
    // The signed digest, pinned, still verifies: pinning is what protects.
    let pinned_digest = format!("{repository}@{}", local.digest);
    let out = succeeds(palisade(
        &registry,
        &docker,
        &[
            "verify",
            &pinned_digest,
            "--key",
            public,
            "--sources-path",
            sources,
        ],
    ));
    assert!(
        out.contains(&local.digest) && out.contains("verified"),
        "{out}"
    );
    // Signing the tampered digest with the key makes it verify again.
    let resigned = format!("{repository}@{new_digest}");
    succeeds(palisade_with(
        &registry,
        &docker,
        &[
            "sign",
            &resigned,
            "--key",
            private,
            "--sources-path",
            sources,
        ],
        &key_password,
    ));
    succeeds(palisade(
        &registry,
        &docker,
        &[
            "verify",
            &by_tag,
            "--key",
            public,
            "--sources-path",
            sources,
        ],
    ));
    let _ = pinned;

    // An artifact never signed: a clear error.
    let (local, _, _, _) = signed.last().unwrap();
    let unsigned_repository = registry.reference(&format!("unsigned/{}", local.name));
    let (artifact, tag) = palisade_cli::registry::artifact_for(&local.artifact).unwrap();
    let unsigned = client
        .push(&artifact, &parse(&unsigned_repository), &tag)
        .unwrap();
    let err = fails(palisade(
        &registry,
        &docker,
        &[
            "verify",
            &unsigned,
            "--key",
            public,
            "--sources-path",
            sources,
        ],
    ));
    assert!(
        err.contains(&format!(
            "verifying {unsigned}: {} is not signed",
            local.digest
        )) && err.contains("palisade sign"),
        "{err}"
    );

    // Refused before anything is pushed: a reference without its digest, a
    // wrong password, a public key given as the private one.
    for (args, env, expected) in [
        (
            vec!["sign", by_tag.as_str(), "--key", private],
            key_password[0],
            "sign by digest",
        ),
        (
            vec!["sign", unsigned.as_str(), "--key", private],
            (signing::PASSWORD_ENV, "not-the-key-password"),
            "wrong password",
        ),
        (
            vec!["sign", unsigned.as_str(), "--key", public],
            key_password[0],
            "not a private key",
        ),
        (
            vec!["verify", unsigned.as_str(), "--key", private],
            key_password[0],
            "not a PEM public key",
        ),
    ] {
        let mut args = args;
        args.extend(["--sources-path", sources]);
        let err = fails(palisade_with(&registry, &docker, &args, &[env]));
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = fails(palisade(
        &registry,
        &docker,
        &[
            "verify",
            &unsigned,
            "--key",
            public,
            "--sources-path",
            sources,
        ],
    ));
    assert!(err.contains("is not signed"), "{err}");
    eprintln!(
        "signatures: {} policies, tampering and wrong keys refused, in {:?}",
        signed.len(),
        started.elapsed()
    );
}

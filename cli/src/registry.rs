//! Push and pull of policy artifacts to and from an OCI distribution
//! registry, as `kwctl push` and `kwctl pull` (or policy-server) do it.
//!
//! The client is `oci-client`, the crate Kubewarden's policy fetcher builds
//! on. Credentials come from the Docker config (`auths`), as kwctl and
//! policy-server read them; TLS is verified against the system roots plus
//! the `source_authorities` of a kwctl `sources.yaml`, and a registry is only
//! reached without verification (or over plain HTTP) when the sources file
//! lists it under `insecure_sources`.

use crate::oci::{self, Artifact, CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, REF_NAME};
use anyhow::{Context, Result, anyhow, bail, ensure};
use base64::Engine;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use oci_spec::image::{ImageIndex, ImageManifest, MediaType};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The scheme of a registry reference, as in `ClusterAdmissionPolicy.spec.module`.
pub const SCHEME: &str = "registry://";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";

// --- references ------------------------------------------------------------

/// A parsed `registry://HOST/REPOSITORY[:TAG][@sha256:DIGEST]`, and whether
/// the user wrote a tag (the parser fills in `latest` otherwise).
#[derive(Debug, Clone)]
pub struct RegistryRef {
    pub reference: Reference,
    pub explicit_tag: bool,
}

impl RegistryRef {
    pub fn parse(text: &str) -> Result<Self> {
        let rest = text
            .strip_prefix(SCHEME)
            .with_context(|| format!("{text:?}: a registry reference starts with {SCHEME}"))?;
        let (name, _) = rest.split_once('@').unwrap_or((rest, ""));
        let last = name.rsplit('/').next().unwrap_or(name);
        ensure!(
            name.contains('/'),
            "{text:?}: give the registry host and the repository, e.g. {SCHEME}localhost:5000/policies/name:v1"
        );
        let reference: Reference = rest
            .parse()
            .with_context(|| format!("{text:?} is not a valid registry reference"))?;
        Ok(Self {
            reference,
            explicit_tag: last.contains(':'),
        })
    }

    pub fn host(&self) -> &str {
        self.reference.resolve_registry()
    }

    /// The reference with `tag`, when the user gave none.
    fn with_default_tag(&self, tag: &str) -> Reference {
        if self.explicit_tag {
            self.reference.clone()
        } else {
            Reference::with_tag(
                self.reference.registry().to_owned(),
                self.reference.repository().to_owned(),
                tag.to_owned(),
            )
        }
    }
}

/// `registry://HOST/REPO[:TAG]@sha256:...`: what push prints, pull accepts.
pub fn display(reference: &Reference, digest: &str) -> String {
    let tag = reference.tag().map(|t| format!(":{t}")).unwrap_or_default();
    format!(
        "{SCHEME}{}/{}{tag}@{digest}",
        reference.registry(),
        reference.repository()
    )
}

// --- credentials: the Docker config ----------------------------------------

#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    username: String,
    password: String,
}

/// The `auths` of a Docker config file (`docker login` writes it).
#[derive(Default)]
pub struct DockerConfig {
    path: Option<PathBuf>,
    auths: BTreeMap<String, Credentials>,
    helpers: bool,
}

#[derive(Deserialize)]
struct RawDockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, RawAuth>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawAuth {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
}

/// `https://index.docker.io/v1/` and `index.docker.io` name the same registry.
fn normalize_host(key: &str) -> String {
    let host = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let host = host.split('/').next().unwrap_or(host);
    match host {
        "docker.io" | "registry-1.docker.io" => "index.docker.io".to_owned(),
        other => other.to_owned(),
    }
}

impl DockerConfig {
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
            return Some(PathBuf::from(dir).join("config.json"));
        }
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
    }

    /// The default Docker config; none at all means anonymous access.
    pub fn load_default() -> Result<Self> {
        match Self::default_path() {
            Some(path) if path.exists() => Self::load(&path),
            _ => Ok(Self::default()),
        }
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the Docker config {}", path.display()))?;
        let mut config = Self::parse(&text)
            .with_context(|| format!("parsing the Docker config {}", path.display()))?;
        config.path = Some(path.to_owned());
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Self> {
        let raw: RawDockerConfig = serde_json::from_str(text)?;
        let mut auths = BTreeMap::new();
        for (key, entry) in raw.auths {
            let credentials = match (entry.auth, entry.username, entry.password) {
                (Some(auth), _, _) if !auth.is_empty() => {
                    let decoded = base64::engine::general_purpose::STANDARD
                        .decode(auth.trim())
                        .with_context(|| format!("auths.{key}.auth is not base64"))?;
                    let decoded = String::from_utf8(decoded)
                        .with_context(|| format!("auths.{key}.auth is not UTF-8"))?;
                    let (username, password) = decoded
                        .split_once(':')
                        .with_context(|| format!("auths.{key}.auth is not user:password"))?;
                    Credentials {
                        username: username.to_owned(),
                        password: password.to_owned(),
                    }
                }
                (_, Some(username), Some(password)) => Credentials { username, password },
                // An entry without a secret (a credential helper holds it).
                _ => continue,
            };
            auths.insert(normalize_host(&key), credentials);
        }
        Ok(Self {
            path: None,
            auths,
            helpers: raw.creds_store.is_some() || !raw.cred_helpers.is_empty(),
        })
    }

    fn auth_for(&self, host: &str) -> RegistryAuth {
        match self.auths.get(&normalize_host(host)) {
            Some(c) => RegistryAuth::Basic(c.username.clone(), c.password.clone()),
            None => RegistryAuth::Anonymous,
        }
    }

    /// What was sent to `host`, for error messages.
    fn describe(&self, host: &str) -> String {
        let Some(file) = &self.path else {
            return "no credentials: no Docker config file \
                    (~/.docker/config.json, or $DOCKER_CONFIG/config.json)"
                .to_owned();
        };
        let file = file.display();
        match self.auths.get(&normalize_host(host)) {
            Some(c) => format!("user {:?} from auths.{host} in {file}", c.username),
            None if self.helpers => format!(
                "no credentials: {file} has no auths.{host} entry (credential helpers are not supported)"
            ),
            None => format!("no credentials: {file} has no auths.{host} entry"),
        }
    }
}

// --- TLS: the kwctl sources file -------------------------------------------

/// kwctl's `sources.yaml`: registries reached without TLS verification, and
/// extra certificate authorities per registry.
#[derive(Default, Debug)]
pub struct Sources {
    insecure: BTreeSet<String>,
    authorities: BTreeMap<String, Vec<Vec<u8>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSources {
    #[serde(default)]
    insecure_sources: Vec<String>,
    #[serde(default)]
    source_authorities: BTreeMap<String, Vec<RawAuthority>>,
}

#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum RawAuthority {
    Path { path: PathBuf },
    Data { data: String },
}

impl Sources {
    /// `$XDG_CONFIG_HOME/kubewarden/sources.yaml` (`~/.config/...`), as kwctl.
    pub fn default_path() -> Option<PathBuf> {
        let config = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(config.join("kubewarden/sources.yaml"))
    }

    /// The file given, else the default one if it exists, else no sources.
    pub fn load_or_default(path: Option<&Path>) -> Result<Self> {
        match path {
            Some(path) => Self::load(path),
            None => match Self::default_path() {
                Some(path) if path.exists() => Self::load(&path),
                _ => Ok(Self::default()),
            },
        }
    }

    /// Reads a sources file; relative certificate paths are relative to it.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the sources file {}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).with_context(|| format!("in the sources file {}", path.display()))
    }

    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        let raw: Option<RawSources> = serde_norway::from_str(text)?;
        let Some(raw) = raw else {
            return Ok(Self::default());
        };
        let mut authorities = BTreeMap::new();
        for (host, entries) in raw.source_authorities {
            let mut pems = Vec::new();
            for entry in entries {
                let pem = match entry {
                    RawAuthority::Path { path } => {
                        let path = base.join(path);
                        std::fs::read(&path).with_context(|| {
                            format!("source_authorities.{host}: reading {}", path.display())
                        })?
                    }
                    RawAuthority::Data { data } => data.into_bytes(),
                };
                ensure!(
                    String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----"),
                    "source_authorities.{host}: not a PEM certificate"
                );
                pems.push(pem);
            }
            authorities.insert(host, pems);
        }
        Ok(Self {
            insecure: raw.insecure_sources.into_iter().collect(),
            authorities,
        })
    }

    pub fn is_insecure(&self, host: &str) -> bool {
        self.insecure.contains(host)
    }
}

// --- reading an artifact to push -------------------------------------------

/// The artifact `make artifacts` wrote: the manifest and blobs of
/// `<dir>/oci` (byte for byte, so the pushed digest is the one in
/// `<dir>/digest`), and its tag (the policy's version).
pub fn read_layout(layout: &Path) -> Result<(Artifact, String)> {
    let read =
        |path: PathBuf| std::fs::read(&path).with_context(|| format!("reading {}", path.display()));
    let index: ImageIndex = serde_json::from_slice(&read(layout.join("index.json"))?)
        .with_context(|| format!("parsing {}/index.json", layout.display()))?;
    let [entry] = index.manifests().as_slice() else {
        bail!(
            "{}/index.json: expected one manifest, found {}",
            layout.display(),
            index.manifests().len()
        );
    };
    let tag = entry
        .annotations()
        .as_ref()
        .and_then(|a| a.get(REF_NAME))
        .with_context(|| format!("{}/index.json: the manifest has no tag", layout.display()))?
        .clone();
    let blob = |digest: &str| -> Result<Vec<u8>> {
        let hex = digest
            .strip_prefix("sha256:")
            .with_context(|| format!("{digest}: only sha256 digests are supported"))?;
        let bytes = read(layout.join("blobs/sha256").join(hex))?;
        ensure!(
            oci::sha256(&bytes) == hex,
            "{}: blob {digest} does not match its digest",
            layout.display()
        );
        Ok(bytes)
    };
    let manifest_digest = entry.digest().to_string();
    let manifest_bytes = blob(&manifest_digest)?;
    let manifest: ImageManifest = serde_json::from_slice(&manifest_bytes)
        .with_context(|| format!("{}: parsing the manifest", layout.display()))?;
    check_policy_manifest(&manifest)?;
    let config = blob(manifest.config().digest().as_ref())?;
    let layer_digest = manifest
        .layers()
        .first()
        .map(|l| l.digest().to_string())
        .unwrap_or_default();
    let layer = blob(&layer_digest)?;
    Ok((
        Artifact {
            manifest,
            manifest_bytes,
            manifest_digest,
            config,
            layer,
        },
        tag,
    ))
}

/// What to push for a path: an artifact directory (its `oci/` layout), a
/// layout itself, or an annotated `policy.wasm` (the layout beside it when it
/// holds this very module, else an artifact built from its metadata).
pub fn artifact_for(path: &Path) -> Result<(Artifact, String)> {
    if path.is_dir() {
        let layout = if path.join("oci/index.json").exists() {
            path.join("oci")
        } else {
            path.to_owned()
        };
        ensure!(
            layout.join("index.json").exists(),
            "{}: neither an artifact directory (with oci/) nor an OCI layout: run `make artifacts`",
            path.display()
        );
        let found = read_layout(&layout)?;
        // `make artifacts` also writes the digest; they must agree.
        if let Some(dir) = path.join("digest").exists().then_some(path) {
            let recorded = std::fs::read_to_string(dir.join("digest"))?;
            ensure!(
                recorded.trim() == found.0.manifest_digest,
                "{}: digest file says {} but the layout holds {}",
                path.display(),
                recorded.trim(),
                found.0.manifest_digest
            );
        }
        return Ok(found);
    }
    let module = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if let Some(layout) = path.parent().map(|p| p.join("oci"))
        && layout.join("index.json").exists()
        && let Ok(found) = read_layout(&layout)
        && found.0.layer == module
    {
        return Ok(found);
    }
    let metadata = crate::annotate::read_metadata(&module)?
        .and_then(|m| m.as_object().cloned())
        .with_context(|| {
            format!(
                "{} has no Kubewarden metadata: annotate it first (`make artifacts`)",
                path.display()
            )
        })?;
    let version = crate::package::version(&metadata)?;
    Ok((oci::artifact(&module, &metadata)?, format!("v{version}")))
}

/// A Kubewarden policy: the wasm config and one wasm layer.
fn check_policy_manifest(manifest: &ImageManifest) -> Result<()> {
    let media = |m: &MediaType| m.to_string();
    let config = media(manifest.config().media_type());
    ensure!(
        config == CONFIG_MEDIA_TYPE,
        "not a Kubewarden policy: config media type {config}, expected {CONFIG_MEDIA_TYPE}"
    );
    let layers: Vec<String> = manifest
        .layers()
        .iter()
        .map(|l| media(l.media_type()))
        .collect();
    ensure!(
        layers == [LAYER_MEDIA_TYPE],
        "not a Kubewarden policy: layers {layers:?}, expected one {LAYER_MEDIA_TYPE}"
    );
    Ok(())
}

// --- the client --------------------------------------------------------------

/// A policy fetched from a registry, checked against its digests.
pub struct Pulled {
    /// `registry://HOST/REPO[:TAG]@sha256:...`
    pub reference: String,
    pub digest: String,
    pub manifest_bytes: Vec<u8>,
    pub manifest: ImageManifest,
    pub config: Vec<u8>,
    /// The annotated wasm module.
    pub module: Vec<u8>,
}

/// How to reach one registry: verified TLS, unverified TLS, plain HTTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Tls,
    TlsUnverified,
    Http,
}

/// Push and pull against any registry, with the user's credentials and TLS
/// settings. Blocking: each call runs on its own current-thread runtime.
pub struct Registry {
    sources: Sources,
    docker: DockerConfig,
    runtime: tokio::runtime::Runtime,
}

impl Registry {
    pub fn new(sources: Sources, docker: DockerConfig) -> Result<Self> {
        // rustls's ring provider: reqwest is built without a default one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Self {
            sources,
            docker,
            runtime,
        })
    }

    /// The user's Docker config, and the sources file given or kwctl's default.
    pub fn from_environment(sources_path: Option<&Path>) -> Result<Self> {
        Self::new(
            Sources::load_or_default(sources_path)?,
            DockerConfig::load_default()?,
        )
    }

    fn transports(&self, host: &str) -> Vec<Transport> {
        if self.sources.is_insecure(host) {
            // As kwctl: TLS without verification, then plain HTTP.
            vec![Transport::TlsUnverified, Transport::Http]
        } else {
            vec![Transport::Tls]
        }
    }

    /// The extra certificate authorities the sources file gives for `host` (PEM).
    pub(crate) fn authorities(&self, host: &str) -> &[Vec<u8>] {
        self.sources
            .authorities
            .get(host)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Runs a future on this client's runtime.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    fn client(&self, host: &str, transport: Transport) -> Result<Client> {
        let extra_root_certificates = self
            .sources
            .authorities
            .get(host)
            .into_iter()
            .flatten()
            .map(|pem| Certificate {
                encoding: CertificateEncoding::Pem,
                data: pem.clone(),
            })
            .collect();
        let config = ClientConfig {
            protocol: match transport {
                Transport::Http => ClientProtocol::Http,
                Transport::Tls | Transport::TlsUnverified => ClientProtocol::Https,
            },
            accept_invalid_certificates: transport == Transport::TlsUnverified,
            extra_root_certificates,
            // A manifest list is never a policy.
            platform_resolver: None,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(120)),
            ..ClientConfig::default()
        };
        Client::try_from(config).map_err(|e| {
            anyhow!("cannot set up a client for {host} (check source_authorities.{host}): {e}")
        })
    }

    /// A client that reached the registry's `/v2/`, over the first transport
    /// that answers, and the credentials for it.
    async fn connect(
        &self,
        reference: &Reference,
        operation: RegistryOperation,
    ) -> Result<(Client, RegistryAuth)> {
        let (client, auth, _) = self.connect_via(reference, operation).await?;
        Ok((client, auth))
    }

    /// `connect`, and the transport that answered (for clients other than
    /// ours: the signature code's sigstore client).
    pub(crate) async fn connect_via(
        &self,
        reference: &Reference,
        operation: RegistryOperation,
    ) -> Result<(Client, RegistryAuth, Transport)> {
        let host = reference.resolve_registry();
        let auth = self.docker.auth_for(host);
        let mut last = None;
        for transport in self.transports(host) {
            let client = self.client(host, transport)?;
            match client.auth(reference, &auth, operation).await {
                Ok(_) => return Ok((client, auth, transport)),
                Err(OciDistributionError::RequestError(e)) => last = Some(e),
                Err(e) => return Err(self.explain(e, reference)),
            }
        }
        Err(match last {
            Some(e) => self.explain(OciDistributionError::RequestError(e), reference),
            None => anyhow!("no way to reach {host}"),
        })
    }

    /// Pushes an artifact: blobs first, the manifest (which makes the tag
    /// appear) last, then reads the digest back. Returns the pinned reference.
    pub fn push(&self, artifact: &Artifact, target: &RegistryRef, tag: &str) -> Result<String> {
        ensure!(
            target.reference.digest().is_none(),
            "push to a tag, not a digest: {}",
            target.reference.whole()
        );
        let reference = target.with_default_tag(tag);
        self.runtime
            .block_on(self.push_async(artifact, &reference))
            .with_context(|| format!("pushing {SCHEME}{}", reference.whole()))
    }

    async fn push_async(&self, artifact: &Artifact, reference: &Reference) -> Result<String> {
        let (client, _) = self.connect(reference, RegistryOperation::Push).await?;
        let layer_digest = format!("sha256:{}", oci::sha256(&artifact.layer));
        let config_digest = format!("sha256:{}", oci::sha256(&artifact.config));
        for (blob, digest) in [
            (&artifact.layer, &layer_digest),
            (&artifact.config, &config_digest),
        ] {
            client
                .push_blob(reference, blob.clone(), digest)
                .await
                .map_err(|e| self.explain(e, reference))?;
        }
        client
            .push_manifest_raw(
                reference,
                artifact.manifest_bytes.clone(),
                http::HeaderValue::from_static(MANIFEST_MEDIA_TYPE),
            )
            .await
            .map_err(|e| self.explain(e, reference))?;
        let stored = client
            .fetch_manifest_digest(
                reference,
                &self.docker.auth_for(reference.resolve_registry()),
            )
            .await
            .map_err(|e| self.explain(e, reference))?;
        ensure!(
            stored == artifact.manifest_digest,
            "the registry holds {stored} under {}, not the pushed {}",
            reference.whole(),
            artifact.manifest_digest
        );
        Ok(display(reference, &stored))
    }

    /// Fetches a policy and checks it: the manifest against the reference's
    /// digest, the blobs against the manifest, the media types.
    pub fn pull(&self, source: &RegistryRef) -> Result<Pulled> {
        self.runtime
            .block_on(self.pull_async(&source.reference))
            .with_context(|| format!("pulling {SCHEME}{}", source.reference.whole()))
    }

    async fn pull_async(&self, reference: &Reference) -> Result<Pulled> {
        let (client, auth) = self.connect(reference, RegistryOperation::Pull).await?;
        let (bytes, digest) = client
            .pull_manifest_raw(reference, &auth, &[MANIFEST_MEDIA_TYPE])
            .await
            .map_err(|e| self.explain(e, reference))?;
        let computed = format!("sha256:{}", oci::sha256(&bytes));
        ensure!(
            computed == digest && reference.digest().is_none_or(|d| d == computed),
            "manifest digest mismatch: asked for {}, registry said {digest}, content is {computed}",
            reference.digest().unwrap_or("a tag")
        );
        let manifest: ImageManifest =
            serde_json::from_slice(&bytes).context("parsing the manifest")?;
        check_policy_manifest(&manifest)?;
        let mut blobs = Vec::new();
        for descriptor in std::iter::once(manifest.config()).chain(manifest.layers()) {
            let mut out = Vec::new();
            let digest = descriptor.digest().to_string();
            client
                .pull_blob(reference, digest.as_str(), &mut out)
                .await
                .map_err(|e| self.explain(e, reference))?;
            ensure!(
                out.len() as u64 == descriptor.size(),
                "blob {digest}: {} bytes, the manifest says {}",
                out.len(),
                descriptor.size()
            );
            blobs.push(out);
        }
        let mut blobs = blobs.into_iter();
        let (Some(config), Some(module)) = (blobs.next(), blobs.next()) else {
            bail!("the manifest names no layer");
        };
        Ok(Pulled {
            reference: display(reference, &digest),
            digest,
            manifest_bytes: bytes.to_vec(),
            manifest,
            config,
            module,
        })
    }

    /// A registry error, said so that the user knows what to fix.
    pub(crate) fn explain(
        &self,
        error: OciDistributionError,
        reference: &Reference,
    ) -> anyhow::Error {
        let host = reference.resolve_registry();
        let credentials = || {
            anyhow!(
                "registry {host} refused the credentials ({}): run `docker login {host}` or fix that entry",
                self.docker.describe(host)
            )
        };
        let not_found = || anyhow!("not found in {host} (no such repository, tag or digest)");
        match error {
            OciDistributionError::UnauthorizedError { .. }
            | OciDistributionError::AuthenticationFailure(_) => credentials(),
            OciDistributionError::RegistryError { envelope, url } => {
                let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
                if codes.iter().any(|c| {
                    matches!(
                        c,
                        OciErrorCode::ManifestUnknown
                            | OciErrorCode::NameUnknown
                            | OciErrorCode::NotFound
                    )
                }) {
                    not_found()
                } else if codes
                    .iter()
                    .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
                {
                    credentials()
                } else {
                    anyhow!("registry {host} answered {url} with: {envelope}")
                }
            }
            OciDistributionError::ServerError { code: 404, .. } => not_found(),
            OciDistributionError::ServerError {
                code: 401 | 403, ..
            } => credentials(),
            OciDistributionError::RequestError(e) => {
                let chain = error_chain(&e);
                if chain.contains("CaUsedAsEndEntity") {
                    anyhow!(
                        "TLS: {host} presents a CA certificate as its own ({chain}); serve a \
                         server certificate signed by that CA (with basicConstraints CA:FALSE), \
                         and give the CA under source_authorities.\"{host}\" in the sources file"
                    )
                } else if chain.contains("certificate") || chain.contains("UnknownIssuer") {
                    anyhow!(
                        "TLS: the certificate of {host} is not trusted ({chain}). Add the CA that \
                         signed it under source_authorities.\"{host}\" in the sources file \
                         (--sources-path), or, for a test registry, list {host} under insecure_sources"
                    )
                } else if e.is_timeout() {
                    anyhow!("registry {host} did not answer in time ({chain})")
                } else if e.is_connect() {
                    let tls = [
                        "tls",
                        "TLS",
                        "handshake",
                        "InvalidContentType",
                        "corrupt message",
                    ];
                    if tls.iter().any(|t| chain.contains(t)) {
                        anyhow!(
                            "TLS handshake with {host} failed ({chain}); if it serves plain HTTP, \
                             list it under insecure_sources in the sources file"
                        )
                    } else {
                        anyhow!(
                            "cannot reach registry {host} ({chain}): is it running, and is the address right?"
                        )
                    }
                } else {
                    anyhow!("registry {host}: {chain}")
                }
            }
            other => anyhow!("registry {host}: {other}"),
        }
    }
}

/// An error with its causes, `a: b: c`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// Writes `bytes` to `path` through a temporary file beside it, so that a
/// failed pull never leaves a partial module behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{}: not a file path", path.display()))?;
    let mut partial = file_name.to_owned();
    partial.push(".partial");
    let partial = path.with_file_name(partial);
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_need_the_scheme_and_keep_track_of_the_tag() {
        let r = RegistryRef::parse("registry://127.0.0.1:5000/palisade/no-privilege").unwrap();
        assert_eq!(r.host(), "127.0.0.1:5000");
        assert!(!r.explicit_tag);
        assert_eq!(
            r.with_default_tag("v0.1.0").whole(),
            "127.0.0.1:5000/palisade/no-privilege:v0.1.0"
        );
        let r = RegistryRef::parse("registry://localhost:5000/p/x:v2").unwrap();
        assert!(r.explicit_tag);
        assert_eq!(r.with_default_tag("v1").tag(), Some("v2"));
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = RegistryRef::parse(&format!("registry://h.io/p/x:v1@{digest}")).unwrap();
        assert_eq!(r.reference.digest(), Some(digest.as_str()));
        assert_eq!(
            display(&r.reference, &digest),
            format!("registry://h.io/p/x:v1@{digest}")
        );
        assert!(RegistryRef::parse("h.io/p/x:v1").is_err());
        assert!(RegistryRef::parse("registry://x").is_err());
        assert!(RegistryRef::parse("registry://h.io/P/x").is_err());
    }

    #[test]
    fn the_same_module_and_metadata_always_give_the_same_digest() {
        let annotations: serde_json::Map<String, serde_json::Value> = (0..12)
            .map(|i| (format!("io.kubewarden.policy.k{i}"), format!("v{i}").into()))
            .collect();
        let mut metadata = serde_json::Map::new();
        metadata.insert("annotations".into(), annotations.into());
        let first = oci::artifact(b"\0asm module", &metadata).unwrap();
        for _ in 0..20 {
            let again = oci::artifact(b"\0asm module", &metadata).unwrap();
            assert_eq!(again.manifest_bytes, first.manifest_bytes);
        }
    }

    #[test]
    fn docker_config_auths_decode_as_docker_login_writes_them() {
        let mut config = DockerConfig::parse(
            r#"{"auths": {
                "127.0.0.1:5000": {"auth": "cGFsaXNhZGU6czNjcjN0Ong="},
                "https://index.docker.io/v1/": {"username": "u", "password": "p"},
                "ghcr.io": {}
            }, "credsStore": "desktop"}"#,
        )
        .unwrap();
        assert_eq!(
            config.auth_for("127.0.0.1:5000"),
            RegistryAuth::Basic("palisade".into(), "s3cr3t:x".into())
        );
        assert_eq!(
            config.auth_for("index.docker.io"),
            RegistryAuth::Basic("u".into(), "p".into())
        );
        assert_eq!(config.auth_for("ghcr.io"), RegistryAuth::Anonymous);
        assert!(config.describe("ghcr.io").contains("no Docker config file"));
        config.path = Some(PathBuf::from("/home/u/.docker/config.json"));
        assert!(config.describe("ghcr.io").contains("credential helpers"));
        assert!(config.describe("127.0.0.1:5000").contains(
            "user \"palisade\" from auths.127.0.0.1:5000 in /home/u/.docker/config.json"
        ));
        assert!(DockerConfig::parse(r#"{"auths": {"h": {"auth": "!!"}}}"#).is_err());
        assert!(DockerConfig::parse("{}").unwrap().auths.is_empty());
    }

    #[test]
    fn sources_files_read_as_kwctl_reads_them() {
        let dir = std::env::temp_dir().join(format!("palisade-sources-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.join("ca.pem"), pem).unwrap();
        let sources = Sources::parse(
            &format!(
                "insecure_sources: [\"localhost:5000\"]\nsource_authorities:\n  \"r.example:5500\":\n  - type: Path\n    path: ca.pem\n  - type: Data\n    data: |\n{}",
                pem.lines()
                    .map(|l| format!("      {l}\n"))
                    .collect::<String>()
            ),
            &dir,
        )
        .unwrap();
        assert!(sources.is_insecure("localhost:5000"));
        assert!(!sources.is_insecure("r.example:5500"));
        assert_eq!(sources.authorities["r.example:5500"].len(), 2);
        assert_eq!(sources.authorities["r.example:5500"][0], pem.as_bytes());
        assert!(Sources::parse("insecure_source: [x]", &dir).is_err());
        assert!(
            Sources::parse(
                "source_authorities: {h: [{type: Path, path: missing.pem}]}",
                &dir
            )
            .is_err()
        );
        assert!(
            Sources::parse("source_authorities: {h: [{type: Data, data: nope}]}", &dir).is_err()
        );
        assert!(Sources::parse("", &dir).unwrap().insecure.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

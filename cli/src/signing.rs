//! Signatures, as cosign makes and stores them, so that a Kubewarden
//! `verificationConfig` holding the public key accepts the policies.
//!
//! Built on the `sigstore` crate's `cosign` module, the one Kubewarden's
//! policy fetcher verifies with:
//!
//! - key pairs are ECDSA P-256 in cosign's format: `cosign.key` is the
//!   private key encrypted with a password (scrypt + secretbox, PEM
//!   `ENCRYPTED SIGSTORE PRIVATE KEY`), `cosign.pub` the PEM public key;
//! - a signature is a simple signing payload naming the manifest digest,
//!   signed with the private key, stored as one layer of an image tagged
//!   `sha256-<digest>.sig` in the policy's repository (the signature in the
//!   layer's `dev.cosignproject.cosign/signature` annotation);
//! - verification resolves the reference to its digest, fetches that
//!   image's layers (those whose payload names another digest are dropped)
//!   and asks for one that the public key verifies.
//!
//! The registry is reached as for push and pull (`registry.rs`): the same
//! Docker config credentials, the same sources file and transports.

use crate::registry::{self, Registry, RegistryRef, SCHEME, Transport};
use anyhow::{Context, Result, anyhow, bail, ensure};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::{Reference, RegistryOperation};
use sigstore::cosign::constraint::PrivateKeySigner;
use sigstore::cosign::verification_constraint::{PublicKeyVerifier, VerificationConstraintVec};
use sigstore::cosign::{
    ClientBuilder, CosignCapabilities, SignatureLayer, apply_constraints, verify_constraints,
};
use sigstore::crypto::signing_key::SigStoreKeyPair;
use sigstore::crypto::signing_key::ecdsa::{ECDSAKeys, EllipticCurve};
use sigstore::crypto::{CosignVerificationKey, SigStoreSigner, SigningScheme};
use sigstore::registry::{
    Auth, Certificate, CertificateEncoding, ClientConfig, ClientProtocol, OciReference,
};
use std::path::{Path, PathBuf};

/// The private key's file name, as `cosign generate-key-pair` writes it.
pub const PRIVATE_KEY_FILE: &str = "cosign.key";
/// The public key's file name.
pub const PUBLIC_KEY_FILE: &str = "cosign.pub";
/// Where the private key's password comes from, as for cosign.
pub const PASSWORD_ENV: &str = "COSIGN_PASSWORD";

// --- keys ----------------------------------------------------------------------

/// The password in `COSIGN_PASSWORD`; unset means empty, as cosign allows.
pub fn password_from_env() -> zeroize::Zeroizing<Vec<u8>> {
    zeroize::Zeroizing::new(
        std::env::var_os(PASSWORD_ENV)
            .map(|p| p.into_encoded_bytes())
            .unwrap_or_default(),
    )
}

/// Writes a new ECDSA P-256 key pair, `cosign.key` (encrypted with
/// `password`, readable by its owner only) and `cosign.pub`, into `out`.
/// Existing keys are never overwritten. Returns both paths.
pub fn generate_key_pair(out: &Path, password: &[u8]) -> Result<(PathBuf, PathBuf)> {
    let private = out.join(PRIVATE_KEY_FILE);
    let public = out.join(PUBLIC_KEY_FILE);
    for path in [&private, &public] {
        ensure!(
            !path.exists(),
            "{} exists: not overwriting a key (move it away, or give another --out)",
            path.display()
        );
    }
    let keys = SigStoreKeyPair::ECDSA(
        ECDSAKeys::new(EllipticCurve::P256).context("generating an ECDSA P-256 key")?,
    );
    let private_pem = keys
        .private_key_to_encrypted_pem(password)
        .context("encrypting the private key")?;
    let public_pem = keys
        .public_key_to_pem()
        .context("encoding the public key")?;
    // The pem crate ends lines with CRLF; cosign's files end them with LF.
    let private_pem = zeroize::Zeroizing::new(private_pem.replace("\r\n", "\n"));
    let public_pem = public_pem.replace("\r\n", "\n");
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    write_private(&private, private_pem.as_bytes())?;
    std::fs::write(&public, public_pem).with_context(|| format!("writing {}", public.display()))?;
    Ok((private, public))
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Reads a private key: cosign's encrypted PEM (with `password`), or an
/// unencrypted PKCS#8 PEM.
pub fn load_signer(path: &Path, password: &[u8]) -> Result<SigStoreSigner> {
    let text = zeroize::Zeroizing::new(
        std::fs::read(path).with_context(|| format!("reading the key {}", path.display()))?,
    );
    let encrypted = String::from_utf8_lossy(&text).contains("-----BEGIN ENCRYPTED");
    let keys = if encrypted {
        SigStoreKeyPair::from_encrypted_pem(&text, password).map_err(|_| {
            anyhow!(
                "cannot decrypt the private key {}: wrong password? (it is read from ${PASSWORD_ENV})",
                path.display()
            )
        })?
    } else {
        SigStoreKeyPair::from_pem(&text).map_err(|_| {
            anyhow!(
                "{} is not a private key in cosign's format (cosign.key, from `palisade keygen`)",
                path.display()
            )
        })?
    };
    let scheme = match &keys {
        SigStoreKeyPair::ECDSA(ECDSAKeys::P256(_)) => SigningScheme::ECDSA_P256_SHA256_ASN1,
        SigStoreKeyPair::ECDSA(ECDSAKeys::P384(_)) => SigningScheme::ECDSA_P384_SHA384_ASN1,
        SigStoreKeyPair::ECDSA(_) => SigningScheme::ECDSA_P521_SHA512_ASN1,
        SigStoreKeyPair::ED25519(_) => SigningScheme::ED25519,
        SigStoreKeyPair::RSA(_) => bail!(
            "{}: RSA keys are not supported here; make an ECDSA key pair with `palisade keygen`",
            path.display()
        ),
    };
    keys.to_sigstore_signer(&scheme)
        .with_context(|| format!("using the key {}", path.display()))
}

/// Reads a PEM public key and checks that it is one cosign can verify with.
pub fn load_public_key(path: &Path) -> Result<String> {
    let pem = std::fs::read_to_string(path)
        .with_context(|| format!("reading the public key {}", path.display()))?;
    CosignVerificationKey::try_from_pem(pem.as_bytes())
        .map_err(|_| anyhow!("{} is not a PEM public key (cosign.pub)", path.display()))?;
    Ok(pem)
}

// --- Kubewarden's verification config ------------------------------------------

/// The `verificationConfig` (policy-server's ConfigMap key
/// `verification-config`, `kwctl verify --verification-config-path`)
/// requiring a signature by `public_key_pem`.
pub fn verification_config(public_key_pem: &str, owner: Option<&str>) -> serde_json::Value {
    let mut signature = serde_json::Map::new();
    signature.insert("kind".into(), "pubKey".into());
    if let Some(owner) = owner {
        signature.insert("owner".into(), owner.into());
    }
    signature.insert("key".into(), public_key_pem.replace("\r\n", "\n").into());
    serde_json::json!({
        "apiVersion": "v1",
        "allOf": [signature],
    })
}

// --- sign and verify -------------------------------------------------------------

/// A pushed signature.
#[derive(Debug)]
pub struct Signed {
    /// The signed artifact, `registry://HOST/REPO@sha256:...`.
    pub signed: String,
    /// The signature image, `registry://HOST/REPO:sha256-....sig`.
    pub signature: String,
}

/// A verified artifact.
#[derive(Debug)]
pub struct Verified {
    /// `registry://HOST/REPO[:TAG]@sha256:...`
    pub reference: String,
    pub digest: String,
    /// How many of its signature layers the key verifies.
    pub signatures: usize,
}

/// The tag cosign stores the signatures of `digest` under.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

fn with_digest(reference: &Reference, digest: &str) -> Reference {
    Reference::with_digest(
        reference.registry().to_owned(),
        reference.repository().to_owned(),
        digest.to_owned(),
    )
}

fn signature_reference(reference: &Reference, digest: &str) -> Reference {
    Reference::with_tag(
        reference.registry().to_owned(),
        reference.repository().to_owned(),
        signature_tag(digest),
    )
}

fn oci_reference(reference: &Reference) -> Result<OciReference> {
    reference
        .whole()
        .parse()
        .map_err(|e| anyhow!("{}: {e}", reference.whole()))
}

impl Registry {
    /// A sigstore cosign client that reaches `host` as ours did (`transport`).
    fn cosign_client(&self, host: &str, transport: Transport) -> Result<sigstore::cosign::Client> {
        let config = ClientConfig {
            protocol: match transport {
                Transport::Http => ClientProtocol::Http,
                Transport::Tls | Transport::TlsUnverified => ClientProtocol::Https,
            },
            accept_invalid_certificates: transport == Transport::TlsUnverified,
            extra_root_certificates: self
                .authorities(host)
                .iter()
                .map(|pem| Certificate {
                    encoding: CertificateEncoding::Pem,
                    data: pem.clone(),
                })
                .collect(),
            ..ClientConfig::default()
        };
        ClientBuilder::default()
            .with_oci_client_config(config)
            .build()
            .map_err(|e| anyhow!("cannot set up the signature client for {host}: {e}"))
    }

    /// Signs the artifact at `target` (a reference with its digest, as
    /// `palisade push` prints it) and pushes the signature as cosign does.
    /// Replaces signatures already stored for that digest.
    pub fn sign(&self, target: &RegistryRef, signer: SigStoreSigner) -> Result<Signed> {
        let reference = &target.reference;
        let digest = reference.digest().with_context(|| {
            format!(
                "{SCHEME}{}: sign by digest, registry://HOST/REPO@sha256:... \
                 (what `palisade push` prints, or target/artifacts/<policy>/digest)",
                reference.whole()
            )
        })?;
        self.block_on(self.sign_async(reference, digest, signer))
            .with_context(|| format!("signing {SCHEME}{}", reference.whole()))
    }

    async fn sign_async(
        &self,
        reference: &Reference,
        digest: &str,
        signer: SigStoreSigner,
    ) -> Result<Signed> {
        let pinned = with_digest(reference, digest);
        let (client, auth, transport) = self.connect_via(&pinned, RegistryOperation::Push).await?;
        // The artifact must be there, with that digest: nothing is signed blind.
        let stored = client
            .fetch_manifest_digest(&pinned, &auth)
            .await
            .map_err(|e| self.explain(e, &pinned))?;
        ensure!(
            stored == digest,
            "the registry holds {stored} under {digest}"
        );
        let mut layer = SignatureLayer::new_unsigned(&oci_reference(&pinned)?, digest)
            .map_err(|e| anyhow!("building the signature payload: {e}"))?;
        // As cosign: the identity is the repository, without tag or digest.
        layer.simple_signing.critical.identity.docker_reference =
            format!("{}/{}", pinned.registry(), pinned.repository());
        let constraints: Vec<Box<dyn sigstore::cosign::Constraint>> =
            vec![Box::new(PrivateKeySigner::new_with_signer(signer))];
        apply_constraints(&mut layer, constraints.iter())
            .map_err(|e| anyhow!("signing the payload: {e}"))?;
        let host = pinned.resolve_registry();
        let mut cosign = self.cosign_client(host, transport)?;
        let signature_ref = signature_reference(&pinned, digest);
        cosign
            .push_signature(
                None,
                &Auth::from(&auth),
                &oci_reference(&signature_ref)?,
                vec![layer],
            )
            .await
            .map_err(|e| anyhow!("pushing the signature to {}: {e}", signature_ref.whole()))?;
        Ok(Signed {
            signed: registry::display(reference, digest),
            signature: format!("{SCHEME}{}", signature_ref.whole()),
        })
    }

    /// Verifies that the artifact at `source` (tag or digest) carries a
    /// cosign signature that `public_key_pem` verifies.
    pub fn verify(&self, source: &RegistryRef, public_key_pem: &str) -> Result<Verified> {
        let verifier = PublicKeyVerifier::try_from(public_key_pem.as_bytes())
            .map_err(|e| anyhow!("not a public key: {e}"))?;
        self.block_on(self.verify_async(&source.reference, verifier))
            .with_context(|| format!("verifying {SCHEME}{}", source.reference.whole()))
    }

    async fn verify_async(
        &self,
        reference: &Reference,
        verifier: PublicKeyVerifier,
    ) -> Result<Verified> {
        let (client, auth, transport) =
            self.connect_via(reference, RegistryOperation::Pull).await?;
        let digest = client
            .fetch_manifest_digest(reference, &auth)
            .await
            .map_err(|e| self.explain(e, reference))?;
        if let Some(asked) = reference.digest() {
            ensure!(asked == digest, "the registry holds {digest} under {asked}");
        }
        let pinned = registry::display(reference, &digest);
        let signature_ref = signature_reference(reference, &digest);
        match client.fetch_manifest_digest(&signature_ref, &auth).await {
            Ok(_) => {}
            Err(e) if is_not_found(&e) => bail!(
                "{digest} is not signed: there is no signature image {} (sign it with `palisade sign`)",
                signature_ref.whole()
            ),
            Err(e) => return Err(self.explain(e, &signature_ref)),
        }
        let mut cosign = self.cosign_client(reference.resolve_registry(), transport)?;
        let layers = cosign
            .trusted_signature_layers(
                &Auth::from(&auth),
                &oci_reference(&with_digest(reference, &digest))?,
            )
            .await
            .map_err(|e| anyhow!("fetching the signatures of {digest}: {e}"))?;
        ensure!(
            !layers.is_empty(),
            "{digest}: the signature image {} holds no signature of this digest \
             (its payloads name other content)",
            signature_ref.whole()
        );
        let constraints: VerificationConstraintVec = vec![Box::new(verifier)];
        verify_constraints(&layers, constraints.iter()).map_err(|_| {
            anyhow!(
                "none of the {} signature(s) of {digest} verifies with the public key given \
                 (signed with another key, or the signature does not match the content)",
                layers.len()
            )
        })?;
        let signatures = layers
            .iter()
            .filter(|layer| constraints.iter().all(|c| c.verify(layer).unwrap_or(false)))
            .count();
        Ok(Verified {
            reference: pinned,
            digest,
            signatures,
        })
    }
}

fn is_not_found(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::ServerError { code: 404, .. } => true,
        OciDistributionError::RegistryError { envelope, .. } => envelope.errors.iter().any(|e| {
            matches!(
                e.code,
                OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown | OciErrorCode::NotFound
            )
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_pairs_round_trip_and_sign_what_the_public_key_verifies() {
        let dir = std::env::temp_dir().join(format!("palisade-keys-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (private, public) = generate_key_pair(&dir, b"pw").unwrap();
        let pem = std::fs::read_to_string(&private).unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"));
        assert!(generate_key_pair(&dir, b"pw").is_err(), "never overwrites");
        assert!(load_signer(&private, b"not-pw").is_err());
        let signer = load_signer(&private, b"pw").unwrap();
        let signature = signer.sign(b"payload").unwrap();
        let key = CosignVerificationKey::try_from_pem(load_public_key(&public).unwrap().as_bytes())
            .unwrap();
        key.verify_signature(sigstore::crypto::Signature::Raw(&signature), b"payload")
            .unwrap();
        assert!(
            key.verify_signature(sigstore::crypto::Signature::Raw(&signature), b"other")
                .is_err()
        );
        assert!(load_public_key(&private).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_verification_config_is_kubewardens() {
        let config = verification_config("-----BEGIN PUBLIC KEY-----\n...\n", Some("palisade"));
        assert_eq!(config["apiVersion"], "v1");
        assert_eq!(config["allOf"][0]["kind"], "pubKey");
        assert_eq!(config["allOf"][0]["owner"], "palisade");
        assert!(
            verification_config("k", None)["allOf"][0]
                .get("owner")
                .is_none()
        );
        assert_eq!(
            signature_tag(&format!("sha256:{}", "a".repeat(64))),
            format!("sha256-{}.sig", "a".repeat(64))
        );
    }
}

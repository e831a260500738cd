//! `palisade`: runs built policy modules as `kwctl run` does, and packages them.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use palisade_cli::profile::{LoadedProfile, Mode, ModuleRef, Profile, write_manifests};
use palisade_cli::{registry, run, signing};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "palisade",
    version,
    about,
    after_help = "Example:\n  palisade run --profile pss-restricted -r pod.json\n  palisade convert psp psp.yaml --rbac rbac.yaml --out converted"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What one evaluation may cost, for `run` and `scan`: a request beyond
/// either limit is answered with a 500 naming it.
#[derive(clap::Args)]
struct LimitArgs {
    /// Fuel per call: the wasm operators a module may execute on one request; beyond it the answer is a 500.
    #[arg(long, default_value_t = palisade_cli::host::Limits::DEFAULT_FUEL)]
    fuel: u64,
    /// Linear memory a module may grow to, in MiB; beyond it the answer is a 500.
    #[arg(long, default_value_t = palisade_cli::host::Limits::DEFAULT_MEMORY >> 20)]
    max_memory: usize,
}

impl LimitArgs {
    /// Every module this process loads runs under these limits.
    fn apply(&self) {
        palisade_cli::host::set_default_limits(palisade_cli::host::Limits {
            fuel: self.fuel,
            memory: self.max_memory.saturating_mul(1 << 20),
        });
    }
}

/// What generated manifests are made from and point at: for `profiles`
/// and `convert`.
#[derive(clap::Args)]
struct ManifestArgs {
    /// The directory holding one directory per policy (for metadata).
    #[arg(long, default_value = "policies")]
    policies: PathBuf,
    /// The bundle module's directory (for its metadata).
    #[arg(long, default_value = "bundle")]
    bundle: PathBuf,
    /// Where `make artifacts` wrote the built policies (their digests, for --pin).
    #[arg(long, default_value = "target/artifacts")]
    artifacts: PathBuf,
    /// Registry the manifests reference.
    #[arg(long, default_value = "ghcr.io/palisade-policies")]
    registry: String,
    /// Reference each module by digest instead of by version tag.
    #[arg(long)]
    pin: bool,
}

impl ManifestArgs {
    fn modules(&self) -> ModuleRef<'_> {
        ModuleRef {
            registry: &self.registry,
            artifacts: &self.artifacts,
            pin: self.pin,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a request with a policy module and print the AdmissionResponse (as `kwctl run`).
    #[command(
        after_help = "Example:\n  palisade run target/artifacts/no-privilege/policy.wasm -r pod.json --settings-json '{}'\n  palisade run --profile pss-restricted -r pod.json\n  palisade run --profile converted/psp-deny-privileged.yml -r pod.json"
    )]
    Run {
        /// The policy module: a `.wasm` file or a `registry://` reference; omit it with `--profile`.
        #[arg(required_unless_present = "profile", conflicts_with = "profile")]
        module: Option<String>,
        /// Evaluate every rule of a profile on the built modules: a name (`profiles/NAME.yml`) or a profile file.
        #[arg(long)]
        profile: Option<String>,
        /// Where the profiles are.
        #[arg(long, default_value = "profiles")]
        profiles: PathBuf,
        /// Where `make artifacts` wrote the built policies (for `--profile`).
        #[arg(long, default_value = "target/artifacts")]
        artifacts: PathBuf,
        /// A bare AdmissionRequest or a whole AdmissionReview, JSON or YAML.
        #[arg(short = 'r', long)]
        request_path: PathBuf,
        /// Settings as a JSON string.
        #[arg(long)]
        settings_json: Option<String>,
        /// Settings from a YAML or JSON file.
        #[arg(long)]
        settings_path: Option<PathBuf>,
        /// Print the module's ValidationResponse instead of the AdmissionResponse.
        #[arg(long)]
        raw: bool,
        /// kwctl's sources file, for a `registry://` module (default: ~/.config/kubewarden/sources.yaml).
        #[arg(long)]
        sources_path: Option<PathBuf>,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Push a built policy to a registry, as `kwctl push`; prints its `registry://...@sha256:` reference.
    #[command(
        after_help = "Example:\n  palisade push target/artifacts/no-privilege registry://registry.example.com:5000/policies/no-privilege"
    )]
    Push {
        /// An artifact directory (`target/artifacts/<policy>`), an OCI layout, or an annotated policy.wasm.
        artifact: PathBuf,
        /// `registry://HOST/REPOSITORY[:TAG]`; the tag defaults to the policy's version.
        destination: String,
        /// kwctl's sources file: `insecure_sources`, `source_authorities` (default: ~/.config/kubewarden/sources.yaml).
        #[arg(long)]
        sources_path: Option<PathBuf>,
    },
    /// Fetch a policy from a registry to a file, checking its digests (as `kwctl pull`).
    #[command(
        after_help = "Example:\n  palisade pull registry://registry.example.com:5000/policies/no-privilege:v0.1.0 -o no-privilege.wasm"
    )]
    Pull {
        /// `registry://HOST/REPOSITORY:TAG` or `...@sha256:DIGEST`.
        source: String,
        /// Where to write the module.
        #[arg(short, long)]
        output: PathBuf,
        /// kwctl's sources file: `insecure_sources`, `source_authorities` (default: ~/.config/kubewarden/sources.yaml).
        #[arg(long)]
        sources_path: Option<PathBuf>,
    },
    /// Write a cosign key pair, cosign.key (encrypted with $COSIGN_PASSWORD, empty allowed) and cosign.pub.
    #[command(after_help = "Example:\n  COSIGN_PASSWORD=... palisade keygen --out keys")]
    Keygen {
        /// Directory to write the keys to.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
    /// Sign a pushed policy by digest and push the signature as cosign does (`sha256-<digest>.sig`).
    #[command(
        after_help = "Example:\n  palisade sign registry://registry.example.com:5000/policies/no-privilege:v0.1.0@sha256:1c94... --key cosign.key"
    )]
    Sign {
        /// `registry://HOST/REPOSITORY[:TAG]@sha256:DIGEST`, as `palisade push` prints it.
        reference: String,
        /// The private key (cosign format; its password from $COSIGN_PASSWORD).
        #[arg(long)]
        key: PathBuf,
        /// kwctl's sources file: `insecure_sources`, `source_authorities` (default: ~/.config/kubewarden/sources.yaml).
        #[arg(long)]
        sources_path: Option<PathBuf>,
    },
    /// Check that a policy in a registry carries a cosign signature made with the key's pair.
    #[command(
        after_help = "Example:\n  palisade verify registry://registry.example.com:5000/policies/no-privilege:v0.1.0 --key cosign.pub"
    )]
    Verify {
        /// `registry://HOST/REPOSITORY:TAG` or `...@sha256:DIGEST`.
        reference: String,
        /// The public key (PEM, cosign.pub).
        #[arg(long)]
        key: PathBuf,
        /// kwctl's sources file: `insecure_sources`, `source_authorities` (default: ~/.config/kubewarden/sources.yaml).
        #[arg(long)]
        sources_path: Option<PathBuf>,
    },
    /// Print a Kubewarden verificationConfig that requires a signature by the public key.
    #[command(
        after_help = "Example:\n  palisade verification-config --key cosign.pub --owner you > verification-config.yml"
    )]
    VerificationConfig {
        /// The public key (PEM, cosign.pub).
        #[arg(long)]
        key: PathBuf,
        /// The signer's name, the optional `owner` of the pubKey entry.
        #[arg(long)]
        owner: Option<String>,
    },
    /// Annotate a built module with its metadata and write its OCI layout and ClusterAdmissionPolicy.
    #[command(
        after_help = "Example:\n  palisade package policies/no-privilege target/wasm/modules/no_privilege.wasm --out target/artifacts/no-privilege"
    )]
    Package {
        /// The policy's directory (with metadata.yml and README.md).
        policy_dir: PathBuf,
        /// The built module.
        module: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Registry the ClusterAdmissionPolicy references.
        #[arg(long, default_value = "ghcr.io/palisade-policies")]
        registry: String,
        /// Reference the module by digest instead of by version tag.
        #[arg(long)]
        pin: bool,
        /// Settings for the ClusterAdmissionPolicy (YAML or JSON file; default `{}`).
        #[arg(long)]
        settings: Option<PathBuf>,
    },
    /// Print the verdict table of the manifests under a directory, checked against its expected.yml.
    #[command(
        after_help = "Example:\n  palisade examples examples --artifacts target/artifacts --profiles profiles"
    )]
    Examples {
        /// The examples directory.
        examples: PathBuf,
        /// Where `make artifacts` wrote the policies.
        #[arg(long, default_value = "target/artifacts")]
        artifacts: PathBuf,
        /// Also print each profile's verdicts (profiles under this directory).
        #[arg(long)]
        profiles: Option<PathBuf>,
    },
    /// Write the Artifact Hub repository file and one package per policy.
    #[command(
        after_help = "Example:\n  palisade artifacthub --policies policies --bundle bundle --out artifacthub"
    )]
    Artifacthub {
        /// The directory holding one directory per policy.
        #[arg(long, default_value = "policies")]
        policies: PathBuf,
        /// The bundle module's directory (its metadata.yml and README.md): packaged too.
        #[arg(long, default_value = "bundle")]
        bundle: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "artifacthub")]
        out: PathBuf,
        /// Registry the packages reference.
        #[arg(long, default_value = "ghcr.io/palisade-policies")]
        registry: String,
        /// Release: pin each package to the digest `make artifacts` wrote
        /// under this directory (`<policy>/digest`).
        #[arg(long)]
        digests: Option<PathBuf>,
        /// Release: where users find the cosign public key the policies are signed with.
        #[arg(long)]
        signature_key_url: Option<String>,
    },
    /// Write each profile's ClusterAdmissionPolicyGroup and ClusterAdmissionPolicy set.
    #[command(
        after_help = "Example:\n  palisade profiles --profiles profiles --out target/artifacts/profiles --registry registry.example.com/policies --pin"
    )]
    Profiles {
        /// Where the profiles are.
        #[arg(long, default_value = "profiles")]
        profiles: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "target/artifacts/profiles")]
        out: PathBuf,
        #[command(flatten)]
        manifests: ManifestArgs,
    },
    /// Evaluate every object of manifest files, directories or stdin against a
    /// profile on the bundle module; exit 1 when any object is denied.
    #[command(
        after_help = "Example:\n  palisade scan k8s/ --profile pss-restricted\n  helm template my-chart | palisade scan - --profile pss-baseline --format json\n  palisade scan deploy.yaml --policy no-privilege --policy allowed-capabilities:caps.yml"
    )]
    Scan {
        /// Files (YAML, multi-document, JSON, Lists), directories (walked
        /// for .yaml, .yml, .json) or `-` for stdin.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The profile: a name (`profiles/NAME.yml`) or a profile file.
        #[arg(long, required_unless_present = "policy", conflicts_with = "policy")]
        profile: Option<String>,
        /// A rule instead of a profile, `NAME` or `NAME:SETTINGS_FILE`; repeatable.
        #[arg(long)]
        policy: Vec<String>,
        /// Where the profiles are.
        #[arg(long, default_value = "profiles")]
        profiles: PathBuf,
        /// The bundle module that runs the profile.
        #[arg(long, default_value = "target/artifacts/bundle/policy.wasm")]
        module: PathBuf,
        /// `table` (readable), `json`, `junit` (CI test reports) or `sarif` (code scanning).
        #[arg(long, alias = "output", default_value = "table", value_parser = ["table", "json", "junit", "sarif"])]
        format: String,
        /// `monitor`: report denials but exit 0.
        #[arg(long, default_value = "protect", value_parser = ["protect", "monitor"])]
        mode: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Convert PodSecurityPolicies (or other sources) into Palisade profiles.
    #[command(
        subcommand,
        after_help = "Example:\n  kubectl get psp -o yaml > psp.yaml\n  palisade convert psp psp.yaml --rbac rbac.yaml --out converted\n  palisade convert azure assignment.json --out converted"
    )]
    Convert(ConvertCommand),
    /// Serve the built playground (`make playground`) on a local address.
    #[command(
        after_help = "Example:\n  make playground && palisade playground\n  palisade playground --address 127.0.0.1:9000"
    )]
    Playground {
        /// The built page.
        #[arg(long, default_value = "target/playground")]
        dir: PathBuf,
        /// Where to listen (port 0: any free port, printed).
        #[arg(long, default_value = "127.0.0.1:8080")]
        address: String,
    },
    /// Write a policy's e2e.bats from its test_data/cases.yml.
    #[command(after_help = "Example:\n  palisade bats policies/no-privilege")]
    Bats {
        /// The policy's directory.
        policy_dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConvertCommand {
    /// PodSecurityPolicies (policy/v1beta1; multi-document YAML, JSON, or the
    /// List `kubectl get psp -o yaml` prints) into one profile each, with the
    /// PSP's defaults as mutations. Every PSP field is mapped or is an error
    /// naming it. Without --out, the profiles go to stdout.
    #[command(
        after_help = "Example:\n  palisade convert psp psp.yaml\n  palisade convert psp psp.yaml --rbac rbac.yaml --out converted\n  palisade run --profile converted/psp-deny-privileged.yml -r request.json"
    )]
    Psp {
        /// Files with PodSecurityPolicies (`-` for stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A file with the Roles, ClusterRoles and bindings granting `use` of
        /// the PSPs (repeat for several): each profile is scoped to where and
        /// to whom its PSP is granted.
        #[arg(long, action = clap::ArgAction::Append)]
        rbac: Vec<PathBuf>,
        /// Write DIR/<psp>.yml and DIR/<psp>/ (group, policies and bundle
        /// manifests, protect and monitor); with several PSPs also
        /// DIR/any-of/ (a group admitting what any PSP admits).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        manifests: ManifestArgs,
    },
    /// Azure Policy assignments (as `az policy assignment show` or `list`
    /// prints them, JSON) of single Kubernetes definitions or of the pod
    /// security baseline, restricted and Deployment Safeguards initiatives
    /// into one profile each: Audit rules monitor, Deny rules protect,
    /// Disabled ones are left out. A definition without a Palisade rule is
    /// an error (in an initiative, a note). Without --out, to stdout.
    #[command(
        after_help = "Example:\n  az policy assignment show --name psp-restricted --scope $SCOPE > assignment.json\n  palisade convert azure assignment.json --out converted\n  palisade run --profile converted/psp-restricted.yml -r request.json"
    )]
    Azure {
        /// Files with assignments, one object or an array (`-` for stdin).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Write DIR/<assignment>.yml and DIR/<assignment>/ (group, policies
        /// and bundle manifests, protect and monitor).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        manifests: ManifestArgs,
    },
}

fn main() -> ExitCode {
    match execute(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run {
            module,
            profile,
            profiles,
            artifacts,
            request_path,
            settings_json,
            settings_path,
            raw,
            sources_path,
            limits,
        } => {
            limits.apply();
            let request = run::load_request(&request_path)?;
            let (response, admission) = match (module, profile) {
                (Some(module), _) => {
                    let settings =
                        run::load_settings(settings_json.as_deref(), settings_path.as_deref())?;
                    if module.starts_with(registry::SCHEME) {
                        run_pulled(&module, sources_path.as_deref(), &request, &settings)?
                    } else {
                        run::run(Path::new(&module), &request, &settings)?
                    }
                }
                (None, Some(name)) => {
                    anyhow::ensure!(
                        settings_json.is_none() && settings_path.is_none(),
                        "a profile carries its own settings"
                    );
                    let profile = Profile::find(&name, &profiles)?;
                    let loaded = LoadedProfile::load(profile, &artifacts)?;
                    let response = loaded.evaluate(&request)?.response();
                    let admission = run::admission_response(&request, &response);
                    (response, admission)
                }
                (None, None) => anyhow::bail!("give a module or --profile"),
            };
            let out = if raw {
                serde_json::to_value(&response)?
            } else {
                admission
            };
            println!("{}", serde_json::to_string(&out)?);
        }
        Command::Push {
            artifact,
            destination,
            sources_path,
        } => {
            let destination = registry::RegistryRef::parse(&destination)?;
            let (artifact, tag) = registry::artifact_for(&artifact)?;
            let client = registry::Registry::from_environment(sources_path.as_deref())?;
            println!("{}", client.push(&artifact, &destination, &tag)?);
        }
        Command::Pull {
            source,
            output,
            sources_path,
        } => {
            let source = registry::RegistryRef::parse(&source)?;
            let client = registry::Registry::from_environment(sources_path.as_deref())?;
            let pulled = client.pull(&source)?;
            registry::write_atomically(&output, &pulled.module)?;
            println!("{}  {}", pulled.reference, output.display());
        }
        Command::Keygen { out } => {
            let (private, public) =
                signing::generate_key_pair(&out, &signing::password_from_env())?;
            println!("{}\n{}", private.display(), public.display());
        }
        Command::Sign {
            reference,
            key,
            sources_path,
        } => {
            let target = registry::RegistryRef::parse(&reference)?;
            let signer = signing::load_signer(&key, &signing::password_from_env())?;
            let client = registry::Registry::from_environment(sources_path.as_deref())?;
            let signed = client.sign(&target, signer)?;
            println!("{}  {}", signed.signed, signed.signature);
        }
        Command::Verify {
            reference,
            key,
            sources_path,
        } => {
            let source = registry::RegistryRef::parse(&reference)?;
            let public_key = signing::load_public_key(&key)?;
            let client = registry::Registry::from_environment(sources_path.as_deref())?;
            let verified = client.verify(&source, &public_key)?;
            println!(
                "{}  verified: {} signature(s) by {}",
                verified.reference,
                verified.signatures,
                key.display()
            );
        }
        Command::VerificationConfig { key, owner } => {
            let public_key = signing::load_public_key(&key)?;
            print!(
                "{}",
                serde_norway::to_string(&signing::verification_config(
                    &public_key,
                    owner.as_deref()
                ))?
            );
        }
        Command::Package {
            policy_dir,
            module,
            out,
            registry,
            pin,
            settings,
        } => {
            let settings = match settings {
                Some(path) => Some(
                    serde_norway::from_str::<Value>(&std::fs::read_to_string(&path)?)
                        .with_context(|| format!("reading {}", path.display()))?,
                ),
                None => None,
            };
            let packaged = palisade_cli::package::package(
                &policy_dir,
                &module,
                &out,
                &registry,
                pin,
                settings,
            )?;
            println!(
                "{:<28} v{:<8} {}  {}",
                packaged.name,
                packaged.version,
                packaged.manifest_digest,
                packaged.module_path.display()
            );
        }
        Command::Examples {
            examples,
            artifacts,
            profiles,
        } => {
            let mut outcomes = palisade_cli::examples::evaluate(&artifacts, &examples)?;
            print!("{}", palisade_cli::examples::render(&outcomes));
            if let Some(profiles) = profiles {
                let by_profile =
                    palisade_cli::examples::evaluate_profiles(&artifacts, &examples, &profiles)?;
                println!("\nthe same examples under each profile:\n");
                print!("{}", palisade_cli::examples::render(&by_profile));
                outcomes.extend(by_profile);
            }
            palisade_cli::examples::check_expected(&examples, &outcomes)?;
            println!(
                "\nevery verdict matches {}",
                examples.join("expected.yml").display()
            );
        }
        Command::Artifacthub {
            policies,
            bundle,
            out,
            registry,
            digests,
            signature_key_url,
        } => write_artifacthub(
            &policies,
            &bundle,
            &out,
            &registry,
            digests.as_deref(),
            signature_key_url,
        )?,
        Command::Profiles {
            profiles,
            out,
            manifests: m,
        } => {
            for profile in Profile::load_all(&profiles)? {
                for path in write_manifests(&profile, &m.policies, &m.bundle, &m.modules(), &out)? {
                    println!("{}", path.display());
                }
            }
        }
        Command::Convert(ConvertCommand::Psp {
            files,
            rbac,
            out,
            manifests: m,
        }) => {
            convert_psp(
                &files,
                &rbac,
                out.as_deref(),
                &m.policies,
                &m.bundle,
                &m.modules(),
            )?;
        }
        Command::Convert(ConvertCommand::Azure {
            files,
            out,
            manifests: m,
        }) => {
            let mut notes = Vec::new();
            let profiles = palisade_cli::convert_azure::convert_files(&files, &mut notes)?;
            for note in &notes {
                eprintln!("note: {note}");
            }
            write_profiles(
                &profiles,
                out.as_deref(),
                &m.policies,
                &m.bundle,
                &m.modules(),
            )?;
        }
        Command::Scan {
            paths,
            profile,
            policy,
            profiles,
            module,
            format,
            mode,
            limits,
        } => {
            limits.apply();
            let profile = match profile {
                Some(name) => Profile::find(&name, &profiles)?,
                None => scan_profile(&policy)?,
            };
            let scanner = palisade_cli::scan::Scanner::new(profile, &module)?;
            let files = palisade_cli::scan::manifest_files(&paths)?;
            // A progress line on a terminal, for long scans.
            let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
            let findings = palisade_cli::scan::scan_files(&scanner, &files, |index, objects| {
                if terminal && files.len() > 1 {
                    eprint!(
                        "\rscanned {}/{} files, {objects} objects",
                        index + 1,
                        files.len()
                    );
                    if index + 1 == files.len() {
                        eprintln!();
                    }
                }
            })?;
            match format.as_str() {
                "json" => println!("{}", palisade_cli::scan::render_json(&findings)?),
                "junit" => print!("{}", palisade_cli::scan::render_junit(&findings)),
                "sarif" => println!("{}", palisade_cli::scan::render_sarif(&findings)?),
                _ => print!("{}", palisade_cli::scan::render_table(&findings)),
            }
            if mode == "protect" && findings.iter().any(|f| f.fails()) {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Playground { dir, address } => {
            palisade_cli::serve::serve(&dir, &address, |bound| {
                palisade_cli::serve::announce(&dir, bound);
            })?;
        }
        Command::Bats { policy_dir } => {
            let name = policy_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let cases = palisade_cli::cases::load(&policy_dir)?;
            std::fs::write(
                policy_dir.join("e2e.bats"),
                palisade_cli::cases::render_bats(name, &cases)?,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `scan --policy NAME[:SETTINGS_FILE]...`: the rules as a profile.
fn scan_profile(policies: &[String]) -> Result<Profile> {
    let mut rules = Vec::new();
    for policy in policies {
        let (name, settings) = match policy.split_once(':') {
            Some((name, file)) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("--policy {policy}: reading {file}"))?;
                let settings: Value = serde_norway::from_str(&text)
                    .with_context(|| format!("--policy {policy}: parsing {file}"))?;
                (name, settings)
            }
            None => (policy.as_str(), serde_json::json!({})),
        };
        rules.push(palisade_cli::profile::ProfileRule {
            policy: name.to_owned(),
            name: None,
            settings,
            mode: None,
        });
    }
    Ok(Profile {
        name: "scan".into(),
        title: "palisade scan --policy".into(),
        source: "the command line".into(),
        description: policies.join(", "),
        exempt_namespaces: Vec::new(),
        rules,
        scope: None,
    })
}

/// Converted profiles to stdout, or with their manifests to `out`.
fn write_profiles(
    profiles: &[Profile],
    out: Option<&Path>,
    policies: &Path,
    bundle: &Path,
    modules: &ModuleRef,
) -> Result<()> {
    let Some(out) = out else {
        let documents: Vec<String> = profiles
            .iter()
            .map(serde_norway::to_string)
            .collect::<Result<_, _>>()?;
        print!("{}", documents.join("---\n"));
        return Ok(());
    };
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for profile in profiles {
        let path = out.join(format!("{}.yml", profile.name));
        std::fs::write(&path, serde_norway::to_string(profile)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{}", path.display());
        for path in write_manifests(profile, policies, bundle, modules, out)? {
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// `convert psp`: the profiles to stdout, or with their manifests to `out`.
fn convert_psp(
    files: &[PathBuf],
    rbac_files: &[PathBuf],
    out: Option<&Path>,
    policies: &Path,
    bundle: &Path,
    modules: &ModuleRef,
) -> Result<()> {
    use palisade_cli::convert;
    let mut documents = Vec::new();
    for file in files {
        documents.extend(convert::read_documents(file)?);
    }
    let rbac = if rbac_files.is_empty() {
        None
    } else {
        let mut rbac = convert::Rbac::default();
        for file in rbac_files {
            rbac.add(&convert::read_documents(file)?)?;
        }
        Some(rbac)
    };
    let mut notes = Vec::new();
    let profiles = convert::convert_psps(&documents, rbac.as_ref(), &mut notes)?;
    for note in &notes {
        eprintln!("note: {note}");
    }
    for profile in &profiles {
        if profile.scope.as_ref().is_some_and(|s| s.grants.is_empty()) {
            eprintln!(
                "note: no binding in the --rbac files grants use of PodSecurityPolicy {}: its profile applies to no request",
                profile.name
            );
        }
    }
    write_profiles(&profiles, out, policies, bundle, modules)?;
    let Some(out) = out else {
        return Ok(());
    };
    if profiles.len() > 1 {
        let dir = out.join("any-of");
        std::fs::create_dir_all(&dir)?;
        for (mode, suffix) in [(Mode::Protect, ""), (Mode::Monitor, "-monitor")] {
            let group = convert::any_of_group(&profiles, policies, modules, mode)?;
            let path = dir.join(format!("group{suffix}.yaml"));
            std::fs::write(&path, serde_norway::to_string(&group)?)?;
            println!("{}", path.display());
        }
    }
    Ok(())
}

/// `run registry://...`: pull the module (digests checked), run it from a
/// temporary file, remove the file.
fn run_pulled(
    reference: &str,
    sources_path: Option<&Path>,
    request: &Value,
    settings: &Value,
) -> Result<(palisade_cli::host::ValidationResponse, Value)> {
    let reference = registry::RegistryRef::parse(reference)?;
    let pulled = registry::Registry::from_environment(sources_path)?.pull(&reference)?;
    let path = std::env::temp_dir().join(format!(
        "palisade-run-{}-{}.wasm",
        std::process::id(),
        pulled.digest.trim_start_matches("sha256:")
    ));
    std::fs::write(&path, &pulled.module)?;
    let result = run::run(&path, request, settings);
    let _ = std::fs::remove_file(&path);
    result
}

fn write_artifacthub(
    policies: &std::path::Path,
    bundle: &std::path::Path,
    out: &std::path::Path,
    registry: &str,
    digests: Option<&std::path::Path>,
    signature_key_url: Option<String>,
) -> Result<()> {
    use palisade_cli::{annotate, artifacthub};
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("artifacthub-repo.yml"),
        serde_norway::to_string(&artifacthub::repository())?,
    )?;
    let mut dirs: Vec<_> = std::fs::read_dir(policies)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("metadata.yml").exists())
        .collect();
    dirs.sort();
    // The bundle is published like every rule, so it has a package too.
    dirs.push(bundle.to_owned());
    for dir in dirs {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let metadata =
            annotate::load_metadata(&std::fs::read_to_string(dir.join("metadata.yml"))?)?;
        let readme = std::fs::read_to_string(dir.join("README.md"))?;
        let version = palisade_cli::package::version(&metadata)?;
        let path = out.join(&name).join("artifacthub-pkg.yml");
        let existing = std::fs::read_to_string(&path).ok();
        let created_at = existing
            .as_deref()
            .and_then(|text| artifacthub::previous_created_at(text, &version));
        // A package of the same version keeps its release facts; a new
        // version starts without them.
        let mut release = match (&created_at, existing.as_deref()) {
            (Some(_), Some(text)) => {
                artifacthub::Release::of_package(&serde_norway::from_str(text)?)
            }
            _ => artifacthub::Release::default(),
        };
        if let Some(dir) = digests {
            let file = dir.join(&name).join("digest");
            let digest = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            release.digest = Some(digest.trim().to_owned());
        }
        if signature_key_url.is_some() {
            release.signature_key_url.clone_from(&signature_key_url);
        }
        let created_at = created_at.unwrap_or_else(|| {
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
        });
        let package =
            artifacthub::package(&name, &metadata, &readme, registry, &created_at, &release)?;
        std::fs::create_dir_all(out.join(&name))?;
        std::fs::write(&path, serde_norway::to_string(&package)?)?;
        println!("{}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command's `--help` ends with an example.
    #[test]
    fn every_command_shows_an_example() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            let example = command
                .get_after_help()
                .map(|help| help.to_string())
                .is_some_and(|help| help.starts_with("Example:\n") && help.contains("palisade "));
            if !example {
                missing.push(path.clone());
            }
            for sub in command.get_subcommands().filter(|c| c.get_name() != "help") {
                check(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no example in --help: {missing:?}");
    }
}

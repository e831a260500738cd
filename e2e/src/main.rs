//! `palisade`: runs built policy modules as `kwctl run` does, and packages them.

use anyhow::Result;
use clap::{Parser, Subcommand};
use palisade_e2e::run;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "palisade", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate a request with a policy module and print the AdmissionResponse (as `kwctl run`).
    Run {
        /// The policy module (`.wasm`).
        module: PathBuf,
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
    },
    /// Annotate a built module with its metadata and write its OCI layout and ClusterAdmissionPolicy.
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
    },
    /// Write a policy's e2e.bats from its test_data/cases.yml.
    Bats {
        /// The policy's directory.
        policy_dir: PathBuf,
    },
}

fn main() -> ExitCode {
    match execute(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run {
            module,
            request_path,
            settings_json,
            settings_path,
            raw,
        } => {
            let request = run::load_request(&request_path)?;
            let settings = run::load_settings(settings_json.as_deref(), settings_path.as_deref())?;
            let (response, admission) = run::run(&module, &request, &settings)?;
            let out = if raw {
                serde_json::to_value(&response)?
            } else {
                admission
            };
            println!("{}", serde_json::to_string(&out)?);
        }
        Command::Package {
            policy_dir,
            module,
            out,
            registry,
        } => {
            let packaged = palisade_e2e::package::package(&policy_dir, &module, &out, &registry)?;
            println!(
                "{:<28} v{:<8} {}  {}",
                packaged.name,
                packaged.version,
                packaged.manifest_digest,
                packaged.module_path.display()
            );
        }
        Command::Bats { policy_dir } => {
            let name = policy_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            let cases = palisade_e2e::cases::load(&policy_dir)?;
            std::fs::write(
                policy_dir.join("e2e.bats"),
                palisade_e2e::cases::render_bats(name, &cases)?,
            )?;
        }
    }
    Ok(())
}

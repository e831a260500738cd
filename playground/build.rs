//! Embeds every rule's README (its first paragraph and settings table) and
//! every profile, so that a rule or profile added to the repository is in
//! the page.

use std::fmt::Write as _;
use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut out = String::new();
    out.push_str(
        "/// Each rule's README, by policy name.\npub const READMES: &[(&str, &str)] = &[\n",
    );
    for (name, path) in entries(&root.join("policies"), |p| p.join("README.md"))? {
        let readme = std::fs::read_to_string(&path)?;
        let _ = writeln!(out, "    ({name:?}, {:?}),", essentials(&readme));
    }
    out.push_str("];\n/// The profiles, by name.\npub const PROFILES: &[(&str, &str)] = &[\n");
    for (name, path) in entries(&root.join("profiles"), |p| p.to_path_buf())? {
        let Some(name) = name.strip_suffix(".yml") else {
            continue;
        };
        let _ = writeln!(out, "    ({name:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    std::fs::write(dest, out)?;
    println!("cargo::rerun-if-changed=../policies");
    for (_, path) in entries(&root.join("policies"), |p| p.join("README.md"))? {
        println!("cargo::rerun-if-changed={path}");
    }
    println!("cargo::rerun-if-changed=../profiles");
    Ok(())
}

/// What the page shows of a README: its first paragraph, its settings
/// table and first settings example (the whole text would be a tenth of
/// the module).
fn essentials(readme: &str) -> String {
    let summary: Vec<&str> = readme
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect();
    let section = readme
        .split_once("\n## Settings")
        .map_or("", |(_, section)| section);
    let table: Vec<&str> = section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    // The section's first YAML example, for rules that need settings.
    let example: Vec<&str> = section
        .lines()
        .skip_while(|l| *l != "```yaml")
        .take_while(|l| *l != "```")
        .collect();
    format!(
        "{}\n\n## Settings\n\n{}\n\n{}\n```\n",
        summary.join("\n"),
        table.join("\n"),
        example.join("\n")
    )
}

/// `(file name, path)` of each entry whose `path(entry)` is a file, sorted.
fn entries(
    dir: &Path,
    path: impl Fn(&Path) -> std::path::PathBuf,
) -> std::io::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let file = path(&entry.path());
        if file.is_file() {
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, file.canonicalize()?.to_string_lossy().into_owned()));
        }
    }
    out.sort();
    Ok(out)
}

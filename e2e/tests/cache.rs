//! The runner caches compiled modules on disk: a second `palisade run
//! --profile` reads every member from the cache instead of compiling it,
//! and answers the same.

mod common;

use std::process::Command;
use std::time::Instant;

fn run(cache: &str) -> (String, f64) {
    let request = common::workspace().join("profiles/test_data/nginx-unprivileged.json");
    let started = Instant::now();
    let output = Command::new(common::runner())
        .args(["run", "--profile", "pss-restricted", "--artifacts"])
        .arg(common::artifacts())
        .arg("-r")
        .arg(request)
        .env("PALISADE_CACHE_DIR", cache)
        .current_dir(common::workspace())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8(output.stdout).unwrap(),
        started.elapsed().as_secs_f64(),
    )
}

fn files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .filter_map(Result::ok)
            .map(|e| {
                if e.path().is_dir() {
                    files(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

#[test]
fn a_second_run_reads_compiled_modules_from_the_cache() {
    let dir = common::TempDir::new("cache");
    let cache = dir.0.join("wasmtime");
    let (first, cold) = run(cache.to_str().unwrap());
    let cached = files(&cache);
    // One compiled module per member of pss-restricted, at least.
    assert!(cached >= 10, "{cached} files in {}", cache.display());
    let (second, warm) = run(cache.to_str().unwrap());
    assert_eq!(first, second);
    assert_eq!(files(&cache), cached, "nothing compiled again");
    eprintln!("pss-restricted: {cold:.2} s compiling, {warm:.2} s from the cache");
    // `off` compiles every time and writes nothing.
    let (third, _) = run("off");
    assert_eq!(first, third);
}

//! Every case of every policy, through the built and annotated module.

mod common;

use palisade_cli::cases;
use palisade_cli::host::Policy;

#[test]
fn every_case_of_every_policy_holds_through_the_built_module() {
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in common::policy_dirs() {
        let name = common::name(&dir);
        let policy = Policy::load(&common::module_path(&dir)).unwrap();
        let cases = cases::load(&dir).unwrap();
        assert!(cases.len() >= 5, "{name}: only {} cases", cases.len());
        for case in &cases {
            count += 1;
            if let Err(e) = cases::check(&policy, &name, &dir, case) {
                failures.push(format!("{name}: {}: {e:#}", case.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} cases passed");
}

#[test]
fn every_case_names_an_existing_fixture_and_every_fixture_is_used() {
    for dir in common::policy_dirs() {
        let cases = cases::load(&dir).unwrap();
        let used: std::collections::BTreeSet<_> = cases.iter().map(|c| c.request.clone()).collect();
        for entry in std::fs::read_dir(dir.join("test_data")).unwrap() {
            let file = entry.unwrap().file_name().to_string_lossy().into_owned();
            if file.ends_with(".json") {
                assert!(
                    used.contains(&file),
                    "{}: fixture {file} is in no case",
                    dir.display()
                );
            }
        }
        for file in used {
            assert!(
                dir.join("test_data").join(&file).exists(),
                "{}: {file} is missing",
                dir.display()
            );
        }
    }
}

#[test]
fn e2e_bats_files_are_generated_from_the_cases() {
    for dir in common::policy_dirs() {
        let name = common::name(&dir);
        let expected = cases::render_bats(&name, &cases::load(&dir).unwrap()).unwrap();
        let found = std::fs::read_to_string(dir.join("e2e.bats")).unwrap_or_default();
        assert!(
            found == expected,
            "{name}/e2e.bats is stale: run `palisade bats policies/{name}`"
        );
    }
}

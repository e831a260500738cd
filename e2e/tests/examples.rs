//! The verdict table `make` prints agrees with examples/expected.yml.

mod common;

use palisade_cli::examples::{self, Verdict};

#[test]
fn example_verdicts_match_the_expected_table() {
    let dir = common::workspace().join("examples");
    let outcomes = examples::evaluate(&common::artifacts(), &dir).unwrap();
    let policies = common::policy_dirs().len();
    assert!(
        outcomes.len() >= 5 * policies,
        "{} outcomes for {policies} policies",
        outcomes.len()
    );
    examples::check_expected(&dir, &outcomes).unwrap();
    // The same examples under every profile, against the same table.
    let profiles = common::workspace().join("profiles");
    let by_profile = examples::evaluate_profiles(&common::artifacts(), &dir, &profiles).unwrap();
    let profile_count = std::fs::read_dir(&profiles)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "yml")
        })
        .count();
    assert_eq!(by_profile.len(), profile_count * outcomes.len() / policies);
    examples::check_expected(&dir, &by_profile).unwrap();
    let denied_everywhere = by_profile
        .iter()
        .filter(|o| o.example.starts_with("nginx-privileged "))
        .all(|o| o.verdict == Verdict::Denied);
    assert!(
        denied_everywhere,
        "nginx-privileged is denied by every profile"
    );
    // The walkthrough's privileged pod is denied by no-privilege, with the path.
    let privileged = outcomes
        .iter()
        .find(|o| o.example.starts_with("nginx-privileged ") && o.policy == "no-privilege")
        .unwrap();
    assert_eq!(privileged.verdict, Verdict::Denied);
    assert!(
        privileged
            .message
            .as_deref()
            .unwrap()
            .contains("spec.containers[0].securityContext.privileged")
    );
}

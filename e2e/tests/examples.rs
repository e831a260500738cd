//! The verdict table `make` prints agrees with examples/expected.yml.

mod common;

use palisade_e2e::examples::{self, Verdict};

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

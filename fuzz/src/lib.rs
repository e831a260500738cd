//! What the fuzz targets share: the profiles the bundle runs with, the
//! request generator, and the invariants every response must meet.

pub mod requests;

use arbitrary::Unstructured;
use serde_json::{Value, json};
use std::sync::OnceLock;

/// The profiles under `profiles/`, as the bundle's settings.
const PROFILES: &[&str] = &[
    include_str!("../../profiles/pss-baseline.yml"),
    include_str!("../../profiles/pss-restricted.yml"),
    include_str!("../../profiles/azure-baseline.yml"),
    include_str!("../../profiles/azure-restricted.yml"),
    include_str!("../../profiles/aks-psp-restricted.yml"),
    include_str!("../../profiles/aks-deployment-safeguards.yml"),
];

/// Every profile, then a one-member profile of each rule with its defaults.
pub fn settings_choices() -> &'static [Value] {
    static CHOICES: OnceLock<Vec<Value>> = OnceLock::new();
    CHOICES.get_or_init(|| {
        let mut choices: Vec<Value> = PROFILES
            .iter()
            .filter_map(|text| serde_norway::from_str::<Value>(text).ok())
            .collect();
        for (policy, _) in bundle::CATALOGUE {
            choices.push(json!({"rules": [{"policy": policy}]}));
        }
        choices
    })
}

/// libFuzzer's bytes as a [`requests::Source`].
pub struct Bytes<'a, 'b>(pub &'a mut Unstructured<'b>);

impl requests::Source for Bytes<'_, '_> {
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.0.choose_index(n).unwrap_or(0)
    }
}

/// The invariants of a `validate` answer: JSON with a boolean `accepted`;
/// a rejection with code 400 says why; never a 500.
pub fn check_response(out: &[u8]) {
    let response: Value = match serde_json::from_slice(out) {
        Ok(response) => response,
        Err(e) => panic!(
            "the response is not JSON ({e}): {}",
            String::from_utf8_lossy(out)
        ),
    };
    assert!(
        response.get("accepted").is_some_and(Value::is_boolean),
        "no `accepted` in {response}"
    );
    if let Some(code) = response.get("code") {
        assert_ne!(code, 500, "a 500: {response}");
        if code == 400 {
            assert!(
                response
                    .get("message")
                    .and_then(Value::as_str)
                    .is_some_and(|m| !m.is_empty()),
                "a 400 without a message: {response}"
            );
        }
    }
}

/// The invariants of a `validate_settings` answer: JSON with a boolean
/// `valid`; an invalid one says why.
pub fn check_settings_response(out: &[u8]) -> bool {
    let response: Value = match serde_json::from_slice(out) {
        Ok(response) => response,
        Err(e) => panic!(
            "the answer is not JSON ({e}): {}",
            String::from_utf8_lossy(out)
        ),
    };
    let Some(valid) = response.get("valid").and_then(Value::as_bool) else {
        panic!("no `valid` in {response}");
    };
    if !valid {
        assert!(
            response
                .get("message")
                .and_then(Value::as_str)
                .is_some_and(|m| !m.is_empty()),
            "invalid settings without a message: {response}"
        );
    }
    valid
}

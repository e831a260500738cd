//! The quantity parser: what parses prints back to a value that parses to
//! the same amount; settings quantities are never negative.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::quantity::{Amount, QuantitySetting};

fuzz_target!(|text: &str| {
    if let Ok(amount) = Amount::parse(text) {
        let _ = (
            amount.millis_ceil(),
            amount.units_ceil(),
            amount.is_negative(),
        );
        let printed = amount.to_string();
        let again = Amount::parse(&printed);
        assert_eq!(again.ok(), Some(amount), "{text:?} printed as {printed:?}");
    }
    if let Ok(setting) = QuantitySetting::parse(text) {
        assert!(!setting.amount.is_negative());
    }
    let json = serde_json::json!(text).to_string();
    let _ = serde_json::from_str::<QuantitySetting>(&json);
    let _ = serde_json::from_str::<palisade_sdk::k8s::Quantity>(text);
});

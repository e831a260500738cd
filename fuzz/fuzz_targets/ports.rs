//! Port lists: a parsed entry is a range inside 1-65535 that contains its
//! ends; the list parser never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::ports::PortRanges;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((low, high)) = PortRanges::parse_entry(text) {
            assert!(0 < low && low <= high, "{text:?} gave {low}-{high}");
        }
        if let Ok(ranges) = serde_json::from_str::<PortRanges>(text) {
            let _ = ranges.to_string();
            for port in [-1, 0, 1, 80, 65535, 65536, i64::MAX] {
                let _ = ranges.contains(port);
            }
        }
    }
});

//! Sysctl names and patterns (one per line, each read as both): normalising
//! is idempotent; a pattern that parses prints to text that parses to an
//! equal pattern, covers itself, and when not a wildcard matches its own
//! normalised name; `a.covered_by(b)` and `a.matches(n)` imply
//! `b.matches(n)`; judging any name never panics, a forbidden match is
//! always refused, and settings that validate admit each exact allowed
//! name written canonically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use palisade_sdk::RuleSettings;
use sysctls::{Pattern, Settings, normalize};

fuzz_target!(|text: &str| {
    let lines: Vec<&str> = text.split('\n').take(12).collect();
    let names: Vec<String> = lines.iter().map(|line| normalize(line)).collect();
    for (line, name) in lines.iter().zip(&names) {
        assert_eq!(&normalize(name), name, "{line:?}");
    }
    let mut patterns = Vec::new();
    for line in &lines {
        let Ok(pattern) = Pattern::try_from(line.to_string()) else {
            continue;
        };
        let printed = pattern.to_string();
        let again = Pattern::try_from(printed.clone());
        assert_eq!(
            again.as_ref(),
            Ok(&pattern),
            "{line:?} printed as {printed:?}"
        );
        assert!(pattern.covered_by(&pattern), "{line:?}");
        if !line.ends_with('*') {
            assert!(pattern.matches(&normalize(line)), "{line:?}");
        }
        patterns.push(pattern);
    }
    for a in &patterns {
        for b in patterns.iter().filter(|b| a.covered_by(b)) {
            for name in names.iter().filter(|n| a.matches(n)) {
                assert!(b.matches(name), "{a} covered by {b}, {name:?}");
            }
        }
    }
    let (allowed, forbidden): (Vec<_>, Vec<_>) = patterns
        .iter()
        .cloned()
        .enumerate()
        .partition(|(i, _)| i % 2 == 0);
    let allowed: Vec<Pattern> = allowed.into_iter().map(|(_, p)| p).collect();
    let forbidden: Vec<Pattern> = forbidden.into_iter().map(|(_, p)| p).collect();
    let settings = [
        Settings {
            allowed_unsafe_sysctls: allowed.clone(),
            forbidden_sysctls: forbidden.clone(),
            allowed_sysctls: None,
        },
        Settings {
            allowed_unsafe_sysctls: Vec::new(),
            forbidden_sysctls: forbidden.clone(),
            allowed_sysctls: Some(allowed.clone()),
        },
    ];
    for settings in &settings {
        for line in &lines {
            let refusal = settings.refusal(line);
            if forbidden.iter().any(|f| f.matches(&normalize(line))) {
                assert!(refusal.is_some(), "{line:?} is forbidden");
            }
        }
        if settings.validate().is_ok() {
            for pattern in allowed.iter().map(Pattern::to_string) {
                if !pattern.ends_with('*') {
                    let refusal = settings.refusal(&pattern);
                    assert_eq!(refusal, None, "{pattern:?} is allowed");
                }
            }
        }
    }
});

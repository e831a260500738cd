//! SELinux levels (the first two lines of the input): parsing never panics;
//! each part's categories come out sorted, non-overlapping and non-adjacent
//! (merged), each range first <= last; a level prints (canonically) to text
//! that parses to an equal level and prints the same; reversing or rotating
//! the comma-separated categories of a level gives an equal level;
//! `same("level", a, b)` is reflexive and symmetric.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selinux::{MlsPart, parse_level, same};

/// Each part's categories reordered: reversed, or rotated left by one.
fn reorder(text: &str, reverse: bool) -> String {
    let part = |part: &str| match part.split_once(':') {
        Some((sensitivity, categories)) => {
            let mut items: Vec<&str> = categories.split(',').collect();
            match reverse {
                true => items.reverse(),
                false => items.rotate_left(1),
            }
            format!("{sensitivity}:{}", items.join(","))
        }
        None => part.to_owned(),
    };
    match text.split_once('-') {
        Some((low, high)) => format!("{}-{}", part(low), part(high)),
        None => part(text),
    }
}

fn check_part(text: &str, part: &MlsPart) {
    let categories = part.categories();
    for &(first, last) in categories {
        assert!(first <= last, "{text:?}: {categories:?}");
    }
    for pair in categories.windows(2) {
        let (before, after) = (pair[0], pair[1]);
        assert!(
            u64::from(before.1) + 1 < u64::from(after.0),
            "{text:?}: {categories:?} not merged"
        );
    }
}

fuzz_target!(|text: &str| {
    let mut lines = text.splitn(2, '\n');
    let a = lines.next().unwrap_or_default();
    let b = lines.next().unwrap_or_default();
    for text in [a, b] {
        assert!(same("level", text, text));
        let Some(level) = parse_level(text) else {
            continue;
        };
        check_part(text, level.low());
        check_part(text, level.high());
        let printed = level.to_string();
        let again = parse_level(&printed);
        assert_eq!(
            again.as_ref(),
            Some(&level),
            "{text:?} printed as {printed:?}"
        );
        assert_eq!(again.map(|l| l.to_string()), Some(printed.clone()));
        assert!(same("level", text, &printed), "{text:?} vs {printed:?}");
        for reverse in [true, false] {
            let reordered = reorder(text, reverse);
            assert_eq!(
                parse_level(&reordered).as_ref(),
                Some(&level),
                "{text:?} reordered as {reordered:?}"
            );
        }
    }
    assert_eq!(same("level", a, b), same("level", b, a), "{a:?} vs {b:?}");
});

//! `next` redirect targets after sign-in: anything a link can carry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera::validate::safe_next;

fuzz_target!(|next: &str| {
    let target = safe_next(Some(next));
    // Always a path on this site, with nothing a browser would "repair".
    assert!(target.starts_with('/'), "{target}");
    assert!(!target.starts_with("//"), "{target}");
    assert!(
        !target
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\'),
        "{target:?}"
    );
    assert!(
        target != "/login" && !target.starts_with("/login/"),
        "{target}"
    );
    // Resolved once, it stays as it is.
    assert_eq!(safe_next(Some(&target)), target, "{next:?}");
});

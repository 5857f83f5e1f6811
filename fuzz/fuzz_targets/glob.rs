//! Feeds arbitrary patterns and strings to the glob matcher: no panic, no hang, and every match
//! starts with the pattern's literal prefix (what the pattern index relies on).
#![no_main]

use herald::pubsub::glob::{glob_match, literal_prefix};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let split = usize::from(data[0]) % data.len();
    let (pattern, string) = data[1..].split_at(split.min(data.len() - 1));
    if glob_match(pattern, string) {
        assert!(string.starts_with(literal_prefix(pattern)));
    }
});

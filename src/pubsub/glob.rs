//! Redis-exact glob matching for `PSUBSCRIBE` patterns.
//!
//! Clients expect a pattern to match exactly the channels that a real Redis
//! server would deliver to it, so this module reproduces the behaviour of
//! Redis 7's `stringmatchlen()` (`src/util.c`, with `nocase = 0`), quirks
//! included. General-purpose glob crates (`glob`, `globset`, `wildmatch`, ...)
//! implement shell or gitignore semantics, which differ from Redis on exactly
//! the inputs that matter here: unterminated `[` classes, reversed ranges,
//! backslashes at the end of the pattern or inside classes, `*` against an
//! empty channel, arbitrary binary bytes, and the star-nesting limit.
//!
//! The Redis implementation is recursive (one level per `*`). This port is an
//! iterative, allocation-free backtracking matcher that only ever remembers
//! the most recent `*`. Every non-`*` token consumes exactly one byte, which
//! makes that classic algorithm equivalent to full backtracking; the result is
//! identical to `stringmatchlen` (including its `skipLongerMatches` pruning,
//! which never changes an answer, and its `nesting > 1000` cut-off), it runs
//! in `O(pattern.len() * string.len())` time in the worst case, and it uses
//! constant stack space whatever the input.
//!
//! Semantics, summarised (`c` is the byte being matched):
//!
//! * `*` matches any run of bytes; consecutive stars act as one. A string that
//!   is empty is matched only by the empty pattern, so `*` does **not** match
//!   the empty string (Redis's main loop only runs while both the pattern and
//!   the string are non-empty).
//! * `?` matches any single byte.
//! * `\x` matches the byte `x` literally. A backslash that is the last byte of
//!   the pattern matches a literal backslash.
//! * `[...]` matches one byte against a class; `[^...]` negates it. Inside the
//!   class, `\x` is a literal `x` (a backslash that is the last byte of the
//!   pattern is itself a literal), `a-b` is an inclusive range (the bounds are
//!   swapped if reversed, and `-` needs a byte on both sides, so `[a-]` is the
//!   range from `a` to `]` and still unterminated), and the first `]` always
//!   closes the class (`[]a]` is an empty class followed by the literal `a]`).
//! * A class that is never closed runs to the end of the pattern: `[ab` acts
//!   like `[ab]`, `[` never matches and `[^` matches any single byte.
//! * Range bounds are compared as C `char`, which is **signed** on x86-64
//!   Linux (the platform Redis is overwhelmingly deployed on): bytes
//!   `0x80..=0xff` sort below `0x00`, so `[a-\xff]` matches `0xff` and
//!   `0x00..=a` but not `0x80`. Plain class members and literals compare
//!   bytes for equality, so signedness only affects ranges.
//! * If a match would have to go through more than 1000 `*` groups that are
//!   followed by more pattern, it fails (Redis's protection against abusive
//!   patterns returns "no match" once its recursion depth exceeds 1000).

/// Redis stops recursing (and reports "no match") past this many nested `*`.
const MAX_STAR_NESTING: usize = 1000;

/// Returns `true` if `string` matches the glob `pattern` exactly as Redis 7's
/// `stringmatchlen(pattern, string, nocase = 0)` would decide.
///
/// Both arguments are arbitrary bytes; this function never panics, never
/// allocates and uses constant stack space. See the [module documentation](self)
/// for the precise semantics.
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    if string.is_empty() {
        return pattern.is_empty();
    }
    if exceeds_star_nesting(pattern) {
        return false;
    }

    let mut p = 0;
    let mut s = 0;
    // Where to resume after the most recent `*`: the pattern index just past
    // the star group, and the string index the star currently stops at.
    let mut resume: Option<(usize, usize)> = None;

    while let Some(&c) = string.get(s) {
        match pattern.get(p) {
            Some(b'*') => {
                let rest = skip_stars(pattern, p);
                if rest == pattern.len() {
                    // A trailing star matches whatever is left.
                    return true;
                }
                resume = Some((rest, s));
                p = rest;
                continue;
            }
            Some(_) => {
                let (matched, next) = match_single(pattern, p, c);
                if matched {
                    p = next;
                    s += 1;
                    continue;
                }
            }
            None => {}
        }
        // Mismatch (or pattern exhausted with string left): let the most
        // recent star swallow one more byte and retry after it.
        match resume.as_mut() {
            Some((after_star, star_end)) => {
                *star_end += 1;
                p = *after_star;
                s = *star_end;
            }
            None => return false,
        }
    }

    // The string is exhausted: only stars may remain in the pattern.
    skip_stars(pattern, p) == pattern.len()
}

/// Returns the longest prefix of `pattern` free of glob special characters
/// (`*`, `?`, `[` and `\`).
///
/// Every byte in that prefix is a literal that must match itself, so every
/// string matched by `pattern` starts with the returned prefix. A pattern with
/// no special characters is returned whole (it matches only itself).
pub fn literal_prefix(pattern: &[u8]) -> &[u8] {
    let end = pattern
        .iter()
        .position(|&b| matches!(b, b'*' | b'?' | b'[' | b'\\'))
        .unwrap_or(pattern.len());
    pattern.get(..end).unwrap_or(pattern)
}

/// Index of the first non-`*` byte at or after `p`.
fn skip_stars(pattern: &[u8], mut p: usize) -> usize {
    while pattern.get(p) == Some(&b'*') {
        p += 1;
    }
    p
}

/// Matches the single non-`*` token starting at `pattern[p]` against the byte
/// `c`. Returns whether it matched and the index just past the token (the
/// token's extent depends only on the pattern, never on `c`).
fn match_single(pattern: &[u8], p: usize, c: u8) -> (bool, usize) {
    match pattern.get(p) {
        Some(b'?') => (true, p + 1),
        Some(b'[') => match_class(pattern, p + 1, c),
        Some(b'\\') => match pattern.get(p + 1) {
            Some(&escaped) => (escaped == c, p + 2),
            // Trailing backslash: a literal backslash.
            None => (c == b'\\', p + 1),
        },
        Some(&literal) => (literal == c, p + 1),
        None => (false, p),
    }
}

/// Matches a `[...]` class whose body starts at `pattern[start]` (just past the
/// `[`). Returns whether `c` is accepted and the index just past the class
/// (the end of the pattern if the class is unterminated).
fn match_class(pattern: &[u8], start: usize, c: u8) -> (bool, usize) {
    let negated = pattern.get(start) == Some(&b'^');
    let mut i = if negated { start + 1 } else { start };
    let mut matched = false;
    loop {
        let rest = pattern.get(i..).unwrap_or_default();
        match rest {
            // Unterminated class: it extends to the end of the pattern.
            [] => {
                i = pattern.len();
                break;
            }
            [b'\\', escaped, ..] => {
                matched |= *escaped == c;
                i += 2;
            }
            [b']', ..] => {
                i += 1;
                break;
            }
            [lo, b'-', hi, ..] => {
                matched |= in_range(*lo, *hi, c);
                i += 3;
            }
            [member, ..] => {
                matched |= *member == c;
                i += 1;
            }
        }
    }
    (matched != negated, i)
}

/// Whether `c` lies between the (possibly reversed) bounds `a` and `b`,
/// comparing as signed C `char`s like Redis on x86-64.
fn in_range(a: u8, b: u8, c: u8) -> bool {
    let (a, b, c) = (a as i8, b as i8, c as i8);
    let (lo, hi) = if a > b { (b, a) } else { (a, b) };
    lo <= c && c <= hi
}

/// Whether matching would need to recurse through more than
/// [`MAX_STAR_NESTING`] star groups, in which case Redis reports no match.
///
/// Redis recurses once per `*` group that is followed by more pattern, and
/// the nesting depth at a pattern position is the number of such groups
/// before it, whatever path the match took. Any successful match of a
/// non-empty string passes through every such group with bytes left to
/// match, so one group too many means no string can match.
fn exceeds_star_nesting(pattern: &[u8]) -> bool {
    // Each counted group needs a `*` plus at least one following byte.
    if pattern.len() <= 2 * MAX_STAR_NESTING {
        return false;
    }
    let mut groups = 0usize;
    let mut p = 0;
    while let Some(&b) = pattern.get(p) {
        if b == b'*' {
            p = skip_stars(pattern, p);
            if p < pattern.len() {
                groups += 1;
                if groups > MAX_STAR_NESTING {
                    return true;
                }
            }
        } else {
            // The extent of a token does not depend on the byte matched.
            p = match_single(pattern, p, 0).1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A direct transliteration of Redis 7's recursive `stringmatchlen_impl`
    /// (nocase = 0), used as the reference model. Reads past the end of the
    /// pattern return 0, like the NUL terminator every Redis `sds` string has.
    fn redis_stringmatchlen(pattern: &[u8], string: &[u8]) -> bool {
        let mut skip_longer_matches = false;
        redis_impl(pattern, 0, string, 0, &mut skip_longer_matches, 0)
    }

    fn redis_impl(
        pat: &[u8],
        mut p: usize,
        st: &[u8],
        mut s: usize,
        skip_longer_matches: &mut bool,
        nesting: usize,
    ) -> bool {
        let at = |i: usize| pat.get(i).copied().unwrap_or(0);
        if nesting > 1000 {
            return false;
        }
        let mut plen = (pat.len() - p) as isize;
        let mut slen = (st.len() - s) as isize;
        while plen > 0 && slen > 0 {
            match at(p) {
                b'*' => {
                    while plen > 0 && at(p + 1) == b'*' {
                        p += 1;
                        plen -= 1;
                    }
                    if plen == 1 {
                        return true;
                    }
                    while slen > 0 {
                        if redis_impl(pat, p + 1, st, s, skip_longer_matches, nesting + 1) {
                            return true;
                        }
                        if *skip_longer_matches {
                            return false;
                        }
                        s += 1;
                        slen -= 1;
                    }
                    *skip_longer_matches = true;
                    return false;
                }
                b'?' => {
                    s += 1;
                    slen -= 1;
                }
                b'[' => {
                    p += 1;
                    plen -= 1;
                    let not = at(p) == b'^';
                    if not {
                        p += 1;
                        plen -= 1;
                    }
                    let mut matched = false;
                    loop {
                        if at(p) == b'\\' && plen >= 2 {
                            p += 1;
                            plen -= 1;
                            if at(p) == st[s] {
                                matched = true;
                            }
                        } else if at(p) == b']' {
                            break;
                        } else if plen == 0 {
                            p -= 1;
                            plen += 1;
                            break;
                        } else if plen >= 3 && at(p + 1) == b'-' {
                            // `char` is signed on x86-64.
                            let mut start = at(p) as i8 as i32;
                            let mut end = at(p + 2) as i8 as i32;
                            let c = st[s] as i8 as i32;
                            if start > end {
                                std::mem::swap(&mut start, &mut end);
                            }
                            p += 2;
                            plen -= 2;
                            if c >= start && c <= end {
                                matched = true;
                            }
                        } else if at(p) == st[s] {
                            matched = true;
                        }
                        p += 1;
                        plen -= 1;
                    }
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    s += 1;
                    slen -= 1;
                }
                first => {
                    let mut literal = first;
                    if first == b'\\' && plen >= 2 {
                        p += 1;
                        plen -= 1;
                        literal = at(p);
                    }
                    if literal != st[s] {
                        return false;
                    }
                    s += 1;
                    slen -= 1;
                }
            }
            p += 1;
            plen -= 1;
            if slen == 0 {
                while at(p) == b'*' {
                    p += 1;
                    plen -= 1;
                }
                break;
            }
        }
        plen == 0 && slen == 0
    }

    fn check(pattern: &[u8], string: &[u8], expected: bool) {
        assert_eq!(
            glob_match(pattern, string),
            expected,
            "glob_match({:?}, {:?})",
            pattern.escape_ascii().to_string(),
            string.escape_ascii().to_string(),
        );
        assert_eq!(
            redis_stringmatchlen(pattern, string),
            expected,
            "reference({:?}, {:?})",
            pattern.escape_ascii().to_string(),
            string.escape_ascii().to_string(),
        );
    }

    #[test]
    fn table_of_tricky_cases() {
        let cases: &[(&[u8], &[u8], bool)] = &[
            // Plain literals and the empty pattern / string.
            (b"", b"", true),
            (b"", b"a", false),
            (b"a", b"", false),
            (b"abc", b"abc", true),
            (b"abc", b"abd", false),
            (b"abc", b"ab", false),
            (b"ab", b"abc", false),
            // Stars.
            (b"*", b"", false), // ...but nothing matches "" except "".
            (b"**", b"", false),
            (b"*", b"a", true),
            (b"*", b"anything", true),
            (b"a*", b"a", true),
            (b"a*", b"abc", true),
            (b"a*", b"ba", false),
            (b"*a", b"a", true),
            (b"*a", b"ba", true),
            (b"*a", b"ab", false),
            (b"a***b", b"ab", true),
            (b"a***b", b"axxb", true),
            (b"a*b*c", b"abc", true),
            (b"a*b*c", b"aXbYc", true),
            (b"a*b*c", b"aXbY", false),
            (b"*a*a*b", b"aaaaaaaaab", true),
            (b"*a*a*b", b"aaaaaaaaaa", false),
            (b"h*llo", b"hello", true),
            (b"h*llo", b"heeeello", true),
            (b"news.*", b"news.art", true),
            (b"news.*", b"news.", true), // stars may match nothing...
            (b"news.*", b"news", false),
            // Question marks.
            (b"?", b"", false),
            (b"?", b"a", true),
            (b"?", b"ab", false),
            (b"h?llo", b"hallo", true),
            (b"h?llo", b"hllo", false),
            (b"??*", b"ab", true),
            (b"??*", b"a", false),
            // Classes.
            (b"h[ae]llo", b"hello", true),
            (b"h[ae]llo", b"hallo", true),
            (b"h[ae]llo", b"hillo", false),
            (b"h[^e]llo", b"hallo", true),
            (b"h[^e]llo", b"hello", false),
            (b"h[a-b]llo", b"hbllo", true),
            (b"h[a-b]llo", b"hcllo", false),
            (b"[z-a]", b"m", true), // reversed range is swapped
            (b"[z-a]", b"A", false),
            (b"[a-c-e]", b"-", true), // `a-c`, then `-`, `e`
            (b"[a-c-e]", b"d", false),
            (b"[-a]", b"-", true),
            (b"[a-]", b"]", true), // range `a`..`]`, class unterminated
            (b"[a-]", b"_", true),
            (b"[a-]", b"-", false),
            (b"[a-]b", b"ab", false), // `b` is inside the unterminated class
            (b"[]", b"]", false),     // empty class never matches
            (b"[]a]", b"a]", false),
            (b"[]a]", b"]", false),
            (b"[^]", b"x", true), // negated empty class matches any byte
            (b"[^]a", b"xa", true),
            (b"[\\]]", b"]", true),
            (b"[\\]]", b"\\", false),
            (b"[\\-]", b"-", true),
            (b"[\\-]", b"\\", false),
            (b"[a\\-c]", b"b", false), // escaped `-` is not a range
            (b"[a\\-c]", b"-", true),
            (b"[\\^a]", b"^", true),
            (b"[a^]", b"^", true), // `^` is only special first
            (b"[*?]", b"*", true),
            (b"[*?]", b"x", false),
            // Unterminated classes.
            (b"[", b"", false),
            (b"[", b"[", false),
            (b"[", b"a", false),
            (b"[^", b"a", true), // negated empty class: any single byte
            (b"[^", b"ab", false),
            (b"[^", b"", false),
            (b"[ab", b"a", true),
            (b"[ab", b"b", true),
            (b"[ab", b"c", false),
            (b"[ab", b"[", false),
            (b"x[ab", b"xb", true),
            (b"[a-c", b"b", true),
            (b"[^ab", b"c", true),
            (b"[^ab", b"a", false),
            (b"*[ab", b"zzb", true),
            // Backslashes.
            (b"\\*", b"*", true),
            (b"\\*", b"a", false),
            (b"\\?", b"?", true),
            (b"\\?", b"a", false),
            (b"\\[a]", b"[a]", true),
            (b"\\a", b"a", true),
            (b"\\\\", b"\\", true),
            (b"\\", b"\\", true), // trailing backslash is a literal backslash
            (b"\\", b"", false),
            (b"a\\", b"a\\", true),
            (b"a\\", b"a", false),
            (b"*\\", b"xx\\", true),
            (b"[\\", b"\\", true), // trailing backslash inside a class
            (b"[\\", b"a", false),
            (b"[a\\", b"\\", true),
            (b"[^\\", b"\\", false),
            (b"[^\\", b"x", true),
            // Binary safety.
            (b"a\x00b", b"a\x00b", true),
            (b"a?b", b"a\x00b", true),
            (b"*\x00", b"xyz\x00", true),
            (b"[\x00-\x05]", b"\x03", true),
            (b"\xff*", b"\xff\xfe", true),
            (b"[\xfe\xff]", b"\xff", true),
            // Ranges compare as signed chars (x86-64 Redis).
            (b"[a-\xff]", b"\xff", true),
            (b"[a-\xff]", b"\x00", true),
            (b"[a-\xff]", b"a", true),
            (b"[a-\xff]", b"b", false),
            (b"[a-\xff]", b"\x80", false),
            (b"[\x80-\xff]", b"\x90", true),
            (b"[\x80-\xff]", b"\x00", false),
            (b"[\x7f-\x80]", b"\x00", true), // swapped to 0x80..=0x7f
            (b"[\x7f-\x80]", b"\xc0", true),
        ];
        for &(pattern, string, expected) in cases {
            check(pattern, string, expected);
        }
    }

    #[test]
    fn literal_prefix_cases() {
        assert_eq!(literal_prefix(b""), b"");
        assert_eq!(literal_prefix(b"news"), b"news");
        assert_eq!(literal_prefix(b"news.*"), b"news.");
        assert_eq!(literal_prefix(b"a?c"), b"a");
        assert_eq!(literal_prefix(b"ab[c]"), b"ab");
        assert_eq!(literal_prefix(b"ab\\*"), b"ab");
        assert_eq!(literal_prefix(b"*foo"), b"");
        assert_eq!(literal_prefix(b"a]^-b*"), b"a]^-b");
        assert_eq!(literal_prefix(b"\x00\xff?"), b"\x00\xff");
    }

    #[test]
    fn star_nesting_limit() {
        let stars = |groups: usize| b"*a".repeat(groups);
        let a = |n: usize| vec![b'a'; n];
        // 1000 nested stars are fine; the 1001st non-trailing one is not.
        check(&stars(1000), &a(1000), true);
        check(&stars(1000), &a(1500), true);
        check(&stars(1001), &a(1001), false);
        check(&stars(1001), &a(2000), false);
        // A trailing star does not recurse, so it does not count.
        let mut trailing = stars(1000);
        trailing.push(b'*');
        check(&trailing, &a(1200), true);
        trailing.push(b'b');
        check(&trailing, &a(1200), false);
        // Consecutive stars collapse into a single level.
        let mut collapsed = b"**a".repeat(1000);
        collapsed.extend_from_slice(b"**");
        check(&collapsed, &a(1000), true);
        // Escaped stars and stars inside classes are not stars at all.
        let mut escaped = b"\\*".repeat(1500);
        escaped.extend_from_slice(&stars(10));
        check(&escaped, &[b"*".repeat(1500), a(10)].concat(), true);
        let mut bracketed = b"[*]".repeat(1500);
        bracketed.extend_from_slice(&stars(1000));
        check(&bracketed, &[b"*".repeat(1500), a(1000)].concat(), true);
        // The limit applies whatever the string, even one that cannot match.
        assert!(!glob_match(&stars(1001), &a(1)));
    }

    #[test]
    fn pathological_patterns_are_fast() {
        // Exponential for naive backtracking (CVE-2022-36021 style).
        let mut pattern = b"a*".repeat(200);
        pattern.push(b'b');
        let string = vec![b'a'; 20_000];
        assert!(!glob_match(&pattern, &string));
        let mut string = string;
        string.push(b'b');
        assert!(glob_match(&pattern, &string));

        // Huge patterns and strings never overflow the stack.
        let pattern = b"*?".repeat(100_000);
        assert!(!glob_match(&pattern, &vec![b'x'; 1000]));
        let pattern = b"*".repeat(1_000_000);
        assert!(glob_match(&pattern, b"anything"));
        // One unterminated class whose members are all `[`.
        let pattern = b"[".repeat(100_000);
        check(&pattern, b"[", true);
        check(&pattern, b"[[", false);
    }

    #[test]
    fn exhaustive_small_inputs_match_reference() {
        const PATTERN_ALPHABET: &[u8] = b"*?[]^-\\a\xff\x00";
        const STRING_ALPHABET: &[u8] = b"a]-\\\xff\x00";
        let all = |alphabet: &[u8], max_len: u32| -> Vec<Vec<u8>> {
            let mut out = vec![Vec::new()];
            let mut layer = vec![Vec::new()];
            for _ in 0..max_len {
                layer = layer
                    .iter()
                    .flat_map(|prefix: &Vec<u8>| {
                        alphabet.iter().map(move |&b| {
                            let mut next = prefix.clone();
                            next.push(b);
                            next
                        })
                    })
                    .collect();
                out.extend(layer.iter().cloned());
            }
            out
        };
        let patterns = all(PATTERN_ALPHABET, 4);
        let strings = all(STRING_ALPHABET, 3);
        for pattern in &patterns {
            let prefix = literal_prefix(pattern);
            for string in &strings {
                let got = glob_match(pattern, string);
                assert_eq!(
                    got,
                    redis_stringmatchlen(pattern, string),
                    "pattern {:?} string {:?}",
                    pattern.escape_ascii().to_string(),
                    string.escape_ascii().to_string(),
                );
                if got {
                    assert!(string.starts_with(prefix));
                }
            }
        }
    }

    fn glob_byte() -> impl Strategy<Value = u8> {
        prop::sample::select(b"*?[]^-\\ab\x00\xff".to_vec())
    }

    fn pattern_and_strings() -> impl Strategy<Value = (Vec<u8>, Vec<Vec<u8>>)> {
        prop::collection::vec(glob_byte(), 0..14).prop_flat_map(|pattern| {
            // Candidate strings: random ones, plus mutations of the pattern
            // itself (which match far more often than random bytes do).
            let random = prop::collection::vec(prop::collection::vec(glob_byte(), 0..12), 0..6);
            let mutated = prop::collection::vec(
                (
                    prop::collection::vec((any::<prop::sample::Index>(), glob_byte()), 0..3),
                    any::<bool>(),
                ),
                0..6,
            );
            let base = pattern.clone();
            (Just(pattern), random, mutated).prop_map(move |(pattern, mut strings, edits)| {
                for (changes, drop_specials) in edits {
                    let mut s: Vec<u8> = if drop_specials {
                        base.iter()
                            .copied()
                            .filter(|b| !matches!(b, b'*' | b'?' | b'[' | b']' | b'\\' | b'^'))
                            .collect()
                    } else {
                        base.clone()
                    };
                    for (index, byte) in changes {
                        if !s.is_empty() {
                            let i = index.index(s.len());
                            s[i] = byte;
                        }
                    }
                    strings.push(s);
                }
                (pattern, strings)
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn matches_redis_reference((pattern, strings) in pattern_and_strings()) {
            for string in &strings {
                prop_assert_eq!(
                    glob_match(&pattern, string),
                    redis_stringmatchlen(&pattern, string),
                    "pattern {:?} string {:?}",
                    pattern.escape_ascii().to_string(),
                    string.escape_ascii().to_string(),
                );
            }
        }

        #[test]
        fn matched_strings_start_with_literal_prefix((pattern, strings) in pattern_and_strings()) {
            let prefix = literal_prefix(&pattern);
            prop_assert!(pattern.starts_with(prefix));
            for string in &strings {
                if glob_match(&pattern, string) {
                    prop_assert!(string.starts_with(prefix));
                }
            }
        }

        #[test]
        fn literal_prefix_followed_by_star_matches_extensions(
            prefix in prop::collection::vec(any::<u8>(), 0..8),
            tail in prop::collection::vec(any::<u8>(), 0..8),
        ) {
            let prefix: Vec<u8> = prefix
                .into_iter()
                .filter(|b| !matches!(b, b'*' | b'?' | b'[' | b'\\'))
                .collect();
            let mut pattern = prefix.clone();
            pattern.push(b'*');
            prop_assert_eq!(literal_prefix(&pattern), &prefix[..]);
            let string = [&prefix[..], &tail[..]].concat();
            prop_assert_eq!(glob_match(&pattern, &string), !string.is_empty());
        }

        #[test]
        fn never_panics_on_arbitrary_bytes(
            pattern in prop::collection::vec(any::<u8>(), 0..40),
            string in prop::collection::vec(any::<u8>(), 0..40),
        ) {
            prop_assert_eq!(
                glob_match(&pattern, &string),
                redis_stringmatchlen(&pattern, &string)
            );
        }
    }
}

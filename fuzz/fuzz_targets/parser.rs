//! Feeds arbitrary bytes to the request parser, whole and split at a fuzzer-chosen point, and
//! checks that it never panics and that the split does not change the outcome.
#![no_main]

use bytes::BytesMut;
use herald::protocol::parser::{parse_command, ParseLimits, Parsed};
use libfuzzer_sys::fuzz_target;

fn run(chunks: &[&[u8]]) -> (Vec<Vec<bytes::Bytes>>, bool) {
    let limits = ParseLimits {
        max_bulk_len: 1024 * 1024,
        unauthenticated: false,
    };
    let mut buf = BytesMut::new();
    let mut cmds = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match parse_command(&mut buf, &limits) {
                Ok(Parsed::Command(args, _)) => cmds.push(args),
                Ok(Parsed::Incomplete { .. }) => break,
                Err(_) => return (cmds, true),
            }
        }
    }
    (cmds, false)
}

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let split = usize::from(data[0]) % data.len();
    let input = &data[1..];
    let split = split.min(input.len());
    let whole = run(&[input]);
    let parts = run(&[&input[..split], &input[split..]]);
    assert_eq!(whole, parts, "splitting the input changed the parse");
});

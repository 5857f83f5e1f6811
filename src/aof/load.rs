//! Reading an AOF: the parser shared by start-up loading and `herald-server --check-aof`, and
//! the replay of the commands through the real dispatcher as a client whose replies go nowhere
//! (Redis's `loadSingleAppendOnlyFile` with its fake client).
//!
//! A file that ends in the middle of a command, or inside a MULTI that never got its EXEC, is
//! *truncated*: with `aof-load-truncated yes` (the default) the complete part is loaded, a
//! warning is logged and the file is cut back to it; otherwise start-up fails. Anything else
//! that is not a RESP multibulk command is *corrupt*: start-up fails with the offset.

use super::AofError;
use crate::commands::{self, Ctx};
use crate::protocol::{Protocol, ReplyBuf};
use crate::server::client::ClientHandle;
use crate::server::connection::ConnState;
use crate::server::Shared;
use bytes::Bytes;
use std::path::Path;
use std::sync::Arc;

/// Where and why a file stops being a valid AOF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// It ends in the middle of a command (or in an open MULTI).
    Truncated,
    /// Something that is not a RESP multibulk command starts here.
    Corrupt(String),
}

/// The result of scanning a whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Bytes that form complete commands (and complete transactions): the length to truncate
    /// a damaged file to.
    pub ok_up_to: u64,
    /// Complete commands read.
    pub commands: u64,
    /// What went wrong, and at which offset; `None` for a valid file.
    pub problem: Option<(u64, Problem)>,
}

/// One step of the parser over `data` at `pos`.
enum Step {
    Command(Vec<Bytes>, usize),
    End,
    Bad(usize, Problem),
}

/// Reads a `<prefix><integer>\r\n` line at `pos`; returns the integer and the next position.
fn header(data: &[u8], pos: usize, prefix: u8, what: &str) -> Result<(i64, usize), Problem> {
    match data.get(pos) {
        None => return Err(Problem::Truncated),
        Some(&c) if c != prefix => {
            return Err(Problem::Corrupt(format!(
                "expected '{}' ({what}), got '{}'",
                prefix as char,
                (c as char).escape_default()
            )))
        }
        _ => {}
    }
    let rest = &data[pos + 1..];
    let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") else {
        // A line with no end: cut short, unless it already cannot be a number.
        let digits = rest.strip_suffix(b"\r").unwrap_or(rest);
        if digits.iter().all(|c| c.is_ascii_digit() || *c == b'-') && digits.len() < 20 {
            return Err(Problem::Truncated);
        }
        return Err(Problem::Corrupt(format!("invalid {what}")));
    };
    let n = crate::protocol::parser::parse_i64(&rest[..nl])
        .ok_or_else(|| Problem::Corrupt(format!("invalid {what}")))?;
    Ok((n, pos + 1 + nl + 2))
}

fn step(data: &Bytes, pos: usize) -> Step {
    if pos >= data.len() {
        return Step::End;
    }
    let (argc, mut p) = match header(data, pos, b'*', "multibulk count") {
        Ok(v) => v,
        Err(e) => return Step::Bad(pos, e),
    };
    if !(1..=1024 * 1024).contains(&argc) {
        return Step::Bad(pos, Problem::Corrupt("invalid multibulk count".into()));
    }
    let mut args = Vec::with_capacity(argc as usize);
    for _ in 0..argc {
        let (len, q) = match header(data, p, b'$', "bulk length") {
            Ok(v) => v,
            Err(e) => return Step::Bad(p, e),
        };
        if len < 0 {
            return Step::Bad(p, Problem::Corrupt("invalid bulk length".into()));
        }
        let end = q + len as usize;
        if end + 2 > data.len() {
            return Step::Bad(q, Problem::Truncated);
        }
        if &data[end..end + 2] != b"\r\n" {
            return Step::Bad(end, Problem::Corrupt("bulk not terminated by CRLF".into()));
        }
        args.push(data.slice(q..end));
        p = end + 2;
    }
    Step::Command(args, p)
}

/// A command of an open transaction, with its offset.
type Held = (Vec<Bytes>, usize);

/// Walks the file, calling `each` with every complete command (and its offset) that lies
/// outside an unterminated trailing MULTI; stops at the first problem.
fn walk(
    data: &Bytes,
    mut each: impl FnMut(Vec<Bytes>, usize) -> Result<(), AofError>,
) -> Result<Scan, AofError> {
    let mut pos = 0usize;
    let mut commands = 0u64;
    // Commands of an open MULTI are held back until its EXEC: a transaction is all or nothing.
    let mut multi: Option<(usize, Vec<Held>)> = None;
    loop {
        match step(data, pos) {
            Step::Command(args, next) => {
                commands += 1;
                let name = &args[0];
                if name.eq_ignore_ascii_case(b"MULTI") && multi.is_none() {
                    multi = Some((pos, vec![(args, pos)]));
                } else if let Some((_, held)) = multi.as_mut() {
                    let exec = name.eq_ignore_ascii_case(b"EXEC");
                    held.push((args, pos));
                    if exec {
                        if let Some((_, held)) = multi.take() {
                            for (a, at) in held {
                                each(a, at)?;
                            }
                        }
                    }
                } else {
                    each(args, pos)?;
                }
                pos = next;
            }
            Step::End => {
                return Ok(match multi {
                    None => Scan {
                        ok_up_to: pos as u64,
                        commands,
                        problem: None,
                    },
                    Some((start, _)) => Scan {
                        ok_up_to: start as u64,
                        commands,
                        problem: Some((pos as u64, Problem::Truncated)),
                    },
                });
            }
            Step::Bad(at, problem) => {
                let ok = multi.map_or(pos, |(start, _)| start);
                return Ok(Scan {
                    ok_up_to: ok as u64,
                    commands,
                    problem: Some((at as u64, problem)),
                });
            }
        }
    }
}

/// Checks a file without loading it (`--check-aof`).
pub fn check(data: &Bytes) -> Scan {
    walk(data, |_, _| Ok(())).unwrap_or(Scan {
        ok_up_to: 0,
        commands: 0,
        problem: Some((0, Problem::Corrupt("unreadable".into()))),
    })
}

fn read(path: &Path) -> Result<Bytes, AofError> {
    std::fs::read(path)
        .map(Bytes::from)
        .map_err(|source| AofError::Io {
            what: "can't read the append-only file",
            path: path.display().to_string(),
            source,
        })
}

/// Loads `path` into the keyspace by replaying it. A truncated tail is loaded up to the last
/// complete command and cut off when `load_truncated`; corruption is an error.
pub fn load(shared: &Arc<Shared>, path: &Path, load_truncated: bool) -> Result<(), AofError> {
    let started = std::time::Instant::now();
    let data = read(path)?;
    let shown = path.display().to_string();
    let fake_addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let handle = Arc::new(ClientHandle::new(0, fake_addr, fake_addr));
    let mut state = ConnState::new(handle, true, shared.acl.default_user());
    let mut out = ReplyBuf::new(Protocol::Resp2);
    let scan = walk(&data, |args, at| {
        if commands::resolve(&args).is_err() {
            return Err(AofError::UnknownCommand {
                name: String::from_utf8_lossy(&args[0]).into_owned(),
                path: shown.clone(),
                offset: at as u64,
            });
        }
        let mut ctx = Ctx {
            shared,
            conn: &mut state,
            out: &mut out,
        };
        commands::execute(&mut ctx, args);
        // A transaction's commands are replayed inside it; blocking forms never reach the
        // file, and a fake client never waits.
        state.blocked = None;
        out.take();
        Ok(())
    })?;
    match scan.problem {
        None => {}
        Some((offset, Problem::Corrupt(reason))) => {
            return Err(AofError::Corrupt {
                path: shown,
                offset,
                reason,
            })
        }
        Some((offset, Problem::Truncated)) => {
            if !load_truncated {
                return Err(AofError::Truncated {
                    path: shown,
                    offset,
                });
            }
            tracing::warn!(
                "!!! Warning: short read while loading the AOF file {shown} at offset {offset}!!!"
            );
            tracing::warn!(
                "AOF loaded anyway because aof-load-truncated is enabled; truncating it to {} bytes",
                scan.ok_up_to
            );
            let f = std::fs::File::options()
                .write(true)
                .open(path)
                .and_then(|f| f.set_len(scan.ok_up_to).and_then(|()| f.sync_all()));
            if let Err(source) = f {
                return Err(AofError::Io {
                    what: "can't truncate the append-only file",
                    path: shown,
                    source,
                });
            }
        }
    }
    tracing::info!(
        "DB loaded from append only file {shown}: {:.3} seconds ({} commands)",
        started.elapsed().as_secs_f64(),
        scan.commands
    );
    Ok(())
}

/// `herald-server --check-aof [--fix] FILE`: prints a report as `redis-check-aof` does and
/// returns whether the file is (now) valid.
pub fn check_file(path: &Path, fix: bool) -> Result<bool, AofError> {
    let data = read(path)?;
    let scan = check(&data);
    let size = data.len() as u64;
    println!(
        "AOF analyzed: filename={}, size={size}, ok_up_to={}, commands={}, diff={}",
        path.display(),
        scan.ok_up_to,
        scan.commands,
        size - scan.ok_up_to
    );
    let Some((offset, problem)) = scan.problem else {
        println!("AOF {} is valid", path.display());
        return Ok(true);
    };
    match problem {
        Problem::Truncated => println!(
            "AOF {} is truncated: unexpected end of file at offset {offset}",
            path.display()
        ),
        Problem::Corrupt(reason) => println!(
            "AOF {} has a format error at offset {offset}: {reason}",
            path.display()
        ),
    }
    if !fix {
        println!(
            "AOF {} is not valid. Use the --fix option to try fixing it.",
            path.display()
        );
        return Ok(false);
    }
    std::fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(scan.ok_up_to).and_then(|()| f.sync_all()))
        .map_err(|source| AofError::Io {
            what: "can't truncate",
            path: path.display().to_string(),
            source,
        })?;
    println!(
        "Successfully truncated AOF {} to {} bytes",
        path.display(),
        scan.ok_up_to
    );
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(cmds: &[Vec<Vec<u8>>]) -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        let mut ends = vec![0];
        for c in cmds {
            super::super::encode_command(&mut out, c);
            ends.push(out.len());
        }
        (out, ends)
    }

    proptest! {
        /// Every prefix of a valid file is valid (cut at a command boundary) or truncated, and
        /// its valid part ends at the last complete command: a torn write never looks like
        /// corruption.
        #[test]
        fn every_prefix_is_valid_or_truncated(
            cmds in prop::collection::vec(
                prop::collection::vec(prop::collection::vec(any::<u8>(), 0..20), 1..5),
                1..6,
            ),
            cut in any::<prop::sample::Index>(),
        ) {
            let (data, ends) = file(&cmds);
            let n = cut.index(data.len() + 1);
            let scan = check(&Bytes::copy_from_slice(&data[..n]));
            let last = *ends.iter().filter(|&&e| e <= n).max().unwrap_or(&0);
            prop_assert_eq!(scan.ok_up_to, last as u64);
            match scan.problem {
                None => prop_assert!(ends.contains(&n)),
                Some((_, p)) => prop_assert_eq!(p, Problem::Truncated),
            }
        }
    }

    #[test]
    fn a_transaction_without_exec_is_truncated_before_its_multi() {
        let (data, ends) = file(&[
            vec![b"SET".to_vec(), b"a".to_vec(), b"1".to_vec()],
            vec![b"MULTI".to_vec()],
            vec![b"SET".to_vec(), b"b".to_vec(), b"2".to_vec()],
        ]);
        let scan = check(&Bytes::from(data));
        assert_eq!(scan.ok_up_to, ends[1] as u64);
        assert_eq!(scan.problem.map(|p| p.1), Some(Problem::Truncated));
    }
}

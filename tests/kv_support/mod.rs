//! Shared helpers for the key-type integration tests: an in-process server and a raw RESP
//! client that reads exact reply bytes.
#![allow(dead_code)]

use herald::{Config, Server};
use redis::aio::MultiplexedConnection;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const TIMEOUT: Duration = Duration::from_secs(5);

pub struct Srv {
    pub port: u16,
    pub _server: Server,
}

pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Srv {
    let mut cfg = Config {
        port: 0,
        bind: vec!["127.0.0.1".into()],
        ..Config::default()
    };
    edit(&mut cfg);
    let server = Server::start(cfg).await.expect("server starts");
    Srv {
        port: server.port(),
        _server: server,
    }
}

pub async fn start() -> Srv {
    start_with(|_| {}).await
}

impl Srv {
    pub async fn conn(&self) -> MultiplexedConnection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}", self.port)).unwrap();
        tokio::time::timeout(TIMEOUT, client.get_multiplexed_async_connection())
            .await
            .expect("connect in time")
            .expect("connect")
    }

    pub async fn raw(&self) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        Raw {
            stream,
            buf: Vec::new(),
        }
    }
}

/// A client that sends commands and returns each reply's exact bytes.
pub struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// Length of the first complete RESP frame in `b`, if it is complete.
pub fn frame_len(b: &[u8]) -> Option<usize> {
    let line = b.windows(2).position(|w| w == b"\r\n")?;
    let head = *b.first()?;
    let pos = line + 2;
    let n = || -> i64 { std::str::from_utf8(&b[1..line]).unwrap().parse().unwrap() };
    match head {
        b'$' | b'=' | b'!' => {
            let n = n();
            if n < 0 {
                Some(pos)
            } else {
                let end = pos + n as usize + 2;
                (b.len() >= end).then_some(end)
            }
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = n();
            if n < 0 {
                return Some(pos);
            }
            let items = if matches!(head, b'%' | b'|') {
                2 * n
            } else {
                n
            };
            let mut p = pos;
            for _ in 0..items {
                p += frame_len(&b[p..])?;
            }
            Some(p)
        }
        _ => Some(pos),
    }
}

impl Raw {
    pub async fn call(&mut self, args: &[&[u8]]) -> String {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            out.extend_from_slice(a);
            out.extend_from_slice(b"\r\n");
        }
        self.stream.write_all(&out).await.unwrap();
        self.read().await
    }

    pub async fn cmd(&mut self, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.call(&args).await
    }

    pub async fn read(&mut self) -> String {
        loop {
            if let Some(n) = frame_len(&self.buf) {
                let frame: Vec<u8> = self.buf.drain(..n).collect();
                return String::from_utf8_lossy(&frame).into_owned();
            }
            let mut chunk = vec![0u8; 65536];
            let n = tokio::time::timeout(TIMEOUT, self.stream.read(&mut chunk))
                .await
                .expect("reply in time")
                .unwrap();
            assert!(n > 0, "connection closed");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

pub fn bulk(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

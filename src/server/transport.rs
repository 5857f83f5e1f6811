//! A client's byte stream: plain TCP, or TLS over TCP. The reader, the writer task and the
//! outbox use it through the same non-blocking calls they make on a socket (`readable`,
//! `try_read_buf`, `try_write_vectored`), so TLS fits the model where whichever thread filled a
//! client's outbox writes it, and the plain path stays a direct socket call behind one `match`.
//!
//! TLS: the rustls connection sits behind a mutex. A read pulls ciphertext from the socket,
//! decrypts it and hands over the plaintext. A write encrypts into rustls's bounded buffer and
//! sends the ciphertext; ciphertext the socket cannot take yet stays there and is sent first by
//! the next write or flush (by the writer task once the socket is writable), so bytes keep their
//! order and the unsent amount stays bounded (rustls's 64 KiB buffer limit; the outbox's limit
//! counts what has not entered it).

use bytes::BytesMut;
use rustls::ServerConnection;
use std::io::{self, IoSlice, Read, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::TcpStream;

/// See the module documentation.
#[derive(Debug)]
pub enum Transport {
    /// Plain TCP.
    Plain(TcpStream),
    /// TLS over TCP (boxed: the rustls session is large, the plain variant stays small).
    Tls(Box<TlsStream>),
}

/// A TLS session over a TCP socket.
#[derive(Debug)]
pub struct TlsStream {
    tcp: TcpStream,
    conn: Mutex<ServerConnection>,
}

/// `std::io` over a tokio socket's non-blocking calls, for rustls's `read_tls`/`write_tls`.
struct TryIo<'a>(&'a TcpStream);

impl Read for TryIo<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.try_read(buf)
    }
}

impl Write for TryIo<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.0.try_write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TlsStream {
    /// Starts a server-side TLS session on an accepted socket (the handshake runs as the
    /// connection's reader reads).
    pub fn new(tcp: TcpStream, config: Arc<rustls::ServerConfig>) -> io::Result<TlsStream> {
        let conn = ServerConnection::new(config).map_err(io::Error::other)?;
        Ok(TlsStream {
            tcp,
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, ServerConnection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends buffered ciphertext until none is left (`Ok`) or the socket is full.
    fn send_ciphertext(&self, conn: &mut ServerConnection) -> io::Result<()> {
        while conn.wants_write() {
            match conn.write_tls(&mut TryIo(&self.tcp)) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        let mut conn = self.lock();
        let eof = conn.read_tls(&mut TryIo(&self.tcp))? == 0;
        let state = match conn.process_new_packets() {
            Ok(state) => state,
            Err(e) => {
                // Tell the peer why (the alert rustls queued), then give up on the connection.
                let _ = self.send_ciphertext(&mut conn);
                return Err(io::Error::new(io::ErrorKind::InvalidData, e));
            }
        };
        let available = state.plaintext_bytes_to_read();
        let peer_closed = state.peer_has_closed();
        // Handshake messages (and the like) go out at once, in order with anything queued.
        match self.send_ciphertext(&mut conn) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        if available == 0 {
            return if eof || peer_closed {
                Ok(0)
            } else {
                // Ciphertext consumed but no plaintext yet (e.g. mid-handshake).
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let start = buf.len();
        buf.resize(start + available, 0);
        let n = match conn.reader().read(&mut buf[start..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
            Err(e) => {
                buf.truncate(start);
                return Err(e);
            }
        };
        buf.truncate(start + n);
        Ok(n)
    }

    fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut conn = self.lock();
        // Older ciphertext first; while the socket cannot take it, accept no new plaintext.
        self.send_ciphertext(&mut conn)?;
        let n = conn.writer().write_vectored(bufs)?;
        if n == 0 && bufs.iter().any(|b| !b.is_empty()) {
            // rustls's buffer is full (handshake still running): wait like a full socket.
            return Err(io::ErrorKind::WouldBlock.into());
        }
        match self.send_ciphertext(&mut conn) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        Ok(n)
    }
}

impl Transport {
    /// The TCP socket underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Transport::Plain(s) => s,
            Transport::Tls(t) => &t.tcp,
        }
    }

    /// True for a TLS connection.
    pub fn is_tls(&self) -> bool {
        matches!(self, Transport::Tls(_))
    }

    /// Waits until the socket may have bytes to read.
    pub async fn readable(&self) -> io::Result<()> {
        self.tcp().readable().await
    }

    /// Waits until the socket may take bytes.
    pub async fn writable(&self) -> io::Result<()> {
        self.tcp().writable().await
    }

    /// Appends what can be read now (plaintext, for TLS) to `buf`. `Ok(0)` is the end of the
    /// stream; `WouldBlock` means nothing to hand over yet.
    #[inline]
    pub fn try_read_buf(&self, buf: &mut BytesMut) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.try_read_buf(buf),
            Transport::Tls(t) => t.try_read_buf(buf),
        }
    }

    /// Writes what can be written now of `bufs`; returns how many of their bytes were taken.
    #[inline]
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Transport::Plain(s) => s.try_write_vectored(bufs),
            Transport::Tls(t) => t.try_write_vectored(bufs),
        }
    }

    /// Sends bytes the transport itself still holds (TLS ciphertext). `Ok` when nothing is left;
    /// `WouldBlock` while the socket is full. Always `Ok` for plain TCP.
    #[inline]
    pub fn flush_pending(&self) -> io::Result<()> {
        match self {
            Transport::Plain(_) => Ok(()),
            Transport::Tls(t) => t.send_ciphertext(&mut t.lock()),
        }
    }

    /// True if the transport holds bytes for the peer (TLS handshake or unsent ciphertext).
    pub fn wants_write(&self) -> bool {
        match self {
            Transport::Plain(_) => false,
            Transport::Tls(t) => t.lock().wants_write(),
        }
    }

    /// Ends the sending side: a TLS close_notify (best effort), then a TCP half-close.
    pub fn shutdown_write(&self) {
        if let Transport::Tls(t) = self {
            let mut conn = t.lock();
            conn.send_close_notify();
            let _ = t.send_ciphertext(&mut conn);
        }
        let _ = socket2::SockRef::from(self.tcp()).shutdown(std::net::Shutdown::Write);
    }
}

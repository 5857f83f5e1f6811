//! TLS on `tls-port`, next to the plain port: redis-rs over `rediss://` (with and without client
//! certificates), raw tokio-rustls clients for protocol versions and cipher suites,
//! `tls-auth-clients yes|no|optional`, certificate reload by CONFIG SET, and Pub/Sub fan-out of
//! large messages (partial TLS writes). Every certificate is generated here with rcgen.

mod common;

use common::*;
use futures_util::StreamExt;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use redis::{ClientTlsConfig, TlsCertificates};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls::{self, pki_types::ServerName};

/// A certificate authority that signs server and client certificates.
struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

/// A PEM certificate and its PEM private key.
struct Issued {
    cert: String,
    key: String,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("self-signed CA");
        Ca { cert, key }
    }

    fn pem(&self) -> String {
        self.cert.pem()
    }

    fn issue(&self, usage: ExtendedKeyUsagePurpose) -> Issued {
        let mut params =
            CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
                .expect("params");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("key");
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .expect("signed");
        Issued {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// PEM files for a server: its CA, certificate and key, and the CA client certificates must
/// chain to, in a fresh directory.
struct Files {
    dir: PathBuf,
}

impl Files {
    fn new(tag: &str) -> Files {
        let dir = std::env::temp_dir().join(format!(
            "herald-tls-{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Files { dir }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, text).expect("write PEM");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A port that was free a moment ago (the TLS listener's port cannot be 0, which means "off").
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Everything a TLS test needs: the server, its CA, a client certificate signed by it.
struct Setup {
    srv: TestServer,
    tls_port: u16,
    ca: Ca,
    client: Issued,
    files: Files,
}

async fn setup(auth: &str, extra: impl FnOnce(&mut herald::Config)) -> Setup {
    let ca = Ca::new("Herald test CA");
    let server_cert = ca.issue(ExtendedKeyUsagePurpose::ServerAuth);
    let client = ca.issue(ExtendedKeyUsagePurpose::ClientAuth);
    let files = Files::new(auth);
    let ca_file = files.write("ca.pem", &ca.pem());
    let cert_file = files.write("server.pem", &server_cert.cert);
    let key_file = files.write("server.key", &server_cert.key);
    let tls_port = free_port();
    let auth = herald::tls::AuthClients::parse(auth).expect("auth mode");
    let srv = start_with(|c| {
        c.tls.port = tls_port;
        c.tls.cert_file = cert_file;
        c.tls.key_file = key_file;
        c.tls.ca_cert_file = ca_file;
        c.tls.auth_clients = auth;
        extra(c);
    })
    .await;
    Setup {
        srv,
        tls_port,
        ca,
        client,
        files,
    }
}

impl Setup {
    fn url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.tls_port)
    }

    /// A redis-rs client trusting `ca_pem`, presenting `cert` if given.
    fn redis_client(&self, ca_pem: &str, cert: Option<&Issued>) -> redis::Client {
        redis::Client::build_with_tls(
            self.url(),
            TlsCertificates {
                client_tls: cert.map(|c| ClientTlsConfig {
                    client_cert: c.cert.clone().into_bytes(),
                    client_key: c.key.clone().into_bytes(),
                }),
                root_cert: Some(ca_pem.as_bytes().to_vec()),
            },
        )
        .expect("TLS client")
    }

    async fn connect(
        &self,
        ca_pem: &str,
        cert: Option<&Issued>,
    ) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
        let client = self.redis_client(ca_pem, cert);
        let mut conn = within("TLS connect", client.get_multiplexed_async_connection()).await?;
        // A refused client certificate shows up on the first exchange under TLS 1.3.
        let pong: String = within("PING", redis::cmd("PING").query_async(&mut conn)).await?;
        assert_eq!(pong, "PONG");
        Ok(conn)
    }

    /// The default client: trusts the CA, presents its certificate.
    async fn conn(&self) -> redis::aio::MultiplexedConnection {
        self.connect(&self.ca.pem(), Some(&self.client))
            .await
            .expect("TLS connection")
    }
}

/// A raw TLS client config: trusts `ca_pem`, presents `cert`, speaks only `versions` with only
/// `suites` (all when empty).
fn raw_config(
    ca_pem: &str,
    cert: Option<&Issued>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    suites: &[rustls::CipherSuite],
) -> Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut provider = rustls::crypto::ring::default_provider();
    if !suites.is_empty() {
        provider
            .cipher_suites
            .retain(|s| suites.contains(&s.suite()));
    }
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots);
    Arc::new(match cert {
        Some(c) => builder
            .with_client_auth_cert(
                vec![rustls::pki_types::CertificateDer::from_pem_slice(c.cert.as_bytes()).unwrap()],
                rustls::pki_types::PrivateKeyDer::from_pem_slice(c.key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    })
}

/// Connects with `config`, sends PING, and returns the reply bytes and the negotiated suite, or
/// the error that ended the attempt.
async fn raw_ping(
    port: u16,
    config: Arc<rustls::ClientConfig>,
) -> std::io::Result<(Vec<u8>, Option<rustls::CipherSuite>)> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = within(
        "TLS handshake",
        tokio_rustls::TlsConnector::from(config).connect(name, tcp),
    )
    .await?;
    tls.write_all(&resp(&["PING"])).await?;
    let mut reply = vec![0u8; 7];
    within("PONG", tls.read_exact(&mut reply)).await?;
    let suite = tls.get_ref().1.negotiated_cipher_suite().map(|s| s.suite());
    Ok((reply, suite))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_and_tls_ports_serve_side_by_side() {
    let s = setup("yes", |_| {}).await;
    let mut tls = s.conn().await;
    let mut plain = s.srv.conn().await;
    let _: () = redis::cmd("SET")
        .arg("k")
        .arg("over tls")
        .query_async(&mut tls)
        .await
        .unwrap();
    let v: String = redis::cmd("GET")
        .arg("k")
        .query_async(&mut plain)
        .await
        .unwrap();
    assert_eq!(v, "over tls");
    // A large value crosses many TLS records both ways.
    let big = "x".repeat(3 * 1024 * 1024 + 7);
    let _: () = redis::cmd("SET")
        .arg("big")
        .arg(&big)
        .query_async(&mut plain)
        .await
        .unwrap();
    let got: String = within(
        "GET big",
        redis::cmd("GET").arg("big").query_async(&mut tls),
    )
    .await
    .unwrap();
    assert_eq!(got, big);

    let port: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("tls-port")
        .query_async(&mut tls)
        .await
        .unwrap();
    assert_eq!(port, vec!["tls-port".to_string(), s.tls_port.to_string()]);
    // Over maxclients, a TLS client is refused (closed) like a plain one.
    let mut admin = s.srv.raw().await;
    let info = bulk_text(&admin.call(&["INFO", "clients"]).await);
    let clients = info_field(&info, "connected_clients").unwrap();
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "maxclients", &clients]).await,
        b"+OK\r\n",
    );
    assert!(s.connect(&s.ca.pem(), Some(&s.client)).await.is_err());
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "maxclients", "100"]).await,
        b"+OK\r\n",
    );
    s.connect(&s.ca.pem(), Some(&s.client)).await.unwrap();
    // Speaking plain RESP to the TLS port gets no reply, only a closed connection.
    let mut raw = Raw::connect(s.tls_port).await;
    raw.send(&resp(&["PING"])).await;
    let got = raw.read_to_eof().await;
    assert!(!got.starts_with(b"+PONG"), "{}", esc(&got));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_clients_yes_requires_a_certificate_from_the_ca() {
    let s = setup("yes", |_| {}).await;
    s.connect(&s.ca.pem(), Some(&s.client)).await.unwrap();
    assert!(s.connect(&s.ca.pem(), None).await.is_err());
    let stranger = Ca::new("Another CA").issue(ExtendedKeyUsagePurpose::ClientAuth);
    assert!(s.connect(&s.ca.pem(), Some(&stranger)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_clients_optional_verifies_a_presented_certificate() {
    let s = setup("optional", |_| {}).await;
    s.connect(&s.ca.pem(), None).await.unwrap();
    s.connect(&s.ca.pem(), Some(&s.client)).await.unwrap();
    let stranger = Ca::new("Another CA").issue(ExtendedKeyUsagePurpose::ClientAuth);
    assert!(s.connect(&s.ca.pem(), Some(&stranger)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_clients_no_asks_for_no_certificate() {
    let s = setup("no", |_| {}).await;
    s.connect(&s.ca.pem(), None).await.unwrap();
    let mut admin = s.srv.raw().await;
    assert_bytes(
        &admin.call(&["CONFIG", "GET", "tls-auth-clients"]).await,
        b"*2\r\n$16\r\ntls-auth-clients\r\n$2\r\nno\r\n",
    );
    // Switching to `yes` applies to new connections.
    assert_bytes(
        &admin
            .call(&["CONFIG", "SET", "tls-auth-clients", "yes"])
            .await,
        b"+OK\r\n",
    );
    assert!(s.connect(&s.ca.pem(), None).await.is_err());
    s.connect(&s.ca.pem(), Some(&s.client)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocols_and_ciphersuites_restrict_the_handshake() {
    use rustls::version::{TLS12, TLS13};
    let s = setup("no", |c| {
        c.tls.protocols = "TLSv1.3".into();
        c.tls.ciphersuites = "TLS_AES_256_GCM_SHA384".into();
    })
    .await;
    let ca = s.ca.pem();
    let (reply, suite) = raw_ping(s.tls_port, raw_config(&ca, None, &[&TLS13], &[]))
        .await
        .expect("TLS 1.3 handshake");
    assert_bytes(&reply, b"+PONG\r\n");
    assert_eq!(suite, Some(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384));
    assert!(raw_ping(s.tls_port, raw_config(&ca, None, &[&TLS12], &[]))
        .await
        .is_err());
    assert!(raw_ping(
        s.tls_port,
        raw_config(
            &ca,
            None,
            &[&TLS13],
            &[rustls::CipherSuite::TLS13_AES_128_GCM_SHA256]
        )
    )
    .await
    .is_err());

    // CONFIG SET opens TLS 1.2 for new connections.
    let mut admin = s.srv.raw().await;
    assert_bytes(
        &admin
            .call(&["CONFIG", "SET", "tls-protocols", "TLSv1.2 TLSv1.3"])
            .await,
        b"+OK\r\n",
    );
    let (reply, _) = raw_ping(s.tls_port, raw_config(&ca, None, &[&TLS12], &[]))
        .await
        .expect("TLS 1.2 handshake");
    assert_bytes(&reply, b"+PONG\r\n");
    // An unknown protocol is refused and changes nothing.
    assert_bytes(
        &admin
            .call(&["CONFIG", "SET", "tls-protocols", "TLSv1.1"])
            .await,
        b"-ERR CONFIG SET failed (possibly related to argument 'tls-protocols') - Unable to update TLS configuration. Check server logs.\r\n",
    );
    assert_bytes(
        &admin.call(&["CONFIG", "GET", "tls-protocols"]).await,
        b"*2\r\n$13\r\ntls-protocols\r\n$15\r\nTLSv1.2 TLSv1.3\r\n",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_reloads_the_certificate_for_new_connections() {
    let s = setup("no", |_| {}).await;
    let mut before = s.conn().await;
    // A second CA signs the replacement certificate.
    let ca2 = Ca::new("Rotated CA");
    let cert2 = ca2.issue(ExtendedKeyUsagePurpose::ServerAuth);
    let cert_file = s.files.write("server2.pem", &cert2.cert);
    let key_file = s.files.write("server2.key", &cert2.key);
    let mut admin = s.srv.raw().await;
    assert_bytes(
        &admin
            .call(&[
                "CONFIG",
                "SET",
                "tls-cert-file",
                &cert_file,
                "tls-key-file",
                &key_file,
            ])
            .await,
        b"+OK\r\n",
    );
    // New connections get the new certificate: trusted through the new CA only.
    s.connect(&ca2.pem(), None).await.unwrap();
    assert!(s.connect(&s.ca.pem(), None).await.is_err());
    // The connection made before keeps its session.
    let pong: String = redis::cmd("PING").query_async(&mut before).await.unwrap();
    assert_eq!(pong, "PONG");

    // A file that is not a certificate is refused; the previous settings stay.
    let junk = s.files.write("junk.pem", "not a certificate");
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "tls-cert-file", &junk]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - Unable to update TLS configuration. Check server logs.\r\n",
    );
    let got = admin.call(&["CONFIG", "GET", "tls-cert-file"]).await;
    assert!(
        got.ends_with(format!("{cert_file}\r\n").as_bytes()),
        "{}",
        esc(&got)
    );
    s.connect(&ca2.pem(), None).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pubsub_fans_out_large_messages_over_tls() {
    const SUBSCRIBERS: usize = 8;
    const MESSAGES: usize = 12;
    const SIZE: usize = 512 * 1024;
    let s = setup("yes", |_| {}).await;
    let mut readers = Vec::new();
    for i in 0..SUBSCRIBERS {
        let client = s.redis_client(&s.ca.pem(), Some(&s.client));
        let mut sub = within("TLS pubsub connect", client.get_async_pubsub())
            .await
            .expect("subscriber");
        sub.subscribe("big-news").await.expect("subscribe");
        readers.push(tokio::spawn(async move {
            let mut stream = sub.into_on_message();
            for n in 0..MESSAGES {
                // Odd subscribers read slowly, so the server meets full sockets mid-message.
                if i % 2 == 1 {
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
                let msg = within("message", stream.next()).await.expect("open");
                let payload: Vec<u8> = msg.get_payload().unwrap();
                assert_eq!(payload.len(), SIZE);
                assert!(payload.iter().all(|&b| b == b'a' + (n % 26) as u8));
            }
        }));
    }
    let mut publisher = s.conn().await;
    for n in 0..MESSAGES {
        let payload = vec![b'a' + (n % 26) as u8; SIZE];
        let receivers: usize = redis::cmd("PUBLISH")
            .arg("big-news")
            .arg(payload)
            .query_async(&mut publisher)
            .await
            .unwrap();
        assert_eq!(receivers, SUBSCRIBERS);
    }
    for r in readers {
        within("subscriber done", r).await.unwrap();
    }
}

/// True once nothing listens on `port` any more.
async fn port_closes(port: u16) {
    eventually("the old TLS port is closed", || async move {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_set_tls_port_moves_the_listener() {
    let s = setup("no", |_| {}).await;
    let old_port = s.tls_port;
    let mut before = s.conn().await;
    let mut admin = s.srv.raw().await;
    let new_port = free_port();
    assert_bytes(
        &admin
            .call(&["CONFIG", "SET", "tls-port", &new_port.to_string()])
            .await,
        b"+OK\r\n",
    );
    let moved = Setup {
        tls_port: new_port,
        ..s
    };
    moved.connect(&moved.ca.pem(), None).await.unwrap();
    // The old port stops accepting; the connection made there keeps working.
    port_closes(old_port).await;
    let pong: String = redis::cmd("PING").query_async(&mut before).await.unwrap();
    assert_eq!(pong, "PONG");
    // A port in use is refused and changes nothing.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "tls-port", &busy_port]).await,
        b"-ERR CONFIG SET failed (possibly related to argument 'tls-port') - Unable to listen on this port. Check server logs.\r\n",
    );
    moved.connect(&moved.ca.pem(), None).await.unwrap();
    assert_bytes(
        &admin.call(&["CONFIG", "GET", "tls-port"]).await,
        format!(
            "*2\r\n$8\r\ntls-port\r\n${}\r\n{new_port}\r\n",
            new_port.to_string().len()
        )
        .as_bytes(),
    );
    // 0 turns TLS off.
    assert_bytes(
        &admin.call(&["CONFIG", "SET", "tls-port", "0"]).await,
        b"+OK\r\n",
    );
    port_closes(new_port).await;
}

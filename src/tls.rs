//! TLS for `tls-port`: the `tls-*` directives, turning them into a rustls server configuration,
//! and the live configuration new TLS connections take (swapped by CONFIG SET, so certificates
//! can be rotated without a restart while existing connections keep theirs).
//!
//! Herald uses rustls with the ring provider; Redis's OpenSSL names for protocols and TLS 1.3
//! suites are mapped onto it.

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use std::sync::{Arc, RwLock};
use thiserror::Error;

/// `tls-auth-clients`: whether a TLS client must present a certificate signed by
/// `tls-ca-cert-file`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthClients {
    /// A verified client certificate is required (Redis's default).
    #[default]
    Yes,
    /// No client certificate is asked for.
    No,
    /// A client certificate is verified if one is presented.
    Optional,
}

impl AuthClients {
    /// Parses the directive's value as Redis does.
    pub fn parse(v: &str) -> Option<AuthClients> {
        match v.to_ascii_lowercase().as_str() {
            "yes" => Some(AuthClients::Yes),
            "no" => Some(AuthClients::No),
            "optional" => Some(AuthClients::Optional),
            _ => None,
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn name(self) -> &'static str {
        match self {
            AuthClients::Yes => "yes",
            AuthClients::No => "no",
            AuthClients::Optional => "optional",
        }
    }
}

/// The `tls-*` directives.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsSettings {
    /// `tls-port` (0 = no TLS listener).
    pub port: u16,
    /// `tls-cert-file`: the server's certificate chain (PEM).
    pub cert_file: String,
    /// `tls-key-file`: the server's private key (PEM).
    pub key_file: String,
    /// `tls-ca-cert-file`: CAs that client certificates must chain to (PEM).
    pub ca_cert_file: String,
    /// `tls-auth-clients`.
    pub auth_clients: AuthClients,
    /// `tls-protocols`: e.g. `"TLSv1.2 TLSv1.3"`; empty = both.
    pub protocols: String,
    /// `tls-ciphersuites`: TLS 1.3 suites, colon-separated OpenSSL names; empty = all.
    pub ciphersuites: String,
}

/// Why a TLS configuration could not be built.
#[derive(Debug, Error)]
pub enum TlsError {
    #[error("No tls-cert-file configured!")]
    NoCertFile,
    #[error("No tls-key-file configured!")]
    NoKeyFile,
    #[error(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"
    )]
    NoCaFile,
    #[error("Failed to load certificate: {path}: {reason}")]
    Certificate { path: String, reason: String },
    #[error("Failed to load private key: {path}: {reason}")]
    Key { path: String, reason: String },
    #[error("Failed to load CA certificate(s) file: {path}: {reason}")]
    Ca { path: String, reason: String },
    #[error("Unsupported TLS protocol '{0}' (supported: TLSv1.2 TLSv1.3)")]
    Protocol(String),
    #[error("No usable TLS 1.3 cipher suite in tls-ciphersuites '{0}'")]
    Ciphersuites(String),
    #[error("TLS configuration rejected: {0}")]
    Rustls(String),
}

/// The rustls configuration new TLS connections use; replaced as a whole by a reload.
#[derive(Debug, Default)]
pub struct TlsAcceptor {
    current: RwLock<Option<Arc<ServerConfig>>>,
}

impl TlsAcceptor {
    /// The configuration for a connection accepted now.
    pub fn current(&self) -> Option<Arc<ServerConfig>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Builds a configuration from `settings` and makes it the one new connections use. On
    /// error the previous configuration stays in force.
    pub fn reload(&self, settings: &TlsSettings) -> Result<(), TlsError> {
        let config = Arc::new(server_config(settings)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(config);
        Ok(())
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_certs(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if certs.is_empty() {
        return Err("no certificate found".into());
    }
    Ok(certs)
}

fn protocol_versions(spec: &str) -> Result<Vec<&'static SupportedProtocolVersion>, TlsError> {
    if spec.trim().is_empty() {
        return Ok(vec![&rustls::version::TLS12, &rustls::version::TLS13]);
    }
    let mut versions = Vec::new();
    for name in spec.split_ascii_whitespace() {
        let v = if name.eq_ignore_ascii_case("TLSv1.2") {
            &rustls::version::TLS12
        } else if name.eq_ignore_ascii_case("TLSv1.3") {
            &rustls::version::TLS13
        } else {
            return Err(TlsError::Protocol(name.to_string()));
        };
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    Ok(versions)
}

/// The ring provider with its TLS 1.3 suites narrowed to `tls-ciphersuites` (OpenSSL names such
/// as `TLS_AES_256_GCM_SHA384`); TLS 1.2 suites are kept.
fn provider_with_suites(spec: &str) -> Result<Arc<CryptoProvider>, TlsError> {
    let mut provider = (*provider()).clone();
    if spec.trim().is_empty() {
        return Ok(Arc::new(provider));
    }
    let wanted: Vec<String> = spec
        .split(':')
        .map(|s| s.trim().replacen("TLS_", "TLS13_", 1))
        .collect();
    let is_wanted = |s: &rustls::SupportedCipherSuite| {
        s.suite()
            .as_str()
            .is_some_and(|name| wanted.iter().any(|w| w == name))
    };
    if !provider.cipher_suites.iter().any(is_wanted) {
        return Err(TlsError::Ciphersuites(spec.to_string()));
    }
    provider
        .cipher_suites
        .retain(|s| s.tls13().is_none() || is_wanted(s));
    Ok(Arc::new(provider))
}

/// Builds the rustls server configuration the `tls-*` directives describe, loading the
/// certificate, key and CA files now.
pub fn server_config(settings: &TlsSettings) -> Result<ServerConfig, TlsError> {
    if settings.cert_file.is_empty() {
        return Err(TlsError::NoCertFile);
    }
    if settings.key_file.is_empty() {
        return Err(TlsError::NoKeyFile);
    }
    let chain = load_certs(&settings.cert_file).map_err(|reason| TlsError::Certificate {
        path: settings.cert_file.clone(),
        reason,
    })?;
    let key = PrivateKeyDer::from_pem_file(&settings.key_file).map_err(|e| TlsError::Key {
        path: settings.key_file.clone(),
        reason: e.to_string(),
    })?;
    let provider = provider_with_suites(&settings.ciphersuites)?;
    let versions = protocol_versions(&settings.protocols)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions)
        .map_err(|e| TlsError::Rustls(e.to_string()))?;
    let builder = match settings.auth_clients {
        AuthClients::No => builder.with_no_client_auth(),
        auth => {
            if settings.ca_cert_file.is_empty() {
                return Err(TlsError::NoCaFile);
            }
            let ca_error = |reason: String| TlsError::Ca {
                path: settings.ca_cert_file.clone(),
                reason,
            };
            let mut roots = RootCertStore::empty();
            for cert in load_certs(&settings.ca_cert_file).map_err(ca_error)? {
                roots.add(cert).map_err(|e| ca_error(e.to_string()))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if auth == AuthClients::Optional {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            builder.with_client_cert_verifier(
                verifier
                    .build()
                    .map_err(|e| TlsError::Rustls(e.to_string()))?,
            )
        }
    };
    builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Rustls(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_map_to_rustls_versions() {
        assert_eq!(protocol_versions("").unwrap().len(), 2);
        assert_eq!(
            protocol_versions("TLSv1.3").unwrap(),
            vec![&rustls::version::TLS13]
        );
        assert_eq!(protocol_versions("tlsv1.2 TLSv1.3").unwrap().len(), 2);
        assert!(matches!(
            protocol_versions("TLSv1.1"),
            Err(TlsError::Protocol(p)) if p == "TLSv1.1"
        ));
    }

    #[test]
    fn ciphersuites_keep_only_the_named_tls13_suites() {
        let p = provider_with_suites("TLS_AES_256_GCM_SHA384").unwrap();
        let tls13: Vec<_> = p
            .cipher_suites
            .iter()
            .filter(|s| s.tls13().is_some())
            .map(|s| s.suite())
            .collect();
        assert_eq!(tls13, vec![rustls::CipherSuite::TLS13_AES_256_GCM_SHA384]);
        assert!(p.cipher_suites.iter().any(|s| s.tls13().is_none()));
        assert!(provider_with_suites("TLS_NOPE").is_err());
    }

    #[test]
    fn missing_files_are_reported() {
        let mut s = TlsSettings::default();
        assert!(matches!(server_config(&s), Err(TlsError::NoCertFile)));
        s.cert_file = "/nonexistent/cert.pem".into();
        s.key_file = "/nonexistent/key.pem".into();
        assert!(matches!(
            server_config(&s),
            Err(TlsError::Certificate { .. })
        ));
    }
}

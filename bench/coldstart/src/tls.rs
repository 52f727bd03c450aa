//! A TLS front for moto, so that a function under test pays the handshakes it pays against AWS,
//! and no more: a throwaway certificate authority made for one run (root → intermediate → a leaf
//! for `localhost` and 127.0.0.1, ECDSA P-256, the chain sent as AWS endpoints send theirs), an
//! HTTP/1.1 server on 127.0.0.1 that terminates TLS and keeps connections alive as AWS endpoints do
//! (moto closes its connection after every answer, which would cost a handshake per request), each
//! request passed on to moto; and a trust bundle for `SSL_CERT_FILE`: the system's roots *and*
//! the throwaway root, so that a function that reads its roots from there parses as many as it
//! would in Lambda, where the bundle holds about 140.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use http::{Request, Response, Uri, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// Where distributions keep their bundle of trusted roots (Debian and Ubuntu; Amazon Linux,
/// Fedora and RHEL; Alpine and others).
const SYSTEM_BUNDLES: [&str; 3] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/// Something about the certificates or the listener failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Making a certificate.
    #[error("cannot make the throwaway certificates: {0}")]
    Certificate(#[from] rcgen::Error),
    /// The server configuration.
    #[error("cannot configure the TLS front: {0}")]
    Config(#[from] rustls::Error),
    /// The operating system's.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A certificate authority for one run, and the server certificate it issued.
#[derive(Debug)]
pub struct ThrowawayCa {
    /// The root, PEM: what a client must trust.
    pub root_pem: String,
    /// Leaf, then intermediate.
    chain: Vec<CertificateDer<'static>>,
    /// The leaf's key, PKCS#8 DER.
    leaf_key: Vec<u8>,
}

impl ThrowawayCa {
    /// A fresh root, intermediate and leaf (`localhost`, `127.0.0.1`).
    pub fn new() -> Result<ThrowawayCa, TlsError> {
        let root_key = KeyPair::generate()?;
        let root_params = authority("hookway-coldstart throwaway root")?;
        let root = root_params.self_signed(&root_key)?;
        let root_issuer = Issuer::new(root_params, root_key);

        let intermediate_key = KeyPair::generate()?;
        let mut intermediate_params = authority("hookway-coldstart throwaway intermediate")?;
        intermediate_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        let intermediate = intermediate_params.signed_by(&intermediate_key, &root_issuer)?;
        let intermediate_issuer = Issuer::new(intermediate_params, intermediate_key);

        let leaf_key = KeyPair::generate()?;
        let mut leaf_params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])?;
        leaf_params.distinguished_name.push(DnType::CommonName, "localhost");
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.key_usages.push(KeyUsagePurpose::DigitalSignature);
        leaf_params.extended_key_usages.push(ExtendedKeyUsagePurpose::ServerAuth);
        let leaf = leaf_params.signed_by(&leaf_key, &intermediate_issuer)?;

        Ok(ThrowawayCa {
            root_pem: root.pem(),
            chain: vec![leaf.der().clone(), intermediate.der().clone()],
            leaf_key: leaf_key.serialize_der(),
        })
    }

    /// Writes `dir/trust.pem`, the system's roots followed by this root, and returns its path and
    /// how many certificates it holds.
    pub fn trust_bundle(&self, dir: &Path) -> std::io::Result<(PathBuf, usize)> {
        let system = SYSTEM_BUNDLES.iter().find_map(|path| std::fs::read_to_string(path).ok()).unwrap_or_default();
        let mut bundle = system;
        if !bundle.is_empty() && !bundle.ends_with('\n') {
            bundle.push('\n');
        }
        bundle.push_str(&self.root_pem);
        let path = dir.join("trust.pem");
        std::fs::write(&path, &bundle)?;
        Ok((path, bundle.matches("-----BEGIN CERTIFICATE-----").count()))
    }
}

fn authority(name: &str) -> Result<CertificateParams, rcgen::Error> {
    let mut params = CertificateParams::new(Vec::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages.extend([KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign]);
    Ok(params)
}

/// The TLS front, stopped on drop.
#[derive(Debug)]
pub struct TlsFront {
    /// `https://localhost:<port>`.
    pub endpoint: String,
    task: JoinHandle<()>,
}

impl TlsFront {
    /// Listens on a free 127.0.0.1 port, serving `ca`'s leaf, and passes each request to `target`.
    pub async fn start(ca: &ThrowawayCa, target: SocketAddr) -> Result<TlsFront, TlsError> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ca.leaf_key.clone()));
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(ca.chain.clone(), key)?;
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("https://localhost:{}", listener.local_addr()?.port());
        let upstream = Client::builder(TokioExecutor::new()).build(HttpConnector::new());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(acceptor.clone(), stream, upstream.clone(), target));
            }
        });
        Ok(TlsFront { endpoint, task })
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One connection: the handshake, then its requests, one after another, until the client closes it.
async fn serve(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    upstream: Client<HttpConnector, Incoming>,
    target: SocketAddr,
) {
    let _ = stream.set_nodelay(true);
    let Ok(tls) = acceptor.accept(stream).await else { return };
    let service = service_fn(move |request| forward(request, upstream.clone(), target));
    let _ = http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
}

/// Passes a request to the target as it came, and its answer back without the target's
/// `Connection: close`.
async fn forward(
    mut request: Request<Incoming>,
    upstream: Client<HttpConnector, Incoming>,
    target: SocketAddr,
) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
    let path = request.uri().path_and_query().map_or("/", |path| path.as_str());
    if let Ok(uri) = format!("http://{target}{path}").parse::<Uri>() {
        *request.uri_mut() = uri;
    }
    let mut response = upstream.request(request).await?;
    response.headers_mut().remove(header::CONNECTION);
    Ok(response)
}

//! Plays an MSK cluster's IAM listener (port 9098) in front of the local plaintext broker: TLS
//! with the local CA's certificate, then SASL/OAUTHBEARER with an MSK IAM token (checked as MSK
//! checks it: [`token`]) before any other request reaches the broker. A client that speaks
//! plaintext, offers another mechanism, sends a request before authenticating, or presents a
//! token that is expired, altered or signed by another key is disconnected. After
//! authentication the connection is passed through to the broker byte for byte.
//!
//! The broker advertises this listener's address, so every connection a client makes (bootstrap,
//! then each broker it is told about) comes through here. MSK also authorizes each action
//! (`kafka-cluster:WriteData`, ...) by IAM policy; that part is the template's, not played here.

pub mod token;
pub mod wire;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use crate::token::Verifier;
use crate::wire::*;

/// A client must have authenticated this long after connecting.
const AUTHENTICATE_WITHIN: Duration = Duration::from_secs(10);
/// The largest request read before authentication (an IAM token is about 1.5 KB).
const MAX_REQUEST: usize = 64 * 1024;
/// The largest `ApiVersions` answer accepted from the broker.
const MAX_ANSWER: usize = 1024 * 1024;

/// The TLS server configuration of a certificate chain and key (PEM files).
pub fn tls(cert: &str, key: &str) -> anyhow::Result<Arc<ServerConfig>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let chain = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading {cert}"))?
        .collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading {key}"))?;
    Ok(Arc::new(ServerConfig::builder().with_no_client_auth().with_single_cert(chain, key)?))
}

/// Accepts clients on `listener` for ever, each on its own task, in front of `broker`.
pub async fn serve(
    listener: TcpListener,
    broker: String,
    tls: Arc<ServerConfig>,
    verifier: Arc<Verifier>,
) -> anyhow::Result<()> {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let (tcp, peer) = listener.accept().await?;
        let (acceptor, broker, verifier) = (acceptor.clone(), broker.clone(), verifier.clone());
        tokio::spawn(async move {
            let _ = tcp.set_nodelay(true);
            let client = match tokio::time::timeout(AUTHENTICATE_WITHIN, acceptor.accept(tcp)).await
            {
                Ok(Ok(client)) => client,
                Ok(Err(e)) => return tracing::info!(%peer, error = %e, "refused: no TLS"),
                Err(_) => return tracing::info!(%peer, "refused: no TLS handshake in time"),
            };
            if let Err(e) = connection(client, peer, &broker, &verifier).await {
                tracing::info!(%peer, error = %e, "connection closed");
            }
        });
    }
}

/// One client: authenticate, then pass through.
async fn connection<S: AsyncRead + AsyncWrite + Unpin>(
    mut client: S,
    peer: std::net::SocketAddr,
    broker: &str,
    verifier: &Verifier,
) -> anyhow::Result<()> {
    let mut upstream = TcpStream::connect(broker).await.context("reaching the broker")?;
    upstream.set_nodelay(true)?;
    let principal = tokio::time::timeout(
        AUTHENTICATE_WITHIN,
        authenticate(&mut client, &mut upstream, verifier),
    )
    .await
    .map_err(|_| anyhow::anyhow!("refused: not authenticated in time"))??;
    tracing::info!(%peer, principal, "authenticated");
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// The SASL exchange: `ApiVersions` (forwarded, amended), `SaslHandshake` for OAUTHBEARER,
/// `SaslAuthenticate` with a valid token. Returns the token's access key id.
async fn authenticate<S: AsyncRead + AsyncWrite + Unpin>(
    client: &mut S,
    upstream: &mut TcpStream,
    verifier: &Verifier,
) -> anyhow::Result<String> {
    let mut agreed = false;
    loop {
        let request = read_frame(client, MAX_REQUEST).await?;
        let h = header(&request).context("refused: malformed request header")?;
        let body = &request[h.body..];
        match h.api_key {
            API_VERSIONS => {
                write_frame(upstream, &request).await?;
                let answer = read_frame(upstream, MAX_ANSWER).await?;
                write_frame(client, &amend_api_versions(&answer, h.api_version)).await?;
            }
            SASL_HANDSHAKE if h.api_version <= 1 => {
                agreed = handshake_mechanism(body) == Some(MECHANISM);
                let error = if agreed { 0 } else { UNSUPPORTED_SASL_MECHANISM };
                client.write_all(&handshake_response(h.correlation_id, error)).await?;
                anyhow::ensure!(agreed, "refused: mechanism {:?}", handshake_mechanism(body));
            }
            SASL_AUTHENTICATE if agreed && h.api_version <= 1 => {
                let token = authenticate_bytes(body).and_then(token::bearer);
                let verdict = token
                    .ok_or_else(|| "no OAUTHBEARER token".to_string())
                    .and_then(|t| verifier.verify(t, SystemTime::now()));
                let answer = match &verdict {
                    Ok(_) => authenticate_response(h.correlation_id, h.api_version, 0, None),
                    Err(why) => authenticate_response(
                        h.correlation_id,
                        h.api_version,
                        SASL_AUTHENTICATION_FAILED,
                        Some(&format!("Access denied: {why}")),
                    ),
                };
                client.write_all(&answer).await?;
                client.flush().await?;
                return verdict.map_err(|why| anyhow::anyhow!("refused: {why}"));
            }
            key => anyhow::bail!("refused: request {key} v{} before authentication", h.api_version),
        }
        client.flush().await?;
    }
}

/// One size-prefixed frame, without its prefix; at most `max` bytes.
async fn read_frame<S: AsyncRead + Unpin>(from: &mut S, max: usize) -> anyhow::Result<Vec<u8>> {
    let size = from.read_i32().await?;
    let size = usize::try_from(size).ok().filter(|s| *s <= max).context("refused: frame size")?;
    let mut frame = vec![0; size];
    from.read_exact(&mut frame).await?;
    Ok(frame)
}

/// `frame` with its size prefix.
async fn write_frame<S: AsyncWrite + Unpin>(to: &mut S, frame: &[u8]) -> anyhow::Result<()> {
    to.write_all(&(frame.len() as i32).to_be_bytes()).await?;
    to.write_all(frame).await?;
    Ok(())
}

//! Posting JSON to a Slack incoming webhook: hyper's client over rustls
//! (ring, with the Mozilla roots: no system certificate store needed), one
//! shared connection pool, a hard timeout per post.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use std::sync::LazyLock;
use std::time::Duration;

/// How long one post may take, connection included.
pub const TIMEOUT: Duration = Duration::from_secs(10);

type Https = hyper_rustls::HttpsConnector<HttpConnector>;

static CLIENT: LazyLock<Client<Https, Full<Bytes>>> = LazyLock::new(|| {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(https)
});

/// Posts `json` to `url`. The error says exactly what went wrong, in words
/// for the person who pasted the URL: "HTTP 404", "timed out after 10 s",
/// or the connection failure.
pub async fn post_json(url: &str, json: String) -> Result<(), String> {
    let req = http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::USER_AGENT, "Tessera")
        .body(Full::new(Bytes::from(json)))
        .map_err(|_| "not a valid URL".to_string())?;
    match tokio::time::timeout(TIMEOUT, CLIENT.request(req)).await {
        Err(_) => Err(format!("timed out after {} s", TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(connection_error(&e)),
        Ok(Ok(res)) if res.status().is_success() => Ok(()),
        Ok(Ok(res)) => Err(format!("HTTP {}", res.status().as_u16())),
    }
}

/// Whether a failure of [`post_json`] means the webhook is gone for good
/// (Slack answers 403, 404 or 410 for revoked tokens, deleted or archived
/// channels), not worth retrying.
pub fn is_permanent(error: &str) -> bool {
    matches!(error, "HTTP 403" | "HTTP 404" | "HTTP 410")
}

/// The innermost cause of a failed connection ("Connection refused",
/// "invalid peer certificate: …"), without the client's wrapper text.
fn connection_error(e: &hyper_util::client::legacy::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    format!("could not connect: {cause}")
}

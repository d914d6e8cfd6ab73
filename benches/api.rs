//! `make bench`: requests per second of token-authenticated `GET /api/v1/me`
//! against a bare handler (`GET /healthz`) in the same server, side by side,
//! with a keep-alive load generator on loopback. Budget: at least 0.6×.
//!
//! Also: sign-in latency (p50 of `POST /api/login`) against one Argon2
//! verification; budget at most 1.2×. And whole signed-in page renders
//! (`/settings/profile`, `/settings/tokens`, with a session cookie, asked again
//! as a reload or a second tab does) against the same bare handler; budget at
//! least 0.2×. The same pages from a server that keeps none are printed beside
//! them, without a budget.
//!
//! On SQLite, or on the database `TESSERA_BENCH_DATABASE_URL` names.
//!
//! Not a test: timings depend on the machine. It prints the numbers and exits
//! non-zero when a budget is missed.

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera::server::api::token;
use tessera::server::db::{self, api_tokens};
use tessera::server::infra::state::AppState;

const CONNECTIONS: usize = 32;
const SECONDS: u64 = 5;
const BUDGET: f64 = 0.6;
const SIGN_IN_BUDGET: f64 = 1.2;
const PAGE_BUDGET: f64 = 0.2;
const SIGN_INS: usize = 15;
const PASSWORD: &str = "bench-Horse-42";

mod common;

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site").display().to_string();
    let (config, engine) = common::config(dir.path(), &[("TESSERA_SITE_DIR", site.clone())]);
    // A second server on the same database that renders every page (for
    // context: what a page costs when it is not kept).
    let (rendering, _) = common::config(
        dir.path(),
        &[
            ("TESSERA_SITE_DIR", site),
            ("TESSERA_PAGE_CACHE_SECONDS", "0".to_string()),
        ],
    );
    println!("engine: {engine}");
    // As `tessera serve` opens it.
    let pool = db::connect_with(&config.database_url, db::Connections::Ahead)
        .await
        .expect("database");
    let state = AppState::new(config, pool.clone()).expect("state");
    let rendering = AppState::new(rendering, pool).expect("state");
    let user = tessera::server::auth::create_user(
        &state,
        "bench",
        "bench@example.org",
        tessera::model::Role::User,
        tessera::model::AccountSource::Local,
        Some(&tessera::server::auth::password::Password::new(PASSWORD)),
    )
    .await
    .expect("user");
    let value = token::generate();
    api_tokens::insert(
        &state.db,
        &api_tokens::NewToken {
            user_id: &user.id,
            name: "bench",
            shown: &token::shown_part(&value),
            digest: &token::digest(&value),
            scope: tessera::model::TokenScope::Read,
            allowed_ips: "127.0.0.0/8",
            expires_at: db::now() + 86_400,
        },
    )
    .await
    .expect("token");

    let addr = serve(&state).await;
    let rendering_addr = serve(&rendering).await;

    let auth = Some(("authorization", format!("Bearer {value}")));
    // Warm up both paths, then alternate so drift hits both equally.
    load(addr, "/healthz", None, 1).await;
    load(addr, "/api/v1/me", auth.clone(), 1).await;
    let mut bare = 0.0;
    let mut token_rps = 0.0;
    // For context: a handler doing one trivial database query.
    let one_query = load(addr, "/readyz", None, SECONDS).await;
    println!("one DB query   GET /readyz      {one_query:>10.0} req/s");
    for _ in 0..2 {
        bare += load(addr, "/healthz", None, SECONDS).await;
        token_rps += load(addr, "/api/v1/me", auth.clone(), SECONDS).await;
    }
    bare /= 2.0;
    token_rps /= 2.0;
    let ratio = token_rps / bare;
    println!("bare handler   GET /healthz     {bare:>10.0} req/s");
    println!("token auth     GET /api/v1/me   {token_rps:>10.0} req/s");
    println!("ratio {ratio:.2} (budget ≥ {BUDGET}) with {CONNECTIONS} keep-alive connections, {SECONDS} s × 2 each");
    let flushed = state.last_used.flush(&state.db).await;
    println!("last-used marks written after the run: {flushed} (not one per request)");

    let sign_in = sign_in_ratio(&state, addr, &user).await;
    let pages = page_ratios(addr, rendering_addr).await;
    let mut failed = false;
    if pages < PAGE_BUDGET {
        eprintln!("signed-in pages are below {PAGE_BUDGET}× the bare handler");
        failed = true;
    }
    if ratio < BUDGET {
        eprintln!("token-authenticated requests are below {BUDGET}× the bare handler");
        failed = true;
    }
    if sign_in > SIGN_IN_BUDGET {
        eprintln!("sign-in p50 is above {SIGN_IN_BUDGET}× one Argon2 verification");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

fn p50(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// p50 of a whole sign-in over HTTP divided by p50 of one Argon2 verification.
async fn sign_in_ratio(
    state: &AppState,
    addr: SocketAddr,
    user: &tessera::server::db::users::UserRow,
) -> f64 {
    use tessera::server::auth::password::Password;
    let hash = user.password_hash.clone().expect("hash");
    let password = Password::new(PASSWORD);
    let mut verify = Vec::new();
    for _ in 0..SIGN_INS {
        let t = Instant::now();
        let v = state
            .hasher
            .verify(&password, Some(&hash))
            .await
            .expect("verify");
        assert!(v.ok);
        verify.push(t.elapsed());
    }
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let mut sign_in = Vec::new();
    for _ in 0..SIGN_INS {
        let req = sign_in_request();
        let t = Instant::now();
        // The previous exchange must be finished before the next request.
        sender.ready().await.expect("connection ready");
        let res = sender.send_request(req).await.expect("response");
        assert_eq!(res.status(), 200, "sign-in");
        res.into_body().collect().await.expect("body");
        sign_in.push(t.elapsed());
    }
    let (v, s) = (p50(verify), p50(sign_in));
    let ratio = s.as_secs_f64() / v.as_secs_f64();
    println!("argon2 verify  p50 {:>8.1} ms", v.as_secs_f64() * 1000.0);
    println!(
        "sign-in        p50 {:>8.1} ms   ratio {ratio:.2} (budget ≤ {SIGN_IN_BUDGET})",
        s.as_secs_f64() * 1000.0
    );
    ratio
}

/// The app on a port of its own.
async fn serve(state: &AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = tessera::server::app(state.clone());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    addr
}

/// Whole pages per second (the sign-in page; two settings pages with a
/// session, as a browser asks for them again: a reload, a second tab) against
/// the bare handler, measured in turn. Returns the lowest signed-in ratio.
/// The signed-in pages are measured again on `rendering`, a server that keeps
/// no page, for context (printed, no budget).
async fn page_ratios(addr: SocketAddr, rendering: SocketAddr) -> f64 {
    let cookie = Some(("cookie", sign_in_cookie(addr).await));
    let pages = [
        ("/login", None),
        ("/settings/profile", cookie.clone()),
        ("/settings/tokens", cookie),
    ];
    for (path, header) in &pages {
        load(addr, path, header.clone(), 1).await;
    }
    let mut lowest = f64::MAX;
    for (path, header) in pages {
        let bare = load(addr, "/healthz", None, SECONDS).await;
        let rps = load(addr, path, header.clone(), SECONDS).await;
        let ratio = rps / bare;
        println!("page           GET {path:<18} {rps:>8.0} req/s  ratio {ratio:.2} to {bare:.0} (budget ≥ {PAGE_BUDGET} when signed in)");
        if header.is_some() {
            lowest = lowest.min(ratio);
            let bare = load(addr, "/healthz", None, SECONDS).await;
            let rps = load(rendering, path, header.clone(), SECONDS).await;
            let ratio = rps / bare;
            println!("  rendered every time {path:<18} {rps:>6.0} req/s  ratio {ratio:.2} to {bare:.0} (no page kept; for context)");
        }
    }
    lowest
}

/// `POST /api/login` as the bench user.
fn sign_in_request() -> Request<http_body_util::Full<Bytes>> {
    Request::post("/api/login")
        .header("host", "127.0.0.1")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(http_body_util::Full::new(Bytes::from(format!(
            "login=bench&password={PASSWORD}"
        ))))
        .expect("request")
}

/// Signs in once and returns the session cookie (`name=value`).
async fn sign_in_cookie(addr: SocketAddr) -> String {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let res = sender
        .send_request(sign_in_request())
        .await
        .expect("response");
    assert_eq!(res.status(), 200, "sign-in");
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.split_once('=').is_some_and(|(_, v)| !v.is_empty()))
        .expect("a session cookie")
        .to_string()
}

/// Requests per second over `seconds` from `CONNECTIONS` keep-alive connections,
/// each request with `header` when given.
async fn load(
    addr: SocketAddr,
    path: &'static str,
    header: Option<(&'static str, String)>,
    seconds: u64,
) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let done = done.clone();
        let header = header.clone();
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .expect("handshake");
            tokio::spawn(conn);
            while Instant::now() < deadline {
                let mut req = Request::get(path).header("host", "127.0.0.1");
                if let Some((name, value)) = &header {
                    req = req.header(*name, value.as_str());
                }
                sender.ready().await.expect("connection ready");
                let res = sender
                    .send_request(req.body(Empty::<Bytes>::new()).expect("request"))
                    .await
                    .expect("response");
                assert_eq!(res.status(), 200, "{path}");
                res.into_body().collect().await.expect("body");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("load task");
    }
    done.load(Ordering::Relaxed) as f64 / seconds as f64
}

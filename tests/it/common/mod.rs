//! A real Tessera router over a real SQLite database in a temporary directory.
#![allow(dead_code)]

pub mod hook;
pub mod smtp;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tessera::model::{AccountSource, Role};
use tessera::server::auth::{self, password::Password};
use tessera::server::infra::config::Config;
use tessera::server::{db, infra::state::AppState};
use tower::ServiceExt;

pub const ORIGIN: &str = "http://localhost:3000";

/// One multi-threaded runtime that serves every test's requests, as the real server
/// has one (each `#[tokio::test]` has a small runtime of its own). Tests still send
/// requests concurrently. (The pages that now and then never finished were not
/// about runtimes: see `ROUTES` in `server/infra/router.rs`.)
static SERVER_RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> =
    std::sync::LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("test server runtime")
    });

/// `req` as the server sees it coming from `ip` (axum's `ConnectInfo`).
fn from_peer(mut req: Request<Body>, ip: &str) -> Request<Body> {
    let peer = SocketAddr::new(ip.parse().expect("ip address"), 40000);
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
    /// The body as sent (compressed, when it was).
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The script nonce this page's CSP header allows.
    pub fn csp_nonce(&self) -> String {
        self.headers
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .and_then(|csp| csp.split("'nonce-").nth(1))
            .and_then(|rest| rest.split('\'').next())
            .expect("a CSP header with a nonce")
            .to_string()
    }

    /// The session cookie value this reply sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.contains("tessera_session=") && !c.contains("Max-Age=0"))
            .and_then(|c| c.split(';').next())
            .and_then(|kv| kv.split_once('='))
            .map(|(_, v)| v.to_string())
    }
}

impl TestApp {
    /// The signed-in user as every page loads them (`GET /api/me`).
    pub async fn me(&self, session: &str) -> serde_json::Value {
        let r = self.get("/api/me", Some(session), "application/json").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_str(&r.body).expect("json")
    }

    pub async fn new() -> TestApp {
        Self::with_env(&[]).await
    }

    pub async fn with_env(extra: &[(&str, &str)]) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env: BTreeMap<String, String> = BTreeMap::new();
        env.insert("TESSERA_DATA_DIR".into(), dir.path().display().to_string());
        env.insert(
            "TESSERA_SITE_DIR".into(),
            dir.path().join("site").display().to_string(),
        );
        if let Some(url) = fresh_postgres_database().await {
            env.insert("TESSERA_DATABASE_URL".into(), url);
        }
        for (k, v) in extra {
            env.insert((*k).into(), (*v).into());
        }
        let config = Config::from_sources("", &env).expect("config");
        let pool = db::connect(&config.database_url).await.expect("database");
        let state = AppState::new(config, pool).expect("state");
        let router = tessera::server::app(state.clone());
        TestApp {
            state,
            router,
            _dir: dir,
        }
    }

    pub async fn create_user(&self, username: &str, password: &str) -> db::users::UserRow {
        auth::create_user(
            &self.state,
            username,
            &format!("{username}@example.org"),
            Role::User,
            AccountSource::Local,
            Some(&Password::new(password)),
        )
        .await
        .expect("create user")
    }

    /// An account whose directory (LDAP, SSO) owns it, with a password.
    pub async fn create_external_user(&self, username: &str, password: &str) -> db::users::UserRow {
        auth::create_user(
            &self.state,
            username,
            &format!("{username}@example.org"),
            Role::User,
            AccountSource::External,
            Some(&Password::new(password)),
        )
        .await
        .expect("create external user")
    }

    /// Sends a request from 127.0.0.1 (or the address in `from`).
    pub async fn send(&self, req: Request<Body>, from: Option<&str>) -> Reply {
        let req = from_peer(req, from.unwrap_or("127.0.0.1"));
        let router = self.router.clone();
        SERVER_RUNTIME
            .spawn(async move {
                let res: Response<Body> = router.oneshot(req).await.expect("infallible");
                let status = res.status();
                let headers = res.headers().clone();
                let bytes = res.into_body().collect().await.expect("body").to_bytes();
                Reply {
                    status,
                    headers,
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                    bytes: bytes.to_vec(),
                }
            })
            .await
            .expect("request task")
    }

    /// Sends a request and goes away after `after`, as a browser whose tab
    /// was closed: the request is dropped wherever it is, and any answer is
    /// dropped unread.
    pub async fn abandon(&self, req: Request<Body>, after: std::time::Duration) {
        let req = from_peer(req, "127.0.0.1");
        let router = self.router.clone();
        SERVER_RUNTIME
            .spawn(async move {
                let _ = tokio::time::timeout(after, router.oneshot(req)).await;
            })
            .await
            .expect("request task");
    }

    /// Calls a server function with a form body, as the browser does.
    pub async fn post_form(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Reply {
        self.post_form_from(path, form, cookie, None).await
    }

    pub async fn post_form_from(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        ip: Option<&str>,
    ) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .header(header::USER_AGENT, "integration-test");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, format!("tessera_session={c}"));
        }
        self.send(req.body(Body::from(body)).expect("request"), ip)
            .await
    }

    /// A form post with any cookies (`name=value; …`), as the browser sends it.
    pub async fn post_with_cookies(
        &self,
        path: &str,
        form: &[(&str, &str)],
        cookies: &str,
    ) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, ORIGIN)
            .header(header::COOKIE, cookies)
            .body(Body::from(body))
            .expect("request");
        self.send(req, None).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>, accept: &str) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, accept);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, format!("tessera_session={c}"));
        }
        self.send(req.body(Body::empty()).expect("request"), None)
            .await
    }

    pub async fn login(&self, login: &str, password: &str) -> Reply {
        self.post_form(
            "/api/login",
            &[("login", login), ("password", password)],
            None,
        )
        .await
    }

    /// Signs in and returns the session cookie value.
    pub async fn session(&self, login: &str, password: &str) -> String {
        let r = self.login(login, password).await;
        assert_eq!(r.status, StatusCode::OK, "sign-in failed: {}", r.body);
        r.session_cookie().expect("session cookie")
    }

    /// The signed-in user's username according to the server, or None.
    pub async fn whoami(&self, cookie: &str) -> Option<String> {
        let r = self.get("/api/me", Some(cookie), "application/json").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        v.get("username")
            .and_then(|u| u.as_str())
            .map(str::to_string)
    }

    pub async fn sql(&self, statement: &str) {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&self.state.db)
            .await
            .expect("sql");
    }

    /// Counts rows once the work requests left running has finished.
    pub async fn count(&self, query: &str) -> i64 {
        self.state.background.settle().await;
        let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(query.to_string()))
            .fetch_one(&self.state.db)
            .await
            .expect("count");
        n
    }
}

/// Creates a token through the settings page's server function; returns (id, value).
pub async fn token(
    app: &TestApp,
    session: &str,
    name: &str,
    scope: &str,
    ips: &str,
) -> (String, String) {
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", name),
                ("days", "30"),
                ("scope", scope),
                ("allowed_ips", ips),
            ],
            Some(session),
        )
        .await;
    assert_eq!(r.status, http::StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    (
        v["token"]["id"].as_str().expect("id").to_string(),
        v["value"].as_str().expect("value").to_string(),
    )
}

/// Makes `name` an administrator.
pub async fn promote(app: &TestApp, name: &str) {
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE username = '{name}'"
    ))
    .await;
}

/// The account id of `name`.
pub async fn id_of(app: &TestApp, name: &str) -> String {
    let (id,): (String,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM users WHERE username = '{name}'"
    )))
    .fetch_one(&app.state.db)
    .await
    .expect("id");
    id
}

/// The status of `GET /api/v1/me` with `token` as the bearer.
pub async fn bearer_status(app: &TestApp, token: &str) -> http::StatusCode {
    let req = Request::builder()
        .method(http::Method::GET)
        .uri("/api/v1/me")
        .header(http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    app.send(req, None).await.status
}

/// With `TESSERA_TEST_DATABASE_URL` set (a PostgreSQL server, as `make test`
/// sets it for the suite's second run), a new empty database on it for one
/// test; otherwise None and the test uses SQLite in its temporary directory.
pub async fn fresh_postgres_database() -> Option<String> {
    use sqlx::Connection;
    let base = std::env::var("TESSERA_TEST_DATABASE_URL").ok()?;
    sqlx::any::install_default_drivers();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::AnyConnection::connect(&base)
        .await
        .expect("connect to TESSERA_TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let _ = admin.close().await;
    let mut url = url::Url::parse(&base).expect("database URL");
    url.set_path(&name);
    Some(url.to_string())
}

/// Whether the suite runs on PostgreSQL (see [`fresh_postgres_database`]).
pub fn on_postgres() -> bool {
    std::env::var_os("TESSERA_TEST_DATABASE_URL").is_some()
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

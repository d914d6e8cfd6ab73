//! Several Tessera servers on one database behave as one (issue #16). The
//! two-process test needs PostgreSQL (SQLite is one server by design) and runs
//! in `make test`'s PostgreSQL pass.

use crate::common::{self, smtp::Sink, TestApp};
use http::StatusCode;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Servers starting at the same moment on one database all come up: the one
/// that loses the race to create the first administrator simply finds it.
#[tokio::test]
async fn servers_starting_at_once_create_one_administrator() {
    let app = TestApp::new().await;
    let (a, b) = tokio::join!(
        tessera::server::infra::bootstrap::ensure_admin(&app.state, Some("first-horse-42".into())),
        tessera::server::infra::bootstrap::ensure_admin(&app.state, Some("first-horse-42".into())),
    );
    let created = [a.expect("a"), b.expect("b")]
        .iter()
        .filter(|c| c.is_some())
        .count();
    assert_eq!(created, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}

/// `serve`'s pool on PostgreSQL has every connection open before the first
/// request: opening one under load (a SCRAM exchange computed on the busy
/// runtime) took seconds, past the acquire timeout. Commands and tests open
/// theirs on demand, and SQLite always does.
#[tokio::test]
async fn a_serving_pool_opens_its_postgresql_connections_at_start() {
    use tessera::server::db::{self, Connections};
    let dir = tempfile::tempdir().expect("temp dir");
    let url = match common::fresh_postgres_database().await {
        Some(url) => url,
        None => format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
    };
    let serving = db::connect_with(&url, Connections::Ahead)
        .await
        .expect("database");
    let opened = serving.size();
    serving.close().await;
    let on_demand = db::connect(&url).await.expect("database");
    let opened_on_demand = on_demand.size();
    on_demand.close().await;
    if common::on_postgres() {
        assert_eq!(opened, 16);
    } else {
        assert!(opened <= 2, "SQLite opened {opened}");
    }
    assert!(opened_on_demand <= 2, "on demand opened {opened_on_demand}");
}

/// A `tessera serve` process on a database and port of its own choosing.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(database: &str, smtp: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("port")
            .local_addr()
            .expect("addr")
            .port();
        let dir = tempfile::tempdir().expect("dir").keep();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .env_remove("TESSERA_CONFIG")
            .env("TESSERA_DATABASE_URL", database)
            .env("TESSERA_DATA_DIR", &dir)
            // Both servers share the key, as the operator guide says they must.
            .env("TESSERA_SECRET_KEY", "ab".repeat(32))
            .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
            .env("TESSERA_PUBLIC_URL", common::ORIGIN)
            .env("TESSERA_ADMIN_PASSWORD", "first-horse-42")
            .env("TESSERA_SMTP_URL", smtp)
            .env("TESSERA_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn tessera");
        Server { child, base }
    }

    async fn ready(&self) {
        for _ in 0..100 {
            if let Ok((StatusCode::OK, _, _)) = http(&self.base, "GET", "/readyz", &[], "").await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{} did not become ready", self.base);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request over a fresh connection: (status, Set-Cookie values, body).
async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(StatusCode, Vec<String>, String), String> {
    use http_body_util::BodyExt;
    let addr = base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.as_str())
        .header("origin", common::ORIGIN);
    if !body.is_empty() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = sender
        .send_request(
            req.body(http_body_util::Full::new(hyper::body::Bytes::from(
                body.to_string(),
            )))
            .map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let cookies = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .collect();
    let bytes = res
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((
        status,
        cookies,
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// Two real servers on one PostgreSQL database: a token made through A works on
/// B until A deletes it, and then B refuses the very next request; a sign-in
/// throttled on A is throttled on B; a mail queued through A goes out once
/// although both servers' delivery workers run.
#[tokio::test]
async fn two_servers_on_one_postgresql_behave_as_one() {
    let Some(database) = common::fresh_postgres_database().await else {
        eprintln!("skipped: runs in make test's PostgreSQL pass (TESSERA_TEST_DATABASE_URL)");
        return;
    };
    let sink = Sink::start().await;
    // Started together: both come up (migrations and the first administrator
    // under concurrent starts).
    let a = Server::start(&database, &sink.url());
    let b = Server::start(&database, &sink.url());
    a.ready().await;
    b.ready().await;

    let login = "login=admin&password=first-horse-42";
    let (status, cookies, body) = http(&a.base, "POST", "/api/login", &[], login)
        .await
        .expect("sign in");
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("tessera_session="))
        .expect("session")
        .clone();
    // The session works on B too: nothing behind the cookie is server-local.
    let (status, _, body) = http(&b.base, "GET", "/api/me", &[("cookie", &session)], "")
        .await
        .expect("me on b");
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _, body) = http(
        &a.base,
        "POST",
        "/api/tokens/create",
        &[("cookie", &session)],
        "name=ci&days=30&scope=read&allowed_ips=",
    )
    .await
    .expect("create token");
    assert_eq!(status, StatusCode::OK, "{body}");
    let made: serde_json::Value = serde_json::from_str(&body).expect("json");
    let value = made["value"].as_str().expect("value").to_string();
    let id = made["token"]["id"].as_str().expect("id").to_string();
    let bearer = format!("Bearer {value}");
    for _ in 0..3 {
        let (status, _, _) = http(
            &b.base,
            "GET",
            "/api/v1/me",
            &[("authorization", &bearer)],
            "",
        )
        .await
        .expect("api on b");
        assert_eq!(status, StatusCode::OK, "cached on B now");
    }
    let (status, _, body) = http(
        &a.base,
        "POST",
        "/api/tokens/delete",
        &[("cookie", &session)],
        &format!("id={id}"),
    )
    .await
    .expect("delete on a");
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = http(
        &b.base,
        "GET",
        "/api/v1/me",
        &[("authorization", &bearer)],
        "",
    )
    .await
    .expect("api on b");
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "B refuses the next request"
    );

    // Throttling counts across servers.
    for _ in 0..6 {
        http(
            &a.base,
            "POST",
            "/api/login",
            &[],
            "login=admin&password=wrong-horse-1",
        )
        .await
        .expect("wrong on a");
    }
    let (status, _, _) = http(&b.base, "POST", "/api/login", &[], login)
        .await
        .expect("sign in on b");
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // A mail queued through A is delivered once, though both workers run.
    let (status, _, _) = http(
        &a.base,
        "POST",
        "/api/password/forgot",
        &[],
        "login=nobody-at-all",
    )
    .await
    .expect("forgot");
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = http(
        &a.base,
        "POST",
        "/api/email/change",
        &[("cookie", &session)],
        "email=boss%40example.org",
    )
    .await
    .expect("email change");
    assert_eq!(status, StatusCode::OK, "{body}");
    for _ in 0..100 {
        if !sink.to("boss@example.org").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both workers poll every few seconds; give the second one its turn too.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        sink.to("boss@example.org").len(),
        1,
        "delivered exactly once"
    );
}

/// A notification made through server A reaches a bell whose event stream is
/// served by server B (`NOTIFY tessera_live`), without polling.
#[tokio::test]
async fn a_notice_made_on_one_server_lights_the_bell_on_the_other() {
    use http_body_util::BodyExt;
    let Some(database) = common::fresh_postgres_database().await else {
        eprintln!("skipped: runs in make test's PostgreSQL pass (TESSERA_TEST_DATABASE_URL)");
        return;
    };
    let sink = Sink::start().await;
    let a = Server::start(&database, &sink.url());
    a.ready().await;
    let b = Server::start(&database, &sink.url());
    b.ready().await;
    let login = "login=admin&password=first-horse-42";
    let (status, cookies, body) = http(&a.base, "POST", "/api/login", &[], login)
        .await
        .expect("sign in");
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("tessera_session="))
        .expect("session")
        .clone();

    // The bell's stream, served by B.
    let addr = b.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let req = http::Request::get("/api/events/notifications")
        .header("host", addr.as_str())
        .header("cookie", &session)
        .header("accept", "text/event-stream")
        .body(http_body_util::Empty::<hyper::body::Bytes>::new())
        .expect("request");
    let res = sender.send_request(req).await.expect("stream");
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    let mut next_count = async || loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("an event within 5 s")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            let text = String::from_utf8_lossy(&data).into_owned();
            if let Some(i) = text.find("\"unread\":") {
                let n: String = text[i + 9..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                return n.parse::<i64>().expect("count");
            }
        }
    };
    let before = next_count().await;

    // Through A: a new token, whose notice is a notification for the admin.
    let (status, _, body) = http(
        &a.base,
        "POST",
        "/api/tokens/create",
        &[("cookie", &session)],
        "name=ci&days=30&scope=read&allowed_ips=",
    )
    .await
    .expect("create token");
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        next_count().await,
        before + 1,
        "B's stream heard A's notice"
    );
}

/// `kill -9` one of two servers in the middle of a burst of token creations
/// (each also queues a mail: the owner's notice). Every creation a client saw
/// acknowledged is in the database afterwards, and every queued mail reaches the
/// mailbox; a mail resent because the killed server may have sent it already
/// carries the same Message-ID (one message to the recipient's mail system).
#[tokio::test]
async fn killing_a_server_mid_burst_loses_no_acknowledged_write_and_no_mail() {
    let Some(database) = common::fresh_postgres_database().await else {
        eprintln!("skipped: runs in make test's PostgreSQL pass (TESSERA_TEST_DATABASE_URL)");
        return;
    };
    let sink = Sink::start().await;
    let mut a = Server::start(&database, &sink.url());
    let b = Server::start(&database, &sink.url());
    a.ready().await;
    b.ready().await;
    let (status, cookies, body) = http(
        &a.base,
        "POST",
        "/api/login",
        &[],
        "login=admin&password=first-horse-42",
    )
    .await
    .expect("sign in");
    assert_eq!(status, StatusCode::OK, "{body}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("tessera_session="))
        .expect("session")
        .clone();

    let acked_by_a = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..120 {
        let on_a = i % 2 == 0;
        let base = if on_a { a.base.clone() } else { b.base.clone() };
        let session = session.clone();
        let acked_by_a = acked_by_a.clone();
        burst.spawn(async move {
            let name = format!("burst-{i}");
            let form = format!("name={name}&days=30&scope=read&allowed_ips=");
            let reply = http(
                &base,
                "POST",
                "/api/tokens/create",
                &[("cookie", &session)],
                &form,
            )
            .await;
            let acked = matches!(reply, Ok((StatusCode::OK, _, _)));
            if acked && on_a {
                acked_by_a.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            (name, acked)
        });
    }
    // Mid-burst, once A has acknowledged a few: no clean shutdown, no chance to
    // finish anything in flight.
    for _ in 0..10_000 {
        if acked_by_a.load(std::sync::atomic::Ordering::SeqCst) >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    a.child.kill().expect("kill -9");
    let mut acked = Vec::new();
    while let Some(done) = burst.join_next().await {
        let (name, ok) = done.expect("request task");
        if ok {
            acked.push(name);
        }
    }
    let by_a = acked_by_a.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("{} of 120 creations acknowledged, {by_a} by A", acked.len());
    assert!(
        (5..60).contains(&by_a),
        "A was killed mid-burst ({by_a} of 60 acknowledged)"
    );

    let db = sqlx::AnyPool::connect(&database).await.expect("database");
    for name in &acked {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM api_tokens WHERE name = $1")
            .bind(name)
            .fetch_one(&db)
            .await
            .expect("count");
        assert_eq!(n, 1, "acknowledged token {name} is stored");
    }
    // Mails the dead server had claimed wait for their lease (2 minutes) to end;
    // let it end now, as if that time had passed. Then B delivers everything.
    sqlx::query("UPDATE outbox SET next_attempt_at = 0 WHERE status = 'pending'")
        .execute(&db)
        .await
        .expect("expire leases");
    let queued = |db: sqlx::AnyPool| async move {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM outbox WHERE subject = '[Security] A new API token was created'",
        )
        .fetch_one(&db)
        .await
        .expect("count");
        n
    };
    for _ in 0..200 {
        let (pending,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
                .fetch_one(&db)
                .await
                .expect("pending");
        if pending == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Quoted-printable soft line breaks undone.
    let notices: Vec<String> = sink
        .to("admin@localhost")
        .into_iter()
        .map(|m| m.data.replace("=\r\n", "").replace("=\n", ""))
        .filter(|d| d.contains("[Security] A new API token was created"))
        .collect();
    let ids: std::collections::BTreeSet<String> = notices
        .iter()
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("Message-ID: "))
                .map(str::to_string)
        })
        .collect();
    assert_eq!(
        ids.len() as i64,
        queued(db.clone()).await,
        "every queued notice reached the mailbox, each as one message"
    );
    for name in &acked {
        assert!(
            notices.iter().any(|m| m.contains(&format!("\"{name}\""))),
            "the notice for {name} arrived"
        );
    }
}

//! Sign-in, sessions, throttling and audit, through the real router and database.

use crate::common;

use common::TestApp;
use http::{header, StatusCode};

#[tokio::test]
async fn sign_in_opens_a_session() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let r = app.login("ada", "right-horse-42").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body, "\"/settings/profile\"",
        "the result names the final page"
    );
    let cookie = r.session_cookie().expect("cookie");
    assert_eq!(cookie.len(), 64);
    assert_eq!(app.whoami(&cookie).await.as_deref(), Some("ada"));
    // Email and any letter case work too.
    assert_eq!(
        app.login("ADA@example.org", "right-horse-42").await.status,
        StatusCode::OK
    );
    // Only the hash of the id is stored.
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE id_hash = '{cookie}'"
        ))
        .await;
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn cookie_flags() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let r = app.login("ada", "right-horse-42").await;
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    assert!(set.contains("; Path=/; HttpOnly; SameSite=Lax"), "{set}");
    assert!(
        !set.contains("Secure"),
        "plain http must not mark the cookie Secure: {set}"
    );

    let tls = TestApp::with_env(&[("TESSERA_PUBLIC_URL", "https://id.example.org")]).await;
    tls.create_user("ada", "right-horse-42").await;
    let mut req = http::Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://id.example.org");
    req = req.header(header::USER_AGENT, "test");
    let r = tls
        .send(
            req.body(axum::body::Body::from("login=ada&password=right-horse-42"))
                .expect("req"),
            None,
        )
        .await;
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    assert!(set.starts_with("__Host-tessera_session="), "{set}");
    assert!(set.ends_with("; Secure"), "{set}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_answer_alike() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let wrong = app.login("ada", "wrong-horse-42").await;
    let unknown = app.login("nobody", "wrong-horse-42").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
    assert!(wrong.body.contains("Incorrect username or password."));
    assert!(wrong.session_cookie().is_none());
}

#[tokio::test]
async fn empty_fields_are_named() {
    let app = TestApp::new().await;
    let r = app.login("", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("\"login\"") && r.body.contains("\"password\""),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn failed_attempts_are_throttled_per_account_then_released() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    for i in 1..=6 {
        let r = app.login("ada", "wrong-horse-42").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "attempt {i}");
    }
    // The 6th failure started a delay: even the right password waits now.
    let r = app.login("ada", "right-horse-42").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert!(r.body.contains("Too many failed attempts"));
    // The state is in the database (so it holds across instances) …
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM login_throttle WHERE key = 'acct:' || (SELECT id FROM users WHERE username = 'ada') AND blocked_until > 0"
        )
        .await,
        1
    );
    // … and it is a delay, not a lockout: once it has passed, the owner gets in.
    app.sql("UPDATE login_throttle SET blocked_until = 0").await;
    assert_eq!(
        app.login("ada", "right-horse-42").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM login_throttle WHERE key = 'acct:' || (SELECT id FROM users WHERE username = 'ada')")
            .await,
        0
    );
}

#[tokio::test]
async fn failed_attempts_are_throttled_per_address() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    // Spread over many accounts so no account limit is reached.
    for i in 0..21 {
        let r = app
            .post_form_from(
                "/api/login",
                &[("login", &format!("guess{i}")), ("password", "x-1234567")],
                None,
                Some("10.9.8.7"),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "attempt {i}: {}", r.body);
    }
    let r = app
        .post_form_from(
            "/api/login",
            &[("login", "ada"), ("password", "right-horse-42")],
            None,
            Some("10.9.8.7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Another address is not affected.
    let r = app
        .post_form_from(
            "/api/login",
            &[("login", "ada"), ("password", "right-horse-42")],
            None,
            Some("10.9.8.8"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn successful_sign_ins_from_one_address_never_add_up_to_a_delay() {
    // An office behind one NAT address: many people, all with the right password.
    let app = TestApp::new().await;
    for i in 0..25 {
        app.create_user(&format!("person{i}"), "right-horse-42")
            .await;
    }
    for i in 0..25 {
        let r = app.login(&format!("person{i}"), "right-horse-42").await;
        assert_eq!(r.status, StatusCode::OK, "sign-in {i}: {}", r.body);
    }
    // Real failures from that address still count.
    for i in 0..21 {
        app.login(&format!("person{i}"), "wrong-horse-42").await;
    }
    assert_eq!(
        app.login("person24", "right-horse-42").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let idle = app.session("ada", "right-horse-42").await;
    let absolute = app.session("ada", "right-horse-42").await;
    let now = tessera::server::db::now();
    let hash = |id: &str| tessera::server::auth::session::hash_id(id);
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = {} WHERE id_hash = '{}'",
        now - 12 * 3600 - 1,
        hash(&idle)
    ))
    .await;
    app.sql(&format!(
        "UPDATE sessions SET expires_at = {} WHERE id_hash = '{}'",
        now - 1,
        hash(&absolute)
    ))
    .await;
    assert_eq!(app.whoami(&idle).await, None);
    assert_eq!(app.whoami(&absolute).await, None);
}

#[tokio::test]
async fn activity_keeps_a_session_alive() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let hash = tessera::server::auth::session::hash_id(&id);
    let old = tessera::server::db::now() - 3600;
    app.sql(&format!(
        "UPDATE sessions SET last_seen_at = {old} WHERE id_hash = '{hash}'"
    ))
    .await;
    assert_eq!(app.whoami(&id).await.as_deref(), Some("ada"));
    let seen = app
        .count(&format!(
            "SELECT last_seen_at FROM sessions WHERE id_hash = '{hash}'"
        ))
        .await;
    assert!(seen > old);
}

#[tokio::test]
async fn signing_in_again_rotates_the_session() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let first = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/login",
            &[("login", "ada"), ("password", "right-horse-42")],
            Some(&first),
        )
        .await;
    let second = r.session_cookie().expect("new cookie");
    assert_ne!(first, second);
    assert_eq!(app.whoami(&first).await, None, "the old id must be dead");
    assert_eq!(app.whoami(&second).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn sign_out_ends_the_session_and_clears_the_cookie() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app.post_form("/api/logout", &[], Some(&id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let set = r
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("set-cookie");
    assert!(set.contains("Max-Age=0"));
    assert_eq!(app.whoami(&id).await, None);
}

#[tokio::test]
async fn every_sign_in_and_sign_out_is_audited() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    app.login("ada", "wrong-horse-42").await;
    app.login("ghost", "wrong-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    app.post_form("/api/logout", &[], Some(&id)).await;
    let rows = tessera::server::db::audit::recent(&app.state.db, None, 10)
        .await
        .expect("audit");
    let seen: Vec<(String, String, String)> = rows
        .iter()
        .rev()
        .map(|r| (r.action.clone(), r.outcome.clone(), r.actor_name.clone()))
        .collect();
    let expect = |a: &str, o: &str, n: &str| (a.to_string(), o.to_string(), n.to_string());
    assert_eq!(
        seen,
        vec![
            expect("auth.sign_in", "failure", "ada"),
            expect("auth.sign_in", "failure", "(unknown account)"),
            expect("auth.sign_in", "success", "ada"),
            expect("auth.sign_out", "success", "ada"),
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.ip == "127.0.0.1" && r.user_agent == "integration-test"));
    assert!(rows.iter().all(|r| r.created_at > 0));
}

#[tokio::test]
async fn rehashes_when_the_cost_changes() {
    let app = TestApp::with_env(&[
        ("TESSERA_ARGON2_MEMORY_KIB", "4096"),
        ("TESSERA_ARGON2_ITERATIONS", "1"),
    ])
    .await;
    app.create_user("ada", "right-horse-42").await;
    // Same database, stronger configured parameters.
    let config = (*app.state.config).clone();
    let stronger = tessera::server::infra::config::Config {
        argon2: Default::default(),
        ..config
    };
    let state = tessera::server::infra::state::AppState::new(stronger, app.state.db.clone())
        .expect("state");
    let ctx = tessera::server::infra::context::RequestCtx {
        ip: "127.0.0.1".into(),
        user_agent: "t".into(),
        request_id: "r".into(),
        auth: None,
        locale: tessera::lang::Locale::en,
        workspace: None,
    };
    let pw = tessera::server::auth::password::Password::new("right-horse-42");
    tessera::server::auth::sign_in(&state, &ctx, "ada", &pw)
        .await
        .expect("sign in");
    let user = tessera::server::db::users::find_by_username(&state.db, "ada")
        .await
        .expect("db")
        .expect("user");
    assert!(user
        .password_hash
        .expect("hash")
        .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

//! TOTP two-factor authentication through the real router and database:
//! enrolment, the second sign-in step, replays and races, recovery codes, the
//! workspace mandate and the administrator's reset.

use crate::common;

use common::{Reply, TestApp};
use http::{header, StatusCode};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};
use tessera::server::two_factor::{generator, STEP_SECS};

const PW: &str = "right-horse-42";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A form post with any cookies (`name=value; …`).
async fn post(app: &TestApp, path: &str, form: &[(&str, &str)], cookies: &str) -> Reply {
    app.post_with_cookies(path, form, cookies).await
}

fn set_cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")) && !c.contains("Max-Age=0"))
        .and_then(|c| c.split(';').next())
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_string())
}

pub(crate) struct Enrolled {
    secret: Vec<u8>,
    pub(crate) codes: Vec<String>,
}

impl Enrolled {
    /// The code for the time step `offset` steps from now, computed early
    /// enough in the current step that the server still counts from it.
    pub(crate) fn code(&self, offset: i64) -> String {
        if now() % STEP_SECS >= STEP_SECS - 2 {
            std::thread::sleep(std::time::Duration::from_secs(3));
        }
        let at = (now() as i64 + offset * STEP_SECS as i64) as u64;
        generator(self.secret.clone(), "ada").generate(at)
    }
}

/// Ada, enrolled with the code of the previous step (so the current and the
/// next step are still free for the test).
pub(crate) async fn enrolled(app: &TestApp) -> (String, Enrolled) {
    app.create_user("ada", PW).await;
    let session = app.session("ada", PW).await;
    let cookie = format!("tessera_session={session}");
    // A fresh sign-in counts as a re-authentication; an older one does not.
    app.sql("UPDATE sessions SET sudo_at = 0").await;
    let r = post(app, "/api/two-factor/start", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "sudo mode first");
    assert!(r.body.contains("ReauthRequired"));
    let r = post(app, "/api/sudo", &[("password", PW)], &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    // Sudo mode comes with a new session id.
    let session = r.session_cookie().expect("renewed session");
    let cookie = format!("tessera_session={session}");
    let r = post(app, "/api/two-factor/start", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e: Value = serde_json::from_str(&r.body).expect("json");
    assert!(e["qr_svg"]
        .as_str()
        .expect("qr")
        .starts_with("data:image/svg+xml;base64,"));
    assert!(e["uri"]
        .as_str()
        .expect("uri")
        .starts_with("otpauth://totp/Tessera:ada?"));
    let base32: String = e["secret"]
        .as_str()
        .expect("secret")
        .split_whitespace()
        .collect();
    let secret = totp_rs::Secret::Encoded(base32.clone())
        .to_bytes()
        .expect("base32");
    assert_eq!(secret.len(), 20, "160-bit secret");
    // Stored sealed: neither the key text nor its bytes are in the database.
    let (stored,): (String,) = sqlx::query_as("SELECT secret FROM totp")
        .fetch_one(&app.state.db)
        .await
        .expect("row");
    assert!(!stored.contains(&base32) && stored != hex::encode(&secret));

    let mut enrolled = Enrolled {
        secret,
        codes: Vec::new(),
    };
    let r = post(
        app,
        "/api/two-factor/enable",
        &[("code", "000000")],
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(app.me(&session).await["two_factor_enabled"], false);
    let r = post(
        app,
        "/api/two-factor/enable",
        &[("code", &enrolled.code(-1))],
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The next request of the same session sees it on.
    assert_eq!(app.me(&session).await["two_factor_enabled"], true);
    enrolled.codes = serde_json::from_str(&r.body).expect("codes");
    assert_eq!(enrolled.codes.len(), 10);
    // The owner is told at the primary address (a security notice).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE to_addr = 'ada@example.org' AND subject = '[Security] Two-factor authentication turned on'")
            .await,
        1
    );
    (session, enrolled)
}

/// The sudo dialog offers what the account has: nothing besides the password
/// before enrolment, the app's code after it, never a passkey it does not
/// have; and tells nothing to anyone signed out.
#[tokio::test]
async fn sudo_offers_the_factors_the_account_has() {
    let app = TestApp::new().await;
    let methods = |session: Option<String>| {
        let app = &app;
        async move {
            let r = app
                .get("/api/sudo/methods", session.as_deref(), "application/json")
                .await;
            (r.status, r.body)
        }
    };
    let (status, body) = methods(None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    app.create_user("bob", PW).await;
    let bob = app.session("bob", PW).await;
    let (status, body) = methods(Some(bob)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v, serde_json::json!({"code": false, "passkey": false}));
    let (ada, _) = enrolled(&app).await;
    let (_, body) = methods(Some(ada)).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v, serde_json::json!({"code": true, "passkey": false}));
}

/// Password step: returns the challenge cookie (and checks no session came with it).
async fn password_step(app: &TestApp) -> String {
    let r = app.login("ada", PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("/login/two-factor"), "{}", r.body);
    assert_eq!(
        r.session_cookie(),
        None,
        "no session before the second factor"
    );
    set_cookie(&r, "tessera_2fa").expect("challenge cookie")
}

async fn second_step(app: &TestApp, challenge: &str, code: &str, recovery: bool) -> Reply {
    post(
        app,
        "/api/login/two-factor",
        &[
            ("code", code),
            ("recovery", if recovery { "true" } else { "false" }),
        ],
        &format!("tessera_2fa={challenge}"),
    )
    .await
}

#[tokio::test]
async fn sign_in_needs_the_code_and_a_code_works_once() {
    let app = TestApp::new().await;
    let (_, ada) = enrolled(&app).await;
    let sessions = app.count("SELECT COUNT(*) FROM sessions").await;

    let challenge = password_step(&app).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, sessions);
    // The step the enrolment used is spent.
    let r = second_step(&app, &challenge, &ada.code(-1), false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = second_step(&app, &challenge, &ada.code(0), false).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = r.session_cookie().expect("session");
    assert_eq!(app.whoami(&session).await.as_deref(), Some("ada"));
    // The challenge is gone with its use.
    assert_eq!(
        second_step(&app, &challenge, &ada.code(1), false)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );

    // Another sign-in cannot reuse the code just accepted.
    let challenge = password_step(&app).await;
    let r = second_step(&app, &challenge, &ada.code(0), false).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "replay: {}",
        r.body
    );
}

#[tokio::test]
async fn two_parallel_submissions_of_one_code_give_one_session() {
    let app = TestApp::new().await;
    let (_, ada) = enrolled(&app).await;
    // Two browsers past the password step, the same code typed in both at once.
    let a = password_step(&app).await;
    let b = password_step(&app).await;
    let code = ada.code(0);
    let (ra, rb) = tokio::join!(
        second_step(&app, &a, &code, false),
        second_step(&app, &b, &code, false)
    );
    let ok = [&ra, &rb]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{} / {}", ra.body, rb.body);

    // And below the HTTP layer: eight parallel checks of one fresh code, one success.
    let user = tessera::server::db::users::find_by_username(&app.state.db, "ada")
        .await
        .expect("db")
        .expect("ada");
    let code = ada.code(1);
    let checks = (0..8).map(|_| {
        let (state, user, code) = (app.state.clone(), user.clone(), code.clone());
        async move { tessera::server::two_factor::verify_totp(&state, &user, &code).await }
    });
    let results = futures_join_all(checks).await;
    assert_eq!(
        results.iter().filter(|r| matches!(r, Ok(true))).count(),
        1,
        "{results:?}"
    );
}

async fn futures_join_all<F>(futures: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test]
async fn recovery_codes_work_once_even_in_a_race() {
    let app = TestApp::new().await;
    let (_, ada) = enrolled(&app).await;
    let challenge = password_step(&app).await;
    let typed = ada.codes[0].to_uppercase().replace('-', " ");
    let r = second_step(&app, &challenge, &typed, true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = '2fa.recovery_code_used'")
            .await,
        1
    );
    let challenge = password_step(&app).await;
    let r = second_step(&app, &challenge, &ada.codes[0], true).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "used up: {}",
        r.body
    );

    // The same challenge and code sent twice at once: one session.
    let code = &ada.codes[1];
    let (r1, r2) = tokio::join!(
        second_step(&app, &challenge, code, true),
        second_step(&app, &challenge, code, true)
    );
    let ok = [&r1, &r2]
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "{} / {}", r1.body, r2.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NULL")
            .await,
        8
    );
}

#[tokio::test]
async fn five_wrong_codes_end_the_sign_in_attempt() {
    let app = TestApp::new().await;
    let (_, ada) = enrolled(&app).await;
    let challenge = password_step(&app).await;
    for _ in 0..4 {
        let r = second_step(&app, &challenge, "000000", false).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    let r = second_step(&app, &challenge, "000000", false).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Too many wrong codes"), "{}", r.body);
    let r = second_step(&app, &challenge, &ada.code(0), false).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "password again: {}",
        r.body
    );
    // Without a challenge cookie there is nothing to complete.
    let r = post(&app, "/api/login/two-factor", &[("code", &ada.code(0))], "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn regenerating_codes_voids_the_old_set_and_disabling_needs_a_code() {
    let app = TestApp::new().await;
    let (session, ada) = enrolled(&app).await;
    let cookie = format!("tessera_session={session}");
    let r = post(&app, "/api/two-factor/recovery-codes", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh: Vec<String> = serde_json::from_str(&r.body).expect("codes");
    assert!(fresh.iter().all(|c| !ada.codes.contains(c)));
    let challenge = password_step(&app).await;
    assert_eq!(
        second_step(&app, &challenge, &ada.codes[2], true)
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let r = post(
        &app,
        "/api/two-factor/disable",
        &[("code", "000000")],
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    tessera::server::workspace::set(&app.state.db, "two_factor_mandatory", "true")
        .await
        .expect("set");
    let r = post(
        &app,
        "/api/two-factor/disable",
        &[("code", &ada.code(0))],
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "mandatory: {}", r.body);
    tessera::server::workspace::set(&app.state.db, "two_factor_mandatory", "false")
        .await
        .expect("set");
    let r = post(
        &app,
        "/api/two-factor/disable",
        &[("code", &ada.code(0))],
        &cookie,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM totp").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    let r = app.login("ada", PW).await;
    assert!(r.session_cookie().is_some(), "password alone again");
}

#[tokio::test]
async fn a_code_from_the_app_also_confirms_sudo_mode() {
    let app = TestApp::new().await;
    let (session, ada) = enrolled(&app).await;
    let cookie = format!("tessera_session={session}");
    app.sql("UPDATE sessions SET sudo_at = 0").await;
    let r = post(&app, "/api/two-factor/recovery-codes", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = post(&app, "/api/sudo", &[("password", "000000")], &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = post(&app, "/api/sudo", &[("password", &ada.code(0))], &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = format!(
        "tessera_session={}",
        r.session_cookie().expect("renewed session")
    );
    let r = post(&app, "/api/two-factor/recovery-codes", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The same code does not work twice.
    app.sql("UPDATE sessions SET sudo_at = 0").await;
    let r = post(&app, "/api/sudo", &[("password", &ada.code(0))], &cookie).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn mandatory_2fa_sends_everyone_to_enrolment_first() {
    let app = TestApp::new().await;
    app.create_user("bob", PW).await;
    let session = app.session("bob", PW).await;
    tessera::server::workspace::set(&app.state.db, "two_factor_mandatory", "true")
        .await
        .expect("set");
    let r = app
        .get("/settings/profile", Some(&session), "text/html")
        .await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.headers[header::LOCATION], "/settings/two-factor");
    let r = app
        .get("/settings/two-factor", Some(&session), "text/html")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post_form(
            "/api/profile/names",
            &[("first_name", "B"), ("last_name", ""), ("display_name", "")],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("TwoFactorRequired"), "{}", r.body);
    let me: Value = serde_json::from_str(
        &app.get("/api/me", Some(&session), "application/json")
            .await
            .body,
    )
    .expect("json");
    assert_eq!(me["two_factor_required"], true);
    let r = app
        .get("/api/two-factor/status", Some(&session), "application/json")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn admins_reset_2fa_and_the_user_is_told() {
    let app = TestApp::new().await;
    let (session, _) = enrolled(&app).await;
    let r = app
        .post_form(
            "/api/admin/two-factor/reset",
            &[("username", "ada")],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not an admin");
    let r = app
        .post_form(
            "/api/admin/two-factor/mandatory",
            &[("mandatory", "true")],
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let admin = app.create_user("root", PW).await;
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE id = '{}'",
        admin.id
    ))
    .await;
    let root = app.session("root", PW).await;
    let r = app
        .post_form(
            "/api/admin/two-factor/reset",
            &[("username", "ada")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body, "true");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = '2fa.reset' AND actor_name = 'root' \
             AND target_id = (SELECT id FROM users WHERE username = 'ada') \
             AND detail = '{\"username\":\"ada\"}'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE to_addr = 'ada@example.org' AND subject = '[Security] Your two-factor authentication was reset'").await,
        1
    );
    assert!(app.login("ada", PW).await.session_cookie().is_some());

    let r = app
        .post_form(
            "/api/admin/two-factor/mandatory",
            &[("mandatory", "true")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        tessera::server::workspace::load(&app.state.db)
            .await
            .expect("ws")
            .two_factor_mandatory
    );
}

#[tokio::test]
async fn directory_accounts_cannot_enrol_when_the_directory_provides_2fa() {
    let app = TestApp::new().await;
    app.create_external_user("eve", PW).await;
    tessera::server::workspace::set(&app.state.db, "directory_provides_2fa", "true")
        .await
        .expect("set");
    let session = app.session("eve", PW).await;
    let cookie = format!("tessera_session={session}");
    let r = post(&app, "/api/sudo", &[("password", PW)], &cookie).await;
    let cookie = format!(
        "tessera_session={}",
        r.session_cookie().expect("renewed session")
    );
    let r = post(&app, "/api/two-factor/start", &[], &cookie).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("directory provides two-factor"),
        "{}",
        r.body
    );
}

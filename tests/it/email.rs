//! Mail, sudo mode, email change by link and password reset, with a real SMTP
//! sink on loopback receiving what Tessera sends.

use crate::common;

use common::smtp::{link_token, Sink};
use common::TestApp;
use http::StatusCode;
use serde_json::Value;

async fn app_with_sink() -> (TestApp, Sink) {
    let sink = Sink::start().await;
    let app = TestApp::with_env(&[("TESSERA_SMTP_URL", &sink.url())]).await;
    (app, sink)
}

async fn deliver(app: &TestApp) -> usize {
    app.state.background.settle().await;
    tessera::server::notifications::worker::deliver_due(&app.state)
        .await
        .expect("deliver")
}

#[tokio::test]
async fn email_change_needs_a_recent_password() {
    let (app, _sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    // Signing in counts as entering the password; ten minutes later it no longer does.
    app.sql("UPDATE sessions SET sudo_at = sudo_at - 601").await;
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "ada@new.example")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("ReauthRequired"), "{}", r.body);

    let r = app
        .post_form("/api/sudo", &[("password", "wrong-horse-42")], Some(&id))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form("/api/sudo", &[("password", "right-horse-42")], Some(&id))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Proving the password again gives the session a new id; the old one is void.
    let renewed = r.session_cookie().expect("a new session id");
    assert_ne!(renewed, id);
    assert_eq!(app.whoami(&id).await, None);
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "ada@new.example")],
            Some(&renewed),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn the_new_address_takes_effect_only_through_its_link() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "ada@new.example")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.me(&id).await["email"],
        "ada@example.org",
        "nothing changes before the link is used"
    );
    assert_eq!(app.me(&id).await["pending_email"], "ada@new.example");
    assert_eq!(deliver(&app).await, 1);
    let mails = sink.to("ada@new.example");
    assert_eq!(mails.len(), 1);
    let token = link_token(&mails[0], "/confirm-email");
    assert_eq!(token.len(), 64);
    // The token is not stored in the clear.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM email_tokens WHERE token_hash = '{token}'"
        ))
        .await,
        0
    );

    // Confirming works without a session: the link is the proof.
    let r = app
        .post_form("/api/email/confirm", &[("token", &token)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.me(&id).await["email"], "ada@new.example");
    assert_eq!(app.me(&id).await["pending_email"], Value::Null);
    // The old address is told.
    deliver(&app).await;
    let notice = sink.to("ada@example.org");
    assert_eq!(notice.len(), 1);
    assert!(notice[0].data.contains("was changed"));
    // Single use.
    let r = app
        .post_form("/api/email/confirm", &[("token", &token)], None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Sign-in with the new address works.
    assert_eq!(
        app.login("ada@new.example", "right-horse-42").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn expired_and_unknown_links_are_refused() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    app.post_form(
        "/api/email/change",
        &[("email", "ada@new.example")],
        Some(&id),
    )
    .await;
    deliver(&app).await;
    let token = link_token(&sink.to("ada@new.example")[0], "/confirm-email");
    app.sql("UPDATE email_tokens SET expires_at = 0").await;
    assert_eq!(
        app.post_form("/api/email/confirm", &[("token", &token)], None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.post_form("/api/email/confirm", &[("token", &"ab".repeat(32))], None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.me(&id).await["email"], "ada@example.org");
}

#[tokio::test]
async fn addresses_of_other_accounts_and_bad_addresses_are_refused() {
    let (app, _sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    app.create_user("bob", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "BOB@example.org")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("another account"), "{}", r.body);
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "not an address")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "ada@example.org")],
            Some(&id),
        )
        .await;
    assert!(r.body.contains("already your email"), "{}", r.body);
}

#[tokio::test]
async fn locked_profiles_refuse_email_changes() {
    let (app, _sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    tessera::server::workspace::set(&app.state.db, "lock_profiles", "true")
        .await
        .expect("set");
    let r = app
        .post_form(
            "/api/email/change",
            &[("email", "ada@new.example")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("Locked by your administrator"),
        "{}",
        r.body
    );
    let r = app
        .post_form(
            "/api/email/recovery",
            &[("recovery_email", "x@new.example")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn password_reset_through_the_recovery_address() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/email/recovery",
            &[("recovery_email", "ada@backup.example")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Each pending address is shown as what it is, and only until confirmed.
    let pending = app.me(&id).await;
    assert_eq!(pending["pending_recovery_email"], "ada@backup.example");
    assert_eq!(pending["pending_email"], Value::Null);
    // The new recovery address works once the link sent to it is opened.
    deliver(&app).await;
    let link = link_token(&sink.to("ada@backup.example")[0], "/confirm-email");
    let r = app
        .post_form("/api/email/confirm", &[("token", &link)], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.me(&id).await["pending_recovery_email"], Value::Null);
    deliver(&app).await;

    // Same answer for an unknown account, and no mail.
    let unknown = app
        .post_form("/api/password/forgot", &[("login", "nobody")], None)
        .await;
    let known = app
        .post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(
        (unknown.status, unknown.body.clone()),
        (known.status, known.body.clone())
    );
    // To the primary address and to the recovery address.
    assert_eq!(deliver(&app).await, 2);
    assert_eq!(
        sink.to("ada@example.org").len(),
        1 + 2,
        "reset link + two notices"
    );
    let mail = &sink.to("ada@backup.example")[1];
    let token = link_token(mail, "/reset-password");

    let reset = |pw: &'static str, confirm: &'static str| {
        let token = token.clone();
        let app = &app;
        async move {
            app.post_form(
                "/api/password/reset",
                &[
                    ("token", &token),
                    ("new_password", pw),
                    ("confirm_password", confirm),
                ],
                None,
            )
            .await
        }
    };
    let r = reset("password1", "password1").await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the policy applies: {}",
        r.body
    );
    let r = reset("brand-new-horse-7", "brand-new-horse-8").await;
    assert!(r.body.contains("do not match"));
    let r = reset("brand-new-horse-7", "brand-new-horse-7").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.whoami(&id).await, None, "every session ends");
    assert_eq!(
        app.login("ada", "brand-new-horse-7").await.status,
        StatusCode::OK
    );
    let r = reset("another-horse-9", "another-horse-9").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "single use");
}

#[tokio::test]
async fn reset_requests_cannot_lock_someone_out_of_signing_in() {
    let (app, _sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    for _ in 0..8 {
        app.post_form("/api/password/forgot", &[("login", "ada")], None)
            .await;
    }
    // The requests themselves are slowed down …
    let r = app
        .post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // … but Ada's own sign-in is not.
    assert_eq!(
        app.login("ada", "right-horse-42").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn delivered_mail_keeps_no_links() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    app.post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(deliver(&app).await, 1);
    assert!(sink.to("ada@example.org")[0]
        .data
        .contains("reset-password?token="));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE body LIKE '%token=%'")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
            .await,
        1
    );
}

#[tokio::test]
async fn changing_the_password_voids_earlier_reset_links() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    app.post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    deliver(&app).await;
    let token = link_token(&sink.to("ada@example.org")[0], "/reset-password");
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/password/change",
            &[
                ("current_password", "right-horse-42"),
                ("new_password", "brand-new-horse-7"),
                ("confirm_password", "brand-new-horse-7"),
            ],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_form(
            "/api/password/reset",
            &[
                ("token", &token),
                ("new_password", "other-horse-9"),
                ("confirm_password", "other-horse-9"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.login("ada", "brand-new-horse-7").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn reset_links_expire_after_30_minutes() {
    let (app, sink) = app_with_sink().await;
    app.create_user("ada", "right-horse-42").await;
    app.post_form(
        "/api/password/forgot",
        &[("login", "ada@example.org")],
        None,
    )
    .await;
    deliver(&app).await;
    let token = link_token(&sink.to("ada@example.org")[0], "/reset-password");
    let ttl = app
        .count("SELECT expires_at - created_at FROM email_tokens")
        .await;
    assert_eq!(ttl, 30 * 60);
    app.sql("UPDATE email_tokens SET expires_at = 0").await;
    let r = app
        .post_form(
            "/api/password/reset",
            &[
                ("token", &token),
                ("new_password", "brand-new-horse-7"),
                ("confirm_password", "brand-new-horse-7"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_smtp_mail_waits_in_the_outbox() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    app.post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(deliver(&app).await, 0);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND to_addr = 'ada@example.org'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn failed_deliveries_are_retried_and_visible() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let app = TestApp::with_env(&[("TESSERA_SMTP_URL", &format!("smtp://127.0.0.1:{port}"))]).await;
    app.create_user("ada", "right-horse-42").await;
    app.post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(deliver(&app).await, 0);
    let (attempts, status, error): (i64, String, String) =
        sqlx::query_as("SELECT attempts, status, last_error FROM outbox")
            .fetch_one(&app.state.db)
            .await
            .expect("row");
    assert_eq!((attempts, status.as_str()), (1, "pending"));
    assert!(!error.is_empty());
    // After the last attempt it is marked failed, not retried forever.
    app.sql(&format!(
        "UPDATE outbox SET attempts = {}, next_attempt_at = 0",
        tessera::server::notifications::worker::MAIL_ATTEMPTS - 1
    ))
    .await;
    deliver(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE status = 'failed'")
            .await,
        1
    );
    // Given up, it keeps no link either (ASVS V14: no secrets left at rest).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE body LIKE '%token=%'")
            .await,
        0
    );
}

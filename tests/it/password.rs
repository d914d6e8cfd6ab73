//! Changing the password: every rule, the current password, and what happens after.

use crate::common;

use common::TestApp;
use http::StatusCode;

async fn change(
    app: &TestApp,
    cookie: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> common::Reply {
    app.post_form(
        "/api/password/change",
        &[
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn a_change_ends_other_sessions_and_the_new_password_works() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let here = app.session("ada", "right-horse-42").await;
    let elsewhere = app.session("ada", "right-horse-42").await;
    let r = change(
        &app,
        &here,
        "right-horse-42",
        "brand-new-horse-7",
        "brand-new-horse-7",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // This session stays, under a new id (the old one is void).
    let renewed = r.session_cookie().expect("a new session id");
    assert_eq!(app.whoami(&here).await, None);
    assert_eq!(
        app.whoami(&renewed).await.as_deref(),
        Some("ada"),
        "this session stays"
    );
    assert_eq!(app.whoami(&elsewhere).await, None, "other sessions end");
    assert_eq!(
        app.login("ada", "right-horse-42").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.login("ada", "brand-new-horse-7").await.status,
        StatusCode::OK
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'password.change' AND outcome = 'success'").await, 1);
}

#[tokio::test]
async fn the_current_password_must_be_right() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = change(
        &app,
        &id,
        "wrong-horse-42",
        "brand-new-horse-7",
        "brand-new-horse-7",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("current_password") && r.body.contains("incorrect"),
        "{}",
        r.body
    );
    assert_eq!(
        app.login("ada", "right-horse-42").await.status,
        StatusCode::OK,
        "unchanged"
    );
}

#[tokio::test]
async fn every_rule_is_enforced_by_the_server() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let cases = [
        ("short1", "new_password", "at least 8 characters"),
        ("password1", "new_password", "most common passwords"),
        ("ada@example.org", "new_password", "username or email"),
        (
            "right-horse-42",
            "new_password",
            "different from your current",
        ),
    ];
    for (pw, field, needle) in cases {
        let r = change(&app, &id, "right-horse-42", pw, pw).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{pw}");
        assert!(
            r.body.contains(field) && r.body.contains(needle),
            "{pw}: {}",
            r.body
        );
    }
    let r = change(
        &app,
        &id,
        "right-horse-42",
        "brand-new-horse-7",
        "brand-new-horse-8",
    )
    .await;
    assert!(
        r.body.contains("confirm_password") && r.body.contains("do not match"),
        "{}",
        r.body
    );
    // Several broken rules are reported together.
    let r = change(&app, &id, "", "abc", "abd").await;
    for field in ["current_password", "new_password", "confirm_password"] {
        assert!(r.body.contains(field), "{field}: {}", r.body);
    }
    assert_eq!(
        app.login("ada", "right-horse-42").await.status,
        StatusCode::OK,
        "still unchanged"
    );
}

#[tokio::test]
async fn external_accounts_cannot_change_it_here() {
    let app = TestApp::new().await;
    let pw = tessera::server::auth::password::Password::new("right-horse-42");
    tessera::server::auth::create_user(
        &app.state,
        "ext",
        "ext@example.org",
        tessera::model::Role::User,
        tessera::model::AccountSource::External,
        Some(&pw),
    )
    .await
    .expect("user");
    let id = app.session("ext", "right-horse-42").await;
    let r = change(
        &app,
        &id,
        "right-horse-42",
        "brand-new-horse-7",
        "brand-new-horse-7",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("directory"), "{}", r.body);
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = TestApp::new().await;
    let r = app
        .post_form(
            "/api/password/change",
            &[
                ("current_password", "a"),
                ("new_password", "b"),
                ("confirm_password", "b"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .post_form("/api/password/check", &[("password", "password")], None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_live_check_knows_the_common_list() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form("/api/password/check", &[("password", "Dragon")], Some(&id))
        .await;
    assert!(r.body.contains("most common passwords"), "{}", r.body);
    let r = app
        .post_form(
            "/api/password/check",
            &[("password", "brand-new-horse-7")],
            Some(&id),
        )
        .await;
    assert_eq!(r.body, "[]");
}

#[tokio::test]
async fn the_workspace_minimum_length_holds_for_every_new_password() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let cookie = app.session("ada", "right-horse-42").await;
    tessera::server::workspace::set(&app.state.db, "password_min_length", "12")
        .await
        .expect("set");
    for refused in ["7", "129", "twelve"] {
        assert!(
            tessera::server::workspace::set(&app.state.db, "password_min_length", refused)
                .await
                .is_err(),
            "{refused}"
        );
    }
    // Eleven characters: fine by the default rule, refused by the workspace's.
    let r = change(
        &app,
        &cookie,
        "right-horse-42",
        "eleven-char",
        "eleven-char",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("at least 12 characters"), "{}", r.body);
    let r = change(
        &app,
        &cookie,
        "right-horse-42",
        "twelve-chars",
        "twelve-chars",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The page learns the rule with the user.
    let cookie = r.session_cookie().expect("renewed session");
    let r = app.get("/api/me", Some(&cookie), "application/json").await;
    assert!(r.body.contains("\"password_min_length\":12"), "{}", r.body);
}

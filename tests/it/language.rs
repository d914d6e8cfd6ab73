//! The interface language: per user, the workspace default, Accept-Language on
//! the sign-in page, and server messages and mails in the reader's language.

use crate::common;

use axum::body::Body;
use common::TestApp;
use http::{header, Request, StatusCode};
use serde_json::Value;

async fn page(app: &TestApp, path: &str, cookie: Option<&str>, accept_language: &str) -> String {
    let mut req = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .header(header::ACCEPT_LANGUAGE, accept_language);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, format!("tessera_session={c}"));
    }
    let r = app
        .send(req.body(Body::empty()).expect("request"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

async fn set_language(app: &TestApp, cookie: &str, language: &str) -> common::Reply {
    app.post_form(
        "/api/profile/language",
        &[("language", language)],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn sign_in_page_follows_accept_language_then_the_workspace_default() {
    let app = TestApp::new().await;
    let de = page(&app, "/login", None, "de-DE,de;q=0.9,en;q=0.5").await;
    assert!(de.contains(r#"<html lang="de""#), "{de}");
    assert!(de.contains("Melde dich an, um dein Konto zu verwalten."));
    let en = page(&app, "/login", None, "en-GB").await;
    assert!(en.contains(r#"<html lang="en""#));
    assert!(en.contains("Sign in to manage your account."));

    // A browser asking for a language we lack gets the workspace default.
    let fr = page(&app, "/login", None, "fr-FR").await;
    assert!(fr.contains("Sign in to manage your account."));
    tessera::server::workspace::set(&app.state.db, "default_language", "de")
        .await
        .expect("set");
    let fr = page(&app, "/login", None, "fr-FR").await;
    assert!(fr.contains("Melde dich an"), "{fr}");
}

#[tokio::test]
async fn a_users_choice_wins_over_browser_and_default() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    // No choice yet: the workspace default (English), whatever the browser says.
    let before = page(&app, "/settings/profile", Some(&id), "de").await;
    assert!(before.contains(r#"<html lang="en""#));

    let r = set_language(&app, &id, "de").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let saved: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(saved["language"], "de");
    let after = page(&app, "/settings/profile", Some(&id), "en").await;
    assert!(after.contains(r#"<html lang="de""#));
    assert!(
        after.contains("Profil") && after.contains("Namen speichern"),
        "{after}"
    );

    // Back to the workspace default, which an administrator set to German.
    assert_eq!(set_language(&app, &id, "").await.status, StatusCode::OK);
    tessera::server::workspace::set(&app.state.db, "default_language", "de")
        .await
        .expect("set");
    let html = page(&app, "/settings/profile", Some(&id), "en").await;
    assert!(html.contains(r#"<html lang="de""#));
}

#[tokio::test]
async fn unknown_languages_are_refused() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = set_language(&app, &id, "fr").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("language") && r.body.contains("Choose a language from the list."));
    assert!(
        tessera::server::workspace::set(&app.state.db, "default_language", "xx")
            .await
            .is_err()
    );
    // Signed out: no change for anybody.
    assert_eq!(
        set_language(&app, "nope", "de").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn server_messages_are_in_the_users_language() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    set_language(&app, &id, "de").await;

    let r = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", &"x".repeat(101)),
                ("last_name", ""),
                ("display_name", ""),
            ],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Verwende höchstens 100 Zeichen."),
        "{}",
        r.body
    );

    let r = app
        .post_form(
            "/api/profile/contact",
            &[("contact_person", ""), ("phone", "030 1234")],
            Some(&id),
        )
        .await;
    assert!(
        r.body.contains("Beginne mit der Ländervorwahl"),
        "{}",
        r.body
    );

    let r = app
        .post_form(
            "/api/password/change",
            &[
                ("current_password", "wrong-horse-1"),
                ("new_password", "password1"),
                ("confirm_password", "password1"),
            ],
            Some(&id),
        )
        .await;
    assert!(r.body.contains("häufigsten Passwörter"), "{}", r.body);
}

#[tokio::test]
async fn sign_in_errors_follow_the_browser() {
    let app = TestApp::new().await;
    let body = "login=&password=";
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, common::ORIGIN)
        .header(header::ACCEPT_LANGUAGE, "de")
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Gib dein Passwort ein."), "{}", r.body);
}

#[tokio::test]
async fn mail_goes_out_in_the_recipients_language() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    set_language(&app, &id, "de").await;
    // Asked for from an English browser, signed out: still Ada's language.
    let r = app
        .post_form("/api/password/forgot", &[("login", "ada")], None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Setze dein Tessera-Passwort zurück' AND body LIKE 'Hallo,%'")
            .await,
        1
    );
}

//! Profile names, and the fields that locks make read-only.

use crate::common;

use common::TestApp;
use http::StatusCode;
use serde_json::Value;

async fn save(
    app: &TestApp,
    cookie: &str,
    first: &str,
    last: &str,
    display: &str,
) -> common::Reply {
    app.post_form(
        "/api/profile/names",
        &[
            ("first_name", first),
            ("last_name", last),
            ("display_name", display),
        ],
        Some(cookie),
    )
    .await
}

#[tokio::test]
async fn names_are_saved_and_display_name_defaults() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = save(&app, &id, "  Ada ", "Lovelace", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = app.me(&id).await;
    assert_eq!(user["first_name"], "Ada");
    assert_eq!(user["display_name"], "Ada Lovelace");
    assert_eq!(user["identity_locked"], Value::Null);
}

#[tokio::test]
async fn locked_profiles_refuse_display_name_changes() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    save(&app, &id, "Ada", "Lovelace", "Ada L.").await;
    tessera::server::workspace::set(&app.state.db, "lock_profiles", "true")
        .await
        .expect("set");

    assert_eq!(app.me(&id).await["identity_locked"], "Admin");
    let r = save(&app, &id, "Ada", "Lovelace", "Countess").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("display_name") && r.body.contains("Locked by your administrator"),
        "{}",
        r.body
    );
    // First and last name stay editable, as long as the display name is left alone.
    let r = save(&app, &id, "Augusta Ada", "King", "Ada L.").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = app.me(&id).await;
    assert_eq!(user["display_name"], "Ada L.");
    assert_eq!(user["first_name"], "Augusta Ada");

    tessera::server::workspace::set(&app.state.db, "lock_profiles", "false")
        .await
        .expect("set");
    assert_eq!(
        save(&app, &id, "Ada", "Lovelace", "Countess").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn external_accounts_keep_the_directorys_display_name() {
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
    assert_eq!(app.me(&id).await["identity_locked"], "External");
    let r = save(&app, &id, "E", "X", "Someone else").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("directory"), "{}", r.body);
    // Sending the display name back unchanged (here: empty) saves the other
    // fields, and the empty name is not replaced by "First Last".
    let r = save(&app, &id, "Grace", "Hopper", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = app.me(&id).await;
    assert_eq!(user["first_name"], "Grace");
    assert_eq!(user["display_name"], "");
}

#[tokio::test]
async fn only_known_settings_with_valid_values() {
    let app = TestApp::new().await;
    let db = &app.state.db;
    assert!(
        tessera::server::workspace::set(db, "lock_everything", "true")
            .await
            .is_err()
    );
    assert!(tessera::server::workspace::set(db, "lock_profiles", "yes")
        .await
        .is_err());
    assert!(tessera::server::workspace::set(db, "lock_profiles", "true")
        .await
        .is_ok());
}

#[tokio::test]
async fn phone_numbers_are_stored_in_e164_and_shown_formatted() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/profile/contact",
            &[
                ("contact_person", "Charles Babbage"),
                ("phone", "0044 20 7946 0958"),
            ],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let user = app.me(&id).await;
    assert_eq!(user["phone"], "+442079460958");
    assert_eq!(user["phone_display"], "+44 20 7946 0958");
    assert_eq!(user["contact_person"], "Charles Babbage");
    let stored = app
        .count("SELECT COUNT(*) FROM users WHERE phone = '+442079460958'")
        .await;
    assert_eq!(stored, 1);

    for bad in ["020 7946 0958", "+44 1", "phone me"] {
        let r = app
            .post_form(
                "/api/profile/contact",
                &[("contact_person", ""), ("phone", bad)],
                Some(&id),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(r.body.contains("\"phone\""), "{bad}: {}", r.body);
    }
    assert_eq!(
        app.me(&id).await["phone"],
        "+442079460958",
        "a refused number changes nothing"
    );
    // Empty clears it.
    let r = app
        .post_form(
            "/api/profile/contact",
            &[("contact_person", ""), ("phone", "")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.me(&id).await["phone"], "");
}

#[tokio::test]
async fn the_time_zone_is_validated_and_used_for_times() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form(
            "/api/profile/time-zone",
            &[("time_zone", "Mars/Olympus")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .post_form(
            "/api/profile/time-zone",
            &[("time_zone", "Asia/Tokyo")],
            Some(&id),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.me(&id).await["time_zone"], "Asia/Tokyo");
    let r = app
        .get("/api/sessions/list", Some(&id), "application/json")
        .await;
    assert!(
        r.body.contains(" JST"),
        "times follow the user's zone: {}",
        r.body
    );
    // The picker comes with the page, the person's zone chosen.
    let page = app.get("/settings/profile", Some(&id), "text/html").await;
    assert!(page
        .body
        .contains(r#"<option value="Asia/Tokyo" selected>Asia/Tokyo</option>"#));
    assert!(page.body.contains(r#"<option value="Europe/Berlin">"#));
}

//! One service per capability: the profile page and the REST API reach the same
//! rules, statement and cache invalidation; unique clashes name their field.

use crate::common;

use axum::body::Body;
use common::{Reply, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

const PW: &str = "right-horse-42";

async fn api(app: &TestApp, method: Method, token: &str, body: Option<Value>) -> Reply {
    let mut req = Request::builder()
        .method(method)
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(req.body(body).expect("request"), None).await
}

async fn new_token(app: &TestApp, session: &str, name: &str) -> Reply {
    app.post_form(
        "/api/tokens/create",
        &[
            ("name", name),
            ("days", "30"),
            ("scope", "write"),
            ("allowed_ips", ""),
        ],
        Some(session),
    )
    .await
}

/// The message for `field` in a server function's error or the API's error body.
fn field_message(body: &str, field: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    let fields = v["error"]["fields"]
        .as_array()
        .or_else(|| v["Validation"].as_array())?;
    fields
        .iter()
        .find(|f| f["field"] == field)
        .and_then(|f| f["message"].as_str())
        .map(str::to_string)
}

#[tokio::test]
async fn profile_rules_are_the_same_on_the_page_and_in_the_api() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let r = new_token(&app, &s, "script").await;
    let token: Value = serde_json::from_str(&r.body).expect("json");
    let token = token["value"].as_str().expect("value").to_string();

    let long = "x".repeat(101);
    let page = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", &long),
                ("last_name", ""),
                ("display_name", ""),
            ],
            Some(&s),
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    let contact = app
        .post_form(
            "/api/profile/contact",
            &[("contact_person", ""), ("phone", "12")],
            Some(&s),
        )
        .await;
    let rest = api(
        &app,
        Method::PATCH,
        &token,
        Some(json!({ "first_name": long, "phone": "12" })),
    )
    .await;
    assert_eq!(
        rest.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        rest.body
    );
    for (field, on_page) in [("first_name", &page.body), ("phone", &contact.body)] {
        let a = field_message(on_page, field).expect("page names the field");
        let b = field_message(&rest.body, field).expect("API names the field");
        assert_eq!(a, b, "{field}");
    }

    // The API caches a verified token with its user for a moment; a save on the
    // page must not leave the API answering with the old profile.
    let before = api(&app, Method::GET, &token, None).await;
    assert!(
        before.body.contains("\"first_name\":\"\""),
        "{}",
        before.body
    );
    let saved = app
        .post_form(
            "/api/profile/names",
            &[
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("display_name", ""),
            ],
            Some(&s),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let after = api(&app, Method::GET, &token, None).await;
    assert!(
        after.body.contains("\"display_name\":\"Ada Lovelace\""),
        "{}",
        after.body
    );

    // And the other way round: an API save shows on the page at once.
    let r = api(
        &app,
        Method::PATCH,
        &token,
        Some(json!({ "contact_person": "Babbage" })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me = app.get("/api/me", Some(&s), "application/json").await;
    assert!(
        me.body.contains("\"contact_person\":\"Babbage\""),
        "{}",
        me.body
    );
}

#[tokio::test]
async fn a_unique_clash_names_its_field_in_the_readers_language() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let r = app
        .post_form("/api/profile/language", &[("language", "de")], Some(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(new_token(&app, &s, "skript").await.status, StatusCode::OK);
    let again = new_token(&app, &s, "skript").await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    let message = field_message(&again.body, "name").expect("name field");
    assert_eq!(message, "Du hast bereits eines mit diesem Namen.");

    // A second account with the same address: the email field, not the username.
    let dup = tessera::server::auth::create_user(
        &app.state,
        "ada2",
        "ADA@example.org",
        tessera::model::Role::User,
        tessera::model::AccountSource::Local,
        None,
    )
    .await
    .expect_err("taken");
    assert!(dup.field_message("email").is_some(), "{dup:?}");
    assert!(dup.field_message("username").is_none(), "{dup:?}");
    let dup = tessera::server::auth::create_user(
        &app.state,
        "ADA",
        "other@example.org",
        tessera::model::Role::User,
        tessera::model::AccountSource::Local,
        None,
    )
    .await
    .expect_err("taken");
    assert!(dup.field_message("username").is_some(), "{dup:?}");
}

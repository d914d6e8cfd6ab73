//! App passwords: HTTP Basic on the API, and nothing else.

use super::*;

#[tokio::test]
async fn app_passwords_open_the_api_and_nothing_else() {
    let app = TestApp::new().await;
    let ada = app.create_user("ada", PW).await;
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE id = '{}'",
        ada.id
    ))
    .await;
    let s = app.session("ada", PW).await;
    let r = app
        .post_form(
            "/api/app-passwords/create",
            &[("name", "Thunderbird")],
            Some(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let password = v["password"].as_str().expect("password").to_string();
    let id = v["info"]["id"].as_str().expect("id").to_string();
    let basic = |p: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("ada:{p}"))
        )
    };

    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &basic(&password),
            None,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    // Typed without dashes, in capitals: the same password.
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &basic(&password.replace('-', "").to_uppercase()),
            None,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &basic("wrong-pass"),
            None,
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &basic(PW), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the account password is not an app password"
    );
    // Never the web UI.
    let r = app.login("ada", &password).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Never credential management.
    let (tid, _) = token(&app, &s, "t", "read", "").await;
    let r = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{tid}"),
        &basic(&password),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::FORBIDDEN, "app_password_not_allowed")
    );

    assert_eq!(
        app.post_form("/api/app-passwords/revoke", &[("id", &id)], Some(&s))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &basic(&password),
            None,
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

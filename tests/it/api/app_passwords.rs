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

#[tokio::test]
async fn administrators_see_and_revoke_everyones_app_passwords() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    let r = app
        .post_form(
            "/api/app-passwords/create",
            &[("name", "Thunderbird")],
            Some(&ada),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let password = v["password"].as_str().expect("password").to_string();
    let id = v["info"]["id"].as_str().expect("id").to_string();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ada:{password}"))
    );
    let me = |auth: String| {
        let app = &app;
        async move {
            api(app, Method::GET, "/api/v1/me", &auth, None, None)
                .await
                .status
        }
    };
    assert_eq!(me(basic.clone()).await, StatusCode::OK);

    // Not for Ada herself.
    let r = app
        .get(
            "/api/admin/app-passwords/list?query[owner]=",
            Some(&ada),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .post_form(
            "/api/admin/app-passwords/revoke",
            &[("id", &id)],
            Some(&ada),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let root = app.session("root", PW).await;
    let r = app
        .get(
            "/api/admin/app-passwords/list?query[owner]=ad",
            Some(&root),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    let list = &v["app_passwords"];
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(list[0][0], "ada");
    assert_eq!(list[0][1]["name"], "Thunderbird");
    assert_eq!(list[0][2], false, "used a moment ago");
    assert!(!r.body.contains(&password), "never the password");
    let r = app
        .post_form(
            "/api/admin/app-passwords/revoke",
            &[("id", &id)],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(me(basic).await, StatusCode::UNAUTHORIZED);
    // Audited for the administrators and in Ada's own trail; Ada is told.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'app_password.admin_revoke' \
             AND outcome IN ('success', 'revoked_by_admin')"
        )
        .await,
        2
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM notifications WHERE title LIKE '%app password “Thunderbird”%'"
        )
        .await,
        1
    );
    // Gone: a second revocation finds nothing.
    let r = app
        .post_form(
            "/api/admin/app-passwords/revoke",
            &[("id", &id)],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
}

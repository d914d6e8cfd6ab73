//! Administrators see and revoke every token.

use super::*;

#[tokio::test]
async fn admins_see_and_revoke_every_token() {
    let app = TestApp::new().await;
    app.create_user("bob", PW).await;
    let root = app.create_user("root", PW).await;
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE id = '{}'",
        root.id
    ))
    .await;
    let b = app.session("bob", PW).await;
    let r = app.session("root", PW).await;
    let (bob_id, bobs) = token(&app, &b, "bob's", "read", "").await;
    // Creating it told Bob (a security notice); only the revocation counts below.
    app.sql("DELETE FROM notifications").await;
    let (_, admin) = token(&app, &r, "admin", "write", "").await;

    let list = api(
        &app,
        Method::GET,
        "/api/v1/admin/tokens",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(list.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&list.body).expect("json");
    assert!(v
        .as_array()
        .expect("array")
        .iter()
        .any(|t| t["owner"] == "bob" && t["name"] == "bob's"));
    let users = api(
        &app,
        Method::GET,
        "/api/v1/admin/users",
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert!(users.body.contains("\"username\":\"bob\""));

    let d = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{bob_id}"),
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{}", d.body);
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&bobs), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Audited as data: the owner's copy, and the admin's naming bob as the target.
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.admin_revoke' AND outcome = 'revoked_by_admin' AND actor_name = 'bob' AND detail LIKE '%\"owner\":\"bob\"%'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'token.admin_revoke' AND outcome = 'success' AND target_id = (SELECT id FROM users WHERE username = 'bob') AND detail LIKE '%\"name\":\"bob''s\"%'").await, 1);
    // Bob is told in-app, through a credential that still works.
    let (_, bob_reader) = token(&app, &b, "reader", "read", "").await;
    app.sql("DELETE FROM notifications WHERE title LIKE 'A new API token%'")
        .await;
    let n = api(
        &app,
        Method::GET,
        "/api/v1/me/notifications",
        &bearer(&bob_reader),
        None,
        None,
    )
    .await;
    let v: Value = serde_json::from_str(&n.body).expect("json");
    assert_eq!(v["unread"], 1, "{}", n.body);
    assert_eq!(v["notifications"][0]["area"], "security");
    assert!(v["notifications"][0]["title"]
        .as_str()
        .expect("title")
        .contains("bob's"));
    let d = api(
        &app,
        Method::DELETE,
        &format!("/api/v1/admin/tokens/{bob_id}"),
        &bearer(&admin),
        None,
        None,
    )
    .await;
    assert_eq!(d.status, StatusCode::NOT_FOUND);
    // The admin server function too, and only for admins.
    let (bob2, _) = token(&app, &b, "again", "read", "").await;
    assert_eq!(
        app.post_form("/api/admin/tokens/revoke", &[("id", &bob2)], Some(&b))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_form("/api/admin/tokens/revoke", &[("id", &bob2)], Some(&r))
            .await
            .status,
        StatusCode::OK
    );
}

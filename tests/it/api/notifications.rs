//! Notifications through the API: admin broadcasts, listing, marking read.

use super::*;

#[tokio::test]
async fn admins_publish_notifications_that_users_list_and_mark_read() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    app.create_user("ada", PW).await;
    app.create_user("bob", PW).await;
    let gone = app.create_user("gone", PW).await;
    app.sql(&format!(
        "UPDATE users SET disabled = 1 WHERE id = '{}'",
        gone.id
    ))
    .await;
    promote(&app, "root").await;
    let (_, admin) = token(&app, &app.session("root", PW).await, "admin", "write", "").await;
    let ada_s = app.session("ada", PW).await;
    let (_, ada) = token(&app, &ada_s, "ada", "write", "").await;
    let (_, ada_ro) = token(&app, &ada_s, "ada-ro", "read", "").await;
    let (_, bob) = token(&app, &app.session("bob", PW).await, "bob", "write", "").await;
    // Creating the tokens told each owner (security notices); start from none.
    app.sql("DELETE FROM notifications").await;
    let publish = |auth: String, body: Value| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/api/v1/admin/notifications",
                &auth,
                Some(body),
                None,
            )
            .await
        }
    };

    // Only administrators publish, and only valid notifications.
    let r = publish(bearer(&ada), json!({"area": "alerts", "title": "hi"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = publish(
        bearer(&admin),
        json!({"area": "gossip", "title": "", "body": "x".repeat(4001)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = json(&r)["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["field"].as_str().expect("field").to_string())
        .collect();
    assert_eq!(fields, ["area", "title", "body"]);
    // Messages come in the administrator's language.
    let r = api(
        &app,
        Method::PATCH,
        "/api/v1/me",
        &bearer(&admin),
        Some(json!({"language": "de"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = publish(bearer(&admin), json!({"area": "gossip", "title": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        json(&r)["error"]["fields"][0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("Wähle eines von")),
        "{}",
        r.body
    );
    let r = publish(
        bearer(&admin),
        json!({"area": "alerts", "title": "x", "extra": 1}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(code(&r), "bad_request");
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications").await, 0);

    // A broadcast reaches every active account, the disabled one excepted.
    let r = publish(
        bearer(&admin),
        json!({"area": "rapid_response", "title": "Patch now", "body": "CVE-2026-1"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(json(&r)["recipients"], 3);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE user_id = '{}'",
            gone.id
        ))
        .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'notification.publish' AND detail LIKE '%\"area\":\"rapid_response\"%'"
        )
        .await,
        1
    );
    publish(
        bearer(&admin),
        json!({"area": "policies", "title": "New policy"}),
    )
    .await;

    let list = |auth: String, query: &'static str| {
        let app = &app;
        async move {
            json(
                &api(
                    app,
                    Method::GET,
                    &format!("/api/v1/me/notifications{query}"),
                    &auth,
                    None,
                    None,
                )
                .await,
            )
        }
    };
    let v = list(bearer(&ada_ro), "").await;
    assert_eq!(v["unread"], 2);
    let items = v["notifications"].as_array().expect("list");
    assert_eq!(items.len(), 2);
    let titles: Vec<&str> = items
        .iter()
        .map(|n| n["title"].as_str().expect("t"))
        .collect();
    assert!(titles.contains(&"Patch now") && titles.contains(&"New policy"));
    let patch = items
        .iter()
        .find(|n| n["title"] == "Patch now")
        .expect("broadcast");
    assert_eq!(patch["area"], "rapid_response");
    assert_eq!(patch["body"], "CVE-2026-1");
    assert_eq!(patch["read"], false);
    let patch_id = patch["id"].as_str().expect("id").to_string();
    // Unparsable parameters get the API's error shape too.
    let r = api(
        &app,
        Method::GET,
        "/api/v1/me/notifications?unread=maybe",
        &bearer(&ada_ro),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(code(&r), "bad_request");
    assert_eq!(
        list(bearer(&ada_ro), "?limit=1").await["notifications"]
            .as_array()
            .expect("l")
            .len(),
        1
    );

    let mark = |auth: String, body: Value| {
        let app = &app;
        async move {
            api(
                app,
                Method::POST,
                "/api/v1/me/notifications/read",
                &auth,
                Some(body),
                None,
            )
            .await
        }
    };
    // Read-only tokens cannot mark; nothing or junk is a 400/422.
    assert_eq!(
        mark(bearer(&ada_ro), json!({"all": true})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        mark(bearer(&ada), json!({})).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        mark(bearer(&ada), json!({"ids": "nope"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Bob cannot mark Ada's notification read; Ada can.
    let r = mark(bearer(&bob), json!({"ids": [patch_id]})).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(json(&r)["unread"], 2, "bob's own count is untouched");
    assert_eq!(
        list(bearer(&ada), "").await["unread"],
        2,
        "ada's still unread"
    );
    let r = mark(bearer(&ada), json!({"ids": [patch_id]})).await;
    assert_eq!(json(&r)["unread"], 1);
    let v = list(bearer(&ada), "?unread=true").await;
    assert_eq!(v["notifications"].as_array().expect("l").len(), 1);
    assert_eq!(v["notifications"][0]["title"], "New policy");
    let r = mark(bearer(&ada), json!({"all": true})).await;
    assert_eq!(json(&r)["unread"], 0);
    assert_eq!(list(bearer(&bob), "").await["unread"], 2);

    // Without a credential, nothing.
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me/notifications",
            "",
            None,
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The matrix: defaults, one cell changed on the settings page and seen through
/// the API, the locked cell refused, and a PUT with one bad cell changes nothing.
#[tokio::test]
async fn notification_preferences_have_defaults_and_rules() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (_, rw) = token(&app, &s, "rw", "write", "").await;
    let auth = bearer(&rw);
    let get = || {
        api(
            &app,
            Method::GET,
            "/api/v1/me/notification-preferences",
            &auth,
            None,
            None,
        )
    };
    let cell = |v: &Value, area: &str, channel: &str| {
        v["preferences"]
            .as_array()
            .expect("list")
            .iter()
            .find(|c| c["area"] == area && c["channel"] == channel)
            .cloned()
            .expect("cell")
    };
    let v = json(&get().await);
    assert_eq!(v["preferences"].as_array().expect("list").len(), 15);
    assert_eq!(cell(&v, "alerts", "email")["enabled"], true);
    assert_eq!(cell(&v, "policies", "email")["enabled"], false);
    assert_eq!(cell(&v, "policies", "in_app")["enabled"], true);
    assert_eq!(cell(&v, "security", "in_app")["locked"], true);
    assert_eq!(cell(&v, "security", "slack")["enabled"], false);

    // The settings page's server function.
    let r = app
        .post_form(
            "/api/notifications/preference",
            &[
                ("area", "alerts"),
                ("channel", "email"),
                ("enabled", "false"),
            ],
            Some(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        cell(&json(&get().await), "alerts", "email")["enabled"],
        false
    );
    let r = app
        .post_form(
            "/api/notifications/preference",
            &[
                ("area", "security"),
                ("channel", "in_app"),
                ("enabled", "false"),
            ],
            Some(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("always reach you"), "{}", r.body);

    // The API: all cells checked before any is written.
    let r = api(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        &bearer(&rw),
        Some(json!({"preferences": [
            {"area": "policies", "channel": "email", "enabled": true},
            {"area": "gossip", "channel": "email", "enabled": true}
        ]})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        cell(&json(&get().await), "policies", "email")["enabled"],
        false
    );
    let r = api(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        &bearer(&rw),
        Some(json!({"preferences": [{"area": "policies", "channel": "email", "enabled": true}]})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(cell(&json(&r), "policies", "email")["enabled"], true);
    // A token never silences Security notices (that takes the password).
    let r = api(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        &bearer(&rw),
        Some(json!({"preferences": [{"area": "security", "channel": "email", "enabled": false}]})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("reauth_required"), "{}", r.body);
    assert_eq!(
        cell(&json(&get().await), "security", "email")["enabled"],
        true
    );
    // More cells than the matrix has, or one cell twice: refused whole.
    let many: Vec<Value> = (0..16)
        .map(|_| json!({"area": "alerts", "channel": "email", "enabled": true}))
        .collect();
    let twice = vec![
        json!({"area": "alerts", "channel": "email", "enabled": true}),
        json!({"area": "alerts", "channel": "email", "enabled": false}),
    ];
    for cells in [many, twice] {
        let r = api(
            &app,
            Method::PUT,
            "/api/v1/me/notification-preferences",
            &bearer(&rw),
            Some(json!({ "preferences": cells })),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
    // (Turned off by the settings page above, it stays off.)
    assert_eq!(
        cell(&json(&get().await), "alerts", "email")["enabled"],
        false
    );
    // Setting a cell to what it already is changes (and audits) nothing.
    let r = api(
        &app,
        Method::PUT,
        "/api/v1/me/notification-preferences",
        &bearer(&rw),
        Some(json!({"preferences": [{"area": "policies", "channel": "email", "enabled": true}]})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'notifications.preference'")
            .await,
        2
    );
}

/// A broadcast reaches each person through exactly the channels they chose.
#[tokio::test]
async fn broadcasts_follow_each_persons_matrix() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    let (_, admin) = token(&app, &app.session("root", PW).await, "admin", "write", "").await;
    for name in ["ada", "bob", "cyd"] {
        app.create_user(name, PW).await;
    }
    let set = |name: &'static str, channel: &'static str, on: &'static str| {
        let app = &app;
        async move {
            let s = app.session(name, PW).await;
            let r = app
                .post_form(
                    "/api/notifications/preference",
                    &[("area", "alerts"), ("channel", channel), ("enabled", on)],
                    Some(&s),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
    };
    set("bob", "in_app", "false").await; // email only
    set("cyd", "email", "false").await; // in-app only
    app.sql("DELETE FROM notifications").await;
    app.sql("DELETE FROM outbox").await;
    let r = api(
        &app,
        Method::POST,
        "/api/v1/admin/notifications",
        &bearer(&admin),
        Some(json!({"area": "alerts", "title": "Disk almost full", "body": "Clean up by Friday."})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The answer came before the mails: the delivery worker turns the
    // queued broadcast into them (once, however often it runs).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE channel = 'fanout' AND status = 'pending'")
            .await,
        1
    );
    for _ in 0..2 {
        tessera::server::notifications::worker::deliver_due(&app.state)
            .await
            .expect("deliver");
    }
    let seen = |name: &str| {
        (
            format!("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = '{name}'"),
            format!("SELECT COUNT(*) FROM outbox WHERE to_addr = '{name}@example.org' AND subject = '[Alerts] Disk almost full' AND body LIKE '%/settings/notifications%'"),
        )
    };
    let mut got = Vec::new();
    for name in ["ada", "bob", "cyd"] {
        let (in_app, mailed) = seen(name);
        got.push((app.count(&in_app).await, app.count(&mailed).await));
    }
    assert_eq!(got[0], (1, 1), "defaults: both");
    assert_eq!(got[1], (0, 1), "email only");
    assert_eq!(got[2], (1, 0), "in-app only");
}

//! Devices & sessions: listing, signing out one or all others, and ownership.

use crate::common;

use common::TestApp;
use http::StatusCode;
use serde_json::Value;

async fn list(app: &TestApp, cookie: &str) -> Vec<Value> {
    let r = app
        .get("/api/sessions/list", Some(cookie), "application/json")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str::<Vec<Value>>(&r.body).expect("json")
}

fn other_id(sessions: &[Value]) -> String {
    sessions
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("another session")
        .to_string()
}

#[tokio::test]
async fn lists_every_session_and_marks_this_one() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let a = app.session("ada", "right-horse-42").await;
    let _b = app.session("ada", "right-horse-42").await;
    let sessions = list(&app, &a).await;
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let s = &sessions[0];
    assert_eq!(s["ip"], "127.0.0.1");
    assert!(s["last_seen"].as_str().is_some_and(|t| t.ends_with("UTC")));
    // The public id is not the session secret, nor its stored hash.
    let ids: Vec<&str> = sessions.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(ids.iter().all(|id| id.len() == 36 && *id != a));
}

#[tokio::test]
async fn signing_out_another_device_ends_only_that_session() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let a = app.session("ada", "right-horse-42").await;
    let b = app.session("ada", "right-horse-42").await;
    let target = other_id(&list(&app, &a).await);
    let r = app
        .post_form("/api/sessions/revoke", &[("id", &target)], Some(&a))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(app.whoami(&b).await, None);
    assert_eq!(app.whoami(&a).await.as_deref(), Some("ada"));
    let audited = app
        .count("SELECT COUNT(*) FROM audit_log WHERE action = 'session.revoke'")
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn the_current_session_is_ended_with_sign_out_not_here() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let a = app.session("ada", "right-horse-42").await;
    let mine = list(&app, &a).await[0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let r = app
        .post_form("/api/sessions/revoke", &[("id", &mine)], Some(&a))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.whoami(&a).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn nobody_can_touch_another_users_sessions() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    app.create_user("eve", "evil-horse-42").await;
    let ada = app.session("ada", "right-horse-42").await;
    let _ada2 = app.session("ada", "right-horse-42").await;
    let eve = app.session("eve", "evil-horse-42").await;
    let ada_ids: Vec<String> = list(&app, &ada)
        .await
        .iter()
        .filter_map(|s| s["id"].as_str().map(String::from))
        .collect();
    // Eve sees only her own session …
    let eve_list = list(&app, &eve).await;
    assert_eq!(eve_list.len(), 1);
    // … and cannot end Ada's, whatever id she sends.
    for id in &ada_ids {
        let r = app
            .post_form("/api/sessions/revoke", &[("id", id)], Some(&eve))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 3);
    // "Sign out all others" is scoped to the caller.
    let r = app
        .post_form("/api/sessions/revoke-others", &[], Some(&eve))
        .await;
    assert_eq!(r.body, "0");
    assert_eq!(app.whoami(&ada).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn sign_out_all_others_keeps_this_one() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let a = app.session("ada", "right-horse-42").await;
    let b = app.session("ada", "right-horse-42").await;
    let c = app.session("ada", "right-horse-42").await;
    let r = app
        .post_form("/api/sessions/revoke-others", &[], Some(&a))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "2");
    assert_eq!(app.whoami(&a).await.as_deref(), Some("ada"));
    assert_eq!(app.whoami(&b).await, None);
    assert_eq!(app.whoami(&c).await, None);
}

#[tokio::test]
async fn anonymous_callers_get_401() {
    let app = TestApp::new().await;
    assert_eq!(
        app.get("/api/sessions/list", None, "application/json")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.post_form("/api/sessions/revoke-others", &[], None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

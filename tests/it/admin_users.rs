//! Admin › Users: who may, what each action does on the very next request,
//! the last-administrator rules, and an account created by an administrator.

use crate::common::{self, bearer_status, id_of, promote, token, TestApp};
use http::StatusCode;

const PW: &str = "right-horse-42";

#[tokio::test]
async fn every_admin_function_refuses_a_non_administrator() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    app.create_user("bob", PW).await;
    let ada = app.session("ada", PW).await;
    let bob = id_of(&app, "bob").await;
    let posts: [(&str, Vec<(&str, &str)>); 6] = [
        (
            "/api/admin/users/role",
            vec![("id", &bob), ("admin", "true")],
        ),
        (
            "/api/admin/users/disabled",
            vec![("id", &bob), ("disabled", "true")],
        ),
        ("/api/admin/users/sign-out", vec![("id", &bob)]),
        ("/api/admin/users/reset-link", vec![("id", &bob)]),
        (
            "/api/admin/users/create",
            vec![
                ("username", "eve"),
                ("email", "eve@example.org"),
                ("admin", "true"),
                ("external", "false"),
            ],
        ),
        ("/api/admin/tokens/revoke", vec![("id", "nope")]),
    ];
    for (path, form) in posts {
        let r = app.post_form(path, &form, Some(&ada)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    for path in [
        "/api/admin/users?query[q]=",
        "/api/admin/audit?filter[actor]=",
        "/api/admin/tokens/list?query[owner]=",
    ] {
        let r = app.get(path, Some(&ada), "application/json").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' OR disabled = 1 OR username = 'eve'"
        )
        .await,
        0,
        "nothing changed"
    );
    // Each attempt left a trace for the administrators, naming what was tried.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'admin.denied' AND actor_name = 'ada' \
             AND outcome = 'failure'"
        )
        .await,
        9
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'admin.denied' \
             AND detail LIKE '%admin/users/role%'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_list_searches_filters_sorts_and_pages() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    for i in 0..60 {
        app.create_user(&format!("user{i:02}"), PW).await;
    }
    app.sql("UPDATE users SET display_name = 'Grace Hopper' WHERE username = 'user42'")
        .await;
    app.sql("UPDATE users SET disabled = 1 WHERE username = 'user07'")
        .await;
    let root = app.session("root", PW).await;
    let list = |q: String| {
        let (app, root) = (&app, &root);
        async move {
            let r = app
                .get(
                    &format!("/api/admin/users?{q}"),
                    Some(root),
                    "application/json",
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            serde_json::from_str::<serde_json::Value>(&r.body).expect("json")
        }
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["username"].as_str().unwrap_or("").to_string())
            .collect()
    };
    // Search by name, case-insensitive; a new address waiting for its link shows.
    app.sql(
        "INSERT INTO email_tokens (token_hash, purpose, user_id, new_email, created_at, expires_at) \
         SELECT 'h42', 'email_change', id, 'grace@example.org', 1, 9999999999 FROM users \
         WHERE username = 'user42'",
    )
    .await;
    let v = list("query[q]=grace%20HOP".into()).await;
    assert_eq!(names(&v), ["user42"]);
    assert_eq!(v["users"][0]["pending_email"], "grace@example.org");
    // Filters.
    let v = list("query[state]=disabled".into()).await;
    assert_eq!(names(&v), ["user07"]);
    let v = list("query[role]=admin".into()).await;
    assert_eq!(names(&v), ["root"]);
    let r = app
        .get(
            "/api/admin/users?query[state]=disabeld",
            Some(&root),
            "application/json",
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a typo is not \"any\": {}",
        r.body
    );
    // By name, 50 a page, then the rest, nothing twice.
    let first = list("query[q]=user".into()).await;
    let mut seen = names(&first);
    assert_eq!(seen.len(), 50);
    assert_eq!(seen[0], "user00");
    let cursor = first["next"].as_str().expect("next page").to_string();
    let second = list(format!("query[q]=user&after={}", common::encode(&cursor))).await;
    seen.extend(names(&second));
    assert_eq!(seen.len(), 60);
    assert!(second["next"].is_null());
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), 60);
    // Newest first.
    app.sql("UPDATE users SET created_at = 1 WHERE username = 'user00'")
        .await;
    let v = list("query[sort]=created".into()).await;
    assert_eq!(names(&v)[0], "user59", "the newest account first");
    let cursor = v["next"].as_str().expect("next page").to_string();
    let rest = list(format!(
        "query[sort]=created&after={}",
        common::encode(&cursor)
    ))
    .await;
    assert_eq!(
        names(&rest).last().map(String::as_str),
        Some("user00"),
        "the oldest last"
    );
    // Last sign-in: root signed in, the others never.
    let v = list("query[sort]=last_sign_in".into()).await;
    assert_eq!(names(&v)[0], "root");
    assert!(v["users"][0]["last_sign_in"].is_string());
    assert!(v["users"][1]["last_sign_in"].is_null());
    // Those who never signed in page on by id, nobody twice.
    let cursor = v["next"].as_str().expect("next page").to_string();
    let rest = list(format!(
        "query[sort]=last_sign_in&after={}",
        common::encode(&cursor)
    ))
    .await;
    let mut all = names(&v);
    all.extend(names(&rest));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 61, "root and user00..user59");
}

#[tokio::test]
async fn disabling_ends_sessions_and_stops_tokens_on_the_next_request() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let root = app.session("root", PW).await;
    let ada_session = app.session("ada", PW).await;
    let (_, token) = token(&app, &ada_session, "ci", "read", "").await;
    assert_eq!(bearer_status(&app, &token).await, StatusCode::OK);
    let ada = id_of(&app, "ada").await;
    let r = app
        .post_form(
            "/api/admin/users/disabled",
            &[("id", &ada), ("disabled", "true")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(bearer_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    let r = app
        .get("/api/me", Some(&ada_session), "application/json")
        .await;
    assert!(
        r.status == StatusCode::UNAUTHORIZED || r.body == "null",
        "{} {}",
        r.status,
        r.body
    );
    assert_eq!(app.login("ada", PW).await.status, StatusCode::BAD_REQUEST);
    // The owner is told, and the action audited on their account.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE title = 'Your account was disabled'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.disable' AND target_id = (SELECT id FROM users WHERE username = 'ada')")
            .await,
        1
    );
    // Enabled again: the token works again.
    let r = app
        .post_form(
            "/api/admin/users/disabled",
            &[("id", &ada), ("disabled", "false")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(bearer_status(&app, &token).await, StatusCode::OK);
}

#[tokio::test]
async fn the_last_administrator_stays() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    let root = app.session("root", PW).await;
    let me = id_of(&app, "root").await;
    let r = app
        .post_form(
            "/api/admin/users/role",
            &[("id", &me), ("admin", "false")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("last administrator"), "{}", r.body);
    let r = app
        .post_form(
            "/api/admin/users/disabled",
            &[("id", &me), ("disabled", "true")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // With a second administrator, the first may step down.
    app.create_user("ops", PW).await;
    let ops = id_of(&app, "ops").await;
    let r = app
        .post_form(
            "/api/admin/users/role",
            &[("id", &ops), ("admin", "true")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_form(
            "/api/admin/users/role",
            &[("id", &me), ("admin", "false")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
}

#[tokio::test]
async fn an_account_created_by_an_administrator_sets_its_own_password() {
    let sink = crate::common::smtp::Sink::start().await;
    let app = TestApp::with_env(&[("TESSERA_SMTP_URL", &sink.url())]).await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    let root = app.session("root", PW).await;
    let r = app
        .post_form(
            "/api/admin/users/create",
            &[
                ("username", "x"),
                ("email", "not-an-address"),
                ("admin", "false"),
                ("external", "false"),
            ],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app
        .post_form(
            "/api/admin/users/create",
            &[
                ("username", "newbie"),
                ("email", "newbie@example.org"),
                ("admin", "false"),
                ("external", "false"),
            ],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        !r.body.contains("password"),
        "no password is ever shown: {}",
        r.body
    );
    app.state.background.settle().await;
    tessera::server::notifications::worker::deliver_due(&app.state)
        .await
        .expect("deliver");
    let mails = sink.to("newbie@example.org");
    assert_eq!(mails.len(), 1);
    let token = crate::common::smtp::link_token(&mails[0], "/reset-password");
    let r = app
        .post_form(
            "/api/password/reset",
            &[
                ("token", &token),
                ("new_password", "newbie-horse-42"),
                ("confirm_password", "newbie-horse-42"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.login("newbie", "newbie-horse-42").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.create'")
            .await,
        1
    );
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let app = TestApp::new().await;
    app.create_user("ann", PW).await;
    app.create_user("ben", PW).await;
    promote(&app, "ann").await;
    promote(&app, "ben").await;
    let ann = app.session("ann", PW).await;
    let ben = app.session("ben", PW).await;
    let (ann_id, ben_id) = (id_of(&app, "ann").await, id_of(&app, "ben").await);
    let demote_ben = [("id", ben_id.as_str()), ("admin", "false")];
    let demote_ann = [("id", ann_id.as_str()), ("admin", "false")];
    for _ in 0..5 {
        let (a, b) = tokio::join!(
            app.post_form("/api/admin/users/role", &demote_ben, Some(&ann)),
            app.post_form("/api/admin/users/role", &demote_ann, Some(&ben)),
        );
        let ok = [a.status, b.status]
            .iter()
            .filter(|s| **s == StatusCode::OK)
            .count();
        assert!(ok <= 1, "{} / {}", a.body, b.body);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
                .await,
            1
        );
        // Back to two administrators for the next round.
        app.sql("UPDATE users SET role = 'admin'").await;
    }
}

#[tokio::test]
async fn disabling_voids_the_links_already_mailed() {
    let sink = crate::common::smtp::Sink::start().await;
    let app = TestApp::with_env(&[("TESSERA_SMTP_URL", &sink.url())]).await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let root = app.session("root", PW).await;
    let ada = id_of(&app, "ada").await;
    let r = app
        .post_form("/api/admin/users/reset-link", &[("id", &ada)], Some(&root))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    app.state.background.settle().await;
    tessera::server::notifications::worker::deliver_due(&app.state)
        .await
        .expect("deliver");
    let mail = sink
        .to("ada@example.org")
        .into_iter()
        .find(|m| m.data.contains("reset-password"))
        .expect("reset mail");
    let token = crate::common::smtp::link_token(&mail, "/reset-password");
    let r = app
        .post_form(
            "/api/admin/users/disabled",
            &[("id", &ada), ("disabled", "true")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .post_form(
            "/api/password/reset",
            &[
                ("token", &token),
                ("new_password", "other-horse-42"),
                ("confirm_password", "other-horse-42"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    // And no new link goes out while disabled.
    let r = app
        .post_form("/api/admin/users/reset-link", &[("id", &ada)], Some(&root))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn repeating_a_change_changes_audits_and_tells_nothing() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("ada", PW).await;
    let root = app.session("root", PW).await;
    let ada = id_of(&app, "ada").await;
    for (path, form) in [
        (
            "/api/admin/users/role",
            [("id", ada.as_str()), ("admin", "false")],
        ),
        (
            "/api/admin/users/disabled",
            [("id", ada.as_str()), ("disabled", "false")],
        ),
    ] {
        let r = app.post_form(path, &form, Some(&root)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('user.role', 'user.disable')")
            .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications").await,
        0,
        "ada is told of nothing"
    );
}

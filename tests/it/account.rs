//! Leaving and taking one's data: deleting an account (one's own or, as an
//! administrator, someone's) and the JSON export.

use crate::common::{bearer_status, id_of, promote, token, TestApp};
use http::StatusCode;

const PW: &str = "right-horse-42";

#[tokio::test]
async fn deleting_my_account_removes_everything_keeps_the_audit_and_reserves_the_name() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    let (_, token) = token(&app, &ada, "ci", "read", "").await;
    let id = id_of(&app, "ada").await;

    // The typed username must match.
    let r = app
        .post_form("/api/account/delete", &[("confirm", "adaa")], Some(&ada))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // And sudo mode is needed.
    app.sql("UPDATE sessions SET sudo_at = sudo_at - 601").await;
    let r = app
        .post_form("/api/account/delete", &[("confirm", "ADA")], Some(&ada))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    app.sql("UPDATE sessions SET sudo_at = sudo_at + 601").await;
    let r = app
        .post_form("/api/account/delete", &[("confirm", "ADA")], Some(&ada))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    for table in [
        "users",
        "sessions",
        "api_tokens",
        "notifications",
        "known_devices",
    ] {
        let column = if table == "users" { "id" } else { "user_id" };
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} = '{id}'"
            ))
            .await,
            0,
            "{table}"
        );
    }
    // The audit rows stay, under the new name.
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = '{id}' AND actor_name LIKE 'deleted user #%'"
        ))
        .await
            > 0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE actor_id = '{id}' AND actor_name = 'ada'"
        ))
        .await,
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.delete'")
            .await,
        1
    );
    // Gone: the session, the token, the sign-in.
    let r = app.get("/api/v1/me", None, "application/json").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bearer_status(&app, &token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("ada", PW).await.status, StatusCode::BAD_REQUEST);
    // Name and address are reserved for 30 days.
    let again = tessera::server::auth::create_user(
        &app.state,
        "Ada",
        "ADA@example.org",
        tessera::model::Role::User,
        tessera::model::AccountSource::Local,
        Some(&tessera::server::auth::password::Password::new(PW)),
    )
    .await;
    let err = format!("{:?}", again.expect_err("reserved"));
    assert!(err.contains("username") && err.contains("email"), "{err}");
    app.sql("UPDATE reserved_names SET until = 0").await;
    app.create_user("ada", PW).await;
}

#[tokio::test]
async fn the_last_administrator_cannot_leave_and_admins_delete_others() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    app.create_user("bob", PW).await;
    let root = app.session("root", PW).await;
    let r = app
        .post_form("/api/account/delete", &[("confirm", "root")], Some(&root))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("last administrator"), "{}", r.body);
    let bob = id_of(&app, "bob").await;
    let bob_session = app.session("bob", PW).await;
    // Bob is no administrator.
    let r = app
        .post_form(
            "/api/admin/users/delete",
            &[("id", &bob), ("confirm", "bob")],
            Some(&bob_session),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .post_form(
            "/api/admin/users/delete",
            &[("id", &bob), ("confirm", "bob")],
            Some(&root),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'bob'")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'account.delete' AND actor_name = 'root' AND target_id = '{bob}'"
        ))
        .await,
        1
    );
}

#[tokio::test]
async fn the_export_holds_what_i_stored_and_no_secret() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    app.post_form(
        "/api/profile/names",
        &[
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("display_name", ""),
        ],
        Some(&ada),
    )
    .await;
    token(&app, &ada, "analytics", "read", "").await;
    let r = app.post_form("/api/account/export", &[], Some(&ada)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text: String = serde_json::from_str(&r.body).expect("a JSON string");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the export is JSON");
    assert_eq!(doc["format"], "tessera-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["account"]["username"], "ada");
    assert_eq!(doc["api_tokens"][0]["name"], "analytics");
    assert!(doc["audit"].as_array().expect("audit").len() >= 2);
    assert!(doc["sessions"].as_array().expect("sessions").len() == 1);
    // No stored secret, hash, digest or key appears anywhere in it.
    let mut secrets: Vec<String> = Vec::new();
    for q in [
        "SELECT password_hash FROM users WHERE password_hash IS NOT NULL",
        "SELECT digest FROM api_tokens",
        "SELECT id_hash FROM sessions",
        "SELECT public_id FROM sessions",
    ] {
        let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(q.to_string()))
            .fetch_all(&app.state.db)
            .await
            .expect("rows");
        secrets.extend(rows.into_iter().map(|(s,)| s));
    }
    assert!(secrets.len() >= 4);
    for s in secrets {
        assert!(!text.contains(&s), "the export holds a secret: {s}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'account.export'")
            .await,
        1
    );
}

#[tokio::test]
async fn nothing_queued_for_a_deleted_account_goes_out_but_the_goodbye() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let ada = app.session("ada", PW).await;
    // A mail waiting for her (no SMTP here: it stays queued).
    tessera::server::infra::mail::enqueue(&app.state.db, "ada@example.org", "Waiting", "text")
        .await
        .expect("queue");
    // And one sent long ago, which the delivery status would still show.
    tessera::server::infra::mail::enqueue(&app.state.db, "Ada@example.org", "Sent", "text")
        .await
        .expect("queue");
    app.sql("UPDATE outbox SET status = 'sent' WHERE subject = 'Sent'")
        .await;
    let r = app
        .post_form("/api/account/delete", &[("confirm", "ada")], Some(&ada))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Waiting'")
            .await,
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM outbox WHERE subject = 'Sent' \
             OR (lower(to_addr) = 'ada@example.org' AND subject <> 'Your Tessera account was deleted')"
        )
        .await,
        0,
        "what went out no longer names her"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE subject = 'Your Tessera account was deleted'")
            .await,
        1
    );
    // Reservations that ran out are forgotten.
    app.sql("UPDATE reserved_names SET until = 1").await;
    let purged = tessera::server::db::deleted_accounts::purge_reserved(&app.state.db)
        .await
        .expect("purge");
    assert_eq!(purged, 2);
}

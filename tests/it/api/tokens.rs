//! Personal API tokens: creating, using, regenerating, deleting, validating; last use.

use super::*;
use tessera::server::api::last_used::Kind;

#[tokio::test]
async fn a_token_works_until_regenerated_or_deleted() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (id, value) = token(&app, &s, "laptop", "write", "").await;
    assert!(value.starts_with("tsr_") && value.len() == 42);
    let r = api(&app, Method::GET, "/api/v1/me", &bearer(&value), None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(me["username"], "ada");
    // Only a digest is stored.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE digest LIKE '%{}%'",
            &value[4..20]
        ))
        .await,
        0
    );

    let r = app
        .post_form("/api/tokens/regenerate", &[("id", &id)], Some(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh: Value = serde_json::from_str(&r.body).expect("json");
    let fresh = fresh["value"].as_str().expect("value").to_string();
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&value), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&fresh), None, None)
            .await
            .status,
        StatusCode::OK
    );

    let r = app
        .post_form("/api/tokens/delete", &[("id", &id)], Some(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&fresh), None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'token.%'")
            .await,
        3
    );
}

#[tokio::test]
async fn users_cannot_see_or_touch_each_others_tokens() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    app.create_user("bob", PW).await;
    let a = app.session("ada", PW).await;
    let b = app.session("bob", PW).await;
    let (id, value) = token(&app, &a, "ada's", "write", "").await;
    let r = app
        .get("/api/tokens/list", Some(&b), "application/json")
        .await;
    assert!(!r.body.contains("ada's"), "{}", r.body);
    assert_eq!(
        app.post_form("/api/tokens/delete", &[("id", &id)], Some(&b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_form("/api/tokens/regenerate", &[("id", &id)], Some(&b))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&value), None, None)
            .await
            .status,
        StatusCode::OK
    );
    let (_, bobs) = token(&app, &b, "bob's", "read", "").await;
    let r = api(
        &app,
        Method::GET,
        "/api/v1/me/tokens",
        &bearer(&bobs),
        None,
        None,
    )
    .await;
    assert!(
        r.body.contains("bob's") && !r.body.contains("ada's"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn token_settings_are_validated_with_each_bad_entry_named() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", " "),
                ("days", "400"),
                ("scope", "admin"),
                ("allowed_ips", "10.0.0.1, 10.0.0.300, foo/8"),
            ],
            Some(&s),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for needle in [
        "Give it a name.",
        "between 1 and 365 days",
        "read-only or read and write",
        "10.0.0.300, foo/8",
    ] {
        assert!(r.body.contains(needle), "{needle}: {}", r.body);
    }
    token(&app, &s, "ci", "read", "").await;
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", "ci"),
                ("days", "7"),
                ("scope", "read"),
                ("allowed_ips", ""),
            ],
            Some(&s),
        )
        .await;
    assert!(
        r.body.contains("already have one with this name"),
        "{}",
        r.body
    );
    tessera::server::workspace::set(&app.state.db, "token_max_days", "30")
        .await
        .expect("set");
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", "long"),
                ("days", "90"),
                ("scope", "read"),
                ("allowed_ips", ""),
            ],
            Some(&s),
        )
        .await;
    assert!(r.body.contains("between 1 and 30 days"), "{}", r.body);
}

/// One API request with token `t` from address `ip`.
async fn use_from(app: &TestApp, t: &str, ip: &str) {
    api(app, Method::GET, "/api/v1/me", &bearer(t), None, Some(ip)).await;
}

#[tokio::test]
async fn last_use_is_kept_in_memory_and_written_in_batches() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (id, t) = token(&app, &s, "t", "read", "").await;
    let listed = || async {
        app.get("/api/tokens/list", Some(&s), "application/json")
            .await
            .body
    };
    let written_from = |ip: &'static str| {
        let (app, id) = (&app, &id);
        async move {
            app.count(&format!(
                "SELECT COUNT(*) FROM api_tokens WHERE id = '{id}' AND last_used_ip = '{ip}' AND last_used_at IS NOT NULL"
            ))
            .await
        }
    };
    for _ in 0..5 {
        use_from(&app, &t, "192.0.2.4").await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL")
            .await,
        0,
        "no write per request"
    );
    let body = listed().await;
    assert!(
        body.contains("192.0.2.4"),
        "the list already shows it: {body}"
    );
    // While the flush writes it, the use is still shown (it was taken out of
    // memory before the row was written: a list read then said "never").
    // Another transaction holds the row, so the flush cannot have written it
    // before the list is read, on either engine (unheld, a write on
    // PostgreSQL could be done within the one poll, and the test failed now
    // and then).
    let mut holder = app.state.db.begin().await.expect("begin");
    sqlx::query("UPDATE api_tokens SET name = name WHERE id = $1")
        .bind(&id)
        .execute(&mut *holder)
        .await
        .expect("hold the row");
    let mut flush = std::pin::pin!(app.state.last_used.flush(&app.state.db));
    assert!(
        futures::FutureExt::now_or_never(flush.as_mut()).is_none(),
        "the write waits on the database"
    );
    let body = listed().await;
    assert!(
        body.contains("192.0.2.4"),
        "shown while it is written: {body}"
    );
    // A use while the flush writes stays for the next flush.
    use_from(&app, &t, "192.0.2.5").await;
    holder.commit().await.expect("commit");
    assert_eq!(flush.await, 1);
    assert_eq!(written_from("192.0.2.4").await, 1);
    assert_eq!(app.state.last_used.flush(&app.state.db).await, 1);
    assert_eq!(written_from("192.0.2.5").await, 1);
    // Written, nothing is pending: the next flush has nothing to do.
    assert_eq!(app.state.last_used.flush(&app.state.db).await, 0);
}

#[tokio::test]
async fn an_older_use_never_overwrites_a_newer_one() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (id, t) = token(&app, &s, "t", "read", "").await;
    use_from(&app, &t, "192.0.2.4").await;
    // Meanwhile another server noted a later use and wrote it first.
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1, last_used_ip = '192.0.2.8' WHERE id = $2",
    )
    .bind(tessera::server::db::now() + 120)
    .bind(&id)
    .execute(&app.state.db)
    .await
    .expect("another server's use");
    let listed = app
        .get("/api/tokens/list", Some(&s), "application/json")
        .await
        .body;
    assert!(
        listed.contains("192.0.2.8") && !listed.contains("192.0.2.4"),
        "the newer use is shown: {listed}"
    );
    assert_eq!(
        app.state.last_used.flush(&app.state.db).await,
        0,
        "no row changed"
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE id = '{id}' AND last_used_ip = '192.0.2.8'"
        ))
        .await,
        1,
        "the older use did not overwrite it"
    );
    assert_eq!(
        app.state.last_used.pending(Kind::Token, &id),
        None,
        "and is done with"
    );
}

#[tokio::test]
async fn a_new_secret_is_never_shown_used_by_the_old_one() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (id, t) = token(&app, &s, "t", "read", "").await;
    let never_used = || async {
        let listed = app
            .get("/api/tokens/list", Some(&s), "application/json")
            .await
            .body;
        assert!(listed.contains("\"last_used\":null"), "{listed}");
        assert_eq!(app.state.last_used.flush(&app.state.db).await, 0);
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM api_tokens WHERE id = '{id}' AND last_used_at IS NULL"
            ))
            .await,
            1
        );
    };
    // Regenerated here: the use noted of the old secret is dropped.
    use_from(&app, &t, "192.0.2.4").await;
    let r = app
        .post_form("/api/tokens/regenerate", &[("id", &id)], Some(&s))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    never_used().await;
    // Regenerated by another server (a newer secret than this server's
    // mark): the mark is neither shown nor written.
    let fresh: Value = serde_json::from_str(&r.body).expect("json");
    let fresh = fresh["value"].as_str().expect("value").to_string();
    use_from(&app, &fresh, "192.0.2.5").await;
    sqlx::query("UPDATE api_tokens SET created_at = $1 WHERE id = $2")
        .bind(tessera::server::db::now() + 120)
        .bind(&id)
        .execute(&app.state.db)
        .await
        .expect("another server's new secret");
    never_used().await;
}

//! Personal API tokens, app passwords and the REST API, through the real router.

use crate::common;

use axum::body::Body;
use base64::Engine;
use common::{Reply, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

const PW: &str = "right-horse-42";

async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: &str,
    body: Option<Value>,
    from: Option<&str>,
) -> Reply {
    let mut req = Request::builder().method(method).uri(path);
    if !auth.is_empty() {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let body = match body {
        Some(v) => {
            req = req.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    app.send(req.body(body).expect("request"), from).await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn code(r: &Reply) -> String {
    let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or("").to_string()
}

/// Creates a token through the settings page's server function; returns (id, value).
async fn token(
    app: &TestApp,
    session: &str,
    name: &str,
    scope: &str,
    ips: &str,
) -> (String, String) {
    let r = app
        .post_form(
            "/api/tokens/create",
            &[
                ("name", name),
                ("days", "30"),
                ("scope", scope),
                ("allowed_ips", ips),
            ],
            Some(session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    (
        v["token"]["id"].as_str().expect("id").to_string(),
        v["value"].as_str().expect("value").to_string(),
    )
}

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
async fn every_refusal_has_its_status_and_code() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (_, read) = token(&app, &s, "read", "read", "").await;
    let (_, subnet) = token(&app, &s, "subnet", "write", "10.0.0.0/8, 2001:db8::/32").await;
    let (expired_id, expired) = token(&app, &s, "old", "write", "").await;
    app.sql(&format!(
        "UPDATE api_tokens SET expires_at = 1 WHERE id = '{expired_id}'"
    ))
    .await;

    let r = api(&app, Method::GET, "/api/v1/me", "", None, None).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert!(r.headers.contains_key(header::WWW_AUTHENTICATE));
    let mut typo = read.clone().into_bytes();
    typo[10] = if typo[10] == b'x' { b'y' } else { b'x' };
    let typo = String::from_utf8(typo).expect("ascii");
    for bad in [
        "Bearer nonsense",
        &bearer(&typo),
        &bearer(&expired),
        "Basic !!!",
    ] {
        let r = api(&app, Method::GET, "/api/v1/me", bad, None, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    // Well-formed but unknown (valid checksum): still 401.
    let unknown = tessera::server::api::token::generate();
    assert_eq!(
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &bearer(&unknown),
            None,
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );

    let r = api(
        &app,
        Method::PATCH,
        "/api/v1/me",
        &bearer(&read),
        Some(json!({"first_name": "A"})),
        None,
    )
    .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::FORBIDDEN, "read_only_token")
    );
    assert_eq!(
        api(&app, Method::GET, "/api/v1/me", &bearer(&read), None, None)
            .await
            .status,
        StatusCode::OK
    );

    let r = api(
        &app,
        Method::GET,
        "/api/v1/me",
        &bearer(&subnet),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::FORBIDDEN, "ip_not_allowed")
    );
    let r = api(
        &app,
        Method::GET,
        "/api/v1/me",
        &bearer(&subnet),
        None,
        Some("10.9.8.7"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(
        &app,
        Method::GET,
        "/api/v1/me",
        &bearer(&subnet),
        None,
        Some("2001:db8::5"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api(
        &app,
        Method::GET,
        "/api/v1/me",
        &bearer(&subnet),
        None,
        Some("::ffff:10.1.1.1"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "v4-mapped v6 client");

    let r = api(
        &app,
        Method::GET,
        "/api/v1/admin/users",
        &bearer(&read),
        None,
        None,
    )
    .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let r = api(
        &app,
        Method::GET,
        "/api/v1/nothing-here",
        &bearer(&read),
        None,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Browser sessions do not open the API.
    let r = app.get("/api/v1/me", Some(&s), "application/json").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn spoofed_forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    for (trusted, expected) in [("", StatusCode::FORBIDDEN), ("127.0.0.1", StatusCode::OK)] {
        let app = TestApp::with_env(&[("TESSERA_TRUSTED_PROXIES", trusted)]).await;
        app.create_user("ada", PW).await;
        let s = app.session("ada", PW).await;
        let (_, t) = token(&app, &s, "subnet", "read", "10.0.0.0/8").await;
        let req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, bearer(&t))
            .header("x-forwarded-for", "10.0.0.1")
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            app.send(req, None).await.status,
            expected,
            "trusted proxies: {trusted:?}"
        );
    }
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

#[tokio::test]
async fn patch_me_applies_the_profile_rules() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (_, t) = token(&app, &s, "w", "write", "").await;
    let r = api(&app, Method::PATCH, "/api/v1/me", &bearer(&t),
        Some(json!({"phone": "030 1234", "time_zone": "Mars/Olympus", "first_name": "x".repeat(101)})), None).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "validation")
    );
    for f in ["phone", "time_zone", "first_name"] {
        assert!(
            r.body.contains(&format!("\"field\":\"{f}\"")),
            "{f}: {}",
            r.body
        );
    }
    let r = api(&app, Method::PATCH, "/api/v1/me", &bearer(&t),
        Some(json!({"first_name": "Ada", "phone": "+49 30 901820", "time_zone": "Europe/Berlin", "language": "de"})), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let me: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(
        (
            me["first_name"].as_str(),
            me["phone"].as_str(),
            me["language"].as_str()
        ),
        (Some("Ada"), Some("+4930901820"), Some("de"))
    );
    let r = api(
        &app,
        Method::PATCH,
        "/api/v1/me",
        &bearer(&t),
        Some(json!({"role": "admin"})),
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown fields are refused: {}",
        r.body
    );
    assert_eq!(code(&r), "bad_request", "in the API's error shape");
    tessera::server::workspace::set(&app.state.db, "lock_profiles", "true")
        .await
        .expect("set");
    let r = api(
        &app,
        Method::PATCH,
        "/api/v1/me",
        &bearer(&t),
        Some(json!({"display_name": "Countess"})),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

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

#[tokio::test]
async fn last_use_is_kept_in_memory_and_written_in_batches() {
    let app = TestApp::new().await;
    app.create_user("ada", PW).await;
    let s = app.session("ada", PW).await;
    let (id, t) = token(&app, &s, "t", "read", "").await;
    for _ in 0..5 {
        api(
            &app,
            Method::GET,
            "/api/v1/me",
            &bearer(&t),
            None,
            Some("192.0.2.4"),
        )
        .await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM api_tokens WHERE last_used_at IS NOT NULL")
            .await,
        0,
        "no write per request"
    );
    let r = app
        .get("/api/tokens/list", Some(&s), "application/json")
        .await;
    assert!(
        r.body.contains("192.0.2.4"),
        "the list already shows it: {}",
        r.body
    );
    assert_eq!(app.state.last_used.flush(&app.state.db).await, 1);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM api_tokens WHERE id = '{id}' AND last_used_ip = '192.0.2.4' AND last_used_at IS NOT NULL")).await,
        1
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = TestApp::new().await;
    let r = app
        .get("/api/v1/openapi.json", None, "application/json")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.body).expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let expected = [
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/tokens", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/tokens", "get"),
        ("/api/v1/admin/tokens/{id}", "delete"),
        ("/api/v1/me/notifications", "get"),
        ("/api/v1/me/notifications/read", "post"),
        ("/api/v1/admin/notifications", "post"),
    ];
    for (path, method) in expected {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    assert_eq!(
        doc["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|p| p.as_object().expect("ops").len())
            .sum::<usize>(),
        expected.len()
    );
    let page = app.get("/api/docs", None, "text/html").await;
    assert_eq!(page.status, StatusCode::OK);
    for (path, method) in expected {
        assert!(
            page.body
                .contains(&format!("{} {path}", method.to_uppercase())),
            "{method} {path} not on the page"
        );
    }
}

/// Makes `name` an administrator.
async fn promote(app: &TestApp, name: &str) {
    app.sql(&format!(
        "UPDATE users SET role = 'admin' WHERE username = '{name}'"
    ))
    .await;
}

fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

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

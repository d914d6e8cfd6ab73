//! `/api/v1/me`, refusals and their codes, client addresses, the OpenAPI document.

use super::*;

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

/// The OpenAPI description as anyone may fetch it.
async fn openapi(app: &TestApp) -> Value {
    let r = app
        .get("/api/v1/openapi.json", None, "application/json")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    serde_json::from_str(&r.body).expect("json")
}

/// What the OpenAPI description says a field accepts is what the server
/// accepts: schemathesis generates from these patterns, and a description
/// looser than the server has most of its cases refused (it found this for
/// `POST /api/v1/admin/users` and `/admin/notifications`).
#[tokio::test]
async fn the_openapi_patterns_agree_with_the_server() {
    use tessera::lang::Locale;
    let app = TestApp::new().await;
    let doc = openapi(&app).await;
    let schemas = &doc["components"]["schemas"];
    let pattern = |schema: &str, field: &str| {
        let p = schemas[schema]["properties"][field]["pattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{schema}.{field} has no pattern"));
        regex::Regex::new(p).expect("pattern")
    };
    let username = pattern("CreateUser", "username");
    let (a32, a33) = ("a".repeat(32), "a".repeat(33));
    for name in [
        "ab",
        "a",
        "ada",
        " ada ",
        "a.b_c-d",
        ".ada",
        "_ada",
        "-ada",
        "ada lovelace",
        "adä",
        "ada\u{7f}",
        &a32,
        &a33,
        "",
        "  ",
    ] {
        let server = tessera::validate::username(name, Locale::en).is_ok();
        assert_eq!(username.is_match(name), server, "username {name:?}");
    }
    let email = pattern("CreateUser", "email");
    for address in [
        "a@b.c",
        " a@b.c ",
        "ada@example.org",
        "a@localhost",
        "a@bc",
        "a@.b.c",
        "a@b.c.",
        "a@b..c",
        "@b.c",
        "a@@b.c",
        "a@b@c.d",
        "a b@c.d",
        "a@b .c",
        "a\u{85}@b.c",
        "a\u{1}@b.c",
        "a@b.c\u{9f}",
        "ä@ü.de",
        "",
    ] {
        let server = tessera::validate::email(address, Locale::en).is_ok();
        assert_eq!(email.is_match(address), server, "email {address:?}");
    }
    let area = pattern("Publish", "area");
    for a in tessera::model::NotificationArea::ALL {
        assert!(area.is_match(a.as_str()), "{}", a.as_str());
    }
    assert!(!area.is_match("weather"));
    let title = &schemas["Publish"]["properties"]["title"];
    assert_eq!(title["maxLength"], 200);
    assert!(!pattern("Publish", "title").is_match("   "));
}

#[tokio::test]
async fn the_openapi_document_lists_every_endpoint() {
    let app = TestApp::new().await;
    let doc = openapi(&app).await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let expected = [
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/tokens", "get"),
        ("/api/v1/me/passkeys", "get"),
        ("/api/v1/admin/users", "get"),
        ("/api/v1/admin/users", "post"),
        ("/api/v1/admin/users/{id}", "patch"),
        ("/api/v1/admin/users/{id}", "delete"),
        ("/api/v1/admin/audit", "get"),
        ("/api/v1/admin/tokens", "get"),
        ("/api/v1/admin/tokens/{id}", "delete"),
        ("/api/v1/me/notifications", "get"),
        ("/api/v1/me/notifications/read", "post"),
        ("/api/v1/admin/notifications", "post"),
        ("/api/v1/me/notification-preferences", "get"),
        ("/api/v1/me/notification-preferences", "put"),
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
    // Every refusal the shared layers give is documented (schemathesis, in
    // `make battery`, refuses any status the document does not name).
    for (path, method) in expected {
        let op = &doc["paths"][path][method];
        let mut want = vec!["401", "429"];
        if op["requestBody"].is_object() {
            want.extend(["400", "415", "422"]);
        }
        for code in want {
            assert!(
                op["responses"][code].is_object(),
                "{method} {path} does not document {code}"
            );
        }
    }
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

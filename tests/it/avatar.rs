//! Avatar upload through the real multipart endpoint, and how avatars are served.

use crate::common;

use axum::body::Body;
use common::TestApp;
use http::{header, Request, StatusCode};
use std::io::Cursor;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbaImage::from_pixel(w, h, image::Rgba([10, 120, 200, 255]))
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}

async fn upload(app: &TestApp, cookie: &str, bytes: &[u8]) -> common::Reply {
    let boundary = "XtesseraBoundaryX";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/api/avatar/upload")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ORIGIN, common::ORIGIN)
        .header(header::COOKIE, format!("tessera_session={cookie}"))
        .body(Body::from(body))
        .expect("request");
    app.send(req, None).await
}

async fn avatar_url(app: &TestApp, cookie: &str) -> Option<String> {
    let me: serde_json::Value = serde_json::from_str(
        &app.get("/api/me", Some(cookie), "application/json")
            .await
            .body,
    )
    .expect("json");
    me["avatar_url"].as_str().map(str::to_string)
}

async fn fetch(app: &TestApp, url: &str) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let res = app
        .router
        .clone()
        .oneshot(Request::get(url).body(Body::empty()).expect("req"))
        .await
        .expect("res");
    let (parts, body) = res.into_parts();
    (
        parts.status,
        parts.headers,
        body.collect().await.expect("body").to_bytes().to_vec(),
    )
}

#[tokio::test]
async fn an_upload_is_resized_and_served_with_cache_headers() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    assert_eq!(avatar_url(&app, &id).await, None);
    let r = upload(&app, &id, &png(800, 600)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let url = avatar_url(&app, &id).await.expect("avatar url");
    let (status, headers, bytes) = fetch(&app, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers[header::CACHE_CONTROL]
        .to_str()
        .expect("str")
        .contains("immutable"));
    let img = image::load_from_memory(&bytes).expect("a real image");
    assert_eq!((img.width(), img.height()), (256, 256));
}

#[tokio::test]
async fn a_polyglot_loses_its_payload() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    let mut file = png(64, 64);
    file.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    assert_eq!(upload(&app, &id, &file).await.status, StatusCode::OK);
    let (_, _, bytes) = fetch(&app, &avatar_url(&app, &id).await.expect("url")).await;
    assert!(!String::from_utf8_lossy(&bytes).contains("<script>"));
}

#[tokio::test]
async fn bad_files_are_refused_and_the_old_avatar_stays() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    assert_eq!(
        upload(&app, &id, &png(100, 100)).await.status,
        StatusCode::OK
    );
    let before = avatar_url(&app, &id).await;

    let mut bomb = png(1, 1);
    bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "text",
            b"just some text".to_vec(),
            "Use a PNG, JPEG, WebP or GIF image.",
        ),
        (
            "svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>".to_vec(),
            "Use a PNG",
        ),
        (
            "truncated png",
            png(50, 50)[..60].to_vec(),
            "could not be read",
        ),
        ("pixel bomb", bomb, ""),
        (
            "oversized",
            vec![0u8; 5 * 1024 * 1024 + 10],
            "larger than 5 MB",
        ),
    ];
    for (name, bytes, message) in cases {
        let r = upload(&app, &id, &bytes).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(
            r.body.contains("avatar") && r.body.contains(message),
            "{name}: {}",
            r.body
        );
        assert_eq!(
            avatar_url(&app, &id).await,
            before,
            "{name}: the old avatar stays"
        );
    }
}

#[tokio::test]
async fn remove_shows_initials_again_and_the_old_url_is_gone() {
    let app = TestApp::new().await;
    app.create_user("ada", "right-horse-42").await;
    let id = app.session("ada", "right-horse-42").await;
    upload(&app, &id, &png(100, 100)).await;
    let url = avatar_url(&app, &id).await.expect("url");
    let r = app.post_form("/api/avatar/remove", &[], Some(&id)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(avatar_url(&app, &id).await, None);
    assert_eq!(fetch(&app, &url).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn uploading_needs_a_session() {
    let app = TestApp::new().await;
    let r = upload(&app, &"ab".repeat(32), &png(10, 10)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

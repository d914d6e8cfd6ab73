//! Malformed input against every server function (#18): wrong types, huge and
//! negative numbers, control characters, invalid UTF-8, duplicate and nested
//! fields, a 10 MB body, the wrong content type. Each is sent signed in as an
//! administrator in sudo mode, so it reaches as deep as input can go.
//!
//! Goal: no answer ≥ 500 (a panic answers 500 or breaks the request), and every
//! refusal in the documented shape: a server function's `AppError` as JSON, or
//! one of the HTTP layer's own short answers.
//!
//! The server functions are found by reading `src/` (endpoint, codec and
//! argument names), so a new one is covered without touching this file; the
//! test fails if it finds fewer than the server registered.

use crate::api::{api, bearer};
use crate::common::{encode, promote, TestApp, ORIGIN};
use axum::body::Body;
use http::{header, Method, Request, StatusCode};
use serde_json::json;
use std::path::Path;
use tessera::error::AppError;

const PW: &str = "correct horse battery staple";

/// How a server function takes its arguments.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Codec {
    /// `GetUrl`: a query string.
    Query,
    /// The default `PostUrl`: an urlencoded form.
    Form,
    /// `MultipartFormData`.
    Multipart,
}

#[derive(Debug)]
struct ServerFn {
    path: String,
    codec: Codec,
    /// Argument names, each with whether its type is a struct (sent as
    /// `name[field]=…`).
    args: Vec<(String, bool)>,
}

/// Every `#[server(endpoint = "…")]` function under `src/`.
fn server_functions() -> Vec<ServerFn> {
    let mut files = Vec::new();
    crate::architecture::rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("source file");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("#[server(") {
            rest = &rest[at..];
            let attr_end = rest.find(")]").expect("end of #[server]");
            let attr = &rest[..attr_end];
            let Some((endpoint, _)) = attr
                .split_once("endpoint = \"")
                .and_then(|(_, e)| e.split_once('"'))
            else {
                panic!("#[server] without endpoint in {}", file.display());
            };
            let codec = if attr.contains("GetUrl") {
                Codec::Query
            } else if attr.contains("MultipartFormData") {
                Codec::Multipart
            } else {
                Codec::Form
            };
            let sig_start = rest.find("pub async fn ").expect("server fn signature");
            let sig = &rest[sig_start..];
            let open = sig.find('(').expect("(");
            let close = matching_paren(sig, open);
            let args = split_top_level(&sig[open + 1..close])
                .into_iter()
                .filter_map(|a| {
                    let (name, ty) = a.split_once(':')?;
                    let ty = ty.trim();
                    let plain = [
                        "String", "bool", "i64", "i32", "u32", "u64", "Option<", "Vec<",
                    ]
                    .iter()
                    .any(|p| ty.starts_with(p));
                    Some((name.trim().to_string(), !plain))
                })
                .collect();
            found.push(ServerFn {
                path: format!("/api/{endpoint}"),
                codec,
                args,
            });
            rest = &sig[close..];
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

fn matching_paren(s: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced signature");
}

fn split_top_level(s: &str) -> Vec<String> {
    let (mut parts, mut cur, mut depth) = (Vec::new(), String::new(), 0i32);
    for c in s.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts.into_iter().filter(|p| !p.trim().is_empty()).collect()
}

/// Values that are wrong for most fields: each is sent in every argument at once.
fn hostile_values() -> Vec<String> {
    vec![
        String::new(),
        "-1".into(),
        "-9223372036854775809".into(),
        "18446744073709551616".into(),
        "1e309".into(),
        "NaN".into(),
        "true".into(),
        "[]".into(),
        "{\"a\":1}".into(),
        "\u{0}\u{1}\u{7}\u{1b}[2J\u{7f}\r\n".into(),
        "\u{202e}gnp.exe\u{200b}\u{feff}".into(),
        "../../../../etc/passwd".into(),
        "' OR 1=1; DROP TABLE users; --".into(),
        "<script>alert(1)</script>".into(),
        "😀".repeat(2_000),
        "a".repeat(100_000),
        "Europe/../../etc".into(),
        "http://evil.example/".into(),
    ]
}

/// A body (or query string) with every argument set to `value`.
fn form_with(f: &ServerFn, value: &str) -> String {
    f.args
        .iter()
        .map(|(name, is_struct)| {
            if *is_struct {
                format!("{name}%5Bx%5D={0}&{name}%5Bname%5D={0}", encode(value))
            } else {
                format!("{name}={}", encode(value))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Raw bodies that are wrong whatever the function: not about values but the
/// encoding itself.
fn raw_bodies(f: &ServerFn) -> Vec<(&'static str, Vec<u8>)> {
    let names: Vec<&str> = f.args.iter().map(|(n, _)| n.as_str()).collect();
    let first = names.first().copied().unwrap_or("x");
    let duplicated = names
        .iter()
        .flat_map(|n| [format!("{n}=a"), format!("{n}=b")])
        .collect::<Vec<_>>()
        .join("&");
    let mut nested = first.to_string();
    for _ in 0..2_000 {
        nested.push_str("%5Ba%5D");
    }
    nested.push_str("=1");
    vec![
        ("empty", Vec::new()),
        (
            "invalid UTF-8",
            [first.as_bytes(), b"=%FF%FE%C0%AF&\xff\xfe=\xc3"].concat(),
        ),
        ("duplicate fields", duplicated.into_bytes()),
        ("deep nesting", nested.into_bytes()),
        (
            "bare percent signs",
            format!("{first}=%&%%=%G1&=&&").into_bytes(),
        ),
        (
            "10 MB",
            [first.as_bytes(), b"=", &vec![b'a'; 10 << 20]].concat(),
        ),
    ]
}

struct Caller<'a> {
    app: &'a TestApp,
    session: String,
    sent: usize,
    /// How many answers had each status.
    statuses: std::collections::BTreeMap<u16, usize>,
}

impl Caller<'_> {
    /// A session of the administrator in sudo mode: a fresh one when a call
    /// (sign-out, a password change) ended the last.
    async fn session(&mut self) -> String {
        if self.session.is_empty() || self.app.whoami(&self.session).await.is_none() {
            let from = format!("10.9.{}.{}", self.sent / 250 % 250, self.sent % 250 + 1);
            let r = self
                .app
                .post_form_from(
                    "/api/login",
                    &[("login", "root"), ("password", PW)],
                    None,
                    Some(&from),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "re-sign-in: {}", r.body);
            self.session = r.session_cookie().expect("session");
        }
        self.session.clone()
    }

    async fn send(&mut self, f: &ServerFn, what: &str, content_type: &str, body: Vec<u8>) {
        let session = self.session().await;
        self.sent += 1;
        let from = format!(
            "10.{}.{}.{}",
            self.sent / 62_500 % 250,
            self.sent / 250 % 250,
            self.sent % 250 + 1
        );
        let mut req = if f.codec == Codec::Query {
            let query = String::from_utf8_lossy(&body).into_owned();
            Request::builder().method(Method::GET).uri(format!(
                "{}?{}",
                f.path,
                query.replace(['\u{fffd}', ' '], "%FF")
            ))
        } else {
            Request::builder().method(Method::POST).uri(&f.path)
        };
        req = req
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, format!("tessera_session={session}"));
        let body = if f.codec == Codec::Query {
            Vec::new()
        } else {
            body
        };
        let Ok(req) = req.body(Body::from(body)) else {
            return; // not even expressible as a request (an invalid URI)
        };
        let r = self.app.send(req, Some(&from)).await;
        *self.statuses.entry(r.status.as_u16()).or_default() += 1;
        if r.status == StatusCode::FORBIDDEN && std::env::var_os("MALFORMED_DEBUG").is_some() {
            eprintln!(
                "403 {} {what}: {}",
                f.path,
                r.body.chars().take(120).collect::<String>()
            );
        }
        let shown = r.body.chars().take(300).collect::<String>();
        assert!(
            r.status.as_u16() < 500,
            "{} with {what}: {} {shown}",
            f.path,
            r.status
        );
        if r.status.is_client_error() {
            let documented = serde_json::from_str::<AppError>(&r.body).is_ok()
                || (r.status == StatusCode::PAYLOAD_TOO_LARGE && r.body.len() < 200)
                || (r.status == StatusCode::BAD_REQUEST
                    && r.body.len() < 200
                    && !r.body.contains("serde"));
            assert!(
                documented,
                "{} with {what}: {} is not a documented refusal: {shown}",
                f.path, r.status
            );
        }
    }
}

#[tokio::test]
async fn no_server_function_fails_or_leaks_on_malformed_input() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    let functions = server_functions();
    let registered = leptos::server_fn::axum::server_fn_paths().count();
    assert!(
        functions.len() >= registered && registered >= 60,
        "read {} server functions from src/, the server registered {registered}",
        functions.len()
    );
    let mut caller = Caller {
        app: &app,
        session: String::new(),
        sent: 0,
        statuses: Default::default(),
    };
    for f in &functions {
        if f.codec == Codec::Multipart {
            for (what, ct, body) in [
                ("no boundary", "multipart/form-data", b"--x\r\n\r\n".to_vec()),
                (
                    "a truncated part",
                    "multipart/form-data; boundary=x",
                    b"--x\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n"
                        .to_vec(),
                ),
                (
                    "garbage for an image",
                    "multipart/form-data; boundary=x",
                    [
                        &b"--x\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"../../x.png\"\r\nContent-Type: image/png\r\n\r\n"[..],
                        &[0x89, b'P', b'N', b'G', 0xff, 0, 0, 0, 0xff, 0xff][..],
                        b"\r\n--x--\r\n",
                    ]
                    .concat(),
                ),
                ("a form instead", "application/x-www-form-urlencoded", b"avatar=1".to_vec()),
            ] {
                caller.send(f, what, ct, body).await;
            }
            continue;
        }
        let form = "application/x-www-form-urlencoded";
        for value in hostile_values() {
            let what = format!(
                "every argument = {:?}",
                value.chars().take(20).collect::<String>()
            );
            caller
                .send(f, &what, form, form_with(f, &value).into_bytes())
                .await;
        }
        for (what, body) in raw_bodies(f) {
            caller.send(f, what, form, body).await;
        }
        caller
            .send(
                f,
                "JSON instead of a form",
                "application/json",
                br#"{"a":[1,{"b":null}]}"#.to_vec(),
            )
            .await;
        caller.send(f, "no content type", "", b"a=1".to_vec()).await;
        // "true" made two-factor authentication mandatory (or a settings save
        // did): the administrator, who has none, could do nothing more.
        app.sql("DELETE FROM settings WHERE key = 'two_factor_mandatory'")
            .await;
    }
    eprintln!(
        "{} requests to {} server functions; answers by status: {:?}",
        caller.sent,
        functions.len(),
        caller.statuses
    );
    assert!(caller.sent > 1_000, "sent only {}", caller.sent);
    // The input reached the functions' own checks, not only the front door.
    for status in [200, 400, 404, 422] {
        assert!(
            caller.statuses.contains_key(&status),
            "no answer was {status}"
        );
    }
    // The administrator and the data are still there.
    let s = caller.session().await;
    assert_eq!(app.whoami(&s).await.as_deref(), Some("root"));
}

/// The REST API's JSON bodies with NUL characters and other text PostgreSQL
/// cannot store (found by schemathesis: a NUL in `ids` answered 500 there).
#[tokio::test]
async fn no_rest_endpoint_fails_on_text_the_database_cannot_hold() {
    let app = TestApp::new().await;
    app.create_user("root", PW).await;
    promote(&app, "root").await;
    let s = app.session("root", PW).await;
    let (_, t) = crate::common::token(&app, &s, "fuzz", "write", "").await;
    let nul = "a\u{0}b";
    let requests = [
        (
            Method::PATCH,
            "/api/v1/me".to_string(),
            Some(json!({ "display_name": nul, "phone": nul, "time_zone": nul })),
        ),
        (
            Method::POST,
            "/api/v1/me/notifications/read".to_string(),
            Some(json!({ "all": false, "ids": [nul, "\u{0}"] })),
        ),
        (
            Method::PUT,
            "/api/v1/me/notification-preferences".to_string(),
            Some(json!({ nul: { nul: true } })),
        ),
        (
            Method::POST,
            "/api/v1/admin/users".to_string(),
            Some(json!({ "username": nul, "email": nul })),
        ),
        (
            Method::POST,
            "/api/v1/admin/notifications".to_string(),
            Some(json!({ "area": "alerts", "title": nul, "body": nul })),
        ),
        (
            Method::GET,
            format!("/api/v1/admin/audit?actor={}", encode(nul)),
            None,
        ),
    ];
    for (method, path, body) in requests {
        let r = api(&app, method.clone(), &path, &bearer(&t), body, None).await;
        assert!(
            r.status.as_u16() < 500,
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
        let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
        if r.status.is_client_error() {
            assert!(
                v["error"]["code"].is_string(),
                "{method} {path}: {}",
                r.body
            );
        }
    }
}

//! The REST API through the real router, by resource; the helpers they share.

use crate::common;

mod admin;
mod app_passwords;
mod me;
mod notifications;
mod tokens;

use axum::body::Body;
use base64::Engine;
pub(crate) use common::{promote, token};
use common::{Reply, TestApp};
use http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

pub(crate) const PW: &str = "right-horse-42";

pub(crate) async fn api(
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

pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub(crate) fn code(r: &Reply) -> String {
    let v: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    v["error"]["code"].as_str().unwrap_or("").to_string()
}

pub(crate) fn json(r: &Reply) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body))
}

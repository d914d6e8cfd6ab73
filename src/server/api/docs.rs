//! The OpenAPI 3 description, generated from the handlers' annotations, and a
//! browsable page rendered from it on the server (no scripts, no CDN).

use super::{admin, me, notifications};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera REST API",
        description = "Authenticate with a personal API token (`Authorization: Bearer tsr_…`) or, for \
                       clients that cannot do 2FA, HTTP Basic with your username and an app password. \
                       Errors are `{\"error\":{\"code\":…,\"message\":…}}`."
    ),
    paths(
        me::get_me,
        me::patch_me,
        me::my_tokens,
        notifications::my_notifications,
        notifications::mark_notifications_read,
        notifications::my_preferences,
        notifications::put_preferences,
        admin::admin_users,
        admin::admin_create_user,
        admin::admin_patch_user,
        admin::admin_delete_user,
        admin::admin_audit,
        admin::admin_tokens,
        admin::admin_revoke_token,
        admin::admin_publish
    ),
    modifiers(&Security),
    tags((name = "me", description = "The caller's own account"),
         (name = "admin", description = "Administrators only"))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tsr_…")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "app_password",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

/// `GET /api/v1/openapi.json`
pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/docs`: every endpoint with its description, parameters and answers.
pub async fn page() -> Html<String> {
    let doc = ApiDoc::openapi();
    let mut body = String::new();
    body.push_str(&format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"/api/v1/openapi.json\">openapi.json</a></p>",
        escape(&doc.info.title),
        escape(doc.info.description.as_deref().unwrap_or(""))
    ));
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("PATCH", &item.patch),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            body.push_str(&format!(
                "<section class=\"card\"><h2><code>{method} {}</code></h2><p>{}</p>",
                escape(path),
                escape(
                    op.description
                        .as_deref()
                        .or(op.summary.as_deref())
                        .unwrap_or("")
                )
            ));
            body.push_str("<ul>");
            for status in op.responses.responses.keys() {
                body.push_str(&format!("<li>{}</li>", escape(status)));
            }
            body.push_str("</ul></section>");
        }
    }
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>Tessera REST API</title><link rel=\"stylesheet\" href=\"{css}\"></head>\
         <body><main class=\"content api-docs\">{body}</main></body></html>",
        css = crate::server::infra::assets::css_href()
    ))
}

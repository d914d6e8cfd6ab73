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
        me::my_passkeys,
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
    modifiers(&Security, &Refusals),
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

/// Documents on every operation the refusals that come from the API's shared
/// layers rather than the handler: 401 (no valid credentials) and 429
/// (guessing throttled per address) everywhere; 400 for query parameters
/// that do not parse; and for a JSON body 400 (not JSON), 415 (not
/// `application/json`) and 422 (not the object described). Found missing by
/// schemathesis (`make battery`), whose conformance check refuses any status
/// the document does not name.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let refusal = |why: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(why)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                let mut add = vec![
                    ("401", "No valid credentials"),
                    (
                        "429",
                        "Too many failed sign-ins from this address (see `Retry-After`)",
                    ),
                ];
                let has_query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                if has_query {
                    add.push(("400", "A query parameter does not parse"));
                }
                if op.request_body.is_some() {
                    add.extend([
                        ("400", "The body is not JSON"),
                        ("415", "The body is not `application/json`"),
                        (
                            "422",
                            "The JSON is not the object described, or a value breaks a rule",
                        ),
                    ]);
                }
                for (code, why) in add {
                    op.responses
                        .responses
                        .entry(code.to_string())
                        .or_insert_with(|| refusal(why));
                }
            }
        }
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

//! The one wrapper around every server function's body.

use crate::error::AppError;
use crate::server::infra::context::{Auth, RequestCtx};
use crate::server::infra::state::AppState;
use leptos::prelude::expect_context;
use std::future::Future;

/// What a server function works with: the application state and the request's
/// context (client, language, session).
pub struct Call {
    pub state: AppState,
    pub ctx: RequestCtx,
}

impl Call {
    /// The signed-in session, or `Unauthorized`.
    pub fn auth(&self) -> Result<&Auth, AppError> {
        self.ctx.require_auth()
    }

    /// Adds a `Set-Cookie` header to the answer.
    pub fn set_cookie(&self, value: &str) {
        if let Ok(cookie) = http::HeaderValue::from_str(value) {
            expect_context::<leptos_axum::ResponseOptions>()
                .append_header(http::header::SET_COOKIE, cookie);
        }
    }

    /// The id of the sign-in waiting for its second factor (its cookie), if any.
    pub fn challenge(&self) -> Option<String> {
        let parts = expect_context::<http::request::Parts>();
        crate::server::auth::session::read_challenge_cookie(&self.state.config, &parts.headers)
    }

    /// The end of every successful sign-in (password alone, second step,
    /// passkey): a new session and its cookie, any waiting second-step
    /// challenge cleared; returns where to go (`next` if it is safe).
    pub async fn sign_in(
        &self,
        user: crate::server::db::users::UserRow,
        next: Option<&str>,
    ) -> Result<String, AppError> {
        let signed_in = crate::server::auth::open_session(&self.state, &self.ctx, user).await?;
        self.set_cookie(&crate::server::auth::session::clear_challenge_cookie(
            &self.state.config,
        ));
        self.set_session_cookie(&signed_in.session_id);
        Ok(crate::validate::safe_next(next))
    }

    /// Sends the browser a new session id (see `auth::session::renew`).
    pub fn set_session_cookie(&self, session_id: &str) {
        self.set_cookie(&crate::server::auth::session::set_cookie(
            &self.state.config,
            session_id,
        ));
    }
}

/// Runs a server function's body with a [`Call`] and prepares its error for the
/// wire (status code, request id; see [`crate::server::infra::error::respond`]):
///
/// ```ignore
/// crate::server::serve(|c| async move { sessions::list(&c.state, c.auth()?).await }).await
/// ```
pub async fn serve<T, F, Fut>(body: F) -> Result<T, AppError>
where
    F: FnOnce(Call) -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    crate::server::infra::error::respond(async move {
        let state = expect_context::<AppState>();
        state.calls.add(std::any::type_name::<F>());
        let call = Call {
            state,
            ctx: RequestCtx::current()?,
        };
        let result = body(call).await;
        if matches!(result, Err(AppError::Forbidden)) {
            audit_denied_admin_call().await;
        }
        result
    })
    .await
}

/// Audits a signed-in person's refused call of an admin server function
/// (`admin.denied`, naming it): someone probing the admin endpoints leaves
/// a trace administrators can find.
async fn audit_denied_admin_call() {
    use crate::server::audit::{self, AuditAction, Outcome};
    let Some(parts) = leptos::prelude::use_context::<http::request::Parts>() else {
        return;
    };
    let Some(what) = parts.uri.path().strip_prefix("/api/") else {
        return;
    };
    if !what.starts_with("admin/") {
        return;
    }
    let (Ok(ctx), Some(state)) = (
        RequestCtx::current(),
        leptos::prelude::use_context::<AppState>(),
    ) else {
        return;
    };
    if let Some(auth) = &ctx.auth {
        let action = AuditAction::AdminDenied { what: what.into() };
        audit::record(&state, &ctx, &auth.user, action, Outcome::Failure).await;
    }
}

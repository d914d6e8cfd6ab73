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
        let call = Call {
            state: expect_context::<AppState>(),
            ctx: RequestCtx::current()?,
        };
        body(call).await
    })
    .await
}

//! Signing in and out.

pub mod page;

use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;

/// The signed-in user, or `None` for an anonymous visitor.
#[server(endpoint = "me", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::{context::RequestCtx, state::AppState, workspace};
    crate::server::error::respond(async {
        let ctx = RequestCtx::current()?;
        match &ctx.auth {
            Some(a) => Ok(Some(
                workspace::current_user(&expect_context::<AppState>().db, &a.user).await?,
            )),
            None => Ok(None),
        }
    })
    .await
}

/// Signs in with a username or email and a password; returns where to go next.
#[server(endpoint = "login")]
pub async fn login(
    login: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::{
        auth, auth::password::Password, auth::session, context::RequestCtx, state::AppState,
    };
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let signed_in = auth::sign_in(&state, &ctx, &login, &Password::new(password)).await?;
        let opts = expect_context::<leptos_axum::ResponseOptions>();
        if let Ok(cookie) =
            http::HeaderValue::from_str(&session::set_cookie(&state.config, &signed_in.session_id))
        {
            opts.append_header(http::header::SET_COOKIE, cookie);
        }
        let next = crate::validate::safe_next(next.as_deref());
        if accepts_html() {
            // A plain form post (no JavaScript yet): answer with a real redirect.
            leptos_axum::redirect(&next);
        }
        Ok(next)
    })
    .await
}

/// Re-enters the password to open sudo mode for ten minutes.
#[server(endpoint = "sudo")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    use crate::server::{
        auth::password::Password, auth::sudo, context::RequestCtx, state::AppState,
    };
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        sudo::confirm(&state, &ctx, ctx.require_auth()?, &Password::new(password)).await
    })
    .await
}

/// Ends the current session.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{auth, auth::session, context::RequestCtx, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        if let Some(a) = &ctx.auth {
            auth::sign_out(&state, &ctx, a).await?;
        }
        let opts = expect_context::<leptos_axum::ResponseOptions>();
        if let Ok(cookie) = http::HeaderValue::from_str(&session::clear_cookie(&state.config)) {
            opts.append_header(http::header::SET_COOKIE, cookie);
        }
        if accepts_html() {
            leptos_axum::redirect("/login");
        }
        Ok(())
    })
    .await
}

#[cfg(feature = "ssr")]
fn accepts_html() -> bool {
    use_context::<http::request::Parts>().is_some_and(|p| {
        p.headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    })
}

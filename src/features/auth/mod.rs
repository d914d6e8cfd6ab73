//! Signing in and out.

pub mod page;
pub mod types;

use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;
pub use types::SudoMethods;

/// The signed-in user, or `None` for an anonymous visitor.
#[server(endpoint = "me", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::workspace;
    crate::server::serve(|c| async move {
        match &c.ctx.auth {
            Some(a) => Ok(Some(
                workspace::signed_in_user(
                    &c.state.db,
                    &a.user,
                    a.two_factor_enabled,
                    c.ctx.workspace.as_ref(),
                )
                .await?,
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
    use crate::server::{auth, auth::password::Password, auth::session};
    crate::server::serve(|c| async move {
        let next = crate::validate::safe_next(next.as_deref());
        let target = match auth::sign_in(&c.state, &c.ctx, &login, &Password::new(password)).await?
        {
            auth::SignIn::Session(signed_in) => {
                c.set_cookie(&session::set_cookie(&c.state.config, &signed_in.session_id));
                next
            }
            auth::SignIn::SecondFactor { challenge_id } => {
                c.set_cookie(&session::set_challenge_cookie(
                    &c.state.config,
                    &challenge_id,
                    crate::server::two_factor::CHALLENGE_SECS,
                ));
                if next == crate::validate::HOME {
                    "/login/two-factor".to_string()
                } else {
                    format!(
                        "/login/two-factor?next={}",
                        crate::validate::encode_component(&next)
                    )
                }
            }
        };
        if accepts_html() {
            // A plain form post (no JavaScript yet): answer with a real redirect.
            leptos_axum::redirect(&target);
        }
        Ok(target)
    })
    .await
}

/// The second step of signing in to an account with 2FA: a code from the
/// authenticator app, or (with `recovery`) one of the recovery codes.
#[server(endpoint = "login/two-factor")]
pub async fn login_second_factor(
    code: String,
    recovery: Option<String>,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::two_factor;
    crate::server::serve(|c| async move {
        let recovery = recovery.is_some_and(|r| r == "true" || r == "on");
        let user = two_factor::finish_challenge(
            &c.state,
            &c.ctx,
            c.challenge().as_deref(),
            &code,
            recovery,
        )
        .await?;
        let next = c.sign_in(user, next.as_deref()).await?;
        if accepts_html() {
            leptos_axum::redirect(&next);
        }
        Ok(next)
    })
    .await
}

/// Re-enters the password to open sudo mode for ten minutes.
#[server(endpoint = "sudo")]
pub async fn confirm_password(password: String) -> Result<(), AppError> {
    use crate::server::{auth::password::Password, sudo};
    crate::server::serve(|c| async move {
        let session_id =
            sudo::confirm(&c.state, &c.ctx, c.auth()?, &Password::new(password)).await?;
        c.set_session_cookie(&session_id);
        Ok(())
    })
    .await
}

/// The sudo dialog asks this when it opens, so a factor added or removed a
/// moment ago is offered, or not, without a reload.
#[server(endpoint = "sudo/methods", input = leptos::server_fn::codec::GetUrl)]
pub async fn get_sudo_methods() -> Result<SudoMethods, AppError> {
    crate::server::serve(|c| async move { crate::server::sudo::methods(&c.state, c.auth()?).await })
        .await
}

/// Ends the current session.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{auth, auth::session};
    crate::server::serve(|c| async move {
        if let Some(a) = &c.ctx.auth {
            auth::sign_out(&c.state, &c.ctx, a).await?;
        }
        let opts = expect_context::<leptos_axum::ResponseOptions>();
        if let Ok(cookie) = http::HeaderValue::from_str(&session::clear_cookie(&c.state.config)) {
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

//! Passkeys and security keys: add, rename, remove (settings); sign in
//! without a password, the second step of a sign-in and sudo mode with one.
//! Each ceremony is two calls: `…/start` returns the options for the
//! browser, `…/finish` takes the browser's answer (JSON) and the ceremony id.

pub mod ceremony;
pub mod page;
pub mod types;

pub use types::{Ceremony, PasskeyEntry, PasskeyInfo, PasskeyKind, PasskeyList};

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "passkeys", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_passkeys() -> Result<PasskeyList, AppError> {
    use crate::server::{passkeys, tokens::when, workspace};
    crate::server::serve(|c| async move {
        let user = &c.auth()?.user;
        let l = c.ctx.locale;
        let entries = passkeys::list(&c.state, user)
            .await?
            .into_iter()
            .map(|info| PasskeyEntry {
                created: when(info.created_at, user, l),
                last_used: info.last_used_at.map(|t| when(t, user, l)),
                info,
            })
            .collect();
        let totp = crate::server::db::two_factor::totp_on(&c.state.db, &user.id).await?;
        Ok(PasskeyList {
            available: passkeys::available(&c.state),
            origin: c.state.config.public_origin().to_string(),
            passkeys: entries,
            mandatory: workspace::load(&c.state.db).await?.two_factor_mandatory,
            totp,
        })
    })
    .await
}

/// Sudo mode: the options to create a passkey.
#[server(endpoint = "passkeys/register/start")]
pub async fn start_passkey_registration() -> Result<Ceremony, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        passkeys::start_registration(&c.state, &c.ctx, c.auth()?).await
    })
    .await
}

/// Sudo mode: stores the new passkey under `name`. Returns recovery codes
/// (once) when it turned two-factor authentication on.
#[server(endpoint = "passkeys/register/finish")]
pub async fn finish_passkey_registration(
    ceremony: String,
    name: String,
    credential: String,
) -> Result<Option<Vec<String>>, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        passkeys::finish_registration(&c.state, &c.ctx, c.auth()?, &ceremony, &name, &credential)
            .await
    })
    .await
}

#[server(endpoint = "passkeys/rename")]
pub async fn rename_passkey(id: String, name: String) -> Result<(), AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        passkeys::rename(&c.state, &c.ctx, c.auth()?, &id, &name).await
    })
    .await
}

/// Sudo mode: removes a passkey.
#[server(endpoint = "passkeys/remove")]
pub async fn remove_passkey(id: String) -> Result<(), AppError> {
    use crate::server::passkeys;
    crate::server::serve(
        |c| async move { passkeys::remove(&c.state, &c.ctx, c.auth()?, &id).await },
    )
    .await
}

/// The options for signing in with a passkey (no user name needed).
#[server(endpoint = "login/passkey/start")]
pub async fn start_passkey_sign_in() -> Result<Ceremony, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move { passkeys::start_sign_in(&c.state, &c.ctx).await }).await
}

/// Signs in with a passkey (both factors); returns where to go next.
#[server(endpoint = "login/passkey/finish")]
pub async fn finish_passkey_sign_in(
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        let user = passkeys::finish_sign_in(&c.state, &c.ctx, &ceremony, &credential).await?;
        c.sign_in(user, next.as_deref()).await
    })
    .await
}

/// The second step of a sign-in by passkey: the options.
#[server(endpoint = "login/two-factor/passkey/start")]
pub async fn start_passkey_second_factor() -> Result<Ceremony, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        passkeys::start_second_factor(&c.state, &c.ctx, c.challenge().as_deref()).await
    })
    .await
}

/// The second step of a sign-in by passkey: a session; returns where to go.
#[server(endpoint = "login/two-factor/passkey/finish")]
pub async fn finish_passkey_second_factor(
    ceremony: String,
    credential: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        let challenge = c.challenge();
        let user = passkeys::finish_second_factor(
            &c.state,
            &c.ctx,
            challenge.as_deref(),
            &ceremony,
            &credential,
        )
        .await?;
        c.sign_in(user, next.as_deref()).await
    })
    .await
}

/// Sudo mode by passkey: the options.
#[server(endpoint = "sudo/passkey/start")]
pub async fn start_passkey_sudo() -> Result<Ceremony, AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move { passkeys::start_sudo(&c.state, &c.ctx, c.auth()?).await })
        .await
}

/// Sudo mode by passkey: the window opens (on a new session id).
#[server(endpoint = "sudo/passkey/finish")]
pub async fn finish_passkey_sudo(ceremony: String, credential: String) -> Result<(), AppError> {
    use crate::server::passkeys;
    crate::server::serve(|c| async move {
        let session_id =
            passkeys::finish_sudo(&c.state, &c.ctx, c.auth()?, &ceremony, &credential).await?;
        c.set_session_cookie(&session_id);
        Ok(())
    })
    .await
}

//! Devices & sessions: see where you are signed in, sign out other devices.

pub mod page;

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One signed-in device as its owner sees it. `id` is a public handle, not the
/// session secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceSession {
    pub id: String,
    pub browser: String,
    pub os: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[server(endpoint = "sessions/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<DeviceSession>, AppError> {
    use crate::server::{context::RequestCtx, devices, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        devices::list(&state, ctx.require_auth()?).await
    })
    .await
}

#[server(endpoint = "sessions/revoke")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    use crate::server::{context::RequestCtx, devices, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        devices::revoke(&state, &ctx, ctx.require_auth()?, &id).await
    })
    .await
}

#[server(endpoint = "sessions/revoke-others")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    use crate::server::{context::RequestCtx, devices, state::AppState};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        devices::revoke_others(&state, &ctx, ctx.require_auth()?).await
    })
    .await
}

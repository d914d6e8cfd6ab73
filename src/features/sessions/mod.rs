//! Devices & sessions: see where you are signed in, sign out other devices.

pub mod page;
pub mod types;

pub use types::DeviceSession;

use crate::error::AppError;
use leptos::prelude::*;

#[server(endpoint = "sessions/list", input = leptos::server_fn::codec::GetUrl)]
pub async fn list_sessions() -> Result<Vec<DeviceSession>, AppError> {
    use crate::server::sessions;
    crate::server::serve(|c| async move { sessions::list(&c.state, c.auth()?).await }).await
}

#[server(endpoint = "sessions/revoke")]
pub async fn revoke_session(id: String) -> Result<(), AppError> {
    use crate::server::sessions;
    crate::server::serve(
        |c| async move { sessions::revoke(&c.state, &c.ctx, c.auth()?, &id).await },
    )
    .await
}

#[server(endpoint = "sessions/revoke-others")]
pub async fn revoke_other_sessions() -> Result<u64, AppError> {
    use crate::server::sessions;
    crate::server::serve(
        |c| async move { sessions::revoke_others(&c.state, &c.ctx, c.auth()?).await },
    )
    .await
}

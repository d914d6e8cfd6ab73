//! The avatar: upload (re-encoded on the server) and remove.

pub mod page;

use crate::error::AppError;
use crate::model::CurrentUser;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

/// Takes the `avatar` field of a multipart form. The old avatar stays unless the
/// new file is accepted.
#[server(endpoint = "avatar/upload", input = MultipartFormData)]
pub async fn upload_avatar(data: MultipartData) -> Result<CurrentUser, AppError> {
    use crate::server::{avatar, workspace};
    crate::server::serve(|c| async move {
        let auth = c.auth()?;
        let mut form = data.into_inner().ok_or(AppError::Malformed)?;
        let mut bytes = Vec::new();
        while let Ok(Some(mut field)) = form.next_field().await {
            if field.name() != Some("avatar") {
                continue;
            }
            while let Ok(Some(chunk)) = field.chunk().await {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > avatar::MAX_BYTES {
                    return Err(avatar::too_big(c.ctx.locale));
                }
            }
        }
        avatar::set(&c.state, &c.ctx, &auth.user, bytes).await?;
        workspace::reload(&c.state.db, &auth.user.id).await
    })
    .await
}

/// Removes the avatar; the initials are shown again.
#[server(endpoint = "avatar/remove")]
pub async fn remove_avatar() -> Result<CurrentUser, AppError> {
    use crate::server::{avatar, workspace};
    crate::server::serve(|c| async move {
        let auth = c.auth()?;
        avatar::remove(&c.state, &c.ctx, &auth.user).await?;
        workspace::reload(&c.state.db, &auth.user.id).await
    })
    .await
}

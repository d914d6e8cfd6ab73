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
    use crate::i18n::td_string;
    use crate::server::{
        auth::record_user, avatar, context::RequestCtx, db, state::AppState, workspace,
    };
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        let mut form = data.into_inner().ok_or(AppError::Malformed)?;
        let mut bytes = Vec::new();
        while let Ok(Some(mut field)) = form.next_field().await {
            if field.name() != Some("avatar") {
                continue;
            }
            while let Ok(Some(chunk)) = field.chunk().await {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > avatar::MAX_BYTES {
                    return Err(AppError::field(
                        "avatar",
                        td_string!(ctx.locale, avatar.too_big).to_string(),
                    ));
                }
            }
        }
        if bytes.is_empty() {
            return Err(AppError::field(
                "avatar",
                td_string!(ctx.locale, avatar.choose_file).to_string(),
            ));
        }
        let png = avatar::process_bounded(bytes, ctx.locale).await?;
        db::avatars::put(&state.db, &auth.user.id, &png).await?;
        record_user(&state, &ctx, &auth.user, "avatar.change", "success").await;
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

/// Removes the avatar; the initials are shown again.
#[server(endpoint = "avatar/remove")]
pub async fn remove_avatar() -> Result<CurrentUser, AppError> {
    use crate::server::{auth::record_user, context::RequestCtx, db, state::AppState, workspace};
    crate::server::error::respond(async move {
        let state = expect_context::<AppState>();
        let ctx = RequestCtx::current()?;
        let auth = ctx.require_auth()?;
        db::avatars::delete(&state.db, &auth.user.id).await?;
        record_user(&state, &ctx, &auth.user, "avatar.remove", "success").await;
        workspace::reload(&state.db, &auth.user.id).await
    })
    .await
}

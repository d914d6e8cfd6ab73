//! Avatar images: whatever arrives is sniffed, decoded under limits, cropped to
//! a square, resized and re-encoded as PNG. Only our own re-encoding is ever
//! served, so metadata (EXIF, GPS) is gone and polyglot files lose their payload.

use crate::error::AppError;
use crate::i18n::td_string;
use crate::lang::Locale;
use crate::server::audit::{self, AuditAction, Outcome};
use crate::server::db::{self, users::UserRow};
use crate::server::infra::context::RequestCtx;
use crate::server::infra::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use image::{ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest upload accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// Side of the stored square avatar, in pixels.
pub const SIZE: u32 = 256;
/// Largest decoded picture: stops decompression bombs before they allocate.
const MAX_SIDE: u32 = 8192;
const MAX_ALLOC: u64 = 128 * 1024 * 1024;

/// Pictures decoded at the same time: each decode may take up to `MAX_ALLOC` of
/// memory and a core, so uploads queue here instead of exhausting the machine.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Stores `bytes` as the user's new avatar once [`process_bounded`] accepted
/// them (the old avatar stays otherwise). Empty: asks for a file.
pub async fn set(
    state: &AppState,
    ctx: &RequestCtx,
    user: &UserRow,
    bytes: Vec<u8>,
) -> Result<(), AppError> {
    if bytes.is_empty() {
        return Err(AppError::field(
            "avatar",
            td_string!(ctx.locale, avatar.choose_file).to_string(),
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(too_big(ctx.locale));
    }
    let png = process_bounded(bytes, ctx.locale).await?;
    db::avatars::put(&state.db, &user.id, &png).await?;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::AvatarChange,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// Removes the avatar; the initials are shown again.
pub async fn remove(state: &AppState, ctx: &RequestCtx, user: &UserRow) -> Result<(), AppError> {
    db::avatars::delete(&state.db, &user.id).await?;
    audit::record(
        state,
        ctx,
        user,
        AuditAction::AvatarRemove,
        Outcome::Success,
    )
    .await;
    Ok(())
}

/// The answer for an upload over [`MAX_BYTES`] (checked while it streams in, too).
pub fn too_big(l: Locale) -> AppError {
    AppError::field("avatar", td_string!(l, avatar.too_big).to_string())
}

/// [`process`] on the blocking pool, at most two at a time; a refused file is a
/// field error for `avatar`.
pub async fn process_bounded(bytes: Vec<u8>, l: Locale) -> Result<Vec<u8>, AppError> {
    let _permit = DECODING
        .acquire()
        .await
        .map_err(|_| AppError::Unavailable)?;
    tokio::task::spawn_blocking(move || process(&bytes, l))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "avatar task failed");
            AppError::Internal {
                request_id: String::new(),
            }
        })?
        .map_err(|message| AppError::field("avatar", message))
}

/// The stored PNG for an uploaded file, or a message for the person.
pub fn process(bytes: &[u8], l: Locale) -> Result<Vec<u8>, String> {
    if bytes.len() > MAX_BYTES {
        return Err(td_string!(l, avatar.too_big).to_string());
    }
    let format = image::guess_format(bytes).map_err(|_| unsupported(l))?;
    if !matches!(
        format,
        ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP | ImageFormat::Gif
    ) {
        return Err(unsupported(l));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let picture = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => {
            td_string!(l, avatar.too_many_pixels, side = MAX_SIDE).to_string()
        }
        _ => td_string!(l, avatar.unreadable).to_string(),
    })?;
    let side = picture.width().min(picture.height());
    let square = picture.crop_imm(
        (picture.width() - side) / 2,
        (picture.height() - side) / 2,
        side,
        side,
    );
    let small = square
        .resize_exact(SIZE, SIZE, image::imageops::FilterType::Triangle)
        .to_rgba8();
    let mut out = Cursor::new(Vec::new());
    small
        .write_to(&mut out, ImageFormat::Png)
        .map_err(|_| td_string!(l, avatar.not_converted).to_string())?;
    Ok(out.into_inner())
}

fn unsupported(l: Locale) -> String {
    td_string!(l, avatar.wrong_type).to_string()
}

/// `GET /avatars/{user_id}/{version}.png`: the URL changes with every upload,
/// so the response may be cached for a year.
pub async fn serve(
    State(state): State<AppState>,
    Path((user_id, file)): Path<(String, String)>,
) -> Response {
    let Some(version) = file.strip_suffix(".png") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match db::avatars::get(&state.db, &user_id, version).await {
        Ok(Some(png)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            png,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "avatar lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).expect("encode");
        out.into_inner()
    }

    #[test]
    fn any_picture_becomes_a_256_px_square_png() {
        let out = process(&png(640, 480), Locale::en).expect("processed");
        let back = image::load_from_memory(&out).expect("decodes");
        assert_eq!((back.width(), back.height()), (SIZE, SIZE));
        assert_eq!(image::guess_format(&out).ok(), Some(ImageFormat::Png));
    }

    #[test]
    fn non_images_and_other_formats_are_refused() {
        assert_eq!(
            process(b"hello, I am text", Locale::en).expect_err("refused"),
            unsupported(Locale::en)
        );
        assert_eq!(
            process(b"%PDF-1.7\n...", Locale::en).expect_err("refused"),
            unsupported(Locale::en)
        );
        // BMP is an image, but not one we accept.
        let mut bmp = Cursor::new(Vec::new());
        image::RgbImage::new(4, 4)
            .write_to(&mut bmp, ImageFormat::Bmp)
            .expect("bmp");
        assert_eq!(
            process(bmp.get_ref(), Locale::en).expect_err("refused"),
            unsupported(Locale::en)
        );
    }

    #[test]
    fn a_pixel_bomb_is_refused_before_decoding() {
        // A PNG whose header claims 60000×60000 pixels (14 GB decoded).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&60_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&60_000u32.to_be_bytes());
        let err = process(&bomb, Locale::en).expect_err("refused");
        assert!(
            err.contains("too large") || err.contains("could not be read"),
            "{err}"
        );
    }

    #[test]
    fn oversized_files_are_refused() {
        let big = vec![0u8; MAX_BYTES + 1];
        assert_eq!(
            process(&big, Locale::en).expect_err("refused"),
            "The file is larger than 5 MB."
        );
    }
}

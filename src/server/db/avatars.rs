//! The `avatars` table and the user's avatar version.

use super::{new_id, now, Db};
use base64::Engine;

/// Stores the avatar and gives it a new version; returns the version.
pub async fn put(db: &Db, user_id: &str, png: &[u8]) -> Result<String, sqlx::Error> {
    let version = new_id();
    let encoded = base64::engine::general_purpose::STANDARD.encode(png);
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO avatars (user_id, png_base64, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET png_base64 = $2, updated_at = $3",
    )
    .bind(user_id)
    .bind(&encoded)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET avatar_version = $1 WHERE id = $2")
        .bind(&version)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(version)
}

/// The PNG bytes, if `user_id` has an avatar of this `version`.
pub async fn get(db: &Db, user_id: &str, version: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT a.png_base64 FROM avatars a JOIN users u ON u.id = a.user_id \
         WHERE a.user_id = $1 AND u.avatar_version = $2",
    )
    .bind(user_id)
    .bind(version)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(b64,)| base64::engine::general_purpose::STANDARD.decode(b64).ok()))
}

pub async fn delete(db: &Db, user_id: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM avatars WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET avatar_version = '' WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

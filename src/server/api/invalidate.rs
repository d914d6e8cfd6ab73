//! Dropping cached API credentials everywhere. On this server the entries go
//! at once (`cache::AuthCache`); on PostgreSQL every other server sharing the
//! database hears it through `LISTEN/NOTIFY` before the change is answered, so
//! a token revoked on server A is refused by server B on its next request.
//! SQLite means one server: there is no one else to tell.

use crate::server::infra::state::AppState;

/// The channel servers listen on. Payloads: `c:<credential id>`,
/// `u:<user id>`, or `*` (everything).
const CHANNEL: &str = "tessera_auth_cache";

/// A token or app password was deleted, regenerated or revoked: no server
/// accepts it from its cache, and this one drops the uses it noted of it
/// (another server's are older than the token's new secret, which
/// `LastUsed::newest` and `mark_used` leave aside; forgetting them on the
/// announcement would drop uses of the new secret made before it arrived).
pub async fn forget_credential(state: &AppState, id: &str) {
    state.auth_cache.forget_credential(id);
    state.last_used.forget(id);
    tell_others(state, &format!("c:{id}")).await;
}

/// Something every credential of `user_id` depends on changed (profile,
/// 2FA, account state).
pub async fn forget_user(state: &AppState, user_id: &str) {
    state.auth_cache.forget_user(user_id);
    tell_others(state, &format!("u:{user_id}")).await;
}

/// A workspace rule every credential depends on changed.
pub async fn forget_all(state: &AppState) {
    state.auth_cache.clear();
    tell_others(state, "*").await;
}

async fn tell_others(state: &AppState, payload: &str) {
    if !state.config.on_postgres() {
        return;
    }
    if let Err(e) = crate::server::db::notify(&state.db, CHANNEL, payload).await {
        // Other servers then notice within the cache's TTL at the latest.
        tracing::warn!(error = %e, "could not tell other servers to drop a cached credential");
    }
}

/// Applies what another server (or this one) announced.
fn apply(state: &AppState, payload: &str) {
    match payload.split_once(':') {
        Some(("c", id)) => state.auth_cache.forget_credential(id),
        Some(("u", id)) => state.auth_cache.forget_user(id),
        _ => state.auth_cache.clear(),
    }
}

/// On PostgreSQL: listens for other servers' announcements (and the bell's
/// live news, `notifications::live`) for as long as the server runs. After a lost connection everything cached is dropped, since
/// announcements made meanwhile were missed.
pub fn spawn_listener(state: AppState) {
    if !state.config.on_postgres() {
        return;
    }
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&state).await {
                tracing::warn!(error = %e, "cache invalidation listener failed; retrying");
            }
            state.auth_cache.clear();
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    });
}

/// Runs until the connection fails for good (an error).
async fn listen(state: &AppState) -> Result<(), sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect(&state.config.database_url).await?;
    let live = crate::server::notifications::live::CHANNEL;
    listener.listen_all([CHANNEL, live]).await?;
    // Anything cached before the listener was up may be stale.
    state.auth_cache.clear();
    loop {
        match listener.try_recv().await? {
            Some(n) if n.channel() == live => state.live.apply(n.payload()),
            Some(n) => apply(state, n.payload()),
            // The connection was lost and re-established: what was announced
            // in between is lost, so drop everything, and every open bell
            // reads its count again.
            None => {
                state.auth_cache.clear();
                state.live.resync();
            }
        }
    }
}

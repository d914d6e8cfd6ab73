//! Everything a request handler may need, shared by the router and server functions.

use crate::server::api::cache::AuthCache;
use crate::server::api::last_used::LastUsed;
use crate::server::auth::password::Hasher;
use crate::server::db::Db;
use crate::server::infra::config::Config;
use crate::server::infra::keys::Keys;
use crate::server::infra::mail::Mailer;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// A handle on the server's shared state. Cloned for every request (each
/// middleware layer and extractor takes one), so a clone is one reference count:
/// copying the fields themselves (the Leptos options' strings, the cancellation
/// token's lock) took a quarter of the CPU of a page render.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub config: Arc<Config>,
    pub db: Db,
    pub hasher: Hasher,
    pub mailer: Arc<Mailer>,
    pub keys: Arc<Keys>,
    /// Token and app-password uses waiting to be written (see `api::last_used`).
    pub last_used: Arc<LastUsed>,
    /// API credentials verified in the last seconds (see `api::cache`).
    pub auth_cache: Arc<AuthCache>,
    /// Signed-in pages rendered in the last seconds (see `infra::page_cache`).
    pub page_cache: super::page_cache::PageCache,
    /// The workspace settings, until they change (see `workspace::Cached`).
    pub workspace: crate::server::workspace::Cached,
    /// Addresses delayed after failed API credentials (see `server::throttle`).
    pub api_blocked: Arc<super::background::BlockedAddresses>,
    /// Work started by requests and finished after their answers.
    pub background: super::background::Background,
    /// Live news for open notification streams (see `notifications::live`).
    pub live: Arc<super::live::Hub>,
    /// Cancelled when the server stops: long-lived responses (event streams)
    /// end, so the graceful shutdown does not wait for them.
    pub shutdown: tokio_util::sync::CancellationToken,
    pub leptos: LeptosOptions,
    /// The WebAuthn relying party for passkeys, from `public_url`; `None`
    /// when its host is an address (browsers accept only a domain name).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// Server functions run since start, by name.
    pub calls: CallCounts,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

impl AppState {
    pub fn new(config: Config, db: Db) -> Result<AppState, String> {
        let hasher = Hasher::new(config.argon2).map_err(|e| e.to_string())?;
        let mailer = Arc::new(Mailer::new(
            config.smtp_url.as_ref().map(super::config::SmtpUrl::expose),
            &config.mail_from,
        )?);
        let keys = Arc::new(Keys::load(&config)?);
        let webauthn = super::relying_party::relying_party(&config.public_url).map(Arc::new);
        let leptos = LeptosOptions::builder()
            .output_name("tessera")
            .site_root(config.site_dir.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .hash_files(super::assets::hashed())
            .site_addr(config.listen)
            .build();
        let page_cache = super::page_cache::PageCache::new(config.page_cache_secs);
        Ok(AppState(Arc::new(Shared {
            config: Arc::new(config),
            db,
            hasher,
            mailer,
            keys,
            last_used: Arc::new(LastUsed::default()),
            auth_cache: Arc::new(AuthCache::default()),
            page_cache,
            workspace: crate::server::workspace::Cached::default(),
            api_blocked: Arc::default(),
            background: super::background::Background::default(),
            live: Arc::default(),
            shutdown: tokio_util::sync::CancellationToken::new(),
            leptos,
            webauthn,
            calls: CallCounts::default(),
        })))
    }
}

/// How many times each server function has run since start, by the name of
/// its body (`std::any::type_name`; counted in `call::serve`). A page render
/// must run each of its server functions once: tests hold it to that
/// (`tests/it/http_layer.rs`), because `<Suspense>` on the server builds
/// whatever a closure inside it returns on every one of its passes.
#[derive(Default)]
pub struct CallCounts(std::sync::Mutex<std::collections::HashMap<&'static str, u64>>);

impl CallCounts {
    pub(super) fn add(&self, name: &'static str) {
        if let Ok(mut counts) = self.0.lock() {
            *counts.entry(name).or_default() += 1;
        }
    }

    /// The counts so far.
    pub fn snapshot(&self) -> std::collections::HashMap<&'static str, u64> {
        self.0.lock().map(|c| c.clone()).unwrap_or_default()
    }
}

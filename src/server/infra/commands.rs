//! What the `tessera` commands do: `serve` (the server, with its background
//! workers and graceful shutdown) and the operator's `user`, `settings` and
//! `mail` commands. `main.rs` only parses the command line and calls these.

use crate::error::AppError;
use crate::model::{AccountSource, Role};
use crate::server::auth::{self, password::Password};
use crate::server::infra::cli::{read_password_line, OutboxCommand, SettingsCommand, UserCommand};
use crate::server::infra::config::Config;
use crate::server::{db, infra::bootstrap, infra::state::AppState, workspace};
use std::net::SocketAddr;

async fn open(config: Config, connections: db::Connections) -> Result<AppState, String> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let pool = db::connect_with(&config.database_url, connections)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    AppState::new(config, pool)
}

pub async fn serve(config: Config) -> Result<(), String> {
    let admin_password = std::env::var("TESSERA_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let state = open(config, db::Connections::Ahead).await?;
    if !state.config.site_dir.join("pkg").is_dir() {
        tracing::warn!(site_dir = %state.config.site_dir.display(), "site directory has no pkg/: build with `cargo leptos build` or set TESSERA_SITE_DIR");
    }
    match bootstrap::ensure_admin(&state, admin_password).await {
        Ok(Some(created)) => {
            println!("{}", bootstrap::banner(&created, &state.config.public_url));
        }
        Ok(None) => {}
        Err(e) => {
            return Err(format!(
                "cannot create the first administrator: {}",
                describe(&e)
            ))
        }
    }
    spawn_housekeeping(state.clone());
    crate::server::notifications::worker::spawn_worker(state.clone());
    crate::server::notifications::reminders::spawn(state.clone());
    crate::server::api::last_used::spawn_flusher(state.db.clone(), state.last_used.clone());
    crate::server::api::invalidate::spawn_listener(state.clone());
    if !state.mailer.configured() {
        tracing::info!("no smtp_url set: mail is kept in the outbox (`tessera mail list`)");
    }
    let listener = tokio::net::TcpListener::bind(state.config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", state.config.listen))?;
    tracing::info!(
        "listening on http://{} (public URL {})",
        state.config.listen,
        state.config.public_url
    );
    let app = crate::server::app(state.clone());
    // A streamed page leaves in several writes: with Nagle's algorithm on, a
    // later write waits for the browser's delayed ACK of the first (~40 ms a
    // page on a reused connection). Each write goes out at once instead.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown({
        let stop = state.shutdown.clone();
        async move {
            shutdown_signal().await;
            // Open event streams end now instead of holding the stop up.
            stop.cancel();
        }
    })
    .await
    .map_err(|e| format!("server error: {e}"));
    // Mail that answered requests started is queued before the stop.
    state.background.settle().await;
    // Uses of tokens since the last flush are not lost on a clean stop.
    let written = state.last_used.flush(&state.db).await;
    tracing::info!(written, "recorded last uses of tokens and app passwords");
    served
}

/// Removes ended sessions, throttle counters, reminders, name reservations
/// and passkey ceremonies every ten minutes.
fn spawn_housekeeping(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) =
                db::sessions::purge_expired(&state.db, state.config.session_idle_timeout_secs).await
            {
                tracing::warn!(error = %e, "could not purge expired sessions");
            }
            if let Err(e) = crate::server::throttle::purge(&state).await {
                tracing::warn!(error = %e, "could not purge ended throttle counters");
            }
            let month_ago = db::now() - 30 * 86_400;
            if let Err(e) = db::notifications::purge_notices(&state.db, month_ago).await {
                tracing::warn!(error = %e, "could not purge sent reminders");
            }
            if let Err(e) = db::deleted_accounts::purge_reserved(&state.db).await {
                tracing::warn!(error = %e, "could not purge ended name reservations");
            }
            if let Err(e) = db::passkeys::purge_ceremonies(&state.db).await {
                tracing::warn!(error = %e, "could not purge ended passkey ceremonies");
            }
        }
    });
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}

pub async fn user(config: Config, cmd: UserCommand) -> Result<(), String> {
    let state = open(config, db::Connections::OnDemand).await?;
    match cmd {
        UserCommand::Create {
            username,
            email,
            admin,
            external,
            password_stdin,
        } => {
            let password = match (password_stdin, external) {
                (true, _) => Some(Password::new(
                    read_password_line().map_err(|e| e.to_string())?,
                )),
                (false, true) => None,
                (false, false) => {
                    return Err("local accounts need a password: pass --password-stdin".into())
                }
            };
            let role = if admin { Role::Admin } else { Role::User };
            let source = if external {
                AccountSource::External
            } else {
                AccountSource::Local
            };
            let user =
                auth::create_user(&state, &username, &email, role, source, password.as_ref())
                    .await
                    .map_err(|e| describe(&e))?;
            println!(
                "created {} ({}) with id {}",
                user.username, user.role, user.id
            );
        }
        UserCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            if !password_stdin {
                return Err(
                    "pass --password-stdin and write the new password to standard input".into(),
                );
            }
            let password = Password::new(read_password_line().map_err(|e| e.to_string())?);
            let user = auth::reset_password(&state, &username, &password)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => format!("no user named {username}"),
                    e => describe(&e),
                })?;
            println!(
                "password of {} changed; all of their sessions ended",
                user.username
            );
        }
        UserCommand::Reset2fa { username } => {
            let ctx = crate::server::infra::context::RequestCtx {
                ip: String::new(),
                user_agent: "tessera command line".into(),
                request_id: String::new(),
                auth: None,
                locale: crate::lang::Locale::en,
                workspace: None,
            };
            let had = crate::server::two_factor::reset(
                &state,
                &ctx,
                crate::server::audit::Actor::Named("operator (command line)"),
                &username,
            )
            .await
            .map_err(|e| match e {
                AppError::NotFound => format!("no user named {username}"),
                e => describe(&e),
            })?;
            if had {
                println!(
                    "two-factor authentication of {username} turned off; they were told by mail"
                );
            } else {
                println!("{username} had no two-factor authentication");
            }
        }
        UserCommand::List => {
            println!(
                "{:<24} {:<32} {:<6} {:<9} ID",
                "USERNAME", "EMAIL", "ROLE", "SOURCE"
            );
            for u in db::users::list(&state.db)
                .await
                .map_err(|e| e.to_string())?
            {
                println!(
                    "{:<24} {:<32} {:<6} {:<9} {}",
                    u.username, u.email, u.role, u.source, u.id
                );
            }
        }
    }
    Ok(())
}

pub async fn settings(config: Config, cmd: SettingsCommand) -> Result<(), String> {
    let state = open(config, db::Connections::OnDemand).await?;
    match cmd {
        SettingsCommand::List => {
            let values = workspace::current_values(&state.db)
                .await
                .map_err(|e| e.to_string())?;
            for (key, value, help) in values {
                println!("{key} = {value}    # {help}");
            }
        }
        SettingsCommand::Set { key, value } => {
            workspace::set(&state.db, &key, &value)
                .await
                .map_err(|e| describe(&e))?;
            println!("{key} = {value}");
        }
    }
    Ok(())
}

pub async fn outbox(config: Config, cmd: OutboxCommand) -> Result<(), String> {
    let state = open(config, db::Connections::OnDemand).await?;
    let OutboxCommand::List { limit, channel } = cmd;
    if let Some(c) = channel
        .as_deref()
        .filter(|c| !matches!(*c, "email" | "slack"))
    {
        return Err(format!("unknown channel `{c}`: use email or slack"));
    }
    let items = db::outbox::recent(&state.db, channel.as_deref(), limit)
        .await
        .map_err(|e| e.to_string())?;
    if items.is_empty() {
        println!("The outbox is empty.");
    }
    for m in items {
        let when =
            crate::server::infra::timefmt::format(m.created_at, "UTC", crate::lang::Locale::en);
        let to = if m.channel == "slack" {
            format!("Slack of user {}", m.user_id)
        } else {
            m.to_addr.clone()
        };
        println!("── {when} · {} · {} · to {to}", m.channel, m.status);
        println!("Subject: {}", m.subject);
        if m.status != "sent" && !m.last_error.is_empty() {
            println!("Last error (attempt {}): {}", m.attempts, m.last_error);
        }
        println!("\n{}", m.body);
    }
    Ok(())
}

/// An error as one line for the terminal, with every field message.
/// A consistent copy of the SQLite database while the server may be writing:
/// `VACUUM INTO` reads one snapshot (WAL keeps writers going) and writes a
/// compact file. PostgreSQL has its own tool for this.
pub async fn backup(config: Config, path: &std::path::Path) -> Result<(), String> {
    if !config.database_url.starts_with("sqlite:") {
        return Err(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)".into(),
        );
    }
    if path.exists() {
        return Err(format!(
            "{} exists already; choose a new file",
            path.display()
        ));
    }
    let target = path
        .to_str()
        .ok_or("the backup path must be valid UTF-8")?
        .to_string();
    let state = open(config, db::Connections::OnDemand).await?;
    db::vacuum_into(&state.db, &target)
        .await
        .map_err(|e| format!("backup failed: {e}"))?;
    println!("Backed up to {target}");
    Ok(())
}

fn describe(e: &AppError) -> String {
    match e {
        AppError::Validation(fields) => fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Internal { .. } => {
            "internal error (the log line above has the cause)".to_string()
        }
        e => e.to_string(),
    }
}

//! `tessera`: the server, and the operator's command line.

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    return_big_buffers_to_the_os();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(async_main()),
        Err(e) => {
            eprintln!("tessera: cannot start the runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Every Argon2 hash allocates `argon2_memory_kib` (19 MiB). By default glibc
/// raises its mmap threshold after the first such buffer is freed, so later ones
/// come from the heap and are never given back: the process would keep its peak
/// size forever. A fixed threshold keeps large buffers mmapped and returned.
#[cfg(feature = "ssr")]
fn return_big_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists or any
    // allocation is in flight; mallopt only changes allocator tuning.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(feature = "ssr")]
async fn async_main() -> std::process::ExitCode {
    use clap::Parser;
    use tessera::server::infra::cli::{Cli, Command};
    use tessera::server::infra::commands;

    let cli = Cli::parse();
    let config = match tessera::server::infra::config::Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tessera: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    init_tracing(config.log_json);
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => commands::serve(config).await,
        Command::User(cmd) => commands::user(config, cmd).await,
        Command::Settings(cmd) => commands::settings(config, cmd).await,
        Command::Outbox(cmd) => commands::outbox(config, cmd).await,
        Command::Backup { path } => commands::backup(config, &path).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("tessera: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "ssr")]
fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(not(feature = "ssr"))]
pub fn main() {
    // The browser build has no binary; see `hydrate()` in lib.rs.
}

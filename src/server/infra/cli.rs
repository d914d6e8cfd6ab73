//! The `tessera` command line: serving, and account tasks for operators.

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "tessera",
    version,
    about = "Self-hosted account and profile settings service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Workspace settings (until the admin screens exist).
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// The delivery queue of mail and Slack messages (`mail` works too).
    #[command(subcommand, alias = "mail")]
    Outbox(OutboxCommand),
    /// Copy the SQLite database to a file, safely while the server runs
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes; must not exist yet.
        path: std::path::PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCommand {
    /// Show the newest items with channel, delivery status and text.
    List {
        /// How many items to show.
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Only this channel: `email` or `slack`.
        #[arg(long)]
        channel: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SettingsCommand {
    /// Show every workspace setting and its value.
    List,
    /// Change a workspace setting, e.g. `settings set lock_profiles true`.
    Set { key: String, value: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        /// Make the account an administrator.
        #[arg(long)]
        admin: bool,
        /// Mark the account as provisioned by an external directory.
        #[arg(long)]
        external: bool,
        /// Read the password from standard input (required for local accounts).
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (read from standard input) and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Turn off a user's two-factor authentication (audited; the user is told by mail).
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[arg(long)]
        username: String,
    },
    /// List every account.
    List,
}

/// Reads one line from standard input, without its line ending.
pub fn read_password_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

//! The operator's command line, run as a real process against a real database.

use crate::common;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

struct Cli {
    dir: tempfile::TempDir,
    /// A PostgreSQL database of this test's own, when the suite runs on one.
    database: Option<String>,
}

impl Cli {
    fn new() -> Cli {
        // On PostgreSQL (see common::fresh_postgres_database) each CLI test gets
        // a database of its own, made on a thread of its own (tests may be async).
        let database = std::thread::spawn(|| {
            tokio::runtime::Runtime::new()
                .expect("runtime")
                .block_on(common::fresh_postgres_database())
        })
        .join()
        .expect("database thread");
        Cli {
            dir: tempfile::tempdir().expect("temp dir"),
            database,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_tessera"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("TESSERA_DATA_DIR", self.dir.path().join("data"))
            .env_remove("TESSERA_CONFIG")
            .env_remove("TESSERA_ADMIN_PASSWORD")
            .env_remove("TESSERA_DATABASE_URL")
            .env("TESSERA_LOG", "warn");
        if let Some(url) = &self.database {
            c.env("TESSERA_DATABASE_URL", url);
        }
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tessera");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child.wait_with_output().expect("wait")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn create_list_and_reset() {
    let cli = Cli::new();
    let out = cli.run(
        &[
            "user",
            "create",
            "--username",
            "ada",
            "--email",
            "ada@example.org",
            "--admin",
            "--password-stdin",
        ],
        "right-horse-42\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("created ada (admin)"));

    let out = cli.run(&["user", "list"], "");
    assert!(out.status.success());
    let listing = text(&out.stdout);
    assert!(
        listing.contains("ada") && listing.contains("ada@example.org") && listing.contains("admin"),
        "{listing}"
    );

    let out = cli.run(
        &[
            "user",
            "reset-password",
            "--username",
            "ada",
            "--password-stdin",
        ],
        "another-horse-7\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(
        &[
            "user",
            "reset-password",
            "--username",
            "nobody",
            "--password-stdin",
        ],
        "another-horse-7\n",
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no user named nobody"));
}

#[test]
fn duplicates_and_weak_passwords_are_refused_clearly() {
    let cli = Cli::new();
    let args = [
        "user",
        "create",
        "--username",
        "ada",
        "--email",
        "ada@example.org",
        "--password-stdin",
    ];
    assert!(cli.run(&args, "right-horse-42\n").status.success());
    let again = cli.run(
        &[
            "user",
            "create",
            "--username",
            "ADA",
            "--email",
            "other@example.org",
            "--password-stdin",
        ],
        "right-horse-42\n",
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("username: This username is taken"),
        "{}",
        text(&again.stderr)
    );

    let weak = cli.run(
        &[
            "user",
            "create",
            "--username",
            "bob",
            "--email",
            "bob@example.org",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!weak.status.success());
    let err = text(&weak.stderr);
    assert!(err.contains("at least 8 characters"), "{err}");

    let bad = cli.run(
        &[
            "user",
            "create",
            "--username",
            "b c",
            "--email",
            "nope",
            "--password-stdin",
        ],
        "right-horse-42\n",
    );
    let err = text(&bad.stderr);
    assert!(err.contains("username:") && err.contains("email:"), "{err}");
}

#[test]
fn workspace_settings() {
    let cli = Cli::new();
    let out = cli.run(&["settings", "set", "lock_profiles", "true"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["settings", "set", "token_max_days", "90"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["settings", "list"], "");
    let listed = text(&out.stdout);
    // Every key shows the value in force, defaults included.
    for line in [
        "lock_profiles = true",
        "default_language = en",
        "two_factor_mandatory = false",
        "token_max_days = 90",
        "directory_provides_2fa = false",
    ] {
        assert!(listed.contains(line), "{line} in {listed}");
    }
    assert!(!listed.contains(" = ?"), "{listed}");
    let out = cli.run(&["settings", "set", "lock_profiles", "maybe"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("true or false"));
    let out = cli.run(&["settings", "set", "nonsense", "true"], "");
    assert!(text(&out.stderr).contains("unknown setting"));
}

#[test]
fn external_accounts_from_the_cli() {
    let cli = Cli::new();
    let out = cli.run(
        &[
            "user",
            "create",
            "--username",
            "ext",
            "--email",
            "ext@example.org",
            "--external",
        ],
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["user", "list"], "");
    assert!(text(&out.stdout).contains("external"));
    // A local account without a password is refused.
    let out = cli.run(
        &[
            "user",
            "create",
            "--username",
            "loc",
            "--email",
            "loc@example.org",
        ],
        "",
    );
    assert!(!out.status.success());
}

#[test]
fn a_bad_setting_stops_the_start_naming_the_key() {
    let cli = Cli::new();
    let out = cli
        .command(&["user", "list"])
        .env("TESSERA_LISTEN", "not-an-address")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("TESSERA_LISTEN"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn first_start_creates_the_admin_and_prints_it_once() {
    let cli = Cli::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = cli
        .command(&["serve"])
        .env("TESSERA_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut password = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("line");
        if let Some(rest) = line.split("Password: ").nth(1) {
            password = Some(rest.trim_end_matches(['║', ' ']).to_string());
            break;
        }
    }
    child.kill().expect("kill");
    child.wait().expect("wait");
    let password = password.expect("the banner shows a password");
    assert_eq!(password.len(), 23, "{password}");

    // The admin exists, and the printed password satisfies the password policy.
    let out = cli.run(&["user", "list"], "");
    assert!(text(&out.stdout).contains("admin"));
    let out = cli.run(
        &[
            "user",
            "reset-password",
            "--username",
            "admin",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn two_factor_settings_and_reset_from_the_cli() {
    let cli = Cli::new();
    let out = cli.run(&["settings", "set", "two_factor_mandatory", "true"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["settings", "set", "default_language", "de"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["settings", "set", "default_language", "fr"], "");
    assert!(
        text(&out.stderr).contains("en, de"),
        "{}",
        text(&out.stderr)
    );
    let out = cli.run(&["user", "reset-2fa", "--username", "nobody"], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no user named nobody"));
    cli.run(
        &[
            "user",
            "create",
            "--username",
            "ada",
            "--email",
            "ada@example.org",
            "--password-stdin",
        ],
        "right-horse-42\n",
    );
    let out = cli.run(&["user", "reset-2fa", "--username", "ada"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("ada had no two-factor authentication"));
}

#[tokio::test]
async fn backup_copies_the_sqlite_database() {
    let cli = Cli::new();
    let out = cli.run(
        &[
            "user",
            "create",
            "--username",
            "ada",
            "--email",
            "ada@example.org",
            "--password-stdin",
        ],
        "right-horse-42\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let copy = cli.dir.path().join("copy.db");
    let copy_arg = copy.display().to_string();
    let out = cli.run(&["backup", &copy_arg], "");
    if common::on_postgres() {
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("pg_dump"),
            "{}",
            text(&out.stderr)
        );
        return;
    }
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pool = tessera::server::db::connect(&format!("sqlite://{copy_arg}"))
        .await
        .expect("open the copy");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE username = 'ada'")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(n, 1);
    // Never over an existing file.
    let out = cli.run(&["backup", &copy_arg], "");
    assert!(!out.status.success());
}

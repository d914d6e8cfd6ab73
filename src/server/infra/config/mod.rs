//! Runtime configuration: the `[tessera]` table of `Leptos.toml`, each key overridable
//! by a `TESSERA_<KEY>` environment variable. A bad value stops the start with a
//! message naming the key, so an operator never runs on a silently ignored setting.

mod keys;
mod parse;
mod secrets;

pub use keys::KEYS;
pub use secrets::{DatabaseUrl, SecretKey, SmtpUrl};

use parse::{file_values, number, parse_public_url, value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The default of `passkey_sign_ins_per_address`: password-less sign-ins open at
/// once from one address (IPv4, or IPv6 /64; `server::passkeys`). Every view of
/// the sign-in page opens one (passkey autofill), and an office behind one
/// address opens many; a single client cannot use up the ceiling.
pub const PASSKEY_SIGN_INS_PER_ADDRESS: i64 = 100;

#[derive(Clone, Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub public_url: String,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub site_dir: PathBuf,
    pub session_idle_timeout_secs: i64,
    pub session_absolute_timeout_secs: i64,
    pub argon2: Argon2Config,
    pub max_body_bytes: usize,
    /// Failures one client address may make per hour before delays start.
    pub throttle_free_per_address: i64,
    /// Password-less sign-ins open at once from one client address.
    pub passkey_sign_ins_per_address: i64,
    pub log_json: bool,
    pub smtp_url: Option<SmtpUrl>,
    pub mail_from: String,
    /// The server key from the configuration; None: read or create `<data_dir>/secret.key`.
    pub secret_key: Option<SecretKey>,
    /// Proxies whose `X-Forwarded-For` names the client (see `server::net`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Accept loopback `http://` Slack webhooks (tests only).
    pub allow_insecure_webhooks: bool,
    /// How long a Slack webhook may fail before it is marked broken.
    pub webhook_broken_after_secs: i64,
    /// How long a rendered signed-in page is kept for its session (see
    /// `infra::page_cache`); zero keeps none.
    pub page_cache_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Argon2Config {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Config {
    fn default() -> Self {
        Argon2Config {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration: {key} (TESSERA_{env}): {message}", env = key.to_uppercase())]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn bad(key: &str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.into(),
    }
}

impl Config {
    /// Reads `TESSERA_CONFIG` (or `./Leptos.toml` when present), then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let file = std::env::var("TESSERA_CONFIG")
            .ok()
            .map(PathBuf::from)
            .or_else(|| {
                let p = PathBuf::from("Leptos.toml");
                p.exists().then_some(p)
            });
        let text = match &file {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| bad("config", format!("cannot read {}: {e}", p.display())))?,
            None => String::new(),
        };
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Config::from_sources(&text, &env)
    }

    /// Builds the configuration from a config file's text and an environment.
    pub fn from_sources(
        file_text: &str,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let mut raw = file_values(file_text)?;
        for (key, _, _) in KEYS {
            if let Some(v) = env.get(&format!("TESSERA_{}", key.to_uppercase())) {
                raw.insert((*key).to_string(), v.clone());
            }
        }
        let get = |key: &str| value(&raw, key);

        let listen: SocketAddr = match get("listen") {
            Some(v) => v.parse().map_err(|_| {
                bad(
                    "listen",
                    format!("`{v}` is not an address like 127.0.0.1:3000"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let public_url = match get("public_url") {
            Some(v) => parse_public_url(v)?,
            // On loopback the name, not the address: browsers accept only a
            // domain name for passkeys (WebAuthn's relying party).
            None if listen.ip().is_loopback() => format!("http://localhost:{}", listen.port()),
            None => format!("http://{listen}"),
        };
        let data_dir = PathBuf::from(get("data_dir").unwrap_or("data"));
        let database_url = match get("database_url") {
            Some(v)
                if v.starts_with("sqlite:")
                    || v.starts_with("postgres:")
                    || v.starts_with("postgresql:") =>
            {
                DatabaseUrl(v.to_string())
            }
            // The value is not repeated: it may hold a password.
            Some(_) => {
                return Err(bad(
                    "database_url",
                    "must start with sqlite: or postgres:".to_string(),
                ))
            }
            None => DatabaseUrl(format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("tessera.db").display()
            )),
        };
        let site_dir = match get("site_dir").or(env.get("LEPTOS_SITE_ROOT").map(String::as_str)) {
            Some(v) => PathBuf::from(v),
            None => default_site_dir(),
        };
        let idle_minutes: i64 = number(&raw, "session_idle_timeout_minutes", 720, 1, 525_600)?;
        let absolute_days: i64 = number(&raw, "session_absolute_timeout_days", 30, 1, 3650)?;
        let argon2 = Argon2Config {
            memory_kib: number(&raw, "argon2_memory_kib", 19_456, 8, 4_194_304)?,
            iterations: number(&raw, "argon2_iterations", 2, 1, 100)?,
            parallelism: number(&raw, "argon2_parallelism", 1, 1, 64)?,
        };
        let max_body_bytes = number(&raw, "max_body_bytes", 6 * 1024 * 1024, 1024, 1 << 30)?;
        let throttle_free_per_address =
            number(&raw, "throttle_free_per_address", 20, 1, 1_000_000)?;
        let passkey_sign_ins_per_address = number(
            &raw,
            "passkey_sign_ins_per_address",
            PASSKEY_SIGN_INS_PER_ADDRESS,
            1,
            1_000_000,
        )?;
        let log_json = match get("log_format").unwrap_or("text") {
            "text" => false,
            "json" => true,
            other => return Err(bad("log_format", format!("`{other}` must be text or json"))),
        };
        let smtp_url = get("smtp_url").map(|u| SmtpUrl(u.to_string()));
        let secret_key = match get("secret_key") {
            Some(v) => Some(
                SecretKey::parse(v)
                    .ok_or_else(|| bad("secret_key", "must be 64 hexadecimal digits (32 bytes)"))?,
            ),
            None => None,
        };
        let trusted_proxies = crate::server::infra::net::parse_list(
            get("trusted_proxies").unwrap_or(""),
        )
        .map_err(|bad| {
            crate::server::infra::config::bad(
                "trusted_proxies",
                format!("not an address or CIDR subnet: {}", bad.join(", ")),
            )
        })?;
        let allow_insecure_webhooks = match get("allow_insecure_webhooks").unwrap_or("false") {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            other => {
                return Err(bad(
                    "allow_insecure_webhooks",
                    format!("`{other}` must be true or false"),
                ))
            }
        };
        let webhook_broken_after_minutes: i64 =
            number(&raw, "webhook_broken_after_minutes", 1440, 1, 525_600)?;
        let page_cache_secs: u64 = number(&raw, "page_cache_seconds", 10, 0, 60)?;
        let mail_from = get("mail_from")
            .unwrap_or("Tessera <tessera@localhost>")
            .to_string();
        Ok(Config {
            listen,
            public_url,
            data_dir,
            database_url,
            site_dir,
            session_idle_timeout_secs: idle_minutes * 60,
            session_absolute_timeout_secs: absolute_days * 86_400,
            argon2,
            max_body_bytes,
            throttle_free_per_address,
            passkey_sign_ins_per_address,
            log_json,
            smtp_url,
            mail_from,
            secret_key,
            trusted_proxies,
            allow_insecure_webhooks,
            webhook_broken_after_secs: webhook_broken_after_minutes * 60,
            page_cache_secs,
        })
    }

    /// Whether the database is PostgreSQL (possibly shared by several servers).
    pub fn on_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Cookies get `Secure` and the `__Host-` prefix only when people reach us over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// `scheme://host[:port]` of the public URL, for the Origin check.
    pub fn public_origin(&self) -> &str {
        &self.public_url
    }
}

/// `target/release/tessera` serves `target/site`: look next to the binary first, so
/// the release build runs from any working directory.
fn default_site_dir() -> PathBuf {
    let beside_binary = std::env::current_exe().ok().and_then(|exe| {
        exe.parent()
            .and_then(Path::parent)
            .map(|dir| dir.join("site"))
    });
    match beside_binary {
        Some(dir) if dir.join("pkg").is_dir() => dir,
        _ => PathBuf::from("target/site"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn debug_output_holds_no_password() {
        let c = Config::from_sources(
            "",
            &env(&[
                (
                    "TESSERA_DATABASE_URL",
                    "postgres://tessera:s3cret-pw@db:5432/tessera",
                ),
                ("TESSERA_SMTP_URL", "smtp://mailer:m4il-pw@mail:587"),
            ]),
        )
        .expect("valid");
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("s3cret-pw") && !shown.contains("m4il-pw"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://tessera:%E2%80%A6@db:5432/tessera"),
            "{shown}"
        );
        let bad = Config::from_sources(
            "",
            &env(&[("TESSERA_DATABASE_URL", "mysql://u:s3cret-pw@db/x")]),
        )
        .expect_err("refused");
        assert!(!bad.to_string().contains("s3cret-pw"), "{bad}");
    }

    #[test]
    fn defaults_without_file_or_env() {
        let c = Config::from_sources("", &env(&[])).expect("defaults are valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.public_url, "http://localhost:3000");
        assert_eq!(c.database_url.expose(), "sqlite://data/tessera.db?mode=rwc");
        assert_eq!(c.session_idle_timeout_secs, 12 * 3600);
        assert_eq!(c.argon2, Argon2Config::default());
        assert!(!c.secure_cookies());
    }

    #[test]
    fn environment_overrides_file() {
        let file = "[package.metadata.leptos]\noutput-name = \"x\"\n[tessera]\nlisten = \"0.0.0.0:8080\"\nargon2_iterations = 3\n";
        let c = Config::from_sources(file, &env(&[("TESSERA_LISTEN", "127.0.0.1:9999")]))
            .expect("valid");
        assert_eq!(c.listen.to_string(), "127.0.0.1:9999");
        assert_eq!(c.argon2.iterations, 3);
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::from_sources("", &env(&[("TESSERA_LISTEN", "nope")])).expect_err("bad");
        assert_eq!(e.key, "listen");
        assert!(e.to_string().contains("TESSERA_LISTEN"));
        let e = Config::from_sources("[tessera]\nlistn = \"x\"\n", &env(&[])).expect_err("typo");
        assert_eq!(e.key, "listn");
        let e = Config::from_sources("", &env(&[("TESSERA_PUBLIC_URL", "https://x.org/path")]))
            .expect_err("path");
        assert_eq!(e.key, "public_url");
        let e = Config::from_sources("", &env(&[("TESSERA_SESSION_IDLE_TIMEOUT_MINUTES", "0")]))
            .expect_err("range");
        assert_eq!(e.key, "session_idle_timeout_minutes");
    }

    #[test]
    fn the_smtp_password_never_shows_in_debug_output() {
        let c = Config::from_sources(
            "",
            &env(&[("TESSERA_SMTP_URL", "smtp://u:s3cret@mail.example:587")]),
        )
        .expect("valid");
        assert_eq!(
            c.smtp_url.as_ref().map(SmtpUrl::expose),
            Some("smtp://u:s3cret@mail.example:587")
        );
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn https_public_url_means_secure_cookies() {
        let c = Config::from_sources(
            "",
            &env(&[("TESSERA_PUBLIC_URL", "https://id.example.org/")]),
        )
        .expect("valid");
        assert!(c.secure_cookies());
        assert_eq!(c.public_origin(), "https://id.example.org");
    }
}

//! The table of every configuration key: the only list of what Tessera
//! understands (the loader refuses other keys; the README's table is
//! written from it).

/// Every key Tessera understands, with its default and a one-line description.
/// The README's configuration table is written from this list.
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "listen",
        "127.0.0.1:3000",
        "address and port the server listens on",
    ),
    (
        "public_url",
        "http://<listen>",
        "URL people use to reach Tessera; https turns on Secure/__Host- cookies",
    ),
    (
        "data_dir",
        "data",
        "directory for the SQLite database and other state",
    ),
    (
        "database_url",
        "sqlite://<data_dir>/tessera.db",
        "sqlx database URL",
    ),
    (
        "site_dir",
        "<binary>/../site",
        "directory with the built site (pkg/, CSS, assets)",
    ),
    (
        "session_idle_timeout_minutes",
        "720",
        "sign out after this long without activity",
    ),
    (
        "session_absolute_timeout_days",
        "30",
        "sign out this long after sign-in, however active",
    ),
    (
        "argon2_memory_kib",
        "19456",
        "Argon2id memory cost (OWASP: 19 MiB)",
    ),
    ("argon2_iterations", "2", "Argon2id time cost"),
    ("argon2_parallelism", "1", "Argon2id lanes"),
    ("max_body_bytes", "6291456", "largest request body accepted"),
    (
        "throttle_free_per_address",
        "20",
        "failed sign-ins one client address may make per hour before delays start (raise it when many people share one address)",
    ),
    (
        "passkey_sign_ins_per_address",
        "100",
        "password-less sign-ins one client address may have open at once (each view of the sign-in page opens one for five minutes; raise it when many people share one address)",
    ),
    ("log_format", "text", "`text` or `json`"),
    (
        "allow_insecure_webhooks",
        "false",
        "also accept `http://127.0.0.1:…` Slack webhook URLs (for tests; never in production)",
    ),
    (
        "webhook_broken_after_minutes",
        "1440",
        "a Slack webhook that has failed this long is marked broken and its owner told",
    ),
    (
        "page_cache_seconds",
        "10",
        "0-60: how long a signed-in page just rendered may be served again to the same session, \
         while nothing it shows has changed; 0 renders every time",
    ),
    (
        "smtp_url",
        "",
        "SMTP server for outgoing mail; empty keeps mail in the outbox",
    ),
    (
        "mail_from",
        "Tessera <tessera@localhost>",
        "sender address of outgoing mail",
    ),
    (
        "trusted_proxies",
        "",
        "reverse proxies (addresses/CIDRs) whose X-Forwarded-For is believed; empty: none",
    ),
    (
        "secret_key",
        "<data_dir>/secret.key",
        "64 hex digits; encrypts TOTP secrets. Generated into the data directory when unset",
    ),
];

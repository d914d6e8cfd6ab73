//! The server key and what is derived from it: the cipher for TOTP secrets at
//! rest and the MAC for recovery codes. The key comes from the configuration
//! (`secret_key`) or from `<data_dir>/secret.key`, created on first start with
//! owner-only permissions. Losing it makes enrolled TOTP secrets unreadable
//! (users then need an admin reset), so back it up with the database.

use crate::server::infra::config::{Config, SecretKey};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

/// Marks values sealed with their owner as associated data.
const SEALED_V2: &str = "v2:";

pub struct Keys {
    totp: XChaCha20Poly1305,
    code_mac: [u8; 32],
    link_mac: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(…)")
    }
}

/// A key for one purpose, so one derived key never serves two.
fn derive(master: &SecretKey, purpose: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&master.0).expect("any key length");
    mac.update(purpose.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Keys {
    pub fn from_master(master: &SecretKey) -> Keys {
        let totp_key = derive(master, "tessera/totp-secret/v1");
        Keys {
            totp: XChaCha20Poly1305::new(&totp_key.into()),
            code_mac: derive(master, "tessera/recovery-code/v1"),
            link_mac: derive(master, "tessera/signed-link/v1"),
        }
    }

    /// The configured key, else the one in the data directory (created if missing).
    pub fn load(config: &Config) -> Result<Keys, String> {
        match &config.secret_key {
            Some(k) => Ok(Keys::from_master(k)),
            None => Ok(Keys::from_master(&key_file(
                &config.data_dir.join("secret.key"),
            )?)),
        }
    }

    /// Encrypts with a fresh random nonce, bound to `owner` (the user id) as
    /// associated data, so a sealed value copied to another account's row does
    /// not open there: `v2:` + base64(nonce ‖ ciphertext+tag).
    pub fn seal(&self, plain: &[u8], owner: &str) -> String {
        let mut nonce = [0u8; 24];
        rand::rng().fill_bytes(&mut nonce);
        let payload = chacha20poly1305::aead::Payload {
            msg: plain,
            aad: owner.as_bytes(),
        };
        let sealed = self
            .totp
            .encrypt(XNonce::from_slice(&nonce), payload)
            .expect("XChaCha20-Poly1305 encryption does not fail for small inputs");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!(
            "{SEALED_V2}{}",
            base64::engine::general_purpose::STANDARD.encode(out)
        )
    }

    /// The plaintext, or None when the value was not sealed with this key for
    /// `owner`. The second value is true for a value sealed before owners were
    /// bound (no prefix): the caller seals it again.
    pub fn open(&self, stored: &str, owner: &str) -> Option<(Vec<u8>, bool)> {
        let (encoded, legacy) = match stored.strip_prefix(SEALED_V2) {
            Some(rest) => (rest, false),
            None => (stored, true),
        };
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        if raw.len() < 24 {
            return None;
        }
        let (nonce, sealed) = raw.split_at(24);
        let aad: &[u8] = if legacy { b"" } else { owner.as_bytes() };
        let payload = chacha20poly1305::aead::Payload { msg: sealed, aad };
        self.totp
            .decrypt(XNonce::from_slice(nonce), payload)
            .ok()
            .map(|plain| (plain, legacy))
    }

    /// What is stored for a recovery code: a keyed digest, useless without the key.
    pub fn code_digest(&self, code: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.code_mac).expect("any key length");
        mac.update(code.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl Keys {
    /// A signature for a link that acts without signing in (a one-click
    /// unsubscribe): hex HMAC-SHA-256 of `message` under its own key.
    pub fn sign_link(&self, message: &str) -> String {
        hex::encode(self.link_mac(message).finalize().into_bytes())
    }

    /// Whether `signature` is [`Keys::sign_link`] of `message` (constant time).
    pub fn check_link(&self, message: &str, signature: &str) -> bool {
        match hex::decode(signature) {
            Ok(raw) => self.link_mac(message).verify_slice(&raw).is_ok(),
            Err(_) => false,
        }
    }

    fn link_mac(&self, message: &str) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.link_mac).expect("any key length");
        mac.update(message.as_bytes());
        mac
    }
}

fn key_file(path: &Path) -> Result<SecretKey, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => SecretKey::parse(&text)
            .ok_or_else(|| format!("{}: not 64 hexadecimal digits", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            write_private(path, &hex::encode(bytes))
                .map_err(|e| format!("{}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "created the server key");
            Ok(SecretKey(bytes))
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Creates the file readable by its owner only (never overwrites).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key() {
        let a = Keys::from_master(&SecretKey([1; 32]));
        let b = Keys::from_master(&SecretKey([2; 32]));
        let sealed = a.seal(b"secret bytes", "u1");
        assert_ne!(
            sealed,
            a.seal(b"secret bytes", "u1"),
            "fresh nonce each time"
        );
        assert_eq!(
            a.open(&sealed, "u1"),
            Some((b"secret bytes".to_vec(), false))
        );
        assert_eq!(b.open(&sealed, "u1"), None);
        // Bound to its owner: copied into another account's row it does not open.
        assert_eq!(a.open(&sealed, "u2"), None);
        assert_eq!(a.open("not base64!", "u1"), None);
        // A value sealed before owners were bound still opens, marked for resealing.
        let nonce = [7u8; 24];
        let legacy = a
            .totp
            .encrypt(XNonce::from_slice(&nonce), &b"old"[..])
            .expect("encrypt");
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&legacy);
        let stored = base64::engine::general_purpose::STANDARD.encode(raw);
        assert_eq!(a.open(&stored, "u1"), Some((b"old".to_vec(), true)));
        assert_ne!(a.code_digest("abc"), b.code_digest("abc"));
    }

    #[test]
    fn the_key_file_is_created_once_and_private() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("secret.key");
        let first = key_file(&path).expect("created");
        assert_eq!(key_file(&path).expect("read"), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

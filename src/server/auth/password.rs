//! Argon2id password hashing, run on the blocking pool behind a semaphore so a
//! burst of sign-ins can neither stall the async runtime nor exhaust memory
//! (each hash takes `argon2_memory_kib` of RAM while it runs).

use crate::server::infra::config::Argon2Config;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// A password in memory. Deliberately neither `Serialize` nor printable.
pub struct Password(String);

impl Password {
    pub fn new(s: impl Into<String>) -> Self {
        Password(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("hashing task failed: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("hashing pool closed")]
    Closed,
}

/// The result of checking a password against a stored hash.
#[derive(Debug, PartialEq, Eq)]
pub struct Verified {
    pub ok: bool,
    /// The stored hash used other parameters than the configured ones.
    pub needs_rehash: bool,
}

#[derive(Clone)]
pub struct Hasher {
    argon: Argon2<'static>,
    params: Argon2Config,
    permits: Arc<Semaphore>,
    /// Verified against when the account does not exist, so an unknown username
    /// costs the same time as a wrong password.
    dummy_hash: Arc<str>,
    /// Password checks run so far (what the throttle must keep small).
    verifications: Arc<std::sync::atomic::AtomicU64>,
}

impl Hasher {
    pub fn new(cfg: Argon2Config) -> Result<Hasher, HashError> {
        let params = Params::new(cfg.memory_kib, cfg.iterations, cfg.parallelism, None)
            .map_err(|e| HashError::Argon2(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let mut random = [0u8; 24];
        rand::rng().fill_bytes(&mut random);
        let dummy = hash_sync(&argon, &hex::encode(random))?;
        Ok(Hasher {
            argon,
            params: cfg,
            permits: Arc::new(Semaphore::new(cores)),
            dummy_hash: dummy.into(),
            verifications: Arc::default(),
        })
    }

    /// How many passwords were checked since start (tests and metrics).
    pub fn verifications(&self) -> u64 {
        self.verifications
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Closed)?;
        let argon = self.argon.clone();
        let pw = password.expose().to_string();
        tokio::task::spawn_blocking(move || hash_sync(&argon, &pw)).await?
    }

    /// Checks `password` against `stored`; with `None` (no such user, or no local
    /// password) it does the same work against a dummy hash and answers "no".
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verified, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| HashError::Closed)?;
        self.verifications
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let argon = self.argon.clone();
        let pw = password.expose().to_string();
        let real = stored.is_some();
        let hash = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_string);
        let params = self.params;
        tokio::task::spawn_blocking(move || {
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return Verified {
                    ok: false,
                    needs_rehash: false,
                };
            };
            let ok = argon.verify_password(pw.as_bytes(), &parsed).is_ok() && real;
            Verified {
                ok,
                needs_rehash: ok && !same_params(&parsed, params),
            }
        })
        .await
        .map_err(HashError::from)
    }
}

fn hash_sync(argon: &Argon2<'_>, password: &str) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| HashError::Argon2(e.to_string()))?;
    argon
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashError::Argon2(e.to_string()))
}

fn same_params(hash: &PasswordHash<'_>, want: Argon2Config) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return false;
    }
    match Params::try_from(hash) {
        Ok(p) => {
            p.m_cost() == want.memory_kib
                && p.t_cost() == want.iterations
                && p.p_cost() == want.parallelism
        }
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Argon2Config {
        Argon2Config {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = Hasher::new(small()).expect("hasher");
        let stored = h
            .hash(&Password::new("correct horse 1"))
            .await
            .expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        let v = h
            .verify(&Password::new("correct horse 1"), Some(&stored))
            .await
            .expect("verify");
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: false
            }
        );
        let v = h
            .verify(&Password::new("wrong"), Some(&stored))
            .await
            .expect("verify");
        assert!(!v.ok);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let h = Hasher::new(small()).expect("hasher");
        let v = h
            .verify(&Password::new("anything"), None)
            .await
            .expect("verify");
        assert!(!v.ok);
    }

    #[tokio::test]
    async fn changed_parameters_ask_for_a_rehash() {
        let old = Hasher::new(small()).expect("hasher");
        let stored = old.hash(&Password::new("pw-123456")).await.expect("hash");
        let new = Hasher::new(Argon2Config {
            memory_kib: 128,
            ..small()
        })
        .expect("hasher");
        let v = new
            .verify(&Password::new("pw-123456"), Some(&stored))
            .await
            .expect("verify");
        assert_eq!(
            v,
            Verified {
                ok: true,
                needs_rehash: true
            }
        );
    }

    #[test]
    fn password_debug_hides_the_secret() {
        assert_eq!(format!("{:?}", Password::new("hunter2")), "Password(…)");
    }
}

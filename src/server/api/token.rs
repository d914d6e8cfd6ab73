//! Personal API token values: `tsr_` + 32 random base62 characters + a
//! 6-character base62 CRC32 of everything before it. The prefix makes leaked
//! tokens easy to find (secret scanners, grep); the checksum lets a typo or a
//! made-up value be refused before any database lookup.

use rand::Rng;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "tsr_";
const RANDOM_LEN: usize = 32;
const CHECK_LEN: usize = 6;
pub const LEN: usize = PREFIX.len() + RANDOM_LEN + CHECK_LEN;
const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Characters kept to tell tokens apart in lists ("tsr_AbCd").
pub const SHOWN_LEN: usize = 8;

/// A new random token (190 bits of randomness from the OS-seeded generator).
pub fn generate() -> String {
    let mut rng = rand::rng();
    let random: String = (0..RANDOM_LEN)
        .map(|_| BASE62[rng.random_range(0..BASE62.len())] as char)
        .collect();
    let body = format!("{PREFIX}{random}");
    let check = checksum(&body);
    format!("{body}{check}")
}

/// CRC32 of `body` in 6 base62 digits, most significant first.
fn checksum(body: &str) -> String {
    let mut n = u64::from(crc32fast::hash(body.as_bytes()));
    let mut digits = [b'0'; CHECK_LEN];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&digits).into_owned()
}

/// True when `value` has the shape and a matching checksum of a token.
pub fn is_well_formed(value: &str) -> bool {
    value.len() == LEN
        && value.starts_with(PREFIX)
        && value
            .bytes()
            .skip(PREFIX.len())
            .all(|b| b.is_ascii_alphanumeric())
        && checksum(&value[..LEN - CHECK_LEN]) == value[LEN - CHECK_LEN..]
}

/// What is stored for a token or an app password: its SHA-256, hex. Both carry
/// far more entropy than a brute force could cover, so no slow hash is needed
/// (and none would be affordable on every API request).
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The part shown in lists.
pub fn shown_part(value: &str) -> String {
    value.chars().take(SHOWN_LEN).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_format_and_a_valid_checksum() {
        let t = generate();
        assert_eq!(t.len(), 42);
        assert!(t.starts_with("tsr_"));
        assert!(is_well_formed(&t), "{t}");
        assert_ne!(t, generate());
        assert_eq!(shown_part(&t).len(), 8);
    }

    #[test]
    fn any_typo_breaks_the_checksum() {
        let t = generate();
        for i in PREFIX.len()..LEN {
            let mut bytes = t.clone().into_bytes();
            bytes[i] = if bytes[i] == b'a' { b'b' } else { b'a' };
            let typo = String::from_utf8(bytes).expect("ascii");
            assert!(!is_well_formed(&typo), "position {i}");
        }
        assert!(!is_well_formed(&t[..41]));
        assert!(!is_well_formed(&format!("ghp_{}", &t[4..])));
        assert!(!is_well_formed(
            "tsr_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!000000"
        ));
        assert!(!is_well_formed(""));
    }

    #[test]
    fn checksum_is_crc32_in_base62() {
        // CRC32 of this sentence is 0x414FA339 = 1095738169 = "1C9bYH" in base62.
        assert_eq!(
            checksum("The quick brown fox jumps over the lazy dog"),
            "1C9bYH"
        );
        assert_eq!(checksum(""), "000000");
    }
}

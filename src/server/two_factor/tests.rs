//! The published test vectors and the ±1-step window.

use super::*;

const SEED_SHA1: &[u8] = b"12345678901234567890";
const SEED_SHA256: &[u8] = b"12345678901234567890123456789012";
const SEED_SHA512: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn rfc6238(algorithm: Algorithm, seed: &[u8]) -> TOTP {
    TOTP::new_unchecked(algorithm, 8, 1, 30, seed.to_vec(), None, String::new())
}

#[test]
fn rfc4226_appendix_d_hotp_values() {
    // HOTP is TOTP with a one-second step: time t is counter t.
    let hotp = TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        1,
        SEED_SHA1.to_vec(),
        None,
        String::new(),
    );
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, want) in expected.iter().enumerate() {
        assert_eq!(hotp.generate(counter as u64), *want, "counter {counter}");
    }
}

#[test]
fn rfc6238_appendix_b_totp_values() {
    let times = [
        59u64,
        1_111_111_109,
        1_111_111_111,
        1_234_567_890,
        2_000_000_000,
        20_000_000_000,
    ];
    let table = [
        (
            Algorithm::SHA1,
            SEED_SHA1,
            [
                "94287082", "07081804", "14050471", "89005924", "69279037", "65353130",
            ],
        ),
        (
            Algorithm::SHA256,
            SEED_SHA256,
            [
                "46119246", "68084774", "67062674", "91819424", "90698825", "77737706",
            ],
        ),
        (
            Algorithm::SHA512,
            SEED_SHA512,
            [
                "90693936", "25091201", "99943326", "93441116", "38618901", "47863826",
            ],
        ),
    ];
    for (algorithm, seed, values) in table {
        let totp = rfc6238(algorithm, seed);
        for (t, want) in times.iter().zip(values) {
            assert_eq!(totp.generate(*t), want, "{algorithm:?} at {t}");
        }
    }
}

#[test]
fn one_step_either_side_is_accepted_two_are_not() {
    let totp = generator(SEED_SHA1.to_vec(), "ada");
    let now = 1_800_000_015u64;
    let step = now / STEP_SECS;
    for (offset, accepted) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
        let at = (step as i64 + offset) as u64 * STEP_SECS;
        let code = totp.generate(at);
        let found = matching_step(&totp, &code, now);
        if accepted {
            assert_eq!(
                found,
                Some(step.wrapping_add_signed(offset)),
                "offset {offset}"
            );
        } else {
            assert_eq!(found, None, "offset {offset}");
        }
    }
    assert_eq!(matching_step(&totp, "12345", now), None);
    assert_eq!(matching_step(&totp, "abcdef", now), None);
    let spaced = totp.generate(now);
    let spaced = format!("{} {}", &spaced[..3], &spaced[3..]);
    assert_eq!(matching_step(&totp, &spaced, now), Some(step));
}

#[test]
fn enrolment_uri_names_issuer_and_account() {
    let totp = generator(SEED_SHA1.to_vec(), "ada");
    let uri = totp.get_url();
    assert!(uri.starts_with("otpauth://totp/Tessera:ada?"), "{uri}");
    assert!(uri.contains("issuer=Tessera"));
    assert_eq!(group("ABCDEFGHIJ"), "ABCD EFGH IJ");
}

#[test]
fn recovery_codes_are_random_and_forgiving_to_type() {
    let a = new_recovery_code();
    assert_eq!(a.len(), 11);
    assert_ne!(a, new_recovery_code());
    assert_eq!(normalise_code(" 7K2MQ-X9D4A "), "7k2mqx9d4a");
    assert_eq!(normalise_code("o1l-I"), "0111");
}

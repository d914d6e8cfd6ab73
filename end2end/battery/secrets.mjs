// Secrets never logged (#18): scans a server log (the whole browser suite run
// with TESSERA_LOG=debug) for every kind of secret the suite handles:
//   - the passwords the specs type (string literals of end2end/tests that
//     look like passwords, and the administrator's),
//   - API tokens (tsr_ + 38 characters), app passwords (six groups of four),
//     recovery codes (two groups of five), TOTP secrets (32 base32 letters),
//   - session ids (64 hex digits, logged nowhere: not even their hashes are),
//   - link tokens in URLs (?token=…, /reset/…, /confirm/…).
// Usage: node secrets.mjs SERVER_LOG
// Prints what it found (the kind and the line number, never the value) and
// exits 1 when it found anything.
import fs from "node:fs";
import path from "node:path";

const log = process.argv[2];
if (!log) throw new Error("usage: secrets.mjs SERVER_LOG");
const text = fs.readFileSync(log, "utf8");

const specs = path.join(import.meta.dirname, "..", "tests");
const passwords = new Set([process.env.ADMIN_PASSWORD ?? "e2e-Admin-pass-1"]);
for (const f of fs.readdirSync(specs)) {
  const src = fs.readFileSync(path.join(specs, f), "utf8");
  for (const [, s] of src.matchAll(/"([^"\s]{8,})"/g)) {
    if (/horse|pass(word)?-?\d|Admin-pass/i.test(s) && /\d/.test(s)) passwords.add(s);
  }
}

const patterns = [
  ["API token", /tsr_[A-Za-z0-9]{38}/],
  // The alphabets of server/app_passwords.rs and server/two_factor.rs.
  ["app password", /\b(?:[a-hjkmnp-z2-9]{4}-){5}[a-hjkmnp-z2-9]{4}\b/i],
  ["recovery code", /\b[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}\b/i],
  ["TOTP secret", /\b[A-Z2-7]{32}\b/],
  ["session id or 64-hex secret", /\b[0-9a-f]{64}\b/],
  ["link token in a URL", /(?:[?&]token=|\/reset\/|\/confirm\/)[A-Za-z0-9_-]{16,}/],
];

// Each pattern must find a secret of its kind (so a pattern that rotted
// cannot make the scan pass by finding nothing).
const samples = {
  "API token": "tsr_" + "aB3".repeat(12) + "xy",
  "app password": "abcd-efgh-jkmn-pqrs-tuvw-xyz2",
  "recovery code": "7k2mq-x9d4a",
  "TOTP secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  "session id or 64-hex secret": "ab".repeat(32),
  "link token in a URL": "/reset?token=Zm9vYmFyYmF6cXV4cXV1eA",
};
for (const [kind, re] of patterns) {
  if (!re.test(`x ${samples[kind]} y`)) throw new Error(`the ${kind} pattern misses its sample`);
}

const found = [];
const lines = text.split("\n");
lines.forEach((line, i) => {
  for (const [kind, re] of patterns) if (re.test(line)) found.push(`${kind} on line ${i + 1}`);
  for (const p of passwords) if (line.includes(p)) found.push(`a password of the suite on line ${i + 1}`);
});
console.log(
  JSON.stringify({
    secrets: { log_lines: lines.length, passwords_looked_for: passwords.size, kinds: patterns.length, found: found.length },
  }),
);
for (const f of found.slice(0, 30)) console.error(f);
process.exit(found.length ? 1 : 0);

// Load (#18): CLIENTS concurrent clients against a running server for SECONDS,
// a realistic mix per client:
//   signed-in page renders, profile saves, token-authenticated API reads and
//   writes, token creation and deletion, notification reads — and, in the
//   second phase, sign-ins flooding at the Argon2 limit.
// Phase 1 runs the mix without sign-ins (the reference); phase 2 the same
// mix while a quarter of the clients do nothing but sign in. Goals:
//   - 0 errors other than deliberate 429s (a connection error is an error),
//   - p99 of the non-sign-in requests in phase 2 < 2x their p99 in phase 1,
//   - the server's peak RSS < 100 MB + 19 MiB per concurrent hash.
// Usage: BASE_URL=… ADMIN_PASSWORD=… SERVER_PID=… TESSERA_BIN=… node load.mjs CLIENTS SECONDS [--no-timing-goals]
// (--no-timing-goals: report the p99 ratio and RSS but do not fail on them)
// Prints one JSON line of figures last; exits 1 when a goal is missed.
import fs from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import { client } from "./client.mjs";

const [clients = "200", seconds = "60", flag] = process.argv.slice(2);
const timingGoals = flag !== "--no-timing-goals";
const CLIENTS = Number(clients);
const SECONDS = Number(seconds);
const base = process.env.BASE_URL;
const adminPassword = process.env.ADMIN_PASSWORD;
const serverPid = process.env.SERVER_PID;
const bin = process.env.TESSERA_BIN;
if (!base || !adminPassword || !serverPid || !bin) throw new Error("BASE_URL, ADMIN_PASSWORD, SERVER_PID and TESSERA_BIN are required");
// Node's fetch keeps connections alive and opens as many per origin as asked.

const PASSWORD = "load-User-pass-1";

const { call, signIn: signInAs } = client(base);
const signIn = (login) => signInAs(login, PASSWORD);

// One account per client (a person), each with a session and a write token.
const people = [];
for (let i = 0; i < CLIENTS; i++) {
  const name = `load${i}-${Date.now().toString(36)}`;
  execFileSync(bin, ["user", "create", "--username", name, "--email", `${name}@example.org`, "--password-stdin"], {
    input: PASSWORD + "\n",
    env: process.env,
    stdio: ["pipe", "ignore", "pipe"],
  });
  people.push({ name });
}
for (const p of people) {
  p.cookie = await signIn(p.name);
  const t = await call("POST", "/api/tokens/create", { cookie: p.cookie, form: { name: "load", days: "30", scope: "write", allowed_ips: "" } });
  if (t.status !== 200) throw new Error(`token: ${t.status} ${t.text}`);
  p.token = JSON.parse(t.text).value;
}

const KINDS = [
  // [kind, weight, action]
  ["page", 30, (p) => call("GET", "/settings/profile", { cookie: p.cookie })],
  ["profile save", 10, (p) => call("POST", "/api/profile/names", { cookie: p.cookie, form: { first_name: "Load", last_name: p.name, display_name: `L ${Math.random()}` } })],
  ["api read", 25, (p) => call("GET", "/api/v1/me", { bearer: p.token })],
  ["api write", 10, (p) => call("PATCH", "/api/v1/me", { bearer: p.token, json: { display_name: `A ${Math.random()}` } })],
  ["notifications", 15, (p) => call("GET", "/api/notifications/unread", { cookie: p.cookie })],
  [
    "token create+delete",
    10,
    async (p) => {
      const r = await call("POST", "/api/tokens/create", { cookie: p.cookie, form: { name: "tmp", days: "1", scope: "read", allowed_ips: "" } });
      if (r.status !== 200) return r;
      return call("POST", "/api/tokens/delete", { cookie: p.cookie, form: { id: JSON.parse(r.text).token.id } });
    },
  ],
];
const TOTAL = KINDS.reduce((s, k) => s + k[1], 0);
function pick() {
  let x = Math.random() * TOTAL;
  for (const k of KINDS) if ((x -= k[1]) < 0) return k;
  return KINDS[0];
}

function rss() {
  const s = fs.readFileSync(`/proc/${serverPid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(s)[1]) * 1024;
}

async function phase(secs, signInClients) {
  const lat = new Map(); // kind -> [ms]
  const counts = { ok: 0, throttled: 0, errors: 0 };
  const errors = [];
  const until = Date.now() + secs * 1000;
  const record = (kind, ms, status) => {
    if (!lat.has(kind)) lat.set(kind, []);
    lat.get(kind).push(ms);
    if (status >= 200 && status < 400) counts.ok++;
    else if (status === 429) counts.throttled++;
    else {
      counts.errors++;
      if (errors.length < 10) errors.push(`${kind}: ${status}`);
    }
  };
  const worker = async (p, signer) => {
    while (Date.now() < until) {
      const [kind, , action] = signer ? ["sign-in", 0, (q) => call("POST", "/api/login", { form: { login: q.name, password: PASSWORD } })] : pick();
      const t0 = performance.now();
      let status;
      try {
        status = (await action(p)).status;
      } catch (e) {
        status = `connection: ${e.cause?.code ?? e.message}`;
      }
      record(kind, performance.now() - t0, status);
    }
  };
  await Promise.all(people.map((p, i) => worker(p, i < signInClients)));
  const p99 = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0;
  };
  const other = [...lat].filter(([k]) => k !== "sign-in").flatMap(([, xs]) => xs);
  return {
    requests: [...lat.values()].reduce((s, xs) => s + xs.length, 0),
    ...counts,
    errors_seen: errors,
    p99_ms: Object.fromEntries([...lat].map(([k, xs]) => [k, Math.round(p99(xs) * 10) / 10])),
    p99_other_ms: Math.round(p99(other) * 10) / 10,
  };
}

const reference = await phase(Math.max(5, SECONDS / 3), 0);
const flood = await phase(SECONDS, Math.floor(CLIENTS / 4));
// The server hashes on as many threads as the machine has cores.
const hashes = os.availableParallelism();
const peak = rss();
const limit = 100e6 + 19 * 1024 * 1024 * hashes;
const failures = [];
for (const [name, r] of [["reference", reference], ["flood", flood]]) {
  if (r.errors) failures.push(`${name}: ${r.errors} errors (${r.errors_seen.join(", ")})`);
}
const ratio = flood.p99_other_ms / Math.max(reference.p99_other_ms, 0.1);
if (timingGoals && ratio >= 2) failures.push(`p99 of the other requests during the sign-in flood is ${ratio.toFixed(2)}x the reference`);
if (timingGoals && peak >= limit) failures.push(`peak RSS ${(peak / 1e6).toFixed(0)} MB >= ${(limit / 1e6).toFixed(0)} MB`);
for (const f of failures) console.error(f);
console.log(
  JSON.stringify({
    load: { clients: CLIENTS, seconds: SECONDS, reference, flood, p99_ratio: Math.round(ratio * 100) / 100, peak_rss_mb: Math.round(peak / 1e6) },
    ok: failures.length === 0,
  }),
);
process.exit(failures.length ? 1 : 0);

// Crash safety (#18): rounds of "write in a burst, kill -9 the server at a random
// moment, restart", then checks that
//   - the database is intact (SQLite: PRAGMA integrity_check; PostgreSQL: it
//     answers and the rows are there),
//   - every write the client saw acknowledged is present (tokens created, the
//     last acknowledged profile save or the one in flight after it),
//   - every queued mail is delivered, each under one Message-ID (the outbox
//     item's id): a resend after a crash between the SMTP server's "accepted"
//     and our note of it carries the same Message-ID, which mail systems drop.
// Usage: node end2end/battery/crash.mjs BIN ROUNDS
// Uses TESSERA_DATABASE_URL when set (PostgreSQL), else SQLite in a temp dir.
// Prints one JSON line of figures last; exits 1 when a goal is missed.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { client } from "./client.mjs";

const [bin, rounds = "100"] = process.argv.slice(2);
if (!bin) throw new Error("usage: crash.mjs BIN ROUNDS");
const ROUNDS = Number(rounds);
const PASSWORD = "battery-Crash-pass-1";
// An account of its own: on PostgreSQL the database may hold other runs' data.
const USER = `crash-${Date.now().toString(36)}`;
const ADDRESS = `${USER}@example.org`;
const pg = process.env.TESSERA_DATABASE_URL;

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const data = fs.mkdtempSync(path.join(os.tmpdir(), "tessera-crash."));
const mailDir = path.join(data, "mail");
const smtpPort = await freePort();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const sink = spawn("node", [path.join(import.meta.dirname, "..", "smtp-sink.mjs"), String(smtpPort), mailDir], {
  stdio: "ignore",
});
const env = {
  ...process.env,
  TESSERA_LISTEN: `127.0.0.1:${port}`,
  TESSERA_DATA_DIR: data,
  TESSERA_SITE_DIR: path.resolve("target/site"),
  TESSERA_ADMIN_PASSWORD: "battery-Admin-pass-1",
  TESSERA_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  TESSERA_THROTTLE_FREE_PER_ADDRESS: "100000",
};
const log = fs.openSync(path.join(data, "server.log"), "a");

function sql(query) {
  if (pg) return execFileSync("psql", [pg, "-Atc", query], { encoding: "utf8" }).trim();
  return execFileSync("sqlite3", [path.join(data, "tessera.db"), query], { encoding: "utf8" }).trim();
}

async function start() {
  const server = spawn(bin, ["serve"], { env, stdio: ["ignore", log, log] });
  for (let i = 0; i < 600; i++) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}); log: ${data}/server.log`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return server;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("server did not become ready");
}

const { call, signIn: signInAs } = client(base);
const post = (cookie, endpoint, form) => call("POST", `/api/${endpoint}`, { cookie, form });
const signIn = () => signInAs(USER, PASSWORD);

const figures = { rounds: 0, acknowledged: 0, lost: 0, corrupt: 0, mails: 0, undelivered: 0, resent: 0, unknown: 0, panics: 0 };
const failures = [];

execFileSync(bin, ["user", "create", "--username", USER, "--email", ADDRESS, "--password-stdin"], {
  input: PASSWORD + "\n",
  env,
  stdio: ["pipe", "ignore", "pipe"],
});

for (let round = 1; round <= ROUNDS; round++) {
  const server = await start();
  const cookie = await signIn();
  let stop = false;
  const acked = [];
  let profileAcked = -1;
  let profileSent = -1;
  const profileWriter = (async () => {
    for (let seq = 0; !stop; seq++) {
      profileSent = seq;
      try {
        const r = await post(cookie, "profile/names", { first_name: "Crash", last_name: `R${round}`, display_name: `r${round}-${seq}` });
        if (r.status !== 200) throw new Error(`profile save: ${r.status} ${r.text}`);
        profileAcked = seq;
      } catch (e) {
        if (!stop) failures.push(`round ${round}: ${e.message}`);
        return;
      }
    }
  })();
  const tokenWriters = [0, 1, 2].map((w) =>
    (async () => {
      for (let seq = 0; !stop; seq++) {
        const name = `r${round}-w${w}-${seq}`;
        try {
          const r = await post(cookie, "tokens/create", { name, days: "30", scope: "read", allowed_ips: "" });
          if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
          acked.push(name);
        } catch (e) {
          if (!stop) failures.push(`round ${round}: ${e.message}`);
          return;
        }
      }
    })(),
  );
  await new Promise((r) => setTimeout(r, 100 + Math.random() * 900));
  stop = true; // from here on a failed request is the crash, not a finding
  server.kill("SIGKILL");
  await new Promise((r) => server.once("exit", r));
  await Promise.allSettled([profileWriter, ...tokenWriters]);

  // The database as the crash left it, before a restart could repair anything.
  if (!pg) {
    const check = sql("PRAGMA integrity_check");
    if (check !== "ok") {
      figures.corrupt++;
      failures.push(`round ${round}: integrity_check: ${check}`);
    }
  }
  const present = new Set(sql(`SELECT t.name FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE u.username = '${USER}' AND t.name LIKE 'r${round}-%'`).split("\n"));
  const lost = acked.filter((n) => !present.has(n));
  const shown = sql(`SELECT display_name FROM users WHERE username = '${USER}'`);
  const seq = Number(shown.split("-")[1]);
  if (profileAcked >= 0 && !(shown.startsWith(`r${round}-`) && seq >= profileAcked && seq <= profileSent)) {
    lost.push(`profile save ${profileAcked} (the database shows ${shown})`);
  }
  figures.acknowledged += acked.length + (profileAcked + 1);
  figures.lost += lost.length;
  if (lost.length) failures.push(`round ${round}: lost ${lost.join(", ")}`);
  figures.rounds++;
}

// Deliver what is left: a crash leaves an item it had claimed leased for ten
// minutes; the lease is ended here instead of waited out.
const mine = `channel = 'email' AND to_addr = '${ADDRESS}'`;
sql(`UPDATE outbox SET next_attempt_at = 0 WHERE status = 'pending' AND ${mine}`);
const server = await start();
for (let i = 0; i < 600 && Number(sql(`SELECT COUNT(*) FROM outbox WHERE status = 'pending' AND ${mine}`)) > 0; i++) {
  await new Promise((r) => setTimeout(r, 100));
}
server.kill("SIGTERM");
await new Promise((r) => server.once("exit", r));
await new Promise((r) => setTimeout(r, 300)); // the sink writes its last file
sink.kill();

const items = new Set(sql(`SELECT id FROM outbox WHERE ${mine}`).split("\n").filter(Boolean));
const received = new Map();
for (const f of fs.existsSync(mailDir) ? fs.readdirSync(mailDir) : []) {
  const mail = JSON.parse(fs.readFileSync(path.join(mailDir, f), "utf8"));
  if (!mail.to.includes(ADDRESS)) continue; // another run's mail, left in a shared database
  const id = /^Message-ID: <([^@>]+)@outbox\.tessera>/im.exec(mail.data)?.[1] ?? "none";
  received.set(id, (received.get(id) ?? 0) + 1);
}
figures.mails = items.size;
for (const id of items) if (!received.has(id)) figures.undelivered++;
for (const [id, n] of received) {
  if (!items.has(id)) figures.unknown++;
  if (n > 1) figures.resent += n - 1;
}
const logLines = fs.readFileSync(path.join(data, "server.log"), "utf8").split("\n");
const panics = logLines.filter((l) => l.includes("panicked at"));
figures.panics = panics.length;
if (panics.length) failures.push(`the server panicked: ${panics[0]}`);
if (figures.undelivered) failures.push(`${figures.undelivered} queued mails never delivered`);
if (figures.unknown) failures.push(`${figures.unknown} mails under no queued item's Message-ID`);
if (figures.mails === 0) failures.push("no mail was queued: the burst did not exercise the outbox");
if (figures.acknowledged < ROUNDS) failures.push("too few acknowledged writes to mean anything");

for (const f of failures.slice(0, 20)) console.error(f);
console.log(JSON.stringify({ crash: figures, ok: failures.length === 0 }));
if (failures.length === 0) fs.rmSync(data, { recursive: true, force: true });
else console.error(`kept ${data}`);
process.exit(failures.length === 0 ? 0 : 1);

import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";

export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? "e2e-Admin-pass-1";

/** Waits until the WebAssembly has hydrated the page (an Effect sets this attribute). */
export async function hydrated(page: Page) {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
}

/** The address of the shell's WASM (content-hashed in a release build). */
export const APP_WASM = /\/pkg\/tessera[^/]*\.wasm$/;

/**
 * Holds back the shell's WASM, so the page stays as the server rendered it
 * (the app not started) until the returned function is called.
 */
export async function holdApp(page: Page): Promise<() => void> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(APP_WASM, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

/**
 * The time budget of one round of a test that repeats a whole visit in a fresh
 * browser (sign in, load and compile the debug WASM, hydrate): about 2 s here.
 * Such tests set `test.setTimeout(rounds * ROUND_MS)`, so their limit grows with
 * the work they do and still catches a hang, whatever the machine's speed.
 */
export const ROUND_MS = 10_000;

/** Creates an account through the operator CLI, against the server's own database. */
export function createUser(username: string, password: string, extra: string[] = []) {
  const bin = process.env.TESSERA_BIN;
  if (!bin) throw new Error("TESSERA_BIN is not set: run the suite through end2end/run.sh");
  execFileSync(bin, ["user", "create", "--username", username, "--email", `${username}@example.org`, "--password-stdin", ...extra], {
    input: password + "\n",
    env: process.env,
  });
}

/** A username no other test uses. */
export function uniqueName(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

export async function signIn(page: Page, login: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** Signs in and waits until the profile page is interactive. */
export async function signInOk(page: Page, login: string, password: string) {
  await signIn(page, login, password);
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);
}

/** Waits for a mail to `to` in the SMTP sink and returns its text (quoted-printable undone). */
export async function mailTo(to: string, subject: string): Promise<string> {
  const dir = process.env.MAIL_DIR;
  if (!dir) throw new Error("MAIL_DIR is not set: run the suite through end2end/run.sh");
  const fs = await import("node:fs");
  const path = await import("node:path");
  for (let i = 0; i < 100; i++) {
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
    for (const f of files.sort()) {
      const mail = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
      const text = String(mail.data).replace(/=\n/g, "").replace(/=3D/g, "=");
      if (mail.to.includes(to) && text.includes(subject)) return text;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no mail to ${to} about "${subject}"`);
}

/** The first link to `path` in a mail. */
export function linkIn(text: string, path: string): string {
  const m = text.match(new RegExp(`https?://[^\\s]+${path}\\?token=[0-9a-f]+`));
  if (!m) throw new Error(`no ${path} link in mail`);
  return m[0];
}

/** Runs SQL against the server's database (to age a session's sudo window):
 *  psql when the suite runs on PostgreSQL, else the sqlite3 shell. */
export function sql(statement: string) {
  const url = process.env.TESSERA_DATABASE_URL ?? "";
  if (url.startsWith("postgres")) {
    execFileSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-c", statement]);
  } else {
    execFileSync("sqlite3", [`${process.env.TESSERA_DATA_DIR}/tessera.db`, statement]);
  }
}

/**
 * The code for the time step `offset` steps from now, computed early enough in
 * the current step (waits out its last 3 s) that the server, a moment later,
 * still counts from the same step.
 */
export async function freshCode(base32Key: string, offset = 0): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 3_000) await new Promise((r) => setTimeout(r, left + 100));
  return totp(base32Key, Date.now() + offset * 30_000);
}

/** The RFC 6238 code (SHA-1, 6 digits, 30 s) for a base32 key at time `at` (ms). */
export function totp(base32Key: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32Key.replace(/[\s=]/g, "").toUpperCase()) {
    bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const value = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(value % 1_000_000).padStart(6, "0");
}

/**
 * Follows a link of the side navigation and waits until its page has replaced the
 * current one, so the next step acts on the new page and not the old one.
 * Every settings page's main heading is the name of its link.
 */
export async function openSection(page: Page, name: string) {
  await page.getByRole("link", { name, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
}

/** Creates a token on the tokens page (sudo mode is fresh after signing in); returns its value. */
export async function createToken(page: Page, name: string, readOnly: boolean): Promise<string> {
  await page.goto("/settings/tokens");
  await hydrated(page);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel(readOnly ? "Read-only" : "Read and write").check();
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new token" });
  await expect(dialog).toBeVisible();
  const value = (await page.locator("#secret-value").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  return value;
}

import { test, expect, Page } from "@playwright/test";
import { createUser, hydrated, mailTo, openSection, signIn, signInOk, sql, uniqueName } from "./helpers";

/**
 * A passkey end to end, with Chromium's virtual authenticator (DevTools'
 * WebAuthn domain) standing in for a fingerprint reader: it answers the
 * browser's dialogs itself, verifies the user and keeps discoverable
 * credentials, so the real ceremony runs (our JavaScript, the browser's
 * WebAuthn, the server's checks). The suite serves on localhost: browsers
 * refuse an IP address as relying party.
 */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  await page.addInitScript(() => {
    if (sessionStorage.getItem("no-passkey-autofill") && window.PublicKeyCredential) {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    }
  });
  return { cdp, authenticatorId };
}

/** Adds a passkey named `name` on the passkeys page (a fresh sign-in is in sudo mode). */
async function addPasskey(page: Page, name: string) {
  await openSection(page, "Passkeys & security keys");
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Add a passkey" }).click();
}

/**
 * The sign-in page also asks for a passkey in the background (conditional
 * mediation: the username field's autofill list), and Chromium's virtual
 * authenticator answers such a request at once, as if the person had picked
 * the passkey. To try the button and the password path with a passkey in the
 * authenticator, this makes the page see a browser without autofill for
 * passkeys (as older browsers are) until `autofill(page, true)`.
 */
async function autofill(page: Page, on: boolean) {
  await page.evaluate((off) => {
    if (off) sessionStorage.setItem("no-passkey-autofill", "1");
    else sessionStorage.removeItem("no-passkey-autofill");
  }, !on);
}

async function signOut(page: Page, name: string) {
  await leave(page, name);
  await expect(page).toHaveURL(/\/login/);
}

/** Clicks "Sign out" in the account menu. */
async function leave(page: Page, name: string) {
  await page.getByRole("button", { name }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
}

test("add a passkey, sign in with it alone, use it as second factor, rename and remove it", async ({ page }) => {
  const name = uniqueName("passkey");
  createUser(name, "right-horse-42");
  const { cdp, authenticatorId } = await virtualAuthenticator(page);
  await signInOk(page, name, "right-horse-42");

  await openSection(page, "Passkeys & security keys");
  await expect(page.locator("#no-passkeys")).toBeVisible();
  await addPasskey(page, "Virtual key");
  // The first second factor: recovery codes, shown once.
  const codes = page.locator("#recovery-codes li");
  await expect(codes).toHaveCount(10);
  await page.getByRole("button", { name: "I have saved them" }).click();
  const item = page.locator("li.passkey");
  await expect(item).toHaveCount(1);
  await expect(item).toContainText("Virtual key");
  await expect(item).toContainText("This device");
  await expect(item).toContainText("never used");
  const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0].isResidentCredential).toBe(true);
  await page.screenshot({ path: "test-results/passkeys-added.png", fullPage: true });

  // Password-less from the username field's autofill: the sign-in page
  // offers the passkey as it opens, and picking it signs in (no click here).
  const signInRequest = page.waitForRequest((r) => r.url().endsWith("/api/login/passkey/finish"));
  await leave(page, name);
  await signInRequest;
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);

  // Password-less with the button: no user name, no password, no code.
  await autofill(page, false);
  await signOut(page, name);
  await hydrated(page);
  await expect(page.locator("#login")).toHaveAttribute("autocomplete", "username webauthn");
  await page.screenshot({ path: "test-results/passkeys-sign-in.png", fullPage: true });
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);

  // The password alone is not enough any more; the passkey is the second step.
  await signOut(page, name);
  await signIn(page, name, "right-horse-42");
  await expect(page).toHaveURL(/\/login\/two-factor/);
  await hydrated(page);
  await page.getByRole("button", { name: "Use a passkey or security key" }).click();
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);

  // Rename in sudo mode, confirmed with the passkey instead of the password.
  await openSection(page, "Passkeys & security keys");
  await expect(item).toContainText("last used");
  sql(`UPDATE sessions SET sudo_at = 0 WHERE user_id = (SELECT id FROM users WHERE username = '${name}')`);
  await item.getByRole("button", { name: "Rename Virtual key" }).click();
  await item.getByLabel("Name").fill("Laptop");
  await item.getByRole("button", { name: "Save name" }).click();
  const sudo = page.getByRole("dialog");
  await expect(sudo).toBeVisible();
  // Its only second factor is the passkey: no app code is asked for.
  await expect(sudo.getByRole("button", { name: "Confirm with a passkey" })).toBeVisible();
  await expect(sudo.getByLabel("Password", { exact: true })).toBeVisible();
  await sudo.getByRole("button", { name: "Confirm with a passkey" }).click();
  await expect(sudo).toBeHidden();
  await expect(item.locator(".passkey-name")).toHaveText("Laptop");
  await item.getByRole("button", { name: "Remove Laptop" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("only second factor");
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(page.locator("#no-passkeys")).toBeVisible();
  // 2FA is off again: the password alone signs in.
  await signOut(page, name);
  await signInOk(page, name, "right-horse-42");
});

test("a closed passkey dialog is a clear message, not a hang", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.evaluate(() => {
    // Stand in for a person closing the dialog: the browser answers NotAllowedError.
    navigator.credentials.get = () => Promise.reject(new DOMException("closed", "NotAllowedError"));
  });
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.locator("#passkey-error")).toContainText("the dialog was closed");
  await expect(page.getByRole("button", { name: "Sign in with a passkey" })).toBeEnabled();
  await expect(page).toHaveURL(/\/login$/);
});

test("an administrator sees a user's passkeys and a 2FA reset removes them", async ({ page, browser }) => {
  const admin = uniqueName("keyadmin");
  const user = uniqueName("keyholder");
  createUser(admin, "right-horse-42", ["--admin"]);
  createUser(user, "right-horse-42");
  await virtualAuthenticator(page);
  await signInOk(page, user, "right-horse-42");
  await addPasskey(page, "Phone");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page.locator("li.passkey")).toHaveCount(1);

  const adminPage = await (await browser.newContext()).newPage();
  await signInOk(adminPage, admin, "right-horse-42");
  await adminPage.goto(`/admin/users?q=${user}`);
  await hydrated(adminPage);
  const row = adminPage.locator("table.users tbody tr").filter({ hasText: user });
  await expect(row).toContainText("Passkeys: 1");
  await adminPage.getByRole("button", { name: `Reset 2FA: ${user}` }).click();
  const dialog = adminPage.getByRole("alertdialog", { name: `Reset the 2FA of ${user}?` });
  await expect(dialog).toContainText("passkeys");
  await dialog.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(adminPage.getByRole("status").filter({ hasText: "Two-factor authentication reset." })).toBeVisible();
  await expect(row).not.toContainText("Passkeys");
  await expect(row.getByRole("button", { name: `Reset 2FA: ${user}` })).toHaveCount(0);
  const mail = await mailTo(`${user}@example.org`, "Your two-factor authentication was reset");
  expect(mail).toContain("passkeys");

  // The passkey is gone from the user's list, and it signs in no more: the
  // authenticator still offers it from the autofill list, the server refuses
  // it, the form says why, and after three tries the page stops asking.
  await page.reload();
  await hydrated(page);
  await expect(page.locator("#no-passkeys")).toBeVisible();
  let finishes = 0;
  page.on("request", (r) => {
    if (r.url().endsWith("/api/login/passkey/finish")) finishes++;
  });
  await signOut(page, user);
  await expect(page.getByRole("alert")).toContainText("This passkey is not registered here");
  await expect.poll(() => finishes).toBe(3);
  await page.waitForTimeout(1000);
  expect(finishes).toBe(3);
  await expect(page).toHaveURL(/\/login/);
  // The password still signs in.
  await autofill(page, false);
  await signInOk(page, user, "right-horse-42");
});

test("the sign-in page renews its background passkey request before the server's expires", async ({ page }) => {
  // No authenticator with a passkey for this site: the background request
  // waits. Counted as the page asks, so the clock moves only once the
  // request (and the timer set just before it) exists.
  await page.addInitScript(() => {
    const w = window as unknown as { passkeyRequests: number };
    w.passkeyRequests = 0;
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => {
      w.passkeyRequests++;
      return get(options);
    };
  });
  const requests = () => page.evaluate(() => (window as unknown as { passkeyRequests: number }).passkeyRequests);
  let starts = 0;
  page.on("request", (r) => {
    if (r.url().endsWith("/api/login/passkey/start")) starts++;
  });
  await page.clock.install();
  await page.goto("/login");
  await hydrated(page);
  await expect.poll(requests).toBe(1);
  expect(starts).toBe(1);
  // Four minutes on: a new ceremony (the server's lives five), a new request.
  await page.clock.fastForward("04:01");
  await expect.poll(requests).toBe(2);
  expect(starts).toBe(2);
  await page.clock.fastForward("04:01");
  await expect.poll(requests).toBe(3);
  expect(starts).toBe(3);
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("alert")).toHaveCount(0);
});

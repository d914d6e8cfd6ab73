import { test, expect } from "@playwright/test";
import { createUser, freshCode, hydrated, signIn, signInOk, sql, uniqueName, openSection } from "./helpers";

test("enrol, sign in with a code, then with a recovery code; a code never works twice", async ({ page, browser }) => {
  const name = uniqueName("totp");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");

  await openSection(page, "Two-factor authentication");
  await expect(page.getByRole("heading", { name: "Two-factor authentication is off." })).toBeVisible();
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const key = (await page.locator("#totp-secret").textContent())!.trim();
  expect(key.replace(/\s/g, "")).toMatch(/^[A-Z2-7]{32}$/);
  await expect(page.locator("#totp-uri")).toContainText(`otpauth://totp/Tessera:${name}?secret=`);
  await page.screenshot({ path: "test-results/two-factor-enrol.png", fullPage: true });

  // A wrong code first: refused next to the field.
  await page.getByLabel("Code from the app").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page.locator("#code-error")).toContainText("not valid");
  // The code of the previous 30 s step (still accepted) keeps the current one free for signing in.
  await page.getByLabel("Code from the app").fill(await freshCode(key, -1));
  await page.getByRole("button", { name: "Turn on" }).click();
  const codes = page.locator("#recovery-codes li");
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.allTextContents()).map((c) => c.trim());
  await expect(page.getByRole("link", { name: "Download as .txt" })).toHaveAttribute("download", "tessera-recovery-codes.txt");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await expect(page.locator("#recovery-codes")).toHaveCount(0);
  await expect(page.locator("#codes-left")).toHaveText("Recovery codes left: 10");
  await page.screenshot({ path: "test-results/two-factor-on.png", fullPage: true });

  // Sign out; the password alone no longer opens a session.
  await page.getByRole("button", { name: name }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, name, "right-horse-42");
  await expect(page).toHaveURL(/\/login\/two-factor/);
  await hydrated(page);
  const code = await freshCode(key);
  await page.getByLabel("Code from the app").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);

  // A second browser: the same code is refused, a recovery code works once.
  const other = await browser.newContext();
  const second = await other.newPage();
  await signIn(second, name, "right-horse-42");
  await expect(second).toHaveURL(/\/login\/two-factor/);
  await hydrated(second);
  await second.getByLabel("Code from the app").fill(code);
  await second.getByRole("button", { name: "Verify" }).click();
  await expect(second.locator("#code-error")).toContainText("This code is not valid");
  await second.getByRole("button", { name: "Use a recovery code instead" }).click();
  await second.getByLabel("Recovery code").fill(recovery[0]);
  await second.getByRole("button", { name: "Verify" }).click();
  await expect(second).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(second);
  await second.goto("/settings/two-factor");
  await expect(second.locator("#codes-left")).toHaveText("Recovery codes left: 9");
  await other.close();

  // Sudo mode has lapsed: a code from the app confirms it as well as the password does.
  sql(`UPDATE sessions SET sudo_at = 0 WHERE user_id = (SELECT id FROM users WHERE username = '${name}')`);
  await page.goto("/settings/two-factor");
  await hydrated(page);
  await page.getByRole("button", { name: "Generate new recovery codes" }).click();
  const sudo = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(sudo).toBeVisible();
  await sudo.getByLabel("Password, or a code from your authenticator app").fill(await freshCode(key, 1));
  // The account has no passkey: none is offered.
  await expect(sudo.getByRole("button", { name: "Confirm with a passkey" })).toHaveCount(0);
  await sudo.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.locator("#recovery-codes li")).toHaveCount(10);
  expect(await page.locator("#recovery-codes li").first().textContent()).not.toBe(recovery[0]);
});

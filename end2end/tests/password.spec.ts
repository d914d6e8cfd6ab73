import { test, expect } from "@playwright/test";
import { APP_WASM, createUser, holdApp, hydrated, signIn, signInOk, uniqueName, openSection } from "./helpers";

test("change the password, then sign in with the new one", async ({ page, browser }) => {
  const name = uniqueName("pw");
  createUser(name, "right-horse-42");
  // A second device, which the change must sign out.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signInOk(otherPage, name, "right-horse-42");

  await signInOk(page, name, "right-horse-42");
  await openSection(page, "Password");
  await expect(page).toHaveURL(/:\d+\/settings\/password$/);
  await hydrated(page);

  const rules = page.getByRole("list", { name: "Password requirements not met yet" });
  await page.getByLabel("New password", { exact: true }).fill("abc");
  await expect(rules).toContainText("Use at least 8 characters.");
  // No composition rules (ASVS V6.2): a long passphrase of letters is fine.
  await expect(rules.getByRole("listitem")).toHaveCount(1);
  await expect(page.getByText("Strength: Very weak")).toBeVisible();
  // The common-password rule comes from the server once typing pauses.
  await page.getByLabel("New password", { exact: true }).fill("password1");
  await expect(rules).toContainText("most common passwords");

  await page.getByLabel("New password", { exact: true }).fill("Brand-new-horse-77");
  await expect(rules.getByRole("listitem")).toHaveCount(0);
  await expect(page.getByText("Strength: Strong")).toBeVisible();
  await page.getByLabel("Confirm new password").fill("Brand-new-horse-78");
  await expect(page.locator("#confirm_password-error")).toHaveText("The passwords do not match.");
  await page.getByLabel("Confirm new password").fill("Brand-new-horse-77");

  await page.getByLabel("Current password").fill("wrong-horse-42");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.locator("#current_password-error")).toHaveText("Your current password is incorrect.");

  await page.getByLabel("Current password").fill("right-horse-42");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Password changed.");
  await page.screenshot({ path: "test-results/password.png", fullPage: true });

  await otherPage.reload();
  await expect(otherPage).toHaveURL(/\/login/);
  await other.close();

  await page.context().clearCookies();
  await signIn(page, name, "right-horse-42");
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
  await signInOk(page, name, "Brand-new-horse-77");
});

// Until the app has started, the browser would send a form of the app's by
// itself (one without method="post" as a GET with every field, the passwords
// too, in the address and the history); src/boot.js holds such a submit back.
test("a password typed before the app has started never goes into the address", async ({ page }) => {
  const name = uniqueName("pwearly");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  // The shell's WASM never arrives: the page stays as the server rendered it.
  await page.route(APP_WASM, () => {});
  await page.goto("/settings/password");
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await page.getByLabel("Current password").fill("right-horse-42");
  await page.evaluate(() => {
    document.addEventListener("submit", (e) => { (window as any).sent = !e.defaultPrevented; }, { once: true });
  });
  await page.getByLabel("Current password").press("Enter");
  // Had the browser sent it, this page (and its `sent`) would be gone.
  await expect.poll(() => page.evaluate(() => (window as any).sent)).toBe(false);
  expect(page.url()).toMatch(/\/settings\/password$/);
});

// On a slow phone a person starts typing before the app has started; the app
// must take over what was typed, not clear it (src/boot.js hands it over).
test("what is typed before the app has started is kept, and is what gets sent", async ({ page }) => {
  const name = uniqueName("pwtype");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  // The shell's WASM is held back until the fields are filled.
  const release = await holdApp(page);
  await page.goto("/settings/password");
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await page.getByLabel("Current password").fill("right-horse-42");
  await page.getByLabel("New password", { exact: true }).fill("Early-typed-horse-55");
  await page.getByLabel("Confirm new password").fill("Early-typed-horse-55");
  release();
  await hydrated(page);
  await expect(page.getByLabel("Current password")).toHaveValue("right-horse-42");
  await expect(page.getByLabel("New password", { exact: true })).toHaveValue("Early-typed-horse-55");
  await expect(page.getByLabel("Confirm new password")).toHaveValue("Early-typed-horse-55");
  // The app's own state has it too: the strength meter reads it, and the
  // change goes through with exactly these values.
  await expect(page.getByText("Strength: Strong")).toBeVisible();
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toContainText("Password changed.");
  await page.context().clearCookies();
  await page.unroute(APP_WASM);
  await signInOk(page, name, "Early-typed-horse-55");
});

// Enter pressed (or the button clicked) before the app has started: the submit
// is held back, then sent by the app once it runs, with what was typed.
test("a form sent before the app has started is sent once it has", async ({ page }) => {
  const name = uniqueName("pwearlysend");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const release = await holdApp(page);
  // Each time the app sends the change.
  let sent = 0;
  page.on("request", (r) => {
    if (r.method() === "POST" && new URL(r.url()).pathname.endsWith("/password/change")) sent++;
  });
  await page.goto("/settings/password");
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await page.getByLabel("Current password").fill("right-horse-42");
  await page.getByLabel("New password", { exact: true }).fill("Sent-early-horse-66");
  await page.getByLabel("Confirm new password").fill("Sent-early-horse-66");
  await page.getByLabel("Confirm new password").press("Enter");
  // Held back, and shown as waiting.
  await expect(page.locator("form[aria-busy=true]")).toHaveCount(1);
  release();
  await hydrated(page);
  await expect(page.getByRole("status")).toContainText("Password changed.");
  expect(page.url()).toMatch(/\/settings\/password$/);
  expect(sent).toBe(1);
  await expect(page.locator("form[aria-busy=true]")).toHaveCount(0);
  await page.context().clearCookies();
  await page.unroute(APP_WASM);
  await signInOk(page, name, "Sent-early-horse-66");
});

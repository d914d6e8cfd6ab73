import { test, expect } from "@playwright/test";
import { createUser, hydrated, linkIn, mailTo, signIn, signInOk, sql, uniqueName } from "./helpers";

test("change the email address through the link mailed to it", async ({ page }) => {
  const name = uniqueName("mail");
  const newAddress = `${name}@new.example`;
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");

  // Ten minutes later, the password is asked for again before the change.
  sql(`UPDATE sessions SET sudo_at = 0 WHERE user_id = (SELECT id FROM users WHERE username = '${name}')`);
  await page.getByLabel("New email address").fill(newAddress);
  await page.getByRole("button", { name: "Send confirmation link" }).click();
  const dialog = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel("Password")).toBeFocused();
  await dialog.getByLabel("Password").fill("wrong-horse-42");
  await dialog.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(dialog.getByText("Incorrect password.")).toBeVisible();
  await page.screenshot({ path: "test-results/sudo-dialog.png" });
  await dialog.getByLabel("Password").fill("right-horse-42");
  await dialog.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status")).toContainText(`We sent a confirmation link to ${newAddress}`);
  await expect(page.locator("#primary-email")).toHaveText(`${name}@example.org`);
  await expect(page.locator("#pending-email")).toContainText(`Waiting for confirmation of ${newAddress}`);
  // Still shown after a reload: the server knows about the pending change.
  await page.reload();
  await hydrated(page);
  await expect(page.locator("#pending-email")).toContainText(newAddress);

  const link = linkIn(await mailTo(newAddress, "Confirm your new email address"), "/confirm-email");
  await page.goto(link);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm new address" }).click();
  await expect(page.getByText(`Done. Your email address is now ${newAddress}.`)).toBeVisible();
  await page.getByRole("link", { name: "Go to your profile" }).click();
  await expect(page.locator("#primary-email")).toHaveText(newAddress);
  await expect(page.locator("#pending-email")).toHaveCount(0);
  // The old address hears about it.
  await mailTo(`${name}@example.org`, "Your email address was changed");
});

test("forgotten password: reset by mail, then sign in", async ({ page }) => {
  const name = uniqueName("forgot");
  createUser(name, "right-horse-42");
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await hydrated(page);
  await page.getByLabel("Username or email").fill(name);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByText("If an account with that name or address exists")).toBeVisible();

  const link = linkIn(await mailTo(`${name}@example.org`, "Reset your Tessera password"), "/reset-password");
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel("New password", { exact: true }).fill("password1");
  await page.getByLabel("Confirm new password").fill("password1");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.locator("#new_password-error")).toContainText("most common passwords");
  await page.getByLabel("New password", { exact: true }).fill("Reset-horse-99");
  await page.getByLabel("Confirm new password").fill("Reset-horse-99");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByText("Your password was changed")).toBeVisible();
  // The link is used up.
  await page.goto(link);
  await hydrated(page);
  await page.getByLabel("New password", { exact: true }).fill("Other-horse-99");
  await page.getByLabel("Confirm new password").fill("Other-horse-99");
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("alert")).toContainText("invalid, has expired or was already used");

  await signIn(page, name, "right-horse-42");
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
  await signInOk(page, name, "Reset-horse-99");
});

test("a new recovery address works only once the link sent to it is opened", async ({ page }) => {
  const name = uniqueName("rec");
  const backup = `${name}@backup.example`;
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await hydrated(page);
  await page.getByLabel("Password recovery address").fill(backup);
  await page.getByRole("button", { name: "Save recovery address" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a confirmation link to ${backup}`);
  await expect(page.locator("#pending-recovery-email")).toContainText(`Waiting for confirmation of ${backup}`);
  // The primary address hears about it at once.
  await mailTo(`${name}@example.org`, "A new recovery address was requested");
  await page.reload();
  await hydrated(page);
  await expect(page.locator("#pending-recovery-email")).toContainText(backup);
  await expect(page.getByLabel("Password recovery address")).toHaveValue("");

  const link = linkIn(await mailTo(backup, "Confirm your recovery address"), "/confirm-email");
  await page.goto(link);
  await hydrated(page);
  await page.getByRole("button", { name: "Confirm new address" }).click();
  await expect(page.getByText(`Done. Password reset links now go to ${backup}.`)).toBeVisible();
  await page.getByRole("link", { name: "Go to your profile" }).click();
  await hydrated(page);
  await expect(page.getByLabel("Password recovery address")).toHaveValue(backup);
  await expect(page.locator("#pending-recovery-email")).toHaveCount(0);
  await mailTo(`${name}@example.org`, "Your recovery address was changed");
});

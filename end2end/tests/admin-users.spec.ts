import { test, expect } from "@playwright/test";
import { createUser, hydrated, linkIn, mailTo, signIn, signInOk, uniqueName } from "./helpers";

test("an administrator creates a user, who sets a password from the mailed link and signs in", async ({ page, browser }) => {
  const admin = uniqueName("useradmin");
  createUser(admin, "right-horse-42", ["--admin"]);
  await signInOk(page, admin, "right-horse-42");
  await page.getByRole("link", { name: "Users", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Users");
  await hydrated(page);

  const newbie = uniqueName("newbie");
  await page.getByLabel("Username", { exact: true }).fill(newbie);
  await page.getByLabel("Email", { exact: true }).fill(`${newbie}@example.org`);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${newbie} was created.` })).toBeVisible();

  // The list finds them; they never signed in.
  await page.getByLabel("Search (username, name or email)").fill(newbie);
  await page.getByRole("button", { name: "Filter" }).click();
  const row = page.locator("table.users tbody tr").filter({ hasText: newbie });
  await expect(row).toContainText("never");
  await page.screenshot({ path: "test-results/admin-users.png", fullPage: true });

  const mail = await mailTo(`${newbie}@example.org`, "Your Tessera account");
  const link = linkIn(mail, "/reset-password");
  const them = await (await browser.newContext()).newPage();
  await them.goto(link);
  await hydrated(them);
  await them.getByLabel("New password", { exact: true }).fill("newbie-horse-42");
  await them.getByLabel("Confirm new password").fill("newbie-horse-42");
  await them.getByRole("button", { name: "Set new password" }).click();
  await expect(them.getByText("Your password was changed")).toBeVisible();
  await signInOk(them, newbie, "newbie-horse-42");
});

test("an administrator disables a user, whose next request is refused", async ({ page, browser }) => {
  const admin = uniqueName("disabler");
  const victim = uniqueName("disabled");
  createUser(admin, "right-horse-42", ["--admin"]);
  createUser(victim, "right-horse-42");
  const them = await (await browser.newContext()).newPage();
  await signInOk(them, victim, "right-horse-42");

  await signInOk(page, admin, "right-horse-42");
  await page.goto(`/admin/users?q=${victim}`);
  await hydrated(page);
  await page.getByRole("button", { name: `Disable: ${victim}` }).click();
  const dialog = page.getByRole("alertdialog", { name: `Disable ${victim}?` });
  await dialog.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Account updated." })).toBeVisible();
  const row = page.locator("table.users tbody tr").filter({ hasText: victim });
  await expect(row).toContainText("disabled");

  // Their open session is over.
  await them.reload();
  await expect(them).toHaveURL(/\/login/);
  await signIn(them, victim, "right-horse-42");
  await expect(them.getByRole("alert")).toBeVisible();
});

import { test, expect } from "@playwright/test";
import { createUser, hydrated, openSection, signIn, signInOk, uniqueName } from "./helpers";

test("a user downloads their data, then deletes the account and can no longer sign in", async ({ page }) => {
  const user = uniqueName("leaver");
  createUser(user, "right-horse-42");
  await signInOk(page, user, "right-horse-42");
  await openSection(page, "Account");
  await hydrated(page);

  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Download my data" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("tessera-export.json");
  const fs = await import("node:fs");
  const doc = JSON.parse(fs.readFileSync((await file.path())!, "utf8"));
  expect(doc.format).toBe("tessera-export");
  expect(doc.account.username).toBe(user);

  const button = page.getByRole("button", { name: "Delete my account" });
  await expect(button).toBeDisabled();
  await page.getByLabel(`Type your username (${user}) to confirm`).fill(user);
  await page.screenshot({ path: "test-results/account.png", fullPage: true });
  await button.click();
  await expect(page).toHaveURL(/\/login/);

  await signIn(page, user, "right-horse-42");
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
});

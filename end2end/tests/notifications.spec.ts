import { test, expect } from "@playwright/test";
import { createUser, hydrated, openSection, signInOk, uniqueName } from "./helpers";

test("choose where each area's notifications go; the choice survives a reload", async ({ page }) => {
  const name = uniqueName("prefs");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await openSection(page, "Notifications");
  await expect(page).toHaveURL(/:\d+\/settings\/notifications$/);
  await hydrated(page);

  const table = page.getByRole("table");
  await expect(table.getByRole("columnheader", { name: "Email" })).toBeVisible();
  await expect(table.getByRole("rowheader", { name: "Rapid Response" })).toBeVisible();
  // Defaults: in-app everywhere, email for Security and Alerts.
  await expect(page.getByRole("checkbox", { name: "Alerts: Email" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Policies: Email" })).not.toBeChecked();
  // Security in the app cannot be turned off, and the page says why.
  const locked = page.getByRole("checkbox", { name: "Security: In the app" });
  await expect(locked).toBeChecked();
  await expect(locked).toBeDisabled();
  await expect(page.getByText("Always on in the app")).toBeVisible();

  // Keyboard: focus a cell and press space.
  await page.getByRole("checkbox", { name: "Alerts: Email" }).focus();
  await page.keyboard.press("Space");
  await expect(page.getByRole("status").filter({ hasText: "Saved: Alerts by Email is now off." })).toBeVisible();
  await page.getByRole("checkbox", { name: "Policies: Email" }).check();
  await expect(page.getByRole("status").filter({ hasText: "Policies by Email is now on." })).toBeVisible();
  await page.screenshot({ path: "test-results/notifications.png", fullPage: true });

  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("checkbox", { name: "Alerts: Email" })).not.toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Policies: Email" })).toBeChecked();
});

import { test, expect } from "@playwright/test";
import { createToken, createUser, hydrated, openSection, signIn, signInOk, uniqueName } from "./helpers";

test("my security log lists my sign-ins, failed ones too, and my token changes", async ({ page, browser }) => {
  const user = uniqueName("seclog");
  createUser(user, "right-horse-42");
  // Someone tries a wrong password first.
  const other = await (await browser.newContext()).newPage();
  await signIn(other, user, "wrong-horse-42");
  await expect(other.getByRole("alert")).toBeVisible();

  await signInOk(page, user, "right-horse-42");
  await createToken(page, "deploy", true);
  await page.goto("/settings/profile");
  await hydrated(page);
  await openSection(page, "Security log");
  await expect(page).toHaveURL(/\/settings\/security-log$/);
  const rows = page.getByRole("row");
  // Newest first: the token, the sign-in, the failed attempt.
  await expect(rows.nth(1)).toContainText("API token created");
  await expect(rows.nth(1)).toContainText("(deploy)");
  const signIns = rows.filter({ hasText: "Sign-in" });
  await expect(signIns.filter({ hasText: "Success" })).toHaveCount(1);
  await expect(signIns.filter({ hasText: "Failed" })).toHaveCount(1);
  await expect(signIns.first()).toContainText("127.0.0.1");
  await expect(signIns.first()).toContainText(/Chrome \d+ on \w+/);
  await page.screenshot({ path: "test-results/security-log.png", fullPage: true });
});

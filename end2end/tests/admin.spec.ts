import { test, expect } from "@playwright/test";
import { createToken, createUser, hydrated, openSection, signInOk, sql, uniqueName } from "./helpers";

test("an administrator reads, filters and exports the audit log", async ({ page, browser }) => {
  const admin = uniqueName("auditor");
  const user = uniqueName("audited");
  createUser(admin, "right-horse-42", ["--admin"]);
  createUser(user, "right-horse-42");
  const userPage = await (await browser.newContext()).newPage();
  await signInOk(userPage, user, "right-horse-42");
  await createToken(userPage, "nightly", true);
  // A user sees no administration links.
  await expect(userPage.getByRole("heading", { name: "Administration" })).toHaveCount(0);

  await signInOk(page, admin, "right-horse-42");
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Audit log");
  await page.getByLabel("Account").fill(user);
  await page.getByLabel("Action").selectOption("token.create");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=token.create/);
  const rows = page.locator("table.log tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("API token created");
  await expect(rows.first()).toContainText(user);
  await expect(rows.first()).toContainText("nightly");
  await page.screenshot({ path: "test-results/admin-audit.png", fullPage: true });

  const href = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  expect(href).toContain("action=token.create");
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  const text = await csv.text();
  // UTF-8 with a byte order mark (for spreadsheets), then the header.
  expect([...(await csv.body()).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(text.replace(/^\uFEFF/, "").split("\n")[0]).toBe("time_utc,actor,action,target,ip,user_agent,outcome,detail");
  expect(text).toContain(`"${user}","token.create"`);
});

test("an administrator revokes a user's token and the owner's next call fails", async ({ page, browser, request }) => {
  const admin = uniqueName("tokadmin");
  const user = uniqueName("tokowner");
  createUser(admin, "right-horse-42", ["--admin"]);
  createUser(user, "right-horse-42");
  const userPage = await (await browser.newContext()).newPage();
  await signInOk(userPage, user, "right-horse-42");
  const value = await createToken(userPage, "laptop", true);
  const auth = { Authorization: `Bearer ${value}` };
  expect((await request.get("/api/v1/me", { headers: auth })).status()).toBe(200);

  await signInOk(page, admin, "right-horse-42");
  await page.goto("/admin/tokens");
  await hydrated(page);
  // Filtered on the server: the filter is in the address.
  await page.getByLabel("Owner", { exact: true }).fill(user);
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/tokens\\?owner=${user}(&|$)`));
  const rows = page.getByRole("region", { name: "Tokens" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("laptop");
  await expect(rows.first()).toContainText("from 127.0.0.1");
  await page.getByRole("button", { name: `Revoke “laptop” of ${user}` }).click();
  const dialog = page.getByRole("alertdialog");
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Token revoked." })).toBeVisible();
  await expect(page.getByText("No tokens match.")).toBeVisible();
  expect((await request.get("/api/v1/me", { headers: auth })).status()).toBe(401);

  // Their app password, the same way, in the section below.
  await openSection(userPage, "App passwords");
  await hydrated(userPage);
  await userPage.getByLabel("Name", { exact: true }).fill("Thunderbird");
  await userPage.getByRole("button", { name: "Create app password" }).click();
  const password = (await userPage.locator("#secret-value").textContent())!.trim();
  await userPage.getByRole("button", { name: "Done" }).click();
  const basic = { Authorization: "Basic " + Buffer.from(`${user}:${password}`).toString("base64") };
  expect((await request.get("/api/v1/me", { headers: basic })).status()).toBe(200);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Owner", { exact: true })).toHaveValue(user);
  const apps = page.getByRole("region", { name: "App passwords" }).locator("tbody tr");
  await expect(apps).toHaveCount(1);
  await expect(apps.first()).toContainText("Thunderbird");
  await page.getByRole("button", { name: `Revoke app password Thunderbird of ${user}` }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status").filter({ hasText: "App password revoked." })).toBeVisible();
  await expect(page.getByText("No app password matches.")).toBeVisible();
  expect((await request.get("/api/v1/me", { headers: basic })).status()).toBe(401);
  // The owner is told.
  await userPage.goto("/notifications");
  await expect(userPage.getByText(`An administrator revoked your app password “Thunderbird”`)).toBeVisible();
});

test("an administrator locks profiles and mandates 2FA; users see it at once", async ({ page, browser }) => {
  const admin = uniqueName("wsadmin");
  const user = uniqueName("wsuser");
  createUser(admin, "right-horse-42", ["--admin"]);
  createUser(user, "right-horse-42");
  await signInOk(page, admin, "right-horse-42");
  await page.getByRole("link", { name: "Workspace" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Workspace");
  await hydrated(page);
  await expect(page.getByText("Mail leaves through the configured SMTP server.")).toBeVisible();

  await page.getByLabel("Longest API token lifetime (days)").fill("0");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Enter a number of days from 1 to 3650.")).toBeVisible();
  await page.getByLabel("Longest API token lifetime (days)").fill("90");
  await page.getByLabel("Shortest password").fill("7");
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByText("Choose a number from 8 to 128.")).toBeVisible();
  await page.getByLabel("Shortest password").fill("12");
  await page.getByLabel("Lock profiles").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  await page.screenshot({ path: "test-results/admin-workspace.png", fullPage: true });

  const them = await (await browser.newContext()).newPage();
  await signInOk(them, user, "right-horse-42");
  await expect(them.getByLabel("Display name")).toHaveAttribute("readonly", "");
  // The longer minimum holds for their next password, in the form and on the server.
  await them.goto("/settings/password");
  await hydrated(them);
  await them.getByLabel("New password", { exact: true }).fill("ten-chars!");
  await expect(them.getByText("Use at least 12 characters.")).toBeVisible();
  sql("DELETE FROM settings WHERE key = 'password_min_length'");

  // Mandatory 2FA: their next page goes to enrolment.
  await page.reload();
  await hydrated(page);
  await page.getByLabel("Lock profiles").uncheck();
  await page.getByLabel("Two-factor authentication is mandatory").check();
  await page.getByRole("button", { name: "Save settings" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  await them.goto("/settings/tokens");
  await expect(them).toHaveURL(/\/settings\/two-factor$/);
  // The admin's own page goes there too: undo it for the rest of the suite.
  sql("DELETE FROM settings WHERE key = 'two_factor_mandatory'");
});

import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName } from "./helpers";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("create a subnet-restricted read-only token, use it, regenerate it, delete it", async ({ page, request }) => {
  const name = uniqueName("tok");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("API tokens");

  // A bad allowlist entry is named next to the field.
  await page.getByLabel("Name", { exact: true }).fill("ci");
  await page.getByLabel("Allowed IP addresses (optional)").fill("127.0.0.0/8, 10.0.0.300");
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.locator("#allowed_ips-error")).toHaveText("Not an IP address or subnet: 10.0.0.300");

  await page.getByLabel("Allowed IP addresses (optional)").fill("127.0.0.0/8");
  await page.getByLabel("Read-only").check();
  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Your new token" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("shown only once");
  const value = (await page.locator("#secret-value").textContent())!.trim();
  expect(value).toMatch(/^tsr_[0-9A-Za-z]{38}$/);
  await dialog.getByRole("button", { name: "Copy" }).click();
  await expect(page.getByRole("status")).toContainText("Copied to the clipboard.");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(dialog).toBeHidden();
  const row = page.locator(".token", { hasText: "ci" });
  await expect(row).toContainText(`${value.slice(0, 8)}…`);
  await expect(row).toContainText("read-only");
  await expect(row).toContainText("only from 127.0.0.0/8");
  await expect(row).toContainText("never used");
  await page.screenshot({ path: "test-results/tokens.png", fullPage: true });

  // The token works from here (127.0.0.1) for reading, not for writing.
  const me = await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${value}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).username).toBe(name);
  const write = await request.patch("/api/v1/me", { headers: { Authorization: `Bearer ${value}` }, data: { first_name: "X" } });
  expect(write.status()).toBe(403);
  expect((await write.json()).error.code).toBe("read_only_token");
  await page.reload();
  await hydrated(page);
  await expect(page.locator(".token", { hasText: "ci" })).toContainText("from 127.0.0.1");

  // Regenerate: a new value at once, the old one dead.
  await page.locator(".token", { hasText: "ci" }).getByRole("button", { name: "Regenerate" }).click();
  await expect(dialog).toBeVisible();
  const fresh = (await page.locator("#secret-value").textContent())!.trim();
  expect(fresh).not.toBe(value);
  await dialog.getByRole("button", { name: "Done" }).click();
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${value}` } })).status()).toBe(401);
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${fresh}` } })).status()).toBe(200);

  // Delete, after confirming.
  await page.locator(".token", { hasText: "ci" }).getByRole("button", { name: "Delete" }).click();
  const confirm = page.getByRole("alertdialog", { name: "Delete “ci”?" });
  await expect(confirm).toBeVisible();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toContainText("Token deleted.");
  await expect(page.getByText("No tokens yet.")).toBeVisible();
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${fresh}` } })).status()).toBe(401);
});

test("an app password works with HTTP Basic on the API until revoked", async ({ page, request }) => {
  const name = uniqueName("app");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await page.getByRole("link", { name: "App passwords" }).click();
  await page.getByLabel("Name", { exact: true }).fill("Thunderbird on laptop");
  await page.getByRole("button", { name: "Create app password" }).click();
  const password = (await page.locator("#secret-value").textContent())!.trim();
  expect(password).toMatch(/^([a-z2-9]{4}-){5}[a-z2-9]{4}$/);
  await page.getByRole("button", { name: "Done" }).click();
  const basic = "Basic " + Buffer.from(`${name}:${password}`).toString("base64");
  expect((await request.get("/api/v1/me", { headers: { Authorization: basic } })).status()).toBe(200);

  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByRole("status")).toContainText("App password revoked.");
  expect((await request.get("/api/v1/me", { headers: { Authorization: basic } })).status()).toBe(401);
});

test("the API documentation lists the endpoints", async ({ page }) => {
  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tessera REST API");
  await expect(page.getByText("GET /api/v1/me", { exact: true })).toBeVisible();
  await expect(page.getByText("DELETE /api/v1/admin/tokens/{id}", { exact: true })).toBeVisible();
});

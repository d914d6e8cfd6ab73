import { test, expect } from "@playwright/test";
import { createToken, createUser, holdApp, hydrated, mailTo, signInOk, uniqueName, openSection } from "./helpers";

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("create a subnet-restricted read-only token, use it, regenerate it, delete it", async ({ page, request }) => {
  const name = uniqueName("tok");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await openSection(page, "API tokens");
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
  await openSection(page, "App passwords");
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


test("an admin revokes a user's token, the user is notified, and admin broadcasts reach them", async ({ browser, request }) => {
  const user = uniqueName("owner");
  const admin = uniqueName("boss");
  createUser(user, "right-horse-42");
  createUser(admin, "right-horse-42", ["--admin"]);
  const userPage = await (await browser.newContext()).newPage();
  await signInOk(userPage, user, "right-horse-42");
  const script = await createToken(userPage, "script", false);
  const reader = await createToken(userPage, "reader", true);
  const adminPage = await (await browser.newContext()).newPage();
  await signInOk(adminPage, admin, "right-horse-42");
  const adminToken = await createToken(adminPage, "admin-ci", false);
  const asAdmin = { Authorization: `Bearer ${adminToken}` };
  const asReader = { Authorization: `Bearer ${reader}` };

  // The admin finds the user's token and revokes it; it dies at once.
  const all = await (await request.get(`/api/v1/admin/tokens?owner=${user}`, { headers: asAdmin })).json();
  const victim = all.find((t: { owner: string; name: string }) => t.owner === user && t.name === "script", false);
  expect(victim).toBeTruthy();
  const revoked = await request.delete(`/api/v1/admin/tokens/${victim.id}`, { headers: asAdmin });
  expect(revoked.status(), await revoked.text()).toBe(204);
  expect((await request.get("/api/v1/me", { headers: { Authorization: `Bearer ${script}` } })).status()).toBe(401);

  // The owner is told in-app: newest first the revocation, then a notice for
  // each token they created (security notices, also mailed).
  let inbox = await (await request.get("/api/v1/me/notifications", { headers: asReader })).json();
  expect(inbox.unread).toBe(3);
  expect(inbox.notifications[0].area).toBe("security");
  expect(inbox.notifications[0].title).toContain("revoked");
  expect(inbox.notifications[0].title).toContain("script");
  expect(inbox.notifications.slice(1).map((n: { title: string }) => n.title)).toEqual([
    "A new API token was created",
    "A new API token was created",
  ]);
  await mailTo(`${user}@example.org`, "A new API token was created");

  // A broadcast to an area reaches every account.
  const sent = await request.post("/api/v1/admin/notifications", {
    headers: asAdmin,
    data: { area: "alerts", title: "Maintenance tonight", body: "22:00–23:00 UTC" },
  });
  expect(sent.status()).toBe(201);
  inbox = await (await request.get("/api/v1/me/notifications?unread=true", { headers: asReader })).json();
  expect(inbox.unread).toBe(4);
  expect(inbox.notifications[0].title).toBe("Maintenance tonight");

  // A read-only token cannot mark them read; a user's read-write token can.
  const markRo = await request.post("/api/v1/me/notifications/read", { headers: asReader, data: { all: true } });
  expect(markRo.status()).toBe(403);
  const writer = await createToken(userPage, "writer", false);
  const marked = await request.post("/api/v1/me/notifications/read", {
    headers: { Authorization: `Bearer ${writer}` },
    data: { all: true },
  });
  expect((await marked.json()).unread).toBe(0);
});

test("the API documentation lists the endpoints", async ({ page }) => {
  await page.goto("/api/docs");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Tessera REST API");
  await expect(page.getByText("GET /api/v1/me", { exact: true })).toBeVisible();
  await expect(page.getByText("DELETE /api/v1/admin/tokens/{id}", { exact: true })).toBeVisible();
  await expect(page.getByText("POST /api/v1/admin/notifications", { exact: true })).toBeVisible();
});

// Chosen before the app has started: a scope (radio buttons without ids) and an
// expiry (a select the app only hears of through its change event), then Enter.
// The app starts with what was chosen, and sends it.
test("a token asked for before the app has started has the scope and expiry chosen", async ({ page, request }) => {
  const name = uniqueName("tokearly");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const release = await holdApp(page);
  await page.goto("/settings/tokens");
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");
  await page.getByLabel("Read and write").check();
  await page.getByLabel("Read-only").check();
  await page.getByLabel("Read and write").check();
  await page.getByLabel("Expires after").selectOption("90");
  await page.getByLabel("Name", { exact: true }).fill("early");
  await page.getByLabel("Name", { exact: true }).press("Enter");
  release();
  await hydrated(page);
  const dialog = page.getByRole("dialog", { name: "Your new token" });
  await expect(dialog).toBeVisible();
  const value = (await page.locator("#secret-value").textContent())!.trim();
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.getByLabel("Read and write")).toBeChecked();

  const tokens = await request.get("/api/v1/me/tokens", { headers: { Authorization: `Bearer ${value}` } });
  expect(tokens.status()).toBe(200);
  const list = (await tokens.json()) as { name: string; scope: string; created_at: string; expires_at: string }[];
  const token = list.find((t) => t.name === "early")!;
  expect(token.scope).toBe("write");
  const days = (Date.parse(token.expires_at) - Date.parse(token.created_at)) / 86_400_000;
  expect(Math.round(days)).toBe(90);
});

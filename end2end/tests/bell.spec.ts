import { test, expect } from "@playwright/test";
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { createToken, createUser, hydrated, mailTo, signInOk, sql, uniqueName } from "./helpers";

test("a broadcast lights the bell in another browser without a reload; mark it read", async ({ browser, request }) => {
  const user = uniqueName("bell");
  const admin = uniqueName("bell-admin");
  createUser(user, "right-horse-42");
  createUser(admin, "right-horse-42", ["--admin"]);
  const userPage = await (await browser.newContext()).newPage();
  await signInOk(userPage, user, "right-horse-42");
  const bell = userPage.getByRole("button", { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName("Notifications");

  const adminPage = await (await browser.newContext()).newPage();
  await signInOk(adminPage, admin, "right-horse-42");
  const adminToken = await createToken(adminPage, "broadcast", false);
  const title = `Maintenance ${uniqueName("w")}`;
  const sent = await request.post("/api/v1/admin/notifications", {
    headers: { Authorization: `Bearer ${adminToken}` },
    data: { area: "rapid_response", title, body: "22:00–23:00 UTC" },
  });
  expect(sent.status()).toBe(201);

  // The open page hears it over its event stream: no reload, and sooner than
  // the 10-second polling fallback could.
  await expect(bell).toHaveAccessibleName("Notifications, 1 unread", { timeout: 5_000 });
  await expect(userPage.locator(".bell-badge")).toHaveText("1");

  await bell.click();
  const panel = userPage.getByRole("region", { name: "Notifications" });
  await expect(panel.getByText(title)).toBeVisible();
  await expect(panel.getByText("22:00–23:00 UTC")).toBeVisible();
  await expect(panel.getByText("Rapid Response")).toBeVisible();
  await userPage.screenshot({ path: "test-results/bell.png" });
  await panel.getByRole("button", { name: `Mark “${title}” read` }).click();
  await expect(bell).toHaveAccessibleName("Notifications");
  await expect(userPage.locator(".bell-badge")).toHaveCount(0);

  // The full page has it too; the unread filter does not.
  await panel.getByRole("link", { name: "See all notifications" }).click();
  await expect(userPage).toHaveURL(/\/notifications$/);
  await expect(userPage.getByRole("heading", { level: 1 })).toHaveText("Notifications");
  await expect(userPage.getByRole("main").getByText(title)).toBeVisible();
  await userPage.getByRole("link", { name: "Unread", exact: true }).click();
  await expect(userPage).toHaveURL(/filter=unread/);
  await expect(userPage.getByText("Nothing unread.")).toBeVisible();
});

test("the notifications page goes back page by page and marks all read", async ({ page }) => {
  const user = uniqueName("pages");
  createUser(user, "right-horse-42");
  // 25 notifications, one a minute apart.
  sql(
    `INSERT INTO notifications (id, user_id, area, title, body, created_at) ` +
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25) ` +
      `SELECT 'seed-' || u.id || '-' || i, u.id, 'alerts', 'Seeded ' || i, '', 1790000000 + 60 * i ` +
      `FROM n, users u WHERE u.username = '${user}'`,
  );
  await signInOk(page, user, "right-horse-42");
  await expect(page.getByRole("button", { name: "Notifications, 25 unread" })).toBeVisible();
  await page.goto("/notifications");
  await hydrated(page);
  const items = page.locator("main .note");
  await expect(items).toHaveCount(20);
  await expect(items.first()).toContainText("Seeded 25");
  await page.getByRole("link", { name: "Older →" }).click();
  await expect(items).toHaveCount(5);
  await expect(items.first()).toContainText("Seeded 5");
  await expect(page.getByRole("link", { name: "Older →" })).toHaveCount(0);
  await page.getByRole("link", { name: "← Newest" }).click();
  await expect(items.first()).toContainText("Seeded 25");

  await page.getByRole("button", { name: "Mark all read" }).click();
  await expect(page.getByRole("button", { name: "Notifications", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "Unread", exact: true }).click();
  await expect(page.getByText("Nothing unread.")).toBeVisible();
});

test("Slack: paste a webhook, send a test message, see a failure exactly", async ({ page }) => {
  // A stand-in for Slack on loopback that keeps what it gets.
  const received: unknown[] = [];
  let answer = 200;
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (answer === 200) received.push(JSON.parse(body));
      res.writeHead(answer).end(answer === 200 ? "ok" : "no_service");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/test`;
  try {
    const user = uniqueName("slack");
    createUser(user, "right-horse-42");
    await signInOk(page, user, "right-horse-42");
    await page.goto("/settings/notifications");
    await hydrated(page);
    await expect(page.getByRole("columnheader", { name: "Slack" })).toBeVisible();
    await expect(page.getByRole("checkbox", { name: "Security: Slack" })).not.toBeChecked();

    await page.getByLabel("Incoming webhook URL").fill("https://example.org/not-slack");
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByText("Paste a Slack incoming-webhook URL")).toBeVisible();

    await page.getByLabel("Incoming webhook URL").fill(url);
    await page.getByRole("button", { name: "Save webhook" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Slack webhook saved." })).toBeVisible();
    await expect(page.getByText("Messages go to the webhook ending in …test.")).toBeVisible();
    await expect(page.getByLabel("Incoming webhook URL")).toHaveValue("");

    await page.getByRole("button", { name: "Send test message" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Test message delivered to Slack." })).toBeVisible();
    expect(received).toHaveLength(1);
    expect(JSON.stringify(received[0])).toContain("Test message from Tessera");
    expect((received[0] as { blocks: unknown[] }).blocks.length).toBeGreaterThan(0);

    answer = 410;
    await page.getByRole("button", { name: "Send test message" }).click();
    await expect(page.getByText("Slack did not take the message: HTTP 410.")).toBeVisible();
    await page.screenshot({ path: "test-results/slack.png", fullPage: true });

    // Security news to Slack, too.
    await page.getByRole("checkbox", { name: "Security: Slack" }).check();
    await expect(page.getByRole("status").filter({ hasText: "Security by Slack is now on." })).toBeVisible();
  } finally {
    server.close();
  }
});

test("the unsubscribe link in a mail turns that area's email off", async ({ page, browser, request }) => {
  const user = uniqueName("unsub");
  const admin = uniqueName("unsub-admin");
  createUser(user, "right-horse-42");
  createUser(admin, "right-horse-42", ["--admin"]);
  const adminPage = await (await browser.newContext()).newPage();
  await signInOk(adminPage, admin, "right-horse-42");
  const adminToken = await createToken(adminPage, "broadcast", false);
  const title = `Disk almost full ${uniqueName("d")}`;
  const sent = await request.post("/api/v1/admin/notifications", {
    headers: { Authorization: `Bearer ${adminToken}` },
    data: { area: "alerts", title, body: "Clean up by Friday." },
  });
  expect(sent.status()).toBe(201);
  const mail = await mailTo(`${user}@example.org`, `[Alerts] ${title}`);
  expect(mail).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  const link = mail.match(/https?:\/\/\S+\/unsubscribe\?t=[\w.-]+/)?.[0];
  expect(link, mail).toBeTruthy();

  // Opened where nobody is signed in: it asks first.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(link!);
  await expect(stranger.getByRole("heading", { name: "Unsubscribe" })).toBeVisible();
  await expect(stranger.getByText(`Stop Alerts emails for ${user}?`)).toBeVisible();
  await stranger.getByRole("button", { name: "Stop Alerts emails" }).click();
  await expect(stranger.getByText(`Alerts emails for ${user} are off.`)).toBeVisible();

  await signInOk(page, user, "right-horse-42");
  await page.goto("/settings/notifications");
  await hydrated(page);
  await expect(page.getByRole("checkbox", { name: "Alerts: Email" })).not.toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Security: Email" })).toBeChecked();

  // A link that was tampered with does nothing. Its last hex digit is
  // changed to another one: writing "00" over the last two left a signature
  // that happened to end in 00 unchanged (1 time in 256; it did, in CI).
  const last = link!.at(-1);
  await stranger.goto(link!.slice(0, -1) + (last === "0" ? "1" : "0"));
  await expect(stranger.getByText("This unsubscribe link is not valid.")).toBeVisible();
});

test("turning Security email off asks for the password first", async ({ page }) => {
  const user = uniqueName("silence");
  createUser(user, "right-horse-42");
  await signInOk(page, user, "right-horse-42");
  sql(`UPDATE sessions SET sudo_at = sudo_at - 601 WHERE user_id = (SELECT id FROM users WHERE username = '${user}')`);
  await page.goto("/settings/notifications");
  await hydrated(page);
  const cell = page.getByRole("checkbox", { name: "Security: Email" });
  // A click, not uncheck(): the box goes back to the stored state at once.
  await cell.click();
  const dialog = page.getByRole("dialog", { name: "Confirm your password" });
  await expect(dialog).toBeVisible();
  // Until confirmed, the cell shows what is stored.
  await expect(cell).toBeChecked();
  await dialog.getByLabel("Password").fill("right-horse-42");
  await dialog.getByRole("button", { name: "Confirm", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Security by Email is now off." })).toBeVisible();
  await expect(cell).not.toBeChecked();
});

import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName, openSection } from "./helpers";

test("the display name is saved and survives a reload", async ({ page }) => {
  const name = uniqueName("names");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");

  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Display name").fill("Countess of Lovelace");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("status")).toContainText("Profile saved.");
  // The header follows at once…
  await expect(page.getByRole("button", { name: /Countess of Lovelace/ })).toBeVisible();
  // …and the toast goes away by itself.
  await expect(page.getByText("Profile saved.")).toBeHidden({ timeout: 8_000 });

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("First name")).toHaveValue("Ada");
  await expect(page.getByLabel("Display name")).toHaveValue("Countess of Lovelace");

  // An empty display name falls back to "First Last".
  await page.getByLabel("Display name").fill("");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByLabel("Display name")).toHaveValue("Ada Lovelace");
});

test("a page reloaded again comes with its own nonce and shows a change made in another tab", async ({ page, context }) => {
  const name = uniqueName("kept");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  // Reloads a moment apart: the second may be a page kept for this session
  // (server::infra::page_cache). Each must allow exactly its own scripts, or
  // the browser refuses them and the page never comes alive.
  const nonces: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await page.reload();
    const csp = res!.headers()["content-security-policy"];
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(await res!.text()).toContain(`nonce="${nonce}"`);
    nonces.push(nonce);
    await hydrated(page);
  }
  expect(new Set(nonces).size).toBe(3);

  // Another tab changes the name; this tab's next reload shows it.
  const other = await context.newPage();
  await other.goto("/settings/profile");
  await hydrated(other);
  await other.getByLabel("Display name").fill("Kept no longer");
  await other.getByRole("button", { name: "Save name" }).click();
  await expect(other.getByRole("status")).toContainText("Profile saved.");
  await other.close();
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Display name")).toHaveValue("Kept no longer");
});

test("a name that is too long is refused next to the field", async ({ page }) => {
  const name = uniqueName("toolong");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await page.getByLabel("Last name").fill("x".repeat(101));
  await expect(page.locator("#last_name-error")).toHaveText("Use at most 100 characters.");
  await expect(page.getByLabel("Last name")).toHaveAttribute("aria-invalid", "true");
});

test("the server refuses bad names even without the form", async ({ page }) => {
  const name = uniqueName("server");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const res = await page.request.post("/api/profile/names", {
    form: { first_name: "ok", last_name: "bad\u0007name", display_name: "" },
  });
  expect(res.status()).toBe(422);
  const body = await res.json();
  expect(JSON.stringify(body)).toContain("last_name");
});

test("the layout works at 360 px", async ({ page }) => {
  const name = uniqueName("narrow");
  createUser(name, "right-horse-42");
  await page.setViewportSize({ width: 360, height: 740 });
  await signInOk(page, name, "right-horse-42");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await page.screenshot({ path: "test-results/profile-360.png", fullPage: true });
});

test("an external account sees its display name read-only, with the reason", async ({ page }) => {
  const name = uniqueName("ext");
  createUser(name, "right-horse-42", ["--external"]);
  await signInOk(page, name, "right-horse-42");
  const display = page.getByLabel("Display name");
  await expect(display).toHaveAttribute("readonly", "");
  await expect(page.getByText("Cannot be changed. Managed by your organisation's directory.", { exact: true })).toBeVisible();
  // Names from the directory's side stay editable.
  await page.getByLabel("First name").fill("Grace");
  await page.getByRole("button", { name: "Save name" }).click();
  await expect(page.getByRole("status")).toContainText("Profile saved.");
  // The password page explains instead of offering a form.
  await openSection(page, "Password");
  await expect(page.getByText("managed by your organisation's directory")).toBeVisible();
  await expect(page.getByLabel("Current password")).toHaveCount(0);
});

test("contact details and time zone are saved; times follow the zone", async ({ page }) => {
  const name = uniqueName("contact");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  await page.getByLabel("Phone (optional)").fill("12345");
  await page.getByRole("button", { name: "Save contact details" }).click();
  await expect(page.locator("#phone-error")).toContainText("country code");

  await page.getByLabel("Contact person (optional)").fill("Charles Babbage");
  await page.getByLabel("Phone (optional)").fill("+1 650 253 0000");
  await page.getByRole("button", { name: "Save contact details" }).click();
  await expect(page.getByRole("status")).toContainText("Contact details saved.");
  await expect(page.getByLabel("Phone (optional)")).toHaveValue("+1 650-253-0000");

  await page.getByLabel("Show times in").selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByRole("status")).toContainText("Time zone saved.");

  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Contact person (optional)")).toHaveValue("Charles Babbage");
  await expect(page.getByLabel("Phone (optional)")).toHaveValue("+1 650-253-0000");
  await expect(page.getByLabel("Show times in")).toHaveValue("Asia/Tokyo");
  await page.goto("/settings/sessions");
  await expect(page.getByRole("list", { name: "Sessions" })).toContainText("JST");
});

test("a chosen theme applies at once and is rendered by the server next time", async ({ page }) => {
  const name = uniqueName("theme");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await expect(page.getByRole("radio", { name: "Same as system" })).toBeChecked();
  expect(await background()).toBe("rgb(246, 248, 250)");

  await page.getByRole("radio", { name: "Dark" }).check();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  expect(await background()).toBe("rgb(13, 17, 23)");
  // The first response already carries the choice: no light flash before the WASM runs.
  const html = await (await page.request.get("/settings/profile", { headers: { Accept: "text/html" } })).text();
  expect(html).toContain('data-theme="dark"');
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("radio", { name: "Dark" })).toBeChecked();
  await page.screenshot({ path: "test-results/profile-dark.png", fullPage: true });

  await page.getByRole("radio", { name: "Light" }).check();
  expect(await background()).toBe("rgb(246, 248, 250)");
});

import { test, expect } from "@playwright/test";
import { ADMIN_PASSWORD, createUser, hydrated, ROUND_MS, signIn, signInOk, uniqueName } from "./helpers";

test("the first admin signs in with the configured password", async ({ page }) => {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, "admin", ADMIN_PASSWORD);
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await expect(page.getByRole("heading", { name: "Profile", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: /admin/ })).toBeVisible();
  await expect(page.getByText("Administrator")).toBeVisible();
  await page.screenshot({ path: "test-results/profile.png", fullPage: true });
  expect(errors).toEqual([]);
});

test("a wrong password shows an error and signs nobody in", async ({ page }) => {
  const name = uniqueName("wrongpw");
  createUser(name, "right-horse-42");
  await signIn(page, name, "not-the-password-1");
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
  await expect(page).toHaveURL(/\/login/);
  // An unknown user gets exactly the same answer.
  await page.getByLabel("Username or email").fill(uniqueName("nobody"));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
  await page.screenshot({ path: "test-results/login-error.png" });
});

test("empty fields are named next to the field", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.locator("#login-error")).toHaveText("Enter your username or email.");
  await expect(page.locator("#password-error")).toHaveText("Enter your password.");
});

test("a protected page redirects to sign-in and comes back", async ({ page }) => {
  const name = uniqueName("redirect");
  createUser(name, "right-horse-42");
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fprofile|\/login\?next=\/settings\/profile/);
  await hydrated(page);
  await page.getByLabel("Username or email").fill(`${name}@example.org`);
  await page.getByLabel("Password").fill("right-horse-42");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await expect(page.getByText(name, { exact: true }).first()).toBeVisible();
});

test("signing out ends the session", async ({ page, context }) => {
  const name = uniqueName("signout");
  createUser(name, "right-horse-42");
  await signIn(page, name, "right-horse-42");
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);
  const cookie = (await context.cookies()).find((c) => c.name === "tessera_session");
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe("Lax");

  await page.getByRole("button", { name: new RegExp(name) }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  // The old cookie value no longer opens anything.
  await context.addCookies([{ ...cookie!, expires: -1 }]);
  await page.goto("/settings/profile");
  await expect(page).toHaveURL(/\/login\?next=/);
});

test("a cross-site form post is refused", async ({ request }) => {
  const res = await request.post("/api/login", {
    headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
    data: `login=admin&password=${encodeURIComponent(ADMIN_PASSWORD)}`,
  });
  expect(res.status()).toBe(403);
  expect(res.headers()["set-cookie"]).toBeUndefined();
});

test("pages carry a strict content security policy", async ({ page }) => {
  const res = await page.goto("/login");
  const csp = res!.headers()["content-security-policy"];
  expect(csp).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'nonce-[^']+'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(res!.headers()["x-content-type-options"]).toBe("nosniff");
  // The page still hydrates under that policy.
  await hydrated(page);
});

test("every signed-in page names its own script nonce in its policy, and hydrates", async ({ browser }) => {
  // Fresh browsers, each straight after signing in (where, with lazily loaded routes,
  // the CSP once came without the page's nonce, leaving the page rendered but dead).
  const name = uniqueName("csp");
  createUser(name, "right-horse-42");
  const pages = ["/settings/sessions", "/settings/two-factor", "/settings/profile", "/settings/tokens"];
  const nonces = new Set<string>();
  const rounds = 8;
  test.setTimeout(rounds * ROUND_MS);
  for (let i = 0; i < rounds; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInOk(page, name, "right-horse-42");
    const res = await page.goto(pages[i % pages.length]);
    const nonce = /'nonce-([^']+)'/.exec(res!.headers()["content-security-policy"] ?? "")?.[1];
    expect(nonce, pages[i % pages.length]).toBeTruthy();
    expect(await res!.text()).toContain(`<script type="module" nonce="${nonce}">`);
    nonces.add(nonce!);
    await hydrated(page);
    await context.close();
  }
  expect(nonces.size).toBe(rounds);
});

test("the user menu opens from the keyboard and closes when focus leaves it", async ({ page }) => {
  const name = uniqueName("menu");
  createUser(name, "right-horse-42");
  await signIn(page, name, "right-horse-42");
  await expect(page).toHaveURL(/:\d+\/settings\/profile$/);
  await hydrated(page);
  const button = page.getByRole("button", { name: new RegExp(name) });
  await button.focus();
  await page.keyboard.press("Enter");
  await expect(button).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("link", { name: "Your profile" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(button).toHaveAttribute("aria-expanded", "false");
  await button.click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.getByRole("heading", { name: "Profile", level: 1 }).click();
  await page.getByLabel("First name").focus();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeHidden();
});

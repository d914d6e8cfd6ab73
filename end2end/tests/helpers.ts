import { expect, Page } from "@playwright/test";
import { execFileSync } from "node:child_process";

export const ADMIN_PASSWORD = process.env.ADMIN_PASSWORD ?? "e2e-Admin-pass-1";

/** Waits until the WebAssembly has hydrated the page (an Effect sets this attribute). */
export async function hydrated(page: Page) {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
}

/** Creates an account through the operator CLI, against the server's own database. */
export function createUser(username: string, password: string, extra: string[] = []) {
  const bin = process.env.TESSERA_BIN;
  if (!bin) throw new Error("TESSERA_BIN is not set: run the suite through end2end/run.sh");
  execFileSync(bin, ["user", "create", "--username", username, "--email", `${username}@example.org`, "--password-stdin", ...extra], {
    input: password + "\n",
    env: process.env,
  });
}

/** A username no other test uses. */
export function uniqueName(prefix: string) {
  return `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

export async function signIn(page: Page, login: string, password: string) {
  await page.goto("/login");
  await hydrated(page);
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until the profile page is interactive. */
export async function signInOk(page: Page, login: string, password: string) {
  await signIn(page, login, password);
  await expect(page).toHaveURL(/\/settings\/profile$/);
  await hydrated(page);
}

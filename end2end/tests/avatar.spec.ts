import { test, expect } from "@playwright/test";
import { createUser, hydrated, signInOk, uniqueName } from "./helpers";

// A 2×2 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==",
  "base64",
);

test("upload an avatar, see it everywhere, then remove it", async ({ page }) => {
  const name = uniqueName("avatar");
  createUser(name, "right-horse-42");
  await signInOk(page, name, "right-horse-42");
  const picker = page.getByLabel("Choose a picture");

  // Not an image: refused, with the reason next to the field.
  await picker.setInputFiles({ name: "notes.png", mimeType: "image/png", buffer: Buffer.from("not really a picture") });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.locator("#avatar-error")).toHaveText("Use a PNG, JPEG, WebP or GIF image.");

  await picker.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: PNG });
  await expect(page.getByAltText("Preview of the new avatar")).toBeVisible();
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page.getByRole("status")).toContainText("Avatar updated.");
  const headerImage = page.locator(".user-button img.avatar");
  await expect(headerImage).toHaveAttribute("src", /^\/avatars\/.+\.png$/);

  await page.reload();
  await hydrated(page);
  await expect(headerImage).toBeVisible();
  const src = await headerImage.getAttribute("src");
  const res = await page.request.get(src!);
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toBe("image/png");
  await page.screenshot({ path: "test-results/avatar.png" });

  await page.getByRole("button", { name: "Remove avatar" }).click();
  await expect(page.getByRole("status")).toContainText("Avatar removed.");
  await expect(headerImage).toHaveCount(0);
  await expect(page.locator(".user-button .avatar")).toHaveText(name.slice(0, 1).toUpperCase());
});

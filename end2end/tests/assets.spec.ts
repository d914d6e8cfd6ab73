import { test, expect } from "@playwright/test";

// The built front end is served as a CDN would: names that change with the
// contents, cached for a year; compressed copies (release builds) sent to a
// browser that accepts them; pages themselves never cached.

test("built files are named by their contents and cached for a year; pages never", async ({ request }) => {
  const page = await request.get("/login", { maxRedirects: 0 });
  expect(page.headers()["cache-control"]).toBe("no-store");
  const html = await page.text();
  const assets = [...new Set(html.match(/\/pkg\/[^"']+/g) ?? [])];
  expect(assets.map((a) => a.replace(/\.[A-Za-z0-9_-]{22}\./, ".HASH.")).sort()).toEqual([
    "/pkg/tessera.HASH.css",
    "/pkg/tessera.HASH.js",
    "/pkg/tessera.HASH.wasm",
  ]);
  for (const asset of assets) {
    const r = await request.get(asset, { headers: { "Accept-Encoding": "br, gzip" } });
    expect(r.status(), asset).toBe(200);
    expect(r.headers()["cache-control"], asset).toBe("public, max-age=31536000, immutable");
    const encoding = r.headers()["content-encoding"];
    if (encoding) {
      // A release build's precompressed copy: one the browser asked for, and
      // caches told that the answer depends on what was asked.
      expect(["br", "gzip"]).toContain(encoding);
      expect(r.headers()["vary"]?.toLowerCase()).toContain("accept-encoding");
    }
    const plain = await request.get(asset, { headers: { "Accept-Encoding": "identity" } });
    expect(plain.headers()["content-encoding"], asset).toBeUndefined();
  }
  // A name that is not (or no longer) there is not cached.
  const gone = await request.get("/pkg/tessera.AAAAAAAAAAAAAAAAAAAAAA.js");
  expect(gone.status()).toBe(404);
  expect(gone.headers()["cache-control"]).toBe("no-store");
});

import { test, expect } from "@playwright/test";

// The built front end is served as a CDN would: names that change with the
// contents, cached for a year; compressed copies (release builds) sent to a
// browser that accepts them; pages themselves never cached.

test("built files are named by their contents and cached for a year; pages never", async ({ request }) => {
  const page = await request.get("/login", { maxRedirects: 0 });
  expect(page.headers()["cache-control"]).toBe("no-store");
  const html = await page.text();
  const assets = [...new Set(html.match(/\/pkg\/[^"']+/g) ?? [])];
  const named = assets.map((a) => a.replace(/\.[A-Za-z0-9_-]{22}\./, ".HASH."));
  // The shell (WASM, its JS, the style sheet), the split loader, and preloaded:
  // the sign-in page's own module and the shared chunks it needs; no other page.
  for (const shell of ["/pkg/tessera.HASH.css", "/pkg/tessera.HASH.js", "/pkg/tessera.HASH.wasm", "/pkg/__wasm_split.HASH.js"]) {
    expect(named).toContain(shell);
  }
  const modules = named.filter((a) => a.startsWith("/pkg/split_"));
  expect(modules).toHaveLength(1);
  expect(modules[0]).toMatch(/^\/pkg\/split___login_view_\d+\.HASH\.wasm$/);
  for (const other of named.filter((a) => !a.startsWith("/pkg/tessera.") && !a.startsWith("/pkg/__wasm_split") && !modules.includes(a))) {
    expect(other).toMatch(/^\/pkg\/chunk_\d+\.HASH\.wasm$/);
  }
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

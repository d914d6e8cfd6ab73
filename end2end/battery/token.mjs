// Prints a new write token of the administrator of the server at BASE_URL
// (ADMIN_PASSWORD), for the API fuzzer.
const base = process.env.BASE_URL;
const headers = { origin: base, accept: "application/json", "content-type": "application/x-www-form-urlencoded" };
const login = await fetch(`${base}/api/login`, {
  method: "POST",
  headers,
  body: new URLSearchParams({ login: "admin", password: process.env.ADMIN_PASSWORD }).toString(),
});
if (login.status !== 200) throw new Error(`sign-in: ${login.status} ${await login.text()}`);
const cookie = /tessera_session=([^;]+)/.exec(login.headers.get("set-cookie"))[1];
const r = await fetch(`${base}/api/tokens/create`, {
  method: "POST",
  headers: { ...headers, cookie: `tessera_session=${cookie}` },
  body: new URLSearchParams({ name: "fuzzer", days: "1", scope: "write", allowed_ips: "" }).toString(),
});
if (r.status !== 200) throw new Error(`token: ${r.status} ${await r.text()}`);
console.log((await r.json()).value);

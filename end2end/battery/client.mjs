// The HTTP calls the battery's scripts make, as the browser (session cookie,
// same-origin Origin, a form) or an API client (Bearer token, JSON) makes them.
export function client(base) {
  async function call(method, path, { cookie, bearer, form, json } = {}) {
    const headers = { origin: base, accept: "application/json" };
    if (cookie) headers.cookie = `tessera_session=${cookie}`;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body;
    if (form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(form).toString();
    } else if (json) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(json);
    }
    const r = await fetch(base + path, { method, headers, body });
    const text = await r.text();
    return { status: r.status, text, setCookie: r.headers.get("set-cookie") ?? "" };
  }

  /** Signs in and returns the session cookie's value. */
  async function signIn(login, password) {
    const r = await call("POST", "/api/login", { form: { login, password } });
    if (r.status !== 200) throw new Error(`sign-in of ${login}: ${r.status} ${r.text}`);
    return /tessera_session=([^;]+)/.exec(r.setCookie)[1];
  }

  return { call, signIn };
}

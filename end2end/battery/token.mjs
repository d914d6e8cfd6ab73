// Prints a new write token of the administrator of the server at BASE_URL
// (ADMIN_PASSWORD), for the API fuzzer.
import { client } from "./client.mjs";

const { call, signIn } = client(process.env.BASE_URL);
const cookie = await signIn("admin", process.env.ADMIN_PASSWORD);
const r = await call("POST", "/api/tokens/create", {
  cookie,
  form: { name: "fuzzer", days: "1", scope: "write", allowed_ips: "" },
});
if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
console.log(JSON.parse(r.text).value);

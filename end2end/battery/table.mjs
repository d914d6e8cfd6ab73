// Prints the battery's figures (the JSON lines run.sh collected, on stdin) as
// a table: measure, figure, goal.
import fs from "node:fs";

const rows = [];
for (const line of fs.readFileSync(0, "utf8").split("\n")) {
  if (!line.startsWith("{")) continue;
  const r = JSON.parse(line);
  if (r.load) {
    const { clients, seconds, reference, flood, p99_ratio, peak_rss_mb } = r.load;
    rows.push([`load: requests in ${seconds} s, ${clients} clients, sign-ins flooding`, flood.requests, ""]);
    rows.push(["load: errors (not 429)", reference.errors + flood.errors, "0"]);
    rows.push(["load: deliberate 429s", reference.throttled + flood.throttled, ""]);
    rows.push(["load: p99 of other requests, without / with the flood (ms)", `${reference.p99_other_ms} / ${flood.p99_other_ms}`, ""]);
    rows.push(["load: p99 ratio", p99_ratio, "< 2"]);
    rows.push(["load: sign-in p99 (ms)", flood.p99_ms["sign-in"] ?? "-", ""]);
    rows.push(["load: server peak RSS (MB)", peak_rss_mb, "< 100 + 19 MiB per hash"]);
  }
  if (r.crash) {
    const c = r.crash;
    rows.push([`crash: rounds of kill -9`, c.rounds, ""]);
    rows.push(["crash: acknowledged writes / lost", `${c.acknowledged} / ${c.lost}`, "0 lost"]);
    rows.push(["crash: corrupt databases", c.corrupt, "0"]);
    rows.push(["crash: mails queued / undelivered", `${c.mails} / ${c.undelivered}`, "0 undelivered"]);
    rows.push(["crash: mails under a second Message-ID", c.unknown, "0"]);
    rows.push(["crash: resends of the same Message-ID", c.resent, "(dropped by receivers)"]);
    rows.push(["crash: panics in the server log", c.panics ?? 0, "0"]);
  }
  if (r.malformed) rows.push(["malformed: REST API (schemathesis)", r.malformed, ""]);
  if (r.fuzz) {
    const f = r.fuzz;
    rows.push([`fuzz: ${f.target}, inputs in ${f.seconds} s (coverage ${f.coverage})`, f.runs, ""]);
    rows.push([`fuzz: ${f.target}, crashes`, f.crashes, "0"]);
  }
}
const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => String(r[i]).length), 6));
for (const r of [["measure", "figure", "goal"], ...rows]) {
  console.log(r.map((c, i) => String(c).padEnd(w[i])).join("  "));
}

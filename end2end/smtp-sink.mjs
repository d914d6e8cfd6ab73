// A minimal SMTP server on loopback for the end-to-end tests: every message it
// receives is written as JSON ({to, data}) into the directory given as argv[3].
// Usage: node smtp-sink.mjs PORT DIR
import net from "node:net";
import fs from "node:fs";
import path from "node:path";

const [port, dir] = [Number(process.argv[2]), process.argv[3]];
fs.mkdirSync(dir, { recursive: true });
let count = 0;

net
  .createServer((socket) => {
    let buffer = "";
    let inData = false;
    let rcpt = [];
    let data = [];
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let i;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            const file = path.join(dir, `${Date.now()}-${count++}.json`);
            // Written aside, then renamed: a reader polling the directory
            // never sees a half-written file.
            fs.writeFileSync(`${file}.part`, JSON.stringify({ to: rcpt, data: data.join("\n") }));
            fs.renameSync(`${file}.part`, file);
            rcpt = [];
            data = [];
            socket.write("250 queued\r\n");
          } else {
            data.push(line.startsWith("..") ? line.slice(1) : line);
          }
          continue;
        }
        const upper = line.toUpperCase();
        if (upper.startsWith("RCPT TO:")) rcpt.push(line.slice(8).trim().replace(/[<>]/g, ""));
        if (upper.startsWith("DATA")) {
          inData = true;
          socket.write("354 go ahead\r\n");
        } else if (upper.startsWith("QUIT")) {
          socket.end("221 bye\r\n");
        } else {
          socket.write("250 ok\r\n");
        }
      }
    });
    socket.on("error", () => {});
  })
  .listen(port, "127.0.0.1");

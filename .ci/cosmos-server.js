// A Cosmos DB protocol server for the runtime's conformance suite: @vercel/cosmosdb-server
// on plain HTTP (the Rust SDK allows http:// for emulator hosts such as 127.0.0.1), with
// keep-alive, with partition key range ids served as strings (the Rust SDK expects strings;
// the server sends numbers), and with the account's region endpoints on http:// (the server
// advertises https:// whatever it serves). Usage: node cosmos-server.js <port>
"use strict";
const { createHttpServer } = require("@vercel/cosmosdb-server");

const port = parseInt(process.argv[2] || "8091", 10);
const server = createHttpServer({ keepAlive: true });
const [handler] = server.listeners("request");
server.removeAllListeners("request");
server.on("request", (req, res) => {
  if (process.env.COSMOS_SERVER_TRACE) console.log(req.method, req.url, req.headers["if-match"] || "");
  const pkranges = /\/pkranges(\?|$)/.test(req.url);
  const meta = req.url === "/" || req.url === "";
  if (pkranges || meta) {
    const end = res.end.bind(res);
    res.end = (chunk, ...rest) => {
      try {
        const body = JSON.parse(chunk);
        for (const r of body.PartitionKeyRanges || []) r.id = String(r.id);
        chunk = JSON.stringify(body);
        if (meta) chunk = chunk.replace(/https:\/\//g, "http://");
      } catch (_) {
        // not JSON: pass through
      }
      return end(chunk, ...rest);
    };
  }
  handler(req, res);
});
server.listen(port, "127.0.0.1", () => {
  console.log(`cosmosdb-server on http://127.0.0.1:${server.address().port}/`);
});

// The container's liveness probe: GET /healthz on this node's own listener, in the transport the
// node's configuration gives it (parsed by the node's own loadConfig). No curl in the image.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { loadConfig } from "../dist/gateway/config.js";

const config = loadConfig(process.env);
// A runner listens on nothing: its process running is all there is to probe.
if (config.ROLE === "runner") process.exit(0);
const wildcard = ["0.0.0.0", "::", "[::]"].includes(config.HOST);
const host = wildcard ? "127.0.0.1" : config.HOST.replace(/^\[|\]$/g, "");
const https = Boolean(config.TLS_CERT_FILE);
// The certificate names the public host, not the address probed here; liveness checks that the
// process answers, and nothing secret crosses this loopback request.
const send = https ? httpsRequest : httpRequest;
const probe = send(
  {
    host,
    port: config.PORT,
    path: "/healthz",
    timeout: 4000,
    ...(https ? { rejectUnauthorized: false } : {}),
  },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
probe.on("timeout", () => probe.destroy(new Error("timed out")));
probe.on("error", (error) => {
  process.stderr.write(`healthz: ${error.message}\n`);
  process.exit(1);
});
probe.end();

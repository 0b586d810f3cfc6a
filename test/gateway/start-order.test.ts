import { existsSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../gateway/config.ts";
import { type RunningGateway, startGateway } from "../../gateway/server.ts";
import { silentLogger } from "../../telemetry/log.ts";
import { tempDir } from "../support/duckdb.ts";

let folder: Awaited<ReturnType<typeof tempDir>>;
let taken: Server;
let port: number;
let gateway: RunningGateway | undefined;

beforeAll(async () => {
  folder = await tempDir("aos-start-order-");
  // Another program holds a port on the gateway's address.
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  port = (taken.address() as { port: number }).port;
});

afterAll(async () => {
  await gateway?.close();
  await new Promise((resolve) => taken.close(resolve));
  await folder?.remove();
});

const config = (dir: string, listenOn: number) =>
  loadConfig({ DATA_DIR: dir, PORT: String(listenOn), SEED_SCALE: "0.002", SHUTDOWN_GRACE_MS: "2000" });

describe("start-up on a taken port", () => {
  it("refuses before creating anything, naming the port and the setting that changes it", async () => {
    const dir = join(folder.dir, "data");
    await expect(startGateway(config(dir, port), silentLogger)).rejects.toThrow(
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken by another program.*PORT=`),
    );
    // No demo keys were made (they are shown once: a start that cannot serve must not consume them).
    expect(existsSync(join(dir, "demo-credentials.json"))).toBe(false);
    expect(existsSync(join(dir, "control.sqlite"))).toBe(false);
  });

  it("creates and shows the demo keys on the next start, on a free port", async () => {
    gateway = await startGateway(config(join(folder.dir, "data"), 0), silentLogger);
    expect(gateway.newCredentials?.operator.key).toMatch(/^aos_/);
    expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
  });
});

import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import {
  type DataFolder,
  type DemoCredentials,
  type ProvisionEvent,
  provisionDataFolder,
} from "../control/provisioning.ts";
import { openDataDomain } from "../storage/data-domain.ts";
import { newApp } from "./app.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./log.ts";

export interface RunningGateway {
  readonly url: string;
  readonly folder: DataFolder;
  /** The demo keys, when this start created them. */
  readonly newCredentials?: DemoCredentials;
  /** Stops accepting connections, waits for in-flight requests (up to the grace period), closes the stores. */
  close(): Promise<void>;
}

/**
 * Provisions the data folder (first start: demo domain, key, principals), opens both stores and
 * listens. Used by `npm start` and by tests that need a real listening server.
 */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const provisioned = await provisionDataFolder({
    dir: config.DATA_DIR,
    seedScale: config.SEED_SCALE,
    seed: config.SEED,
    onProgress: (event: ProvisionEvent) => logger.info(`provision: ${event.kind}`, { ...event }),
  });
  const { controlPlane, folder } = provisioned;
  const dataDomain = await openDataDomain(folder.domainFile);
  let draining = false;
  const app = newApp({
    controlPlane,
    dataDomain,
    logger,
    maxBodyBytes: config.MAX_BODY_BYTES,
    readiness: {
      async check() {
        const probe = async (work: () => Promise<unknown>) => {
          try {
            await work();
            return "ok" as const;
          } catch {
            return "failing" as const;
          }
        };
        const checks = {
          controlPlane: await probe(() => controlPlane.schemaVersion()),
          dataDomain: await probe(() => dataDomain.tableRowCounts()),
          accepting: draining ? ("failing" as const) : ("ok" as const),
        };
        return { ready: Object.values(checks).every((v) => v === "ok"), checks };
      },
    },
  });

  // serve() gives an HTTP/1 server unless asked for HTTP/2, which the embedded default never is.
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(s as Server),
    );
    s.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info("listening", { url, dataDir: folder.dir });

  let closing: Promise<void> | undefined;
  return {
    url,
    folder,
    ...(provisioned.newCredentials ? { newCredentials: provisioned.newCredentials } : {}),
    close() {
      closing ??= (async () => {
        draining = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.closeAllConnections();
            resolve();
          }, config.SHUTDOWN_GRACE_MS);
          timer.unref();
          server.close(() => {
            clearTimeout(timer);
            resolve();
          });
          server.closeIdleConnections();
        });
        dataDomain.close();
        controlPlane.close();
        logger.info("stopped");
      })();
      return closing;
    },
  };
}

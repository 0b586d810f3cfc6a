import { readFile } from "node:fs/promises";
import { request } from "node:https";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { UsageError } from "./exit-codes.ts";

/**
 * A fetch that presents a client certificate (mutual TLS), for keys bound to one: Node's own fetch
 * cannot present one without a dispatcher the runtime does not export. HTTPS only; the server's
 * certificate is verified as fetch would (system roots and NODE_EXTRA_CA_CERTS).
 */
export function clientCertificateFetch(cert: string, key: string): typeof fetch {
  return function fetchWithClientCertificate(input, init = {}) {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.protocol !== "https:")
      return Promise.reject(
        new UsageError(
          `AOS_CLIENT_CERT needs an https:// gateway URL, not ${url.protocol}// (a certificate rides on TLS)`,
        ),
      );
    return new Promise<Response>((resolve, reject) => {
      const req = request(
        url,
        {
          method: init.method ?? "GET",
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          cert,
          key,
          ...(init.signal ? { signal: init.signal } : {}),
        },
        (res) => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
              headers.append(name, one);
          const status = res.statusCode ?? 502;
          const empty = status === 204 || status === 304 || init.method === "HEAD";
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status,
              statusText: res.statusMessage ?? "",
              headers,
            }),
          );
        },
      );
      req.once("error", (error) => reject(new TypeError("fetch failed", { cause: error })));
      const body = init.body;
      if (body === undefined || body === null) req.end();
      else if (typeof body === "string" || body instanceof Uint8Array) req.end(body);
      else if (body instanceof ReadableStream)
        Readable.fromWeb(body as NodeReadableStream<Uint8Array>).pipe(req);
      else reject(new TypeError("this client sends string, byte or stream bodies only"));
    });
  };
}

/** The fetch the CLI uses: with AOS_CLIENT_CERT and AOS_CLIENT_KEY (PEM files), one presenting that certificate. */
export async function cliFetch(
  env: Readonly<Record<string, string | undefined>>,
): Promise<typeof fetch | undefined> {
  const certFile = env.AOS_CLIENT_CERT || undefined;
  const keyFile = env.AOS_CLIENT_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new UsageError(
      "set AOS_CLIENT_CERT and AOS_CLIENT_KEY together: the client certificate and its private key (PEM files)",
    );
  const read = async (name: string, path: string) => {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      throw new UsageError(
        `${name} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      );
    }
  };
  return clientCertificateFetch(
    await read("AOS_CLIENT_CERT", certFile),
    await read("AOS_CLIENT_KEY", keyFile),
  );
}

import { createHash, X509Certificate } from "node:crypto";
import { BlockList } from "node:net";
import type { ProxyRange } from "./config.ts";
import type { ClientTrust } from "./tls.ts";

/**
 * Client certificates a TLS-terminating proxy verified and passes on in a request header
 * (TLS_CLIENT_CERT_HEADER), believed only from the proxies in TRUSTED_PROXIES.
 */
export interface ForwardedCertificates {
  /** The header's name, lowercase. */
  readonly header: string;
  readonly proxies: TrustedProxies;
  /** The client CA and CRLs in force now (re-read on SIGHUP): the forwarded certificate is checked here too. */
  readonly trust: () => ClientTrust;
}

/**
 * The peers trusted to set the certificate header, by the TCP peer address of their connection.
 *
 * @example
 * const proxies = new TrustedProxies([{ address: "10.0.0.0", prefix: 24, family: "ipv4" }]);
 * proxies.has("::ffff:10.0.0.7"); // true
 */
export class TrustedProxies {
  private readonly list = new BlockList();

  constructor(ranges: readonly ProxyRange[]) {
    for (const range of ranges) this.list.addSubnet(range.address, range.prefix, range.family);
  }

  /** Whether `address` (a socket's remoteAddress) is one of the trusted proxies. */
  has(address: string): boolean {
    // A dual-stack listener names an IPv4 peer as ::ffff:a.b.c.d; it is matched as the IPv4 address.
    const bare = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)?.[1] ?? address;
    const family = bare.includes(":") ? "ipv6" : "ipv4";
    try {
      return this.list.check(bare, family);
    } catch {
      // Not an address at all ("in-process" for a test's request): not a proxy.
      return false;
    }
  }
}

/** Longer than any certificate a client would present, shorter than Node's header limit. */
const MAX_HEADER_LENGTH = 12_000;

const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Envoy's header (and Istio's): read in its own form, `forwardedCertificateOf`'s `header`. */
export const ENVOY_HEADER = "x-forwarded-client-cert";

/**
 * The one certificate a header holds, or undefined when it holds anything else. Read: a URL-encoded
 * PEM (nginx's `$ssl_client_escaped_cert`), a PEM whose line breaks became spaces or tabs, or the
 * DER in base64 (HAProxy's `ssl_c_der,base64`); under Envoy's `x-forwarded-client-cert`, its
 * `Cert=` (see `envoyCertificate`). Several certificates, several headers (joined with a comma),
 * trailing bytes and anything that does not parse are refused: only one exact form is accepted, so
 * nothing a client adds can ride along.
 *
 * @example
 * const certificate = forwardedCertificateOf(encodeURIComponent(pem));
 */
export function forwardedCertificateOf(value: string, header?: string): X509Certificate | undefined {
  if (value.length > MAX_HEADER_LENGTH) return undefined;
  if (header?.toLowerCase() === ENVOY_HEADER) {
    const element = envoyCertificate(value);
    if (!element) return undefined;
    const certificate = forwardedCertificateOf(element.cert);
    // Envoy's Hash is the SHA-256 of the certificate's DER: a certificate cut or swapped on the way fails it.
    if (
      !certificate ||
      (element.hash !== undefined &&
        element.hash !== createHash("sha256").update(certificate.raw).digest("hex"))
    )
      return undefined;
    return certificate;
  }
  let text: string;
  try {
    text = decodeURIComponent(value).trim();
  } catch {
    return undefined;
  }
  const body = PEM.exec(text)?.[1]?.replace(/\s+/g, "") ?? text;
  if (!BASE64.test(body)) return undefined;
  const der = Buffer.from(body, "base64");
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    return undefined;
  }
  // OpenSSL reads the first certificate and ignores what follows: anything after it is refused.
  return certificate.raw.equals(der) ? certificate : undefined;
}

/**
 * The `Cert` (URL-encoded PEM) and `Hash` of Envoy's x-forwarded-client-cert: `Key=value` pairs
 * separated by ";", a value in double quotes where it holds ",", ";" or "=" (a quote inside
 * escaped with a backslash), one element per proxy separated by ",". Exactly one element is
 * accepted, with one `Cert`: the proxy in front must replace whatever the client sent
 * (`forward_client_cert_details: SANITIZE_SET`), not append to it, so no element can be the
 * client's own.
 */
function envoyCertificate(value: string): { cert: string; hash?: string } | undefined {
  const elements = splitOutsideQuotes(value, ",");
  if (elements?.length !== 1) return undefined;
  const pairs = splitOutsideQuotes(elements[0]!, ";");
  if (!pairs) return undefined;
  const fields = new Map<string, string[]>();
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) return undefined;
    const key = pair.slice(0, at).trim().toLowerCase();
    let text = pair.slice(at + 1).trim();
    if (text.startsWith('"')) {
      if (!text.endsWith('"') || text.length < 2) return undefined;
      text = text.slice(1, -1).replace(/\\(.)/g, "$1");
    }
    fields.set(key, [...(fields.get(key) ?? []), text]);
  }
  const certs = fields.get("cert") ?? [];
  const hashes = fields.get("hash") ?? [];
  if (certs.length !== 1 || hashes.length > 1) return undefined;
  const hash = hashes[0]?.toLowerCase();
  if (hash !== undefined && !/^[0-9a-f]{64}$/.test(hash)) return undefined;
  return { cert: certs[0]!, ...(hash === undefined ? {} : { hash }) };
}

/** `text` split at `separator` where it is not inside double quotes; undefined when a quote is left open. */
function splitOutsideQuotes(text: string, separator: string): string[] | undefined {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === "\\" && i + 1 < text.length) {
      current += ch + text[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  if (quoted) return undefined;
  parts.push(current);
  return parts;
}

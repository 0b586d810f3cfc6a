import { X509Certificate } from "node:crypto";
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

/**
 * The one certificate a header holds, or undefined when it holds anything else. Read: a URL-encoded
 * PEM (nginx's `$ssl_client_escaped_cert`), a PEM whose line breaks became spaces or tabs, or the
 * DER in base64 (HAProxy's `ssl_c_der,base64`). Several certificates, several headers (joined with a
 * comma), trailing bytes and anything that does not parse are refused: only one exact form is
 * accepted, so nothing a client adds can ride along.
 *
 * @example
 * const certificate = forwardedCertificateOf(encodeURIComponent(pem));
 */
export function forwardedCertificateOf(value: string): X509Certificate | undefined {
  if (value.length > MAX_HEADER_LENGTH) return undefined;
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

import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { Config } from "./config.ts";

/**
 * TLS 1.3's suites (all AEAD with forward secrecy), then TLS 1.2's ECDHE + AEAD suites only: no
 * CBC, no RSA key exchange, no SHA-1 MACs. Anything older than TLS 1.2 is refused outright.
 */
const CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "TLS_AES_128_GCM_SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
].join(":");

/** The node's TLS identity as read from its files: what the listener serves, and what the log names. */
export interface TlsIdentity {
  /** Everything a secure context needs, protocol floor and suites included (a reload replaces all of it). */
  readonly context: SecureContextOptions;
  /** SHA-256 of the served certificate (colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it). */
  readonly fingerprint: string;
  readonly validTo: string;
}

type TlsFiles = Pick<Config, "TLS_CERT_FILE" | "TLS_KEY_FILE" | "TLS_CA_FILE" | "TLS_CLIENT_CA_FILE">;

async function readSetting(files: TlsFiles, name: keyof TlsFiles): Promise<string | undefined> {
  const path = files[name];
  if (!path) return undefined;
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new Error(
      `${name} ${path} cannot be read (${code}): check the path and that this user may read it`,
    );
  }
}

/**
 * Reads and checks the certificate, key and CA files: the key must belong to the certificate and the
 * certificate must be valid now. Throws an Error saying which file is wrong and how.
 */
export async function readTlsIdentity(files: TlsFiles, now: Date = new Date()): Promise<TlsIdentity> {
  const [cert, key, chain, clientCa] = await Promise.all([
    readSetting(files, "TLS_CERT_FILE"),
    readSetting(files, "TLS_KEY_FILE"),
    readSetting(files, "TLS_CA_FILE"),
    readSetting(files, "TLS_CLIENT_CA_FILE"),
  ]);
  if (!cert || !key) throw new Error("HTTPS needs TLS_CERT_FILE and TLS_KEY_FILE");
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new Error(`TLS_CERT_FILE ${files.TLS_CERT_FILE} holds no PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`TLS_KEY_FILE ${files.TLS_KEY_FILE} holds no unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey))
    throw new Error(
      `TLS_KEY_FILE ${files.TLS_KEY_FILE} is not the private key of the certificate in TLS_CERT_FILE`,
    );
  if (new Date(leaf.validTo) <= now || new Date(leaf.validFrom) > now)
    throw new Error(
      `the certificate in TLS_CERT_FILE is valid from ${leaf.validFrom} to ${leaf.validTo}, not now: renew it`,
    );
  const context: SecureContextOptions = {
    // The chain follows the leaf, so clients that only trust the root can build the path.
    cert: chain ? `${cert.trimEnd()}\n${chain}` : cert,
    key,
    minVersion: "TLSv1.2",
    ciphers: CIPHERS,
    honorCipherOrder: true,
    ...(clientCa ? { ca: clientCa } : {}),
  };
  try {
    createSecureContext(context);
  } catch (error) {
    throw new Error(
      `the TLS files are not usable together (${error instanceof Error ? error.message : String(error)}): check TLS_CA_FILE and TLS_CLIENT_CA_FILE hold PEM certificates`,
    );
  }
  return { context, fingerprint: leaf.fingerprint256, validTo: leaf.validTo };
}

/**
 * Server options of the HTTPS listener. With a client CA, certificates are asked for but not
 * demanded, so that clients without one keep working.
 */
export function httpsServerOptions(identity: TlsIdentity, requestClientCertificates: boolean) {
  return {
    ...identity.context,
    requestCert: requestClientCertificates,
    rejectUnauthorized: false,
  };
}

import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Certificates made by the system's OpenSSL, as an operator of the domain would make them. */
const OPENSSL = "/usr/bin/openssl";

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  /** SHA-256 of the certificate, colon-separated hex (as Node and `openssl -fingerprint` print it). */
  readonly fingerprint: string;
}

const openssl = (args: readonly string[]) => execFileSync(OPENSSL, args, { stdio: "pipe" });

const fingerprintOf = (cert: string) => new X509Certificate(readFileSync(cert)).fingerprint256;

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A self-signed certificate for this machine (127.0.0.1, localhost), or a CA when `ca` is set. */
export function selfSigned(dir: string, name: string, options: { ca?: boolean } = {}): CertificateFiles {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  openssl([
    "req",
    "-x509",
    ...EC_KEY,
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    "2",
    "-subj",
    `/CN=${name}`,
    "-addext",
    options.ca ? "basicConstraints=critical,CA:TRUE" : "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ]);
  return { cert, key, fingerprint: fingerprintOf(cert) };
}

/**
 * A client certificate issued by `ca`; a server's when `altNames` names it (`DNS:localhost`);
 * one that ended a day before it began when `expired` is set.
 */
export function issuedBy(
  ca: CertificateFiles,
  dir: string,
  name: string,
  options: { altNames?: string; expired?: boolean } = {},
): CertificateFiles {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const request = join(dir, `${name}.csr`);
  const extension = options.altNames ? ["-addext", `subjectAltName=${options.altNames}`] : [];
  openssl(["req", "-new", ...EC_KEY, "-keyout", key, "-out", request, "-subj", `/CN=${name}`, ...extension]);
  openssl([
    "x509",
    "-req",
    "-in",
    request,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-out",
    cert,
    "-days",
    options.expired ? "-1" : "2",
    ...(options.altNames ? ["-copy_extensions", "copy"] : []),
  ]);
  return { cert, key, fingerprint: fingerprintOf(cert) };
}

/** A renewal of `previous` by `ca`: a new certificate (new serial, new dates) for the same key pair. */
export function renewedBy(
  ca: CertificateFiles,
  previous: CertificateFiles,
  dir: string,
  name: string,
): CertificateFiles {
  const cert = join(dir, `${name}.pem`);
  const request = join(dir, `${name}.csr`);
  openssl(["req", "-new", "-key", previous.key, "-out", request, "-subj", `/CN=${name}`]);
  openssl(["x509", "-req", "-in", request, "-CA", ca.cert, "-CAkey", ca.key, "-out", cert, "-days", "2"]);
  return { cert, key: previous.key, fingerprint: fingerprintOf(cert) };
}

/** A CA's revocations, kept as `openssl ca` keeps them. */
export interface Revocations {
  revoke(certificate: CertificateFiles): void;
  /** Writes the CA's CRL to `file`; `updates` sets its last and next update (an expired CRL). */
  writeCrl(file: string, updates?: { last: Date; next: Date }): void;
}

/** OpenSSL's time format for `-crl_lastupdate` and `-crl_nextupdate`. */
const generalizedTime = (date: Date) => `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** A CA's revocations kept as `openssl ca` keeps them: an index file, and a config naming it. */
export function revocationsOf(ca: CertificateFiles, dir: string, name: string): Revocations {
  const home = join(dir, `${name}-revocations`);
  mkdirSync(home);
  writeFileSync(join(home, "index.txt"), "");
  const config = join(home, "ca.cnf");
  writeFileSync(
    config,
    [
      "[ca]",
      "default_ca = client_ca",
      "[client_ca]",
      `database = ${join(home, "index.txt")}`,
      // Renewals keep the subject; the index must hold both.
      "unique_subject = no",
      "default_md = sha256",
      "default_crl_days = 1",
      "",
    ].join("\n"),
  );
  const ca_ = (args: readonly string[]) =>
    openssl(["ca", "-config", config, "-keyfile", ca.key, "-cert", ca.cert, ...args]);
  return {
    revoke: (certificate) => ca_(["-revoke", certificate.cert]),
    writeCrl: (file, updates) =>
      ca_([
        "-gencrl",
        ...(updates
          ? [
              "-crl_lastupdate",
              generalizedTime(updates.last),
              "-crl_nextupdate",
              generalizedTime(updates.next),
            ]
          : []),
        "-out",
        file,
      ]),
  };
}

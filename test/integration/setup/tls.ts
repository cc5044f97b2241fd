/** Test certificates made with openssl: a CA, and a broker key + certificate for 127.0.0.1/localhost signed by it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCertificates {
  /** The CA certificate (PEM) clients trust. */
  readonly caFile: string;
  /** The broker's unencrypted PKCS#8 key followed by its certificate and the CA (a Kafka PEM keystore). */
  readonly brokerKeystore: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generates a CA and a broker certificate signed by it into `dir`. */
export function makeCertificates(dir: string, name = 'sluice-test'): TestCertificates {
  mkdirSync(dir, { recursive: true });
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${name} CA`);
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'broker.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(dir, 'x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'broker.ext');
  // Kafka's PEM keystore wants PKCS#8; openssl 3 writes that already, this makes sure.
  openssl(dir, 'pkcs8', '-topk8', '-nocrypt', '-in', 'broker.key', '-out', 'broker.pk8');
  const keystore = join(dir, 'broker-keystore.pem');
  writeFileSync(keystore, readFileSync(join(dir, 'broker.pk8'), 'utf8') + readFileSync(join(dir, 'broker.pem'), 'utf8') + readFileSync(join(dir, 'ca.pem'), 'utf8'));
  return { caFile: join(dir, 'ca.pem'), brokerKeystore: keystore };
}

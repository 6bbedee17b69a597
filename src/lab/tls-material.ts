// The lab's TLS identity: a private CA and a server certificate it signs, made with the openssl CLI once and kept
// in the state directory, so clients can pin DIR/ca.pem across restarts instead of turning verification off.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsMaterial {
  caPath: string;
  cert: Buffer;
  key: Buffer;
}

export async function ensureTlsMaterial(dir: string, host: string): Promise<TlsMaterial> {
  const caPath = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server-key.pem');
  if (!existsSync(caPath) || !existsSync(caKey)) {
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650',
      '-keyout', caKey, '-out', caPath, '-subj', '/O=Ferrite Lab/CN=Ferrite Lab CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ]);
    chmodSync(caKey, 0o600);
    rmSync(certPath, { force: true }); // a new CA invalidates any old server certificate
  }
  if (!existsSync(certPath) || !existsSync(keyPath)) await issueServerCert(dir, host, caPath, caKey, certPath, keyPath);
  return { caPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

async function issueServerCert(dir: string, host: string, caPath: string, caKey: string, certPath: string, keyPath: string): Promise<void> {
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  const names = new Set(['IP:127.0.0.1', 'DNS:localhost']);
  if (host !== '' && host !== '0.0.0.0' && host !== '::') names.add(isIP(host) ? `IP:${host}` : `DNS:${host}`);
  // Python 3.13's default verification (X509_STRICT) wants key identifiers and critical basic constraints.
  writeFileSync(ext, [
    `subjectAltName=${[...names].join(',')}`,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid,issuer',
    '',
  ].join('\n'));
  try {
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', csr, '-subj', '/O=Ferrite Lab/CN=localhost']);
    chmodSync(keyPath, 0o600);
    await run('openssl', [
      'x509', '-req', '-in', csr, '-CA', caPath, '-CAkey', caKey, '-set_serial', `0x${Date.now().toString(16)}`,
      '-days', '825', '-sha256', '-extfile', ext, '-out', certPath,
    ]);
  } finally {
    rmSync(csr, { force: true });
    rmSync(ext, { force: true });
  }
}

/**
 * `npm run server`: the relay's composition root. Reads the config, pins the organisation from
 * org.json, opens the SQLite store and serves until SIGTERM/SIGINT, then drains and exits.
 */
import path from 'node:path';
import pino from 'pino';
import { ConfigError, loadServerConfig } from './config.ts';
import { OrgConfigError, orgPublicKeyBytes, readOrgConfig } from '../relay/readOrgConfig.ts';
import { logDestination } from './logDestination.ts';
import { startRelay } from './startRelay.ts';

async function main(): Promise<void> {
  const config = loadServerConfig(process.argv.slice(2));
  // Readable lines on a terminal, JSON lines otherwise.
  const log = pino({ level: config.logLevel, base: { service: 'valise-relay' } }, logDestination());
  const org = readOrgConfig(path.resolve(config.org));
  const relay = await startRelay({
    orgId: org.orgId,
    orgPublicKey: orgPublicKeyBytes(org),
    host: config.host,
    port: config.port,
    dataDir: config.dataDir,
    ...(config.tlsCert && config.tlsKey ? { tls: { certFile: config.tlsCert, keyFile: config.tlsKey } } : {}),
    limits: config.limits,
    logger: log,
  });
  log.info({ url: relay.url, org: org.orgId, dataDir: config.dataDir }, 'relay ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof OrgConfigError) {
    console.error(e.message);
    process.exit(2);
  }
  console.error('The relay could not start:', e instanceof Error ? e.message : e);
  process.exit(1);
});

/**
 * The relay's settings: defaults, then a JSON config file (`--config`), then command-line flags.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseJson } from '../shared/parseJson.ts';
import type { DEFAULT_LIMITS } from './Relay.ts';

const FileSchema = z
  .object({
    host: z.string(),
    port: z.number().int().min(0).max(65535),
    dataDir: z.string(),
    org: z.string(),
    tlsCert: z.string(),
    tlsKey: z.string(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    limits: z
      .object({
        maxFrameBytes: z.number().int().positive(),
        requestsPerSecond: z.number().positive(),
        requestBurst: z.number().positive(),
        connectionsPerDevice: z.number().int().positive(),
        maxQueueDepth: z.number().int().positive(),
        maxQueueAgeMs: z.number().int().positive(),
        maxQueuePerSender: z.number().int().positive(),
        queueControlReserve: z.number().int().min(0),
        enrolmentsPerConnection: z.number().int().positive(),
        enrolmentsPerAddress: z.number().int().positive(),
        enrolmentsPending: z.number().int().positive(),
        enrolmentWindowMs: z.number().int().positive(),
        enrolmentWaitMs: z.number().int().positive(),
        maxAttachmentBytes: z.number().int().positive(),
        blobQuotaBytes: z.number().int().positive(),
        maxBlobAgeMs: z.number().int().positive(),
        blobUploadWindowMs: z.number().int().positive(),
      })
      .partial(),
  })
  .partial()
  .strict();

export type ServerConfig = {
  host: string;
  port: number;
  dataDir: string;
  /** Path of org.json (org id and pinned root public key). */
  org: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel: string;
  limits: Partial<typeof DEFAULT_LIMITS>;
};

export const USAGE = `Usage: npm run server -- [options]
  --config FILE      JSON file with any of the options below (flags win)
  --org FILE         org.json of the organisation (default: ./org.json)
  --host HOST        listen address (default: 127.0.0.1)
  --port N           port (default: 8443; 0 = any free port)
  --data-dir DIR     where the SQLite store lives (default: ./relay-data)
  --tls-cert FILE    PEM certificate, with --tls-key (default: plain ws, e.g. behind a TLS proxy)
  --tls-key FILE
  --log-level LEVEL  pino level (default: info)`;

export function loadServerConfig(argv: string[]): ServerConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      org: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new ConfigError(USAGE);
  let file: z.infer<typeof FileSchema> = {};
  if (values.config) {
    let text: string;
    try {
      text = fs.readFileSync(values.config, 'utf8');
    } catch (e) {
      throw new ConfigError(`Cannot read the config file ${values.config}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = parseJson(text, FileSchema);
    if (!r.ok && r.unreadable) throw new ConfigError(`Cannot read the config file ${values.config}: ${r.detail}`);
    if (!r.ok) throw new ConfigError(`The config file ${values.config} is not valid: ${r.detail}`);
    file = r.data;
  }
  const port = values.port !== undefined ? Number(values.port) : (file.port ?? 8443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port must be a number from 0 to 65535, not ${values.port}.`);
  const tlsCert = values['tls-cert'] ?? file.tlsCert;
  const tlsKey = values['tls-key'] ?? file.tlsKey;
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError('Give both --tls-cert and --tls-key, or neither.');
  return {
    host: values.host ?? file.host ?? '127.0.0.1',
    port,
    dataDir: values['data-dir'] ?? file.dataDir ?? 'relay-data',
    org: values.org ?? file.org ?? 'org.json',
    ...(tlsCert && tlsKey ? { tlsCert, tlsKey } : {}),
    logLevel: values['log-level'] ?? file.logLevel ?? 'info',
    limits: file.limits ?? {},
  };
}

export class ConfigError extends Error {}

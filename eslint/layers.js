// The layer matrix of DESIGN.md §3 as a lint rule. Do not relax these rules to make an import
// pass: move the code to the layer where it belongs instead.
import path from 'node:path';
import { builtinModules } from 'node:module';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Which of our layers each layer may import. */
export const LAYERS = {
  shared: ['shared', 'gen'],
  gen: ['gen'],
  /** Node utilities that know nothing of the domain. */
  base: ['base'],
  crypto: ['shared', 'gen', 'base', 'crypto'],
  storage: ['shared', 'gen', 'base', 'crypto', 'storage'],
  /** The relay protocol: client, wire codec, errors; used by the engine and the server alike. */
  relay: ['shared', 'gen', 'crypto', 'base', 'relay'],
  main: ['shared', 'gen', 'crypto', 'storage', 'base', 'relay', 'main'],
  'main/electron': ['shared', 'gen', 'crypto', 'storage', 'base', 'relay', 'main', 'main/electron'],
  renderer: ['shared', 'renderer'],
  server: ['shared', 'gen', 'crypto', 'base', 'relay', 'server'],
  cli: ['shared', 'gen', 'crypto', 'storage', 'base', 'relay', 'main', 'server', 'cli'],
};

/**
 * Single files allowed one more layer than their own. Only composition roots belong here, each
 * named exactly, never a whole directory.
 */
export const FILE_EXCEPTIONS = {
  // The desktop composition root hands the server's `startRelay` to the engine (local organisation).
  'src/main/electron/composeEngine.ts': ['server'],
};

/** Packages that only some layers may use (native, Node-only, Electron, DOM). */
export const PACKAGES = {
  electron: ['main/electron'],
  '@signalapp/libsignal-client': ['crypto', 'storage'],
  'better-sqlite3-multiple-ciphers': ['storage', 'server'],
  pkcs11js: ['storage'],
  '@node-rs/argon2': ['storage', 'cli'],
  ws: ['relay', 'main', 'main/electron', 'server', 'cli'],
  pino: ['crypto', 'storage', 'relay', 'main', 'main/electron', 'server', 'cli'],
  react: ['renderer'],
  'react-dom': ['renderer'],
  zustand: ['renderer'],
  '@tanstack/react-virtual': ['renderer'],
};

/** Layers that must stay free of Node built-ins (they also run in the browser). */
const NO_NODE = new Set(['shared', 'renderer']);

function layerOfFile(abs) {
  const rel = path.relative(path.join(ROOT, 'src'), abs).split(path.sep);
  if (rel[0] === '..' || rel.length < 2) return null;
  if (rel[0] === 'main' && rel[1] === 'electron') return 'main/electron';
  return rel[0] in LAYERS ? rel[0] : null;
}

function packageName(spec) {
  if (spec.startsWith('@')) return spec.split('/').slice(0, 2).join('/');
  return spec.split('/')[0];
}

function isBuiltin(spec) {
  return spec.startsWith('node:') || builtinModules.includes(packageName(spec));
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layer matrix of DESIGN.md §3' },
    schema: [],
    messages: {
      layer: "Layer '{{from}}' may not import layer '{{to}}' ({{spec}}). Allowed: {{allowed}}.",
      pkg: "Package '{{pkg}}' may only be used in: {{allowed}} (not in '{{from}}').",
      node: "Layer '{{from}}' runs in the browser too and may not import Node built-in '{{spec}}'.",
    },
  },
  create(context) {
    const file = context.filename;
    const from = layerOfFile(file);
    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        if (!from) return;
        const to = layerOfFile(path.resolve(path.dirname(file), spec));
        const extra = FILE_EXCEPTIONS[path.relative(ROOT, file).split(path.sep).join('/')] ?? [];
        if (to && !LAYERS[from].includes(to) && !extra.includes(to)) {
          context.report({ node, messageId: 'layer', data: { from, to, spec, allowed: LAYERS[from].join(', ') } });
        }
        return;
      }
      const pkg = packageName(spec);
      const allowedIn = PACKAGES[pkg];
      // Outside src (tests, scripts, bench) only Electron stays forbidden: it cannot load in Node.
      if (!from) {
        if (pkg === 'electron') {
          context.report({ node, messageId: 'pkg', data: { pkg, allowed: allowedIn.join(', '), from: 'outside src' } });
        }
        return;
      }
      if (allowedIn && !allowedIn.includes(from)) {
        context.report({ node, messageId: 'pkg', data: { pkg, allowed: allowedIn.join(', '), from } });
        return;
      }
      if (NO_NODE.has(from) && isBuiltin(spec)) {
        context.report({ node, messageId: 'node', data: { from, spec } });
      }
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') {
          check(n, n.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { layers: layersRule } };

import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'valise/layers').map((m) => m.message);
}

describe('layer lint rule (DESIGN.md §3)', () => {
  it.each([
    ['src/renderer/App.ts', "import { Db } from '../storage/Db.ts';\nexport const x = Db;\n", /renderer' may not import layer 'storage/],
    ['src/renderer/deep/View.ts', "import { k } from '../../crypto/keys.ts';\nexport const x = k;\n", /may not import layer 'crypto'/],
    ['src/crypto/Session.ts', "import { app } from 'electron';\nexport const x = app;\n", /Package 'electron'/],
    ['src/main/engine/Engine.ts', "import { app } from 'electron';\nexport const x = app;\n", /Package 'electron'/],
    ['src/storage/Db.ts', "import { x } from '../main/engine/Engine.ts';\nexport const y = x;\n", /may not import layer 'main'/],
    ['src/server/Relay.ts', "import { Db } from '../storage/Db.ts';\nexport const y = Db;\n", /may not import layer 'storage'/],
    ['src/shared/model.ts', "import fs from 'node:fs';\nexport const y = fs;\n", /Node built-in/],
    ['src/renderer/Bad.ts', "import * as S from '@signalapp/libsignal-client';\nexport const y = S;\n", /libsignal-client/],
    ['src/main/engine/Db.ts', "import D from 'better-sqlite3-multiple-ciphers';\nexport const y = D;\n", /better-sqlite3-multiple-ciphers/],
    ['src/crypto/Ui.ts', "import React from 'react';\nexport const y = React;\n", /Package 'react'/],
    ['src/main/engine/Shell.ts', "import { w } from '../electron/window.ts';\nexport const y = w;\n", /may not import layer 'main\/electron'/],
    ['src/shared/dyn.ts', "export const m = () => import('../storage/Db.ts');\n", /may not import layer 'storage'/],
    ['src/main/engine/Engine.ts', "import { startRelay } from '../../server/startRelay.ts';\nexport const y = startRelay;\n", /'main' may not import layer 'server'/],
    ['src/main/electron/window.ts', "import { startRelay } from '../../server/startRelay.ts';\nexport const y = startRelay;\n", /'main\/electron' may not import layer 'server'/],
    ['src/base/hex.ts', "import { x } from '../shared/errors.ts';\nexport const y = x;\n", /'base' may not import layer 'shared'/],
    ['src/relay/RelayClient.ts', "import { x } from '../server/Relay.ts';\nexport const y = x;\n", /'relay' may not import layer 'server'/],
    ['src/relay/RelayClient.ts', "import { x } from '../main/engine/Engine.ts';\nexport const y = x;\n", /'relay' may not import layer 'main'/],
  ])('%s: a violating import fails lint', async (file, code, expected) => {
    const errors = await layerErrors(file, code);
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each([
    ['src/main/electron/main.ts', "import { app } from 'electron';\nimport { e } from '../engine/Engine.ts';\nexport const x = [app, e];\n"],
    ['src/storage/Stores.ts', "import * as S from '@signalapp/libsignal-client';\nimport { t } from '../crypto/stores.ts';\nexport const x = [S, t];\n"],
    ['src/renderer/App.ts', "import { create } from 'zustand';\nimport { api } from '../shared/api/index.ts';\nexport const x = [create, api];\n"],
    ['src/server/Relay.ts', "import { verify } from '../crypto/verify.ts';\nimport D from 'better-sqlite3-multiple-ciphers';\nexport const x = [verify, D];\n"],
    ['src/server/Relay.ts', "import { c } from '../relay/wire.ts';\nimport { h } from '../base/hex.ts';\nexport const x = [c, h];\n"],
    ['src/main/engine/Connection.ts', "import { RelayClient } from '../../relay/RelayClient.ts';\nimport { WebSocket } from 'ws';\nexport const x = [RelayClient, WebSocket];\n"],
    ['src/main/electron/composeEngine.ts', "import { startRelay } from '../../server/startRelay.ts';\nexport const x = startRelay;\n"],
  ])('%s: an allowed import passes', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});

#!/usr/bin/env node
// valise: the headless client on the same engine as the app (src/cli/client).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/client/main.ts');

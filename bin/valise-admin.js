#!/usr/bin/env node
// valise-admin: organisation, enrolment, clearances, revocation (src/cli/admin).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/admin/main.ts');

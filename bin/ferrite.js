#!/usr/bin/env node
// Registers tsx so the TypeScript sources run directly; no build step to keep in sync.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');

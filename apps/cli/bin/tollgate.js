#!/usr/bin/env node
// The package bin: registers tsx so the TypeScript sources run as they are, without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

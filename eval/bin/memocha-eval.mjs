#!/usr/bin/env node
// `npx memocha-eval <command> …` in this repo: the eval CLI (eval/cli.ts) through tsx, as `npm run eval -- …`.
import { register } from 'tsx/esm/api';

register();
await import('../cli.ts');

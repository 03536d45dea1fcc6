/**
 * npm run eval:profile-top -- <file.cpuprofile> [more …] [--top N]: the top frames of CPU profiles as
 * markdown (eval/lib/cpuprofile.ts), e.g. of the load suite's `cpuProfileDir` profiles.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { profileMarkdown, summariseProfile, type CpuProfile } from '../lib/cpuprofile';

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
const files = args.filter((a, i) => a !== '--top' && i !== topAt + 1);
if (files.length === 0 || !Number.isInteger(top) || top < 1) {
  process.stderr.write('usage: npm run eval:profile-top -- <file.cpuprofile> [more …] [--top N]\n');
  process.exit(2);
}
for (const f of files) {
  const profile = JSON.parse(await readFile(f, 'utf8')) as CpuProfile;
  process.stdout.write(`${profileMarkdown(path.basename(f), summariseProfile(profile), top)}\n`);
}

/** A fast scripted upstream in its own process (for stream-parse.bench.ts): every request streams CHUNKS tokens. */
import { startTestUpstream } from '../../testing/upstream';

const chunks = Number(process.argv[2] ?? 1000);
const up = await startTestUpstream({ kind: 'ok', tokens: Array.from({ length: chunks }, (_, i) => ` w${i % 10}`) });
process.stdout.write(`${up.url}\n`);
process.on('SIGTERM', () => void up.close().then(() => process.exit(0)));

/**
 * The test face of serve/: starting the whole stack, test databases and a scriptable upstream LLM, for
 * test/ and the eval suites (which import serve only through here and serve/index.ts).
 * Helpers only serve's own tests use are not re-exported (they import them by path): vector-store-contract.ts
 * (it registers vitest suites), simulator.ts and bm25-reference.ts.
 */
export { simulatorAsProvider, startStack, type ConfiguredStack, type Stack, type StackDb, type StackLlm, type StackOptions } from './stack';
export { backends, openInSchema, openTestDb, randomSchemaName, TEST_DATABASE_URL, type TestDb } from './db';
export { openPgliteKnex, openPostgresKnex, probePostgres, type PostgresProbe, type TestKnex } from './pg';
export { startRedisServer, type PrivateRedis } from './redis-server';
export { closedPortUrl, startTestUpstream, type Step, type TestUpstream, type UpstreamRequest } from './upstream';
export { UI_DIST, uiRoutes } from '../routes/ui';
export { startCluster, withSearchPath, TEST_REDIS_URL, type Cluster, type ClusterInstance, type ClusterOptions } from './cluster';
export { haproxyConfig, type Balance } from './haproxy';

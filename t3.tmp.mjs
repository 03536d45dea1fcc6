import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import knexFactory from 'knex';
import ClientPGLite from 'knex-pglite';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
const knex = knexFactory({ client: ClientPGLite, connection: () => ({ pglite }) });
await knex.raw('create extension if not exists vector');
console.log((await knex.raw("select extversion from pg_extension where extname='vector'")).rows);
console.log((await knex.raw("show maintenance_work_mem")).rows, (await knex.raw("show shared_buffers")).rows, (await knex.raw("show work_mem")).rows);
await knex.raw('create table m (id text primary key, user_id text, message_ids jsonb, created_at timestamptz, embedding vector(512))');
const N = Number(process.argv[2] ?? 20000), D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const toLit = (a) => '[' + Array.from(a, (x)=>x.toPrecision(9)).join(',') + ']';
let t = performance.now();
const B = 500;
for (let i=0;i<N;i+=B) {
  const rows=[]; for (let j=i;j<Math.min(N,i+B);j++) rows.push({id:'r'+j, user_id:'u'+(j%10), message_ids: JSON.stringify(['a']), created_at: new Date(), embedding: toLit(rv())});
  await knex('m').insert(rows);
}
console.log('insert', N, (performance.now()-t)/1000, 's');
console.log((await knex.raw("select message_ids, created_at, pg_typeof(created_at) from m limit 1")).rows);
t = performance.now();
await knex.transaction(async trx => {
  await trx.raw("select set_config('maintenance_work_mem', '512MB', true)");
  await trx.raw('create index on m using hnsw (embedding vector_cosine_ops) with (m=16, ef_construction=64)');
});
console.log('hnsw', (performance.now()-t)/1000, 's');
const q = toLit(rv());
t = performance.now();
const r = await knex.transaction(async trx => { await trx.raw("select set_config('hnsw.iterative_scan','strict_order',true)").catch(e=>console.log('iter', e.message)); 
  console.log((await trx.raw("explain select id, 1-(embedding <=> ?::vector) as score from m where user_id = ? order by embedding <=> ?::vector limit 10", [q,'u1',q])).rows);
  return trx.raw("select id, 1-(embedding <=> ?::vector) as score from m where user_id = ? order by embedding <=> ?::vector limit 10", [q,'u1',q]); });
console.log('q', performance.now()-t, r.rows.length);
await knex.destroy();

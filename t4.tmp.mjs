import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
await pglite.exec('create extension if not exists vector');
await pglite.exec('create table m (id text primary key, user_id text, embedding vector(512))');
const N = Number(process.argv[2] ?? 20000), D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const toLit = (a) => '[' + Array.from(a, (x)=>x.toPrecision(9)).join(',') + ']';
const toLit2 = (a) => '[' + Array.from(a, (x)=>String(x)).join(',') + ']';
let t = performance.now();
const vecs = []; for (let i=0;i<N;i++) vecs.push(rv());
console.log('gen', (performance.now()-t)/1000);
t = performance.now(); const lits = vecs.map(toLit); console.log('lit', (performance.now()-t)/1000);
t = performance.now(); vecs.map(toLit2); console.log('lit2', (performance.now()-t)/1000);
t = performance.now();
const B = 500;
for (let i=0;i<N;i+=B) {
  const params=[]; const vals=[];
  for (let j=i;j<Math.min(N,i+B);j++) { const k=params.length; vals.push(`($${k+1},$${k+2},$${k+3}::vector)`); params.push('r'+j,'u'+(j%10),lits[j]); }
  await pglite.query(`insert into m values ${vals.join(',')}`, params);
}
console.log('insert raw', N, (performance.now()-t)/1000, 's');
t = performance.now();
await pglite.exec('truncate m');
// unnest approach
for (let i=0;i<N;i+=B) {
  const ids=[], us=[], vs=[];
  for (let j=i;j<Math.min(N,i+B);j++) { ids.push('r'+j); us.push('u'+(j%10)); vs.push(lits[j]); }
  await pglite.query(`insert into m select * from unnest($1::text[], $2::text[], $3::vector[])`, [ids, us, vs]);
}
console.log('insert unnest', N, (performance.now()-t)/1000, 's');
await pglite.exec('analyze m');
for (const [m, efc] of [[8,32],[16,64]]) {
t = performance.now();
await pglite.exec(`set maintenance_work_mem='512MB'; drop index if exists mi; create index mi on m using hnsw (embedding vector_cosine_ops) with (m=${m}, ef_construction=${efc})`);
console.log('hnsw', m, efc, (performance.now()-t)/1000, 's');
}

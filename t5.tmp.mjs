import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
await pglite.exec('create extension if not exists vector');
const N = Number(process.argv[2] ?? 20000), D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const toLit = (a) => '[' + Array.from(a, (x)=>x.toPrecision(9)).join(',') + ']';
function toBin(a){ const b=new Uint8Array(4+4*a.length); const dv=new DataView(b.buffer); dv.setInt16(0,a.length); dv.setInt16(2,0); for(let i=0;i<a.length;i++) dv.setFloat32(4+4*i,a[i]); return b; }
const vecs = []; for (let i=0;i<N;i++) vecs.push(rv());
const lits = vecs.map(toLit);
async function run(name, storage, B, mk) {
  await pglite.exec(`drop table if exists m; create table m (id text primary key, user_id text, embedding vector(512))${storage ? `; alter table m alter column embedding set storage ${storage}`:''}`);
  const t = performance.now();
  for (let i=0;i<N;i+=B) {
    const params=[]; const vals=[];
    for (let j=i;j<Math.min(N,i+B);j++) { const k=params.length; vals.push(`($${k+1},$${k+2},$${k+3}::vector)`); params.push('r'+j,'u'+(j%10),mk(j)); }
    await pglite.query(`insert into m values ${vals.join(',')}`, params);
  }
  console.log(name, storage, B, N, ((performance.now()-t)/1000).toFixed(2), 's');
}
await run('text', null, 500, j=>lits[j]);
await run('text', 'plain', 500, j=>lits[j]);
await run('text', 'plain', 50, j=>lits[j]);
await run('bin', 'plain', 500, j=>toBin(vecs[j]));
await run('bin', null, 500, j=>toBin(vecs[j]));
const r = await pglite.query('select embedding::text as e from m limit 1'); console.log(r.rows[0].e.slice(0,80), vecs[0].slice(0,3));

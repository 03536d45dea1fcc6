import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
await pglite.exec('create extension if not exists vector');
const N = Number(process.argv[2]), D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function hex(x) { f32[0]=x; const b=u32[0]; const sign = b>>>31 ? '-' : ''; const e=(b>>>23)&0xff; const m=b&0x7fffff;
  if (e===0) { if (m===0) return sign+'0'; return sign+'0x0.'+(m<<1).toString(16).padStart(6,'0')+'p-126'; }
  return sign+'0x1.'+(m<<1).toString(16).padStart(6,'0')+'p'+(e-127); }
const lit = a => '[' + Array.from(a, hex).join(',') + ']';
await pglite.exec(`create table m (id text primary key, user_id text, embedding vector(512)); alter table m alter column embedding set storage plain`);
let t = performance.now();
for (let j=0;j<N;j+=500) { const params=[], vals=[]; for (let i=j;i<Math.min(N,j+500);i++){ const k=params.length; vals.push(`($${k+1},$${k+2},$${k+3}::vector)`); params.push('r'+i,'u'+(i%10),lit(rv())); } await pglite.query(`insert into m values ${vals.join(',')}`, params); }
console.log('insert', N, (performance.now()-t)/1000);
await pglite.exec('analyze m');
for (const [m, efc] of JSON.parse(process.argv[3])) {
  t = performance.now();
  await pglite.exec(`set maintenance_work_mem='512MB'; drop index if exists mi; create index mi on m using hnsw (embedding vector_cosine_ops) with (m=${m}, ef_construction=${efc})`);
  console.log('hnsw', m, efc, (performance.now()-t)/1000, 's');
}

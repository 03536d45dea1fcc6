import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
await pglite.exec('create extension if not exists vector');
const N = 2000, D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const vecs = []; for (let i=0;i<N;i++) vecs.push(rv());
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
function hex(x) { f32[0]=x; const b=u32[0]; const sign = b>>>31 ? '-' : ''; const e=(b>>>23)&0xff; const m=b&0x7fffff;
  if (e===0) { if (m===0) return sign+'0'; return sign+'0x0.'+(m<<1).toString(16).padStart(6,'0')+'p-126'; }
  return sign+'0x1.'+(m<<1).toString(16).padStart(6,'0')+'p'+(e-127); }
for (const [name, f] of [['hex', hex], ['int8', x=>String(Math.round(x*1e8))], ['e', x=>Math.round(x*1e8)+'e-8']]) {
  const lits = vecs.map(a => '[' + Array.from(a, f).join(',') + ']');
  let t = performance.now();
  for (let j=0;j<N;j+=500) await pglite.query(`select count(*) from (values ${lits.slice(j,j+500).map((_,i)=>`($${i+1}::vector)`).join(',')}) v`, lits.slice(j,j+500));
  console.log(name, lits[0].length, ((performance.now()-t)/N).toFixed(3), 'ms/vec');
  const back = await pglite.query(`select $1::vector::text as t`, [lits[0]]);
  const arr = JSON.parse(back.rows[0].t); let maxd=0; for (let i=0;i<D;i++) maxd=Math.max(maxd, Math.abs(arr[i]-vecs[0][i])); console.log(' maxdiff', maxd, back.rows[0].t.slice(0,60));
}

import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
const pglite = new PGlite('memory://', { extensions: { vector } });
await pglite.waitReady;
await pglite.exec('create extension if not exists vector');
const N = 2000, D=512;
function rv(){ const a=new Float32Array(D); let s=0; for(let i=0;i<D;i++){ const x=Math.random()*2-1; a[i]=x; s+=x*x;} s=Math.sqrt(s); for(let i=0;i<D;i++)a[i]/=s; return a; }
const vecs = []; for (let i=0;i<N;i++) vecs.push(rv());
for (const [name, f] of [['p9', x=>x.toPrecision(9)], ['p6', x=>x.toPrecision(6)], ['p3', x=>x.toPrecision(3)], ['short', x=>String(x)], ['int', x=>String(Math.round(x*1000))], ['e', x=>x.toExponential(8)]]) {
  const lits = vecs.map(a => '[' + Array.from(a, f).join(',') + ']');
  let t = performance.now();
  for (let j=0;j<N;j+=500) await pglite.query(`select count(*) from (values ${lits.slice(j,j+500).map((_,i)=>`($${i+1}::vector)`).join(',')}) v`, lits.slice(j,j+500));
  console.log(name, lits[0].length, ((performance.now()-t)/N).toFixed(3), 'ms/vec');
}
let t = performance.now();
const lits = vecs.map(a => '{' + Array.from(a, x=>x.toPrecision(9)).join(',') + '}');
for (let j=0;j<N;j+=500) await pglite.query(`select count(*) from (values ${lits.slice(j,j+500).map((_,i)=>`($${i+1}::real[])`).join(',')}) v`, lits.slice(j,j+500));
console.log('real[]', ((performance.now()-t)/N).toFixed(3));
t = performance.now();
for (let j=0;j<N;j+=500) await pglite.query(`select count(*) from (values ${lits.slice(j,j+500).map((_,i)=>`($${i+1}::float8[]::real[]::vector)`).join(',')}) v`, lits.slice(j,j+500));
console.log('float8[]', ((performance.now()-t)/N).toFixed(3));

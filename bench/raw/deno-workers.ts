// Raw Deno baseline for the isolate benchmark: create a Worker (permissions none), run
// (input) => ({sum: input.a + input.b}), terminate. Prints one JSON object on stdout.
// Usage: deno run --unstable-worker-options --allow-read=<this dir> deno-workers.ts ITER CONC_TOTAL CONC IDLE
const [iterations, concurrentTotal, concurrency, idle] = Deno.args.map(Number);
const workerUrl = new URL("./sum-worker.ts", import.meta.url);

function once(): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const w = new Worker(workerUrl, { type: "module", deno: { permissions: "none" } });
    w.onmessage = (e) => {
      w.terminate();
      if (e.data.sum !== 3) reject(new Error("wrong sum"));
      resolve(performance.now() - t0);
    };
    w.onerror = (e) => { w.terminate(); reject(e); };
    w.postMessage({ a: 1, b: 2 });
  });
}

for (let i = 0; i < 20; i++) await once(); // warm-up
const sequential: number[] = [];
for (let i = 0; i < iterations; i++) sequential.push(await once());

let next = 0;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next++ < concurrentTotal) await once();
}));
const throughput = concurrentTotal / ((performance.now() - started) / 1000);

// RSS per idle isolate: blank workers that have booted and wait.
const rssBefore = Deno.memoryUsage().rss;
const idleWorkers = await Promise.all(Array.from({ length: idle }, () => new Promise<Worker>((resolve) => {
  const w = new Worker(workerUrl, { type: "module", deno: { permissions: "none" } });
  w.onmessage = () => resolve(w);
  w.postMessage({ a: 0, b: 0 });
})));
await new Promise((r) => setTimeout(r, 200));
const rssPerIdle = (Deno.memoryUsage().rss - rssBefore) / idle;
idleWorkers.forEach((w) => w.terminate());

console.log(JSON.stringify({ sequential_ms: sequential, throughput_per_s: throughput, rss_per_idle_isolate_bytes: rssPerIdle }));

// The raw engine of the isolate backend for `vulcan benchmark`: plain Deno Workers (permissions none) in one
// process, no daemon, no host protocol. The daemon runs it once per measurement and reads one JSON object from
// stdout. Usage: deno run --unstable-worker-options raw-bench.ts '{"mode": ..., ...}'
//   cold {n}              n times: new Worker, run hello, terminate; latency each
//   warm {n}              n times: a Worker booted ahead (untimed) is handed hello; latency of the hand-over
//   hello {n, concurrency} / cpu {n, concurrency}: n cold runs, `concurrency` in flight; latencies and wall time
//   memory {k, hold_ms}   k Workers holding for hold_ms; RSS growth per Worker, sampled while they hold
//   concurrent {steps, hold_ms}: for each n in steps, n Workers holding at once; whether all answered, wall time
type Job = { kind: "hello" | "cpu" | "sleep"; ms?: number };

const WORKER = `self.onmessage = async (e) => {
  const job = e.data;
  if (job.kind === "cpu") { const end = Date.now() + job.ms; let x = 0; while (Date.now() < end) { x++; } }
  if (job.kind === "sleep") { await new Promise((r) => setTimeout(r, job.ms)); }
  self.postMessage({ hello: "world" });
};`;
const url = "data:application/javascript," + encodeURIComponent(WORKER);

function boot(): Promise<Worker> {
  // a Worker is ready once its module ran; a no-op round trip proves it
  const w = new Worker(url, { type: "module", deno: { permissions: "none" } });
  return new Promise((resolve, reject) => {
    w.onmessage = () => resolve(w);
    w.onerror = (e) => reject(e);
    w.postMessage({ kind: "hello" });
  });
}

function ask(w: Worker, job: Job): Promise<void> {
  return new Promise((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(e);
    w.postMessage(job);
  });
}

async function cold(job: Job): Promise<number> {
  const t0 = performance.now();
  const w = new Worker(url, { type: "module", deno: { permissions: "none" } });
  try {
    await ask(w, job);
  } finally {
    w.terminate();
  }
  return performance.now() - t0;
}

async function many(n: number, concurrency: number, job: Job) {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < n) latencies.push(await cold(job));
  }));
  return { latencies_ms: latencies, wall_ms: performance.now() - t0 };
}

const args = JSON.parse(Deno.args[0]);
let result: unknown;
switch (args.mode) {
  case "cold": {
    await cold({ kind: "hello" }); // the first Worker pays module compilation
    const latencies = [];
    for (let i = 0; i < args.n; i++) latencies.push(await cold({ kind: "hello" }));
    result = { latencies_ms: latencies };
    break;
  }
  case "warm": {
    const latencies = [];
    for (let i = 0; i < args.n; i++) {
      const w = await boot();
      const t0 = performance.now();
      await ask(w, { kind: "hello" });
      latencies.push(performance.now() - t0);
      w.terminate();
    }
    result = { latencies_ms: latencies };
    break;
  }
  case "hello":
    result = await many(args.n, args.concurrency, { kind: "hello" });
    break;
  case "cpu":
    result = await many(args.n, args.concurrency, { kind: "cpu", ms: 1000 });
    break;
  case "memory": {
    const before = Deno.memoryUsage().rss;
    const workers = await Promise.all(Array.from({ length: args.k }, () => boot()));
    const running = workers.map((w) => ask(w, { kind: "sleep", ms: args.hold_ms }));
    const samples: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, args.hold_ms / 6));
      samples.push((Deno.memoryUsage().rss - before) / args.k);
    }
    await Promise.all(running);
    workers.forEach((w) => w.terminate());
    result = { bytes_per_worker: samples };
    break;
  }
  case "concurrent": {
    const steps = [];
    for (const n of args.steps) {
      const t0 = performance.now();
      let ok = true;
      try {
        await Promise.all(Array.from({ length: n }, () => cold({ kind: "sleep", ms: args.hold_ms })));
      } catch {
        ok = false;
      }
      steps.push({ n, ok, wall_ms: performance.now() - t0 });
      if (!ok) break;
    }
    result = { steps };
    break;
  }
  default:
    throw new Error("unknown mode " + args.mode);
}
console.log(JSON.stringify(result));

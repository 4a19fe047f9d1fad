// The isolate host: one Deno process that runs at most one workload at a time, each in a fresh
// Worker with Deno permissions "none". It talks to the daemon over a unix socket (never over
// stdin/stdout, which workers can reach), one JSON object per line. See README.md.
//
// Usage: deno run --unstable-worker-options --allow-read=<worker.ts>,<socket> \
//          --allow-write=<socket> --allow-net=unix:<socket> host.ts <socket>
// (the daemon adds more flags and a bare environment, and runs it under setpriv --pdeathsig KILL
// in a memory cgroup: see HostLauncher.java)

const MAX_LOG_LINES = 10_000;
const MAX_LOG_CHARS = 1024 * 1024;
const MAX_OUTPUT_CHARS = 16 * 1024 * 1024;
const MAX_ERROR_CHARS = 64 * 1024;
const MAX_BLOB_URLS = 100_000;
const WORKER_REASONS = new Set(["exception", "syntax_error", "invalid_output", "no_default_export"]);
const WORKER_URL = new URL("./worker.ts", import.meta.url);

type Message = Record<string, unknown>;

interface Job {
  id: string;
  worker: Worker | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  done: boolean;
  logLines: number;
  logChars: number;
  logTruncated: boolean;
  blobUrls: string[];
}

const socketPath = Deno.args[0];
if (!socketPath) {
  console.error("usage: host.ts <socket path>");
  Deno.exit(64);
}

const conn = await Deno.connect({ transport: "unix", path: socketPath });
const writer = conn.writable.getWriter();
const encoder = new TextEncoder();

function send(message: Message): void {
  writer.write(encoder.encode(JSON.stringify(message) + "\n")).catch(() => Deno.exit(0));
}

// A Worker that has loaded the bootstrap and waits for its one workload.
function spawnBlankWorker(): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { type: "module", deno: { permissions: "none" } });
    worker.onmessage = (event) => {
      if (event.data?.type === "booted") resolve(worker);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      worker.terminate();
      reject(new Error(`blank worker failed to boot: ${event.message}`));
    };
  });
}

let blankWorker = spawnBlankWorker();
let current: Job | null = null;

function replaceBlankWorker(): void {
  blankWorker = spawnBlankWorker();
}

// "ready" means: a blank worker is booted, a run now starts at once. Sent after every result.
function announceWhenReady(): void {
  blankWorker.then(
    () => send({ type: "ready", pid: Deno.pid, deno: Deno.version.deno, v8: Deno.version.v8 }),
    (error) => {
      console.error(String(error));
      Deno.exit(70);
    },
  );
}

function finish(job: Job, result: Message): void {
  if (job.done) return;
  job.done = true;
  clearTimeout(job.timer);
  if (current === job) current = null;
  // The result goes first: ending one worker and creating the next blocks this thread ~10 ms.
  send({ type: "result", id: job.id, ...result });
  if (job.worker !== null) {
    job.worker.terminate();
    replaceBlankWorker();
  }
  announceWhenReady();
  // The blob store is the process's: what the workload put there must not outlive it.
  for (const url of job.blobUrls) URL.revokeObjectURL(url);
}

function clip(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  return text.length > MAX_ERROR_CHARS ? text.slice(0, MAX_ERROR_CHARS) + "..." : text;
}

// The worker runs untrusted code that can post anything, so its result is checked here.
function checkedResult(message: Message): Message {
  if (message.ok === true) {
    const output = message.output_json;
    if (typeof output !== "string") {
      return { ok: false, reason: "invalid_output", message: "the output is not JSON text", stack: "" };
    }
    if (output.length > MAX_OUTPUT_CHARS) {
      return {
        ok: false,
        reason: "invalid_output",
        message: `the output is ${output.length} characters of JSON; the limit is ${MAX_OUTPUT_CHARS}`,
        stack: "",
      };
    }
    try {
      JSON.parse(output);
    } catch {
      return { ok: false, reason: "invalid_output", message: "the output is not valid JSON", stack: "" };
    }
    return { ok: true, output_json: output };
  }
  const reason = typeof message.reason === "string" && WORKER_REASONS.has(message.reason)
    ? message.reason
    : "exception";
  return { ok: false, reason, message: clip(message.message), stack: clip(message.stack) };
}

function forwardLog(job: Job, stream: unknown, text: unknown): void {
  if (job.logTruncated || (stream !== "stdout" && stream !== "stderr") || typeof text !== "string") return;
  for (const line of text.split("\n")) {
    if (job.logLines + 1 > MAX_LOG_LINES || job.logChars + line.length > MAX_LOG_CHARS) {
      job.logTruncated = true;
      send({ type: "log", id: job.id, stream: "stderr", line: "[log truncated]" });
      return;
    }
    job.logLines++;
    job.logChars += line.length;
    send({ type: "log", id: job.id, stream, line });
  }
}

function trackBlobUrl(job: Job, url: unknown): void {
  if (typeof url !== "string" || !url.startsWith("blob:")) return;
  if (job.blobUrls.length >= MAX_BLOB_URLS) {
    finish(job, { ok: false, reason: "exception", message: `more than ${MAX_BLOB_URLS} blob URLs`, stack: "" });
    return;
  }
  job.blobUrls.push(url);
}

async function run(message: Message): Promise<void> {
  const id = String(message.id);
  if (current !== null) {
    send({ type: "result", id, ok: false, reason: "host_busy", message: `host is running ${current.id}`, stack: "" });
    return;
  }
  const timeoutMs = Number(message.timeout_ms);
  const job: Job = {
    id,
    worker: null,
    timer: undefined,
    done: false,
    logLines: 0,
    logChars: 0,
    logTruncated: false,
    blobUrls: [],
  };
  current = job;
  job.timer = setTimeout(() => {
    finish(job, { ok: false, reason: "timeout", message: `timed out after ${timeoutMs} ms`, stack: "" });
  }, timeoutMs);
  const worker = await blankWorker;
  // A job killed while the blank worker was still booting never touched it: it stays blank.
  if (job.done) return;
  job.worker = worker;
  worker.onmessage = (event) => {
    const data = event.data as Message;
    if (data?.type === "log") forwardLog(job, data.stream, data.text);
    else if (data?.type === "blob") trackBlobUrl(job, data.url);
    else if (data?.type === "result") finish(job, checkedResult(data));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    finish(job, { ok: false, reason: "exception", message: clip(event.message), stack: "" });
  };
  worker.postMessage({ type: "run", lang: message.lang, code: message.code, input_json: message.input_json });
}

function kill(message: Message): void {
  if (current !== null && current.id === String(message.id)) {
    finish(current, { ok: false, reason: "killed", message: "killed", stack: "" });
  }
}

function handle(line: string): void {
  let message: Message;
  try {
    message = JSON.parse(line);
  } catch {
    console.error(`ignoring a line that is not JSON (${line.length} characters)`);
    return;
  }
  switch (message.type) {
    case "run":
      run(message);
      break;
    case "kill":
      kill(message);
      break;
    case "ping":
      send({ type: "pong", seq: message.seq });
      break;
    default:
      console.error(`ignoring unknown message type ${String(message.type)}`);
  }
}

announceWhenReady();

const decoder = new TextDecoder();
let partial: string[] = [];
try {
  for await (const chunk of conn.readable) {
    const text = decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let newline = text.indexOf("\n"); newline >= 0; newline = text.indexOf("\n", start)) {
      partial.push(text.slice(start, newline));
      const line = partial.join("");
      partial = [];
      if (line.length > 0) handle(line);
      start = newline + 1;
    }
    if (start < text.length) partial.push(text.slice(start));
  }
} catch {
  // The connection broke: same as closed.
}
// The daemon closed the socket (or died): nothing is left to serve.
Deno.exit(0);

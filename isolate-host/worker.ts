// The bootstrap of one single-use Worker. The host creates it with Deno permissions "none",
// waits for "booted", sends exactly one "run", and terminates the worker after the result.
// Everything the bootstrap relies on is captured before user code runs, because user code
// shares this global scope and may delete or replace Deno, JSON, console or postMessage.
//
// Worker -> host: {type:"booted"} | {type:"log", stream, text} | {type:"blob", url} | {type:"result", ...}
// Host -> worker: {type:"run", lang:"js"|"ts", code, input_json}

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

type Stream = "stdout" | "stderr";

const inspect = Deno.inspect;
const stringify = JSON.stringify;
const parse = JSON.parse;
const post = globalThis.postMessage.bind(globalThis);
const createObjectURL = URL.createObjectURL;

// Blob URLs live in a store of the whole process and outlive the worker, so the host is told
// of each one the workload creates and revokes them all when the workload ends.
Object.defineProperty(URL, "createObjectURL", {
  value: (object: Blob) => {
    const url = createObjectURL(object);
    post({ type: "blob", url });
    return url;
  },
  writable: true,
  configurable: true,
});

const ownUrl = import.meta.url;
// Stack traces name the workload module by its data: URL.
const MODULE_URL = /data:(?:text\/javascript|application\/typescript);base64,[A-Za-z0-9+\/=]*/g;

let finished = false;
let moduleName = "workload.js";

// Names the workload module plainly and drops the frames of this bootstrap.
function readable(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.includes(ownUrl))
    .join("\n")
    .replace(MODULE_URL, moduleName);
}

function describe(error: unknown): { message: string; stack: string } {
  if (error instanceof Error) {
    const stack = typeof error.stack === "string" ? error.stack : "";
    return { message: readable(`${error.name}: ${error.message}`), stack: readable(stack) };
  }
  return { message: readable(`Uncaught ${inspect(error)}`), stack: "" };
}

function finish(result: Record<string, unknown>): void {
  if (finished) return;
  finished = true;
  post({ type: "result", ...result });
}

function fail(reason: string, error: unknown): void {
  finish({ ok: false, reason, ...describe(error) });
}

// Formats console arguments the way Deno's console does: strings as they are, everything
// else through Deno.inspect, with the %s %d %i %f %o %O %c specifiers of a leading string.
function format(args: unknown[]): string {
  if (args.length === 0) return "";
  const show = (value: unknown) => typeof value === "string" ? value : inspect(value);
  const [first] = args;
  let next = 1;
  let text = "";
  if (typeof first === "string" && args.length > 1) {
    for (let i = 0; i < first.length; i++) {
      const char = first[i];
      const spec = first[i + 1];
      if (char !== "%" || spec === undefined) {
        text += char;
      } else if (spec === "%") {
        text += "%";
        i++;
      } else if ("sdifoOc".includes(spec) && next < args.length) {
        const arg = args[next++];
        i++;
        switch (spec) {
          case "s":
            text += typeof arg === "string" ? arg : inspect(arg, { depth: 1 });
            break;
          case "d":
          case "i":
            text += typeof arg === "bigint" ? `${arg}n` : String(Math.trunc(Number(arg)));
            break;
          case "f":
            text += String(Number(arg));
            break;
          case "o":
          case "O":
            text += inspect(arg);
            break;
          case "c":
            break;
        }
      } else {
        text += char;
      }
    }
  } else {
    text = show(first);
  }
  for (; next < args.length; next++) text += " " + show(args[next]);
  return text;
}

let groupIndent = "";
const counts = new Map<string, number>();
const timers = new Map<string, number>();

function emit(stream: Stream, text: string): void {
  if (finished) return;
  const indented = groupIndent === "" ? text : text.split("\n").map((line) => groupIndent + line).join("\n");
  post({ type: "log", stream, text: indented });
}

const out = (...args: unknown[]) => emit("stdout", format(args));
const err = (...args: unknown[]) => emit("stderr", format(args));

const workloadConsole = {
  log: out,
  info: out,
  debug: out,
  dirxml: out,
  table: out,
  trace: (...args: unknown[]) => {
    const stack = (new Error().stack ?? "").split("\n").slice(2).join("\n");
    emit("stdout", readable(`Trace${args.length > 0 ? ": " + format(args) : ""}\n${stack}`));
  },
  dir: (value: unknown) => emit("stdout", inspect(value)),
  warn: err,
  error: err,
  assert: (condition: unknown, ...args: unknown[]) => {
    if (!condition) emit("stderr", args.length > 0 ? "Assertion failed: " + format(args) : "Assertion failed");
  },
  count: (label = "default") => {
    const count = (counts.get(label) ?? 0) + 1;
    counts.set(label, count);
    emit("stdout", `${label}: ${count}`);
  },
  countReset: (label = "default") => void counts.delete(label),
  group: (...args: unknown[]) => {
    if (args.length > 0) out(...args);
    groupIndent += "  ";
  },
  groupCollapsed: (...args: unknown[]) => workloadConsole.group(...args),
  groupEnd: () => void (groupIndent = groupIndent.slice(2)),
  time: (label = "default") => void timers.set(label, performance.now()),
  timeLog: (label = "default", ...args: unknown[]) => {
    const start = timers.get(label);
    if (start === undefined) return err(`Timer '${label}' does not exist`);
    out(`${label}: ${Math.round(performance.now() - start)}ms`, ...args);
  },
  timeEnd: (label = "default") => {
    workloadConsole.timeLog(label);
    timers.delete(label);
  },
  clear: () => {},
};

Object.defineProperty(globalThis, "console", { value: workloadConsole, writable: true, configurable: true });

globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  fail("exception", event.error ?? event.message);
});
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail("exception", event.reason);
});

function isSyntaxError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && error.message.includes("SyntaxError"));
}

// Deno wraps a parse error of an imported module in a TypeError; the SyntaxError is the news.
function failSyntax(error: unknown): void {
  const { message, stack } = describe(error);
  const unwrap = (text: string) => text.replace(/^TypeError: (?=SyntaxError)/, "");
  finish({ ok: false, reason: "syntax_error", message: unwrap(message), stack: unwrap(stack) });
}

async function run(lang: string, code: string, inputJson: string): Promise<void> {
  // A data: URL imports ~1.5 ms faster than a blob: URL. Deno's caches that would keep its
  // specifier (the whole code) are held in memory for this host (see HostLauncher).
  const mediaType = lang === "ts" ? "application/typescript" : "text/javascript";
  moduleName = lang === "ts" ? "workload.ts" : "workload.js";
  const base64 = (new TextEncoder().encode(code) as Uint8Array & { toBase64(): string }).toBase64();
  let module: Record<string, unknown>;
  try {
    module = await import(`data:${mediaType};base64,${base64}`);
  } catch (error) {
    return isSyntaxError(error) ? failSyntax(error) : fail("exception", error);
  }
  const main = module.default;
  if (typeof main !== "function") {
    return finish({
      ok: false,
      reason: "no_default_export",
      message: "the module has no default export function (export default function (input) { ... })",
      stack: "",
    });
  }
  let value: unknown;
  try {
    value = await main(parse(inputJson));
  } catch (error) {
    return fail("exception", error);
  }
  let outputJson: string | undefined;
  try {
    outputJson = stringify(value);
  } catch (error) {
    return fail("invalid_output", error);
  }
  finish({ ok: true, output_json: outputJson ?? "null" });
}

globalThis.onmessage = (event: MessageEvent) => {
  const message = event.data;
  if (message?.type !== "run") return;
  globalThis.onmessage = null;
  run(String(message.lang), String(message.code), String(message.input_json));
};

post({ type: "booted" });

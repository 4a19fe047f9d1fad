// Vulcan's Node.js entrypoint (/vulcan/entry.mjs in the vulcan/node image).
//
// The daemon bind-mounts a private directory at /vulcan/io holding main.mjs (the workload's code)
// and input.json. This imports main.mjs (an ES module; a CommonJS module, one assigning
// module.exports and using no import/export, is loaded with require), calls its default export with
// the input, awaits the value and writes /vulcan/io/result.json: {"output": ...} or {"error":
// {"code", "message", "stack"}} with the isolate's codes: exception, syntax_error, no_default_export,
// invalid_output. console.log goes to stdout, console.error to stderr: each line is a log event.
import { copyFileSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { inspect } from "node:util";

const IO = "/vulcan/io";
const MAIN = `${IO}/main.mjs`;
const self = import.meta.url;

function finish(text) {
  // written aside and renamed: the daemon never reads half a result
  writeFileSync(`${IO}/result.json.part`, text);
  renameSync(`${IO}/result.json.part`, `${IO}/result.json`);
}

function fail(code, message, stack = "") {
  finish(JSON.stringify({ error: { code, message, stack } }));
}

// Names the workload's file plainly and drops the frames of this entrypoint and of Node itself.
function readable(text) {
  return text.split("\n")
    .filter((line) => !line.includes(self) && !/^\s+at .*\(?node:/.test(line))
    .join("\n")
    .replaceAll(`file://${IO}/`, "").replaceAll(`${IO}/`, "");
}

function describe(error) {
  if (error instanceof Error) {
    return { message: readable(`${error.name}: ${error.message}`), stack: readable(String(error.stack ?? "")) };
  }
  return { message: `Uncaught ${inspect(error)}`, stack: "" };
}

// A parse error has no frame in the workload's own file; a SyntaxError its code throws (JSON.parse) has.
function isParseError(error, file) {
  return error instanceof SyntaxError && !String(error.stack ?? "").split("\n")
    .some((line) => /^\s+at /.test(line) && line.includes(file));
}

const source = readFileSync(MAIN, "utf8");
const commonJs = /\bmodule\.exports\b|\bexports\.[\w$]+\s*=/.test(source) && !/^\s*(import|export)\b/m.test(source);

async function load() {
  if (commonJs) {
    copyFileSync(MAIN, `${IO}/main.cjs`);
    const exported = createRequire(self)(`${IO}/main.cjs`);
    return typeof exported === "function" ? exported : exported?.default;
  }
  return (await import(MAIN)).default;
}

async function run() {
  const input = JSON.parse(readFileSync(`${IO}/input.json`, "utf8"));
  let handler;
  try {
    handler = await load();
  } catch (error) {
    const { message, stack } = describe(error);
    return isParseError(error, commonJs ? "main.cjs" : "main.mjs")
      ? fail("syntax_error", message, stack)
      : fail("exception", message, stack);
  }
  if (typeof handler !== "function") {
    return fail("no_default_export", "the module has no default export function");
  }
  let output;
  try {
    output = await handler(input);
  } catch (error) {
    const { message, stack } = describe(error);
    return fail("exception", message, stack);
  }
  let text;
  try {
    text = JSON.stringify(output === undefined ? null : output);
  } catch (error) {
    return fail("invalid_output", `the return value is not JSON-serialisable: ${describe(error).message}`);
  }
  finish(`{"output":${text ?? "null"}}`);
}

await run();
// timers or sockets the workload left open must not keep the container alive after its result
process.exit(0);

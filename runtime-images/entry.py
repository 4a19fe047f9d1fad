"""Vulcan's Python entrypoint (/vulcan/entry.py in the vulcan/python image).

The daemon bind-mounts a private directory at /vulcan/io holding main.py (the workload's code) and
input.json. This loads main.py as the module "main", calls its handler(input) (awaited when it is a
coroutine function) and writes /vulcan/io/result.json: {"output": ...} or {"error": {"code",
"message", "stack"}}, the codes being exception, syntax_error, no_handler and invalid_output.
print() goes to stdout and stderr as usual: the daemon turns each line into a log event.
"""
import json
import os
import sys
import traceback
import types

IO = "/vulcan/io"
MAIN = IO + "/main.py"


def finish(result):
    # written aside and renamed: the daemon never reads half a result
    with open(IO + "/result.json.part", "w", encoding="utf-8") as f:
        f.write(result)
    os.rename(IO + "/result.json.part", IO + "/result.json")


def fail(code, message, stack=""):
    finish(json.dumps({"error": {"code": code, "message": message, "stack": stack}}))


def describe(error):
    """The message as "Type: text" and the traceback without this entrypoint's frames."""
    te = traceback.TracebackException.from_exception(error)
    te.stack = traceback.StackSummary.from_list([f for f in te.stack if f.filename != __file__])
    message = "".join(traceback.format_exception_only(type(error), error)).strip()
    return message, "".join(te.format()).rstrip("\n")


def run():
    with open(IO + "/input.json", encoding="utf-8") as f:
        payload = json.load(f)
    with open(MAIN, encoding="utf-8") as f:
        source = f.read()
    try:
        code = compile(source, MAIN, "exec")
    except (SyntaxError, ValueError) as e:
        message, _ = describe(e)
        return fail("syntax_error", message.splitlines()[-1] + (f" (main.py, line {e.lineno})" if getattr(e, "lineno", None) else ""), message)
    module = types.ModuleType("main")
    module.__file__ = MAIN
    sys.modules["main"] = module
    sys.path.insert(0, IO)
    try:
        exec(code, module.__dict__)
        handler = module.__dict__.get("handler")
        if not callable(handler):
            return fail("no_handler", "main.py defines no function handler(input)")
        result = handler(payload)
        if hasattr(result, "__await__"):
            import asyncio  # only when needed: it costs tens of ms at start

            async def wait():
                return await result
            result = asyncio.run(wait())
    except BaseException as e:  # SystemExit too: the workload ended without a result
        return fail("exception", *describe(e))
    try:
        text = json.dumps(result, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as e:
        return fail("invalid_output", "the return value is not JSON-serialisable: " + describe(e)[0])
    finish('{"output":' + text + "}")


run()
sys.stdout.flush()
sys.stderr.flush()
# threads the workload started must not keep the container alive after its result
os._exit(0)

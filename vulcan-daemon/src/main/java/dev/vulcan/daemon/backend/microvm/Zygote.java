package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.backend.oci.CodeIo;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;

/**
 * A runtime's interpreter started, its entrypoint compiled and parked, reading its stdin: what a
 * python snapshot freezes, so a restored VM does not start python under emulation (most of a
 * restore's time). The VM is saved in the middle of the agent command that runs this script; a
 * restored guest gets one stdin payload (the io dir's files, the host's clock, fresh randomness),
 * and the script then writes the files, runs the image's own entrypoint (/vulcan/entry.py) in
 * place and exits: the command's stdout, stderr, exit code and result.json are those of the
 * entrypoint run as a command, so the contract (docs/runtimes.md, CodeIo) does not change.
 */
final class Zygote {

    /** What the script prints once it is parked. */
    static final String READY = "vulcan-zygote-ready";

    /**
     * The python side. The clock is set and randomness mixed in before anything of the workload runs:
     * the guest wakes with the clock and entropy pool of the moment it was saved; after the host's bytes
     * are written the kernel's CRNG is reseeded (ioctl RNDRESEEDCRNG), or it would go on with the key
     * every VM restored from the snapshot shares. Python's own
     * {@code random} module, if something imported it before the save, is reseeded too. What it
     * cannot renew: str hashing's seed (PYTHONHASHSEED), fixed when the interpreter started, is the
     * same in every VM restored from one snapshot (docs/runtimes.md).
     */
    static final String PYTHON = String.join("\n",
            "import binascii, fcntl, json, os, stat, sys, time, traceback, types",
            "sys.path[0] = '/vulcan'",
            "sys.argv[:] = ['/vulcan/entry.py']",
            "with open('/vulcan/entry.py', 'rb') as f:",
            "    ENTRY = compile(f.read(), '/vulcan/entry.py', 'exec')",
            "os.makedirs('" + GuestWork.IO + "', exist_ok=True)",
            "os.chdir('" + GuestWork.IO + "')",
            "sys.stdout.write('" + READY + "\\n')",
            "sys.stdout.flush()",
            "def prepare():",
            "    job = json.loads(sys.stdin.buffer.read())",
            "    time.clock_settime_ns(time.CLOCK_REALTIME, job['clock_ns'])",
            "    with open('/dev/urandom', 'wb') as f:",
            "        f.write(binascii.unhexlify(job['seed']))",
            "        f.flush()",
            // RNDRESEEDCRNG: the bytes only reach the pool; the CRNG, the same in every restored VM, takes them now
            "        fcntl.ioctl(f.fileno(), 0x5207)",
            "    if 'random' in sys.modules:",
            "        sys.modules['random'].seed()",
            "    for path, mode, data in job['files']:",
            "        target = os.path.join('" + GuestWork.IO + "', path)",
            "        os.makedirs(os.path.dirname(target), exist_ok=True)",
            "        with open(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), 'wb') as f:",
            "            f.write(binascii.a2b_base64(data))",
            "    return job['marker'].encode()",
            // entry.py ends with os._exit: the result goes out on stderr first (ResultTrailer), saving a read
            "def trailer(marker, real_exit=os._exit):",
            "    def _exit(code):",
            "        try:",
            "            for s in (sys.stdout, sys.stderr):",
            "                try:",
            "                    s.flush()",
            "                except Exception:",
            "                    pass",
            "            path = '" + GuestWork.IO + "/result.json'",
            "            try:",
            "                regular = stat.S_ISREG(os.lstat(path).st_mode)",
            "            except OSError:",
            "                regular = False",
            "            data, head = b'', b'-\\n'",
            "            if regular:",
            "                with open(path, 'rb') as f:",
            "                    data = f.read(" + (CodeIo.MAX_RESULT_BYTES + 1) + ")",
            "                head = b'%d\\n' % len(data)",
            "            out = memoryview(marker + head + data)",
            "            while out:",
            "                out = out[os.write(2, out):]",
            "        finally:",
            "            real_exit(code)",
            "    os._exit = _exit",
            "trailer(prepare())",
            "exec(ENTRY, {'__name__': '__main__', '__file__': '/vulcan/entry.py', '__builtins__': __builtins__})",
            "");

    private Zygote() {}

    /** Part of the snapshot key: a changed script gives fresh snapshots. */
    static String version(CodeImage code) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256").digest(
                    (code.name() + "\n" + PYTHON).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The command that parks the runtime's interpreter, for runtimes that have a zygote. */
    static Optional<CommandRequest> command(CodeImage code) {
        return switch (code) {
            case PYTHON -> Optional.of(new CommandRequest(List.of(code.argv().getFirst(), "-c", PYTHON), Map.of(), "/",
                    null, new byte[0], true));
            case NODE, SHELL -> Optional.empty();
        };
    }

    /** One file for the io dir. */
    record File(String path, boolean executable, byte[] content) {}

    /** The one stdin payload a parked zygote reads: files, clock, seed and result marker as one JSON document. */
    static byte[] payload(List<File> files, Instant now, byte[] seed, String nonce, JsonMapper json) {
        List<List<Object>> entries = new ArrayList<>();
        for (File f : files) {
            entries.add(List.of(f.path(), f.executable() ? 0755 : 0644, Base64.getEncoder().encodeToString(f.content())));
        }
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("clock_ns", now.getEpochSecond() * 1_000_000_000L + now.getNano());
        job.put("seed", java.util.HexFormat.of().formatHex(seed));
        job.put("files", entries);
        job.put("marker", ResultTrailer.marker(nonce));
        return json.writeValueAsString(job).getBytes(StandardCharsets.UTF_8);
    }
}

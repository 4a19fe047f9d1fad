package dev.vulcan.daemon.backend.isolate;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The deno command line and environment of one host process. */
final class HostCommandLine {
    private HostCommandLine() {}

    /**
     * The host may read its worker bootstrap and use its own socket (Deno 2.9 asks for read,
     * write and net access to connect to a unix socket); its workers get no permissions at all.
     * The heap flag is per process, which is why hosts are pooled per memory class.
     */
    static List<String> of(IsolateConfig config, int memMb, Path socket) {
        return List.of(
                config.denoBinary().toString(), "run",
                "--no-config", "--no-lock", "--no-npm", "--no-remote", "--no-prompt", "--no-code-cache",
                "--unstable-worker-options",
                "--v8-flags=--max-old-space-size=" + memMb,
                "--allow-read=" + config.workerScript() + "," + socket,
                "--allow-write=" + socket,
                "--allow-net=unix:" + socket,
                config.hostScript().toString(),
                socket.toString());
    }

    /**
     * A bare environment: nothing of the daemon's leaks into the host. Deno keeps no emitted
     * code and no Web Cache on disk, so workloads leave nothing behind for the next one; what it
     * still records (module metadata) goes to the host's own cache dir, deleted with the host.
     */
    static Map<String, String> environment(Path denoDir) {
        return Map.of(
                "DENO_DIR", denoDir.toString(),
                "DENO_EMIT_CACHE_MODE", "disable",
                "DENO_CACHE_DB_MODE", "memory",
                "DENO_NO_PACKAGE_JSON", "1",
                "DENO_NO_UPDATE_CHECK", "1",
                "NO_COLOR", "1");
    }
}

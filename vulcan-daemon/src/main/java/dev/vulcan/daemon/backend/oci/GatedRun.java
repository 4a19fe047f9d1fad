package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A runtime {@code run} whose process is spawned while the bundle is still being built, held at a gate until
 * released.
 *
 * <p>Why: spawning a process from the JVM (fork, exec of jspawnhelper, exec of the target; the caller blocks
 * for it) costs 1.5-2.5 ms that need nothing from the bundle. So a platform thread spawns a static busybox
 * shell running {@link #GATE} while the supervising thread builds the bundle; the shell waits for a line on
 * its stdin (a pipe from the daemon) and then execs the runtime's usual argv with stdin /dev/null. The gate
 * must sit before the runtime's wrapper: {@code unshare} copies the mount table, which must already hold the
 * bundle's overlay.
 *
 * <p>Nothing runs before the release: if the bundle cannot be built, or the daemon dies, the pipe closes
 * without a line, {@code read} fails and the shell exits 125 without starting the runtime.
 */
final class GatedRun {

    /** $@ is the runtime's argv; $0 names the gate in ps. */
    static final String GATE = "read -r _ || exit 125; exec \"$@\" </dev/null";

    private final CompletableFuture<Process> process;

    private GatedRun(CompletableFuture<Process> process) {
        this.process = process;
    }

    /** Starts spawning {@code <runtime> run --bundle B id} behind the gate; empty when there is no busybox. */
    static Optional<GatedRun> start(OciRuntime runtime, Path busybox, Path bundle, String id) {
        if (!Files.isExecutable(busybox)) {
            return Optional.empty();
        }
        List<String> argv = argv(runtime, busybox, bundle, id);
        CompletableFuture<Process> spawned = new CompletableFuture<>();
        // a platform thread: the spawn is a native call that would pin a virtual thread's carrier
        Thread.ofPlatform().daemon().name("spawn-" + id).start(() -> {
            try {
                spawned.complete(new ProcessBuilder(argv).start());
            } catch (IOException | RuntimeException e) {
                spawned.completeExceptionally(e);
            }
        });
        return Optional.of(new GatedRun(spawned));
    }

    static List<String> argv(OciRuntime runtime, Path busybox, Path bundle, String id) {
        List<String> argv = new ArrayList<>(List.of(busybox.toString(), "sh", "-c", GATE, "vulcan-gate"));
        argv.addAll(runtime.argv("run", "--bundle", bundle.toString(), id));
        return argv;
    }

    /** Lets the shell exec the runtime (the bundle is complete) and returns the process to supervise. */
    Process release() throws IOException {
        Process p = spawned();
        try (OutputStream gate = p.getOutputStream()) {
            gate.write('\n');
        } catch (IOException e) {
            // the shell already ended: its exit code and stderr tell why
        }
        return p;
    }

    /** Closes the gate without a line: the shell exits without starting the runtime; waits for it. */
    void abandon() {
        try {
            Process p = spawned();
            p.getOutputStream().close();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            // never spawned, or its pipe is gone: nothing to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Process spawned() throws IOException {
        try {
            return process.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            throw e;
        }
    }
}

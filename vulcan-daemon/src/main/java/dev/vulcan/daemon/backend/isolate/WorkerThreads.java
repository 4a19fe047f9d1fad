package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A host's Worker threads (Deno names them "worker-N"), read from /proc. Deno 2.9's
 * worker.terminate() does not stop a Worker that is running JavaScript (denoland/deno#35657),
 * and Workers a workload starts itself outlive it: such a thread outliving its workload means
 * the host must go.
 */
final class WorkerThreads {
    private WorkerThreads() {}

    /** The thread ids of the process's Worker threads; empty if they cannot be read. */
    static Set<Long> of(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        try (Stream<Path> threads = Files.list(tasks)) {
            return threads.filter(WorkerThreads::isWorker)
                    .map(thread -> Long.parseLong(thread.getFileName().toString()))
                    .collect(Collectors.toUnmodifiableSet());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    private static boolean isWorker(Path thread) {
        try {
            return Files.readString(thread.resolve("comm")).startsWith("worker-");
        } catch (IOException gone) {
            return false;
        }
    }
}

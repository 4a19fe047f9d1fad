package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.microvm.qmp.QmpClient;
import dev.vulcan.daemon.backend.microvm.qmp.QmpEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running QEMU: its process, its QMP connection, the agent's channel and its run dir. */
final class QemuVm implements VmDriver.Running {

    private static final Logger log = LoggerFactory.getLogger(QemuVm.class);

    private final VmSpec spec;
    private final Process process;
    private final SocketChannel agent;
    private final CompletableFuture<Integer> exited;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile QmpClient qmp;

    QemuVm(VmSpec spec, Process process, SocketChannel agent) {
        this.spec = spec;
        this.process = process;
        this.agent = agent;
        this.exited = process.onExit().thenApply(Process::exitValue);
    }

    void attach(QmpClient client) {
        this.qmp = client;
    }

    void event(QmpEvent event) {
        log.atDebug().setMessage("qmp event").addKeyValue("vm", spec.id()).addKeyValue("event", event.name())
                .addKeyValue("data", event.data()).log();
    }

    @Override
    public VmSpec spec() {
        return spec;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public SocketChannel agentChannel() {
        return agent;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public void quit(Duration deadline) throws IOException {
        QmpClient client = qmp;
        if (process.isAlive() && client != null) {
            try {
                client.execute("quit", null, deadline);
            } catch (IOException e) {
                // QEMU may close the monitor before its answer leaves: what counts is that it exits.
                log.atDebug().setMessage("qmp quit").addKeyValue("vm", spec.id()).setCause(e).log();
            }
        }
        try {
            exited.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IOException("QEMU of " + spec.id() + " did not quit within " + deadline, e);
        } catch (ExecutionException e) {
            throw new IOException("waiting for QEMU of " + spec.id(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for QEMU to quit", e);
        }
    }

    @Override
    public void snapshot(Path file, Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        QmpClient client = monitor();
        client.execute("stop", null, left(until));
        if (spec.ram() != null) {
            client.execute("migrate-set-capabilities", SnapshotRam.ignoreShared(), left(until));
        }
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("uri", "exec:cat > " + file.toAbsolutePath());
        if (!file.toAbsolutePath().toString().matches("[A-Za-z0-9/._-]+")) {
            throw new IOException("snapshot path not safe for QEMU's exec: URI: " + file);
        }
        client.execute("migrate", args, left(until));
        awaitStatus(client, until, "the snapshot of " + spec.id(), "query-migrate", "completed");
    }

    @Override
    public void resume(Duration deadline) throws IOException {
        long until = System.nanoTime() + deadline.toNanos();
        QmpClient client = monitor();
        if (spec.ram() != null) {
            client.execute("migrate-set-capabilities", SnapshotRam.ignoreShared(), left(until));
            client.execute("migrate-incoming", JsonNodeFactory.instance.objectNode()
                    .put("uri", "exec:cat " + spec.incoming().toAbsolutePath()), left(until));
        }
        // "inmigrate" while the state streams in; paused once it is all there
        awaitStatus(client, until, "loading the snapshot into " + spec.id(), "query-status", "paused");
        client.execute("cont", null, left(until));
    }

    private QmpClient monitor() throws IOException {
        QmpClient client = qmp;
        if (client == null || !process.isAlive()) {
            throw new IOException("QEMU of " + spec.id() + " is not running");
        }
        return client;
    }

    /** Polls a query command until its "status" is the wanted one; "failed" or the deadline end it. */
    private void awaitStatus(QmpClient client, long until, String what, String query, String wanted) throws IOException {
        while (true) {
            JsonNode r = client.execute(query, null, left(until));
            String status = r.path("status").asString("");
            if (status.equals(wanted)) {
                return;
            }
            if (status.equals("failed")) {
                throw new IOException(what + " failed: " + r.path("error-desc").asString("") + " (" + diagnostics() + ")");
            }
            if (System.nanoTime() > until) {
                throw new IOException(what + " did not finish in time (status " + status + ")");
            }
            try {
                Thread.sleep(5); // QMP has no event for either; 5 ms polls cost nothing next to the transfer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for " + what, e);
            }
        }
    }

    private static Duration left(long until) throws IOException {
        long left = until - System.nanoTime();
        if (left <= 0) {
            throw new IOException("deadline passed talking to QEMU");
        }
        return Duration.ofNanos(left);
    }

    @Override
    public void kill() {
        process.destroyForcibly();
        exited.join();
    }

    @Override
    public String diagnostics() {
        String serial = tail(spec.runDir().resolve("serial.log"), 15);
        String qemu = tail(spec.runDir().resolve("qemu.log"), 5);
        return "serial console: " + (serial.isEmpty() ? "(nothing)" : serial)
                + (qemu.isEmpty() ? "" : "; qemu: " + qemu);
    }

    @Override
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (process.isAlive()) {
            kill();
        }
        QmpClient client = qmp;
        if (client != null) {
            client.close();
        }
        try {
            agent.close();
        } catch (IOException e) {
            log.atDebug().setMessage("agent channel close").setCause(e).log();
        }
        deleteTree(spec.runDir());
        log.atInfo().setMessage("vm closed").addKeyValue("vm", spec.id()).addKeyValue("exit", exited.getNow(null)).log();
    }

    /** The last lines of a log, joined with " | ", control characters dropped. */
    static String tail(Path file, int lines) {
        try {
            List<String> all = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                    .replaceAll("[\\p{Cntrl}&&[^\n]]", "").split("\n"));
            return String.join(" | ", all.subList(Math.max(0, all.size() - lines), all.size())).strip();
        } catch (IOException e) {
            return "";
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException | UncheckedIOException e) {
            log.atWarn().setMessage("cannot delete vm run dir").addKeyValue("dir", dir).setCause(e).log();
        }
    }
}

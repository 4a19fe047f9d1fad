package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * One shell workload in its own VM: boot, run the script with the input on stdin (and in
 * $VULCAN_INPUT when small, as in the container runtime), turn stdout into the output, kill the VM.
 * One virtual thread supervises it (QEMU is forked by the driver's own platform thread).
 */
final class MicroVmExecution implements Execution {

    private static final Logger log = LoggerFactory.getLogger(MicroVmExecution.class);
    /** The largest output kept as the result, as for containers. */
    static final int MAX_OUTPUT = 1024 * 1024;
    /** A guest below this cannot unpack the initramfs and run a shell. */
    static final int MIN_GUEST_MB = 128;
    private static final int INPUT_IN_ENV = 100_000;

    private final MicroVmBackend.Ready ready;
    private final MicroVmBackend.Config config;
    private final ExecutionRequest request;
    private final LogSink logs;
    private final JsonMapper json;
    private final Runnable onEnd;
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final long started = System.nanoTime();
    private volatile VmDriver.Running vm;
    private volatile long bootedNanos;
    private Thread supervisor;

    MicroVmExecution(MicroVmBackend.Ready ready, MicroVmBackend.Config config, ExecutionRequest request, LogSink logs,
            JsonMapper json, Runnable onEnd) {
        this.ready = ready;
        this.config = config;
        this.request = request;
        this.logs = logs;
        this.json = json;
        this.onEnd = onEnd;
    }

    static String vmId(String workloadId) {
        String id = "wl-" + workloadId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        return id.length() > 60 ? id.substring(0, 60) : id;
    }

    synchronized void start() {
        supervisor = Thread.ofVirtual().name("microvm-" + request.workloadId()).start(this::run);
    }

    @Override
    public CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    @Override
    public void kill(String reason, String message) {
        if (outcome.complete(new Outcome.Killed(reason, message, elapsed()))) {
            VmDriver.Running current = vm;
            if (current != null) {
                current.kill(); // the supervisor sees its channel close and cleans up
            }
        }
    }

    /** Always cold: a VM is booted for each workload (no pool, no snapshots yet); started once the agent answered. */
    @Override
    public dev.vulcan.daemon.backend.SandboxStart sandboxStart() {
        long booted = bootedNanos;
        return new dev.vulcan.daemon.backend.SandboxStart(dev.vulcan.daemon.backend.SandboxStart.Kind.COLD,
                booted == 0 ? null : Duration.ofNanos(booted - started));
    }

    /** QEMU's resident memory, or 0 before it runs. */
    long rssBytes() {
        VmDriver.Running current = vm;
        return current == null ? 0 : dev.vulcan.daemon.backend.ProcessMemory.rssBytes(current.pid());
    }

    void awaitCleanup() {
        Thread t;
        synchronized (this) {
            t = supervisor;
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private void run() {
        String id = vmId(request.workloadId());
        VmSpec spec = new VmSpec(id, ready.image(), ready.accelerator(), request.limits().cpus(),
                Math.max(MIN_GUEST_MB, request.limits().memMb()), config.stateDir().resolve("run").resolve(id), List.of());
        try {
            vm = ready.driver().launch(spec, config.boot());
            if (outcome.isDone()) {
                return; // killed while QEMU started
            }
            try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), config.boot())) {
                bootedNanos = System.nanoTime(); // the guest agent said hello: the VM is ready for the command
                outcome.complete(execute(agent));
            }
        } catch (IOException | RuntimeException e) {
            String why = vm == null ? e.getMessage() : e.getMessage() + " (" + vm.diagnostics() + ")";
            log.atWarn().setMessage("microvm workload failed").addKeyValue("workload", request.workloadId())
                    .addKeyValue("reason", why).log();
            outcome.complete(new Outcome.Failed("backend_error", why, null, elapsed()));
        } finally {
            VmDriver.Running current = vm;
            if (current != null) {
                current.close(); // an initramfs guest has nothing to flush: no shutdown, just the end
            }
            onEnd.run();
        }
    }

    private Outcome execute(AgentClient agent) throws IOException {
        byte[] input = request.inputJson().getBytes(StandardCharsets.UTF_8);
        Map<String, String> env = input.length < INPUT_IN_ENV ? Map.of("VULCAN_INPUT", request.inputJson()) : Map.of();
        Duration timeout = request.limits().timeout();
        CommandRequest command = new CommandRequest(List.of("/bin/sh", "-c", request.code()), env, "/tmp", timeout, input);
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        Lines out = new Lines(LogSink.Stream.STDOUT, logs);
        Lines err = new Lines(LogSink.Stream.STDERR, logs);
        CommandResult result = agent.exec(command, (stream, chunk) -> {
            if (stream == LogSink.Stream.STDOUT) {
                out.accept(chunk);
                if (stdout.size() <= MAX_OUTPUT) {
                    stdout.writeBytes(chunk);
                }
            } else {
                err.accept(chunk);
            }
        }, timeout.plus(Duration.ofSeconds(30)));
        out.finish();
        err.finish();
        return switch (result.kind()) {
            case EXITED -> stdout.size() > MAX_OUTPUT
                    ? new Outcome.Failed("invalid_output", "the output is larger than 1 MB", null, elapsed())
                    : new Outcome.Exited(result.code(), json.writeValueAsString(stdout.toString(StandardCharsets.UTF_8)), elapsed());
            case TIMED_OUT -> new Outcome.Killed("timeout", "timed out after " + timeout.toSeconds() + " s", elapsed());
            case SIGNALED -> new Outcome.Failed("signal", "the script was killed by " + result.message(), null, elapsed());
            case NOT_STARTED -> new Outcome.Failed("backend_error", result.message(), null, elapsed());
        };
    }
}

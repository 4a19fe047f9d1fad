package dev.vulcan.daemon.backend.oci;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendTraits;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Outcome;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.error.VulcanException;
import dev.vulcan.daemon.image.ImageReference;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs an image's command to completion in an OCI container (crun or runc, whichever the probe found
 * working) on overlayfs over the image's unpacked layers. Output is what the container wrote to stdout.
 * Code (python, node, shell) runs the same way in its base image (see {@link CodeImage}): the code and
 * its input go in a private io dir mounted at /vulcan/io, where the image's entrypoint leaves the result.
 */
public final class ContainerBackend implements Backend {

    private static final Logger log = LoggerFactory.getLogger(ContainerBackend.class);
    /** The static busybox the runtime probe runs as its minimal container. */
    static final Path PROBE_BUSYBOX = Path.of("/bin/busybox");
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Duration KILL_RETRY = Duration.ofMillis(200);
    private static final int KILL_ATTEMPTS = 25;

    private final ImageStore images;
    private final BaseImages baseImages;
    private final Path stateDir;
    private final OciEngine engine;
    private final ProcessRunner processes = new ProcessRunner.Native();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Map<String, ContainerExecution> running = new ConcurrentHashMap<>();
    private volatile BackendStatus status;
    private volatile ContainerRun containers;
    private volatile OciRuntime runtime;
    private volatile boolean closed;
    /** Why this node's runtime cannot remap users, null when it can. */
    private volatile String usernsRefusal;

    /** stateDir holds the container records, bundles, code io dirs and probe scratch (STATE/oci). */
    public ContainerBackend(ImageStore images, BaseImages baseImages, Path stateDir, OciRuntime.Preference preference) {
        this(images, baseImages, stateDir, new OciEngine.Native(preference));
    }

    /** A backend of either engine; stateDir is its own (STATE/oci for crun/runc, STATE/gvisor for runsc). */
    public ContainerBackend(ImageStore images, BaseImages baseImages, Path stateDir, OciEngine engine) {
        this.images = images;
        this.baseImages = baseImages;
        this.stateDir = stateDir;
        this.engine = engine;
    }

    @Override
    public Isolation isolation() {
        return engine.isolation();
    }

    @Override
    public Set<Runtime> runtimes() {
        return Set.of(Runtime.OCI, Runtime.PYTHON, Runtime.JAVASCRIPT, Runtime.SHELL);
    }

    /** A code runtime's base image must be in the store (imported on first use) before a workload is recorded. */
    @Override
    public void prepare(Runtime runtime) {
        CodeImage.of(runtime).ifPresent(baseImages::ensure);
    }

    @Override
    public synchronized BackendStatus probe() {
        if (status == null) {
            status = detect();
            log.atInfo().addKeyValue("backend", engine.label()).addKeyValue("available", status.isAvailable())
                    .addKeyValue("status", status).log("OCI backend probed");
        }
        return status;
    }

    private BackendStatus detect() {
        if (!Files.isExecutable(PROBE_BUSYBOX)) {
            return new BackendStatus.Unavailable("no static busybox at " + PROBE_BUSYBOX
                    + " to probe the OCI runtime with (Debian busybox-static)");
        }
        BundleBuilder bundles = new BundleBuilder(json, new Mounts.Native());
        return switch (engine.probe(stateDir, PROBE_BUSYBOX, processes, bundles)) {
            case OciRuntime.Probe.Unavailable u -> new BackendStatus.Unavailable(u.reason());
            case OciRuntime.Probe.Available a -> {
                runtime = a.runtime();
                // workloads' runtime calls are the daemon's own: they may use a sealed copy that dies with it
                OciRuntime forWorkloads = a.runtime().sealed(stateDir.resolve("probe"), PROBE_BUSYBOX, processes, bundles);
                containers = new ContainerRun(forWorkloads, images, bundles, processes, json,
                        stateDir.resolve("containers"), stateDir.resolve("bundles"));
                try {
                    // io dirs outlive only a crashed daemon: nothing of this one runs before its probe
                    ContainerRun.deleteTree(ioRoot());
                    int swept = containers.sweep();
                    if (swept > 0) {
                        log.atWarn().addKeyValue("count", swept).log("cleaned containers an earlier daemon left");
                    }
                } catch (IOException e) {
                    yield new BackendStatus.Unavailable("cannot clean containers an earlier daemon left: " + e.getMessage());
                }
                usernsRefusal = usernsRefusal(a.runtime());
                yield new BackendStatus.Available(a.runtime().version(), platform(a.runtime()), details(a.runtime(),
                        forWorkloads));
            }
        };
    }

    private static String usernsRefusal(OciRuntime runtime) {
        return switch (runtime.kind()) {
            case CRUN -> null;
            // runc 1.1 mounts the rootfs as the remapped root, which cannot enter the private (0700) state
            // dir; crun mounts it before switching users
            case RUNC -> "user namespace remapping needs crun on this node: runc cannot reach the bundle in the"
                    + " daemon's private state dir as the remapped root";
            case RUNSC -> "gVisor runs its sandbox as its own user-space kernel: host user namespace remapping"
                    + " (userns) is not offered for isolation gvisor";
        };
    }

    /** What traps the sandbox's system calls: the host kernel itself, or runsc's platform. */
    private static String platform(OciRuntime runtime) {
        return runtime.kind() == OciRuntime.Kind.RUNSC ? RunscProbe.platform(runtime) : "native (host kernel)";
    }

    private Map<String, String> details(OciRuntime runtime, OciRuntime forWorkloads) {
        Map<String, String> details = new java.util.LinkedHashMap<>();
        details.put("runtime", runtime.kind().name().toLowerCase(java.util.Locale.ROOT));
        details.put("why", forWorkloads.reason());
        details.put("command", String.join(" ", runtime.command()));
        details.put("userns", usernsRefusal == null ? "available: root is host uid " + UserNamespace.HOST_BASE
                + "-" + (UserNamespace.HOST_BASE + UserNamespace.SIZE - 1) : usernsRefusal);
        if (runtime.kind() == OciRuntime.Kind.RUNSC) {
            details.put("platform", RunscProbe.platform(runtime));
            details.put("seccomp", "the Sentry runs under gVisor's own host seccomp filter; the OCI profile in"
                    + " config.json is not applied inside the sandbox (runsc ignores it)");
            details.put("root", runtime.stateRoot().toString());
            details.put("limits", "memory, cpus and pids are host cgroup limits on the whole sandbox, Sentry and"
                    + " gofer included: memory + " + GvisorLimits.MEMORY_HEADROOM / (1024 * 1024) + " MB, pids x "
                    + GvisorLimits.PIDS_PER_PROCESS + " + " + GvisorLimits.PIDS_HEADROOM + " host tasks");
            details.put("exec_tty", "no: runsc exec has no terminal here; exec runs with pipes");
        } else {
            details.put("seccomp", "default profile (docs/runtimes.md)");
        }
        return details;
    }

    /** The OCI runtime the probe chose; throws BackendUnavailableException when there is none. */
    public OciRuntime runtime() {
        if (probe() instanceof BackendStatus.Unavailable(String reason)) {
            throw new BackendUnavailableException("the " + engine.label() + " backend is unavailable: " + reason);
        }
        return runtime;
    }

    /** No pool: every workload gets a new container; memory is what their Vulcan parent cgroups are charged. */
    @Override
    public dev.vulcan.daemon.backend.BackendUsage usage() {
        long bytes = 0;
        for (String id : running.keySet()) {
            bytes += dev.vulcan.daemon.backend.ProcessMemory.cgroupBytes(BundleBuilder.cgroupParent(id));
        }
        return dev.vulcan.daemon.backend.BackendUsage.unpooled(bytes);
    }

    @Override
    public BackendTraits traits() {
        return engine.traits();
    }

    /**
     * Workloads: crun and runc join the prepared netns through config.json; runsc is started inside it
     * ({@link OciRuntime#inNetns}, --network=host: the sandbox uses that netns' host stack). gVisor instances do not
     * join networks yet (their conmon-driven start is not netns-aware; InstanceSpec refuses it).
     */
    @Override
    public boolean joinsNetworks() {
        return true;
    }

    /** A read-only root always works; a user namespace where the probed runtime can do it (see detect). */
    @Override
    public java.util.Optional<String> unsupported(ExecutionRequest.Sandbox sandbox) {
        String refusal = usernsRefusal;
        return sandbox.userns() && probe().isAvailable() && refusal != null
                ? java.util.Optional.of(refusal) : java.util.Optional.empty();
    }

    private Path ioRoot() {
        return stateDir.resolve("io");
    }

    @Override
    public Execution start(ExecutionRequest request, LogSink logs) {
        Optional<CodeImage> code = switch (request.runtime()) {
            case OCI -> Optional.empty();
            case JAVASCRIPT, PYTHON, SHELL -> CodeImage.of(request.runtime());
            case TYPESCRIPT, GO -> throw new IllegalArgumentException(
                    "the " + engine.label() + " backend has no image for " + request.runtime().wire() + " code (yet)");
        };
        if (code.isEmpty() && request.image() == null) {
            throw new IllegalArgumentException("an oci execution needs an image");
        }
        if (closed) {
            throw new BackendUnavailableException("the " + engine.label() + " backend is closed");
        }
        if (probe() instanceof BackendStatus.Unavailable(String reason)) {
            throw new BackendUnavailableException("the " + engine.label() + " backend is unavailable: " + reason);
        }
        String id = request.workloadId().toLowerCase(java.util.Locale.ROOT);
        ContainerSpec.Resources resources = GvisorLimits.forRuntime(runtime.kind(), new ContainerSpec.Resources(
                (long) request.limits().memMb() * 1024 * 1024, request.limits().cpus(), request.limits().pids()));
        ContainerSpec.Security security = new ContainerSpec.Security(true, request.sandbox().userns());
        boolean readOnly = request.sandbox().readOnlyRootfs();
        ContainerSpec spec = switch (code.orElse(null)) {
            case null -> {
                ExecutionRequest.ImageCommand image = request.image();
                yield new ContainerSpec(id, ImageReference.parse(image.ref()),
                        image.shellForm() ? image.argv().getFirst() : null, image.shellForm() ? null : image.argv(),
                        resources, request.limits().timeout(), readOnly, List.of(), List.of(), security,
                        request.sandbox().network());
            }
            case CodeImage c -> new ContainerSpec(id, baseImages.ensure(c), null, c.argv(), resources,
                    request.limits().timeout(), readOnly,
                    List.of(new ContainerSpec.Mount(ioRoot().resolve(id), CodeImage.IO_MOUNT, false)), List.of(), security,
                    request.sandbox().network());
        };
        ContainerExecution execution = new ContainerExecution(spec, code, request, logs);
        running.put(spec.id(), execution);
        // A platform thread: starting a process is a native call that pins a virtual thread's carrier until the
        // child has exec'd, so with 50 containers starting at once the virtual threads waited for carriers
        // (measured from here to supervise(): 95-250 ms median on virtual threads, 10-15 ms on platform ones).
        Thread.ofPlatform().daemon().name(engine.label() + "-" + spec.id()).start(execution::supervise);
        return execution;
    }

    /** One container's run: its supervising thread completes the outcome, then cleans up. */
    private final class ContainerExecution implements Execution {
        private final ContainerSpec spec;
        private final Optional<CodeImage> code;
        private final ExecutionRequest request;
        private final int memMb;
        private final LogSink logs;
        private final StringBuilder stdout = new StringBuilder();
        private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        /** Completes when the supervising thread is done, cleanup included (it runs after the outcome). */
        private final CompletableFuture<Void> finished = new CompletableFuture<>();
        private final long startNanos = System.nanoTime();
        private volatile String killReason;
        private volatile String killMessage;

        ContainerExecution(ContainerSpec spec, Optional<CodeImage> code, ExecutionRequest request, LogSink logs) {
            this.spec = spec;
            this.code = code;
            this.request = request;
            this.memMb = request.limits().memMb();
            this.logs = logs;
        }

        @Override
        public CompletableFuture<Outcome> outcome() {
            return outcome;
        }

        /** Runs the container, then cleans the io dir, and only then completes: an ended workload left nothing. */
        void supervise() {
            log.atDebug().addKeyValue("container", spec.id()).addKeyValue("queued_ms", elapsed().toNanos() / 1e6)
                    .log("container supervising");
            try {
                if (killReason != null) {
                    outcome.complete(new Outcome.Killed(killReason, killMessage, elapsed()));
                    return;
                }
                // stdout is the output of images and shell scripts; python and node write result.json instead
                boolean collect = code.map(c -> !c.writesResult()).orElse(true);
                LogSink tee = (stream, line) -> {
                    if (collect && stream == LogSink.Stream.STDOUT) {
                        synchronized (stdout) {
                            stdout.append(line).append('\n');
                        }
                    }
                    logs.line(stream, line);
                };
                if (code.isPresent()) {
                    CodeIo.prepare(io(), code.get(), request.code(), request.inputJson());
                }
                // The outcome completes as the container exits; the caller's answer does not wait for the cleanup.
                containers.run(spec, tee, result -> outcome.complete(finish(result)));
            } catch (VulcanException e) {
                outcome.complete(new Outcome.Failed(e.code(), e.getMessage(), null, elapsed()));
            } catch (IOException | RuntimeException e) {
                if (outcome.isDone()) {
                    log.atWarn().setCause(e).addKeyValue("container", spec.id())
                            .log("container cleanup failed; its record stays for the next sweep");
                } else {
                    log.atWarn().setCause(e).addKeyValue("container", spec.id()).log("container run failed");
                    outcome.complete(new Outcome.Failed("backend_error", String.valueOf(e.getMessage()), null, elapsed()));
                }
            } finally {
                deleteIo();
                running.remove(spec.id());
                finished.complete(null);
            }
        }

        /** The outcome of an ended container, read (a code workload's result.json) before its io dir goes. */
        private Outcome finish(ContainerRun.Result result) {
            try {
                return map(result);
            } catch (IOException | RuntimeException e) {
                log.atWarn().setCause(e).addKeyValue("container", spec.id()).log("could not read the result");
                return new Outcome.Failed("backend_error", String.valueOf(e.getMessage()), null, elapsed());
            } finally {
                deleteIo();
            }
        }

        private void deleteIo() {
            try {
                ContainerRun.deleteTree(io());
            } catch (IOException e) {
                log.atWarn().setCause(e).addKeyValue("container", spec.id()).log("could not delete the io dir");
            }
        }

        private Path io() {
            return ioRoot().resolve(spec.id());
        }

        private Outcome map(ContainerRun.Result result) throws IOException {
            if (killReason != null) {
                return new Outcome.Killed(killReason, killMessage, result.elapsed());
            }
            return switch (result.status()) {
                case TIMEOUT -> new Outcome.Killed("timeout", "timed out after " + spec.timeout().toSeconds() + " s",
                        result.elapsed());
                case OOM -> new Outcome.Failed("memory_limit",
                        "memory limit exceeded: the container needed more than " + memMb + " MB", null, result.elapsed());
                case EXITED -> {
                    String text;
                    synchronized (stdout) {
                        text = stdout.toString();
                    }
                    yield code.isPresent()
                            ? CodeIo.outcome(code.get(), io(), result.exitCode(), text, result.elapsed(), json)
                            : new Outcome.Exited(result.exitCode(), json.writeValueAsString(text), result.elapsed());
                }
            };
        }

        @Override
        public void kill(String reason, String message) {
            killMessage = message;
            killReason = reason;
            // the container may not exist yet (image unpack, bundle build): retry until the run ends
            for (int attempt = 0; attempt < KILL_ATTEMPTS && !outcome.isDone(); attempt++) {
                try {
                    containers.kill(spec.id());
                    outcome.get(KILL_RETRY.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // not ended yet: kill again
                } catch (IOException e) {
                    log.atWarn().setCause(e).addKeyValue("container", spec.id()).log("could not kill container");
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    /** Kills what still runs and waits for each container's cleanup (which may outlast its outcome). */
    @Override
    public void close() {
        closed = true;
        List<ContainerExecution> left = List.copyOf(running.values());
        left.forEach(e -> e.kill("killed", "the " + engine.label() + " backend was closed"));
        for (ContainerExecution e : left) {
            try {
                e.finished.get(CLOSE_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException te) {
                log.atWarn().addKeyValue("container", e.spec.id()).log("container did not end within the close wait");
            }
        }
    }
}

package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.api.Isolation;
import dev.vulcan.daemon.backend.Backend;
import dev.vulcan.daemon.backend.BackendStatus;
import dev.vulcan.daemon.backend.BackendTraits;
import dev.vulcan.daemon.backend.BackendUnavailableException;
import dev.vulcan.daemon.backend.Execution;
import dev.vulcan.daemon.backend.ExecutionRequest;
import dev.vulcan.daemon.backend.LogSink;
import dev.vulcan.daemon.backend.Runtime;
import dev.vulcan.daemon.backend.Limits;
import dev.vulcan.daemon.backend.oci.BaseImages;
import dev.vulcan.daemon.backend.oci.CodeImage;
import dev.vulcan.daemon.backend.oci.Mounts;
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.image.ImageStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code microvm} isolation: each workload boots its own VM from the boot image, with a
 * copy-on-write overlay on the ext4 rootfs of its image (any image of the store; the runtime's base
 * image for python and node code) or, for shell code, the busybox initramfs alone; the guest agent
 * runs the command and the VM is killed after. The probe (image, QEMU, KVM or TCG) runs once, on first use.
 */
public final class MicroVmBackend implements Backend {

    private static final Logger log = LoggerFactory.getLogger(MicroVmBackend.class);

    /**
     * @param imageDir  the boot image (scripts/vm-images output)
     * @param stateDir  the accelerator verdict and one run dir per VM ({@code run/<vm>})
     * @param boot      how long a guest may take from launch to its agent's hello
     * @param kvmProbe  how long the KVM probe waits for a guest
     * @param warmStarts whether workloads with a rootfs continue from a saved VM instead of booting
     * @param maxSnapshots how many saved VMs are kept at most (least recently used deleted first)
     */
    public record Config(Path imageDir, Path qemuBinary, Path stateDir, Duration boot, Duration kvmProbe,
            boolean warmStarts, int maxSnapshots) {
        public Config {
            if (maxSnapshots < 1) {
                throw new IllegalArgumentException("maxSnapshots must be at least 1: " + maxSnapshots);
            }
        }

        public Config(Path imageDir, Path qemuBinary, Path stateDir, Duration boot, Duration kvmProbe, boolean warmStarts) {
            this(imageDir, qemuBinary, stateDir, boot, kvmProbe, warmStarts, WarmSnapshots.DEFAULT_MAX);
        }

        public static Config defaults(Path stateDir) {
            return new Config(VmImage.DEFAULT_DIR, QemuDriver.DEFAULT_BINARY, stateDir, Duration.ofSeconds(60),
                    Duration.ofSeconds(20), true);
        }

        public Config withWarmStarts(boolean on) {
            return new Config(imageDir, qemuBinary, stateDir, boot, kvmProbe, on, maxSnapshots);
        }

        public Config withImageDir(Path dir) {
            return new Config(dir, qemuBinary, stateDir, boot, kvmProbe, warmStarts, maxSnapshots);
        }

        public Config withMaxSnapshots(int max) {
            return new Config(imageDir, qemuBinary, stateDir, boot, kvmProbe, warmStarts, max);
        }
    }

    /** What the probe found: a driver, image and accelerator to launch with. */
    record Ready(QemuDriver driver, VmImage image, Accelerator accelerator) {}

    private final Config config;
    private final JsonMapper json;
    private final BaseImages baseImages;
    private final WorkPlanner planner;
    private final RootfsImages rootfs;
    private final WarmSnapshots snapshots;
    private final long hostMemoryMb;
    private final VmNetwork network;
    private final ImageStore images;
    private final Map<String, MicroVmExecution> running = new ConcurrentHashMap<>();
    private BackendStatus status;
    private Ready ready;
    private boolean closed;

    public MicroVmBackend(Config config, JsonMapper json, ImageStore images, BaseImages baseImages) {
        this(config, json, images, baseImages, new Mounts.Native(), new ProcessRunner.Native(), HostMemory.totalMb());
    }

    MicroVmBackend(Config config, JsonMapper json, ImageStore images, BaseImages baseImages, Mounts mounts,
            ProcessRunner processes, long hostMemoryMb) {
        this.config = config;
        this.json = json;
        this.baseImages = baseImages;
        this.planner = new WorkPlanner(images, baseImages, json);
        this.rootfs = new RootfsImages(images, config.stateDir().resolve("rootfs"), mounts, processes, this::collect);
        this.hostMemoryMb = hostMemoryMb;
        this.network = new VmNetwork(processes);
        this.images = images;
        this.snapshots = new WarmSnapshots(config.stateDir().resolve("snapshots"), config.maxSnapshots(), this::collect);
        sweep();
        rootfs.sweep();
        snapshots.sweep();
        // Start-up: the snapshots that can be judged without the probe (the boot image on disk, the store's
        // images). Rootfs images wait for {@link #collect()}: instance disks (MicroVmInstances) pin theirs first.
        collect(startupJudge(), false);
        images.onRemoved(this::collect);
    }

    /**
     * Deletes the snapshots and rootfs images nothing current can use: once at start-up after every
     * {@link RootfsImages#pin} is in place (the daemon calls it), after the probe and after an image removal.
     */
    public void collect() {
        Ready r;
        synchronized (this) {
            r = ready;
        }
        collect(r == null ? startupJudge() : meta -> meta.bootImage().equals(r.image().id())
                && meta.qemu().equals(r.driver().version())
                && meta.accelerator().equals(r.accelerator().getClass().getSimpleName()), true);
    }

    /** Before the probe: the boot image's id is known from its manifest, QEMU and the accelerator not yet. */
    private java.util.function.Predicate<WarmSnapshots.Meta> startupJudge() {
        try {
            String boot = VmImage.load(config.imageDir(), json).id();
            return meta -> meta.bootImage().equals(boot);
        } catch (IOException e) {
            return meta -> true; // no boot image: nothing can be restored anyway, and a fixed one may match again
        }
    }

    private void collect(java.util.function.Predicate<WarmSnapshots.Meta> current, boolean withRootfs) {
        try {
            java.util.Set<dev.vulcan.daemon.image.Digest> live = images.manifestDigests();
            List<String> gone = snapshots.collect(meta -> live.contains(meta.image()) && current.test(meta));
            List<Path> bases = withRootfs ? rootfs.collect(live) : List.of();
            if (!gone.isEmpty() || !bases.isEmpty()) {
                log.atInfo().setMessage("microVM caches collected").addKeyValue("snapshots", gone.size())
                        .addKeyValue("rootfs_images", bases.size()).log();
            }
        } catch (IOException | RuntimeException e) {
            log.atWarn().setMessage("cannot collect microVM caches").setCause(e).log();
        }
    }

    /**
     * VMs die with the daemon (parent-death signal); their run dirs and disk overlays (both in run/)
     * are what a killed daemon leaves.
     */
    private void sweep() {
        Path runs = config.stateDir().resolve("run");
        if (!Files.isDirectory(runs)) {
            return;
        }
        try (Stream<Path> left = Files.list(runs)) {
            left.forEach(dir -> {
                log.atInfo().setMessage("removing a leftover microVM run dir").addKeyValue("dir", dir).log();
                QemuVm.deleteTree(dir);
            });
        } catch (IOException e) {
            log.atWarn().setMessage("cannot sweep microVM run dirs").addKeyValue("dir", runs).setCause(e).log();
        }
    }

    @Override
    public Isolation isolation() {
        return Isolation.MICROVM;
    }

    @Override
    public Set<Runtime> runtimes() {
        return Set.of(Runtime.SHELL, Runtime.PYTHON, Runtime.JAVASCRIPT, Runtime.OCI);
    }

    /** Puts VMs on networks: instance VMs use the same one as workloads (MicroVmInstances). */
    VmNetwork network() {
        return network;
    }

    /** The VM runs in the sandbox's namespace on a TAP tied to its CNI interface ({@link VmNetwork}). */
    @Override
    public boolean joinsNetworks() {
        return true;
    }

    @Override
    public void prepare(Runtime runtime) {
        if (runtime != Runtime.SHELL) {
            CodeImage.of(runtime).ifPresent(baseImages::ensure);
        }
    }

    /** Guest RAM is reserved up front by QEMU: more than the machine has cannot boot. */
    @Override
    public void admit(Runtime runtime, Limits limits, byte[] codeArchive) {
        if (codeArchive != null) {
            CodeImage code = CodeImage.of(runtime).orElseThrow(() -> new InvalidException("invalid_runtime",
                    "a code archive needs a runtime with an entrypoint (python, node, shell), not " + runtime.wire()));
            CodeArchive.read(codeArchive, code.codeFile());
        }
        long asked = Math.max(MicroVmExecution.MIN_GUEST_MB, limits.memMb());
        if (hostMemoryMb > 0 && asked > hostMemoryMb) {
            throw new InvalidException("memory_too_large", "mem_mb " + limits.memMb() + " is more than this machine has ("
                    + hostMemoryMb + " MiB) for a microVM's guest RAM");
        }
    }

    @Override
    public synchronized BackendStatus probe() {
        if (status == null) {
            status = doProbe();
        }
        return status;
    }

    private BackendStatus doProbe() {
        QemuDriver driver = null;
        try {
            VmImage image = VmImage.load(config.imageDir(), json);
            driver = QemuDriver.create(config.qemuBinary(), TscFrequency.host(), json, new ProcessRunner.Native());
            Accelerator accelerator = new AcceleratorProbe(driver, image, config.stateDir(), Path.of("/dev/kvm"), json,
                    config.kvmProbe(), config.boot()).probe();
            ready = new Ready(driver, image, accelerator);
            collect(); // snapshots of another QEMU or accelerator can go now that both are known
            Map<String, String> details = new LinkedHashMap<>();
            details.put("accelerator", accelerator.name());
            details.put("accelerator_reason", accelerator.reason());
            details.put("kernel", image.kernelVersion());
            details.put("image", image.id().substring(0, 12));
            details.put("rootfs", "ext4 per image digest with a qcow2 overlay per VM; shell code: the busybox initramfs");
            details.put("control_channel", "virtio-serial on a unix socket");
            details.put("warm_starts", config.warmStarts() ? "python code continues from a parked interpreter, node code and image"
                    + " commands from a saved VM (RAM file mapped copy-on-write, device state by migration); at most "
                    + config.maxSnapshots() + " saved VMs" : "off");
            return new BackendStatus.Available(driver.version(), accelerator.name(), details);
        } catch (IOException | RuntimeException e) {
            if (driver != null) {
                driver.close();
            }
            log.atWarn().setMessage("microvm backend unavailable").addKeyValue("reason", e.getMessage()).log();
            return new BackendStatus.Unavailable(String.valueOf(e.getMessage()));
        }
    }

    /** The probed driver, boot image and accelerator, for instance VMs (MicroVmInstances); fails like start does. */
    synchronized Ready ready() {
        if (!(probe() instanceof BackendStatus.Available)) {
            throw new BackendUnavailableException("microvm: " + ((BackendStatus.Unavailable) probe()).reason());
        }
        if (closed) {
            throw new BackendUnavailableException("microvm backend is shut down");
        }
        return ready;
    }

    /** The rootfs images, shared with instance VMs (their disks are overlays on them). */
    RootfsImages rootfs() {
        return rootfs;
    }

    /** No pool: a VM per workload; memory is the resident size of their QEMU processes. */
    @Override
    public dev.vulcan.daemon.backend.BackendUsage usage() {
        return dev.vulcan.daemon.backend.BackendUsage.unpooled(
                running.values().stream().mapToLong(MicroVmExecution::rssBytes).sum());
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits("bridge networks: a TAP in the sandbox's CNI namespace, tied to its interface with tc",
                "image rootfs (ext4) behind a per-VM qcow2 overlay",
                "own guest kernel (KVM, or TCG emulation where KVM does not boot guests)");
    }

    @Override
    public Execution start(ExecutionRequest request, LogSink logs) {
        if (!(probe() instanceof BackendStatus.Available)) {
            throw new BackendUnavailableException("microvm: " + ((BackendStatus.Unavailable) probe()).reason());
        }
        admit(request.runtime(), request.limits(), request.codeArchive());
        MicroVmExecution execution;
        synchronized (this) {
            if (closed) {
                throw new BackendUnavailableException("microvm backend is shut down");
            }
            execution = new MicroVmExecution(ready, config, planner, rootfs, config.warmStarts() ? snapshots : null, request, logs,
                    json, () -> running.remove(request.workloadId()), network);
            running.put(request.workloadId(), execution);
        }
        execution.start();
        return execution;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        running.values().forEach(e -> e.kill("killed", "the daemon is shutting down"));
        snapshots.abortBuilds(); // a workload waiting for its snapshot would wait for the save otherwise
        running.values().forEach(MicroVmExecution::awaitCleanup);
        if (ready != null) {
            ready.driver().close();
        }
    }
}

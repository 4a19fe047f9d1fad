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
import dev.vulcan.daemon.backend.oci.ProcessRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code microvm} isolation, first cut: each shell workload boots its own VM from the boot
 * image (busybox initramfs, no OCI images yet), runs its script through the guest agent and kills
 * the VM. The probe (image, QEMU, KVM or TCG) runs once, on first use.
 */
public final class MicroVmBackend implements Backend {

    private static final Logger log = LoggerFactory.getLogger(MicroVmBackend.class);

    /**
     * @param imageDir  the boot image (scripts/vm-images output)
     * @param stateDir  the accelerator verdict and one run dir per VM ({@code run/<vm>})
     * @param boot      how long a guest may take from launch to its agent's hello
     * @param kvmProbe  how long the KVM probe waits for a guest
     */
    public record Config(Path imageDir, Path qemuBinary, Path stateDir, Duration boot, Duration kvmProbe) {
        public static Config defaults(Path stateDir) {
            return new Config(VmImage.DEFAULT_DIR, QemuDriver.DEFAULT_BINARY, stateDir, Duration.ofSeconds(60),
                    Duration.ofSeconds(20));
        }
    }

    /** What the probe found: a driver, image and accelerator to launch with. */
    record Ready(QemuDriver driver, VmImage image, Accelerator accelerator) {}

    private final Config config;
    private final JsonMapper json;
    private final Map<String, MicroVmExecution> running = new ConcurrentHashMap<>();
    private BackendStatus status;
    private Ready ready;
    private boolean closed;

    public MicroVmBackend(Config config, JsonMapper json) {
        this.config = config;
        this.json = json;
        sweep();
    }

    /** VMs die with the daemon (parent-death signal); their run dirs are what a killed daemon leaves. */
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
        return Set.of(Runtime.SHELL);
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
                    config.kvmProbe()).probe();
            ready = new Ready(driver, image, accelerator);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("accelerator", accelerator.name());
            details.put("accelerator_reason", accelerator.reason());
            details.put("kernel", image.kernelVersion());
            details.put("image", image.id().substring(0, 12));
            details.put("rootfs", "the busybox initramfs only (OCI images: not yet)");
            details.put("control_channel", "virtio-serial on a unix socket");
            return new BackendStatus.Available(driver.version(), accelerator.name(), details);
        } catch (IOException | RuntimeException e) {
            if (driver != null) {
                driver.close();
            }
            log.atWarn().setMessage("microvm backend unavailable").addKeyValue("reason", e.getMessage()).log();
            return new BackendStatus.Unavailable(String.valueOf(e.getMessage()));
        }
    }

    /** No pool: a VM per workload; memory is the resident size of their QEMU processes. */
    @Override
    public dev.vulcan.daemon.backend.BackendUsage usage() {
        return dev.vulcan.daemon.backend.BackendUsage.unpooled(
                running.values().stream().mapToLong(MicroVmExecution::rssBytes).sum());
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits("none (TAP networking: not yet)", "busybox initramfs in guest RAM",
                "own guest kernel (KVM, or TCG emulation where KVM does not boot guests)");
    }

    @Override
    public Execution start(ExecutionRequest request, LogSink logs) {
        if (!(probe() instanceof BackendStatus.Available)) {
            throw new BackendUnavailableException("microvm: " + ((BackendStatus.Unavailable) probe()).reason());
        }
        if (request.runtime() != Runtime.SHELL || request.image() != null) {
            throw new BackendUnavailableException("microvm runs shell code only so far, not " + request.runtime().wire());
        }
        MicroVmExecution execution;
        synchronized (this) {
            if (closed) {
                throw new BackendUnavailableException("microvm backend is shut down");
            }
            execution = new MicroVmExecution(ready, config, request, logs, json, () -> running.remove(request.workloadId()));
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
        running.values().forEach(MicroVmExecution::awaitCleanup);
        if (ready != null) {
            ready.driver().close();
        }
    }
}

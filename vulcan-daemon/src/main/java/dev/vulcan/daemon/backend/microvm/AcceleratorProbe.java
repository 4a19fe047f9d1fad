package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Decides KVM or TCG by booting the real guest under KVM with a deadline: /dev/kvm existing proves
 * nothing (a paravirtual nested KVM, kvm-pvm, hangs stock kernels silently, and QEMU aborts on its
 * MSRs with {@code -cpu host}). The verdict is cached in the state dir, keyed by the VMM version,
 * the boot image (its manifest id and the size and mtime of its kernel and initramfs, so a file
 * replaced in place is noticed) and the host kernel, so the probe's cost (up to the deadline) is paid once.
 * A TCG verdict is only given once a guest answered under TCG: a corrupt kernel or initramfs fails
 * the probe (the backend is then unavailable, with the guest's console in the reason) instead of
 * failing every workload later.
 */
public final class AcceleratorProbe {

    private static final Logger log = LoggerFactory.getLogger(AcceleratorProbe.class);

    private final VmDriver driver;
    private final VmImage image;
    private final Path stateDir;
    private final Path kvmDevice;
    private final JsonMapper json;
    private final Duration deadline;
    private final Duration tcgDeadline;

    /**
     * stateDir holds the cached verdict and the probe VM's run dir; deadline bounds the KVM attempt,
     * tcgDeadline the boot that confirms a TCG verdict (emulated boots take seconds).
     */
    public AcceleratorProbe(VmDriver driver, VmImage image, Path stateDir, Path kvmDevice, JsonMapper json, Duration deadline,
            Duration tcgDeadline) {
        this.driver = driver;
        this.image = image;
        this.stateDir = stateDir;
        this.kvmDevice = kvmDevice;
        this.json = json;
        this.deadline = deadline;
        this.tcgDeadline = tcgDeadline;
    }

    public Path cacheFile() {
        return stateDir.resolve("accelerator.json");
    }

    /** The cached verdict if its key still matches, else a fresh probe (then cached). */
    public Accelerator probe() throws IOException {
        String key = key();
        Accelerator cached = cached(key);
        if (cached != null) {
            return cached;
        }
        Accelerator verdict = boot();
        if (verdict instanceof Accelerator.Tcg tcg) {
            verdict = verifyTcg(tcg);
        }
        Files.createDirectories(stateDir);
        Path tmp = stateDir.resolve("accelerator.json.tmp");
        Files.write(tmp, json.writeValueAsBytes(json.createObjectNode().put("key", key)
                .put("accelerator", verdict.name()).put("reason", verdict.reason())));
        Files.move(tmp, cacheFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log.atInfo().setMessage("microvm accelerator probed").addKeyValue("accelerator", verdict.name())
                .addKeyValue("reason", verdict.reason()).log();
        return verdict;
    }

    private Accelerator cached(String key) {
        try {
            JsonNode c = json.readTree(Files.readString(cacheFile()));
            if (!key.equals(c.path("key").asString())) {
                return null;
            }
            String reason = c.path("reason").asString() + " (cached)";
            return switch (c.path("accelerator").asString()) {
                case "kvm" -> new Accelerator.Kvm(reason);
                case "tcg" -> new Accelerator.Tcg(reason);
                default -> null;
            };
        } catch (IOException | JacksonException e) {
            return null;
        }
    }

    String key() throws IOException {
        String hostKernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(
                    String.join("\n", driver.version(), image.id(), stamp(image.kernel()), stamp(image.initramfs()),
                            hostKernel, kvmDevice.toString())
                            .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String stamp(Path file) throws IOException {
        return Files.size(file) + "@" + Files.getLastModifiedTime(file).toMillis();
    }

    /** Boots the guest under TCG: the verdict stands only if it answers; otherwise the image is broken. */
    private Accelerator verifyTcg(Accelerator.Tcg verdict) throws IOException {
        String id = "tcg-probe-" + ProcessHandle.current().pid();
        VmSpec spec = new VmSpec(id, image, verdict, 1, 128, stateDir.resolve(id), List.of());
        VmDriver.Running vm;
        try {
            vm = driver.launch(spec, tcgDeadline);
        } catch (IOException e) {
            throw doesNotBoot(e.getMessage(), e);
        }
        // the console goes with the run dir when the VM closes: read it before
        try (vm) {
            try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), tcgDeadline)) {
                return verdict;
            } catch (AgentException e) {
                throw doesNotBoot(e.reason().name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage() + "; "
                        + vm.diagnostics(), e);
            }
        }
    }

    private IOException doesNotBoot(String why, Exception cause) {
        return new IOException("the boot image " + image.kernel().getParent() + " does not boot under TCG (" + why
                + "); rebuild it with scripts/vm-images --force", cause);
    }

    private Accelerator boot() {
        if (!Files.isReadable(kvmDevice) || !Files.isWritable(kvmDevice)) {
            return new Accelerator.Tcg("no usable " + kvmDevice);
        }
        String id = "accel-probe-" + ProcessHandle.current().pid();
        VmSpec spec = new VmSpec(id, image, new Accelerator.Kvm("probe"), 1, 128, stateDir.resolve(id), List.of());
        long start = System.nanoTime();
        VmDriver.Running vm;
        try {
            vm = driver.launch(spec, deadline);
        } catch (IOException e) {
            return new Accelerator.Tcg("QEMU failed to start under KVM: " + e.getMessage());
        }
        // The VM is closed after the verdict: its diagnostics (serial console) die with its run dir.
        try (vm) {
            try (AgentClient agent = AgentClient.handshake(vm.agentChannel(), deadline)) {
                return new Accelerator.Kvm("a KVM guest answered in "
                        + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms (" + agent.version() + ")");
            } catch (AgentException e) {
                String why = switch (e.reason()) {
                    case DEADLINE -> "a KVM guest did not answer within " + deadline.toSeconds() + " s";
                    case CLOSED -> "QEMU ended under KVM";
                    case PROTOCOL -> "a KVM guest answered wrongly: " + e.getMessage();
                };
                return new Accelerator.Tcg(why + " (" + vm.diagnostics() + ")");
            } catch (IOException e) {
                return new Accelerator.Tcg("KVM probe failed: " + e.getMessage());
            }
        }
    }
}

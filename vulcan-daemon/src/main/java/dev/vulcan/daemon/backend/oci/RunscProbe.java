package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds how runsc (gVisor) works on this host: which platform (the mechanism that traps the sandbox's system
 * calls) runs a real minimal bundle. kvm is tried first where {@code /dev/kvm} exists, with a short deadline:
 * on a nested paravirtual KVM it hangs instead of failing, and a probe must never hang. ptrace works anywhere.
 *
 * <p>Every runsc call of this node carries {@code --root=STATE/gvisor/runsc} (gVisor's state must not mix with
 * runc's) and {@code --network=none}; {@link OciRuntime#inNetns} turns the latter into {@code --network=host}
 * inside a CNI netns.
 */
final class RunscProbe {

    static final String NO_NETWORK = "--network=none";
    static final String HOST_NETWORK = "--network=host";
    /** A working kvm platform answers in well under a second; a hanging one never does. */
    static final Duration KVM_DEADLINE = Duration.ofSeconds(4);
    static final Duration PTRACE_DEADLINE = Duration.ofSeconds(20);
    static final Path KVM_DEVICE = Path.of("/dev/kvm");

    /** Which platform to use; AUTO tries kvm (when there is a /dev/kvm) and falls back to ptrace. */
    enum Platform {
        AUTO, KVM, PTRACE;

        static Platform parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    private RunscProbe() {}

    /** The argv prefix of runsc with this node's root and platform. */
    static List<String> command(String runsc, Path root, String platform) {
        return List.of(runsc, "--root=" + root, "--platform=" + platform, NO_NETWORK);
    }

    static OciRuntime.Probe probe(String runsc, Platform preference, Path root, Path scratch, Path busybox,
            ProcessRunner processes, BundleBuilder bundles) {
        return probe(runsc, preference, root, scratch, busybox, processes, bundles, Files.exists(KVM_DEVICE));
    }

    /** @param kvmDevice whether this host has {@link #KVM_DEVICE} (AUTO tries kvm only then) */
    static OciRuntime.Probe probe(String runsc, Platform preference, Path root, Path scratch, Path busybox,
            ProcessRunner processes, BundleBuilder bundles, boolean kvmDevice) {
        List<String> failures = new ArrayList<>();
        try {
            Files.createDirectories(root);
            Path bundle = OciRuntime.probeBundle(scratch, busybox);
            try {
                if (preference == Platform.KVM || (preference == Platform.AUTO && kvmDevice)) {
                    OciRuntime ok = attempt(runsc, "kvm", root, bundle, processes, bundles, failures, KVM_DEADLINE);
                    if (ok != null) {
                        return new OciRuntime.Probe.Available(with(ok, "platform kvm"));
                    }
                } else if (preference == Platform.AUTO) {
                    failures.add("no " + KVM_DEVICE + " for the kvm platform");
                }
                if (preference != Platform.KVM) {
                    OciRuntime ok = attempt(runsc, "ptrace", root, bundle, processes, bundles, failures, PTRACE_DEADLINE);
                    if (ok != null) {
                        String why = preference == Platform.PTRACE ? "platform ptrace (configured)"
                                : "platform ptrace (" + String.join("; ", failures) + ")";
                        return new OciRuntime.Probe.Available(with(ok, why));
                    }
                }
            } finally {
                ContainerRun.deleteTree(bundle);
            }
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
        return new OciRuntime.Probe.Unavailable("runsc cannot run a sandbox here ("
                + preference.name().toLowerCase(Locale.ROOT) + "): " + String.join("; ", failures));
    }

    /** The platform a probed runsc uses (its {@code --platform=}). */
    static String platform(OciRuntime runsc) {
        return runsc.command().stream().filter(a -> a.startsWith("--platform=")).findFirst()
                .map(a -> a.substring("--platform=".length())).orElse("ptrace");
    }

    private static OciRuntime with(OciRuntime runsc, String why) {
        return new OciRuntime(runsc.kind(), runsc.command(), runsc.version(), runsc.version() + ", " + why);
    }

    private static OciRuntime attempt(String runsc, String platform, Path root, Path bundle, ProcessRunner processes,
            BundleBuilder bundles, List<String> failures, Duration deadline) throws IOException {
        OciRuntime candidate = new OciRuntime(OciRuntime.Kind.RUNSC, command(runsc, root, platform), "", "runsc");
        int before = failures.size();
        OciRuntime ok = OciRuntime.tryRun(candidate, bundle, processes, bundles, failures, deadline);
        if (ok == null) {
            for (int i = before; i < failures.size(); i++) {
                failures.set(i, failures.get(i).replaceFirst("^runsc", "platform " + platform));
            }
            forgetProbes(root);
        }
        return ok;
    }

    /** A killed probe can leave its sandbox's lock and state files behind; no probe of ours runs anymore. */
    private static void forgetProbes(Path root) throws IOException {
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("vulcan-probe-")).toList()) {
                ContainerRun.deleteTree(f);
            }
        }
    }
}

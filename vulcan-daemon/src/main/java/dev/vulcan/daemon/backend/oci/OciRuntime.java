package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The OCI runtime this host can use: how to invoke it ({@link #command()} is the argv prefix), its
 * version and why it was chosen.
 */
public record OciRuntime(Kind kind, List<String> command, String version, String reason) {

    /** RUNSC is gVisor's runtime: the same OCI bundles, run on gVisor's user-space kernel. */
    public enum Kind { CRUN, RUNC, RUNSC }

    /** Which runtime to use; AUTO prefers crun where it works. */
    public enum Preference {
        CRUN, RUNC, AUTO;

        public static Preference parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    /** The result of {@link #probe}: a usable runtime or the reason there is none. */
    public sealed interface Probe {
        record Available(OciRuntime runtime) implements Probe {}

        record Unavailable(String reason) implements Probe {}
    }

    /** The wrapper's script: $0 is the runtime binary (its name, or a path such as a {@link SealedBinary}). */
    static final String HIDE_UNIFIED = "umount /sys/fs/cgroup/unified 2>/dev/null; exec \"$0\" \"$@\"";
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    public OciRuntime {
        command = List.copyOf(command);
    }

    /** The argv for one runtime subcommand. */
    public List<String> argv(String... args) {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of(args));
        return argv;
    }

    /**
     * Finds a working runtime by running a real minimal bundle (busybox {@code true}) with each candidate:
     * crun as is, crun in a private mount namespace with the cgroup2 {@code unified} mount hidden (hybrid
     * layouts), then runc.
     */
    public static Probe probe(Preference preference, Path scratch, Path busybox, ProcessRunner processes, BundleBuilder bundles) {
        List<String> failures = new ArrayList<>();
        try {
            Path bundle = probeBundle(scratch, busybox);
            try {
                if (preference != Preference.RUNC) {
                    String hybrid = Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))
                            ? " (host cgroup layout is hybrid)" : "";
                    // The wrapper's shell is the static busybox (its umount is an applet): 2 ms less per runtime
                    // call than dash + util-linux umount (measured 4.1 vs 6.0 ms median, 2.5 vs 4.2 ms min).
                    for (var candidate : List.of(
                            new OciRuntime(Kind.CRUN, List.of("crun"), "", "crun"),
                            new OciRuntime(Kind.CRUN, List.of("unshare", "-m", "--propagation", "private", busybox.toString(),
                                    "sh", "-c", HIDE_UNIFIED, "crun"), "", "crun in a private mount namespace" + hybrid),
                            new OciRuntime(Kind.CRUN, List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                                    HIDE_UNIFIED, "crun"), "", "crun in a private mount namespace" + hybrid))) {
                        OciRuntime ok = tryRun(candidate, bundle, processes, bundles, failures);
                        if (ok != null) return new Probe.Available(ok);
                    }
                }
                if (preference != Preference.CRUN) {
                    OciRuntime ok = tryRun(new OciRuntime(Kind.RUNC, List.of("runc"), "", "runc"), bundle, processes,
                            bundles, failures);
                    if (ok != null) {
                        String why = preference == Preference.RUNC ? " (configured)"
                                : " (crun unusable: " + String.join("; ", failures) + ")";
                        return new Probe.Available(new OciRuntime(ok.kind(), ok.command(), ok.version(), ok.version() + why));
                    }
                }
            } finally {
                ContainerRun.deleteTree(bundle);
            }
        } catch (IOException e) {
            failures.add(e.getMessage());
        }
        return new Probe.Unavailable("no usable OCI runtime (" + preference.name().toLowerCase(Locale.ROOT) + "): "
                + String.join("; ", failures));
    }

    /** A bundle dir whose rootfs is the static busybox as /bin/true (its config is written per candidate). */
    static Path probeBundle(Path scratch, Path busybox) throws IOException {
        Files.createDirectories(scratch);
        Path bundle = Files.createTempDirectory(scratch, "probe-");
        Path bin = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(busybox, bin.resolve("busybox"));
        Files.createSymbolicLink(bin.resolve("true"), Path.of("busybox"));
        return bundle;
    }

    /** The runtime binary this command ends with (the wrapper's $0, or the whole command); runsc's is first. */
    String binary() {
        return kind == Kind.RUNSC ? command.getFirst() : command.getLast();
    }

    /**
     * Where this runtime keeps its container state: crun's and runc's defaults (the daemon runs as root), runsc's
     * {@code --root=} (always given: gVisor needs a root of its own).
     */
    public Path stateRoot() {
        return switch (kind) {
            case CRUN -> Path.of("/run/crun");
            case RUNC -> Path.of("/run/runc");
            case RUNSC -> command.stream().filter(a -> a.startsWith("--root=")).findFirst()
                    .map(a -> Path.of(a.substring("--root=".length())))
                    .orElseThrow(() -> new IllegalStateException("runsc without --root: " + command));
        };
    }

    /**
     * This runtime run inside the network namespace at {@code netns} (a CNI-prepared one), or this runtime when
     * {@code netns} is null. Only runsc needs it: its own netstack fails on this kernel in the root netns check,
     * so it is started inside the netns with {@code --network=host} (the sandbox then uses that netns' host
     * stack); crun and runc get their netns from config.json. nsenter, not {@code ip netns exec}, which remounts
     * /sys and hides the cgroup mounts runsc needs.
     */
    public OciRuntime inNetns(Path netns) {
        if (netns == null || kind != Kind.RUNSC) {
            return this;
        }
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=" + netns));
        command.stream().map(a -> a.equals(RunscProbe.NO_NETWORK) ? RunscProbe.HOST_NETWORK : a).forEach(argv::add);
        return new OciRuntime(kind, argv, version, reason + "; in netns " + netns);
    }

    /**
     * This runtime started from a sealed copy of its binary ({@link SealedBinary}: no re-exec per call), when a
     * real run of the probe's busybox container works that way here; otherwise this runtime as it is. The copy
     * lives as long as this process: use the result only for what this process runs itself.
     */
    public OciRuntime sealed(Path scratch, Path busybox, ProcessRunner processes, BundleBuilder bundles) {
        if (kind == Kind.RUNSC) {
            // runsc re-executes itself for its sandbox and gofer by design: a sealed copy saves nothing
            return this;
        }
        List<String> failures = new ArrayList<>();
        try {
            java.util.Optional<Path> copy = SealedBinary.of(binary());
            if (copy.isEmpty()) {
                return this;
            }
            List<String> argv = new ArrayList<>(command.subList(0, command.size() - 1));
            argv.add(copy.get().toString());
            String name = kind.name().toLowerCase(Locale.ROOT);
            OciRuntime candidate = new OciRuntime(kind, argv, version, name + " (started from a sealed copy)");
            Path bundle = probeBundle(scratch, busybox);
            try {
                if (tryRun(candidate, bundle, processes, bundles, failures) != null) {
                    return new OciRuntime(kind, argv, version, reason + "; started from a sealed copy of "
                            + SealedBinary.resolve(binary()).orElseThrow() + " (no re-exec per call)");
                }
            } finally {
                ContainerRun.deleteTree(bundle);
            }
        } catch (IOException | RuntimeException e) {
            failures.add(e.getMessage());
        }
        org.slf4j.LoggerFactory.getLogger(OciRuntime.class).atWarn().addKeyValue("why", String.join("; ", failures))
                .log("the OCI runtime cannot start from a sealed copy; it re-executes itself on every call");
        return this;
    }

    private static OciRuntime tryRun(OciRuntime candidate, Path bundle, ProcessRunner processes, BundleBuilder bundles,
            List<String> failures) {
        return tryRun(candidate, bundle, processes, bundles, failures, DEADLINE);
    }

    /** Runs busybox true in {@code bundle} with the candidate; past {@code deadline} the run counts as failed. */
    static OciRuntime tryRun(OciRuntime candidate, Path bundle, ProcessRunner processes, BundleBuilder bundles,
            List<String> failures, Duration deadline) {
        String name = candidate.kind().name().toLowerCase(Locale.ROOT);
        try {
            ProcessRunner.Result version = processes.run(List.of(candidate.kind() == Kind.RUNSC ? candidate.binary() : name,
                    "--version"), DEADLINE);
            if (version.exitCode() != 0) {
                failures.add(name + " --version failed: " + version.output().strip());
                return null;
            }
            String v = version.output().lines().findFirst().orElse(name).replace(" version ", " ").strip();
            String id = "vulcan-probe-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            ContainerSpec spec = new ContainerSpec(id, dev.vulcan.daemon.image.ImageReference.parse("probe/probe:1"), null,
                    List.of("/bin/true"), ContainerSpec.Resources.NONE, DEADLINE, false);
            bundles.writeConfig(bundle, List.of("/bin/true"), List.of(), "/", spec);
            ProcessRunner.Result run = processes.run(candidate.argv("run", "--bundle", bundle.toString(), id), deadline);
            processes.run(candidate.argv("delete", "--force", id), DEADLINE);
            ContainerRun.removeCgroups(id);
            if (run.exitCode() != 0) {
                String why = run.exitCode() == -1 ? "no answer within " + deadline.toMillis() + " ms (hangs)"
                        : "exit " + run.exitCode() + ": " + (candidate.kind() == Kind.RUNSC ? lastLine(run.output())
                                : run.output().strip());
                failures.add(candidate.reason() + ": " + why);
                return null;
            }
            // candidate.reason() starts with the runtime's name; put the version after it
            return new OciRuntime(candidate.kind(), candidate.command(), v, v + candidate.reason().substring(name.length()));
        } catch (IOException e) {
            failures.add(name + ": " + e.getMessage());
            return null;
        }
    }

    /** runsc logs many lines before its error; the last one says what went wrong. */
    private static String lastLine(String output) {
        List<String> lines = output.strip().lines().toList();
        return lines.isEmpty() ? "" : lines.getLast().strip();
    }
}

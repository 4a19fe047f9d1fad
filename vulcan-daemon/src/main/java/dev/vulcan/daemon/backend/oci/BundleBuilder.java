package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes an OCI bundle: {@code rootfs} as an overlayfs over the image's unpacked layers (upper and work dirs
 * in the bundle) and a config.json with Docker's default security settings and Vulcan's seccomp profile.
 */
public final class BundleBuilder {

    /** Docker's default capability set (never SYS_RESOURCE: this host's bounding set lacks it). */
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");
    static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** The cgroup (below each hierarchy) of a container; its parent is Vulcan's and carries the memory limit. */
    static String cgroupParent(String id) {
        return "/vulcan/oci/" + id;
    }

    private final JsonMapper json;
    private final Mounts mounts;
    /** Whether the upper dir is scratch (a workload's) or a writable layer mounted again at each start (an instance's). */
    private final boolean scratchUpper;
    /** Copies layers for user-namespace remapping. */
    private final ProcessRunner processes;
    /**
     * Mount overlays {@code volatile}: the upper dir is the container's scratch, deleted with its bundle and never
     * mounted again (also not after a crash: the sweep deletes it), so its syncs are wasted work; without them
     * the unmount (and a container's syncfs) no longer flushes the host file system's journal.
     */
    private final java.util.concurrent.atomic.AtomicBoolean volatileUpper = new java.util.concurrent.atomic.AtomicBoolean(true);

    /** Mounts with the mount and umount commands through processes. */
    public BundleBuilder(JsonMapper json, ProcessRunner processes) {
        this(json, new Mounts.Commands(processes), true, processes);
    }

    public BundleBuilder(JsonMapper json, Mounts mounts) {
        this(json, mounts, true, new ProcessRunner.Native());
    }

    private BundleBuilder(JsonMapper json, Mounts mounts, boolean scratchUpper, ProcessRunner processes) {
        this.json = json;
        this.mounts = mounts;
        this.scratchUpper = scratchUpper;
        this.processes = processes;
    }

    /** A builder whose upper dir outlives the mount (an instance's writable layer): never volatile, reused. */
    public BundleBuilder keepingUpper() {
        return new BundleBuilder(json, mounts, false, processes);
    }

    /** How this builder mounts rootfs; cleanup unmounts with the same. */
    Mounts mounts() {
        return mounts;
    }

    /** Creates the bundle dir with the overlay rootfs mounted and config.json written. */
    public void build(Path bundle, List<Path> layersLowestFirst, ImageConfig image, ContainerSpec spec)
            throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        if (scratchUpper) {
            Files.createDirectory(bundle.resolve("upper"));
            Files.createDirectory(bundle.resolve("work"));
        } else {
            Files.createDirectories(bundle.resolve("upper"));
            Files.createDirectories(bundle.resolve("work"));
        }
        writeConfig(bundle, image.argv(spec.cmd(), spec.args()), image.env(), image.workingDir(), spec);
        if (spec.security().userns()) {
            layersLowestFirst = UserNamespace.shiftedLayers(layersLowestFirst, bundle.resolve("layers-userns"), processes);
            UserNamespace.shift(bundle.resolve("upper"));
            UserNamespace.shift(bundle.resolve("work"));
        }
        List<Path> top = new ArrayList<>(layersLowestFirst);
        java.util.Collections.reverse(top);
        String lower = top.stream().map(Path::toString).collect(Collectors.joining(":"));
        String options = "lowerdir=" + lower + ",upperdir=" + bundle.resolve("upper") + ",workdir=" + bundle.resolve("work");
        if (scratchUpper && volatileUpper.get()) {
            try {
                mounts.overlay(bundle.resolve("rootfs"), options + ",volatile");
                return;
            } catch (IOException e) {
                if (!e.getMessage().contains("EINVAL")) throw e;
                // a kernel before 5.10 has no volatile overlays: mount as before from now on
                volatileUpper.set(false);
            }
        }
        mounts.overlay(bundle.resolve("rootfs"), options);
    }

    /** Writes config.json for a rootfs that already exists at {@code bundle/rootfs}. */
    public void writeConfig(Path bundle, List<String> argv, List<String> imageEnv, String workingDir, ContainerSpec spec)
            throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("ociVersion", "1.0.2");
        ObjectNode process = root.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        strings(process.putArray("args"), argv);
        List<String> env = new ArrayList<>(imageEnv);
        for (String extra : spec.env()) {
            String name = extra.substring(0, extra.indexOf('=') + 1);
            env.removeIf(e -> e.startsWith(name));
            env.add(extra);
        }
        if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
            env.addFirst(DEFAULT_PATH);
        }
        strings(process.putArray("env"), env);
        process.put("cwd", workingDir);
        ObjectNode caps = process.putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            strings(caps.putArray(set), DEFAULT_CAPS);
        }
        process.putArray("rlimits").addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
        process.put("noNewPrivileges", true);
        root.putObject("root").put("path", "rootfs").put("readonly", spec.readOnlyRootfs());
        String hostname = spec.network() != null ? spec.network().hostname() : spec.id();
        root.put("hostname", hostname.length() > 63 ? hostname.substring(0, 63) : hostname);
        ArrayNode mounts = root.putArray("mounts");
        mount(mounts, "/proc", "proc", "proc");
        mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
        mount(mounts, "/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
        mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
        mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
        mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
        for (ContainerSpec.Mount bind : spec.mounts()) {
            mount(mounts, bind.destination(), "bind", bind.source().toString(), "rbind", "rprivate",
                    bind.readOnly() ? "ro" : "rw");
        }
        if (spec.network() != null) {
            for (var file : spec.network().files()) {
                mount(mounts, file.destination(), "bind", file.source().toString(), "bind", "rprivate",
                        file.readOnly() ? "ro" : "rw");
            }
        }
        ObjectNode linux = root.putObject("linux");
        ObjectNode resources = linux.putObject("resources");
        resources.putArray("devices").addObject().put("allow", false).put("access", "rwm");
        ContainerSpec.Resources limits = spec.resources();
        // The memory limit sits on the Vulcan-owned parent cgroup (see MemoryCgroup) so its failure counter
        // survives the runtime's cleanup and an OOM kill can be told from other SIGKILLs.
        if (limits.cpus() > 0) {
            long period = 100_000;
            resources.putObject("cpu").put("quota", Math.round(limits.cpus() * period)).put("period", period);
        }
        if (limits.pids() > 0) {
            resources.putObject("pids").put("limit", limits.pids());
        }
        linux.put("cgroupsPath", cgroupParent(spec.id()) + "/ctr");
        ArrayNode namespaces = linux.putArray("namespaces");
        for (String ns : List.of("pid", "ipc", "uts", "mount")) {
            namespaces.addObject().put("type", ns);
        }
        ObjectNode network = namespaces.addObject().put("type", "network");
        if (spec.network() != null) {
            network.put("path", spec.network().netns().toString());
        }
        if (spec.security().userns()) {
            UserNamespace.render(linux, namespaces);
        }
        strings(linux.putArray("maskedPaths"), MASKED_PATHS);
        strings(linux.putArray("readonlyPaths"), READONLY_PATHS);
        if (spec.security().seccomp()) {
            SeccompProfile.render(linux);
        }
        Files.write(bundle.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
    }

    private static void mount(ArrayNode mounts, String destination, String type, String source, String... options) {
        ObjectNode m = mounts.addObject().put("destination", destination).put("type", type).put("source", source);
        if (options.length > 0) {
            strings(m.putArray("options"), List.of(options));
        }
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }
}

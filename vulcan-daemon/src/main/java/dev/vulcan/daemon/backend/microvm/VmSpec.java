package dev.vulcan.daemon.backend.microvm;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One VM to launch: its id (names its run dir and its QEMU process), boot image, accelerator,
 * vCPUs, guest RAM in MiB, the directory for its sockets and logs (created by the driver, deleted
 * when the VM is closed), extra kernel arguments appended last (so "-- args" for init may end them)
 * the root disk (a qcow2 overlay, null for none), which the guest sees as /dev/vda, and the
 * snapshot to continue from (null: boot), which must have been taken of a VM with the same devices,
 * vCPUs and RAM, its disk as it was at that moment; the guest RAM's backing file (null: anonymous
 * memory), see {@link SnapshotRam}; and its network card (null: none, the guest has only loopback),
 * for which QEMU runs inside the card's network namespace.
 */
public record VmSpec(String id, VmImage image, Accelerator accelerator, int cpus, int memoryMb, Path runDir,
        List<String> extraKernelArgs, Path disk, Path incoming, SnapshotRam ram, VmNic nic) {

    /** A VM without a network card. */
    public VmSpec(String id, VmImage image, Accelerator accelerator, int cpus, int memoryMb, Path runDir,
            List<String> extraKernelArgs, Path disk, Path incoming, SnapshotRam ram) {
        this(id, image, accelerator, cpus, memoryMb, runDir, extraKernelArgs, disk, incoming, ram, null);
    }

    /** A VM with anonymous guest RAM. */
    public VmSpec(String id, VmImage image, Accelerator accelerator, int cpus, int memoryMb, Path runDir,
            List<String> extraKernelArgs, Path disk, Path incoming) {
        this(id, image, accelerator, cpus, memoryMb, runDir, extraKernelArgs, disk, incoming, null);
    }

    /** A VM that boots. */
    public VmSpec(String id, VmImage image, Accelerator accelerator, int cpus, int memoryMb, Path runDir,
            List<String> extraKernelArgs, Path disk) {
        this(id, image, accelerator, cpus, memoryMb, runDir, extraKernelArgs, disk, null);
    }

    /** A VM without a disk. */
    public VmSpec(String id, VmImage image, Accelerator accelerator, int cpus, int memoryMb, Path runDir,
            List<String> extraKernelArgs) {
        this(id, image, accelerator, cpus, memoryMb, runDir, extraKernelArgs, null, null);
    }

    /** sun_path holds 108 bytes; the longest socket name below the run dir is "agent.sock". */
    static final int MAX_RUN_DIR = 108 - "/agent.sock".length() - 1;

    public VmSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(runDir, "runDir");
        extraKernelArgs = List.copyOf(extraKernelArgs);
        if (!id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("bad VM id " + id + " (lower-case letters, digits, dashes)");
        }
        if (cpus < 1 || cpus > 64) {
            throw new IllegalArgumentException("cpus must be 1..64: " + cpus);
        }
        if (memoryMb < 64 || memoryMb > 1024 * 1024) {
            throw new IllegalArgumentException("memory must be 64 MiB or more: " + memoryMb);
        }
        if (incoming != null && nic != null) {
            // a snapshot holds the devices it was taken with; networked VMs boot (see docs/runtimes.md)
            throw new IllegalArgumentException("a VM with a network card cannot continue from a snapshot");
        }
        if (ram != null && !ram.file().toAbsolutePath().toString().matches("[A-Za-z0-9/._-]+")) {
            throw new IllegalArgumentException("RAM file path not usable in QEMU's options: " + ram.file());
        }
        if (incoming != null && !incoming.toAbsolutePath().toString().matches("[A-Za-z0-9/._-]+")) {
            throw new IllegalArgumentException("snapshot path not safe for QEMU's exec: URI: " + incoming);
        }
        if (runDir.toAbsolutePath().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_RUN_DIR) {
            throw new IllegalArgumentException("run dir path too long for a unix socket: " + runDir);
        }
    }
}

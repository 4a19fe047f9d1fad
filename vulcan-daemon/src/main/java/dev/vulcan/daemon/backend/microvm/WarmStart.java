package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.backend.oci.CodeImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a workload's VM continues from, and how that VM is made: every workload with a rootfs can
 * start warm. A python code workload continues from its runtime's zygote (the interpreter parked
 * inside the agent command that will run the code: {@link Zygote}), other code runtimes from a VM
 * whose interpreter ran once (its files in the guest's page cache), an image command from a VM
 * with the image's rootfs mounted. Shell code runs in the initramfs and boots (it has no rootfs to
 * save the mounting of, and the boot is what it costs anyway).
 */
enum WarmStart {
    ZYGOTE, INTERPRETER, IMAGE;

    /** How long readying a VM and saving it may take. */
    static final Duration SAVE_DEADLINE = Duration.ofSeconds(120);

    /** The flavour of this work, or null when it boots. */
    static WarmStart of(GuestWork work) {
        return switch (work) {
            case GuestWork.Shell s -> null;
            case GuestWork.InImage i -> IMAGE;
            case GuestWork.Code c -> Zygote.command(c.code()).isPresent() ? ZYGOTE : INTERPRETER;
        };
    }

    /** Part of the snapshot key: a zygote of python and a plain VM of the python image are different saves. */
    String flavour(GuestWork work) {
        return switch (this) {
            case ZYGOTE -> {
                var code = ((GuestWork.Code) work).code();
                yield "zygote-" + code.name().toLowerCase(java.util.Locale.ROOT) + "-" + Zygote.version(code);
            }
            case INTERPRETER -> "code";
            case IMAGE -> "image";
        };
    }

    /**
     * Boots a VM on a fresh overlay of the base with its RAM in the snapshot's file, mounts the rootfs,
     * readies it for this flavour and saves its device state: the files {@link WarmSnapshots} keeps.
     */
    void save(GuestWork work, MicroVmBackend.Ready ready, MicroVmBackend.Config config, RootfsImages rootfs, Path base,
            WarmSnapshots snapshots, WarmSnapshots.Meta meta, Path memory, Path disk, Path ram) throws IOException {
        rootfs.overlay(base, disk);
        String vmId = "snap-" + meta.key().substring(0, 12);
        VmSpec spec = new VmSpec(vmId, ready.image(), ready.accelerator(), meta.cpus(), meta.memoryMb(),
                config.stateDir().resolve("run").resolve(vmId), List.of(), disk, null, new SnapshotRam(ram, true));
        VmDriver.Running saved = ready.driver().launch(spec, config.boot());
        snapshots.saving(saved);
        try (saved; AgentClient agent = AgentClient.handshake(saved.agentChannel(), config.boot())) {
            agent.mountRootfs("/dev/vda", "ext4", config.boot());
            switch (this) {
                case ZYGOTE -> agent.begin(Zygote.command(((GuestWork.Code) work).code()).orElseThrow(), Zygote.READY,
                        SAVE_DEADLINE);
                case INTERPRETER -> {
                    GuestWork.Code code = (GuestWork.Code) work;
                    CommandResult r = agent.exec(new CommandRequest(warmUp(code.code()), Map.of(), "/", SAVE_DEADLINE, null, true),
                            (stream, chunk) -> { }, SAVE_DEADLINE.plusSeconds(5));
                    if (!r.succeeded()) {
                        throw new IOException("warming up " + code.image() + " failed: " + r.kind() + " " + r.code() + " " + r.message());
                    }
                }
                case IMAGE -> { } // booted, rootfs mounted: what every image command needs first
            }
            saved.snapshot(memory, SAVE_DEADLINE);
        } finally {
            snapshots.saved(saved);
        }
    }

    /** The interpreter started once with what the entrypoint imports. */
    static List<String> warmUp(CodeImage code) {
        return switch (code) {
            case PYTHON -> List.of(code.argv().getFirst(), "-c", "import asyncio, json, os, sys, traceback, types");
            case NODE -> List.of(code.argv().getFirst(), "-e", "0");
            case SHELL -> List.of("/bin/sh", "-c", "true");
        };
    }
}

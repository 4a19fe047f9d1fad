package dev.vulcan.daemon.backend.microvm;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What the microVM backend needs from a virtual machine monitor, and no more: launch a VM with a
 * connected control channel to its agent, and end it. QEMU ({@link QemuDriver}) is the one here;
 * a Firecracker driver would hand over its vsock-over-unix-socket stream as the channel.
 */
public interface VmDriver extends AutoCloseable {

    /** "qemu 7.2.22 (...)": part of cache keys, shown in /v1/backends. */
    String version();

    /**
     * Starts the VM and returns once the monitor runs and the agent channel is connected (the guest
     * may still be booting: the agent's hello says when it is up). Fails within the deadline.
     */
    Running launch(VmSpec spec, Duration deadline) throws IOException;

    @Override
    void close();

    /** A launched VM. Closing it kills what still runs and deletes its run dir. */
    interface Running extends AutoCloseable {

        VmSpec spec();

        /** The VMM's process id. */
        long pid();

        /** The stream to the guest agent (hand it to {@link AgentClient#handshake}). */
        SocketChannel agentChannel();

        /** Completes with the VMM's exit status when its process ends. */
        CompletableFuture<Integer> exited();

        /** Asks the VMM to stop the VM at once (no guest shutdown) and waits for it to exit. */
        void quit(Duration deadline) throws IOException;

        /**
         * Pauses the VM and writes its whole state (RAM, devices) to a file, then leaves it paused:
         * a later VM launched with {@link VmSpec#incoming()} on that file continues from this point.
         */
        void snapshot(Path file, Duration deadline) throws IOException;

        /** For a VM launched from a snapshot: waits until its state is loaded, then lets it run. */
        void resume(Duration deadline) throws IOException;

        /** Kills the VMM process and waits for it. */
        void kill();

        /** The last lines of the guest's serial console and of the VMM's own output, for error messages. */
        String diagnostics();

        /** Current resident set size of the VMM process in bytes (-1 when it is gone). */
        long rssBytes();

        @Override
        void close();
    }
}

package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.os.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A copy of an OCI runtime's binary in a sealed memfd (memfd_create(2) + F_SEAL_SEAL|SHRINK|GROW|WRITE), held
 * open by the daemon and executed as {@code /proc/<daemon pid>/fd/<n>}.
 *
 * <p>Why: crun and runc protect themselves against CVE-2019-5736 (a container overwriting the host's runtime
 * through {@code /proc/self/exe}) by re-executing every invocation from a read-only bind mount or a sealed copy
 * of themselves: a second exec and a second dynamic link per container (measured here: 2-3 ms of crun's
 * ~20 ms). Both skip that step when {@code /proc/self/exe} already is a memfd with exactly these seals, which
 * nothing can write to (their cloned_binary.c: "an admin could bind-mount a sealed memfd to /usr/bin/crun to
 * allow re-use"). The protection stays; it is paid once per daemon instead of once per container.
 *
 * <p>The path lives as long as the daemon: only what the daemon itself runs may use it (not conmon, which
 * outlives it). A runtime process started through it keeps its binary mapped even if the daemon dies.
 */
final class SealedBinary {

    private static final MethodHandle MEMFD_CREATE = Libc.downcall("memfd_create",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FCNTL = Libc.downcall("fcntl",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final int MFD_CLOEXEC = 1;
    private static final int MFD_ALLOW_SEALING = 2;
    private static final int F_ADD_SEALS = 1033;
    /** F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE: the set crun and runc check for, exactly. */
    private static final int RUNTIME_SEALS = 0x1 | 0x2 | 0x4 | 0x8;

    private SealedBinary() {}

    /**
     * The sealed copy of {@code binary} (a name looked up on PATH, or a path) as an executable path, or empty
     * with the reason logged by the caller when this kernel or libc cannot make one. The memfd stays open for
     * the life of this process (never closed: the path must stay valid while any runtime call may use it).
     */
    static Optional<Path> of(String binary) throws IOException {
        Optional<Path> source = resolve(binary);
        if (source.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = Files.readAllBytes(source.get());
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.callState(arena);
            fd = (int) MEMFD_CREATE.invokeExact(state, arena.allocateFrom(source.get().getFileName().toString(),
                    StandardCharsets.UTF_8), MFD_CLOEXEC | MFD_ALLOW_SEALING);
            if (fd < 0) {
                throw new IOException("memfd_create failed: errno " + Libc.errno(state));
            }
            // written through a second descriptor (a reopen of the memfd), closed before sealing
            Path self = Path.of("/proc/self/fd", Integer.toString(fd));
            Files.write(self, bytes);
            int rc = (int) FCNTL.invokeExact(state, fd, F_ADD_SEALS, RUNTIME_SEALS);
            if (rc != 0) {
                throw new IOException("sealing the memfd failed: errno " + Libc.errno(state));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return Optional.of(Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "fd", Integer.toString(fd)));
    }

    /** binary itself when it contains a slash, else the first executable of that name on PATH. */
    static Optional<Path> resolve(String binary) {
        if (binary.contains("/")) {
            return Files.isExecutable(Path.of(binary)) ? Optional.of(Path.of(binary)) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, binary);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}

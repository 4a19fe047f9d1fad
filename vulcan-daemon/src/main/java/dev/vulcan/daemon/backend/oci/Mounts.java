package dev.vulcan.daemon.backend.oci;

import dev.vulcan.daemon.os.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Mounts and unmounts a container's overlay root file system. */
public interface Mounts {

    /** Mounts an overlayfs with these options ({@code lowerdir=...,upperdir=...,workdir=...}) on target. */
    void overlay(Path target, String options) throws IOException;

    /** Unmounts target; false (and nothing done) when nothing is mounted there or it does not exist. */
    boolean unmount(Path target) throws IOException;

    /**
     * mount(2) and umount2(2) through the FFM API: a container start spends no process on its mount
     * (forking {@code mount} from the daemon cost 2-6 ms per container, more under load).
     */
    final class Native implements Mounts {

        private static final MethodHandle MOUNT = Libc.downcall("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        private static final MethodHandle UMOUNT2 = Libc.downcall("umount2",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        private static final int ENOENT = 2;
        private static final int EINVAL = 22;

        @Override
        public void overlay(Path target, String options) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                MemorySegment overlay = arena.allocateFrom("overlay", StandardCharsets.UTF_8);
                int rc = (int) MOUNT.invokeExact(state, overlay, arena.allocateFrom(target.toString(), StandardCharsets.UTF_8),
                        overlay, 0L, arena.allocateFrom(options, StandardCharsets.UTF_8));
                if (rc != 0) {
                    throw failure("mount overlay on", target, Libc.errno(state), options);
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public boolean unmount(Path target) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                int rc = (int) UMOUNT2.invokeExact(state, arena.allocateFrom(target.toString(), StandardCharsets.UTF_8), 0);
                if (rc == 0) {
                    return true;
                }
                int errno = Libc.errno(state);
                // EINVAL: target is not a mount point; ENOENT: it does not exist. Either way nothing is mounted.
                if (errno == EINVAL || errno == ENOENT) {
                    return false;
                }
                throw failure("umount", target, errno, null);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private static IOException failure(String call, Path path, int errno, String options) {
            String why = switch (errno) {
                case 1 -> "EPERM: not permitted (needs root: CAP_SYS_ADMIN)";
                case 16 -> "EBUSY: busy";
                case 19 -> "ENODEV: no overlay file system in this kernel";
                case 22 -> "EINVAL: invalid options";
                case 36 -> "ENAMETOOLONG: the options exceed a page (too many layers)";
                default -> "errno " + errno;
            };
            return new IOException(call + " " + path + " failed: " + why + (options == null ? "" : " (" + options + ")"));
        }
    }

    /** The mount and umount commands, through a {@link ProcessRunner} (tests record them). */
    record Commands(ProcessRunner processes) implements Mounts {
        private static final Duration DEADLINE = Duration.ofSeconds(10);

        @Override
        public void overlay(Path target, String options) throws IOException {
            processes.check(List.of("mount", "-t", "overlay", "overlay", "-o", options, target.toString()));
        }

        @Override
        public boolean unmount(Path target) throws IOException {
            if (!ContainerRun.isMounted(target)) {
                return false;
            }
            ProcessRunner.Result r = processes.run(List.of("umount", target.toString()), DEADLINE);
            if (r.exitCode() != 0) {
                throw new IOException("umount " + target + " failed: " + r.output().strip());
            }
            return true;
        }
    }
}

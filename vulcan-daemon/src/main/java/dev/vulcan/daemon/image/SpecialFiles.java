package dev.vulcan.daemon.image;

import dev.vulcan.daemon.os.Libc;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The file-system effects Java has no API for: device nodes and FIFOs (mknod), and the overlayfs
 * marks a separately unpacked layer needs: a whiteout is a 0/0 character device, an opaque
 * directory carries {@code trusted.overlay.opaque=y}. Both need root (CAP_MKNOD, CAP_SYS_ADMIN).
 */
interface SpecialFiles {

    int S_IFIFO = 0010000;
    int S_IFCHR = 0020000;
    int S_IFBLK = 0060000;

    /** Creates a node of this type (S_IF*), permission bits and device numbers. */
    void mknod(Path path, int type, int permissions, int major, int minor) throws IOException;

    /** Sets an extended attribute on the path itself (not following a symlink). */
    void setXattr(Path path, String name, String value) throws IOException;

    /** Reads an extended attribute of the path itself, or null when it has none. */
    String getXattr(Path path, String name) throws IOException;

    /** The overlayfs whiteout for a path the lower layers hold. */
    default void whiteout(Path path) throws IOException {
        mknod(path, S_IFCHR, 0, 0, 0);
    }

    /** Marks a directory opaque: overlayfs hides everything below it in the lower layers. */
    default void opaque(Path dir) throws IOException {
        setXattr(dir, "trusted.overlay.opaque", "y");
    }

    /** The libc calls, through the FFM API. */
    final class Native implements SpecialFiles {

        private static final MethodHandle MKNOD = Libc.downcall("mknod",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        private static final MethodHandle LSETXATTR = Libc.downcall("lsetxattr",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

        private static final MethodHandle LGETXATTR = Libc.downcall("lgetxattr",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG));
        private static final int ENODATA = 61;

        @Override
        public void mknod(Path path, int type, int permissions, int major, int minor) throws IOException {
            long dev = ((long) (major & 0xfffff000) << 32) | ((major & 0xfffL) << 8)
                    | ((long) (minor & 0xffffff00) << 12) | (minor & 0xffL);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString(), StandardCharsets.UTF_8),
                        type | (permissions & 07777), dev);
                if (rc != 0) {
                    throw failure("mknod", path, Libc.errno(state));
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public void setXattr(Path path, String name, String value) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
                MemorySegment data = arena.allocate(Math.max(1, bytes.length));
                MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
                int rc = (int) LSETXATTR.invokeExact(state, arena.allocateFrom(path.toString(), StandardCharsets.UTF_8),
                        arena.allocateFrom(name, StandardCharsets.UTF_8), data, (long) bytes.length, 0);
                if (rc != 0) {
                    throw failure("setxattr " + name, path, Libc.errno(state));
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        @Override
        public String getXattr(Path path, String name) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = Libc.callState(arena);
                MemorySegment data = arena.allocate(4096);
                long n = (long) LGETXATTR.invokeExact(state, arena.allocateFrom(path.toString(), StandardCharsets.UTF_8),
                        arena.allocateFrom(name, StandardCharsets.UTF_8), data, 4096L);
                if (n < 0) {
                    int errno = Libc.errno(state);
                    if (errno == ENODATA) {
                        return null;
                    }
                    throw failure("getxattr " + name, path, errno);
                }
                return new String(data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        private static IOException failure(String call, Path path, int errno) {
            String why = switch (errno) {
                case 1 -> "EPERM: not permitted (needs root: CAP_MKNOD / CAP_SYS_ADMIN)";
                case 13 -> "EACCES: permission denied";
                case 17 -> "EEXIST: already exists";
                case 95 -> "EOPNOTSUPP: the file system does not support it";
                default -> "errno " + errno;
            };
            return new IOException(call + " " + path + " failed: " + why);
        }
    }
}

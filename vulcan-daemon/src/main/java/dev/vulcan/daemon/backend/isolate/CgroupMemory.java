package dev.vulcan.daemon.backend.isolate;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Memory cgroups, one per host process: a hard limit on everything the host uses, not only the
 * V8 heap that --max-old-space-size caps (ArrayBuffer and Wasm memory live outside it), and the
 * kernel's count of OOM kills, which says why a host died. Chosen by probing, in this order:
 * {@link V2} when /sys/fs/cgroup is a cgroup2 mount with the memory controller; {@link V1} when
 * the v1 memory controller is mounted at /sys/fs/cgroup/memory (also the hybrid layout, whose
 * cgroup2 mount at /sys/fs/cgroup/unified has no controllers); else {@link Unavailable}, and the
 * backend relies on the heap cap alone.
 */
sealed interface CgroupMemory {

    Path ROOT = Path.of("/sys/fs/cgroup");
    /** Where host groups live, below the memory hierarchy's root. */
    String PARENT = "vulcan/isolate";

    static CgroupMemory detect() {
        return detect(ROOT);
    }

    /** Probes the cgroup file system mounted at root and prepares the parent group. */
    static CgroupMemory detect(Path root) {
        Path unifiedControllers = root.resolve("cgroup.controllers");
        if (Files.isRegularFile(unifiedControllers)) {
            try {
                if (!words(Files.readString(unifiedControllers)).contains("memory")) {
                    return new Unavailable("the cgroup2 mount at " + root + " has no memory controller");
                }
                return V2.prepare(root);
            } catch (IOException e) {
                return new Unavailable("cgroup v2: " + why(e));
            }
        }
        Path v1 = root.resolve("memory");
        if (Files.isRegularFile(v1.resolve("memory.limit_in_bytes"))) {
            Path parent = v1.resolve(PARENT);
            try {
                Files.createDirectories(parent);
                return new V1(parent);
            } catch (IOException e) {
                return new Unavailable("cgroup v1: " + why(e));
            }
        }
        return new Unavailable("no cgroup v1 memory controller at " + v1 + ", and " + root
                + " is not a cgroup2 mount");
    }

    /** How memory is enforced, for the backend's probe details. */
    String enforcement();

    /** A memory hierarchy this process can create groups in. */
    sealed interface Usable extends CgroupMemory permits V1, V2 {

        /** The group holding every host group. */
        Path parent();

        /** Creates an empty group with a memory limit; a leftover empty group of that name is replaced. */
        default Group create(String name, long limitBytes) throws IOException {
            Path dir = freshDir(name);
            try {
                writeLimit(dir, limitBytes);
            } catch (IOException e) {
                Group.deleteQuietly(dir);
                throw e;
            }
            return new Group(this, dir);
        }

        /** Writes the limit files of a fresh group. */
        void writeLimit(Path dir, long limitBytes) throws IOException;

        /** How many times the kernel OOM-killed a process of the group because of its limit. */
        long oomKills(Path dir) throws IOException;

        /** The groups under the parent whose names start with prefix. */
        default List<Group> groups(String prefix) {
            List<Group> groups = new ArrayList<>();
            try (Stream<Path> dirs = Files.list(parent())) {
                dirs.filter(Files::isDirectory).filter(d -> d.getFileName().toString().startsWith(prefix))
                        .forEach(d -> groups.add(new Group(this, d)));
            } catch (IOException e) {
                // no parent, no groups
            }
            return groups;
        }

        /** mkdir, replacing an empty leftover of the same name (rmdir fails if processes are in it). */
        default Path freshDir(String name) throws IOException {
            Path dir = parent().resolve(name);
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                Files.delete(dir);
                return Files.createDirectory(dir);
            }
        }
    }

    /** cgroup v1: memory.limit_in_bytes, OOM kills from memory.oom_control. */
    record V1(Path parent) implements Usable {

        @Override
        public String enforcement() {
            return "V8 heap cap + cgroup v1 memory.limit_in_bytes";
        }

        @Override
        public void writeLimit(Path dir, long limitBytes) throws IOException {
            Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
        }

        /** The "oom_kill" line (Linux 4.13+); before it, hitting the limit at all (failcnt) is the best sign. */
        @Override
        public long oomKills(Path dir) throws IOException {
            long kills = counter(Files.readString(dir.resolve("memory.oom_control")), "oom_kill");
            if (kills >= 0) {
                return kills;
            }
            return Long.parseLong(Files.readString(dir.resolve("memory.failcnt")).strip()) > 0 ? 1 : 0;
        }
    }

    /** cgroup v2: memory.max with no swap beyond it, OOM kills from memory.events. */
    record V2(Path parent) implements Usable {

        /** Enables the memory controller from the root down to the parent's children. */
        static V2 prepare(Path root) throws IOException {
            Path parent = root.resolve(PARENT);
            enableMemory(root);
            for (Path dir = root, next; !dir.equals(parent); dir = next) {
                next = dir.resolve(parent.getName(dir.getNameCount()));
                Files.createDirectories(next);
                enableMemory(next);
            }
            return new V2(parent);
        }

        private static void enableMemory(Path dir) throws IOException {
            Path control = dir.resolve("cgroup.subtree_control");
            if (!words(Files.readString(control)).contains("memory")) {
                Files.writeString(control, "+memory");
            }
        }

        @Override
        public String enforcement() {
            return "V8 heap cap + cgroup v2 memory.max";
        }

        @Override
        public void writeLimit(Path dir, long limitBytes) throws IOException {
            Files.writeString(dir.resolve("memory.max"), Long.toString(limitBytes));
            // Swapping out what exceeds memory.max would let a host use more than its limit.
            Path swap = dir.resolve("memory.swap.max");
            if (Files.exists(swap)) {
                Files.writeString(swap, "0");
            }
        }

        @Override
        public long oomKills(Path dir) throws IOException {
            return Math.max(0, counter(Files.readString(dir.resolve("memory.events")), "oom_kill"));
        }
    }

    /** No memory cgroup can be used here: only the V8 heap is capped. */
    record Unavailable(String reason) implements CgroupMemory {

        @Override
        public String enforcement() {
            return "V8 heap cap only (no writable memory cgroup: " + reason + ")";
        }
    }

    /** One host's group. */
    record Group(Usable hierarchy, Path dir) {

        String name() {
            return dir.getFileName().toString();
        }

        /** Moves the process into the group. */
        void join(long pid) throws IOException {
            Files.writeString(dir.resolve("cgroup.procs"), Long.toString(pid));
        }

        /** Whether the kernel OOM-killed a process of this group; false if that cannot be read. */
        boolean oomKilled() {
            try {
                return hierarchy.oomKills(dir) > 0;
            } catch (IOException | NumberFormatException e) {
                return false;
            }
        }

        /** The processes in the group. */
        List<Long> pids() {
            try {
                return Files.readAllLines(dir.resolve("cgroup.procs")).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
            } catch (IOException | NumberFormatException e) {
                return List.of();
            }
        }

        /** rmdir: fails while a process is in the group. */
        void remove() throws IOException {
            try {
                Files.delete(dir);
            } catch (NoSuchFileException gone) {
                // already removed
            }
        }

        static void deleteQuietly(Path dir) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // left for the start-up sweep
            }
        }
    }

    /** The value of a "name value" line, or -1 if there is none. */
    private static long counter(String text, String name) {
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length == 2 && words[0].equals(name)) {
                return Long.parseLong(words[1]);
            }
        }
        return -1;
    }

    private static List<String> words(String text) {
        return List.of(text.strip().split("\\s+"));
    }

    private static String why(IOException e) {
        if (e instanceof AccessDeniedException denied) {
            return "permission denied: " + denied.getFile();
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getFile() + ": " + fs.getReason();
        }
        return e.toString();
    }
}

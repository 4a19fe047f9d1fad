package dev.vulcan.daemon.backend.oci;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * User-namespace remapping: container uid/gid 0..65535 are host 100000..165535 (Docker's userns-remap and
 * Podman's default range), so a process that escapes the container is an unprivileged nobody on the host.
 *
 * <p>The image's files are owned by host root, which the namespace cannot see (they would show as nobody and
 * root in the container could not change them). Idmapped mounts would fix that without copying, but neither
 * Debian 12's util-linux (built without mount_setattr support) nor runc 1.1 can idmap, and crun cannot idmap
 * its rootfs; so each container gets a copy of its layers shifted into the range, as Podman does without
 * idmapped mounts. The copy lives in the bundle and goes with it.
 */
final class UserNamespace {

    static final int HOST_BASE = 100_000;
    static final int SIZE = 65_536;

    private UserNamespace() {}

    /** Adds the user namespace and its uid/gid mappings to {@code linux}. */
    static void render(ObjectNode linux, ArrayNode namespaces) {
        namespaces.addObject().put("type", "user");
        for (String field : List.of("uidMappings", "gidMappings")) {
            linux.putArray(field).addObject().put("containerID", 0).put("hostID", HOST_BASE).put("size", SIZE);
        }
    }

    /**
     * Copies each layer to {@code into/<n>} with every owner shifted into the range and returns the copies in
     * the same order. {@code cp -a} keeps modes, times, links, device nodes and xattrs (overlay whiteouts).
     */
    static List<Path> shiftedLayers(List<Path> layers, Path into, ProcessRunner processes) throws IOException {
        Files.createDirectories(into);
        java.util.ArrayList<Path> shifted = new java.util.ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            Path copy = into.resolve(Integer.toString(i));
            processes.check(List.of("cp", "-a", "--reflink=auto", layers.get(i).toString(), copy.toString()));
            shift(copy);
            shifted.add(copy);
        }
        return shifted;
    }

    /** Shifts the owner of {@code root} and everything below it (links themselves, not their targets). */
    static void shift(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                shiftOne(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                shiftOne(file);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void shiftOne(Path p) throws IOException {
        int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int gid = (Integer) Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        if (uid >= SIZE || gid >= SIZE) {
            throw new IOException("owner " + uid + ":" + gid + " of " + p + " lies outside the container's id range");
        }
        boolean link = Files.isSymbolicLink(p);
        // chown clears setuid/setgid: put the mode back afterwards (links have no mode of their own)
        Integer mode = link ? null : (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:uid", HOST_BASE + uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", HOST_BASE + gid, LinkOption.NOFOLLOW_LINKS);
        if (mode != null && (mode & 06000) != 0) {
            Files.setAttribute(p, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
        }
    }
}

package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks a layer blob once into {@code layers/<diff_id hex>/}, a directory an overlayfs mount can
 * use as a lower dir. Whiteouts become overlayfs whiteouts (0/0 char devices), opaque markers the
 * opaque xattr. Entries that would land outside the layer (.., absolute names, writes through a
 * symlink, hard links to outside) are refused with InvalidException(unsafe_layer). The layer is
 * built in a temp dir and renamed into place only when complete and its diff_id verifies.
 */
final class LayerUnpacker {

    private static final String WHITEOUT = ".wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final Path layers;
    private final SpecialFiles special;
    private final boolean root;

    LayerUnpacker(Path layers, SpecialFiles special) throws IOException {
        this.layers = layers;
        this.special = special;
        Files.createDirectories(layers);
        this.root = ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    }

    Path dir(Digest diffId) {
        return layers.resolve(diffId.hex());
    }

    /** Unpacks unless already there; returns the layer directory. */
    Path unpack(Path blob, Digest diffId) throws IOException {
        Path target = dir(diffId);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path work = Files.createTempDirectory(layers, ".tmp-" + diffId.hex().substring(0, 12) + "-");
        try {
            MessageDigest sha = Digest.sha256();
            try (BufferedInputStream raw = new BufferedInputStream(Files.newInputStream(blob), 64 * 1024);
                 DigestInputStream tar = new DigestInputStream(decompress(raw, blob), sha)) {
                extract(tar, work);
                tar.transferTo(OutputStream.nullOutputStream()); // the tar's trailing padding counts too
            } catch (IOException | IllegalArgumentException e) {
                // Reading a broken gzip or tar fails with a plain IOException (or commons-compress's
                // IllegalArgumentException); our own file system calls fail with FileSystemException.
                if (DiskFull.isCause(e) || e instanceof FileSystemException) {
                    throw e;
                }
                throw new InvalidException("corrupt_layer", "layer " + blob.getFileName() + " is not a valid "
                        + "(gzipped) tar: " + e.getMessage());
            }
            Digest actual = Digest.of(sha);
            if (!actual.equals(diffId)) {
                throw new InvalidException("digest_mismatch",
                        "layer " + blob.getFileName() + " unpacks to diff_id " + actual + " but the image config says " + diffId);
            }
            try {
                Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException raced) {
                // another unpack of the same layer won; ours goes
            }
            return target;
        } finally {
            deleteTree(work);
        }
    }

    private static InputStream decompress(BufferedInputStream in, Path blob) throws IOException {
        in.mark(4);
        byte[] magic = in.readNBytes(4);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return GzipCompressorInputStream.builder().setInputStream(in).setDecompressConcatenated(true).get();
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            throw new InvalidException("unsupported_layer", "layer " + blob.getFileName() + " is zstd-compressed; not supported yet");
        }
        return in;
    }

    private void extract(InputStream in, Path work) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(in);
        List<Runnable> directoryTimes = new ArrayList<>();
        for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
            String relative = safeName(entry.getName());
            if (relative.isEmpty()) {
                continue;
            }
            Path path = work.resolve(relative);
            Path parent = ensureParents(work, path);
            String base = path.getFileName().toString();
            if (base.equals(OPAQUE)) {
                special(() -> special.opaque(parent), "opaque directory " + relative);
                continue;
            }
            if (base.startsWith(WHITEOUT)) {
                String hidden = base.substring(WHITEOUT.length());
                if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..") || hidden.contains("/")) {
                    throw unsafe(entry.getName(), "bad whiteout name");
                }
                Path victim = parent.resolve(hidden);
                if (!Files.exists(victim, NOFOLLOW)) { // a whiteout hides only lower layers' files
                    special(() -> special.whiteout(victim), "whiteout " + relative);
                }
                continue;
            }
            if (entry.isDirectory()) {
                if (!Files.isDirectory(path, NOFOLLOW)) {
                    clear(path);
                    Files.createDirectory(path);
                }
                TarArchiveEntry dir = entry;
                directoryTimes.add(() -> metadata(path, dir));
                continue;
            }
            clear(path);
            if (entry.isSymbolicLink()) {
                Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
            } else if (entry.isLink()) {
                String linked = safeName(entry.getLinkName());
                if (linked.isEmpty()) {
                    throw unsafe(entry.getName(), "hard link to the layer root");
                }
                Path source = work.resolve(linked);
                ensureParents(work, source);
                if (!Files.exists(source, NOFOLLOW)) {
                    throw new InvalidException("invalid_layer", "hard link " + relative + " -> " + linked + ": no such file earlier in the layer");
                }
                Files.createLink(path, source);
                continue; // a hard link shares its source's inode and metadata
            } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
                int type = entry.isFIFO() ? SpecialFiles.S_IFIFO : entry.isCharacterDevice() ? SpecialFiles.S_IFCHR : SpecialFiles.S_IFBLK;
                TarArchiveEntry node = entry;
                special(() -> special.mknod(path, type, node.getMode(), node.getDevMajor(), node.getDevMinor()), "device node " + relative);
            } else if (entry.isFile()) {
                try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    tar.transferTo(out);
                }
            } else {
                continue; // pax/global headers are consumed by the stream; anything else has no file
            }
            metadata(path, entry);
        }
        directoryTimes.reversed().forEach(Runnable::run);
    }

    /** The entry's name, relative and normalized; refuses absolute names and any .. component. */
    static String safeName(String name) {
        if (name.startsWith("/")) {
            throw unsafe(name, "absolute path");
        }
        StringBuilder clean = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw unsafe(name, "path climbs out with ..");
            }
            if (part.indexOf('\0') >= 0) {
                throw unsafe(name, "NUL in name");
            }
            if (!clean.isEmpty()) {
                clean.append('/');
            }
            clean.append(part);
        }
        return clean.toString();
    }

    /** Creates the missing parents of path; refuses to pass through a symlink (it could point anywhere). */
    private static Path ensureParents(Path work, Path path) throws IOException {
        Path parent = path.getParent();
        Path current = work;
        for (Path part : work.relativize(parent)) {
            current = current.resolve(part);
            if (Files.isSymbolicLink(current)) {
                throw unsafe(work.relativize(path).toString(), "its parent " + work.relativize(current) + " is a symlink");
            }
            if (!Files.exists(current, NOFOLLOW)) {
                Files.createDirectory(current);
            } else if (!Files.isDirectory(current, NOFOLLOW)) {
                throw new InvalidException("invalid_layer", "layer entry " + work.relativize(path) + " sits below a non-directory");
            }
        }
        return parent;
    }

    /** Removes what a later entry replaces (a symlink is removed, never followed). */
    private static void clear(Path path) throws IOException {
        if (Files.isDirectory(path, NOFOLLOW)) {
            deleteTree(path);
        } else {
            Files.deleteIfExists(path);
        }
    }

    private void metadata(Path path, TarArchiveEntry entry) {
        try {
            if (root) {
                Files.setAttribute(path, "unix:uid", (int) entry.getLongUserId(), NOFOLLOW);
                Files.setAttribute(path, "unix:gid", (int) entry.getLongGroupId(), NOFOLLOW);
            }
            if (!entry.isSymbolicLink()) {
                Files.setAttribute(path, "unix:mode", entry.getMode() & 07777, NOFOLLOW);
            }
            FileTime mtime = entry.getLastModifiedTime();
            if (mtime != null) {
                Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW).setTimes(mtime, null, null);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new java.io.UncheckedIOException(new IOException("cannot set owner/mode/time of " + path + ": " + e.getMessage(), e));
        }
    }

    private static void special(IoAction action, String what) throws IOException {
        try {
            action.run();
        } catch (IOException e) {
            // a FileSystemException, so unpack() reports it as ours, not as a corrupt layer
            FileSystemException failed = new FileSystemException(null, null,
                    "cannot create the " + what + " this layer needs: " + e.getMessage());
            failed.initCause(e);
            throw failed;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, NOFOLLOW)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static InvalidException unsafe(String name, String why) {
        return new InvalidException("unsafe_layer", "refusing layer entry '" + name + "': " + why);
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }
}

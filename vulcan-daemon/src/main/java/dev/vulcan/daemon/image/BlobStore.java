package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Content-addressed blobs under {@code blobs/sha256/<hex>}. A write streams into a temp file in
 * the store, and is renamed into place only after its digest (and size, when known) verifies: a
 * reader never sees a partial or wrong blob.
 */
final class BlobStore {

    private final Path blobs;
    private final Path tmp;

    BlobStore(Path root) {
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(blobs);
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the blob store in " + root, e);
        }
    }

    Path path(Digest digest) {
        return blobs.resolve(digest.hex());
    }

    boolean has(Digest digest) {
        return Files.isRegularFile(path(digest));
    }

    byte[] read(Digest digest) throws IOException {
        return Files.readAllBytes(path(digest));
    }

    /** Stores bytes whose digest the caller computes here; returns it. */
    Digest put(byte[] content) throws IOException {
        Digest digest = Digest.of(content);
        if (!has(digest)) {
            write(new java.io.ByteArrayInputStream(content), digest, content.length, n -> {});
        }
        return digest;
    }

    /**
     * Streams a blob in, verifying digest and size (size &lt; 0: unknown). On a mismatch nothing is
     * kept and InvalidException(digest_mismatch) says which blob and what arrived.
     */
    void write(InputStream in, Digest expected, long expectedSize, LongConsumer progress) throws IOException {
        Path part = Files.createTempFile(tmp, expected.hex() + "-", ".part");
        try {
            MessageDigest sha = Digest.sha256();
            long total = 0;
            try (OutputStream out = Files.newOutputStream(part)) {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                    out.write(buffer, 0, n);
                    total += n;
                    if (expectedSize >= 0 && total > expectedSize) {
                        throw new InvalidException("digest_mismatch", "blob " + expected + " is longer than the "
                                + expectedSize + " bytes its descriptor says; nothing was stored");
                    }
                    progress.accept(total);
                }
            }
            if (expectedSize >= 0 && total < expectedSize) {
                throw new InvalidException("truncated_blob", "blob " + expected + " ended after " + total + " of "
                        + expectedSize + " bytes; nothing was stored");
            }
            Digest actual = Digest.of(sha);
            if (!actual.equals(expected)) {
                throw new InvalidException("digest_mismatch",
                        "blob " + expected + " arrived with digest " + actual + " (" + total + " bytes); nothing was stored");
            }
            try {
                Files.move(part, path(expected), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, path(expected), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    List<Digest> list() throws IOException {
        List<Digest> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(blobs)) {
            files.forEach(f -> {
                try {
                    all.add(new Digest(f.getFileName().toString()));
                } catch (InvalidException notABlob) {
                    // a stray file: not ours to judge; gc leaves it
                }
            });
        }
        return all;
    }

    /** Deletes a blob; returns the bytes freed. */
    long delete(Digest digest) throws IOException {
        Path file = path(digest);
        long size = Files.exists(file) ? Files.size(file) : 0;
        Files.deleteIfExists(file);
        return size;
    }

    /** The scratch directory for partial downloads and imports, on the store's file system. */
    Path tmp() {
        return tmp;
    }
}

package dev.vulcan.daemon.backend.microvm;

import dev.vulcan.daemon.error.InvalidException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * A code archive (gzipped tar) read on the host before anything reaches the guest: regular files and
 * directories only, relative names that stay below the target (no "..", no absolute names, no links,
 * devices or fifos), bounded in count and size, and the runtime's entrypoint (main.py, main.mjs, ...)
 * at its top. A bad archive is the caller's mistake: InvalidException(invalid_archive).
 */
final class CodeArchive {

    static final int MAX_FILES = 10_000;
    static final long MAX_BYTES = 64L * 1024 * 1024;

    /** One file to write below the io dir. */
    record Entry(String path, byte[] content, boolean executable) {}

    private CodeArchive() {}

    static List<Entry> read(byte[] tarGz, String entrypoint) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long total = 0;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(tarGz)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = normalise(e.getName());
                if (e.isDirectory()) {
                    continue; // directories come with their files
                }
                byte flag = e.getLinkFlag();
                // isFile() is true for some link types: only the plain-file flags count
                if (flag != TarArchiveEntry.LF_NORMAL && flag != TarArchiveEntry.LF_OLDNORM && flag != TarArchiveEntry.LF_CONTIG) {
                    throw invalid("archive entry " + e.getName() + " is not a regular file or directory (links are refused)");
                }
                if (name.isEmpty()) {
                    throw invalid("archive entry " + e.getName() + " has no name");
                }
                if (entries.size() >= MAX_FILES) {
                    throw invalid("the archive has more than " + MAX_FILES + " files");
                }
                total += e.getSize();
                if (total > MAX_BYTES) {
                    throw invalid("the archive unpacks to more than " + MAX_BYTES / (1024 * 1024) + " MiB");
                }
                if (!seen.add(name)) {
                    throw invalid("archive entry " + name + " appears twice");
                }
                entries.add(new Entry(name, tar.readAllBytes(), (e.getMode() & 0100) != 0));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw invalid("code_archive is not a gzipped tar: " + e.getMessage());
        }
        if (!seen.contains(entrypoint)) {
            throw invalid("the archive has no entrypoint " + entrypoint + " at its top");
        }
        return entries;
    }

    /** "./a/b" -> "a/b"; names that leave the target (absolute, "..", NUL) are refused. */
    static String normalise(String name) {
        if (name.startsWith("/") || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            throw invalid("archive entry " + name + " escapes the target");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw invalid("archive entry " + name + " escapes the target");
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private static InvalidException invalid(String message) {
        return new InvalidException("invalid_archive", message);
    }
}

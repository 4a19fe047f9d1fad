package dev.vulcan.daemon.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What an image store holds on disk: blob names, layer dirs, leftovers in tmp/, the files in its
 * root (a stray index-*.json would show here) and index.json itself. Equal before and after a
 * failed pull or import means it left nothing behind.
 */
record StoreSnapshot(Set<String> blobs, Set<String> layers, Set<String> tmp, Set<String> rootFiles, String index) {

    static StoreSnapshot of(Path root) throws IOException {
        return new StoreSnapshot(names(root.resolve("blobs/sha256")), names(root.resolve("layers")), names(root.resolve("tmp")),
                names(root), Files.readString(root.resolve("index.json")));
    }

    private static Set<String> names(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> list = Files.list(dir)) {
                list.forEach(p -> names.add(p.getFileName().toString()));
            }
        }
        return names;
    }
}

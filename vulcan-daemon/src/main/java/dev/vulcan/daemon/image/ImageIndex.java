package dev.vulcan.daemon.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The layout's {@code index.json}: one manifest descriptor per reference, named by the
 * {@code org.opencontainers.image.ref.name} annotation (the full reference, e.g.
 * docker.io/library/busybox:1.36). Rewritten whole through a temp file and a rename.
 */
final class ImageIndex {

    static final String REF_NAME = "org.opencontainers.image.ref.name";

    private final Path file;
    private final JsonMapper json;

    ImageIndex(Path root, JsonMapper json) throws IOException {
        this.file = root.resolve("index.json");
        this.json = json;
        Path layout = root.resolve("oci-layout");
        if (!Files.exists(layout)) {
            Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"}");
        }
        if (!Files.exists(file)) {
            save(Map.of());
        }
    }

    /** Reference name to manifest descriptor, in insertion order. */
    synchronized Map<String, Descriptor> load() throws IOException {
        JsonNode root = json.readTree(Files.readAllBytes(file));
        Map<String, Descriptor> refs = new LinkedHashMap<>();
        for (JsonNode entry : root.path("manifests")) {
            String name = entry.path("annotations").path(REF_NAME).asString("");
            if (!name.isEmpty()) {
                refs.put(name, Descriptor.from(entry));
            }
        }
        return refs;
    }

    synchronized void put(String ref, Descriptor manifest) throws IOException {
        Map<String, Descriptor> refs = load();
        refs.put(ref, manifest);
        save(refs);
    }

    synchronized boolean remove(String ref) throws IOException {
        Map<String, Descriptor> refs = load();
        boolean removed = refs.remove(ref) != null;
        if (removed) {
            save(refs);
        }
        return removed;
    }

    private void save(Map<String, Descriptor> refs) throws IOException {
        ObjectNode root = json.createObjectNode();
        root.put("schemaVersion", 2);
        root.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = root.putArray("manifests");
        refs.forEach((name, descriptor) -> {
            ObjectNode entry = manifests.addObject();
            descriptor.writeTo(entry);
            entry.putObject("annotations").put(REF_NAME, name);
        });
        Path part = Files.createTempFile(file.getParent(), "index-", ".json");
        try {
            Files.write(part, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part); // only when the write failed (a full disk): the old index stays
        }
    }
}

package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A parsed image manifest (OCI or Docker v2): its config and its layers, lowest first. */
record ImageManifest(Descriptor config, List<Descriptor> layers) {

    ImageManifest {
        layers = List.copyOf(layers);
    }

    static ImageManifest parse(JsonMapper json, byte[] content) {
        JsonNode root = json.readTree(content);
        if (!root.has("config") || !root.path("layers").isArray()) {
            throw new InvalidException("invalid_manifest", "not an image manifest (no config or layers)");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : root.path("layers")) {
            layers.add(Descriptor.from(layer));
        }
        return new ImageManifest(Descriptor.from(root.path("config")), layers);
    }

    /** The media type a manifest or index declares in its body, or "" when it does not. */
    static String mediaTypeOf(JsonMapper json, byte[] content) {
        JsonNode root = json.readTree(content);
        String declared = root.path("mediaType").asString("");
        if (declared.isEmpty() && root.path("manifests").isArray()) {
            return MediaTypes.OCI_INDEX;
        }
        if (declared.isEmpty() && root.has("config")) {
            return MediaTypes.OCI_MANIFEST;
        }
        return declared;
    }

    /** From an index or manifest list: the linux/amd64 image manifest. */
    static Descriptor selectPlatform(JsonMapper json, byte[] index, String what) {
        List<String> offered = new ArrayList<>();
        for (JsonNode entry : json.readTree(index).path("manifests")) {
            JsonNode platform = entry.path("platform");
            String os = platform.path("os").asString("");
            String arch = platform.path("architecture").asString("");
            if (os.equals("linux") && arch.equals("amd64")) {
                return Descriptor.from(entry);
            }
            offered.add(os + "/" + arch);
        }
        throw new NotFoundException("platform_not_found", what + " has no linux/amd64 image (it offers " + offered + ")");
    }

    /** The rootfs diff_ids of an image config, lowest layer first. */
    static List<Digest> diffIds(JsonMapper json, byte[] config) {
        List<Digest> ids = new ArrayList<>();
        for (JsonNode id : json.readTree(config).path("rootfs").path("diff_ids")) {
            ids.add(Digest.parse(id.asString()));
        }
        return ids;
    }
}

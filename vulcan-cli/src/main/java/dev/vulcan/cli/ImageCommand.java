package dev.vulcan.cli;

import tools.jackson.databind.JsonNode;

/** vulcan image: the group of commands on the node's image store; alone it prints its usage. */
final class ImageCommand extends CommandGroup {

    ImageCommand(VulcanCommand root) {
        super(root, "image", "Manage the images of the node's store: pull, import, list, inspect, remove, collect.",
                new ImageLsCommand(root), new ImagePullCommand(root),
                new ImageImportCommand(root), new ImageInspectCommand(root), new ImageRmCommand(root),
                new ImageGcCommand(root));
    }

    /** /v1/images/{ref}, the reference percent-encoded as one path segment. */
    static String path(String ref) {
        return "/v1/images/" + DaemonClient.encode(ref);
    }

    /** "sha256:0123456789ab": the digest shortened for a table. */
    static String shortDigest(JsonNode image) {
        String digest = Fields.text(image, "digest");
        if (digest == null) {
            return null;
        }
        int colon = digest.indexOf(':');
        return digest.length() > colon + 13 ? digest.substring(0, colon + 13) : digest;
    }

    /** The headless table of one image's fields, as inspect, pull and import print it. */
    static Table details(JsonNode image) {
        return Table.headless(2)
                .add("ref:", Fields.text(image, "ref"))
                .add("digest:", Fields.text(image, "digest"))
                .add("size:", Formats.size(Fields.number(image, "size_bytes")))
                .add("layers:", Fields.number(image, "layers"));
    }
}

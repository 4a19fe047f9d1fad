package dev.vulcan.daemon.image;

import dev.vulcan.daemon.error.InvalidException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** An OCI content descriptor: what a blob is, its digest and its size. */
record Descriptor(String mediaType, Digest digest, long size) {

    Descriptor {
        if (size < 0) {
            throw new InvalidException("invalid_manifest", "negative blob size " + size + " for " + digest);
        }
    }

    static Descriptor from(JsonNode node) {
        JsonNode digest = node.get("digest");
        if (digest == null || !digest.isString()) {
            throw new InvalidException("invalid_manifest", "a descriptor lacks its digest: " + node);
        }
        return new Descriptor(node.path("mediaType").asString(""), Digest.parse(digest.asString()), node.path("size").asLong(0));
    }

    void writeTo(ObjectNode node) {
        node.put("mediaType", mediaType);
        node.put("digest", digest.toString());
        node.put("size", size);
    }
}

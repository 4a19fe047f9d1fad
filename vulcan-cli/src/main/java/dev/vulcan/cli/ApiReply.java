package dev.vulcan.cli;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A successful answer of the daemon: its JSON body, read as a tree or printed as the API sent it. */
final class ApiReply {
    private final byte[] body;
    private final JsonMapper mapper;
    private JsonNode tree;

    ApiReply(byte[] body, JsonMapper mapper) {
        this.body = body;
        this.mapper = mapper;
    }

    /** An answer the CLI put together, such as the pages of a listing as one. */
    ApiReply(JsonNode tree, JsonMapper mapper) {
        this.body = null;
        this.mapper = mapper;
        this.tree = tree;
    }

    JsonNode tree() {
        if (tree == null) {
            tree = mapper.readTree(body);
        }
        return tree;
    }

    /** The body, pretty-printed. */
    String pretty() {
        return pretty(mapper, tree());
    }

    static String pretty(JsonMapper mapper, JsonNode node) {
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    }
}

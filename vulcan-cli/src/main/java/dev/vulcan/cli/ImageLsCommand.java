package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/** vulcan image ls: GET /v1/images. */
final class ImageLsCommand extends Subcommand {

    ImageLsCommand(VulcanCommand root) {
        super(root, "ls", "List the images in the node's store.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get("/v1/images"), ImageLsCommand::print);
    }

    static void print(JsonNode images, PrintWriter out) {
        Table table = new Table("REF", "DIGEST", "SIZE", "LAYERS");
        for (JsonNode image : Fields.elements(images)) {
            table.add(Fields.text(image, "ref"), ImageCommand.shortDigest(image),
                    Formats.size(Fields.number(image, "size_bytes")), Fields.number(image, "layers"));
        }
        table.print(out);
    }
}

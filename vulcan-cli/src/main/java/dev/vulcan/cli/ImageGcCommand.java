package dev.vulcan.cli;

import java.io.IOException;
import java.util.Map;

/** vulcan image gc: POST /v1/images/gc. */
final class ImageGcCommand extends Subcommand {

    ImageGcCommand(VulcanCommand root) {
        super(root, "gc", "Delete the blobs and unpacked layers no image in the store refers to.");
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().post("/v1/images/gc", Map.of()), (gc, out) -> out.println(
                "removed " + Fields.number(gc, "blobs_removed") + " blobs and " + Fields.number(gc, "layers_removed")
                        + " layers, freed " + Formats.size(Fields.number(gc, "bytes_freed"))));
    }
}

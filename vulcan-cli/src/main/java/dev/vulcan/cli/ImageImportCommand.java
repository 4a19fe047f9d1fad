package dev.vulcan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** vulcan image import PATH [--name REF]: POST /v1/images/import of a file the daemon can read. */
final class ImageImportCommand extends Subcommand {

    ImageImportCommand(VulcanCommand root) {
        super(root, "import",
                "Import an OCI archive, an OCI layout directory or a `docker save` tarball into the node's store.",
                "The daemon reads PATH itself, so it must be on the daemon's machine and readable by it.");
        spec.addPositional(Specs.parameter("PATH", "the archive or layout directory"));
        spec.addOption(Specs.option("--name", String.class, "REF",
                "store the image under this reference (default: the name(s) in the archive)"));
    }

    @Override
    public Integer call() throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("path", Path.of(Specs.parameter(spec)).toAbsolutePath().normalize().toString());
        body.put("name", Specs.value(spec, "--name"));
        return show(root.client().post("/v1/images/import", body), ImageImportCommand::print);
    }

    private static void print(JsonNode images, PrintWriter out) {
        for (JsonNode image : Fields.elements(images)) {
            out.println("imported " + Fields.text(image, "ref") + " " + Fields.text(image, "digest"));
        }
    }
}

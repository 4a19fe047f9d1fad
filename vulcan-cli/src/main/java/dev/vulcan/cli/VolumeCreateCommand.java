package dev.vulcan.cli;

import java.io.IOException;
import java.util.Map;

/** vulcan volume create NAME: POST /v1/volumes. */
final class VolumeCreateCommand extends Subcommand {

    VolumeCreateCommand(VulcanCommand root) {
        super(root, "create", "Create a named volume; `create -v NAME:/path` also makes one on first use.");
        spec.addPositional(Specs.parameter("NAME", "the volume's name"));
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().post("/v1/volumes", Map.of("name", Specs.parameter(spec))),
                (volume, out) -> out.println(Fields.text(volume, "name")));
    }
}

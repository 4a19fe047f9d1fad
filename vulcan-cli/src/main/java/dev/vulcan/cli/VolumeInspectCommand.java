package dev.vulcan.cli;

import java.io.IOException;

/** vulcan volume inspect NAME: GET /v1/volumes/{name}. */
final class VolumeInspectCommand extends Subcommand {

    VolumeInspectCommand(VulcanCommand root) {
        super(root, "inspect", "Show one named volume: where it lives on the node and who mounts it.");
        spec.addPositional(Specs.parameter("NAME", "the volume's name"));
    }

    @Override
    public Integer call() throws IOException {
        return show(root.client().get(VolumeCommand.path(Specs.parameter(spec))),
                (volume, out) -> VolumeCommand.details(volume, root.environment().clock().instant()).print(out));
    }
}

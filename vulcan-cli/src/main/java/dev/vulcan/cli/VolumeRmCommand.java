package dev.vulcan.cli;

import java.io.IOException;

/** vulcan volume rm NAME...: DELETE /v1/volumes/{name}; refused while an instance mounts it. */
final class VolumeRmCommand extends EachNameCommand {

    VolumeRmCommand(VulcanCommand root) {
        super(root, "rm", "NAME", "the volumes' names",
                "Remove one or more named volumes and their data; one that an instance mounts is refused.");
    }

    @Override
    public Integer call() throws IOException {
        return each(name -> root.client().delete(VolumeCommand.path(name)),
                (volume, out) -> out.println("removed " + Fields.text(volume, "name")));
    }
}

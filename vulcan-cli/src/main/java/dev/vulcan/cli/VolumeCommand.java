package dev.vulcan.cli;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** vulcan volume: the group of commands on named volumes; alone it prints its usage. */
final class VolumeCommand extends CommandGroup {

    VolumeCommand(VulcanCommand root) {
        super(root, "volume", "Manage named volumes: directories on the node that outlive the instances mounting them.",
                new VolumeCreateCommand(root), new VolumeLsCommand(root),
                new VolumeInspectCommand(root), new VolumeRmCommand(root));
    }

    /** /v1/volumes/{name}, the name percent-encoded as one path segment. */
    static String path(String name) {
        return "/v1/volumes/" + DaemonClient.encode(name);
    }

    /** "web, db"; null when no instance mounts it. */
    static String usedBy(JsonNode volume) {
        var names = Fields.texts(volume, "used_by");
        return names.isEmpty() ? null : String.join(", ", names);
    }

    /** The headless table of one volume, as inspect prints it. */
    static Table details(JsonNode volume, Instant now) {
        return Table.headless(2)
                .add("name:", Fields.text(volume, "name"))
                .add("path:", Fields.text(volume, "path"))
                .add("used by:", usedBy(volume))
                .add("created:", Formats.instant(Fields.instant(volume, "created_at"), now));
    }
}

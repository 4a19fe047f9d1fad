package dev.vulcan.daemon.instance;

import dev.vulcan.api.InstancesPost;
import dev.vulcan.daemon.backend.InstanceDriver;
import dev.vulcan.daemon.error.ConflictException;
import dev.vulcan.daemon.error.InvalidException;
import dev.vulcan.daemon.error.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Named volumes: directories under {@code STATE/volumes} that outlive the instances mounting them. */
public final class Volumes {

    /** A named volume and the instances whose spec mounts it. */
    public record Volume(String name, Path path, List<String> usedBy, Instant createdAt) {}

    private final InstanceRepository repository;
    private final Path root;
    private final Clock clock;

    public Volumes(InstanceRepository repository, Path root, Clock clock) throws IOException {
        this.repository = repository;
        this.root = Files.createDirectories(root);
        this.clock = clock;
    }

    /** Creates the volume unless it exists. */
    public Volume create(String name) {
        if (name == null || !VolumeSpec.NAME.matcher(name).matches()) {
            throw new InvalidException("invalid_name", "a volume name is 1-64 letters, digits, '_', '.' or '-': " + name);
        }
        ensure(name);
        return get(name);
    }

    synchronized void ensure(String name) {
        try {
            Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        repository.insertVolume(name, clock.instant());
    }

    public List<Volume> list() {
        List<InstanceRecordVolumes> uses = uses();
        return repository.volumes().stream().map(e -> volume(e, uses)).toList();
    }

    public Volume get(String name) {
        return list().stream().filter(v -> v.name().equals(name)).findFirst()
                .orElseThrow(() -> new NotFoundException("volume_not_found", "no volume named " + name));
    }

    /** Deletes the volume and its data; refused while an instance's spec mounts it. */
    public synchronized Volume remove(String name) throws IOException {
        Volume volume = get(name);
        if (!volume.usedBy().isEmpty()) {
            throw new ConflictException("volume_in_use", "volume " + name + " is used by " + String.join(", ", volume.usedBy()));
        }
        Path dir = root.resolve(name);
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        repository.deleteVolume(name);
        return volume;
    }

    /** Where a volume of an instance comes from on the host. */
    InstanceDriver.Mount mount(VolumeSpec volume) {
        return switch (volume) {
            case VolumeSpec.Bind b -> new InstanceDriver.Mount(b.host(), b.guest(), b.readOnly());
            case VolumeSpec.Named n -> {
                ensure(n.name());
                yield new InstanceDriver.Mount(root.resolve(n.name()), n.guest(), n.readOnly());
            }
        };
    }

    private record InstanceRecordVolumes(String instance, List<String> volumes) {}

    private List<InstanceRecordVolumes> uses() {
        return repository.all().stream().map(r -> new InstanceRecordVolumes(r.name(), named(r.spec()))).toList();
    }

    private static List<String> named(InstancesPost spec) {
        if (spec.volumes() == null) return List.of();
        return spec.volumes().stream().map(v -> v.split(":", -1)[0]).filter(v -> !v.startsWith("/")).toList();
    }

    private Volume volume(Map.Entry<String, Instant> row, List<InstanceRecordVolumes> uses) {
        List<String> usedBy = uses.stream().filter(u -> u.volumes().contains(row.getKey()))
                .map(InstanceRecordVolumes::instance).toList();
        return new Volume(row.getKey(), root.resolve(row.getKey()), usedBy, row.getValue());
    }
}

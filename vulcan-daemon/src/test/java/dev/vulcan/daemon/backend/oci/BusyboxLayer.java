package dev.vulcan.daemon.backend.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** An image layer with the host's static busybox at /bin/busybox and symlinks for the applets a test calls. */
final class BusyboxLayer {

    static final Path BUSYBOX = Path.of("/bin/busybox");

    private BusyboxLayer() {}

    static byte[] tar(List<String> applets) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (String dir : List.of("bin/", "tmp/", "proc/", "sys/", "dev/")) {
                tar.putArchiveEntry(new TarArchiveEntry(dir));
                tar.closeArchiveEntry();
            }
            byte[] busybox = Files.readAllBytes(BUSYBOX);
            TarArchiveEntry bin = new TarArchiveEntry("bin/busybox");
            bin.setSize(busybox.length);
            bin.setMode(0100755);
            tar.putArchiveEntry(bin);
            tar.write(busybox);
            tar.closeArchiveEntry();
            for (String applet : applets) {
                TarArchiveEntry link = new TarArchiveEntry("bin/" + applet, TarArchiveEntry.LF_SYMLINK);
                link.setLinkName("busybox");
                tar.putArchiveEntry(link);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}

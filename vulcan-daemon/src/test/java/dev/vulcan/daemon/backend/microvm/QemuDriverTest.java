package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class QemuDriverTest {

    private static final VmImage IMAGE = new VmImage("0123456789abcdef", Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio.gz"),
            "6.1.0-56-cloud-amd64");
    private final QemuDriver driver = new QemuDriver(Path.of("/usr/bin/qemu-system-x86_64"), new TscFrequency(2_596_126),
            JsonMapper.builder().build(), "qemu 7.2.22");

    private List<String> command(Accelerator accelerator, List<String> extra) {
        return driver.command(new VmSpec("vm-1", IMAGE, accelerator, 2, 256, Path.of("/run/vm-1"), extra));
    }

    @Test
    void tcgBootsMicrovmWithTheTscFrequencyAndConnectsBothSockets() {
        List<String> c = command(new Accelerator.Tcg("test"), List.of("rdinit=/bin/sleep", "--", "60"));
        String line = String.join(" ", c);
        assertThat(line).contains("-name vulcan-vm-1 -M microvm -accel tcg -nodefaults -no-user-config -nographic -no-reboot")
                .contains("-smp 2 -m 256M -kernel /img/vmlinuz -initrd /img/initramfs.cpio.gz")
                .contains("-serial file:/run/vm-1/serial.log")
                .contains("-chardev socket,id=agent,path=/run/vm-1/agent.sock -device virtio-serial-device "
                        + "-device virtserialport,chardev=agent,name=vulcan.agent -qmp unix:/run/vm-1/qmp.sock");
        // Extra arguments come last so an init's "-- args" ends the command line.
        assertThat(c.get(c.indexOf("-append") + 1))
                .isEqualTo("console=ttyS0 panic=-1 quiet tsc_early_khz=2596126 rdinit=/bin/sleep -- 60");
        assertThat(line).doesNotContain("server=on");
    }

    @Test
    void kvmUsesTheHostCpuAndNoTscOverride() {
        List<String> c = command(new Accelerator.Kvm("test"), List.of());
        assertThat(String.join(" ", c)).contains("-accel kvm -cpu host").doesNotContain("tsc_early_khz");
    }

    @Test
    void specsRefuseWhatQemuOrUnixSocketsCannotTake() {
        assertThatThrownBy(() -> new VmSpec("Bad_Id", IMAGE, new Accelerator.Tcg("t"), 1, 256, Path.of("/r"), List.of()))
                .hasMessageContaining("bad VM id");
        assertThatThrownBy(() -> new VmSpec("a", IMAGE, new Accelerator.Tcg("t"), 1, 16, Path.of("/r"), List.of()))
                .hasMessageContaining("memory");
        assertThatThrownBy(() -> new VmSpec("a", IMAGE, new Accelerator.Tcg("t"), 1, 256, Path.of("/" + "d".repeat(100)), List.of()))
                .hasMessageContaining("too long");
    }

    @Test
    void aDiskIsAVirtioBlkDeviceOnItsQcow2Overlay() {
        List<String> c = driver.command(new VmSpec("vm-1", IMAGE, new Accelerator.Tcg("test"), 1, 128, Path.of("/run/vm-1"),
                List.of(), Path.of("/run/vm-1.root.qcow2")));
        assertThat(String.join(" ", c)).contains(
                "-drive id=root,if=none,format=qcow2,cache=unsafe,file=/run/vm-1.root.qcow2 -device virtio-blk-device,drive=root");
        assertThat(command(new Accelerator.Tcg("test"), List.of())).doesNotContain("-drive");
    }

    @Test
    void aNetworkCardRunsQemuInsideItsNamespaceOnItsTapWithTheSandboxMac() {
        VmNic nic = new VmNic(Path.of("/run/netns/vulcan-abc"), "tap0", "0A:58:0a:fa:01:05");
        List<String> c = driver.command(new VmSpec("vm-1", IMAGE, new Accelerator.Tcg("test"), 1, 128, Path.of("/run/vm-1"),
                List.of(), null, null, null, nic));
        // nsenter execs (no fork): QEMU stays the spawner's child, so setpriv's parent-death signal still holds
        assertThat(c.subList(0, 2)).containsExactly("/usr/bin/nsenter", "--net=/run/netns/vulcan-abc");
        assertThat(c.indexOf("/usr/bin/qemu-system-x86_64")).isGreaterThan(1);
        assertThat(String.join(" ", c)).contains("-netdev tap,id=net0,ifname=tap0,script=no,downscript=no "
                + "-device virtio-net-device,netdev=net0,mac=0a:58:0a:fa:01:05");
        assertThat(command(new Accelerator.Tcg("test"), List.of())).doesNotContain("-netdev").doesNotContain("/usr/bin/nsenter");
    }

    @Test
    void aNetworkCardIsCheckedAndNeverRestoredFromASnapshot() {
        assertThatThrownBy(() -> new VmNic(Path.of("/run/netns/a,b"), "tap0", "0a:58:0a:fa:01:05")).hasMessageContaining("netns");
        assertThatThrownBy(() -> new VmNic(Path.of("/run/netns/a"), "tap0,x", "0a:58:0a:fa:01:05")).hasMessageContaining("TAP");
        assertThatThrownBy(() -> new VmNic(Path.of("/run/netns/a"), "tap0", "0a:58:0a:fa:01")).hasMessageContaining("MAC");
        VmNic nic = new VmNic(Path.of("/run/netns/a"), "tap0", "0a:58:0a:fa:01:05");
        assertThatThrownBy(() -> new VmSpec("a", IMAGE, new Accelerator.Tcg("t"), 1, 256, Path.of("/r"), List.of(), null,
                Path.of("/snap/memory"), null, nic)).hasMessageContaining("snapshot");
    }
}

package dev.vulcan.daemon.backend.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vulcan.daemon.backend.NetworkJoin;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VmInstanceCommandTest {

    private static final VmImage IMAGE = new VmImage("0123456789abcdef", Path.of("/img/vmlinuz"), Path.of("/img/initramfs.cpio.gz"),
            "6.1.0-cloud-amd64");
    private static final VmInstanceFiles FILES = new VmInstanceFiles(Path.of("/state/microvm/instances"), "01abc");

    private static List<String> qemu() {
        return VmInstanceCommand.qemu(Path.of("/usr/bin/qemu-system-x86_64"), FILES, IMAGE, new Accelerator.Tcg("test"),
                new TscFrequency(2_596_126), 1, 256, VmInstanceCommand.NetworkArgs.NONE);
    }

    private static String after(List<String> argv, String option, String startingWith) {
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals(option) && argv.get(i + 1).startsWith(startingWith)) {
                return argv.get(i + 1);
            }
        }
        throw new AssertionError("no " + option + " " + startingWith + " in " + argv);
    }

    @Test
    void qemuListensOnItsSocketsSoAnyDaemonCanConnectLater() {
        List<String> argv = qemu();
        assertThat(argv.subList(0, 3)).containsExactly("/usr/bin/qemu-system-x86_64", "-name", "vulcan-inst-01abc");
        assertThat(after(argv, "-chardev", "socket,id=agent"))
                .isEqualTo("socket,id=agent,path=/state/microvm/instances/01abc/agent.sock,server=on,wait=off");
        assertThat(after(argv, "-qmp", "unix:")).isEqualTo("unix:/state/microvm/instances/01abc/qmp.sock,server=on,wait=off");
        // the console keeps a log whether or not anyone is attached, appended across runs
        assertThat(after(argv, "-chardev", "socket,id=console")).isEqualTo("socket,id=console,path="
                + "/state/microvm/instances/01abc/console.sock,server=on,wait=off,logfile=/state/microvm/instances/01abc/console.log,logappend=on");
        assertThat(after(argv, "-chardev", "file,id=status")).isEqualTo("file,id=status,path=/state/microvm/instances/01abc/status");
        assertThat(argv).containsSubsequence("-device", "virtconsole,chardev=console,name=vulcan.console",
                "-device", "virtserialport,chardev=agent,name=vulcan.agent",
                "-device", "virtserialport,chardev=status,name=vulcan.status");
        assertThat(after(argv, "-drive", "id=root")).isEqualTo("id=root,if=none,format=qcow2,file=/state/microvm/instances/01abc/rootfs.qcow2");
        assertThat(after(argv, "-pidfile", "/")).isEqualTo("/state/microvm/instances/01abc/qemu.pid");
        assertThat(after(argv, "-append", "console=")).contains("tsc_early_khz=2596126").contains("vulcan.exec_ports=3");
        // three more agent ports for execs side by side
        for (int n = 1; n <= 3; n++) {
            assertThat(after(argv, "-chardev", "socket,id=exec" + n)).isEqualTo("socket,id=exec" + n
                    + ",path=/state/microvm/instances/01abc/exec." + n + ".sock,server=on,wait=off");
            assertThat(argv).contains("virtserialport,chardev=exec" + n + ",name=vulcan.exec." + n);
        }
        assertThat(argv).containsSubsequence("-smp", "1", "-m", "256M").doesNotContain("setpriv");
    }

    @Test
    void theMonitorRunsQemuInItsOwnSessionAndRecordsItsExit() {
        List<String> argv = VmInstanceCommand.monitored(FILES, List.of("qemu", "-x"));
        assertThat(argv).containsExactly("setsid", "sh", "-c", VmInstanceCommand.MONITOR, "vulcan-vm-monitor",
                "/state/microvm/instances/exits/01abc", "qemu", "-x");
    }

    @Test
    void theMonitorScriptWritesQemusExitStatus(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path exit = dir.resolve("exit");
        Process p = new ProcessBuilder("sh", "-c", VmInstanceCommand.MONITOR, "vulcan-vm-monitor", exit.toString(),
                "sh", "-c", "exit 3").start();
        assertThat(p.waitFor()).isZero();
        assertThat(java.nio.file.Files.readString(exit)).isEqualTo("3\n");
    }

    @Test
    void aNetworkPutsQemuInTheNamespaceOnItsTapAndConfiguresTheGuest() throws Exception {
        List<List<String>> ran = new java.util.ArrayList<>();
        VmNetwork vmNetwork = new VmNetwork((argv, deadline) -> {
            ran.add(argv);
            return new dev.vulcan.daemon.backend.oci.ProcessRunner.Result(0, "");
        });
        NetworkJoin join = new NetworkJoin(Path.of("/run/netns/x"), "web", List.of(), new NetworkJoin.Nic("eth0",
                "0a:58:0a:4d:00:05", List.of(new NetworkJoin.Address(dev.vulcan.daemon.net.IpPrefix.literal("10.77.0.5"), 16)),
                List.of(dev.vulcan.daemon.net.IpPrefix.literal("10.77.0.1"))));
        VmInstanceCommand.NetworkArgs args = VmInstanceCommand.network(vmNetwork, join);
        assertThat(args.launcher()).containsExactly("/usr/bin/nsenter", "--net=/run/netns/x");
        assertThat(String.join(" ", args.qemu())).contains("ifname=tap0").contains("mac=0a:58:0a:4d:00:05");
        assertThat(args.guestSetup()).hasSize(1);
        assertThat(args.guestSetup().getFirst().argv().get(3)).isEqualTo("sh");
        assertThat(args.guestSetup().getFirst().argv().get(4)).isEqualTo("/rootfs");
        assertThat(ran).hasSize(1);
        assertThat(VmInstanceCommand.network(vmNetwork, null)).isEqualTo(VmInstanceCommand.NetworkArgs.NONE);
    }

    @Test
    void aNetworkPutsQemuUnderItsLauncherWithItsDeviceAndKernelArguments() {
        var network = new VmInstanceCommand.NetworkArgs(List.of("nsenter", "--net=/run/netns/x"),
                List.of("-netdev", "tap,id=net0"), List.of("vulcan.ip=10.0.0.2/24"), List.of());
        List<String> argv = VmInstanceCommand.qemu(Path.of("/usr/bin/qemu-system-x86_64"), FILES, IMAGE,
                new Accelerator.Tcg("test"), new TscFrequency(2_596_126), 1, 256, network);
        assertThat(argv.subList(0, 3)).containsExactly("nsenter", "--net=/run/netns/x", "/usr/bin/qemu-system-x86_64");
        assertThat(argv.subList(argv.size() - 2, argv.size())).containsExactly("-netdev", "tap,id=net0");
        assertThat(after(argv, "-append", "console=")).endsWith(" vulcan.ip=10.0.0.2/24");
    }

    @Test
    void socketPathsMustFitAUnixAddress() {
        new VmInstanceFiles(Path.of("/var/lib/vulcan/microvm/instances"), "01jabcdefghjkmnpqrstvwxyz0").checkSocketPaths();
        assertThatThrownBy(() -> new VmInstanceFiles(Path.of("/" + "d".repeat(80)), "01jabcdefghjkmnpqrstvwxyz0")
                .checkSocketPaths()).hasMessageContaining("too deep");
        assertThatThrownBy(() -> new VmInstanceFiles(Path.of("/x"), "../etc")).hasMessageContaining("bad instance id");
    }
}

// HangUpTests.swift: the explorer never outlives its terminal. A pseudo-terminal (made by
// python3's pty module, which every test machine has) runs the real binary; the test closes
// the terminal, or sends SIGTERM, and the explorer must be gone within seconds. Both runs
// start the binary with SIGINT, SIGTERM and SIGHUP blocked, as test runners and some
// launchers hand them down, and the terminal-gone run gives it no controlling terminal, so
// no SIGHUP arrives: only the closed input tells.

import Foundation
import TestSupport
import Testing

@Suite struct HangUpTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the explorer on a pty; `how` is "close" (the terminal goes away) or "term"
    /// (SIGTERM). Returns the harness's last line: "exited N", "signal N" or "still running".
    private func run(_ how: String) throws -> String {
        let script = """
        import os, pty, signal, subprocess, sys, time
        binary, model, how = sys.argv[1:4]
        master, slave = pty.openpty()
        blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
        env = dict(os.environ, TERM="xterm-256color", LINES="40", COLUMNS="120", LATENTSCOPE_RENDERER="blocks")
        p = subprocess.Popen([binary, "--model", model, "--seed", "3"], stdin=slave, stdout=slave, stderr=slave,
                             env=env, start_new_session=(how == "close"),
                             preexec_fn=lambda: signal.pthread_sigmask(signal.SIG_BLOCK, blocked))
        os.close(slave)
        seen, deadline = b"", time.time() + 60
        while b"seed" not in seen and time.time() < deadline and p.poll() is None:  # the UI is up
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
        if b"seed" not in seen:
            print("the explorer did not start: %r" % seen[-300:])
            sys.exit(0)
        time.sleep(0.5)
        if how == "close":
            os.close(master)
        else:
            p.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        while p.poll() is None and time.time() < deadline:
            if how == "term":  # a terminal keeps reading what the program writes
                import select
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        os.read(master, 65536)
                    except OSError:
                        pass
            else:
                time.sleep(0.1)
        code = p.poll()
        if code is None:
            p.kill()
            print("still running")
        else:
            print("signal %d" % -code if code < 0 else "exited %d" % code)
        """
        let file = NSTemporaryDirectory() + "hangup-\(UUID().uuidString).py"
        try script.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.python!)
        p.arguments = [file, BuiltBinary.path, Fixture.tinyModel, how]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    }

    @Test(.enabled(if: python != nil, "python3 is needed for the pseudo-terminal"))
    func aClosedTerminalEndsTheExplorer() throws {
        let result = try run("close")
        #expect(result.hasPrefix("exited") || result.hasPrefix("signal"), "after its terminal closed: \(result)")
    }

    @Test(.enabled(if: python != nil, "python3 is needed for the pseudo-terminal"))
    func sigtermEndsTheExplorerEvenWhenItArrivedBlocked() throws {
        #expect(try run("term") == "signal \(SIGTERM)")
    }
}

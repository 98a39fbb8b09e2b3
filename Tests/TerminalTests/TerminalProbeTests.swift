// The live probe against real descriptors: a pipe (not a TTY: nothing may be sent) and a
// pseudo-terminal whose master side plays the terminal, answering or staying silent.

import Foundation
import Testing
@testable import Terminal

#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal pair; the probe talks to `slave`, the test plays the terminal on `master`.
private final class PseudoTerminal {
    let master: Int32
    let slave: Int32

    init(window: WindowSize) throws {
        // posix_openpt/grantpt/unlockpt/ptsname are hidden from Swift's Glibc module (they need
        // _XOPEN_SOURCE), so this does what they do on Linux: open the multiplexer, unlock the
        // slave (TIOCSPTLCK) and ask for its number (TIOCGPTN).
        let tiocgptn: UInt = 0x8004_5430, tiocsptlck: UInt = 0x4004_5431
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw POSIXError(.ENOTTY) }
        var unlock: Int32 = 0, number: Int32 = 0
        guard ioctl(master, tiocsptlck, &unlock) == 0, ioctl(master, tiocgptn, &number) == 0 else {
            close(master)
            throw POSIXError(.ENOTTY)
        }
        slave = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            close(master)
            throw POSIXError(.ENOTTY)
        }
        var size = winsize(
            ws_row: UInt16(window.rows), ws_col: UInt16(window.cols),
            ws_xpixel: UInt16(window.pixelWidth), ws_ypixel: UInt16(window.pixelHeight))
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
    }

    deinit {
        close(slave)
        close(master)
    }

    /// Plays the terminal on a background thread: collects what the probe sends until it sees
    /// the DA1 query, then writes `reply` (if any). Returns what it received once done.
    func respond(with reply: String?) -> @Sendable () -> [UInt8] {
        let master = self.master
        let done = DispatchSemaphore(value: 0)
        let received = LockedBytes()
        DispatchQueue.global().async {
            var buffer = [UInt8](repeating: 0, count: 256)
            // Bounded so a broken probe fails the test instead of hanging it.
            for _ in 0..<500 {
                var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 10) >= 0 else { break }
                if descriptor.revents & Int16(POLLIN) != 0 {
                    let count = read(master, &buffer, buffer.count)
                    if count <= 0 { break }
                    received.append(buffer[0..<count])
                    if received.contains(TerminalReplies.deviceAttributesQuery) { break }
                }
            }
            if let reply { _ = reply.utf8CString.withUnsafeBufferPointer { write(master, $0.baseAddress, $0.count - 1) } }
            done.signal()
        }
        return {
            done.wait()
            return received.bytes
        }
    }
}

private final class LockedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [UInt8] = []
    func append(_ more: ArraySlice<UInt8>) { lock.withLock { storage += more } }
    func contains(_ needle: [UInt8]) -> Bool {
        lock.withLock {
            guard storage.count >= needle.count else { return false }
            return (0...(storage.count - needle.count)).contains { Array(storage[$0..<($0 + needle.count)]) == needle }
        }
    }
    var bytes: [UInt8] { lock.withLock { storage } }
}

private func localFlags(_ descriptor: Int32) -> tcflag_t {
    var attributes = termios()
    _ = tcgetattr(descriptor, &attributes)
    return attributes.c_lflag
}

@Suite("Terminal probe", .serialized)
struct TerminalProbeTests {
    @Test func pipeIsNotProbed() throws {
        var descriptors: [Int32] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        defer { close(descriptors[0]); close(descriptors[1]) }
        let probe = TerminalProbe(inputDescriptor: descriptors[0], outputDescriptor: descriptors[1])
        #expect(!probe.isInteractive)
        #expect(probe.run() == .notATerminal)

        // Nothing was written: the pipe is empty.
        _ = fcntl(descriptors[0], F_SETFL, O_NONBLOCK)
        var byte: UInt8 = 0
        #expect(read(descriptors[0], &byte, 1) == -1)
    }

    @Test func detectWithoutTerminalDecidesFromEnvironmentOnly() throws {
        var descriptors: [Int32] = [0, 0]
        try #require(pipe(&descriptors) == 0)
        defer { close(descriptors[0]); close(descriptors[1]) }
        let capabilities = TerminalCapabilities.detect(
            environment: ["TERM": "xterm-256color", "COLORTERM": "truecolor"],
            probe: TerminalProbe(inputDescriptor: descriptors[0], outputDescriptor: descriptors[1]))
        #expect(capabilities.probe.status == .notATerminal)
        #expect(capabilities.renderer == .blocks)
        #expect(capabilities.reason == "blocks: not probed: not a terminal; COLORTERM=truecolor")
    }

    @Test func answeringTerminal() throws {
        let window = WindowSize(rows: 30, cols: 100, pixelWidth: 900, pixelHeight: 540)
        let terminal = try PseudoTerminal(window: window)
        let flagsBefore = localFlags(terminal.slave)
        let finish = terminal.respond(with: "\u{1B}[6;20;10t\u{1B}[?62;4c")

        let result = TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave,
                                   timeoutMilliseconds: 2000).run()
        let sent = finish()

        #expect(sent == TerminalProbe.queries)
        #expect(sent.starts(with: Array("\u{1B}[16t".utf8)) && sent.suffix(3) == Array("\u{1B}[c".utf8)[...], "DA1 goes last")
        #expect(result.status == .answered)
        #expect(result.deviceAttributes == [62, 4])
        #expect(result.reportedCellSize == PixelSize(width: 10, height: 20))
        #expect(result.window == window)
        #expect(localFlags(terminal.slave) == flagsBefore, "termios must be restored")

        let capabilities = TerminalCapabilities.decide(environment: ["TERM": "xterm"], probe: result)
        #expect(capabilities.renderer == .sixel)
        #expect(capabilities.cellSize == PixelSize(width: 10, height: 20))
    }

    @Test func terminalWithKittyImagesAndASmallSixelLimit() throws {
        let terminal = try PseudoTerminal(window: WindowSize(rows: 40, cols: 120, pixelWidth: 1200, pixelHeight: 800))
        // A terminal answering everything, in order: cell size, kitty, geometry, registers, DA1.
        let finish = terminal.respond(with: "\u{1B}[6;20;10t\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?2;0;480;320S\u{1B}[?1;0;64S\u{1B}[?62;4;22c")
        let result = TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave,
                                   timeoutMilliseconds: 2000).run()
        _ = finish()
        #expect(result.status == .answered)
        #expect(result.kittyGraphics == true)
        #expect(result.graphicsLimit == PixelSize(width: 480, height: 320))
        #expect(result.colorRegisters == 64)
        let capabilities = TerminalCapabilities.decide(environment: ["TERM": "xterm-kitty"], probe: result)
        #expect(capabilities.renderer == .kitty)
        #expect(capabilities.graphicsLimit == PixelSize(width: 480, height: 320))
    }

    @Test func forcedPixelRendererStillAsksForTheLimits() throws {
        let terminal = try PseudoTerminal(window: WindowSize(rows: 24, cols: 80))
        let finish = terminal.respond(with: "\u{1B}[?2;0;1000;1000S\u{1B}[?63;1;4c")
        let capabilities = TerminalCapabilities.detect(
            choice: .forced(.kitty), environment: ["TERM": "xterm"],
            probe: TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave, timeoutMilliseconds: 2000))
        #expect(finish() == TerminalProbe.queries)
        #expect(capabilities.renderer == .kitty)
        #expect(capabilities.graphicsLimit == PixelSize(width: 1000, height: 1000))
    }

    @Test func silentTerminalDoesNotHang() throws {
        let window = WindowSize(rows: 24, cols: 80, pixelWidth: 800, pixelHeight: 480)
        let terminal = try PseudoTerminal(window: window)
        let flagsBefore = localFlags(terminal.slave)
        let finish = terminal.respond(with: nil)

        let result = TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave,
                                   timeoutMilliseconds: 100).run()
        _ = finish()

        #expect(result.status == .noAnswer)
        #expect(result.deviceAttributes == nil)
        #expect(result.window == window)
        #expect(localFlags(terminal.slave) == flagsBefore, "termios must be restored")

        // With no reply, the cell size comes from TIOCGWINSZ's pixel fields.
        let capabilities = TerminalCapabilities.decide(environment: ["TERM": "xterm-256color"], probe: result)
        #expect(capabilities.cellSize == PixelSize(width: 10, height: 20))
        #expect(capabilities.cellSizeSource == "TIOCGWINSZ pixel size / cells")
        #expect(capabilities.renderer == .blocks256)
    }

    @Test func detectReportsHowLongTheProbeWaited() throws {
        let terminal = try PseudoTerminal(window: WindowSize(rows: 24, cols: 80))
        let finish = terminal.respond(with: nil)
        // The probe given wins over the variable, and --dump-detect says what it really waited.
        let capabilities = TerminalCapabilities.detect(
            environment: ["TERM": "xterm", "LATENTSCOPE_PROBE_TIMEOUT": "5000"],
            probe: TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave, timeoutMilliseconds: 120))
        _ = finish()
        #expect(capabilities.probe.status == .noAnswer)
        #expect(capabilities.probeTimeoutMilliseconds == 120)
        #expect(capabilities.describe().contains("no answer within 120 ms"))
    }

    @Test func forcedNonSixelRendererSendsNoQueries() throws {
        let terminal = try PseudoTerminal(window: WindowSize(rows: 24, cols: 80))
        let probe = TerminalProbe(inputDescriptor: terminal.slave, outputDescriptor: terminal.slave)
        let capabilities = TerminalCapabilities.detect(
            choice: .forced(.blocks), environment: ["TERM": "xterm"], probe: probe)
        #expect(capabilities.probe.status == .skipped)
        #expect(capabilities.probe.window == WindowSize(rows: 24, cols: 80))
        #expect(capabilities.renderer == .blocks)

        // Nothing reached the terminal side.
        var descriptor = pollfd(fd: terminal.master, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 0) == 0)
    }
}

// RealTerminalTests.swift: the built binary in real terminal emulators on a virtual X display
// (Xvfb). xterm -ti vt340 draws the sixel picture, and a screenshot of the screen (xwd) must
// contain the engine's face, every source pixel a square.
// kitty runs with --dump-commands, which prints every graphics command it parsed: the query,
// the picture under one image id, its deletion before a suspend (Ctrl-Z), the picture again on
// resume, and the deletion at the end. Each test skips, saying why, where the programs are
// missing (scripts/test.sh installs them on Debian).

import Engine
import Foundation
import Imaging
import TestSupport
import Testing
@testable import Explorer

/// A private X server, and the programs the tests run on it.
final class VirtualDisplay {
    static func tool(_ name: String) -> String? {
        ["/usr/bin/", "/usr/local/bin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func missing(_ names: [String]) -> String? {
        let absent = names.filter { tool($0) == nil }
        return absent.isEmpty ? nil : absent.joined(separator: ", ")
    }

    let display: String
    private var processes: [pid_t] = []

    init() throws {
        // A display number no other server holds (its lock file is absent).
        let number = (100 + Int(getpid()) % 400...999).first { !FileManager.default.fileExists(atPath: "/tmp/.X\($0)-lock") }!
        display = ":\(number)"
        let server = try spawn("Xvfb", [display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        let deadline = Date(timeIntervalSinceNow: 20)
        while !FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") {
            guard Date() < deadline, kill(server, 0) == 0 else { throw VirtualDisplayError("Xvfb did not start on \(display)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Ends every program started here, the server last. SIGKILL: a terminal or an X server
    /// busy with its clients may take its time over SIGTERM, and a test must not wait for it.
    deinit {
        for pid in processes.reversed() {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    /// Starts `program` on this display (posix_spawn: nothing of this process is inherited but
    /// the three standard descriptors); `output` receives its standard output and error.
    @discardableResult
    func spawn(_ program: String, _ arguments: [String], output: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let path = Self.tool(program)!
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment = ProcessInfo.processInfo.environment.merging(["DISPLAY": display]) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environment.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environment)
        guard rc == 0 else { throw VirtualDisplayError("cannot start \(program): error \(rc)") }
        processes.append(pid)
        return pid
    }

    /// The whole screen, read back with xwd (given 20 s).
    func screenshot() throws -> RGBImage {
        let path = NSTemporaryDirectory() + "latentscope-shot-\(UUID().uuidString).xwd"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let pid = try spawn("xwd", ["-root", "-silent", "-out", path])
        var status: Int32 = 0
        let deadline = Date(timeIntervalSinceNow: 20)
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard Date() < deadline else { throw VirtualDisplayError("xwd did not finish") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        processes.removeAll { $0 == pid }
        return try XWD.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }
}

struct VirtualDisplayError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// The X window dump format, for the 32-bit pixels of a 24-bit TrueColor screen.
enum XWD {
    static func decode(_ d: [UInt8]) throws -> RGBImage {
        func field(_ i: Int) -> Int { Int(d[i * 4]) << 24 | Int(d[i * 4 + 1]) << 16 | Int(d[i * 4 + 2]) << 8 | Int(d[i * 4 + 3]) }
        guard d.count >= 100 else { throw VirtualDisplayError("xwd: short file") }
        let headerSize = field(0), width = field(4), height = field(5), lsbFirst = field(7) == 0
        let bitsPerPixel = field(11), bytesPerLine = field(12), colors = field(19)
        guard bitsPerPixel == 32 else { throw VirtualDisplayError("xwd: \(bitsPerPixel) bits per pixel, expected 32") }
        let start = headerSize + colors * 12
        guard d.count >= start + bytesPerLine * height else { throw VirtualDisplayError("xwd: pixels cut short") }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        // 0x00RRGGBB, in either byte order.
        let (r, g, b) = lsbFirst ? (2, 1, 0) : (1, 2, 3)
        d.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    for x in 0..<width {
                        let s = start + y * bytesPerLine + x * 4, o = (y * width + x) * 3
                        dst[o] = src[s + r]
                        dst[o + 1] = src[s + g]
                        dst[o + 2] = src[s + b]
                    }
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}

@Suite(.serialized) struct RealTerminalTests {
    /// A script that runs the explorer on the tiny model, records its pid, then its exit status.
    func script(in dir: String, _ args: String = "", environment: String = "") throws -> String {
        let text = """
            cd '\(dir)'
            \(environment)
            echo $$ > shell.txt
            # In the background but on the terminal (sh gives background jobs /dev/null otherwise).
            exec 3<&0
            '\(Binary.path)' --model '\(Fixture.tinyModel)' --seed 42 \(args) <&3 &
            echo $! > pid.txt
            wait $!
            echo "EXIT=$?" > exit.txt
            sleep 600
            """
        try text.write(toFile: dir + "/run.sh", atomically: true, encoding: .utf8)
        return dir + "/run.sh"
    }

    /// The explorer's process id, as the script recorded it.
    func explorerPID(_ dir: String, _ file: String = "pid.txt") -> pid_t? {
        (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func waitUntil(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return false
    }

    /// Where `face` appears in `shot` enlarged by a whole number (every source pixel a square of
    /// one colour, within `tolerance` levels: sixel colours are percentages, and xterm rounds
    /// them its own way, up to 5 levels off), or nil.
    func find(_ face: RGBImage, in shot: RGBImage, tolerance: Int = 8) -> (x: Int, y: Int, scale: Int)? {
        let sp = shot.pixels, fp = face.pixels, sw = shot.width
        func close(_ sx: Int, _ sy: Int, _ fx: Int, _ fy: Int) -> Bool {
            let s = (sy * sw + sx) * 3, f = (fy * face.width + fx) * 3
            return abs(Int(sp[s]) - Int(fp[f])) <= tolerance && abs(Int(sp[s + 1]) - Int(fp[f + 1])) <= tolerance
                && abs(Int(sp[s + 2]) - Int(fp[f + 2])) <= tolerance
        }
        func fits(_ x: Int, _ y: Int, _ scale: Int) -> Bool {
            guard x + face.width * scale <= shot.width, y + face.height * scale <= shot.height else { return false }
            for j in 0..<face.height {
                for i in 0..<face.width {
                    let left = x + i * scale, top = y + j * scale
                    if !close(left, top, i, j) || !close(left + scale / 2, top + scale / 2, i, j)
                        || !close(left + scale - 1, top + scale - 1, i, j) { return false }
                }
            }
            return true
        }
        for y in 0..<shot.height {
            for x in 0..<shot.width where close(x, y, 0, 0) {
                // The run of the first pixel's colour is its square's side, or longer where the
                // next source pixel has nearly the same colour.
                var run = 1
                while x + run < shot.width && close(x + run, y, 0, 0) { run += 1 }
                for scale in stride(from: run, through: 2, by: -1) where fits(x, y, scale) { return (x, y, scale) }
            }
        }
        return nil
    }

    /// Keeps `image` as a PNG beside the test's files, for a failure message.
    func keep(_ image: RGBImage?, in dir: String) -> String {
        guard let image else { return "no screenshot" }
        let path = dir + "/screen.png"
        return (try? PNGCodec.write(image, to: path)).map { "screenshot: \(path)" } ?? "screenshot not written"
    }

    func engineFace() throws -> RGBImage {
        let G = try Fixture.generator()
        let out = try G.render([Recipe(seed: 42)], directions: nil)
        return RGBImage(planarRGB: out.images[0], width: out.resolution, height: out.resolution)
    }

    @Test(.enabled(if: VirtualDisplay.missing(["Xvfb", "xterm", "xwd"]) == nil,
                   "Xvfb, xterm or xwd is not installed: the real-xterm sixel test is skipped"))
    func xtermShowsTheFaceInSixel() throws {
        let dir = Fixture.tempDir()
        let x = try VirtualDisplay()
        // Detection decides (DA1 from xterm -ti vt340); the limit is raised so the face is not capped.
        try x.spawn("xterm", ["-ti", "vt340", "-geometry", "120x40+0+0", "-fa", "Monospace", "-fs", "10",
                              "-xrm", "XTerm*maxGraphicSize: 4096x4096", "-e", "sh", try script(in: dir)])
        let face = try engineFace()
        var found: (x: Int, y: Int, scale: Int)?
        var last: RGBImage?
        let shown = waitUntil(60) {
            last = try? x.screenshot()
            found = last.flatMap { find(face, in: $0) }
            return found != nil
        }
        try #require(shown, "the engine's face, enlarged by a whole number, never appeared on the xterm screen; \(keep(last, in: dir))")
        #expect(found!.scale >= 10, "a large sixel picture, not half blocks: \(found!)")
    }

    @Test(.enabled(if: VirtualDisplay.missing(["Xvfb", "kitty"]) == nil,
                   "Xvfb or kitty is not installed: the real-kitty test is skipped"))
    func kittyGetsOneImageReplacedDeletedOnSuspendAndQuit() throws {
        let dir = Fixture.tempDir()
        let x = try VirtualDisplay()
        let log = dir + "/kitty.log"
        try x.spawn("kitty", ["--config", "NONE", "--dump-commands", "-o", "remember_window_size=no", "-o", "font_size=10", "-o", "initial_window_width=1200",
                              "-o", "initial_window_height=760", "sh",
                              // kitty with --dump-commands answers slowly on a loaded machine (CI runs the
                              // stress suite beside this test): the probe must wait for it, as over a slow link.
                              try script(in: dir, environment: "export LATENTSCOPE_PROBE_TIMEOUT=8000")], output: log)
        func commands() -> [String] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        // kitty logs each piece of text it read as one `draw` line; a loaded machine splits a
        // line of output over several reads, so text is searched in the pieces joined up.
        func drawn() -> String {
            commands().filter { $0.hasPrefix("draw ") }.map { String($0.dropFirst(5)) }.joined()
        }
        func graphics(_ action: String) -> [String] {
            commands().filter { $0.hasPrefix("graphics_command") && $0.contains("'action': b'\(action)'") }
        }
        let id = "'id': \(ImagePresenter.kittyImageID)"
        // Detection asks kitty, kitty answers, the status line says so, and the face is sent.
        guard waitUntil(60, { graphics("T").contains { $0.contains(id) } }) else {
            Issue.record("kitty received no picture; its log:\n\(commands().suffix(30).joined(separator: "\n"))")
            return
        }
        #expect(graphics("q").contains { $0.contains("'id': 31") }, "the kitty graphics query")
        // The status line may reach kitty's log well after the picture on a loaded machine:
        // give it as long as the picture had.
        #expect(waitUntil(60) { drawn().contains("kitty: the terminal answered the kitty graphics query") },
                "the status line says how the terminal was detected; kitty drew: \(String(drawn().suffix(600)))")
        let transmit = try #require(graphics("T").first { $0.contains(id) })
        #expect(transmit.contains("'placement_id': 1") && transmit.contains("'format': 100") && transmit.contains("'quiet': 2"))

        // Ctrl-Z: the image is deleted before the process stops; on resume it is sent again.
        let pid = try #require(explorerPID(dir))
        kill(pid, SIGTSTP)
        #expect(waitUntil(20) { graphics("d").contains { $0.contains(id) && $0.contains("'delete_action': b'I'") } })
        let sentBefore = graphics("T").count
        // curses stops the process with SIGTSTP again; the shell may have stopped with it.
        if let shell = explorerPID(dir, "shell.txt") { kill(shell, SIGCONT) }
        kill(pid, SIGCONT)
        #expect(waitUntil(20) { graphics("T").count > sentBefore }, "the picture again after resume")

        // A new face replaces the picture under the same ids; quitting deletes it.
        let deletesBefore = graphics("d").count
        kill(pid, SIGTERM)
        #expect(waitUntil(20) { FileManager.default.fileExists(atPath: dir + "/exit.txt") })
        #expect(waitUntil(10) { graphics("d").count > deletesBefore }, "deleted on quit")
        #expect(graphics("T").allSatisfy { $0.contains(id) }, "one image id for the face view, never a second one")
    }
}

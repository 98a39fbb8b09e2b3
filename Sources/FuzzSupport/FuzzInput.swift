// FuzzInput: what the fuzz targets share. Built with -DFUZZING (scripts/fuzz.sh)
// a target's main hands its parser to libFuzzer's driver; built normally it is a
// replay tool that runs the parser on the files it is given and says what each
// gave, so an input can be checked without the fuzzer.

import Foundation

#if FUZZING
// libFuzzer's entry for programs with their own main (SwiftPM gives executables theirs).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The parser under test; set once before the driver starts, which then calls it on one thread.
nonisolated(unsafe) private var parser: ((Data) throws -> Void)?

/// One input. libFuzzer's archive brings its own main, which calls this; SwiftPM's main
/// (the target's) goes through runDriver instead, and either way the parser is the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    // Errors are the parser doing its job; only a trap or a sanitizer report is a finding.
    _ = try? parser?(bytes.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}
#endif

public enum FuzzInput {
    /// Runs the fuzzer (FUZZING) or the replay tool on `body`.
    public static func main(_ body: @escaping (Data) throws -> Void) -> Never {
        #if FUZZING
        parser = body
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runDriver(&argc, &argv) { testOneInput($0, $1) })
        #else
        exit(replay(Array(CommandLine.arguments.dropFirst()), body))
        #endif
    }

    /// Runs `body` on each file in `paths`; exit status 0 when all could be read.
    public static func replay(_ paths: [String], _ body: (Data) throws -> Void) -> Int32 {
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: \(CommandLine.arguments[0]) FILE...\n".utf8))
            return 2
        }
        var status: Int32 = 0
        for p in paths {
            guard let data = FileManager.default.contents(atPath: p) else {
                print("\(p): cannot read")
                status = 1
                continue
            }
            do {
                try body(data)
                print("\(p): accepted")
            } catch {
                print("\(p): rejected: \(String(describing: error).prefix(300))")
            }
        }
        return status
    }

    /// A file named by an environment variable (the fuzzers get their fixtures this way,
    /// since libFuzzer owns the command line).
    public static func environmentPath(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}
